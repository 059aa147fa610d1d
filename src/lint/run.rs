//! Running every rule over a [`ManifestSet`] and putting the findings in order.

use std::collections::HashSet;

use super::finding::{Finding, Level};
use super::locate::{Location, Locator};
use super::objects::ObjectIndex;
use super::refs::{ObjectKind, references};
use super::{object_rules, pod_rules};
use crate::api::ManifestSet;

/// Every finding for a set of manifests, sorted by location (file, then line), then code.
///
/// The manifest files are read again (at most once each) only to point findings at the line of
/// the field they are about; if a file cannot be read, findings point at its document.
pub fn lint(set: &ManifestSet) -> Vec<Finding> {
    lint_with(set, &Locator::of(set))
}

/// [`lint`] with a given [`Locator`] (tests give it the manifest text).
pub(crate) fn lint_with(set: &ManifestSet, locator: &Locator) -> Vec<Finding> {
    let objects = ObjectIndex::new(set);
    let mut findings = Findings::default();
    let mut used = HashSet::new();
    for workload in &set.workloads {
        pod_rules::check(workload, &objects, locator, &mut findings);
        for reference in references(&workload.spec) {
            if reference.kind == ObjectKind::ConfigMap {
                used.insert((workload.namespace.clone(), reference.name.to_string()));
            }
        }
    }
    object_rules::check(set, &used, locator, &mut findings);
    findings.into_sorted()
}

/// Findings as rules report them, with a sortable location.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    items: Vec<(Location, Finding)>,
}

impl Findings {
    /// Records one finding at `location`.
    pub fn push(
        &mut self,
        location: Location,
        code: &'static str,
        level: Level,
        message: String,
        hint: impl Into<String>,
    ) {
        let finding = Finding {
            code,
            level,
            location: location.to_string(),
            message,
            hint: hint.into(),
        };
        self.items.push((location, finding));
    }

    /// The findings by file, line and code; exact duplicates (two identical references) once.
    pub fn into_sorted(mut self) -> Vec<Finding> {
        self.items
            .sort_by(|(la, a), (lb, b)| (la, a.code, &a.message).cmp(&(lb, b.code, &b.message)));
        self.items.dedup_by(|(_, a), (_, b)| a == b);
        self.items.into_iter().map(|(_, finding)| finding).collect()
    }
}
