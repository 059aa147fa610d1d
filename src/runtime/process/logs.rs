//! Captured container output: every line of stdout and stderr with the instant it was read,
//! in arrival order, shared between the capturing threads and any number of readers.
//!
//! Capture never depends on the scenario's async runtime being free: a pipe is read by its own
//! thread ([`LogBuffer::capture_pipe`]), and every read of the buffer first drains what is
//! already in the pipe. So a line the app wrote before it answered a request is always seen by
//! the next `log` sample, however busy the runtime or slow the thread (issue 6 §2).

use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use rustix::event::{PollFd, PollFlags};

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
    /// The pipes being captured, drained by every reader before it looks at the lines.
    pipes: Arc<Mutex<Vec<Arc<Pipe>>>>,
}

/// A captured pipe: its read end (non-blocking) and the bytes of a line not yet complete.
#[derive(Debug)]
struct Pipe {
    fd: OwnedFd,
    stream: LogStream,
    /// Held across read *and* push, so a reader that takes it after the capture thread read
    /// some bytes finds them already in the buffer.
    partial: Mutex<PipeState>,
}

#[derive(Debug, Default)]
struct PipeState {
    pending: Vec<u8>,
    eof: bool,
}

impl Pipe {
    fn at_eof(&self) -> bool {
        self.partial
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .eof
    }

    /// Reads everything the pipe holds right now into `logs`, without blocking.
    fn drain(&self, logs: &LogBuffer) {
        let mut state = self.partial.lock().unwrap_or_else(PoisonError::into_inner);
        let mut chunk = [0u8; 16 * 1024];
        while !state.eof {
            match rustix::io::read(&self.fd, &mut chunk) {
                Ok(0) => {
                    let rest = std::mem::take(&mut state.pending);
                    if !rest.is_empty() {
                        logs.push(self.stream, String::from_utf8_lossy(&rest));
                    }
                    state.eof = true;
                    logs.close_stream();
                }
                Ok(n) => {
                    state.pending.extend_from_slice(&chunk[..n]);
                    let mut start = 0;
                    while let Some(i) = state.pending[start..].iter().position(|b| *b == b'\n') {
                        let line = &state.pending[start..start + i];
                        logs.push(self.stream, String::from_utf8_lossy(line));
                        start += i + 1;
                    }
                    state.pending.drain(..start);
                }
                Err(rustix::io::Errno::INTR) => {}
                Err(rustix::io::Errno::AGAIN) => break,
                Err(_) => {
                    // A broken pipe reads as its end: keep what came, stop capturing.
                    state.eof = true;
                    logs.close_stream();
                }
            }
        }
    }
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
            pipes: Arc::default(),
        }
    }

    /// The lines, after reading whatever the captured pipes already hold.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.drain_pipes();
        self.lock_lines()
    }

    fn lock_lines(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn drain_pipes(&self) {
        let pipes = self
            .pipes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for pipe in pipes {
            pipe.drain(self);
        }
    }

    /// Makes `fd` non-blocking and drained by every read of the buffer.
    fn attach_pipe(&self, fd: OwnedFd, stream: LogStream) -> std::io::Result<Arc<Pipe>> {
        rustix::io::ioctl_fionbio(&fd, true)?;
        let pipe = Arc::new(Pipe {
            fd,
            stream,
            partial: Mutex::default(),
        });
        self.pipes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Arc::clone(&pipe));
        Ok(pipe)
    }

    /// Captures a pipe's read end (a child's stdout or stderr) on a thread of its own, until
    /// end of file. Independent of any async runtime, and readers of the buffer drain the pipe
    /// themselves, so no line already written is ever missing from a read.
    pub fn capture_pipe(&self, fd: impl Into<OwnedFd>, stream: LogStream) -> std::io::Result<()> {
        let pipe = self.attach_pipe(fd.into(), stream)?;
        let logs = self.clone();
        std::thread::Builder::new()
            .name("kubedrill-log".into())
            .spawn(move || {
                // Every wake drains all of the container's pipes, stdout first: output written
                // to stdout before a stderr line is then always captured before it (lines
                // that arrive on both at once are ambiguous anyway).
                loop {
                    logs.drain_pipes();
                    if pipe.at_eof() {
                        break;
                    }
                    let mut fds = [PollFd::new(&pipe.fd, PollFlags::IN)];
                    match rustix::event::poll(&mut fds, None) {
                        Ok(_) | Err(rustix::io::Errno::INTR) => {}
                        Err(_) => break,
                    }
                }
            })?;
        Ok(())
    }

    /// Appends a line read now.
    pub fn push(&self, stream: LogStream, text: impl Into<String>) {
        self.lock_lines().lines.push(LogLine {
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
        self.lock_lines().closed += 1;
        self.changed.send_modify(|v| *v += 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::io::Write;
    use std::time::Duration;

    #[tokio::test]
    async fn capture_pipe_splits_lines_and_keeps_a_final_partial_line() {
        let logs = LogBuffer::new();
        let (reader, mut writer) = std::io::pipe().expect("a pipe");
        logs.capture_pipe(reader, LogStream::Stderr)
            .expect("capture");
        writer.write_all(b"one\ntwo\n\nthree").expect("write");
        drop(writer);
        tokio::time::timeout(Duration::from_secs(5), logs.wait_closed(1))
            .await
            .expect("end of file seen");
        let texts = logs.texts_since(0, LogStream::Stderr);
        assert_eq!(texts, ["one", "two", "", "three"]);
        assert_eq!(logs.lines_since(3).len(), 1);
        assert!(logs.lines_since(10).is_empty());
        assert_eq!(logs.closed_streams(), 1);
    }

    /// The guarantee behind issue 6 §2: with no capture thread at all, a read of the buffer
    /// still finds every complete line already written to the pipe.
    #[test]
    fn a_read_sees_lines_already_in_the_pipe_without_the_capture_thread() {
        let logs = LogBuffer::new();
        let (reader, mut writer) = std::io::pipe().expect("a pipe");
        logs.attach_pipe(reader.into(), LogStream::Stdout)
            .expect("attach");
        assert!(logs.is_empty());
        writer.write_all(b"START\nhalf a li").expect("write");
        assert_eq!(logs.texts_since(0, LogStream::Stdout), ["START"]);
        writer.write_all(b"ne\n").expect("write");
        assert_eq!(
            logs.texts_since(0, LogStream::Stdout),
            ["START", "half a line"]
        );
        assert_eq!(logs.closed_streams(), 0);
        drop(writer);
        assert_eq!(logs.len(), 2);
        assert_eq!(logs.closed_streams(), 1);
    }

    /// Output on stdout before a stderr line is captured before it, whichever capture thread
    /// wakes first.
    #[tokio::test]
    async fn stdout_written_before_stderr_stays_before_it() {
        for round in 0..100 {
            let logs = LogBuffer::new();
            let (out_r, mut out_w) = std::io::pipe().expect("a pipe");
            let (err_r, mut err_w) = std::io::pipe().expect("a pipe");
            logs.capture_pipe(out_r, LogStream::Stdout)
                .expect("capture");
            logs.capture_pipe(err_r, LogStream::Stderr)
                .expect("capture");
            out_w.write_all(b"first\nsecond\n").expect("write");
            err_w.write_all(b"third\n").expect("write");
            drop((out_w, err_w));
            tokio::time::timeout(Duration::from_secs(5), logs.wait_closed(2))
                .await
                .expect("both ends seen");
            let texts: Vec<String> = logs.lines().into_iter().map(|l| l.text).collect();
            assert_eq!(texts, ["first", "second", "third"], "round {round}");
        }
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
