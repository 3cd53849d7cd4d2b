//! The terminal tables `geosim run` prints: the side-by-side comparison, resilience under
//! faults and cost.
//!
//! Owns `table`, `resilience_table`, `cost_table`, `warnings_list` and `render` (aligned
//! columns). Must not
//! import the engine, the world or the scenario; does no I/O.

use super::Report;

/// The report's warnings, one line each (`field [strategy]: message`), as `geosim run` prints
/// them under the tables; empty when there are none.
pub fn warnings_list(report: &Report) -> String {
    let mut out = String::new();
    for w in &report.warnings {
        match &w.strategy {
            Some(s) => out.push_str(&format!("- {} [{s}]: {}\n", w.field, w.message)),
            None => out.push_str(&format!("- {}: {}\n", w.field, w.message)),
        }
    }
    out
}

/// The side-by-side comparison table printed by `geosim run`.
pub fn table(report: &Report) -> String {
    let header = [
        "strategy",
        "kind",
        "read p50",
        "read p99",
        "write p50",
        "write p99",
        "stale reads",
        "conflicts",
        "lost upd",
        "failed",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for s in &report.strategies {
        rows.push(vec![
            s.name.clone(),
            s.kind.clone(),
            format!("{:.1} ms", s.latency_ms.read.p50),
            format!("{:.1} ms", s.latency_ms.read.p99),
            format!("{:.1} ms", s.latency_ms.write.p50),
            format!("{:.1} ms", s.latency_ms.write.p99),
            format!("{:.3}%", s.consistency.stale_read_rate * 100.0),
            format!("{:.3}%", s.consistency.conflict_rate * 100.0),
            s.consistency.lost_updates.to_string(),
            s.ops.failed.to_string(),
        ]);
    }
    render(&rows)
}

/// The cost table printed by `geosim run`: USD over the simulated window and per month,
/// with SLO verdicts when the scenario has objectives.
pub fn cost_table(report: &Report) -> String {
    let with_slo = report.strategies.iter().any(|s| s.slo.is_some());
    let mut header = vec![
        "strategy",
        "compute",
        "storage",
        "transfer",
        "egress",
        "total",
        "$/M ops",
        "monthly",
        "residency",
    ];
    if with_slo {
        header.push("SLO");
    }
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for s in &report.strategies {
        let Some(c) = &s.cost else { continue };
        let mut row = vec![
            s.name.clone(),
            money(c.compute_usd),
            money(c.storage_usd),
            money(c.transfer_usd),
            money(c.egress_usd),
            money(c.total_usd),
            money(c.per_million_ops_usd),
            format!("${:.0}", c.monthly_usd),
            match &s.residency {
                Some(r) if r.violations > 0 => format!("{} violations", r.violations),
                Some(r) if r.enforced => "enforced".to_string(),
                _ => "ok".to_string(),
            },
        ];
        if with_slo {
            row.push(match &s.slo {
                Some(v) if v.met == v.total => format!("PASS {}/{}", v.met, v.total),
                Some(v) => format!("FAIL {}/{}", v.met, v.total),
                None => "-".to_string(),
            });
        }
        rows.push(row);
    }
    let mut out = render(&rows);
    if with_slo {
        out.push('\n');
        for s in &report.strategies {
            if let Some(v) = &s.slo {
                out.push_str(&format!("{}: {}\n", s.name, v.verdict));
            }
        }
    }
    out
}

/// Dollars with cents, or four decimals below one dollar.
fn money(v: f64) -> String {
    if v >= 1.0 || v == 0.0 {
        format!("${v:.2}")
    } else {
        format!("${v:.4}")
    }
}

/// The resilience table (printed when the scenario has faults): availability, RPO, RTO and
/// split-brain exposure per strategy.
pub fn resilience_table(report: &Report) -> String {
    let header = [
        "strategy",
        "availability",
        "write avail",
        "RPO writes",
        "RPO span",
        "RTO max",
        "RTO mean",
        "split brain",
        "sb writes",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for s in &report.strategies {
        rows.push(vec![
            s.name.clone(),
            format!("{:.4}%", s.availability.overall * 100.0),
            format!("{:.4}%", s.availability.write * 100.0),
            s.rpo.lost_writes.to_string(),
            format!("{:.3} s", s.rpo.max_span_s),
            match s.rto.max_s {
                Some(v) => format!("{v:.1} s"),
                None => "never".to_string(),
            },
            format!("{:.1} s", s.rto.mean_s),
            format!("{:.1} s", s.split_brain.seconds),
            s.split_brain.writes.to_string(),
        ]);
    }
    let mut out = render(&rows);
    // Recovery per client region of the first few faults: who was down, and for how long.
    let faults = report.strategies.first().map_or(0, |s| s.faults.len());
    for f in 0..faults.min(3) {
        let first = &report.strategies[0].faults[f];
        out.push_str(&format!(
            "\nRTO by client region, fault {} ({} {} at {} s):\n",
            f + 1,
            first.kind,
            first.target,
            first.start_s
        ));
        for s in &report.strategies {
            let parts: Vec<String> = s.faults[f]
                .rto_by_region
                .iter()
                .map(|r| match r.rto_s {
                    Some(v) => format!("{} {v:.1} s", r.region),
                    None => format!("{} never", r.region),
                })
                .collect();
            let parts = if parts.is_empty() {
                "no client affected".to_string()
            } else {
                parts.join(", ")
            };
            out.push_str(&format!("  {}: {parts}\n", s.name));
        }
    }
    out
}

/// Renders rows as an aligned text table: first column left-aligned, others right-aligned,
/// a rule under the header.
pub fn render(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, s)| {
                if c == 0 {
                    format!("{s:<w$}", w = widths[c])
                } else {
                    format!("{s:>w$}", w = widths[c])
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            let total = widths.iter().sum::<usize>() + 2 * cols.saturating_sub(1);
            out.push_str(&"-".repeat(total));
            out.push('\n');
        }
    }
    out
}
