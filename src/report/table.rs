//! The terminal tables `geosim run` prints: the side-by-side comparison, resilience under
//! faults and cost.
//!
//! Owns `table`, `region_table` (per client region p50/p99), `resilience_table`,
//! `attempts_table` (attempts and failed operations by cause), `cost_table`,
//! `serving_table`, `warnings_list`, `render`
//! (aligned columns), `percent` (a share that is not 0 or 1 never shows as such; the HTML
//! page prints shares with it too) and `escape` (no control character of a name reaches the terminal raw).
//! Must not
//! import the engine, the world or the scenario; does no I/O.

use std::borrow::Cow;

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
            na(s.latency_ms.read.p50, |v| format!("{v:.1} ms")),
            na(s.latency_ms.read.p99, |v| format!("{v:.1} ms")),
            na(s.latency_ms.write.p50, |v| format!("{v:.1} ms")),
            na(s.latency_ms.write.p99, |v| format!("{v:.1} ms")),
            na(s.consistency.stale_read_rate, |v| percent(v, 3)),
            na(s.consistency.conflict_rate, |v| percent(v, 3)),
            na(s.consistency.lost_updates, |v| v.to_string()),
            s.ops.failed.to_string(),
        ]);
    }
    render(&rows)
}

/// Per strategy and client region, the read and write p50 and p99 (`n/a`: no successful
/// operation of that kind), as `geosim run --by-region` prints it.
pub fn region_table(report: &Report) -> String {
    let header = [
        "strategy",
        "region",
        "read p50",
        "read p99",
        "write p50",
        "write p99",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    let ms = |v: Option<f64>| na(v, |v| format!("{v:.1} ms"));
    for s in &report.strategies {
        for r in &s.per_region {
            let (rd, wr) = (&r.latency_ms.read, &r.latency_ms.write);
            rows.push(vec![
                s.name.clone(),
                r.region.clone(),
                ms(rd.p50),
                ms(rd.p99),
                ms(wr.p50),
                ms(wr.p99),
            ]);
        }
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
            na(c.per_million_ops_usd, money),
            format!("${:.0}", c.monthly_usd),
            match &s.residency {
                Some(r) if r.violations > 0 => format!("{} violations", r.violations),
                Some(r) if r.enforced => "enforced".to_string(),
                Some(_) => "ok".to_string(),
                None => "n/a".to_string(),
            },
        ];
        if with_slo {
            row.push(match &s.slo {
                // Never a pass over nothing: `n/a` objectives are not met.
                Some(v) if v.met == v.total && v.total > 0 => {
                    format!("PASS {}/{}", v.met, v.total)
                }
                Some(v) if v.met + v.not_applicable == v.total && v.total > 0 => {
                    format!("N/A {}/{}", v.met, v.total)
                }
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
                out.push_str(&format!("{}: {}\n", escape(&s.name), escape(&v.verdict)));
            }
        }
    }
    out
}

/// A figure, or `n/a` where it does not apply (docs/metrics.md#applicability).
fn na<T>(v: Option<T>, show: impl FnOnce(T) -> String) -> String {
    v.map_or_else(|| "n/a".to_string(), show)
}

/// A share as a percentage with `decimals` decimals, that shows a share that is not 0 (or 1)
/// as such: `<0.001%` rather than `0.000%`, `>99.999%` rather than `100.000%`.
pub fn percent(v: f64, decimals: usize) -> String {
    let shown = format!("{:.*}%", decimals, v * 100.0);
    let step = format!("{:.*}", decimals, 10f64.powi(-(decimals as i32)));
    if v > 0.0 && shown.trim_start_matches(['0', '.']) == "%" {
        format!("<{step}%")
    } else if v < 1.0 && shown.starts_with("100.") {
        format!(">{:.*}%", decimals, 100.0 - 10f64.powi(-(decimals as i32)))
    } else {
        shown
    }
}

/// Dollars with cents, or four decimals below one dollar; a sum too small for four decimals
/// (but not zero) is `<$0.0001`, not a silent `$0.0000`.
fn money(v: f64) -> String {
    if v >= 1.0 || v == 0.0 {
        format!("${v:.2}")
    } else if v < 0.000_05 {
        "<$0.0001".to_string()
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
            na(s.availability.overall, |v| percent(v, 4)),
            na(s.availability.write, |v| percent(v, 4)),
            na(s.rpo.as_ref(), |r| r.lost_writes.to_string()),
            na(s.rpo.as_ref(), |r| format!("{:.3} s", r.max_span_s)),
            match s.rto.max_s {
                Some(v) => format!("{v:.1} s"),
                None => "never".to_string(),
            },
            na(s.rto.mean_s, |v| format!("{v:.1} s")),
            na(s.split_brain.as_ref(), |b| format!("{:.1} s", b.seconds)),
            na(s.split_brain.as_ref().and_then(|b| b.writes), |v| {
                v.to_string()
            }),
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
            escape(&first.kind),
            escape(&first.target),
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
            out.push_str(&format!("  {}: {}\n", escape(&s.name), escape(&parts)));
        }
        out.push_str("Write p50 before / during / after this fault:\n");
        let p50 = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.1}"));
        for s in &report.strategies {
            let w = &s.faults[f].write_p50_ms;
            out.push_str(&format!(
                "  {}: {} / {} / {} ms\n",
                s.name,
                p50(w.before),
                p50(w.during),
                p50(w.after)
            ));
        }
    }
    // Who led when, for strategies with a single primary or leader.
    let led: Vec<_> = report
        .strategies
        .iter()
        .filter_map(|s| s.leadership.as_ref().map(|l| (s, l)))
        .collect();
    if !led.is_empty() {
        out.push_str("\nLeadership (region, why, from):\n");
        for (s, l) in led {
            let steps: Vec<String> = l
                .iter()
                .map(|c| format!("{} ({} {:.1} s)", c.region, c.reason, c.t_s))
                .collect();
            out.push_str(&format!("  {}: {}\n", s.name, steps.join(" -> ")));
        }
    }
    out
}

