//! `spec.workload`: the manifest file holding the one Pod or workload, and `run:` (how each
//! container runs on the local backends).
//!
//! It owns choosing the workload among the file's documents and checking that every container
//! has a run command. It must not decide the pod's behaviour (that is `kubelet`'s) nor load
//! the scenario's objects (`sources`).

use std::path::{Path, PathBuf};

use crate::api::manifest::{Manifest, Workload};

use super::decode::{Cx, Result, quote_list};
use super::errors::closest;
use super::fields::{RUN_FIELDS, WORKLOAD_FIELDS};
use super::format::{RunSpec, WorkloadSpec};
use super::sources::{load_manifest_file, resolve};
use crate::yaml::Node;

pub(super) fn workload_file(cx: &Cx<'_>, dir: &Path, node: &Node) -> Result<PathBuf> {
    cx.fields(node, *WORKLOAD_FIELDS, "workload")?;
    let Some(file) = node.get("file") else {
        return Err(cx.missing(
            node,
            "file",
            "workload",
            "name the manifest with the Pod or Deployment: `file: manifests/deployment.yaml`",
        ));
    };
    Ok(resolve(dir, &cx.string(file, "workload.file")?))
}

/// `spec.workload` (`key` is the `workload:` key, where a missing run command is reported).
pub(super) fn workload(
    cx: &Cx<'_>,
    dir: &Path,
    key: &Node,
    node: &Node,
    path: PathBuf,
) -> Result<WorkloadSpec> {
    let Some(file_node) = node.get("file") else {
        return Err(cx.missing(node, "file", "workload", "add `file:`"));
    };
    let manifests = load_manifest_file(cx, dir, file_node, &path)?;
    // What the file holds instead, should it hold no workload.
    let found: Vec<String> = manifests
        .iter()
        .map(|m| format!("{} {} ({})", m.kind(), m.name(), m.origin()))
        .collect();
    let workloads: Vec<Workload> = manifests
        .into_iter()
        .filter_map(|m| match m {
            Manifest::Workload(workload) => Some(workload),
            _ => None,
        })
        .collect();
    let workload =
        match <[Workload; 1]>::try_from(workloads) {
            Ok([workload]) => workload,
            Err(workloads) if workloads.is_empty() => {
                let found = if found.is_empty() {
                    "nothing".to_string()
                } else {
                    found.join(", ")
                };
                return Err(cx.invalid(
                file_node,
                format!("{} holds no Pod or workload (found: {found})", path.display()),
                "the workload is a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or \
                 CronJob"
                    .to_string(),
            ));
            }
            Err(workloads) => {
                let names: Vec<String> = workloads
                    .iter()
                    .map(|w| format!("{} {:?} ({})", w.kind, w.name, w.origin))
                    .collect();
                return Err(cx.invalid(
                    file_node,
                    format!(
                        "{} holds {} workloads: {}",
                        path.display(),
                        workloads.len(),
                        names.join(", ")
                    ),
                    "a scenario runs one pod: put the other workloads in their own files"
                        .to_string(),
                ));
            }
        };

    let containers: Vec<&str> = workload
        .spec
        .containers
        .iter()
        .chain(workload.spec.init_containers.iter().flatten())
        .map(|c| c.name.as_str())
        .collect();
    let mut run = std::collections::BTreeMap::new();
    if let Some(run_node) = node.get("run") {
        for (key, value) in cx.mapping(run_node, "run")? {
            let name = key.scalar().unwrap_or_default();
            if !containers.contains(&name) {
                let hint = match closest(name, &containers) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("the pod's containers are {}", quote_list(&containers)),
                };
                return Err(cx.reference(
                    key,
                    format!(
                        "run: no container `{name}` in {} {:?}",
                        workload.kind, workload.name
                    ),
                    hint,
                ));
            }
            run.insert(name.to_string(), run_spec(cx, dir, value, name)?);
        }
    }
    let all: Vec<_> = workload
        .spec
        .containers
        .iter()
        .chain(workload.spec.init_containers.iter().flatten())
        .collect();
    for container in all {
        if run.contains_key(&container.name) {
            continue;
        }
        let at = node.entry("run").map(|(run_key, _)| run_key).unwrap_or(key);
        let example = match &container.command {
            Some(command) if !command.is_empty() => format!(
                "[{}]",
                command
                    .iter()
                    .chain(container.args.iter().flatten())
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => "[python3, app.py]".to_string(),
        };
        return Err(cx.structure(
            at,
            format!("container `{}` has no run command", container.name),
            format!(
                "the local backends run every container as a process: add `run: {{{}: \
                 {{command: {example}}}}}` under spec.workload",
                container.name
            ),
        ));
    }
    Ok(WorkloadSpec {
        file: path,
        workload,
        run,
    })
}

fn run_spec(cx: &Cx<'_>, dir: &Path, node: &Node, container: &str) -> Result<RunSpec> {
    let context = format!("run.{container}");
    cx.fields(node, *RUN_FIELDS, &context)?;
    let Some(command_node) = node.get("command") else {
        return Err(cx.missing(
            node,
            "command",
            &context,
            "add `command: [program, arg…]`: the local backends run the container as a process",
        ));
    };
    let command = cx.string_list(command_node, "command")?;
    if command.first().is_none_or(String::is_empty) {
        return Err(cx.invalid(
            command_node,
            "command must name a program",
            "write `command: [python3, app.py]`".to_string(),
        ));
    }
    let args = node
        .get("args")
        .map(|n| cx.string_list(n, "args"))
        .transpose()?
        .unwrap_or_default();
    let working_dir = node
        .get("workingDir")
        .map(|n| cx.string(n, "workingDir").map(|p| resolve(dir, &p)))
        .transpose()?;
    let env = match node.get("env") {
        Some(n) => {
            let env = cx.string_map(n, "env")?;
            if let Some((key, _)) = cx
                .mapping(n, "env")?
                .iter()
                .find(|(k, _)| k.scalar().is_some_and(|k| k.contains('=')))
            {
                return Err(cx.invalid(
                    key,
                    "an environment variable name cannot contain `=`",
                    None::<String>,
                ));
            }
            env
        }
        None => Default::default(),
    };
    let image = node
        .get("image")
        .map(|n| cx.string(n, "image"))
        .transpose()?;
    Ok(RunSpec {
        command,
        args,
        working_dir,
        env,
        image,
    })
}
