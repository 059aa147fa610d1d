//! The scenario skeleton as commented YAML text, in the documented scenario format (README,
//! `kubedrill.schema.json`).
//!
//! Pure: [`render`] takes what the analysis found and the paths as the scenario will name them,
//! and returns text. Checks of kubelet's behaviour (a volume file follows an update; env and
//! subPath files keep the container-start value until a restart) are live steps and pass with
//! the placeholder command; checks of the app's own reaction (a log line, an HTTP answer, the
//! certificate a TLS port serves) are commented out and marked `APP:`, for the user to adapt
//! once their app runs under `run:`.

use std::fmt::Write as _;

use super::analysis::{Consumption, ObjectKind, ObjectUse, View};

/// The value a ConfigMap update writes: plain text an assertion can compare.
pub const MARKER: &str = "changed-by-kubedrill";
/// The value a Secret update writes (distinct from [`MARKER`]: Secret values are redacted in
/// output, ConfigMap values are not).
pub const SECRET_MARKER: &str = "kubedrill-secret-v2";
/// The value a TLS rotation writes (a placeholder, not a certificate).
pub const TLS_MARKER: &str = "kubedrill-rotated";

/// The value the update of `object` writes.
fn marker(object: &ObjectUse) -> &'static str {
    match object.kind {
        _ if object.tls => TLS_MARKER,
        ObjectKind::ConfigMap => MARKER,
        ObjectKind::Secret => SECRET_MARKER,
    }
}
/// The command each app container runs until the user puts theirs.
pub const PLACEHOLDER_COMMAND: &str = "exec sleep 86400";

/// What the skeleton says about its workload and where its files are, relative to the
/// scenario's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skeleton<'a> {
    /// The workload's kind, e.g. `Deployment`.
    pub workload_kind: &'a str,
    /// The workload's name (also the scenario's).
    pub workload_name: &'a str,
    /// The workload's manifest file.
    pub workload_file: String,
    /// The files with the ConfigMaps and Secrets it consumes.
    pub object_files: Vec<String>,
    /// What the pod consumes.
    pub consumption: &'a Consumption,
}

/// The skeleton's YAML text.
pub fn render(skeleton: &Skeleton<'_>) -> String {
    let c = skeleton.consumption;
    let mut out = String::new();
    let w = &mut out;
    line(
        w,
        &format!(
            "# Scenario skeleton for {} {}, written by `kubedrill init`.",
            skeleton.workload_kind, skeleton.workload_name
        ),
    );
    line(
        w,
        "# It changes each ConfigMap and Secret the pod consumes and checks what kubelet does with \
         the change: volume files follow it, env variables and subPath files keep their value \
         until a restart. Those checks pass as written (`kubedrill run FILE`).",
    );
    line(
        w,
        "# Checks of your app's own reaction are commented out and marked APP: put your app under \
         run:, then uncomment and adapt them. Replace the changed-by-kubedrill values by changes \
         your app should pick up.",
    );
    for note in &c.notes {
        line(w, &format!("# Not exercised: {note}."));
    }
    w.push_str("apiVersion: kubedrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n");
    let _ = writeln!(w, "  name: {}", scalar(skeleton.workload_name));
    let _ = writeln!(
        w,
        "  description: {}",
        scalar(&format!(
            "kubelet and {} {} under changes of what it consumes (kubedrill init)",
            skeleton.workload_kind, skeleton.workload_name
        ))
    );
    w.push_str("spec:\n");
    line(
        w,
        "  # fast: kubelet syncs right after each change. kubelet: 60-90 s later, as on a node \
         (then write within: 90s).",
    );
    w.push_str("  timing: fast\n");
    if !skeleton.object_files.is_empty() {
        w.push_str("  objects:\n");
        for file in &skeleton.object_files {
            let _ = writeln!(w, "    - file: {}", scalar(file));
        }
    }
    w.push_str("  workload:\n");
    let _ = writeln!(w, "    file: {}", scalar(&skeleton.workload_file));
    w.push_str("    run:\n");
    for name in &c.init_containers {
        let _ = writeln!(w, "      {}:", scalar(name));
        w.push_str("        # Init container: put its command here; this one just succeeds.\n");
        w.push_str("        command: [sh, -c, exit 0]\n");
    }
    for name in &c.containers {
        let _ = writeln!(w, "      {}:", scalar(name));
        line(
            w,
            "        # Put your app here, e.g. command: [python3, -u, app.py] (it runs with the \
             pod's mounts and env). Until then a process that only waits:",
        );
        let _ = writeln!(
            w,
            "        command: [sh, -c, {}]",
            scalar(PLACEHOLDER_COMMAND)
        );
    }
    w.push_str("  steps:\n");
    for name in &c.containers {
        let _ = writeln!(
            w,
            "    - assert: {{container: {{name: {}, state: running}}, within: 10s}}",
            scalar(name)
        );
    }
    let several = c.containers.len() + c.init_containers.len() > 1;
    let mut steps: Vec<String> = Vec::new();
    for object in &c.objects {
        let step = step_name(object, &steps);
        object_steps(w, object, &step, several, c.port);
        steps.push(step);
    }
    restarts(w, c, several);
    if c.objects.is_empty() {
        w.push_str(
            "    # The pod consumes no ConfigMap or Secret kubedrill can change (see the notes \
             above).\n",
        );
    }
    out
}

