//! The console reporter: renders [`RunEvent`]s as they arrive, one line per step, with a
//! diagnostics block under each failed or errored step, then a summary over all scenarios.
//!
//! It owns only presentation. It never decides whether a scenario passed (that is
//! [`ScenarioResult::passed`]) nor whether to use colour (the CLI decides from `--color`, the
//! terminal and `NO_COLOR`/`CLICOLOR`/`CLICOLOR_FORCE`/`TERM`), and it never sees unredacted
//! Secret values: redaction happened when the events were made. Colours are [`anstyle`] styles.
//!
//! Scenarios may run concurrently (`--jobs N`). Output stays grouped per scenario: the first
//! scenario to start streams straight to the writer; events of the others are held and written,
//! in start order, as soon as the scenario before them has finished.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use anstyle::{AnsiColor, Style};

use super::model::{Diagnostics, Outcome, RunEvent, RunEventKind, ScenarioResult, StepResult};

/// Width (in characters) the step description is padded to, so observed values line up.
const SUMMARY_WIDTH: usize = 60;
/// Width (in characters) of the observed-value column.
const OBSERVED_WIDTH: usize = 24;
/// Longest observed value shown on a step line; the failure block shows it whole.
const OBSERVED_MAX: usize = 40;
/// Indentation of a failure block under its step line.
const BLOCK_INDENT: &str = "       ";

const GREEN: Style = AnsiColor::Green.on_default();
const RED: Style = AnsiColor::Red.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const BOLD: Style = Style::new().bold();

/// Streams a run to a terminal (or any writer) in the shape
///
/// ```text
/// ▶ env-vs-volume (scenarios/env-vs-volume.yaml) backend=process timing=fast
///   ✓   1 assert file /etc/config/LOG_LEVEL equals "INFO"     observed "INFO"   3ms
///   ✗   2 assert log app contains "LOG_LEVEL=DEBUG" within 10s after bump     10.00s
///          expected: log of app to contain "LOG_LEVEL=DEBUG" within 10s
///          …diagnostics…
///   -   3 restart app                                                           skipped
/// ✗ env-vs-volume: 1 failed, 1 passed, 1 skipped in 10.02s
/// ```
///
/// Feed it every [`RunEvent`] through [`handle`](Self::handle), then call
/// [`summary`](Self::summary) once with all results.
pub struct ConsoleReporter<W: Write> {
    out: W,
    color: bool,
    /// The scenario whose output goes straight to `out`.
    current: Option<String>,
    /// Scenarios that started (or reported) but have not been written out completely, in the
    /// order they started; `current`, when set, is the first.
    order: Vec<String>,
    /// Per scenario: held output and which steps have been rendered.
    states: HashMap<String, ScenarioState>,
    /// `--logs`: each container's log follows its scenario's result.
    logs: bool,
    /// `-q`: only the closing summary is written.
    quiet: bool,
}

#[derive(Default)]
struct ScenarioState {
    /// Output held back while another scenario streams.
    held: String,
    /// Indices of the steps already rendered (skipped steps usually arrive only with the
    /// final result).
    rendered: BTreeSet<usize>,
    /// Whether the header line has been rendered.
    started: bool,
    /// Whether the scenario has finished (its output may still be held).
    finished: bool,
}

impl<W: Write> ConsoleReporter<W> {
    /// A reporter writing to `out`; `color` turns on ANSI colours (green ✓, red ✗, yellow for
    /// skipped steps).
    pub fn new(out: W, color: bool) -> Self {
        ConsoleReporter {
            out,
            color,
            current: None,
            order: Vec::new(),
            states: HashMap::new(),
            logs: false,
            quiet: false,
        }
    }

    /// `-q/--quiet`: nothing per scenario, only the closing [`summary`](Self::summary) (which
    /// names every failed scenario and its first failed step).
    pub fn with_quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// `--logs`: after each scenario's result line, every container's log (as
    /// [`super::logs::render_logs`] lays it out), held and released with the scenario's output.
    pub fn with_logs(mut self, logs: bool) -> Self {
        self.logs = logs;
        self
    }

