//! `geosim check`: compares a result with a baseline metric by metric, so a CI can fail when
//! a change makes a strategy worse.
//!
//! Owns `Rule` (a metric glob with its direction and tolerances), `DEFAULT_RULES` (documented
//! in docs/ci.md), the tolerances file format, `compare` (reports: every strategy present in
//! both, matched by name; sweeps: every row matched by parameters, strategy and metric) and
//! the diff table. Works on the JSON values, not the typed report, so metrics added to the
//! report later are compared without a change here (as informational until a rule names
//! them).
//!
//! Must not import the engine, the world, strategies or the scenario types; does no I/O.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::error::{line_col, Error, Result};
use crate::plot::{fmt_num, kind_of, text, ResultKind};

/// Which way a metric gets worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Higher is worse (latency, rates of bad events, RPO, RTO, cost).
    Lower,
    /// Lower is worse (availability, hit ratios, SLO passes).
    Higher,
    /// Shown, never gated (counts of events and operations).
    Info,
}

/// A metric glob (`*` any characters, `?` one) with its direction and tolerances. A change
/// in the bad direction regresses when it exceeds `max(abs, rel x |baseline|)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Matched against the metric path (`latency_ms.read.p99`), or against
    /// `strategy/metric` when it contains a `/`.
    pub glob: String,
    /// Which way is worse.
    pub direction: Direction,
    /// Relative tolerance, a fraction of the baseline value.
    pub rel: f64,
    /// Absolute tolerance, in the metric's unit.
    pub abs: f64,
}

use Direction::{Higher, Info, Lower};

/// The built-in rules, first match wins: (glob, direction, rel, abs).
pub const DEFAULT_RULES: &[(&str, Direction, f64, f64)] = &[
    ("*latency_ms.*.count", Info, 0.0, 0.0),
    ("ops.failed", Lower, 0.05, 0.0),
    ("ops.*", Info, 0.0, 0.0),
    ("events", Info, 0.0, 0.0),
    ("*latency_ms.*", Lower, 0.05, 0.5),
    ("replication_lag_ms.*", Lower, 0.05, 0.5),
    ("consistency.staleness_ms.*", Lower, 0.05, 0.5),
    ("consistency.*_rate", Lower, 0.0, 0.001),
    (
        "consistency.t_visibility.*.p_consistent",
        Higher,
        0.0,
        0.001,
    ),
    (
        "consistency.t_visibility_exact.*.p_consistent",
        Higher,
        0.0,
        0.001,
    ),
    ("*lost_updates", Lower, 0.05, 0.0),
    ("consistency.*", Info, 0.0, 0.0),
    ("availability.*", Higher, 0.0, 0.0005),
    ("rpo.lost_writes", Lower, 0.05, 0.0),
    ("rpo.*", Lower, 0.05, 0.01),
    ("rto.unrecovered", Lower, 0.0, 0.0),
    ("rto.*", Lower, 0.05, 0.01),
    ("split_brain.writes", Lower, 0.05, 0.0),
    ("split_brain.*", Lower, 0.05, 0.01),
    ("extra.*hit*", Higher, 0.0, 0.001),
    ("extra.*", Info, 0.0, 0.0),
    ("cost.*", Lower, 0.05, 0.01),
    ("residency.enforced", Info, 0.0, 0.0),
    ("residency.*", Lower, 0.05, 0.0),
    ("*.pass", Higher, 0.0, 0.0),
    ("*.passed", Higher, 0.0, 0.0),
    ("*.met", Higher, 0.0, 0.0),
    ("wan_bytes", Lower, 0.05, 0.0),
    ("*", Info, 0.0, 0.0),
];

/// The default rules as `Rule`s.
pub fn default_rules() -> Vec<Rule> {
    DEFAULT_RULES
        .iter()
        .map(|&(glob, direction, rel, abs)| Rule {
            glob: glob.to_string(),
            direction,
            rel,
            abs,
        })
        .collect()
}

