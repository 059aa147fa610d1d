//! Judging one sample: an [`Observed`] value against an assertion's predicates. Pure: no IO,
//! no timing; the runner decides when to sample and for how long.

use std::time::SystemTime;

use crate::backend::Observed;
use crate::scenario::format::{Observation, Predicates};

/// The verdict on one sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Whether every predicate held.
    pub ok: bool,
    /// The observed value as shown in reports (before redaction).
    pub shown: String,
    /// What did not hold, when `ok` is false.
    pub why: Option<String>,
    /// For logs: when the first line that satisfied `contains`/`matches` was read.
    pub matched_at: Option<SystemTime>,
    /// When `equals` did not hold for a multi-line value: the line diff of expected against
    /// observed (see [`line_diff`](super::diff::line_diff)), before redaction.
    pub equals_diff: Vec<String>,
}

/// Judges `observed` for `observation` against `p`. `log_since` drops log lines read before
/// that moment (`since: STEP`).
pub fn judge(
    observation: &Observation,
    observed: &Observed,
    p: &Predicates,
    log_since: Option<SystemTime>,
) -> Sample {
    match observed {
        Observed::Unavailable(why) => fail(format!("({why})"), why.clone()),
        Observed::File {
            content,
            mode,
            link_target,
            is_dir,
        } => {
            let text = content
                .as_ref()
                .map(|c| String::from_utf8_lossy(c).into_owned());
            let has_text_predicate = p.equals.is_some()
                || p.not_equals.is_some()
                || p.contains.is_some()
                || p.not_contains.is_some()
                || p.matches.is_some();
            let mut s = if *is_dir {
                if has_text_predicate {
                    fail(
                        "(a directory)".into(),
                        "is a directory (hint: use dir: to list it)".into(),
                    )
                } else if p.exists == Some(false) {
                    fail("(a directory)".into(), "exists, expected it not to".into())
                } else {
                    verdict("(a directory)".into(), Vec::new())
                }
            } else {
                judge_text(text.as_deref(), p)
            };
            if s.ok
                && let Some(want) = p.mode
            {
                match mode {
                    Some(m) if *m == want => {}
                    Some(m) => {
                        s = fail(
                            format!("mode {m:04o}"),
                            format!("mode is {m:04o}, expected {want:04o}"),
                        )
                    }
                    None => s = fail("(missing)".into(), "the file does not exist".into()),
                }
            }
            if s.ok
                && let Some(want) = &p.link_target
            {
                match link_target {
                    Some(t) if t == want => {}
                    Some(t) => {
                        s = fail(
                            format!("-> {t}"),
                            format!("links to {t:?}, expected {want:?}"),
                        )
                    }
                    None => {
                        s = fail(
                            "(not a symlink)".into(),
                            format!("is not a symlink, expected a link to {want:?}"),
                        )
                    }
                }
            }
            s
        }
        Observed::Dir(entries) => {
            let text = entries.as_ref().map(|e| e.join("\n"));
            judge_text(text.as_deref(), p)
        }
        Observed::Env(value) => judge_text(value.as_deref(), p),
        Observed::Log(lines) => {
            let lines: Vec<(SystemTime, &String)> = lines
                .iter()
                .filter(|l| log_since.is_none_or(|s| l.at >= s))
                .map(|l| (l.at, &l.text))
                .collect();
            let text = lines
                .iter()
                .map(|(_, l)| l.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            let mut s = judge_text(Some(&text), p);
            // Show what matters: the offending line for notContains, else the latest lines.
            s.shown = p
                .not_contains
                .as_deref()
                .filter(|_| !s.ok)
                .and_then(|bad| lines.iter().find(|(_, l)| l.contains(bad)))
                .map(|(_, l)| (*l).clone())
                .unwrap_or_else(|| last_lines(&text, 3));
            if s.ok {
                let first = lines.iter().find(|(_, l)| {
                    p.contains.as_deref().is_some_and(|c| l.contains(c))
                        || p.matches.as_ref().is_some_and(|m| m.regex().is_match(l))
                });
                if let Some((at, line)) = first {
                    s.matched_at = Some(*at);
                    s.shown = (*line).clone();
                }
            }
            s
        }
        Observed::Http { status, body } => {
            let mut s = judge_text(Some(body), p);
            if let Some(want) = p.status
                && *status != want
            {
                s = fail(body.clone(), format!("status {status}, expected {want}"));
            }
            // A failure shows the status with the body: `HTTP 503: upstream down`.
            if !s.ok {
                s.shown = format!("HTTP {status}: {}", s.shown);
            }
            s
        }
        Observed::Tls { cn, sha256 } => {
            let shown = format!(
                "CN={} sha256={}",
                cn.as_deref().unwrap_or("(none)"),
                &sha256[..sha256.len().min(16)]
            );
            let mut why = Vec::new();
            if let Some(want) = &p.cn
                && cn.as_deref() != Some(want.as_str())
            {
                why.push(format!(
                    "serves CN {}, expected {want:?}",
                    cn.as_deref().unwrap_or("(none)")
                ));
            }
            if let Some(want) = &p.sha256
                && sha256 != want
            {
                why.push(format!("serves sha256 {sha256}, expected {want}"));
            }
            verdict(shown, why)
        }
        Observed::Container {
            state,
            reason,
            restarts,
        } => {
            let Observation::Container(m) = observation else {
                return fail(String::new(), "internal: observation mismatch".into());
            };
            let state = state.as_str();
            let shown = format!(
                "{state}{} (restarts {restarts})",
                reason
                    .as_deref()
                    .map(|r| format!(" {r}"))
                    .unwrap_or_default()
            );
            let mut why = Vec::new();
            if let Some(want) = m.state
                && want.as_str() != state
            {
                why.push(format!("state is {state}, expected {}", want.as_str()));
            }
            if let Some(want) = &m.reason
                && reason.as_deref() != Some(want.as_str())
            {
                why.push(format!(
                    "reason is {}, expected {want}",
                    reason.as_deref().unwrap_or("(none)")
                ));
            }
            if let Some(want) = m.restarts
                && *restarts != want
            {
                why.push(format!("restarts is {restarts}, expected {want}"));
            }
            verdict(shown, why)
        }
        Observed::Pod { phase } => {
            let phase = phase.as_str();
            let Observation::Pod(m) = observation else {
                return fail(String::new(), "internal: observation mismatch".into());
            };
            let mut why = Vec::new();
            if let Some(want) = m.phase
                && want.as_str() != phase
            {
                why.push(format!("phase is {phase}, expected {}", want.as_str()));
            }
            verdict(phase.to_string(), why)
        }
        Observed::Events(messages) => {
            let reason = match observation {
                Observation::Event { reason } => reason.as_str(),
                _ => "",
            };
            if messages.is_empty() {
                return fail(
                    "(no such event)".into(),
                    format!("no event with reason {reason}"),
                );
            }
            // Some event must satisfy the text predicates on its message.
            let mut last = None;
            for m in messages {
                let s = judge_text(Some(m), p);
                if s.ok {
                    return s;
                }
                last = Some(s);
            }
            last.unwrap_or_else(|| fail(String::new(), "no event".into()))
        }
    }
}

fn verdict(shown: String, why: Vec<String>) -> Sample {
    if why.is_empty() {
        Sample {
            ok: true,
            shown,
            why: None,
            matched_at: None,
            equals_diff: Vec::new(),
        }
    } else {
        fail(shown, why.join("; "))
    }
}

fn fail(shown: String, why: String) -> Sample {
    Sample {
        ok: false,
        shown,
        why: Some(why),
        matched_at: None,
        equals_diff: Vec::new(),
    }
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    lines[start..].join("\n")
}

/// The text predicates: exists, equals, notEquals, contains, notContains, matches, count.
/// `equals` also accepts the value with its trailing newlines removed, since a file written
/// from a YAML block scalar ends with one.
pub fn judge_text(text: Option<&str>, p: &Predicates) -> Sample {
    let shown = text.map_or_else(|| "(missing)".to_string(), str::to_string);
    let mut why = Vec::new();
    match (p.exists, text) {
        (Some(false), Some(_)) => why.push("exists, expected it not to".to_string()),
        (Some(false), None) => return verdict(shown, why),
        (_, None) => {
            return fail(shown, "does not exist".into());
        }
        _ => {}
    }
    let Some(t) = text else {
        return verdict(shown, why);
    };
    let mut equals_diff = Vec::new();
    if let Some(want) = &p.equals
        && t != want
        && t.trim_end_matches('\n') != want
    {
        why.push(format!("expected {want:?}"));
        equals_diff = super::diff::line_diff(want, t);
    }
    if let Some(bad) = &p.not_equals
        && (t == bad || t.trim_end_matches('\n') == bad)
    {
        why.push(format!("expected anything but {bad:?}"));
    }
    let found = match (&p.contains, &p.matches) {
        (Some(c), _) if !c.is_empty() => {
            Some(("contain", c.clone(), t.matches(c.as_str()).count()))
        }
        (_, Some(m)) => Some((
            "match",
            m.as_str().to_string(),
            m.regex().find_iter(t).count(),
        )),
        _ => None,
    };
    if let Some((verb, what, n)) = found {
        match p.count {
            Some(want) if n != want => why.push(format!(
                "expected {want} occurrence(s) of {what:?}, found {n}"
            )),
            None if n == 0 => why.push(format!("expected to {verb} {what:?}")),
            _ => {}
        }
    }
    if let Some(bad) = &p.not_contains
        && t.contains(bad.as_str())
    {
        why.push(format!("expected not to contain {bad:?}"));
    }
    Sample {
        equals_diff,
        ..verdict(shown, why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::format::Pattern;

    fn preds() -> Predicates {
        Predicates::default()
    }

    #[test]
    fn equals_accepts_trailing_newline() {
        let p = Predicates {
            equals: Some("DEBUG".into()),
            ..preds()
        };
        assert!(judge_text(Some("DEBUG\n"), &p).ok);
        assert!(!judge_text(Some("INFO"), &p).ok);
        assert!(!judge_text(None, &p).ok);
    }

    #[test]
    fn exists_false_passes_on_missing() {
        let p = Predicates {
            exists: Some(false),
            ..preds()
        };
        assert!(judge_text(None, &p).ok);
        assert!(!judge_text(Some("x"), &p).ok);
    }

    #[test]
    fn count_counts_non_overlapping_matches() {
        let p = Predicates {
            contains: Some("RELOAD".into()),
            count: Some(1),
            ..preds()
        };
        assert!(judge_text(Some("START\nRELOAD n=1"), &p).ok);
        let s = judge_text(Some("RELOAD\nRELOAD"), &p);
        assert!(!s.ok);
        assert!(s.why.unwrap().contains("found 2"));
        let p = Predicates {
            matches: Some(Pattern::new("v[0-9]").unwrap()),
            count: Some(3),
            ..preds()
        };
        assert!(judge_text(Some("v1 v2 v3"), &p).ok);
    }

    #[test]
    fn not_contains_and_not_equals() {
        let p = Predicates {
            not_contains: Some("ERROR".into()),
            not_equals: Some("x".into()),
            ..preds()
        };
        assert!(judge_text(Some("fine"), &p).ok);
        assert!(!judge_text(Some("an ERROR"), &p).ok);
        assert!(!judge_text(Some("x\n"), &p).ok);
    }
}
