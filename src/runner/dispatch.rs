//! Running many scenarios: `--jobs N` worker threads, `--repeat N`, `--fail-fast`,
//! cancellation (Ctrl-C, SIGTERM), and one ordered stream of events for the reporters.
//!
//! Each worker thread has its own single-threaded tokio runtime and builds its backends there
//! through the caller's [`BackendFactory`] (so a backend need not be `Send`). Workers talk to the
//! calling thread through a channel only; the calling thread hands events to the sink.
//!
//! Two guarantees the CLI relies on:
//! - **Every scenario found is accounted for.** A worker that cannot start (its thread or its
//!   runtime), or that dies, leaves its work to the others; whatever no worker ran gets a result
//!   with an `error` (a setup error, exit 2), never silence and exit 0.
//! - **A run's events reach the sink as one contiguous group**, in start order: the first
//!   running scenario streams live, the others are held until it has finished. Reporters may
//!   therefore key on the scenario name even when two scenarios (or two `--repeat` runs) share
//!   one and run at the same time.
//!
//! It decides nothing about exit codes or output: [`RunOutcome`] says what happened.

use std::collections::{BTreeMap, VecDeque};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use tokio::time::Instant;

use super::run::{RunOptions, run_scenario};
use crate::backend::BackendFactory;
use crate::report::model::{RunEvent, RunEventKind, ScenarioResult};
use crate::scenario::Scenario;

/// How [`run_all`] runs the scenarios.
#[derive(Debug, Clone, Default)]
pub struct RunAllOptions {
    /// How each scenario runs.
    pub run: RunOptions,
    /// Scenario runs at once (at least 1).
    pub jobs: usize,
    /// Runs of each scenario (at least 1). With more than one, each result's name says which
    /// run it is (`name [run 2/3]`) and [`RunOutcome::flaky`] lists the scenarios that both
    /// passed and failed.
    pub repeat: usize,
    /// Start no further run once one has not passed (runs already going finish).
    pub fail_fast: bool,
}

/// A cancellation handle: clone it freely; [`Cancel::cancel`] stops every running scenario (its
/// backend is dropped, which kills its processes and removes its scratch directory) and starts
/// no other.
#[derive(Debug, Clone)]
pub struct Cancel {
    tx: Arc<watch::Sender<bool>>,
    signal: Arc<Mutex<Option<Interrupt>>>,
}

/// The signal that cancelled a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM.
    Terminate,
}

impl Default for Cancel {
    fn default() -> Self {
        Self::new()
    }
}

impl Cancel {
    /// A handle nobody has cancelled yet.
    pub fn new() -> Self {
        Cancel {
            tx: Arc::new(watch::Sender::new(false)),
            signal: Arc::new(Mutex::new(None)),
        }
    }

    /// A handle that SIGINT and SIGTERM cancel (a watcher thread waits for them), recording
    /// which one it was ([`Cancel::signal`]).
    pub fn on_signals() -> Self {
        let cancel = Cancel::new();
        let handle = cancel.clone();
        std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                use tokio::signal::unix::{SignalKind, signal};
                let (Ok(mut int), Ok(mut term)) = (
                    signal(SignalKind::interrupt()),
                    signal(SignalKind::terminate()),
                ) else {
                    return;
                };
                let which = tokio::select! {
                    _ = int.recv() => Interrupt::Interrupt,
                    _ = term.recv() => Interrupt::Terminate,
                };
                handle.cancel_by(which);
            });
        });
        cancel
    }

    /// Cancels the run (as SIGINT would).
    pub fn cancel(&self) {
        self.cancel_by(Interrupt::Interrupt);
    }

    fn cancel_by(&self, which: Interrupt) {
        if let Ok(mut seen) = self.signal.lock() {
            seen.get_or_insert(which);
        }
        self.tx.send_replace(true);
    }

    /// Whether the run was cancelled.
    pub fn is_cancelled(&self) -> bool {
        *self.tx.borrow()
    }

    /// The signal that cancelled the run, if one did.
    pub fn signal(&self) -> Option<Interrupt> {
        if !self.is_cancelled() {
            return None;
        }
        Some(
            self.signal
                .lock()
                .ok()
                .and_then(|s| *s)
                .unwrap_or(Interrupt::Interrupt),
        )
    }
}

/// A scenario that passed in some runs and failed in others (`--repeat`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flaky {
    /// The scenario's name.
    pub scenario: String,
    /// Its file.
    pub file: std::path::PathBuf,
    /// Runs that passed.
    pub passed: usize,
    /// Runs that did not.
    pub failed: usize,
}