/// `*` matches any run of characters, `?` one character.
pub fn glob_match(glob: &str, s: &str) -> bool {
    let (g, t): (Vec<char>, Vec<char>) = (glob.chars().collect(), s.chars().collect());
    let (mut gi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if gi < g.len() && (g[gi] == '?' || g[gi] == t[ti]) {
            gi += 1;
            ti += 1;
        } else if gi < g.len() && g[gi] == '*' {
            star = Some(gi);
            mark = ti;
            gi += 1;
        } else if let Some(s) = star {
            gi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    g[gi..].iter().all(|c| *c == '*')
}

/// A rule of a tolerances file: a missing direction is the default rule's.
#[derive(Debug, Clone, PartialEq)]
struct UserRule {
    glob: String,
    direction: Option<Direction>,
    rel: f64,
    abs: f64,
}

/// Tolerances: the user's rules (from a tolerances file) before the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Tolerances {
    user: Vec<UserRule>,
    defaults: Vec<Rule>,
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances {
            user: Vec::new(),
            defaults: default_rules(),
        }
    }
}

impl Tolerances {
    /// Parses a tolerances file: TOML mapping metric globs to `{ rel, abs, direction }`
    /// (each optional, 0 by default; a missing direction is the default rule's for the
    /// metric). The most specific matching glob (most non-`*` characters) wins.
    pub fn from_toml(text: &str, path: &Path) -> Result<Tolerances> {
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            Error::Syntax {
                path: path.to_path_buf(),
                line,
                column,
                message: e.message().to_string(),
            }
        })?;
        let field = |glob: &str, message: String| Error::Field {
            path: path.to_path_buf(),
            field: format!("\"{glob}\""),
            line: None,
            column: None,
            message,
        };
        let mut user = Vec::new();
        for (glob, v) in table {
            let t = v
                .as_table()
                .ok_or_else(|| field(&glob, "expected a table { rel, abs, direction }".into()))?;
            let mut rule = UserRule {
                glob: glob.clone(),
                direction: None,
                rel: 0.0,
                abs: 0.0,
            };
            for (k, v) in t {
                let number = || {
                    v.as_float()
                        .or_else(|| v.as_integer().map(|i| i as f64))
                        .filter(|x| *x >= 0.0)
                        .ok_or_else(|| field(&glob, format!("{k}: expected a number >= 0")))
                };
                match k.as_str() {
                    "rel" => rule.rel = number()?,
                    "abs" => rule.abs = number()?,
                    "direction" => {
                        rule.direction = Some(match v.as_str() {
                            Some("lower") => Lower,
                            Some("higher") => Higher,
                            Some("info") => Info,
                            _ => {
                                return Err(field(
                                    &glob,
                                    "direction: expected \"lower\", \"higher\" or \"info\"".into(),
                                ))
                            }
                        })
                    }
                    other => {
                        return Err(field(
                            &glob,
                            format!("unknown key `{other}` (expected rel, abs, direction)"),
                        ))
                    }
                }
            }
            user.push(rule);
        }
        user.sort_by_key(|r| std::cmp::Reverse(r.glob.chars().filter(|c| *c != '*').count()));
        Ok(Tolerances {
            user,
            defaults: default_rules(),
        })
    }

    /// The direction and tolerances that apply to `metric` of `strategy`.
    pub fn rule_for(&self, strategy: &str, metric: &str) -> Rule {
        let full = format!("{strategy}/{metric}");
        let hits = |glob: &str| {
            if glob.contains('/') {
                glob_match(glob, &full)
            } else {
                glob_match(glob, metric)
            }
        };
        let default = self
            .defaults
            .iter()
            .find(|r| hits(&r.glob))
            .cloned()
            .unwrap_or(Rule {
                glob: "*".into(),
                direction: Info,
                rel: 0.0,
                abs: 0.0,
            });
        match self.user.iter().find(|r| hits(&r.glob)) {
            Some(r) => Rule {
                glob: r.glob.clone(),
                direction: r.direction.unwrap_or(default.direction),
                rel: r.rel,
                abs: r.abs,
            },
            None => default,
        }
    }
}

/// A leaf value of a metric: a number, or `null` (e.g. an RTO that never happened).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Figure {
    /// A number (booleans count as 1 and 0).
    Num(f64),
    /// `null`: worse than any number for a lower-is-better metric.
    Null,
}

/// Keys that name an entry of an array of objects (`per_region[].region`).
const ENTRY_KEYS: [&str; 6] = ["region", "t_ms", "name", "objective", "metric", "strategy"];