/// The update of one object and the checks of every place it shows.
fn object_steps(w: &mut String, object: &ObjectUse, step: &str, several: bool, port: Option<u16>) {
    let marker = marker(object);
    let mut keys = object.keys.clone();
    if object.tls {
        for key in ["tls.crt", "tls.key"] {
            if !keys.iter().any(|k| k == key) {
                keys.push(key.to_string());
            }
        }
        keys.sort();
    }
    line(
        w,
        &format!(
            "    # {} {}: {}",
            object.kind.as_str(),
            object.name,
            describe(object)
        ),
    );
    if object.tls {
        line(
            w,
            &format!(
                "    # A rotation. The value below is a placeholder, not a certificate: to rotate \
                 for real, write the next certificate into a Secret file (kubectl create secret \
                 tls {} --cert=next.crt --key=next.key --dry-run=client -o yaml > tls-next.yaml) \
                 and replace this update by `apply: {{file: tls-next.yaml}}`.",
                object.name
            ),
        );
    }
    let _ = writeln!(w, "    - name: {}", scalar(step));
    w.push_str("      update:\n");
    let (kind_field, data_field) = match object.kind {
        ObjectKind::ConfigMap => ("configMap", "data"),
        ObjectKind::Secret => ("secret", "stringData"),
    };
    let _ = writeln!(w, "        {kind_field}: {}", scalar(&object.name));
    let entries: Vec<String> = keys
        .iter()
        .map(|k| format!("{}: {}", scalar(k), scalar(marker)))
        .collect();
    let _ = writeln!(w, "        {data_field}: {{{}}}", entries.join(", "));
    let in_container = |container: &str| {
        if several {
            format!(", container: {}", scalar(container))
        } else {
            String::new()
        }
    };
    let mut app_files = Vec::new();
    let mut said_env = false;
    let mut said_sub_path = false;
    for view in &object.views {
        match view {
            View::File { container, path } => {
                let _ = writeln!(
                    w,
                    "    - assert: {{file: {}{}, equals: {}, within: 5s, after: {}}}",
                    scalar(path),
                    in_container(container),
                    scalar(marker),
                    scalar(step)
                );
                app_files.push(container.as_str());
            }
            View::SubPath { container, path } => {
                if !std::mem::replace(&mut said_sub_path, true) {
                    w.push_str(
                        "    # A subPath file is pinned at container start: it stays stale.\n",
                    );
                }
                let _ = writeln!(
                    w,
                    "    - assert: {{file: {}{}, notEquals: {}, throughout: 500ms}}",
                    scalar(path),
                    in_container(container),
                    scalar(marker)
                );
            }
            View::Env {
                container,
                variable,
            } => {
                if !std::mem::replace(&mut said_env, true) {
                    w.push_str("    # Env is resolved at container start: it stays frozen.\n");
                }
                let _ = writeln!(
                    w,
                    "    - assert: {{env: {}{}, notEquals: {}, throughout: 500ms}}",
                    scalar(variable),
                    in_container(container),
                    scalar(marker)
                );
            }
        }
    }
    app_files.dedup();
    for container in app_files {
        if object.tls {
            let port = port.map_or_else(|| "PORT".to_string(), |p| p.to_string());
            let _ = writeln!(
                w,
                "    # APP: new TLS connections get the new certificate (cn: its common name):\n    \
                 # - assert: {{tls: {{port: {port}}}{}, cn: NEXT-COMMON-NAME, within: 5s, after: {}}}",
                in_container(container),
                scalar(step)
            );
        } else {
            let http_port = port.map_or_else(|| "PORT".to_string(), |p| p.to_string());
            let _ = writeln!(
                w,
                "    # APP: how {} shows it reloaded, a log line or an HTTP answer, e.g.\n    \
                 # - assert: {{log: {}, contains: \"reloaded\", within: 5s, after: {}}}\n    \
                 # - assert: {{http: {{port: {http_port}, path: /}}{}, contains: \"...\", within: 5s, after: {}}}",
                container,
                scalar(container),
                scalar(step),
                in_container(container),
                scalar(step)
            );
        }
    }
}

/// A restart of each container with env or subPath views, then the checks that it picked up
/// the change.
fn restarts(w: &mut String, c: &Consumption, several: bool) {
    for container in &c.containers {
        let stale: Vec<(&ObjectUse, &View)> = c
            .objects
            .iter()
            .flat_map(|o| o.views.iter().map(move |v| (o, v)))
            .filter(|(_, v)| v.container() == container && !matches!(v, View::File { .. }))
            .collect();
        if stale.is_empty() {
            continue;
        }
        w.push_str("    # A restart re-resolves env and subPath files (the volumes stay).\n");
        let _ = writeln!(w, "    - restart: {}", scalar(container));
        let in_container = if several {
            format!(", container: {}", scalar(container))
        } else {
            String::new()
        };
        for (object, view) in stale {
            let marker = marker(object);
            let (observation, target) = match view {
                View::Env { variable, .. } => ("env", variable),
                View::SubPath { path, .. } | View::File { path, .. } => ("file", path),
            };
            let _ = writeln!(
                w,
                "    - assert: {{{observation}: {}{in_container}, equals: {}, within: 5s}}",
                scalar(target),
                scalar(marker)
            );
        }
    }
}

