//! Sweep charts: each collected metric against each swept parameter, one line per strategy
//! (its mean over seeds) with the 95% confidence band of the mean. With several parameters,
//! one panel per combination of the others (at most `MAX_PANELS`).
//!
//! Reads the tidy `rows` of a `sweep.json`: each row names its `strategy` and `metric`, holds
//! the parameter values in `parameters` (path -> value) and the statistics `mean`,
//! `ci95_low` and `ci95_high`.
//!
//! Must not import anything but the plot helpers, plotters and serde_json.

use plotters::prelude::*;
use serde_json::Value;

use super::units::{axis_label, bounds};
use super::{
    color, fmt_num, header_lines, lin_axis, lin_ticks, list, log_axis, log_ticks, num, render,
    stacked_widths, styles, text, Area, Chart, Draw, FONT,
};

/// Most panels per chart (combinations of the other parameters).
const MAX_PANELS: usize = 6;

/// (x, mean, CI low, CI high) of one point of a line.
type Stat = (f64, f64, f64, f64);

/// One row of the sweep.
struct Row {
    params: Vec<(String, Value)>,
    strategy: String,
    metric: String,
    mean: f64,
    low: f64,
    high: f64,
}

fn rows(sweep: &Value) -> Vec<Row> {
    list(sweep, "rows")
        .iter()
        .filter_map(|r| {
            let mean = num(r, "mean")?;
            let (lo, hi) = bounds(text(r, "metric"), mean);
            let params = r
                .get("parameters")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            Some(Row {
                params,
                strategy: text(r, "strategy").to_string(),
                metric: text(r, "metric").to_string(),
                mean,
                // Every figure geosim reports (counts, rates, latencies, costs) is >= 0 and a
                // share at most 1: a band beyond is the normal approximation's artefact, cut
                // at the figure's physical bound.
                low: num(r, "ci95_low").unwrap_or(mean).max(lo),
                high: num(r, "ci95_high").unwrap_or(mean).min(hi),
            })
        })
        .collect()
}

fn push_unique<T: PartialEq + Clone>(v: &mut Vec<T>, x: &T) {
    if !v.contains(x) {
        v.push(x.clone());
    }
}

/// A parameter value as a label.
fn label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), fmt_num),
        other => other.to_string(),
    }
}

/// File-name-safe form of a metric or parameter path.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// Every chart of a sweep.
pub(super) fn charts(sweep: &Value) -> Draw<Vec<Chart>> {
    let rows = rows(sweep);
    let (mut params, mut metrics, mut strategies) = (Vec::new(), Vec::new(), Vec::new());
    for r in &rows {
        for (k, _) in &r.params {
            push_unique(&mut params, k);
        }
        push_unique(&mut metrics, &r.metric);
        push_unique(&mut strategies, &r.strategy);
    }
    let names: Vec<(usize, String)> = strategies.iter().cloned().enumerate().collect();
    let mut out = Vec::new();
    for metric in &metrics {
        for param in &params {
            out.push(chart(&rows, metric, param, &names)?);
        }
    }
    Ok(out)
}

fn chart(rows: &[Row], metric: &str, param: &str, names: &[(usize, String)]) -> Draw<Chart> {
    let mine: Vec<&Row> = rows.iter().filter(|r| r.metric == metric).collect();
    // The combinations of the other parameters, one panel each.
    let mut others: Vec<Vec<(String, Value)>> = Vec::new();
    for r in &mine {
        let rest: Vec<(String, Value)> = r
            .params
            .iter()
            .filter(|(k, _)| k != param)
            .cloned()
            .collect();
        push_unique(&mut others, &rest);
    }
    let shown = others.len().min(MAX_PANELS);
    let title = format!("{metric} against {param}");
    let mut subtitle = "mean over seeds · band: 95% confidence interval of the mean".to_string();
    if others.len() > shown {
        subtitle.push_str(&format!(
            " · first {shown} of {} combinations of the other parameters",
            others.len()
        ));
    }
    let cols = if shown > 1 { 2 } else { 1 };
    let rows_n = shown.div_ceil(cols).max(1);
    let size = (1200, 150 + 420 * rows_n as u32);
    let name = format!("sweep-{}-vs-{}", slug(metric), slug(param));
    render(&name, &title, size, names.len(), |root| {
        let area = header_lines(root, &title, &subtitle, names)?;
        let panels = area.split_evenly((rows_n, cols));
        for (panel, rest) in panels.iter().zip(&others[..shown]) {
            let caption = rest
                .iter()
                .map(|(k, v)| format!("{k} = {}", label(v)))
                .collect::<Vec<_>>()
                .join(", ");
            let data: Vec<&Row> = mine
                .iter()
                .copied()
                .filter(|r| {
                    r.params
                        .iter()
                        .filter(|(k, _)| k != param)
                        .all(|kv| rest.contains(kv))
                })
                .collect();
            panel_chart(panel, &caption, &data, metric, param, names)?;
        }
        Ok(())
    })
}