/// Every metric of a strategy entry as (dotted path, figure), in document order. Arrays of
/// objects are keyed by their entry's name (`per_region.eu-west-1.latency_ms.read.p99`);
/// other arrays (timeline, faults) are not metrics.
pub fn flatten(v: &Value) -> Vec<(String, Figure)> {
    fn walk(v: &Value, prefix: &str, out: &mut Vec<(String, Figure)>) {
        let join = |k: &str| {
            if prefix.is_empty() {
                k.to_string()
            } else {
                format!("{prefix}.{k}")
            }
        };
        match v {
            Value::Number(n) => {
                out.push((prefix.to_string(), Figure::Num(n.as_f64().unwrap_or(0.0))))
            }
            Value::Bool(b) => out.push((prefix.to_string(), Figure::Num(f64::from(u8::from(*b))))),
            Value::Null => out.push((prefix.to_string(), Figure::Null)),
            Value::Object(m) => {
                for (k, v) in m {
                    if prefix.is_empty() && (k == "timeline" || k == "faults") {
                        continue;
                    }
                    walk(v, &join(k), out);
                }
            }
            Value::Array(items) => {
                for item in items {
                    let key = ENTRY_KEYS.iter().find_map(|k| match item.get(*k)? {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    });
                    if let Some(key) = key {
                        walk(item, &join(&key), out);
                    }
                }
            }
            Value::String(_) => {}
        }
    }
    let mut out = Vec::new();
    walk(v, "", &mut out);
    out
}

/// What happened to one metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Unchanged.
    Same,
    /// Changed in the good direction.
    Better,
    /// Worse, but within tolerance.
    Within,
    /// Worse beyond tolerance: a regression.
    Worse,
    /// Changed, not gated.
    Info,
    /// Only in the current result.
    New,
    /// Only in the baseline.
    Removed,
}

impl Verdict {
    fn word(self) -> &'static str {
        match self {
            Verdict::Same => "same",
            Verdict::Better => "better",
            Verdict::Within => "within tolerance",
            Verdict::Worse => "WORSE",
            Verdict::Info => "info",
            Verdict::New => "new",
            Verdict::Removed => "removed",
        }
    }
}

/// One compared metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Strategy name.
    pub strategy: String,
    /// Metric path (for sweeps, with the point's parameters).
    pub metric: String,
    /// Baseline figure.
    pub baseline: Option<Figure>,
    /// Current figure.
    pub current: Option<Figure>,
    /// The verdict.
    pub verdict: Verdict,
    /// The rule applied.
    pub rule: Rule,
}

/// The result of a comparison.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Comparison {
    /// Every metric compared, strategy by strategy.
    pub rows: Vec<Row>,
    /// Things not compared (strategies or rows in one file only).
    pub notes: Vec<String>,
}

