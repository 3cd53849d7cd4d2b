//! The outputs of `geosim check`: the text table for people, JSON and JUnit XML for CI
//! systems.
//!
//! Owns `Comparison::table`, `Comparison::to_json` (format `geosim-check/1`),
//! `Comparison::to_junit`, and `error_json` / `error_junit` (the same shapes for a check that
//! could not run, exit code 2). Names reach the terminal escaped (`report::escape`); XML text
//! is escaped and characters XML cannot carry are written as `\u{..}`.
//!
//! Must not import the engine, the world, strategies or the scenario types; does no I/O.

use serde_json::{json, Value};

use super::{Comparison, Direction, Figure, Row, Verdict};
use crate::error::Error;
use crate::plot::fmt_num;
use crate::report::escape;

/// The format tag of `geosim check --format json`.
pub const JSON_FORMAT: &str = "geosim-check/1";

impl Comparison {
    /// The diff table: changed metrics only, or every metric with `all`; then the count per
    /// verdict, the notes and (when it fails) why.
    pub fn table(&self, all: bool) -> String {
        let stat = self.alpha_per_test.is_some();
        let mut head = vec![
            "strategy", "metric", "baseline", "current", "change", "verdict",
        ];
        if stat {
            head.extend(["diff CI", "p"]);
        }
        let mut rows: Vec<Vec<String>> = vec![head.iter().map(|s| s.to_string()).collect()];
        for r in self
            .rows
            .iter()
            .filter(|r| all || r.verdict != Verdict::Same)
        {
            let mut row = vec![
                r.strategy.clone(),
                r.metric.clone(),
                show(r.baseline),
                show(r.current),
                change(r.baseline, r.current),
                r.verdict.word().to_string(),
            ];
            if stat {
                match &r.stat {
                    Some(w) => {
                        row.push(format!("[{}, {}]", trim(w.low), trim(w.high)));
                        row.push(format!("{:.3}", w.p));
                    }
                    None => row.extend(["–".to_string(), "–".to_string()]),
                }
            }
            rows.push(row);
        }
        let mut out = if rows.len() > 1 {
            crate::report::render(&rows)
        } else {
            String::from("no metric changed\n")
        };
        let counts = self.counts();
        let n = |v: Verdict| counts.iter().find(|(w, _)| *w == v).map_or(0, |c| c.1);
        out.push_str(&format!(
            "\n{} metrics compared: {} same, {} better, {} worse within tolerance, {} regressed, {} informational changes, {} new, {} removed\n",
            self.compared(),
            n(Verdict::Same),
            n(Verdict::Better),
            n(Verdict::Within),
            n(Verdict::Worse),
            n(Verdict::Info),
            n(Verdict::New),
            n(Verdict::Removed),
        ));
        if let (Some(a), Some(s)) = (self.alpha_per_test, self.options.stat) {
            let tested = self.rows.iter().filter(|r| r.stat.is_some()).count();
            out.push_str(&format!(
                "statistical mode: {} per row, one-sided, alpha {}{} ({tested} rows tested)\n",
                if self.rows.iter().any(|r| r.stat.is_some_and(|w| w.paired)) {
                    "paired t-test (same seeds on both sides)"
                } else {
                    "Welch's t-test"
                },
                trim(a),
                if s.bonferroni {
                    format!(" (Bonferroni: {} / {tested})", trim(s.alpha))
                } else {
                    String::new()
                }
            ));
        }
        for note in &self.notes {
            out.push_str(&format!("note: {}\n", escape(note)));
        }
        for problem in &self.problems {
            out.push_str(&format!("FAIL: {}\n", escape(problem)));
        }
        out
    }

    /// `geosim check --format json`: the verdict, the counts, every row.
    pub fn to_json(&self) -> String {
        let failures = self.failures();
        let counts: serde_json::Map<String, Value> = self
            .counts()
            .into_iter()
            .map(|(v, n)| (v.key().to_string(), Value::from(n)))
            .collect();
        let doc = json!({
            "format": JSON_FORMAT,
            "ok": failures.is_empty(),
            "exit_code": if failures.is_empty() { 0 } else { 1 },
            "mode": if self.alpha_per_test.is_some() { "statistical" } else { "exact" },
            "alpha": self.options.stat.map(|s| s.alpha),
            "alpha_per_test": self.alpha_per_test,
            "compared": self.compared(),
            "counts": counts,
            "failures": failures,
            "problems": self.problems,
            "notes": self.notes,
            "rows": self.rows.iter().map(row_json).collect::<Vec<_>>(),
        });
        serde_json::to_string_pretty(&doc).expect("serialises") + "\n"
    }

