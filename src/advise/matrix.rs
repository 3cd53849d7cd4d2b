//! The measured decision matrix (`geosim matrix`, docs/decision-matrix.md): every strategy of a
//! shipped scenario measured as it is, again under a region outage, and a third time with its
//! client groups as closed-loop sessions and its hottest keys checked for linearizability (the
//! consistency class: linearizable / session / eventual), side by side with the strategy
//! matrix of the geo-distribution pattern (its ratings quoted), and a sentence per row on where
//! the measurement agrees or disagrees.
//!
//! Owns `PATTERN` (the pattern's ratings, quoted), the consistency classes, the agreement rules
//! and the Markdown.
//! Must not import the engine, the world or any output module; files only through `io`.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::io::{read_text, sha256_hex};
use crate::report::{ScenarioInfo, StrategyReport};
use crate::scenario::{self, Format, DEFAULT_SEED};

/// One row of the pattern's "Geo-Distribution Strategy Matrix", quoted.
pub struct PatternRow {
    /// The geosim strategy kind it describes.
    pub kind: &'static str,
    /// The pattern's strategy name.
    pub strategy: &'static str,
    /// Its consistency rating.
    pub consistency: &'static str,
    /// Its latency rating.
    pub latency: &'static str,
    /// Its complexity rating.
    pub complexity: &'static str,
    /// Its cost rating.
    pub cost: &'static str,
}

/// The pattern's matrix, verbatim (the geo-distribution pattern geosim grew from; quoted in
/// docs/strategies.md, "The trade-off matrix and what geosim measures").
pub const PATTERN: [PatternRow; 5] = [
    PatternRow {
        kind: "active-active",
        strategy: "Active-Active",
        consistency: "Eventual",
        latency: "Lowest",
        complexity: "Highest",
        cost: "$$$$$",
    },
    PatternRow {
        kind: "active-passive",
        strategy: "Active-Passive",
        consistency: "Strong",
        latency: "Higher",
        complexity: "Medium",
        cost: "$$$",
    },
    PatternRow {
        kind: "follow-the-sun",
        strategy: "Follow-the-Sun",
        consistency: "Session-based",
        latency: "Low",
        complexity: "High",
        cost: "$$$$",
    },
    PatternRow {
        kind: "edge-cache",
        strategy: "Edge + Origin",
        consistency: "Cached",
        latency: "Very Low",
        complexity: "Low",
        cost: "$$",
    },
    PatternRow {
        kind: "multi-master",
        strategy: "Multi-Master",
        consistency: "Conflict-prone",
        latency: "Low",
        complexity: "Very High",
        cost: "$$$$$",
    },
];

fn pattern(kind: &str) -> Option<&'static PatternRow> {
    PATTERN.iter().find(|p| p.kind == kind)
}

/// The pattern's latency words as tiers (1 fastest).
fn latency_tier(word: &str) -> usize {
    match word {
        "Lowest" | "Very Low" => 1,
        "Low" => 2,
        _ => 3,
    }
}

/// Operation-weighted mean latency, ms.
fn mean_ms(s: &StrategyReport) -> f64 {
    let (r, w) = (&s.latency_ms.read, &s.latency_ms.write);
    let n = (r.count + w.count) as f64;
    if n == 0.0 {
        return f64::INFINITY;
    }
    // A side without operations has no mean (null) and weight 0.
    let part = |l: &crate::report::Latency| l.mean.unwrap_or(0.0) * l.count as f64;
    (part(r) + part(w)) / n
}

/// One decimal, or `n/a`.
fn na1(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".to_string(), |x| format!("{x:.1}"))
}

/// 1-based rank of `x` among `all` (ties share the best rank).
fn rank(all: &[f64], x: f64) -> usize {
    all.iter().filter(|&&y| y < x).count() + 1
}

/// A share in percent with two decimals (`<0.01 %` for one that is not 0, as the tables).
fn pct(x: Option<f64>) -> String {
    x.map_or_else(
        || "n/a".to_string(),
        |x| format!("{} %", crate::report::percent(x, 2).trim_end_matches('%')),
    )
}

/// Sessions per client group in the consistency run (`--sessions`).
pub const SESSIONS: u32 = 20;
/// Keys `0..CHECKED_KEYS` checked for linearizability in the consistency run.
pub const CHECKED_KEYS: u64 = 16;

