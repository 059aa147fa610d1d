//! The log excerpt shown with a failure: the first lines and the last lines of a container's
//! output, consecutive repeats collapsed.
//!
//! Why not just the last lines: kubedrill's own polling (an `http` assertion retried every few
//! milliseconds) floods an app's request log, so the last 20 lines were 20 × `GET /` and the
//! lines that explain a failure — the app's start, what it loaded, where it listens — were out
//! of view. The head keeps those; the tail keeps what happened last; collapsing keeps a flood
//! to one line. Only identical lines are collapsed: lines that differ only in a number
//! (`RELOAD n=1`, `RELOAD n=2`) may be exactly what the user needs to see.
//!
//! Pure: it takes lines and returns lines. Redaction happens before (a Secret value is replaced
//! in each whole line, then lines are compared).

/// How many (collapsed) lines from the start of the log an excerpt keeps.
pub const HEAD_LINES: usize = 5;
/// How many (collapsed) lines from the end of the log an excerpt keeps.
pub const TAIL_LINES: usize = 10;

/// The excerpt of `lines`: consecutive identical lines become one `LINE ×N`; when more than
/// [`HEAD_LINES`] + [`TAIL_LINES`] remain, the first and the last ones are kept with a
/// `… N lines omitted …` line between them (N counts original lines).
///
/// ```
/// use kubedrill::report::excerpt::log_excerpt;
/// let mut log = vec!["START version=v1".to_string(), "LISTEN :8080".to_string()];
/// log.extend(std::iter::repeat_n("GET /".to_string(), 20));
/// assert_eq!(log_excerpt(&log), ["START version=v1", "LISTEN :8080", "GET / ×20"]);
/// ```
pub fn log_excerpt(lines: &[String]) -> Vec<String> {
    let runs = collapse(lines);
    if runs.len() <= HEAD_LINES + TAIL_LINES + 1 {
        return runs.iter().map(render).collect();
    }
    let tail_start = runs.len() - TAIL_LINES;
    let omitted: usize = runs[HEAD_LINES..tail_start].iter().map(|r| r.count).sum();
    let mut out: Vec<String> = runs[..HEAD_LINES].iter().map(render).collect();
    out.push(format!(
        "… {omitted} line{} omitted …",
        if omitted == 1 { "" } else { "s" }
    ));
    out.extend(runs[tail_start..].iter().map(render));
    out
}

/// One line and how many times in a row it appeared.
struct Run<'a> {
    text: &'a str,
    count: usize,
}

fn collapse(lines: &[String]) -> Vec<Run<'_>> {
    let mut runs: Vec<Run<'_>> = Vec::new();
    for line in lines {
        match runs.last_mut() {
            Some(run) if run.text == line => run.count += 1,
            _ => runs.push(Run {
                text: line,
                count: 1,
            }),
        }
    }
    runs
}

fn render(run: &Run<'_>) -> String {
    if run.count == 1 {
        run.text.to_owned()
    } else {
        format!("{} ×{}", run.text, run.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn a_short_log_is_shown_whole() {
        let log = strings(&["START", "LISTEN", "RELOAD n=1", "RELOAD n=2"]);
        assert_eq!(log_excerpt(&log), log);
        assert!(log_excerpt(&[]).is_empty());
    }

    #[test]
    fn consecutive_repeats_are_collapsed_and_counted() {
        let log = strings(&["START", "GET /", "GET /", "GET /", "RELOAD", "GET /"]);
        assert_eq!(
            log_excerpt(&log),
            ["START", "GET / ×3", "RELOAD", "GET /"],
            "only consecutive repeats"
        );
    }

    #[test]
    fn a_polling_flood_keeps_the_start_lines_in_view() {
        // Issue 6 §4: the last 20 lines used to be 20 × `GET /`.
        let mut log = strings(&["START version=v1", "LISTEN 127.0.0.1:8080"]);
        log.extend(std::iter::repeat_n("GET /".to_string(), 500));
        assert_eq!(
            log_excerpt(&log),
            ["START version=v1", "LISTEN 127.0.0.1:8080", "GET / ×500"]
        );
    }

    #[test]
    fn a_long_log_shows_the_first_and_last_lines_and_what_was_left_out() {
        let log: Vec<String> = (1..=40).map(|i| format!("line {i}")).collect();
        let excerpt = log_excerpt(&log);
        let mut want = strings(&["line 1", "line 2", "line 3", "line 4", "line 5"]);
        want.push("… 25 lines omitted …".into());
        want.extend((31..=40).map(|i| format!("line {i}")));
        assert_eq!(excerpt, want);
    }

    #[test]
    fn the_omitted_count_counts_original_lines() {
        let mut log: Vec<String> = (1..=5).map(|i| format!("head {i}")).collect();
        log.push("a".into());
        log.extend(std::iter::repeat_n("noise".to_string(), 30));
        log.push("b".into());
        log.extend((1..=10).map(|i| format!("tail {i}")));
        let excerpt = log_excerpt(&log);
        assert_eq!(excerpt[5], "… 32 lines omitted …", "{excerpt:?}");
        assert_eq!(excerpt.len(), HEAD_LINES + 1 + TAIL_LINES);
        assert_eq!(excerpt.last().map(String::as_str), Some("tail 10"));
    }

    #[test]
    fn one_line_more_than_head_and_tail_is_shown_rather_than_omitted() {
        let log: Vec<String> = (1..=16).map(|i| format!("line {i}")).collect();
        assert_eq!(
            log_excerpt(&log),
            log,
            "an omission marker would save nothing"
        );
    }
}
