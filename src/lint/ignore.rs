//! Findings a manifest author switched off for one object: the annotation
//! `kubedrill.dev/lint-ignore: KD003,KD005` on the ConfigMap, Secret or workload a finding is
//! about.
//!
//! A finding is about its workload (pod rules) or its object (object rules), and a pod rule's
//! finding is also about the ConfigMap or Secret it names: an annotation on either silences it.
//! On a workload the annotation may sit on its own metadata or on its pod template's.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::objects::namespace_of;
use super::refs::ObjectKind;
use crate::api::{ManifestSet, Workload};

/// The annotation that lists the rule codes to ignore for one object (comma or space
/// separated, any case).
pub const IGNORE_ANNOTATION: &str = "kubedrill.dev/lint-ignore";

/// An object a finding is about: kind, namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Subject {
    kind: String,
    namespace: String,
    name: String,
}

impl Subject {
    /// A ConfigMap or Secret.
    pub fn object(kind: ObjectKind, namespace: &str, name: &str) -> Self {
        Subject {
            kind: kind.as_str().to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }

    /// A Pod or workload.
    pub fn workload(workload: &Workload) -> Self {
        Subject {
            kind: workload.kind.clone(),
            namespace: workload.namespace.clone(),
            name: workload.name.clone(),
        }
    }
}

/// The codes each annotated object of a set ignores.
#[derive(Debug, Default)]
pub(crate) struct Ignores {
    by_subject: HashMap<Subject, BTreeSet<String>>,
}

impl Ignores {
    /// Reads the annotation of every object of `set`.
    pub fn new(set: &ManifestSet) -> Self {
        let mut ignores = Ignores::default();
        for (cm, _) in &set.config_maps {
            let name = cm.metadata.name.as_deref().unwrap_or_default();
            let subject = Subject::object(ObjectKind::ConfigMap, namespace_of(&cm.metadata), name);
            ignores.add(subject, cm.metadata.annotations.as_ref());
        }
        for (secret, _) in &set.secrets {
            let name = secret.metadata.name.as_deref().unwrap_or_default();
            let subject = Subject::object(ObjectKind::Secret, namespace_of(&secret.metadata), name);
            ignores.add(subject, secret.metadata.annotations.as_ref());
        }
        for workload in &set.workloads {
            let subject = Subject::workload(workload);
            ignores.add(subject.clone(), workload.metadata.annotations.as_ref());
            ignores.add(subject, workload.pod_metadata.annotations.as_ref());
        }
        ignores
    }

    fn add(&mut self, subject: Subject, annotations: Option<&BTreeMap<String, String>>) {
        let Some(value) = annotations.and_then(|a| a.get(IGNORE_ANNOTATION)) else {
            return;
        };
        self.by_subject
            .entry(subject)
            .or_default()
            .extend(codes(value));
    }

    /// Whether one of `subjects` ignores `code`.
    pub fn ignores(&self, subjects: &[Subject], code: &str) -> bool {
        subjects.iter().any(|subject| {
            self.by_subject
                .get(subject)
                .is_some_and(|codes| codes.contains(code))
        })
    }
}

/// The codes of an annotation value, upper-cased: `kd003, KD005` -> {KD003, KD005}.
fn codes(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|code| !code.is_empty())
        .map(str::to_ascii_uppercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_values_are_split_on_commas_and_spaces_in_any_case() {
        let codes: Vec<String> = codes(" kd003,KD005  KD009,").collect();
        assert_eq!(codes, ["KD003", "KD005", "KD009"]);
    }
}
