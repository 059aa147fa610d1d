//! `kubedrill dev`: the console side of live mode. The library ([`kubedrill::dev::run`]) watches
//! and projects; this module prints each projection, starts the app (`dev -- COMMAND`, see
//! [`kubedrill::dev::app`]) after the first good one, shows its output redacted, and stops on SIGINT
//! (exit 130) or SIGTERM (exit 143).
//!
//! It must not decide what is projected or whether an edit is valid: that is the library's.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use kubedrill::project::ProjectOptions;

use crate::exit::{CliError, StopSignal};
use crate::outln;
use crate::print::{print_error, print_report};
use kubedrill::dev::app::{DevApp, secret_values};

/// What `dev` needs besides the projection options.
pub struct DevArgs<'a> {
    /// `--container`: the container whose mounts and env the app gets.
    pub container: Option<&'a str>,
    /// The app's command line (after `--`); empty for projection only.
    pub command: &'a [String],
    /// `--show-secrets`: the app's output as it is.
    pub show_secrets: bool,
}

/// Runs `dev` until a signal, a first projection that fails, or an app that cannot start.
pub fn dev(opts: ProjectOptions, args: DevArgs<'_>) -> Result<(), CliError> {
    let DevArgs {
        container,
        command,
        show_secrets,
    } = args;
    let _span = tracing::debug_span!("dev", out = %opts.out.display()).entered();
    let stop = Arc::new(AtomicBool::new(false));
    let signal = watch_signals(&stop);
    let mut first_failed_input = false;
    let mut first = true;
    let mut app: Option<DevApp> = None;
    let mut app_failed = false;
    // The first console write that failed (a closed pipe): dev stops and exits quietly.
    let mut write_error: Option<std::io::Error> = None;
    // The app's output is redacted like a run's logs: every Secret value seen in any version of
    // the manifests stays redacted after an edit replaced it.
    let mut redactor = kubedrill::runner::redact::Redactor::new(&[], !show_secrets);
    let mut printed = |r: std::io::Result<()>, stop: &AtomicBool| {
        if let Err(e) = r {
            stop.store(true, Ordering::Relaxed);
            write_error.get_or_insert(e);
        }
    };
    let result = kubedrill::dev::run(&opts, &stop, |event| match event {
        kubedrill::dev::DevEvent::Tick => {
            if let Some(app) = app.as_mut() {
                for line in app.poll() {
                    printed(outln!("{}", redactor.text(&line)), &stop);
                }
            }
        }
        kubedrill::dev::DevEvent::Watching(files) => {
            tracing::debug!(files = files.len(), "watching manifests");
            printed(
                outln!(
                    "watching {} (Ctrl-C to stop)",
                    files
                        .iter()
                        .map(|f| f.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                &stop,
            );
        }
        kubedrill::dev::DevEvent::Projected { changed, result } => {
            if !changed.is_empty() {
                printed(
                    outln!(
                        "changed: {}",
                        changed
                            .iter()
                            .map(|f| f.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    &stop,
                );
            }
            match result {
                Ok(report) => {
                    tracing::debug!(pod = %report.pod, "projected");
                    redactor.extend(secret_values(&opts));
                    printed(print_report(&report, &opts.out), &stop);
                    if first && !command.is_empty() {
                        match DevApp::start(&report, &opts.out, container, command) {
                            Ok(a) => {
                                printed(
                                    outln!("app started (pid {}): {}", a.pid(), command.join(" ")),
                                    &stop,
                                );
                                app = Some(a);
                            }
                            Err(e) => {
                                eprintln!("error: starting the app: {e}");
                                app_failed = true;
                                stop.store(true, Ordering::Relaxed);
                            }
                        }
                    }
                }
                Err(e) => {
                    print_error(&e);
                    if first {
                        first_failed_input = true;
                        stop.store(true, Ordering::Relaxed);
                    } else {
                        eprintln!(
                            "  (nothing written: {} keeps the last good projection)",
                            opts.out.display()
                        );
                    }
                }
            }
            first = false;
        }
    });
    if let Some(app) = app {
        app.stop();
    }
    result.map_err(CliError::invalid)?;
    if first_failed_input || app_failed {
        return Err(CliError::InvalidReported);
    }
    if let Some(e) = write_error {
        return Err(e.into());
    }
    match signal.lock().ok().and_then(|s| *s) {
        Some(s) => Err(s.into()),
        None => Ok(()),
    }
}

/// Sets `stop` on SIGINT (Ctrl-C) or SIGTERM and records which one came, so `dev` stops the app
/// (never orphaning it) and exits with that signal's code.
fn watch_signals(stop: &Arc<AtomicBool>) -> Arc<Mutex<Option<StopSignal>>> {
    let seen = Arc::new(Mutex::new(None));
    let (stop, record) = (Arc::clone(stop), Arc::clone(&seen));
    let watcher =
        kubedrill::runtime::blocking::spawn_thread("kubedrill-signals", move || async move {
            use tokio::signal::unix::{SignalKind, signal};
            let which = match (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) {
                (Ok(mut int), Ok(mut term)) => {
                    tokio::select! {
                        _ = int.recv() => StopSignal::Interrupt,
                        _ = term.recv() => StopSignal::Terminate,
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                    StopSignal::Interrupt
                }
            };
            tracing::debug!(signal = ?which, "stopping");
            if let Ok(mut s) = record.lock() {
                *s = Some(which);
            }
            stop.store(true, Ordering::Relaxed);
        });
    if let Err(e) = watcher {
        eprintln!("warning: cannot watch for Ctrl-C: {e}");
    }
    seen
}