    /// Gives the writer back, e.g. to inspect what was written.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// Renders one event. Output of the scenario currently shown is written (and flushed) at
    /// once; output of scenarios running alongside it is written when their turn comes.
    pub fn handle(&mut self, event: &RunEvent) -> io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        let color = self.color;
        match &event.kind {
            RunEventKind::ScenarioStarted {
                scenario,
                file,
                backend,
                timing,
            } => {
                let state = self.state(scenario);
                if !state.started {
                    state.started = true;
                    state.held += &header_line(scenario, file, backend, timing, color);
                }
                self.release(scenario)?;
            }
            RunEventKind::StepFinished { scenario, step } => {
                let state = self.state(scenario);
                if state.rendered.insert(step.index) {
                    state.held += &step_block(step, color);
                }
                self.release(scenario)?;
            }
            RunEventKind::ScenarioFinished { result } => {
                let logs = self.logs.then(|| super::logs::render_logs(result));
                let state = self.state(&result.scenario);
                if !state.started {
                    state.started = true;
                    state.held += &header_line(
                        &result.scenario,
                        &result.file,
                        &result.backend,
                        &result.timing,
                        color,
                    );
                }
                let rendered = std::mem::take(&mut state.rendered);
                state.held += &finished_block(result, &rendered, color);
                state.held += logs.as_deref().unwrap_or_default();
                state.finished = true;
                self.release(&result.scenario)?;
            }
        }
        self.out.flush()
    }

    /// Writes the closing summary over all scenarios: `N scenarios: P passed, F failed`, then
    /// each failed scenario with the file:line of its first failed step (or its setup error).
    /// Output still held for unfinished scenarios is written first.
    pub fn summary(&mut self, results: &[ScenarioResult]) -> io::Result<()> {
        for name in std::mem::take(&mut self.order) {
            if let Some(state) = self.states.remove(&name) {
                self.out.write_all(state.held.as_bytes())?;
            }
        }
        self.current = None;
        self.out
            .write_all(summary_text(results, self.color).as_bytes())?;
        self.out.flush()
    }

    fn state(&mut self, scenario: &str) -> &mut ScenarioState {
        if !self.states.contains_key(scenario) {
            self.order.push(scenario.to_owned());
        }
        self.states.entry(scenario.to_owned()).or_default()
    }

    /// Writes whatever may be written now: the current scenario's output, then, once it has
    /// finished, the held output of the scenarios that started after it.
    fn release(&mut self, scenario: &str) -> io::Result<()> {
        if self.current.is_none() {
            self.current = Some(scenario.to_owned());
        }
        while let Some(current) = self.current.clone() {
            let Some(state) = self.states.get_mut(&current) else {
                self.current = None;
                break;
            };
            let held = std::mem::take(&mut state.held);
            let finished = state.finished;
            self.out.write_all(held.as_bytes())?;
            if !finished {
                break;
            }
            self.states.remove(&current);
            self.order.retain(|name| name != &current);
            self.current = self.order.first().cloned();
        }
        Ok(())
    }
}

/// Formats a duration the way the reports show it: `850µs`, `3ms`, `1.25s`, `2m05s`,
/// `1h02m05s` (see [`crate::duration::measured`]).
pub fn format_duration(d: Duration) -> String {
    crate::duration::measured(d)
}

/// A step's description as shown to users: `name: summary` when the step has a name.
pub fn step_title(step: &StepResult) -> String {
    match step.name.as_deref() {
        Some(name) if !name.is_empty() => format!("{name}: {}", step.summary),
        _ => step.summary.clone(),
    }
}