/// What [`run_all`] did.
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    /// One result per run, in input order (each scenario's repetitions together). Runs a
    /// worker could not carry out have an `error`; runs cancelled or not started because of
    /// `--fail-fast` are absent.
    pub results: Vec<ScenarioResult>,
    /// Scenarios that both passed and failed under `--repeat`.
    pub flaky: Vec<Flaky>,
    /// Runs not started because `--fail-fast` stopped the run.
    pub not_started: usize,
    /// Whether the run was cancelled ([`Cancel`]).
    pub cancelled: bool,
}

impl RunOutcome {
    /// True when every run passed and none is missing (cancelled or not started).
    pub fn all_passed(&self) -> bool {
        !self.cancelled && self.not_started == 0 && self.results.iter().all(|r| r.passed())
    }
}

/// One unit of work: scenario `scenario`, repetition `run` (0-based).
#[derive(Debug, Clone, Copy)]
struct Job {
    id: usize,
    scenario: usize,
    run: usize,
}

/// What a worker sends the calling thread.
enum Message {
    Event(usize, Box<RunEvent>),
    Done(usize, Box<ScenarioResult>),
}

/// Runs `scenarios` (each `opts.repeat` times) on `opts.jobs` worker threads with backends from
/// `factory`, handing every event to `sink` on the calling thread (see the module docs for the
/// order) until done or `cancel` fires.
pub fn run_all<F: BackendFactory>(
    scenarios: &[Scenario],
    factory: &F,
    opts: &RunAllOptions,
    sink: &mut dyn FnMut(&RunEvent),
    cancel: &Cancel,
) -> RunOutcome {
    run_all_with(scenarios, factory, opts, sink, cancel, &|_| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    })
}

/// [`run_all`] with the worker runtime's construction injectable (tests make it fail).
fn run_all_with<F: BackendFactory>(
    scenarios: &[Scenario],
    factory: &F,
    opts: &RunAllOptions,
    sink: &mut dyn FnMut(&RunEvent),
    cancel: &Cancel,
    build_runtime: &(dyn Fn(usize) -> std::io::Result<tokio::runtime::Runtime> + Sync),
) -> RunOutcome {
    let run_start = Instant::now();
    let repeat = opts.repeat.max(1);
    let jobs: Vec<Job> = (0..scenarios.len())
        .flat_map(|s| (0..repeat).map(move |r| (s, r)))
        .enumerate()
        .map(|(id, (scenario, run))| Job { id, scenario, run })
        .collect();
    let count = jobs.len();
    let queue: Mutex<VecDeque<Job>> = Mutex::new(jobs.iter().copied().collect());
    let stop_starting = std::sync::atomic::AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<Message>();
    let mut results: Vec<Option<ScenarioResult>> = vec![None; count];
    let mut worker_errors: Vec<String> = Vec::new();
    let mut order = Ordered::default();
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for worker in 0..opts.jobs.max(1).min(count) {
            let tx = tx.clone();
            let queue = &queue;
            let stop_starting = &stop_starting;
            let mut cancelled = cancel.tx.subscribe();
            let spawned = std::thread::Builder::new()
                .name(format!("kubedrill-worker-{worker}"))
                .spawn_scoped(scope, move || -> Result<(), String> {
                    let rt = build_runtime(worker)
                        .map_err(|e| format!("worker {worker} could not start its runtime: {e}"))?;
                    loop {
                        if *cancelled.borrow()
                            || stop_starting.load(std::sync::atomic::Ordering::Acquire)
                        {
                            return Ok(());
                        }
                        let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                        let Some(job) = next else { return Ok(()) };
                        let scenario = repetition(&scenarios[job.scenario], job.run, repeat);
                        let result = rt.block_on(async {
                            let mut emit = |e: RunEvent| {
                                let _ = tx.send(Message::Event(job.id, Box::new(e)));
                            };
                            tokio::select! {
                                r = run_scenario(&scenario, factory, &opts.run, run_start, &mut emit) => Some(r),
                                _ = cancelled.wait_for(|c| *c) => None,
                            }
                        });
                        let Some(result) = result else {
                            return Ok(());
                        };
                        if opts.fail_fast && !result.passed() {
                            stop_starting.store(true, std::sync::atomic::Ordering::Release);
                        }
                        let _ = tx.send(Message::Done(job.id, Box::new(result)));
                    }
                });
            match spawned {
                Ok(h) => handles.push(h),
                Err(e) => worker_errors.push(format!("worker {worker} could not start: {e}")),
            }
        }
        drop(tx);
        for message in rx {
            match message {
                Message::Event(id, e) => order.push(id, *e, sink),
                Message::Done(id, r) => results[id] = Some(*r),
            }
        }
        for h in handles {
            match h.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => worker_errors.push(e),
                Err(_) => worker_errors.push("a worker thread panicked".into()),
            }
        }
    });
    order.flush(sink);
    let cancelled = cancel.is_cancelled();
    let fail_fast_stopped = stop_starting.load(std::sync::atomic::Ordering::Acquire);
    let mut outcome = RunOutcome {
        cancelled,
        ..RunOutcome::default()
    };
    // Per scenario: runs passed, runs not passed (for --repeat's flaky list).
    let mut tally: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for (job, result) in jobs.iter().zip(results) {
        let result = match result {
            Some(r) => r,
            // Cancelled or stopped by --fail-fast: not a scenario that ran and was lost.
            None if cancelled => continue,
            None if fail_fast_stopped => {
                outcome.not_started += 1;
                continue;
            }
            None => {
                let scenario = repetition(&scenarios[job.scenario], job.run, repeat);
                let why = if worker_errors.is_empty() {
                    "no worker ran it".to_string()
                } else {
                    worker_errors.join("; ")
                };
                let result = not_run(&scenario, &format!("not run: {why}"));
                let event = RunEvent {
                    at: run_start.elapsed(),
                    kind: RunEventKind::ScenarioFinished {
                        result: result.clone(),
                    },
                };
                sink(&event);
                result
            }
        };
        let t = tally.entry(job.scenario).or_default();
        if result.passed() {
            t.0 += 1;
        } else {
            t.1 += 1;
        }
        outcome.results.push(result);
    }
    if repeat > 1 {
        outcome.flaky = tally
            .into_iter()
            .filter(|(_, (p, f))| *p > 0 && *f > 0)
            .map(|(i, (passed, failed))| Flaky {
                scenario: scenarios[i].name.clone(),
                file: scenarios[i].file.clone(),
                passed,
                failed,
            })
            .collect();
    }
    outcome
}