/// How the matrix is measured.
#[derive(Copy, Clone, Debug)]
pub struct How<'a> {
    /// The region taken down (default: the scenario's first).
    pub outage: Option<&'a str>,
    /// Sessions per client group in the consistency run.
    pub sessions: u32,
}

/// The strongest consistency class the consistency run supports.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Class {
    /// Every checked key's history linearizable, and no session guarantee violated.
    Linearizable,
    /// No session guarantee violated (linearizability violated on some checked key).
    Session,
    /// Some session guarantee violated.
    Eventual,
}

/// The class of a strategy's consistency run and its figures in words.
pub fn class(s: &StrategyReport) -> (Class, String) {
    let c = &s.consistency;
    let Some(g) = &c.sessions else {
        return (Class::Eventual, "not measured".into());
    };
    let session_ok =
        g.read_your_writes + g.monotonic_reads + g.monotonic_writes + g.writes_follow_reads == 0;
    let lin = c.linearizability.as_ref();
    let lin_ok = lin.is_some_and(|l| l.violations == 0 && l.ops_checked > 0);
    let lin_words = lin.map_or("linearizability not checked".to_string(), |l| {
        format!(
            "{} of {} checked keys not linearizable",
            l.violations, l.keys_checked
        )
    });
    if session_ok && lin_ok {
        let l = lin.expect("checked");
        return (
            Class::Linearizable,
            format!(
                "**linearizable** ({} keys, {} ops; 0 session violations in {} ops)",
                l.keys_checked,
                l.ops_checked,
                g.reads + g.writes
            ),
        );
    }
    if session_ok {
        return (
            Class::Session,
            format!(
                "**session** (0 violations of the four in {} ops; {lin_words})",
                g.reads + g.writes
            ),
        );
    }
    (
        Class::Eventual,
        format!(
            "**eventual** (read-your-writes {}, monotonic reads {}, monotonic writes {}, writes-follow-reads {}; {lin_words})",
            pct(g.read_your_writes_rate),
            pct(g.monotonic_reads_rate),
            pct(g.monotonic_writes_rate),
            pct(g.writes_follow_reads_rate)
        ),
    )
}

fn consistency_class(s: &StrategyReport) -> String {
    let c = &s.consistency;
    let mut out = if c.stale_reads == 0 {
        format!("no stale reads observed ({} reads)", s.ops.reads)
    } else {
        format!("stale reads {}", pct(c.stale_read_rate))
    };
    if c.conflicts.unwrap_or(0) > 0 {
        let _ = write!(out, "; conflicts {} of writes", pct(c.conflict_rate));
    }
    out
}

/// The sentence on consistency (`class`: the consistency run's class).
fn consistency_sentence(p: &PatternRow, s: &StrategyReport, class: Class) -> String {
    let c = &s.consistency;
    let stale = c.stale_reads > 0;
    let measured = match class {
        Class::Linearizable => "linearizable",
        Class::Session => "session (all four session guarantees held)",
        Class::Eventual => "eventual (a session guarantee was violated)",
    };
    match p.consistency {
        "Strong" if class == Class::Linearizable => format!("Consistency agrees: rated Strong, measured {measured}."),
        "Strong" if stale => format!("Consistency disagrees: rated Strong, but {} of reads were stale in this configuration; measured {measured}.", pct(c.stale_read_rate)),
        "Strong" => format!("Consistency disagrees: rated Strong, measured {measured}."),
        "Eventual" if class != Class::Eventual => format!("Consistency is better than rated: Eventual, measured {measured} ({} of reads stale across sessions).", pct(c.stale_read_rate)),
        "Eventual" => format!("Consistency agrees: rated Eventual, measured {measured}; {} of reads were stale.", pct(c.stale_read_rate)),
        "Session-based" if class == Class::Eventual => format!("Consistency disagrees: rated Session-based, measured {measured}."),
        "Session-based" => format!("Consistency agrees: rated Session-based, measured {measured} (stale reads {}).", pct(c.stale_read_rate)),
        "Cached" if stale => format!("Consistency agrees: rated Cached, and {} of reads returned an expired copy.", pct(c.stale_read_rate)),
        "Cached" => "Consistency is better than rated: Cached, but no stale read was observed.".to_string(),
        _ if c.conflicts.unwrap_or(0) > 0 => format!("Consistency agrees: rated Conflict-prone, and {} of writes conflicted.", pct(c.conflict_rate)),
        _ => "Consistency is better than rated: Conflict-prone, but no conflict was observed.".to_string(),
    }
}

