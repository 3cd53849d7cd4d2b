//! The measured decision matrix (`geosim matrix`, docs/decision-matrix.md): every strategy of a
//! shipped scenario measured as it is and again under a region outage, side by side with the
//! strategy matrix of the geo-distribution pattern (its ratings quoted), and a sentence per
//! row on where the measurement agrees or disagrees.
//!
//! Owns `PATTERN` (the pattern's ratings, quoted), the agreement rules and the Markdown.
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

/// The pattern's matrix (../shared/reference/geo-distribution-pattern.md), verbatim.
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

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".to_string(), |x| format!("{:.2} %", x * 100.0))
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

/// The sentence on consistency.
fn consistency_sentence(p: &PatternRow, s: &StrategyReport) -> String {
    let c = &s.consistency;
    let stale = c.stale_reads > 0;
    match p.consistency {
        "Strong" if stale => format!("Consistency disagrees: rated Strong, but {} of reads were stale in this configuration.", pct(c.stale_read_rate)),
        "Strong" => "Consistency agrees: rated Strong, and no read was stale.".to_string(),
        "Eventual" if stale => format!("Consistency agrees: rated Eventual, and {} of reads were stale.", pct(c.stale_read_rate)),
        "Eventual" => "Consistency is better than rated: Eventual, but no stale read was observed on this workload.".to_string(),
        "Session-based" => format!("Consistency cannot be checked yet: session guarantees are not measured (stale reads {}).", pct(c.stale_read_rate)),
        "Cached" if stale => format!("Consistency agrees: rated Cached, and {} of reads returned an expired copy.", pct(c.stale_read_rate)),
        "Cached" => "Consistency is better than rated: Cached, but no stale read was observed.".to_string(),
        _ if c.conflicts.unwrap_or(0) > 0 => format!("Consistency agrees: rated Conflict-prone, and {} of writes conflicted.", pct(c.conflict_rate)),
        _ => "Consistency is better than rated: Conflict-prone, but no conflict was observed.".to_string(),
    }
}

/// Runs the scenario as it is and with `outage` (default: its first region) down from a third
/// to two thirds of the run, and writes the matrix as Markdown. `command` is the command line
/// that regenerates it (quoted in the page).
pub fn matrix(path: &Path, outage: Option<&str>, command: &str) -> Result<String> {
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
        "Generated by `{command}` from `{}` (seed {seed}, {d} simulated seconds); do not edit: \
         `decision_matrix_is_fresh` (tests/it/advise.rs) regenerates it and fails when it differs.\n",
        path.display()
    );
    let _ = writeln!(
        md,
        "Each strategy runs twice on the same workload: as the scenario has it (latency, stale reads, \
         cost) and with `{region}` down from {:.0} s to {:.0} s (durable recovery; availability, RPO, \
         RTO). The pattern's columns quote the strategy matrix of the geo-distribution pattern \
         (`../shared/reference/geo-distribution-pattern.md`); quorum and consensus are not in it.\n",
        d / 3.0,
        2.0 * d / 3.0
    );
    let _ = writeln!(
        md,
        "**Consistency class.** The strongest statement the metrics support: \"no stale reads \
         observed\" (no read returned a version older than the newest acknowledged before it \
         began, docs/metrics.md) or the stale-read rate. Session guarantees (read-your-writes, \
         monotonic reads, ...) and linearizability are not measured yet, so no row is classed \
         \"session\" or \"linearizable\".\n"
    );
    let _ = writeln!(md, "| Strategy | Pattern: consistency / latency / complexity / cost | Measured consistency | p99 read / write (ms) | Mean (ms) | Availability, outage | RPO, outage | RTO, outage | USD / month |");
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|");
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
            "| {} ({}) | {rated} | {} | {} / {} | {:.1} | {} | {} | {rto} | {cost} |",
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
                "- **{}**: not in the pattern's matrix; measured {}, mean latency rank {} of {}.",
                s.name,
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
            consistency_sentence(p, s),
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