/// The scenario as run number `run` of `repeat`: renamed `name [run 2/3]` when repeated, so
/// reports (JUnit test cases, the console) tell the runs apart.
fn repetition(scenario: &Scenario, run: usize, repeat: usize) -> Scenario {
    let mut s = scenario.clone();
    if repeat > 1 {
        s.name = format!("{} [run {}/{repeat}]", scenario.name, run + 1);
    }
    s
}

fn not_run(scenario: &Scenario, error: &str) -> ScenarioResult {
    ScenarioResult {
        scenario: scenario.name.clone(),
        file: scenario.file.clone(),
        backend: String::new(),
        timing: String::new(),
        steps: Vec::new(),
        duration: std::time::Duration::ZERO,
        error: Some(error.to_string()),
        kept_dir: None,
        logs: Vec::new(),
        expected_failure: None,
    }
}

/// Hands events to the sink one run at a time, in start order (see the module docs).
#[derive(Default)]
struct Ordered {
    /// The run whose events go straight through.
    current: Option<usize>,
    /// Runs that started after it, in start order, with their held events and whether they
    /// have finished.
    waiting: VecDeque<(usize, Vec<RunEvent>, bool)>,
}

impl Ordered {
    fn push(&mut self, id: usize, event: RunEvent, sink: &mut dyn FnMut(&RunEvent)) {
        let finished = matches!(event.kind, RunEventKind::ScenarioFinished { .. });
        match self.current {
            None => self.current = Some(id),
            Some(c) if c == id => {}
            Some(_) => {
                match self.waiting.iter_mut().find(|(w, _, _)| *w == id) {
                    Some(w) => {
                        w.1.push(event);
                        w.2 |= finished;
                    }
                    None => self.waiting.push_back((id, vec![event], finished)),
                }
                return;
            }
        }
        sink(&event);
        if finished {
            self.current = None;
            self.advance(sink);
        }
    }

    /// After the current run finished: release the next ones, up to one still running.
    fn advance(&mut self, sink: &mut dyn FnMut(&RunEvent)) {
        while let Some((id, events, finished)) = self.waiting.pop_front() {
            for e in &events {
                sink(e);
            }
            if !finished {
                self.current = Some(id);
                return;
            }
        }
    }

    /// At the end (cancelled runs never finish): whatever is held, in order.
    fn flush(&mut self, sink: &mut dyn FnMut(&RunEvent)) {
        self.current = None;
        for (_, events, _) in std::mem::take(&mut self.waiting) {
            for e in &events {
                sink(e);
            }
        }
    }
}

#[cfg(test)]
mod tests;
