//! Captured container output: every line of stdout and stderr with the instant it was read,
//! in arrival order, shared between the capturing tasks and any number of readers.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::watch;

/// Which stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogStream {
    /// The container's stdout.
    Stdout,
    /// The container's stderr.
    Stderr,
}

/// One line of output (without its trailing newline; invalid UTF-8 replaced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// When the runtime read the line.
    pub at: Instant,
    /// stdout or stderr.
    pub stream: LogStream,
    /// The text.
    pub text: String,
}

#[derive(Debug, Default)]
struct State {
    lines: Vec<LogLine>,
    /// Streams that reached end of file.
    closed: usize,
}

/// Shared, append-only container output. Cloning shares the buffer.
#[derive(Debug, Clone)]
pub struct LogBuffer {
    state: Arc<Mutex<State>>,
    /// Bumped on every change (line or end of stream), for waiters.
    changed: Arc<watch::Sender<u64>>,
}

impl Default for LogBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl LogBuffer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self {
            state: Arc::default(),
            changed: Arc::new(watch::Sender::new(0)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends a line read now.
    pub fn push(&self, stream: LogStream, text: impl Into<String>) {
        self.lock().lines.push(LogLine {
            at: Instant::now(),
            stream,
            text: text.into(),
        });
        self.changed.send_modify(|v| *v += 1);
    }

    /// The number of lines so far (the index the next line will get).
    pub fn len(&self) -> usize {
        self.lock().lines.len()
    }

    /// Whether no line has been captured yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The lines from index `from` on (empty when `from` is past the end).
    pub fn lines_since(&self, from: usize) -> Vec<LogLine> {
        self.lock()
            .lines
            .get(from..)
            .map(<[_]>::to_vec)
            .unwrap_or_default()
    }

    /// All lines so far.
    pub fn lines(&self) -> Vec<LogLine> {
        self.lines_since(0)
    }

    /// The text of the lines of one stream, from index `from` on.
    pub fn texts_since(&self, from: usize, stream: LogStream) -> Vec<String> {
        self.lines_since(from)
            .into_iter()
            .filter(|l| l.stream == stream)
            .map(|l| l.text)
            .collect()
    }

    /// How many streams reached end of file.
    pub fn closed_streams(&self) -> usize {
        self.lock().closed
    }

    /// Waits for the first line at index `from` or later that satisfies `pred` and returns its
    /// index and the line. Waits forever: wrap it in `tokio::time::timeout`.
    pub async fn wait_for(
        &self,
        from: usize,
        mut pred: impl FnMut(&LogLine) -> bool,
    ) -> (usize, LogLine) {
        let mut rx = self.changed.subscribe();
        let mut next = from;
        loop {
            rx.borrow_and_update();
            let found = {
                let state = self.lock();
                let start = next.min(state.lines.len());
                let hit = state.lines[start..]
                    .iter()
                    .position(&mut pred)
                    .map(|i| (start + i, state.lines[start + i].clone()));
                next = state.lines.len().max(next);
                hit
            };
            if let Some(hit) = found {
                return hit;
            }
            // The sender lives as long as `self`, so this only fails if it is dropped.
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    /// Waits until `streams` streams reached end of file. Wrap it in a timeout.
    pub async fn wait_closed(&self, streams: usize) {
        let mut rx = self.changed.subscribe();
        loop {
            rx.borrow_and_update();
            if self.closed_streams() >= streams {
                return;
            }
            if rx.changed().await.is_err() {
                return;
            }
        }
    }

    fn close_stream(&self) {
        self.lock().closed += 1;
        self.changed.send_modify(|v| *v += 1);
    }

    /// Reads `reader` line by line into the buffer until end of file (or a read error).
    pub(crate) async fn capture(self, reader: impl AsyncRead + Unpin, stream: LogStream) {
        let mut reader = BufReader::new(reader);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if buf.last() == Some(&b'\n') {
                        buf.pop();
                    }
                    self.push(stream, String::from_utf8_lossy(&buf));
                }
            }
        }
        self.close_stream();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn capture_splits_lines_and_keeps_a_final_partial_line() {
        let logs = LogBuffer::new();
        let input: &[u8] = b"one\ntwo\n\nthree";
        logs.clone().capture(input, LogStream::Stderr).await;
        let texts = logs.texts_since(0, LogStream::Stderr);
        assert_eq!(texts, ["one", "two", "", "three"]);
        assert_eq!(logs.lines_since(3).len(), 1);
        assert!(logs.lines_since(10).is_empty());
        assert_eq!(logs.closed_streams(), 1);
    }

    #[tokio::test]
    async fn wait_for_sees_lines_pushed_later() {
        let logs = LogBuffer::new();
        logs.push(LogStream::Stdout, "early");
        let pusher = logs.clone();
        let task = tokio::spawn(async move {
            tokio::task::yield_now().await;
            pusher.push(LogStream::Stdout, "ready");
        });
        let (i, line) = logs.wait_for(0, |l| l.text == "ready").await;
        assert_eq!((i, line.text.as_str()), (1, "ready"));
        task.await.ok();
    }
}