/// Renders failure diagnostics as plain text, each line starting with `indent`: the volume
/// trees (symlink targets, modes, small text content or a content hash), the env per
/// container, a log excerpt (prefixed with the container name) and the event timeline. Empty sections are left out;
/// control characters in values are escaped so app output cannot drive the terminal.
pub fn render_diagnostics(diagnostics: &Diagnostics, indent: &str) -> String {
    let mut text = String::new();
    for volume in &diagnostics.volumes {
        let _ = writeln!(
            text,
            "{indent}volume {} at {}:",
            clean(&volume.volume),
            clean(&volume.mount_path)
        );
        if volume.entries.is_empty() {
            let _ = writeln!(text, "{indent}  (empty)");
        }
        let width = volume
            .entries
            .iter()
            .filter(|e| e.kind != "link")
            .map(|e| entry_label(e).chars().count())
            .max()
            .unwrap_or(0);
        for entry in &volume.entries {
            let label = entry_label(entry);
            let line = match entry.kind.as_str() {
                "link" => label,
                "file" => format!(
                    "{}  {}  {}",
                    pad(&label, width),
                    clean(&entry.mode),
                    file_content(entry)
                ),
                "dir" => format!("{}  {}", pad(&label, width), clean(&entry.mode)),
                other => format!(
                    "{}  {}  {}",
                    pad(&label, width),
                    clean(&entry.mode),
                    clean(other)
                ),
            };
            let _ = writeln!(text, "{indent}  {}", line.trim_end());
        }
    }
    for (container, vars) in &diagnostics.env {
        let _ = writeln!(text, "{indent}env of {}:", clean(container));
        if vars.is_empty() {
            let _ = writeln!(text, "{indent}  (empty)");
        }
        for (name, value) in vars {
            let _ = writeln!(text, "{indent}  {}={}", clean(name), clean(value));
        }
    }
    for (container, lines) in &diagnostics.logs {
        let _ = writeln!(
            text,
            "{indent}log of {} (first and last lines, repeats collapsed):",
            clean(container)
        );
        if lines.is_empty() {
            let _ = writeln!(text, "{indent}  (no output)");
        }
        for line in lines {
            let _ = writeln!(text, "{indent}  {} | {}", clean(container), clean(line));
        }
    }
    if !diagnostics.events.is_empty() {
        let _ = writeln!(text, "{indent}events:");
        for event in &diagnostics.events {
            let _ = writeln!(text, "{indent}  {}", clean(event));
        }
    }
    text
}

/// `▶ name (file) backend=… timing=…`
fn header_line(scenario: &str, file: &Path, backend: &str, timing: &str, color: bool) -> String {
    format!(
        "{} {} ({}) backend={} timing={}\n",
        paint("▶", BOLD, color),
        clean(scenario),
        clean(&file.display().to_string()),
        clean(backend),
        clean(timing)
    )
}

/// A step's line, plus its failure block when it failed or errored.
fn step_block(step: &StepResult, color: bool) -> String {
    let (mark, tint) = match step.outcome {
        Outcome::Passed => ("✓", GREEN),
        Outcome::Failed(_) | Outcome::Error(_) => ("✗", RED),
        Outcome::Skipped => ("-", YELLOW),
    };
    let observed = match &step.observed {
        Some(value) if !matches!(step.outcome, Outcome::Skipped) => {
            format!("observed {}", truncate(&format!("{value:?}"), OBSERVED_MAX))
        }
        _ => String::new(),
    };
    let timing = match (&step.outcome, step.latency) {
        (Outcome::Skipped, _) => paint("skipped", YELLOW, color),
        (Outcome::Error(_), _) => format!(
            "{} {}",
            paint("error", RED, color),
            format_duration(step.elapsed)
        ),
        (_, Some(latency)) => match step.latency_from.as_deref() {
            Some(after) => format!("latency {} (after {after})", format_duration(latency)),
            None => format!("latency {}", format_duration(latency)),
        },
        (_, None) => format_duration(step.elapsed),
    };
    let line = format!(
        "  {} {:>3} {} {} {}",
        paint(mark, tint, color),
        step.index,
        pad(&clean(&step_title(step)), SUMMARY_WIDTH),
        pad(&observed, OBSERVED_WIDTH),
        timing
    );
    let mut block = line.trim_end().to_owned();
    block.push('\n');

    let message = match &step.outcome {
        Outcome::Failed(message) => Some(message.as_str()),
        Outcome::Error(message) => Some(message.as_str()),
        _ => None,
    };
    if let Some(message) = message {
        let mut lines = message.lines().peekable();
        if lines.peek().is_none() {
            let _ = writeln!(block, "{BLOCK_INDENT}(no message)");
        }
        for (i, line) in lines.enumerate() {
            if i == 0 && matches!(step.outcome, Outcome::Error(_)) {
                let _ = writeln!(block, "{BLOCK_INDENT}error: {}", clean(line));
            } else {
                let _ = writeln!(block, "{BLOCK_INDENT}{}", clean(line));
            }
        }
        if let Some(observed) = &step.observed
            && !message.contains("observed")
        {
            let _ = writeln!(block, "{BLOCK_INDENT}observed: {observed:?}");
        }
        if let Some(diagnostics) = &step.diagnostics {
            block += &render_diagnostics(diagnostics, BLOCK_INDENT);
        }
    }
    block
}