fn panel_chart(
    area: &Area,
    caption: &str,
    data: &[&Row],
    metric: &str,
    param: &str,
    names: &[(usize, String)],
) -> Draw {
    let value = |r: &Row| {
        r.params
            .iter()
            .find(|(k, _)| k == param)
            .map(|(_, v)| v.clone())
    };
    let mut xs: Vec<Value> = Vec::new();
    for r in data {
        if let Some(v) = value(r) {
            push_unique(&mut xs, &v);
        }
    }
    let numeric = xs.iter().all(Value::is_number);
    if numeric {
        xs.sort_by(|a, b| {
            a.as_f64()
                .unwrap_or(0.0)
                .total_cmp(&b.as_f64().unwrap_or(0.0))
        });
    }
    let x_of = |v: &Value| -> f64 {
        if numeric {
            v.as_f64().unwrap_or(0.0)
        } else {
            xs.iter().position(|x| x == v).unwrap_or(0) as f64
        }
    };
    let (x_lo, x_hi) = xs
        .iter()
        .map(&x_of)
        .fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
    if xs.is_empty() {
        return super::empty_panel(area, caption, "no values");
    }
    // A log axis for numeric values spanning more than a factor 20 (e.g. log ranges).
    let log_x = numeric && x_lo > 0.0 && x_hi / x_lo > 20.0;
    let pad = ((x_hi - x_lo) * 0.04).max(if numeric {
        x_hi.abs() * 0.05 + 1e-9
    } else {
        0.5
    });
    let (x_lo, x_hi) = if log_x {
        (x_lo / 1.25, x_hi * 1.25)
    } else {
        (x_lo - pad, x_hi + pad)
    };
    let (y_lo, y_hi) = data.iter().fold((f64::MAX, f64::MIN), |(a, b), r| {
        (a.min(r.low), b.max(r.high))
    });
    let span = (y_hi - y_lo).max(y_hi.abs() * 0.05).max(1e-9);
    let floor = if y_lo >= 0.0 { 0.0 } else { f64::MIN };
    let (y_lo, y_hi) = ((y_lo - span * 0.08).max(floor), y_hi + span * 0.08);
    let x_axis = if log_x {
        log_axis(x_lo, x_hi, log_ticks(x_lo, x_hi))
    } else if numeric {
        lin_axis(x_lo, x_hi, lin_ticks(x_lo, x_hi, 8))
    } else {
        lin_axis(x_lo, x_hi, (0..xs.len()).map(|i| i as f64).collect())
    };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 18))
        .margin(14)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(x_axis, lin_axis(y_lo, y_hi, lin_ticks(y_lo, y_hi, 6)))?;
    let cat = |x: &f64| -> String {
        if numeric {
            fmt_num(*x)
        } else {
            xs.get(x.round() as usize).map(label).unwrap_or_default()
        }
    };
    chart
        .configure_mesh()
        .x_desc(axis_label(param, log_x.then_some("log scale")))
        .y_desc(axis_label(metric, None))
        .x_label_formatter(&cat)
        .y_label_formatter(&|y| fmt_num(*y))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 16))
        .draw()?;
    let lines: Vec<(usize, Vec<Stat>)> = names
        .iter()
        .map(|(pos, name)| {
            let mut pts: Vec<Stat> = data
                .iter()
                .filter(|r| &r.strategy == name)
                .filter_map(|r| Some((x_of(&value(r)?), r.mean, r.low, r.high)))
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            (*pos, pts)
        })
        .filter(|(_, pts)| !pts.is_empty())
        .collect();
    for (pos, pts) in &lines {
        let c = color(*pos);
        let mut band: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.3)).collect();
        band.extend(pts.iter().rev().map(|p| (p.0, p.2)));
        chart.draw_series([Polygon::new(band, c.mix(0.18).filled())])?;
    }
    // Identical lines (e.g. two strategies that behave alike) drawn nested; each strategy
    // its own dash pattern and marker.
    let means: Vec<Vec<(f64, f64)>> = lines
        .iter()
        .map(|(_, pts)| pts.iter().map(|p| (p.0, p.1)).collect())
        .collect();
    for (((pos, _), pts), w) in lines.iter().zip(&means).zip(stacked_widths(&means)) {
        styles::line(&mut chart, pts, *pos, w)?;
        styles::markers(&mut chart, pts, *pos, w / 2 + 3)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_band_of_a_count_never_reaches_below_zero() {
        // Three seeds saw 0, 0 and 3 lost updates: mean 1, normal 95 % interval about
        // [-3.3, 5.3]; a count cannot be negative, so the band starts at 0.
        // Availability 0.995 +- 0.01 over seeds: a share cannot pass 1, so the band ends there.
        let v = serde_json::json!({"rows": [
            {"strategy": "mm", "metric": "lost_updates", "mean": 1.0, "ci95_low": -3.3, "ci95_high": 5.3},
            {"strategy": "mm", "metric": "delta", "mean": -2.0, "ci95_low": -4.0, "ci95_high": 0.0},
            {"strategy": "mm", "metric": "availability.write", "mean": 0.995, "ci95_low": 0.985, "ci95_high": 1.005}
        ]});
        let r = rows(&v);
        assert_eq!(r[0].low, 0.0);
        assert_eq!(r[0].high, 5.3);
        assert_eq!(r[1].low, -4.0);
        assert_eq!((r[2].low, r[2].high), (0.985, 1.0));
    }
}