/// `files at /etc/config, env LOG_LEVEL (container app)`.
fn describe(object: &ObjectUse) -> String {
    let parts: Vec<String> = object
        .views
        .iter()
        .map(|v| match v {
            View::File { container, path } => format!("file {path} (container {container})"),
            View::SubPath { container, path } => {
                format!("subPath file {path} (container {container})")
            }
            View::Env {
                container,
                variable,
            } => format!("env {variable} (container {container})"),
        })
        .collect();
    parts.join(", ")
}

/// `update-NAME`, or `update-secret-NAME` when a ConfigMap of the same name came first.
fn step_name(object: &ObjectUse, taken: &[String]) -> String {
    let verb = if object.tls { "rotate" } else { "update" };
    let plain = format!("{verb}-{}", object.name);
    if !taken.contains(&plain) {
        return plain;
    }
    let kind = object.kind.as_str().to_ascii_lowercase();
    format!("{verb}-{kind}-{}", object.name)
}

/// Writes a comment, wrapped at 100 columns with the same indentation and `#`.
fn line(w: &mut String, text: &str) {
    let indent: String = text.chars().take_while(|c| *c == ' ').collect();
    let body = text.trim_start().trim_start_matches('#').trim_start();
    let prefix = format!("{indent}# ");
    let mut current = prefix.clone();
    for word in body.split(' ') {
        if current.len() > prefix.len() && current.chars().count() + 1 + word.chars().count() > 100
        {
            w.push_str(current.trim_end());
            w.push('\n');
            current = prefix.clone();
        }
        if current.len() > prefix.len() {
            current.push(' ');
        }
        current.push_str(word);
    }
    w.push_str(current.trim_end());
    w.push('\n');
}

/// A YAML scalar for a flow or block context: plain when that reads back as the same string,
/// else double-quoted (a JSON string is a valid YAML double-quoted scalar).
pub fn scalar(text: &str) -> String {
    let plain = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '/')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-".contains(c))
        && !looks_typed(text);
    if plain {
        text.to_string()
    } else {
        serde_json::to_string(text).unwrap_or_else(|_| format!("{text:?}"))
    }
}

/// Whether YAML would read `text` as something other than a string (a number, bool or null).
fn looks_typed(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
    ) || text.parse::<f64>().is_ok()
        || text.starts_with("0x")
        || text.starts_with("0o")
        || text
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_plain_only_when_they_read_back_as_the_same_string() {
        assert_eq!(scalar("app.conf"), "app.conf");
        assert_eq!(scalar("/etc/config/app.conf"), "/etc/config/app.conf");
        assert_eq!(scalar("../deploy/x.yaml"), "\"../deploy/x.yaml\"");
        assert_eq!(scalar("on"), "\"on\"");
        assert_eq!(scalar("8080"), "\"8080\"");
        assert_eq!(scalar("1.30"), "\"1.30\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("exec sleep 86400"), "\"exec sleep 86400\"");
        assert_eq!(scalar(""), "\"\"");
        for tricky in [
            "0b1",
            "1_000",
            "inf",
            "nan",
            "Null",
            "NULL",
            "TRUE",
            "2001-12-14",
            "0o17",
            "12e3",
            "0x1F",
            "1.0",
            "-1",
            "y",
            "N",
            "_",
            "a-b",
            "/",
            "007",
        ] {
            let rendered = scalar(tricky);
            let back: Result<String, _> = serde_saphyr::from_str(&format!("{rendered}\n"));
            assert_eq!(back.ok().as_deref(), Some(tricky), "{rendered}");
        }
    }

    proptest::proptest! {
        /// Whatever a name, key, path or value holds, the rendered scalar reads back as the
        /// same string, alone and inside a flow mapping as the skeleton writes them.
        #[test]
        fn scalars_read_back_as_the_same_string(text in "\\PC{0,24}") {
            let rendered = scalar(&text);
            let alone: Result<String, _> = serde_saphyr::from_str(&format!("{rendered}\n"));
            proptest::prop_assert_eq!(alone.ok(), Some(text.clone()), "{}", rendered);
            let in_flow: Result<std::collections::BTreeMap<String, String>, _> =
                serde_saphyr::from_str(&format!("{{{rendered}: {rendered}}}\n"));
            let map = in_flow.map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{rendered}: {e}")))?;
            proptest::prop_assert_eq!(map.get(&text), Some(&text));
        }
    }

    #[test]
    fn comments_wrap_at_100_columns_keeping_the_indent() {
        let mut out = String::new();
        line(&mut out, &format!("    # {}", "word ".repeat(40)));
        for l in out.lines() {
            assert!(l.len() <= 100 && l.starts_with("    # word"), "{l:?}");
        }
        assert!(out.lines().count() > 1);
    }
}