/// The steps not yet shown, the setup error, the kept dir and the scenario's closing line.
fn finished_block(result: &ScenarioResult, rendered: &BTreeSet<usize>, color: bool) -> String {
    let mut block = String::new();
    if let Some(error) = &result.error {
        let mut lines = error.lines();
        let first = lines
            .next()
            .filter(|l| !l.is_empty())
            .unwrap_or("(no message)");
        let _ = writeln!(
            block,
            "  {} setup failed: {}",
            paint("✗", RED, color),
            clean(first)
        );
        for line in lines {
            let _ = writeln!(block, "{BLOCK_INDENT}{}", clean(line));
        }
    }
    for step in &result.steps {
        if !rendered.contains(&step.index) {
            block += &step_block(step, color);
        }
    }
    if let Some(dir) = &result.kept_dir {
        let _ = writeln!(block, "  kept: {}", clean(&dir.display().to_string()));
    }
    // `spec.expect`: say whether the scenario failed as expected, and how it did not.
    if let Some(expected) = &result.expected_failure {
        let (mark, colour) = if expected.met {
            ("✓", GREEN)
        } else {
            ("✗", RED)
        };
        let _ = writeln!(
            block,
            "  {} expected failure: {}",
            paint(mark, colour, color),
            clean(&expected.detail)
        );
    }
    let passed = result.passed();
    let _ = writeln!(
        block,
        "{} {}: {} in {}",
        if passed {
            paint("✓", GREEN, color)
        } else {
            paint("✗", RED, color)
        },
        clean(&result.scenario),
        counts(result),
        format_duration(result.duration)
    );
    block
}

/// `setup failed, 1 failed, 1 errored, 3 passed, 1 skipped`, leaving out zero counts.
fn counts(result: &ScenarioResult) -> String {
    let mut failed = 0;
    let mut errored = 0;
    let mut passed = 0;
    let mut skipped = 0;
    for step in &result.steps {
        match step.outcome {
            Outcome::Passed => passed += 1,
            Outcome::Failed(_) => failed += 1,
            Outcome::Error(_) => errored += 1,
            Outcome::Skipped => skipped += 1,
        }
    }
    let mut parts = Vec::new();
    if result.error.is_some() {
        parts.push("setup failed".to_owned());
    }
    if failed > 0 {
        parts.push(format!("{failed} failed"));
    }
    if errored > 0 {
        parts.push(format!("{errored} errored"));
    }
    if passed > 0 || (failed == 0 && errored == 0 && !result.steps.is_empty()) {
        parts.push(format!("{passed} passed"));
    }
    if skipped > 0 {
        parts.push(format!("{skipped} skipped"));
    }
    if result.steps.is_empty() && result.error.is_none() {
        parts.push("no steps".to_owned());
    }
    parts.join(", ")
}

