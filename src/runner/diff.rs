//! A small line diff between an `equals` assertion's expected value and what was observed, so
//! a failure of a multi-line config file shows which line differs instead of two long quoted
//! strings. Pure; the runner redacts it (or leaves it out for Secret-derived values).

/// Values with more lines than this (either side) are not diffed: the quadratic table would
/// be large and the diff unreadable.
pub const MAX_DIFF_LINES: usize = 200;
/// At most this many diff lines are kept; the rest is counted in a last `…` line.
pub const MAX_SHOWN: usize = 20;

/// The diff of `expected` against `observed`, line by line: `- line` only in expected,
/// `+ line` only in observed, `  line` in both (unchanged lines far from a change are left
/// out). Empty when both have a single line (the failure message already shows both values
/// whole) or either is too long. A trailing newline is ignored, as `equals` ignores it.
///
/// ```
/// use kubedrill::runner::diff::line_diff;
/// assert_eq!(
///     line_diff("[db]\nhost=db-v2\nport=5432\n", "[db]\nhost=db-v1\nport=5432\n"),
///     ["  [db]", "- host=db-v2", "+ host=db-v1", "  port=5432"]
/// );
/// ```
pub fn line_diff(expected: &str, observed: &str) -> Vec<String> {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = observed.lines().collect();
    if (a.len() <= 1 && b.len() <= 1) || a.len() > MAX_DIFF_LINES || b.len() > MAX_DIFF_LINES {
        return Vec::new();
    }
    let ops = diff_ops(&a, &b);
    // Keep one unchanged line of context around each change; a longer run of unchanged lines
    // becomes one `…` (a single one is shown: a marker would save nothing).
    let near_change = |i: usize| {
        let lo = i.saturating_sub(1);
        let hi = (i + 1).min(ops.len() - 1);
        ops[lo..=hi].iter().any(|op| !matches!(op, Op::Same(_)))
    };
    let keep: Vec<bool> = (0..ops.len()).map(near_change).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < ops.len() {
        if !keep[i] {
            let run = keep[i..].iter().take_while(|k| !**k).count();
            if run > 1 {
                out.push("  …".to_owned());
                i += run;
                continue;
            }
        }
        out.push(match ops[i] {
            Op::Same(line) => format!("  {line}"),
            Op::Removed(line) => format!("- {line}"),
            Op::Added(line) => format!("+ {line}"),
        });
        i += 1;
    }
    if out.len() > MAX_SHOWN {
        let more = out.len() - MAX_SHOWN;
        out.truncate(MAX_SHOWN);
        out.push(format!("… {more} more diff lines"));
    }
    out
}

enum Op<'a> {
    Same(&'a str),
    Removed(&'a str),
    Added(&'a str),
}

/// A shortest edit script from the longest common subsequence table.
fn diff_ops<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<Op<'a>> {
    // lcs[i][j]: length of the LCS of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push(Op::Same(a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(Op::Removed(a[i]));
            i += 1;
        } else {
            ops.push(Op::Added(b[j]));
            j += 1;
        }
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_values_are_not_diffed() {
        assert!(line_diff("DEBUG", "INFO").is_empty());
        assert!(line_diff("DEBUG\n", "INFO").is_empty());
    }

    #[test]
    fn a_changed_line_shows_as_removed_and_added() {
        assert_eq!(
            line_diff("a\nb\nc", "a\nB\nc\n"),
            ["  a", "- b", "+ B", "  c"]
        );
    }

    #[test]
    fn added_and_removed_lines_at_the_ends() {
        assert_eq!(line_diff("a\nb", "a\nb\nc"), ["  a", "  b", "+ c"]);
        assert_eq!(line_diff("x\na\nb", "a\nb"), ["- x", "  a", "  b"]);
        assert_eq!(line_diff("", "a\nb"), ["+ a", "+ b"]);
    }

    #[test]
    fn unchanged_lines_far_from_a_change_are_elided() {
        let expected: String = (1..=10).map(|i| format!("l{i}\n")).collect();
        let observed = expected.replace("l5\n", "L5\n");
        assert_eq!(
            line_diff(&expected, &observed),
            ["  …", "  l4", "- l5", "+ L5", "  l6", "  …"]
        );
    }

    #[test]
    fn long_diffs_are_cut_and_huge_values_not_diffed() {
        let expected: String = (1..=50).map(|i| format!("a{i}\n")).collect();
        let observed: String = (1..=50).map(|i| format!("b{i}\n")).collect();
        let diff = line_diff(&expected, &observed);
        assert_eq!(diff.len(), MAX_SHOWN + 1);
        assert_eq!(diff[MAX_SHOWN], "… 80 more diff lines");
        let huge = "x\n".repeat(MAX_DIFF_LINES + 1);
        assert!(line_diff(&huge, "x\ny").is_empty());
    }
}
