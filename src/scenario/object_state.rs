//! Which ConfigMaps and Secrets exist in the workload's namespace, step by step, so that an
//! `update:` or `delete:` of an object that does not exist (yet, or any more) is an error at
//! load time, with a hint (the other kind, another namespace, a near name).
//!
//! It owns that bookkeeping only; it does not read manifests (`sources`) nor decode steps.

use std::collections::BTreeMap;

use crate::api::manifest::Manifest;

use super::decode::{Cx, Result, quote_list};
use super::errors::closest;
use super::format::ObjectKind;
use crate::yaml::Node;

/// Which ConfigMaps and Secrets exist in the workload's namespace, step by step.
pub(crate) struct ObjectState {
    namespace: String,
    /// `None`: exists; `Some(line)`: deleted by the step at that line.
    objects: BTreeMap<(ObjectKind, String), Option<u64>>,
    /// Objects defined in other namespaces (for hints).
    elsewhere: BTreeMap<(ObjectKind, String), String>,
}

impl ObjectState {
    pub fn new(namespace: &str) -> Self {
        Self {
            namespace: namespace.to_string(),
            objects: BTreeMap::new(),
            elsewhere: BTreeMap::new(),
        }
    }

    /// Records objects as existing (created or replaced).
    pub fn define_all(&mut self, manifests: &[Manifest]) {
        for manifest in manifests {
            let kind = match manifest {
                Manifest::ConfigMap(..) => ObjectKind::ConfigMap,
                Manifest::Secret(..) => ObjectKind::Secret,
                Manifest::Workload(_) => continue,
            };
            let key = (kind, manifest.name().to_string());
            if manifest.namespace() == self.namespace {
                self.objects.insert(key, None);
            } else {
                self.elsewhere.insert(key, manifest.namespace().to_string());
            }
        }
    }

    /// Checks that the object exists now; the error is at `node` (the name).
    pub(super) fn check(
        &self,
        cx: &Cx<'_>,
        node: &Node,
        kind: ObjectKind,
        name: &str,
    ) -> Result<()> {
        let key = (kind, name.to_string());
        match self.objects.get(&key) {
            Some(None) => return Ok(()),
            Some(Some(line)) => {
                return Err(cx.reference(
                    node,
                    format!("{kind} `{name}` was deleted by the step at line {line}"),
                    format!("apply it again before this step, or remove the step at line {line}"),
                ));
            }
            None => {}
        }
        let other = match kind {
            ObjectKind::ConfigMap => ObjectKind::Secret,
            ObjectKind::Secret => ObjectKind::ConfigMap,
        };
        let hint = if self.objects.get(&(other, name.to_string())) == Some(&None) {
            format!("`{name}` is a {other}: write `{}: {name}`", other.key())
        } else if let Some(namespace) = self.elsewhere.get(&key) {
            format!(
                "`{name}` is in namespace {namespace}, the workload in {}",
                self.namespace
            )
        } else {
            let names: Vec<&str> = self
                .objects
                .iter()
                .filter(|((k, _), deleted)| *k == kind && deleted.is_none())
                .map(|((_, n), _)| n.as_str())
                .collect();
            match closest(name, &names) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "define it under spec.objects or apply it in an earlier step{}",
                    if names.is_empty() {
                        String::new()
                    } else {
                        format!(" (the {kind}s are {})", quote_list(&names))
                    }
                ),
            }
        };
        Err(cx.reference(
            node,
            format!("no {kind} `{name}` is defined before this step"),
            hint,
        ))
    }

    pub(super) fn delete(&mut self, kind: ObjectKind, name: &str, line: u64) {
        self.objects.insert((kind, name.to_string()), Some(line));
    }
}
