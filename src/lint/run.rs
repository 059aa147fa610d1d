//! Running every rule over a [`ManifestSet`] and putting the findings in order.

use std::collections::{BTreeSet, HashSet};

use super::finding::{Finding, Level};
use super::ignore::{Ignores, Subject};
use super::locate::{Location, Locator};
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
        findings.scope = vec![Subject::workload(workload)];
        pod_rules::check(workload, &objects, locator, &mut findings);
        for reference in references(&workload.spec) {
            if reference.kind == ObjectKind::ConfigMap {
                used.insert((workload.namespace.clone(), reference.name.to_string()));
            }
        }
    }
    findings.scope.clear();
    object_rules::check(set, &used, locator, &mut findings);
    let ignores = Ignores::new(set);
    findings
        .items
        .retain(|(_, f, about)| !options.allow.contains(f.code) && !ignores.ignores(about, f.code));
    findings.into_sorted()
}

/// Findings as rules report them, with a sortable location and the objects each is about.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    items: Vec<(Location, Finding, Vec<Subject>)>,
    /// What every finding pushed now is about (the workload whose pod rules run).
    scope: Vec<Subject>,
}

impl Findings {
    /// Records one finding at `location`, about the current scope.
    pub fn push(
        &mut self,
        location: Location,
        code: &'static str,
        level: Level,
        message: String,
        hint: impl Into<String>,
    ) {
        let about = self.scope.clone();
        self.record(location, code, level, message, hint.into(), about);
    }

    /// Also about `subject` (the ConfigMap or Secret the next finding names).
    pub fn about(&mut self, subject: Subject) -> About<'_> {
        About {
            findings: self,
            subject,
        }
    }

    fn record(
        &mut self,
        location: Location,
        code: &'static str,
        level: Level,
        message: String,
        hint: String,
        about: Vec<Subject>,
    ) {
        let finding = Finding {
            code,
            level,
            location: location.to_string(),
            file: location.file.clone(),
            line: location.line,
            message,
            hint,
        };
        self.items.push((location, finding, about));
    }

    /// The findings by file, line and code; exact duplicates (two identical references) once.
    pub fn into_sorted(mut self) -> Vec<Finding> {
        self.items.sort_by(|(la, a, _), (lb, b, _)| {
            (la, a.code, &a.message).cmp(&(lb, b.code, &b.message))
        });
        self.items.dedup_by(|(_, a, _), (_, b, _)| a == b);
        self.items
            .into_iter()
            .map(|(_, finding, _)| finding)
            .collect()
    }
}

/// A finding about to be recorded about one more object, see [`Findings::about`].
pub(crate) struct About<'a> {
    findings: &'a mut Findings,
    subject: Subject,
}

impl About<'_> {
    /// [`Findings::push`], about the scope and this object.
    pub fn push(
        self,
        location: Location,
        code: &'static str,
        level: Level,
        message: String,
        hint: impl Into<String>,
    ) {
        let mut about = self.findings.scope.clone();
        about.push(self.subject);
        self.findings
            .record(location, code, level, message, hint.into(), about);
    }
}
