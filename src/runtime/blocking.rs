//! Async code from synchronous code: one current-thread tokio runtime, built, used with
//! `block_on` and dropped, optionally on a thread of its own.
//!
//! The pattern was copied in five places (the CLI's signal watchers and workers, the Docker
//! runtime's log copier and container removal in `Drop`); each copy built the runtime slightly
//! differently. This module owns that pattern only: it must not decide what runs on the runtime
//! nor what a caller does when no runtime can be built (each caller keeps its own fallback).

use std::future::Future;
use std::io;
use std::thread::JoinHandle;

/// Runs `future` to completion on a new current-thread runtime with I/O and time enabled.
/// Errors only when the runtime cannot be built (e.g. no file descriptors left).
pub fn block_on<F: Future>(future: F) -> io::Result<F::Output> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(rt.block_on(future))
}

/// Spawns a thread named `name` that runs the future `make` returns on its own current-thread
/// runtime (see [`block_on`]). The future is made on the new thread, so it need not be `Send`.
pub fn spawn_thread<M, F>(name: &str, make: M) -> io::Result<JoinHandle<io::Result<F::Output>>>
where
    M: FnOnce() -> F + Send + 'static,
    F: Future,
    F::Output: Send + 'static,
{
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || block_on(make()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_runs_timers_and_returns_the_output() -> io::Result<()> {
        let out = block_on(async {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            7
        })?;
        assert_eq!(out, 7);
        Ok(())
    }

    #[test]
    fn spawn_thread_runs_on_a_named_thread() -> io::Result<()> {
        let handle = spawn_thread("kubedrill-test", || async {
            std::thread::current().name().map(str::to_owned)
        })?;
        let name = handle.join().map_err(|_| io::Error::other("panicked"))??;
        assert_eq!(name.as_deref(), Some("kubedrill-test"));
        Ok(())
    }
}
