//! The rules of `geosim check`: which way each metric gets worse and by how much it may.
//!
//! Owns `Direction`, `Rule`, `DEFAULT_RULES` (documented in docs/ci.md), `glob_match`, the
//! tolerances file format (`Tolerances`) and `judge` (the verdict of one exact comparison).
//!
//! Must not import the engine, the world, strategies or the scenario types; does no I/O.

use std::path::Path;

use super::{Figure, Verdict};
use crate::error::{line_col, Error, Result};

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

/// The tolerance of `rule` at a baseline value: `max(abs, rel x |baseline|)`.
pub fn allowed(rule: &Rule, baseline: f64) -> f64 {
    rule.abs.max(rule.rel * baseline.abs())
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
    let allowed = allowed(rule, b);
    if worse_by <= 0.0 {
        Verdict::Better
    } else if worse_by > allowed * (1.0 + 1e-9) + 1e-12 {
        Verdict::Worse
    } else {
        Verdict::Within
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