    /// `geosim check --format junit`: one test suite, a test case per metric (class name
    /// `geosim.check.<strategy>`) failing when it regressed or went missing, and a test case
    /// `comparison` failing when the comparison is incomplete.
    pub fn to_junit(&self, suite: &str) -> String {
        let mut cases = String::new();
        let (mut failures, mut skipped) = (0, 0);
        let comparison_failed = !self.problems.is_empty();
        cases.push_str("    <testcase classname=\"geosim.check\" name=\"comparison\">\n");
        if comparison_failed {
            failures += 1;
            let message = self.problems.join("; ");
            cases.push_str(&format!(
                "      <failure type=\"incomplete\" message=\"{}\">{}</failure>\n",
                xml(&message),
                xml(&self.problems.join("\n"))
            ));
        }
        cases.push_str("    </testcase>\n");
        for r in &self.rows {
            let open = format!(
                "    <testcase classname=\"geosim.check.{}\" name=\"{}\"",
                xml(&r.strategy),
                xml(&r.metric)
            );
            let detail = format!(
                "baseline {}, current {}, change {}, rule {} ({}, rel {}, abs {}){}",
                show(r.baseline),
                show(r.current),
                change(r.baseline, r.current),
                r.rule.glob,
                direction(r.rule.direction),
                trim(r.rule.rel),
                trim(r.rule.abs),
                r.stat.map_or(String::new(), |w| format!(
                    ", {} p {:.4} (alpha {}), difference CI [{}, {}]",
                    if w.paired { "paired t" } else { "Welch" },
                    w.p,
                    trim(w.alpha),
                    trim(w.low),
                    trim(w.high)
                ))
            );
            let inner = match r.verdict {
                Verdict::Worse => {
                    failures += 1;
                    Some(format!(
                        "<failure type=\"regression\" message=\"regressed beyond tolerance: {}\"/>",
                        xml(&detail)
                    ))
                }
                Verdict::Removed if !self.options.allow_removed => {
                    failures += 1;
                    Some(format!(
                        "<failure type=\"missing\" message=\"missing from the result: {}\"/>",
                        xml(&detail)
                    ))
                }
                Verdict::Removed => {
                    skipped += 1;
                    Some("<skipped message=\"removed from the result (allowed)\"/>".to_string())
                }
                _ => None,
            };
            match inner {
                Some(i) => cases.push_str(&format!("{open}>\n      {i}\n    </testcase>\n")),
                None => cases.push_str(&format!("{open}/>\n")),
            }
        }
        let tests = self.rows.len() + 1;
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"geosim check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n{cases}  </testsuite>\n</testsuites>\n",
            xml(suite)
        )
    }
}

/// `geosim check --format json` when the check could not run (`error` says why).
pub fn error_json(error: &Error) -> String {
    let doc = json!({
        "format": JSON_FORMAT,
        "ok": false,
        "exit_code": error.exit_code(),
        "error": error.to_string(),
    });
    serde_json::to_string_pretty(&doc).expect("serialises") + "\n"
}

/// `geosim check --format junit` when the check could not run: one test case in error.
pub fn error_junit(suite: &str, error: &Error) -> String {
    let message = error.to_string();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"geosim check\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n  <testsuite name=\"{}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n    <testcase classname=\"geosim.check\" name=\"comparison\">\n      <error type=\"exit {}\" message=\"{}\">{}</error>\n    </testcase>\n  </testsuite>\n</testsuites>\n",
        xml(suite),
        error.exit_code(),
        xml(&message),
        xml(&message)
    )
}

fn direction(d: Direction) -> &'static str {
    match d {
        Direction::Lower => "lower",
        Direction::Higher => "higher",
        Direction::Info => "info",
    }
}

fn figure_json(f: Option<Figure>) -> Value {
    match f {
        Some(Figure::Num(v)) => Value::from(v),
        _ => Value::Null,
    }
}

fn row_json(r: &Row) -> Value {
    json!({
        "strategy": r.strategy,
        "metric": r.metric,
        "baseline": figure_json(r.baseline),
        "current": figure_json(r.current),
        "verdict": r.verdict.key(),
        "rule": {
            "glob": r.rule.glob,
            "direction": direction(r.rule.direction),
            "rel": r.rule.rel,
            "abs": r.rule.abs,
        },
        "stat": r.stat.map(|w| json!({
            "test": if w.paired { "paired" } else { "welch" },
            "n_baseline": w.baseline.n,
            "n_current": w.current.n,
            "std_baseline": w.baseline.std,
            "std_current": w.current.std,
            "diff": w.diff,
            "se": w.se,
            "df": w.df,
            "tolerance": w.tolerance,
            "t": w.t,
            "p": w.p,
            "alpha": w.alpha,
            "ci_low": w.low,
            "ci_high": w.high,
        })),
    })
}

/// Text for XML attributes and content: markup characters as entities, characters XML 1.0
/// cannot carry (controls other than tab, newline, carriage return) as `\u{..}`.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

fn show(f: Option<Figure>) -> String {
    match f {
        None => "–".into(),
        Some(Figure::Null) => "null".into(),
        Some(Figure::Num(v)) => trim(v),
    }
}

fn trim(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn change(b: Option<Figure>, c: Option<Figure>) -> String {
    match (b, c) {
        (Some(Figure::Num(b)), Some(Figure::Num(c))) => {
            let d = c - b;
            if d == 0.0 {
                return "0".into();
            }
            let sign = if d > 0.0 { "+" } else { "" };
            if b != 0.0 {
                format!(
                    "{sign}{} ({sign}{}%)",
                    trim(d),
                    fmt_num(d / b.abs() * 100.0)
                )
            } else {
                format!("{sign}{}", trim(d))
            }
        }
        (Some(x), Some(y)) if x == y => "0".into(),
        _ => "–".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(
            xml("a<b>&\"c'\n\u{1b}[31m"),
            "a&lt;b&gt;&amp;&quot;c&apos;&#10;\\u{1b}[31m"
        );
    }
}