/// Runs the scenario as it is and with `outage` (default: its first region) down from a third
/// to two thirds of the run, and writes the matrix as Markdown. `command` is the command line
/// that regenerates it (quoted in the page).
pub fn matrix(path: &Path, how: How<'_>, command: &str) -> Result<String> {
    let outage = how.outage;
    let format = Format::of(path)?;
    let text = read_text(path)?;
    let sc = scenario::from_str(&text, format, path)?;
    let mut base: Value = scenario::parse_spec(&text, format, path)?;
    let info = ScenarioInfo {
        name: sc.name.clone(),
        path: path.display().to_string(),
        sha256: sha256_hex(text.as_bytes()),
    };
    let region = match outage {
        Some(r) if sc.topology.find(r).is_some() => r.to_string(),
        Some(r) => {
            return Err(Error::Usage(format!(
                "--outage {r}: not a region of the scenario"
            )))
        }
        None => sc.topology.region(0).name.clone(),
    };
    let d = sc.duration_ns as f64 / 1e9;
    let normal = crate::simulate(&sc, info.clone(), None, &[])?;
    let checked = consistency_run(&base, how.sessions, path, &info)?;
    let fault = json!({"kind": "region-outage", "region": region, "start_s": d / 3.0, "duration_s": d / 3.0, "recover": "durable"});
    match base.get_mut("faults").and_then(Value::as_array_mut) {
        Some(list) => list.push(fault),
        None => base["faults"] = json!([fault]),
    }
    let spec: scenario::ScenarioSpec =
        serde_json::from_value(base).map_err(|e| Error::Usage(e.to_string()))?;
    let down = crate::simulate(&scenario::from_spec(&spec, path)?, info, None, &[])?;

    let seed = sc.seed.unwrap_or(DEFAULT_SEED);
    let mut md = String::new();
    let _ = writeln!(md, "# Decision matrix, measured\n");
    let _ = writeln!(
        md,
        "Generated by `{command}` from `{}` (seed {seed}, {d} simulated seconds).\n",
        path.display()
    );
    let _ = writeln!(
        md,
        "Each strategy runs twice on the same workload: as the scenario has it (latency, stale reads, \
         cost) and with `{region}` down from {:.0} s to {:.0} s (durable recovery; availability, RPO, \
         RTO). The pattern's columns quote the strategy matrix of the geo-distribution pattern \
         geosim grew from (quoted in docs/strategies.md, \"The trade-off matrix and what geosim \
         measures\"); quorum and consensus are not in it.\n",
        d / 3.0,
        2.0 * d / 3.0
    );
    let _ = writeln!(
        md,
        "**Consistency class.** A third run of the same scenario makes each client group {} \
         closed-loop sessions (default think time: the group's rate at zero latency) and checks the \
         histories of keys 0..{CHECKED_KEYS} for linearizability (docs/metrics.md, \"Session \
         guarantees\" and \"Linearizability\"). The class is the strongest guarantee met: \
         **linearizable** (no checked key's history violates it and no session guarantee is \
         violated), **session** (none of read-your-writes, monotonic reads, monotonic writes and \
         writes-follow-reads is violated in any session), else **eventual**, with the violation \
         rates. \"Stale\" is the stale-read rate of the first run: reads older than the newest \
         version acknowledged before they began, across sessions.\n",
        how.sessions
    );
    let _ = writeln!(md, "| Strategy | Pattern: consistency / latency / complexity / cost | Measured consistency class | Stale | p99 read / write (ms) | Mean (ms) | Availability, outage | RPO, outage | RTO, outage | USD / month |");
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|");
    let means: Vec<f64> = normal.strategies.iter().map(mean_ms).collect();
    let costs: Vec<(usize, f64, &'static PatternRow)> = normal
        .strategies
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((i, s.cost.as_ref()?.monthly_usd, pattern(&s.kind)?)))
        .collect();
    let mut notes = String::new();
    for (i, s) in normal.strategies.iter().enumerate() {
        let o = &down.strategies[i];
        let (class, class_words) = class(&checked.strategies[i]);
        let p = pattern(&s.kind);
        let rated = p.map_or("not rated".to_string(), |p| {
            format!(
                "{} / {} / {} / {}",
                p.consistency,
                p.latency,
                p.complexity,
                p.cost.replace('$', "\\$")
            )
        });
        let rto = o
            .rto
            .max_s
            .map_or("never".to_string(), |x| format!("{x:.1} s"));
        let cost = s
            .cost
            .as_ref()
            .map_or("n/a".to_string(), |c| format!("{:.0}", c.monthly_usd));
        let _ = writeln!(
            md,
            "| {} ({}) | {rated} | {class_words} | {} | {} / {} | {:.1} | {} | {} | {rto} | {cost} |",
            s.name,
            s.kind,
            consistency_class(s),
            na1(s.latency_ms.read.p99),
            na1(s.latency_ms.write.p99),
            means[i],
            pct(o.availability.overall),
            o.rpo.as_ref().map_or("n/a".to_string(), |r| format!(
                "{} writes, {:.1} s",
                r.lost_writes, r.max_span_s
            )),
        );
        let Some(p) = p else {
            let _ = writeln!(
                notes,
                "- **{}**: not in the pattern's matrix; measured {} ({}), mean latency rank {} of {}.",
                s.name,
                class_words.replace("**", ""),
                consistency_class(s),
                rank(&means, means[i]),
                means.len()
            );
            continue;
        };
        let n = means.len();
        let r = rank(&means, means[i]);
        let tier = latency_tier(p.latency);
        let lat_ok = match tier {
            1 => r <= n.div_ceil(3),
            2 => r <= (2 * n).div_ceil(3),
            _ => 2 * r > n,
        };
        let mut sentence = format!(
            "- **{}**: {} Latency {}: rated {}, measured rank {r} of {n} by mean latency ({:.1} ms).",
            s.name,
            consistency_sentence(p, s, class),
            if lat_ok { "agrees" } else { "disagrees" },
            p.latency,
            means[i]
        );
        if let Some(&(_, c, _)) = costs.iter().find(|x| x.0 == i) {
            let dollars: Vec<f64> = costs.iter().map(|x| x.2.cost.len() as f64).collect();
            let spent: Vec<f64> = costs.iter().map(|x| x.1).collect();
            let (rp, rm) = (rank(&dollars, p.cost.len() as f64), rank(&spent, c));
            let _ = write!(
                sentence,
                " Cost {}: rated {} (rank {rp} of {} rated strategies here), measured {c:.0} USD / month (rank {rm}).",
                if rp.abs_diff(rm) <= 1 { "agrees" } else { "disagrees" },
                p.cost.replace('$', "\\$"),
                costs.len()
            );
        }
        let _ = writeln!(notes, "{sentence}");
    }
    let _ = writeln!(
        md,
        "\n## Where the measurement agrees or disagrees\n\nRules: latency agrees when a strategy rated \
         \"Lowest\" or \"Very Low\" ranks in the fastest third of the strategies here by \
         operation-weighted mean latency, \"Low\" in the fastest two thirds, \"Higher\" in the \
         slower half; cost agrees when its rank by measured monthly cost is within one of its rank \
         by the pattern's dollar signs (ties share the better rank) among the rated strategies \
         here.\n\n{notes}"
    );
    let _ = writeln!(
        md,
        "Complexity is the pattern's judgement of engineering effort; geosim does not measure it. \
         These figures hold for this scenario's regions, load and settings only: run \
         `geosim matrix` on your own scenario, or `geosim advise` to search the designs."
    );
    Ok(md)
}

/// The consistency run: the scenario with `sessions` sessions per client group (a daily
/// profile, which sessions do not take, is dropped) and keys `0..CHECKED_KEYS` checked for
/// linearizability.
fn consistency_run(
    base: &Value,
    sessions: u32,
    path: &Path,
    info: &ScenarioInfo,
) -> Result<crate::report::Report> {
    let mut v = base.clone();
    if let Some(groups) = v
        .get_mut("workload")
        .and_then(|w| w.get_mut("clients"))
        .and_then(Value::as_array_mut)
    {
        for g in groups {
            if let Some(g) = g.as_object_mut() {
                g.remove("diurnal");
                g.entry("sessions").or_insert(json!(sessions));
            }
        }
    }
    match v.get_mut("consistency").and_then(Value::as_object_mut) {
        Some(c) => {
            c.entry("linearizability_keys")
                .or_insert(json!(CHECKED_KEYS));
        }
        None => v["consistency"] = json!({ "linearizability_keys": CHECKED_KEYS }),
    }
    let spec: scenario::ScenarioSpec =
        serde_json::from_value(v).map_err(|e| Error::Usage(e.to_string()))?;
    crate::simulate(&scenario::from_spec(&spec, path)?, info.clone(), None, &[])
}