impl Comparison {
    /// The regressions.
    pub fn regressions(&self) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|r| r.verdict == Verdict::Worse)
            .collect()
    }

    /// The error `geosim check` ends with when something regressed.
    pub fn regressed(&self) -> Option<Error> {
        let worse = self.regressions();
        (!worse.is_empty()).then(|| Error::Regressed {
            count: worse.len(),
            names: worse
                .iter()
                .map(|r| format!("{}: {}", r.strategy, r.metric))
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// The diff table: changed metrics only, or every metric with `all`.
    pub fn table(&self, all: bool) -> String {
        let mut rows: Vec<Vec<String>> = vec![[
            "strategy", "metric", "baseline", "current", "change", "verdict",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()];
        for r in self
            .rows
            .iter()
            .filter(|r| all || r.verdict != Verdict::Same)
        {
            rows.push(vec![
                r.strategy.clone(),
                r.metric.clone(),
                show(r.baseline),
                show(r.current),
                change(r.baseline, r.current),
                r.verdict.word().to_string(),
            ]);
        }
        let mut out = if rows.len() > 1 {
            crate::report::render(&rows)
        } else {
            String::from("no metric changed\n")
        };
        let n = |v: Verdict| self.rows.iter().filter(|r| r.verdict == v).count();
        out.push_str(&format!(
            "\n{} metrics compared: {} same, {} better, {} worse within tolerance, {} regressed, {} informational changes, {} new, {} removed\n",
            self.rows.len(),
            n(Verdict::Same),
            n(Verdict::Better),
            n(Verdict::Within),
            n(Verdict::Worse),
            n(Verdict::Info),
            n(Verdict::New),
            n(Verdict::Removed),
        ));
        for note in &self.notes {
            out.push_str(&format!("note: {note}\n"));
        }
        out
    }
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

/// Judges one metric.
pub fn judge(rule: &Rule, baseline: Figure, current: Figure) -> Verdict {
    if baseline == current {
        return Verdict::Same;
    }
    if rule.direction == Info {
        return Verdict::Info;
    }
    let (b, c) = match (baseline, current) {
        (Figure::Num(b), Figure::Num(c)) => (b, c),
        // `null` is the worst value (an RTO that never came).
        (Figure::Num(_), Figure::Null) => return Verdict::Worse,
        _ => return Verdict::Better,
    };
    let worse_by = if rule.direction == Lower {
        c - b
    } else {
        b - c
    };
    let allowed = rule.abs.max(rule.rel * b.abs());
    if worse_by <= 0.0 {
        Verdict::Better
    } else if worse_by > allowed * (1.0 + 1e-9) + 1e-12 {
        Verdict::Worse
    } else {
        Verdict::Within
    }
}

fn compare_metrics(
    out: &mut Comparison,
    tol: &Tolerances,
    strategy: &str,
    base: &[(String, Figure)],
    cur: &[(String, Figure)],
    suffix: &str,
) {
    let cur_map: BTreeMap<&str, Figure> = cur.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let base_map: BTreeMap<&str, Figure> = base.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    for (metric, b) in base {
        let rule = tol.rule_for(strategy, metric);
        let c = cur_map.get(metric.as_str()).copied();
        let verdict = c.map_or(Verdict::Removed, |c| judge(&rule, *b, c));
        out.rows.push(Row {
            strategy: strategy.to_string(),
            metric: format!("{metric}{suffix}"),
            baseline: Some(*b),
            current: c,
            verdict,
            rule,
        });
    }
    for (metric, c) in cur {
        if !base_map.contains_key(metric.as_str()) {
            out.rows.push(Row {
                strategy: strategy.to_string(),
                metric: format!("{metric}{suffix}"),
                baseline: None,
                current: Some(*c),
                verdict: Verdict::New,
                rule: tol.rule_for(strategy, metric),
            });
        }
    }
}

/// Refuses to compare results of different scenarios or seeds (exit code 2).
fn same_provenance(current: &Value, baseline: &Value) -> Result<()> {
    let mut differences = Vec::new();
    for key in [
        "scenario.name",
        "scenario.sha256",
        "sweep.path",
        "sweep.sha256",
        "base.sha256",
    ] {
        let (c, b) = (text(current, key), text(baseline, key));
        if !c.is_empty() && !b.is_empty() && c != b {
            differences.push(format!("{key} is {c} here but {b} in the baseline"));
        }
    }
    let (c, b) = (current.get("seed"), baseline.get("seed"));
    if let (Some(c), Some(b)) = (c, b) {
        if c != b {
            differences.push(format!("seed is {c} here but {b} in the baseline"));
        }
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "not comparable: {} (regenerate the baseline with --update if this is intended)",
            differences.join("; ")
        )))
    }
}

/// Compares `current` with `baseline` (both reports or both sweeps). Errors (exit code 2)
/// when they are of different kinds, scenarios or seeds.
pub fn compare(current: &Value, baseline: &Value, tol: &Tolerances) -> Result<Comparison> {
    let (kc, kb) = (kind_of(current), kind_of(baseline));
    if kc.is_none() || kc != kb {
        return Err(Error::Usage(
            "not comparable: the report and the baseline must both be report.json or both sweep.json files".into(),
        ));
    }
    same_provenance(current, baseline)?;
    let mut out = Comparison::default();
    if kc == Some(ResultKind::Report) {
        let list = |v: &Value| v["strategies"].as_array().cloned().unwrap_or_default();
        let (cur, base) = (list(current), list(baseline));
        for b in &base {
            let name = text(b, "name");
            match cur.iter().find(|c| text(c, "name") == name) {
                Some(c) => compare_metrics(&mut out, tol, name, &flatten(b), &flatten(c), ""),
                None => out.notes.push(format!(
                    "strategy {name} is only in the baseline: not compared"
                )),
            }
        }
        for c in &cur {
            let name = text(c, "name");
            if !base.iter().any(|b| text(b, "name") == name) {
                out.notes.push(format!(
                    "strategy {name} is only in the report: not compared"
                ));
            }
        }
    } else {
        let key = |r: &Value| {
            let params = r
                .get("parameters")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            format!(
                                "{k}={}",
                                v.as_str().map_or_else(|| v.to_string(), str::to_string)
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            (
                params,
                text(r, "strategy").to_string(),
                text(r, "metric").to_string(),
            )
        };
        let rows = |v: &Value| v["rows"].as_array().cloned().unwrap_or_default();
        let (cur, base) = (rows(current), rows(baseline));
        let mean = |r: &Value| match r.get("mean") {
            Some(Value::Number(n)) => Some(Figure::Num(n.as_f64().unwrap_or(0.0))),
            Some(Value::Null) => Some(Figure::Null),
            _ => None,
        };
        for b in &base {
            let k = key(b);
            let c = cur.iter().find(|c| key(c) == k);
            let (Some(bm), cm) = (mean(b), c.and_then(mean)) else {
                continue;
            };
            let suffix = if k.0.is_empty() {
                String::new()
            } else {
                format!(" @ {}", k.0)
            };
            let cur_metrics: Vec<(String, Figure)> =
                cm.map(|f| (k.2.clone(), f)).into_iter().collect();
            compare_metrics(
                &mut out,
                tol,
                &k.1,
                &[(k.2.clone(), bm)],
                &cur_metrics,
                &suffix,
            );
        }
        let extra = cur
            .iter()
            .filter(|c| !base.iter().any(|b| key(b) == key(c)))
            .count();
        if extra > 0 {
            out.notes.push(format!(
                "{extra} sweep rows are only in the current sweep: not compared"
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn globs() {
        assert!(glob_match(
            "*latency_ms.*",
            "per_region.eu.latency_ms.read.p99"
        ));
        assert!(glob_match(
            "consistency.*_rate",
            "consistency.stale_read_rate"
        ));
        assert!(!glob_match("ops.*", "opsx.failed"));
        assert!(glob_match("a?c", "abc"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn directions_and_tolerances() {
        let t = Tolerances::default();
        let r = t.rule_for("mm", "latency_ms.write.p99");
        assert_eq!((r.direction, r.rel, r.abs), (Lower, 0.05, 0.5));
        assert_eq!(t.rule_for("mm", "availability.overall").direction, Higher);
        assert_eq!(t.rule_for("mm", "events").direction, Info);
        assert_eq!(t.rule_for("mm", "latency_ms.read.count").direction, Info);
        // 100 -> 104 ms is within 5 %; 100 -> 106 is not; 1.0 -> 1.4 is within 0.5 ms.
        assert_eq!(
            judge(&r, Figure::Num(100.0), Figure::Num(104.0)),
            Verdict::Within
        );
        assert_eq!(
            judge(&r, Figure::Num(100.0), Figure::Num(106.0)),
            Verdict::Worse
        );
        assert_eq!(
            judge(&r, Figure::Num(1.0), Figure::Num(1.4)),
            Verdict::Within
        );
        assert_eq!(
            judge(&r, Figure::Num(100.0), Figure::Num(90.0)),
            Verdict::Better
        );
        let rto = t.rule_for("mm", "rto.max_s");
        assert_eq!(judge(&rto, Figure::Num(3.0), Figure::Null), Verdict::Worse);
    }

    #[test]
    fn user_tolerances_override_and_inherit_direction() {
        let text = "\"*.p99\" = { rel = 0.5 }\n\"mm/wan_bytes\" = { direction = \"info\" }\n";
        let t = Tolerances::from_toml(text, Path::new("t.toml")).unwrap();
        let r = t.rule_for("ap", "latency_ms.read.p99");
        assert_eq!((r.direction, r.rel, r.abs), (Lower, 0.5, 0.0));
        assert_eq!(t.rule_for("mm", "wan_bytes").direction, Info);
        assert_eq!(t.rule_for("ap", "wan_bytes").direction, Lower);
        let bad = Tolerances::from_toml("\"x\" = { tol = 1 }\n", Path::new("t.toml"));
        assert!(bad.unwrap_err().to_string().contains("unknown key `tol`"));
    }

    #[test]
    fn flatten_keys_arrays_by_entry_name() {
        let v = json!({"name": "x", "per_region": [{"region": "eu", "p": 1}], "timeline": {"a": [1]}, "rto": {"max_s": null}});
        let f = flatten(&v);
        assert_eq!(
            f,
            vec![
                ("per_region.eu.p".to_string(), Figure::Num(1.0)),
                ("rto.max_s".to_string(), Figure::Null)
            ]
        );
    }
}