/// `s` safe for a terminal: control characters (escape sequences, newlines, tabs, C1
/// controls) and invisible direction overrides as `\u{..}`, everything else as is.
pub fn escape(s: &str) -> Cow<'_, str> {
    let raw = |c: char| {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(raw) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if raw(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The serving-regions table: per strategy and region, the station's utilisation, queue-wait
/// p99 and shed requests and the breaker-rejected attempts (`n/a` where they do not apply).
/// Lists only regions with some figure; `None` when no strategy has any (no capacity, no
/// breaker).
pub fn serving_table(report: &Report) -> Option<String> {
    let header = [
        "strategy",
        "region",
        "utilisation",
        "queue p99",
        "shed",
        "breaker rejected",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    let na = || "n/a".to_string();
    for s in &report.strategies {
        for r in &s.serving {
            if r.utilisation.is_none()
                && r.queue_wait_p99_ms.is_none()
                && r.shed.is_none()
                && r.breaker_rejected.is_none()
            {
                continue;
            }
            rows.push(vec![
                s.name.clone(),
                r.region.clone(),
                r.utilisation
                    .map_or_else(na, |u| format!("{:.1}%", u * 100.0)),
                r.queue_wait_p99_ms
                    .map_or_else(na, |v| format!("{v:.1} ms")),
                r.shed.map_or_else(na, |v| v.to_string()),
                r.breaker_rejected.map_or_else(na, |v| v.to_string()),
            ]);
        }
    }
    (rows.len() > 1).then(|| render(&rows))
}

/// The attempts table: per strategy, the attempts sent, timed out and answered with a
/// failure, then the failed operations by cause (docs/metrics.md#attempts-and-failures;
/// `n/a` where a cause cannot occur: a breaker without `circuit_breaker`). `None` when no
/// strategy had an attempt time out or fail, or the report predates these figures.
pub fn attempts_table(report: &Report) -> Option<String> {
    let header = [
        "strategy",
        "attempts",
        "timed out",
        "failure answers",
        "failed",
        "by timeout",
        "by failure answer",
        "by breaker",
        "unfinished",
        "overload",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    let na = || "n/a".to_string();
    let mut any = false;
    for s in &report.strategies {
        let o = &s.ops;
        let (Some(sent), Some(late), Some(refused), Some(by)) =
            (o.attempts, o.timed_out, o.failure_answers, &o.failed_by)
        else {
            continue;
        };
        any |= late > 0 || refused > 0 || o.failed > 0;
        rows.push(vec![
            s.name.clone(),
            sent.to_string(),
            late.to_string(),
            refused.to_string(),
            o.failed.to_string(),
            by.timeout.to_string(),
            by.failure_answer.to_string(),
            by.breaker.map_or_else(na, |v| v.to_string()),
            by.unfinished.to_string(),
            by.overload.to_string(),
        ]);
    }
    any.then(|| render(&rows))
}

/// The migrations table of follow-the-user strategies (docs/metrics.md#follow-the-user):
/// handoffs, their bytes and transfer cost, and the read-your-writes violations they caused.
/// `None` when the scenario has no travelling users; `n/a` for strategies whose data does
/// not move.
pub fn migration_table(report: &Report) -> Option<String> {
    let header = [
        "strategy",
        "migrations",
        "bytes",
        "transfer",
        "monthly",
        "RYW violations",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for s in &report.strategies {
        let Some(m) = &s.migration else { continue };
        let na = || "n/a".to_string();
        let m = m.as_ref();
        rows.push(vec![
            s.name.clone(),
            m.map_or_else(na, |m| m.count.to_string()),
            m.map_or_else(na, |m| m.bytes.to_string()),
            m.map_or_else(na, |m| money(m.cost_usd)),
            m.map_or_else(na, |m| format!("${:.2}", m.monthly_usd)),
            m.map_or_else(na, |m| m.ryw_violations.to_string()),
        ]);
    }
    (rows.len() > 1).then(|| render(&rows))
}

/// Renders rows as an aligned text table: first column left-aligned, others right-aligned,
/// a rule under the header. Cells are escaped (`escape`) and padded by hand, so a cell of
/// any width is fine.
pub fn render(rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<Cow<'_, str>>> = rows
        .iter()
        .map(|r| r.iter().map(|s| escape(s)).collect())
        .collect();
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
                let pad = " ".repeat(widths[c] - s.chars().count());
                if c == 0 {
                    format!("{s}{pad}")
                } else {
                    format!("{pad}{s}")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tiny_cost_is_not_printed_as_zero() {
        assert_eq!(money(0.0), "$0.00");
        assert_eq!(money(0.000_012), "<$0.0001");
        assert_eq!(money(0.000_05), "$0.0001");
        assert_eq!(money(0.0188), "$0.0188");
        assert_eq!(money(14.436), "$14.44");
    }

    #[test]
    fn control_characters_never_reach_the_terminal_raw() {
        assert_eq!(escape("eu-west-1"), "eu-west-1");
        assert_eq!(
            escape("a\u{1b}[2Jb\nc\td\u{202e}"),
            "a\\u{1b}[2Jb\\u{a}c\\u{9}d\\u{202e}"
        );
        let rows = vec![
            vec!["strategy".to_string(), "x".to_string()],
            vec!["\u{1b}]0;pwned\u{7}mm".to_string(), "1".to_string()],
        ];
        let t = render(&rows);
        assert!(!t.chars().any(|c| c.is_control() && c != '\n'), "{t:?}");
        assert!(t.contains("\\u{1b}]0;pwned\\u{7}mm"), "{t}");
        // Columns stay aligned on the escaped width.
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0].chars().count(), lines[2].chars().count());
    }

    #[test]
    fn a_share_that_is_not_zero_or_one_never_shows_as_such() {
        assert_eq!(percent(0.0, 3), "0.000%");
        assert_eq!(percent(8.33e-8, 3), "<0.001%");
        assert_eq!(percent(0.02099, 3), "2.099%");
        assert_eq!(percent(1.0, 4), "100.0000%");
        assert_eq!(percent(0.9999999, 4), ">99.9999%");
        assert_eq!(percent(0.999, 4), "99.9000%");
    }

    #[test]
    fn a_very_wide_cell_is_padded_without_panicking() {
        let wide = "n".repeat(70_000);
        let rows = vec![
            vec!["strategy".to_string(), "x".to_string()],
            vec![wide.clone(), "1".to_string()],
        ];
        let t = render(&rows);
        assert!(t.lines().nth(2).unwrap().starts_with(&wide));
        assert!(t.lines().next().unwrap().ends_with(" x"));
    }
}
