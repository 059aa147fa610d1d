//! A progress line for long waits, so a `kubelet`-timing run never looks hung: "waiting up to
//! 90s for file /etc/config/LOG_LEVEL (12s)", redrawn on stderr while an assertion waits, and
//! cleared when it ends. Only on a terminal (and not with `TERM=dumb`): in CI logs and pipes
//! there is nothing of it. It owns presentation only; the runner says what it waits for
//! ([`WaitProgress`]).

use std::io::IsTerminal;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::model::{OnWait, WaitProgress};

/// The line (or nothing, when stderr is not a terminal).
#[derive(Debug, Clone)]
pub struct WaitLine {
    bar: Option<ProgressBar>,
}

impl WaitLine {
    /// A line on stderr when stderr is a terminal (and `TERM` is not `dumb`), else nothing.
    pub fn on_terminal() -> Self {
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        if !std::io::stderr().is_terminal() || dumb {
            return WaitLine { bar: None };
        }
        // Hidden until something waits: nothing is drawn for runs that never wait.
        let bar = ProgressBar::hidden().with_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        WaitLine { bar: Some(bar) }
    }

    /// For the runner's `RunOptions::on_wait`: `None` when there is nothing to draw, so the
    /// runner does not even build the messages.
    pub fn callback(&self) -> Option<OnWait> {
        let bar = self.bar.clone()?;
        Some(Arc::new(move |p: &WaitProgress| {
            if p.done {
                bar.finish_and_clear();
                bar.set_draw_target(ProgressDrawTarget::hidden());
                bar.reset();
            } else {
                if bar.is_hidden() {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                }
                bar.set_message(wait_message(p));
                bar.tick();
            }
        }))
    }

    /// Runs `write` (console output) with the line hidden, so the two do not mix.
    pub fn suspend<R>(&self, write: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// Removes the line for good.
    pub fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `waiting up to 90s for file /etc/config/LOG_LEVEL (12s)`.
pub fn wait_message(p: &WaitProgress) -> String {
    let limit = if p.limit.subsec_millis() == 0 {
        format!("{}s", p.limit.as_secs())
    } else {
        format!("{:.1}s", p.limit.as_secs_f64())
    };
    format!(
        "waiting up to {limit} for {} ({}s)",
        p.what,
        p.waited.as_secs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn wait_message_names_the_limit_the_target_and_the_time_waited() {
        let p = WaitProgress {
            scenario: "reload".into(),
            what: "file /etc/config/LOG_LEVEL".into(),
            limit: Duration::from_secs(90),
            waited: Duration::from_millis(12_400),
            done: false,
        };
        assert_eq!(
            wait_message(&p),
            "waiting up to 90s for file /etc/config/LOG_LEVEL (12s)"
        );
    }
}
