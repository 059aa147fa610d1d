//! Running every rule over a [`ManifestSet`] and putting the findings in order.

use std::collections::{BTreeSet, HashSet};

use super::finding::Finding;
use super::findings::Findings;
use super::ignore::{Ignores, Subject};
use super::locate::Locator;
use super::objects::ObjectIndex;
use super::refs::{ObjectKind, references};
use super::{object_rules, pod_rules};
use crate::api::ManifestSet;

/// What one lint run reports beyond the manifests' own `kubedrill.dev/lint-ignore` annotations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LintOptions {
    /// Rule codes switched off for this run (`--allow KD009`), see
    /// [`parse_allow`](super::parse_allow).
    pub allow: BTreeSet<&'static str>,
}

/// Every finding for a set of manifests, sorted by location (file, then line), then code;
/// without those an object's `kubedrill.dev/lint-ignore` annotation lists.
///
/// The manifest files are read again (at most once each) only to point findings at the line of
/// the field they are about; if a file cannot be read, findings point at its document.
pub fn lint(set: &ManifestSet) -> Vec<Finding> {
    lint_with_options(set, &LintOptions::default())
}

/// [`lint`] without the rules `options` switch off.
pub fn lint_with_options(set: &ManifestSet, options: &LintOptions) -> Vec<Finding> {
    lint_with(set, &Locator::of(set), options)
}

/// [`lint_with_options`] with a given [`Locator`] (tests give it the manifest text).
pub(crate) fn lint_with(
    set: &ManifestSet,
    locator: &Locator,
    options: &LintOptions,
) -> Vec<Finding> {
    let objects = ObjectIndex::new(set);
    let mut findings = Findings::default();
    let mut used = HashSet::new();
    for workload in &set.workloads {
        findings.set_scope(vec![Subject::workload(workload)]);
        pod_rules::check(workload, &objects, locator, &mut findings);
        for reference in references(&workload.spec) {
            if reference.kind == ObjectKind::ConfigMap {
                used.insert((workload.namespace.clone(), reference.name.to_string()));
            }
        }
    }
    findings.set_scope(Vec::new());
    object_rules::check(set, &used, locator, &mut findings);
    let ignores = Ignores::new(set);
    findings.retain(|f, about| !options.allow.contains(f.code) && !ignores.ignores(about, f.code));
    findings.into_sorted()
}