/// The closing summary over all scenarios.
fn summary_text(results: &[ScenarioResult], color: bool) -> String {
    let failed: Vec<&ScenarioResult> = results.iter().filter(|r| !r.passed()).collect();
    let passed = results.len() - failed.len();
    let mut text = String::new();
    let _ = writeln!(
        text,
        "\n{} scenario{}: {} passed, {} failed",
        results.len(),
        if results.len() == 1 { "" } else { "s" },
        passed,
        failed.len()
    );
    for result in failed {
        let file = clean(&result.file.display().to_string()).into_owned();
        let first_bad = result
            .steps
            .iter()
            .find(|s| matches!(s.outcome, Outcome::Failed(_) | Outcome::Error(_)));
        let detail = match (&result.error, first_bad) {
            (Some(error), _) => format!(
                "{file}  setup failed: {}",
                clean(
                    error
                        .lines()
                        .next()
                        .filter(|l| !l.is_empty())
                        .unwrap_or("(no message)")
                )
            ),
            (None, Some(step)) => format!(
                "{file}:{}  step {}: {}",
                step.line,
                step.index,
                clean(&step_title(step))
            ),
            (None, None) => file,
        };
        let _ = writeln!(
            text,
            "  {} {}  {}",
            paint("✗", RED, color),
            clean(&result.scenario),
            detail
        );
    }
    text
}

/// What a file holds, as the tree shows it: the beginning of a small text file (quoted, `…`
/// when there is more), `‹secret, N bytes›` for a redacted Secret-derived file (no hash: a
/// short hash lets anyone test guesses of a low-entropy Secret), else a content hash.
fn file_content(entry: &super::model::TreeEntry) -> String {
    let size = entry.size.unwrap_or(0);
    let bytes = |n: u64| format!("{n} byte{}", if n == 1 { "" } else { "s" });
    match (&entry.preview, &entry.sha256) {
        (Some(preview), _) => {
            // `{:?}` escapes newlines and control characters, so content cannot drive the
            // terminal or break the layout.
            let quoted = format!("{preview:?}");
            if (preview.len() as u64) < size {
                format!("{quoted}… ({})", bytes(size))
            } else {
                quoted
            }
        }
        (None, _) if entry.secret => format!("‹secret, {}›", bytes(size)),
        (None, Some(hash)) => format!("sha256:{} ({})", clean(hash), bytes(size)),
        (None, None) => "(unreadable)".to_owned(),
    }
}

/// How a tree entry is named: `dir/`, `file`, `link -> target`.
fn entry_label(entry: &super::model::TreeEntry) -> String {
    match entry.kind.as_str() {
        "dir" => format!("{}/", clean(&entry.path)),
        "link" => format!(
            "{} -> {}",
            clean(&entry.path),
            entry.target.as_deref().map(clean).unwrap_or("?".into())
        ),
        _ => clean(&entry.path).into_owned(),
    }
}

fn paint(text: &str, tint: Style, color: bool) -> String {
    if color {
        format!("{}{text}{}", tint.render(), tint.render_reset())
    } else {
        text.to_owned()
    }
}

/// Pads to `width` characters (the text is never cut).
fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    if len >= width {
        text.to_owned()
    } else {
        format!("{text}{}", " ".repeat(width - len))
    }
}

/// Cuts to at most `max` characters, marking the cut with `…`.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// Escapes control characters (ANSI escapes, carriage returns, newlines) in text that came
/// from the app or the user, so it cannot move the cursor or break the layout.
fn clean(text: &str) -> Cow<'_, str> {
    if text.chars().any(char::is_control) {
        let mut escaped = String::with_capacity(text.len());
        for c in text.chars() {
            if c.is_control() {
                escaped.extend(c.escape_default());
            } else {
                escaped.push(c);
            }
        }
        Cow::Owned(escaped)
    } else {
        Cow::Borrowed(text)
    }
}
