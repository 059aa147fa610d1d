//! [`Findings`]: what the rules record, with a sortable location and the objects each finding
//! is about (for the lint-ignore annotation). It owns the recording and the order; which rule
//! fires is the rule modules' business, and running them is [`super::run`]'s.

use super::finding::{Finding, Level};
use super::ignore::Subject;
use super::locate::Location;

/// Findings as rules report them, with a sortable location and the objects each is about.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    items: Vec<(Location, Finding, Vec<Subject>)>,
    /// What every finding pushed now is about (the workload whose pod rules run).
    scope: Vec<Subject>,
}

impl Findings {
    /// What every finding pushed from now on is about (the workload whose pod rules run).
    pub fn set_scope(&mut self, scope: Vec<Subject>) {
        self.scope = scope;
    }

    /// Keeps the findings `keep` accepts (given each finding and what it is about).
    pub fn retain(&mut self, mut keep: impl FnMut(&Finding, &[Subject]) -> bool) {
        self.items.retain(|(_, f, about)| keep(f, about));
    }

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
