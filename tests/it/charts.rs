//! Charts: every chart of a report or a sweep is well-formed SVG that draws one series per
//! strategy in that strategy's palette colour; `geosim run` writes them (and the page) unless
//! `--no-charts`; `geosim plot` redraws them from a result file.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use geosim::plot::{self, color_hex, Chart, PALETTE};

use crate::common::{self, geosim, THREE_REGIONS};

/// Two strategies, three regions, a 10 s outage of the primary's region in a 40 s run.
pub fn scenario_text() -> String {
    format!(
        r#"
name = "charts"
seed = 7
duration_s = 40
{THREE_REGIONS}
[[workload.clients]]
region = "eu-west-1"
rate_rps = 200
read_fraction = 0.8
keys = 2000
[[workload.clients]]
region = "us-east-1"
rate_rps = 100
read_fraction = 0.9
keys = 2000
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "us-east-1"
replication = "async"
read_from = "local"
[[strategies]]
kind = "multi-master"
name = "mm"
[[faults]]
kind = "region-outage"
region = "us-east-1"
start_s = 10
duration_s = 10
"#
    )
}

/// The report of `scenario_text` as the value `geosim run` draws its charts from (report.json
/// plus the full latency distributions).
pub fn report_value() -> Value {
    let report = common::run(&scenario_text());
    geosim::render::report_value(&report, None).unwrap()
}

fn parse(c: &Chart) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(&c.svg)
        .unwrap_or_else(|e| panic!("{}.svg is not well-formed XML: {e}", c.name))
}

/// Distinct palette colours used by `attr` of `tag` elements.
fn palette_colours(doc: &roxmltree::Document, tag: &str, attr: &str) -> BTreeSet<String> {
    let palette: Vec<String> = (0..PALETTE.len()).map(color_hex).collect();
    doc.descendants()
        .filter(|n| n.has_tag_name(tag))
        .filter_map(|n| n.attribute(attr))
        .filter(|c| palette.iter().any(|p| p == c))
        .map(str::to_string)
        .collect()
}

/// The trimmed, non-empty text nodes of a document.
fn texts(doc: &roxmltree::Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

fn chart<'a>(charts: &'a [Chart], name: &str) -> &'a Chart {
    charts
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no chart {name}"))
}

#[test]
fn every_report_chart_is_well_formed_svg_with_one_series_per_strategy() {
    let report = report_value();
    let charts = plot::report_charts(&report).unwrap();
    let names: Vec<&str> = charts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "map",
            "latency-cdf",
            "latency-regions",
            "latency-breakdown",
            "timeline",
            "staleness",
            "cost"
        ]
    );
    let both: BTreeSet<String> = [color_hex(0), color_hex(1)].into();
    for c in &charts {
        let doc = parse(c);
        let root = doc.root_element();
        assert!(root.has_tag_name("svg"), "{}", c.name);
        assert_eq!(root.attribute("data-chart"), Some(c.name.as_str()));
        let title = root.children().find(|n| n.has_tag_name("title")).unwrap();
        assert_eq!(title.text(), Some(c.title.as_str()));
        // Axis descriptions carry units.
        let texts = texts(&doc);
        match c.name.as_str() {
            "map" => {
                assert_eq!(root.attribute("data-series"), Some("3"));
                // One dot and one ring per region, a label per link (3 pairs).
                let circles = doc
                    .descendants()
                    .filter(|n| n.has_tag_name("circle"))
                    .count();
                assert_eq!(circles, 6);
                let labels = texts.iter().filter(|t| t.ends_with(" ms")).count();
                assert_eq!(labels, 3, "{texts:?}");
                assert!(texts.iter().any(|t| t.starts_with("eu-west-1")));
            }
            "cost" => {
                assert_eq!(root.attribute("data-series"), Some("2"));
                assert_eq!(palette_colours(&doc, "circle", "fill"), both);
                assert!(texts.iter().any(|t| t.contains("(USD)")));
            }
            "latency-breakdown" => {
                // Nine components; two bars per strategy and kind, each a stack of the
                // components that are not zero; units on the axis.
                assert_eq!(root.attribute("data-series"), Some("9"));
                assert!(texts.iter().any(|t| t == "mean latency (ms)"), "{texts:?}");
                assert!(texts.iter().any(|t| t.ends_with("· slowest 1 %")));
                assert!(texts.iter().any(|t| t == "client access"));
            }
            "latency-regions" => {
                assert_eq!(root.attribute("data-series"), Some("2"));
                assert_eq!(palette_colours(&doc, "rect", "fill"), both);
                assert!(texts.iter().any(|t| t.contains("latency (ms")));
            }
            _ => {
                assert_eq!(root.attribute("data-series"), Some("2"), "{}", c.name);
                assert_eq!(
                    palette_colours(&doc, "polyline", "stroke"),
                    both,
                    "{}",
                    c.name
                );
                assert!(
                    texts.iter().any(|t| t.contains("(ms") || t.contains("(s)")),
                    "{}",
                    c.name
                );
            }
        }
    }
    // The CDF draws one curve per strategy and panel (reads and writes), from the full
    // histogram: the first strategy's solid line is one polyline of hundreds of points, the
    // second's dashes are many pieces; each has a marker per percentile and panel.
    let cdf = parse(chart(&charts, "latency-cdf"));
    let strokes = |i: usize| -> Vec<usize> {
        cdf.descendants()
            .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some(&color_hex(i)))
            .map(|n| {
                n.attribute("points")
                    .unwrap_or("")
                    .split_whitespace()
                    .count()
            })
            .collect()
    };
    // (The legend's sample of each strategy's line is one more short polyline.)
    let solid = strokes(0);
    assert_eq!(solid.iter().filter(|&&n| n >= 100).count(), 2, "{solid:?}");
    assert!(strokes(1).len() > 20);
    for (i, n) in [0, 1].iter().zip([2, 2]) {
        let series: Vec<_> = ["read", "write"]
            .iter()
            .flat_map(|op| plot::cdf_series(&report, op))
            .filter(|s| s.strategy == *i)
            .collect();
        assert_eq!(series.len(), n);
        assert!(series.iter().all(|s| s.full && s.points.len() > 300));
    }
    let texts = texts(&cdf);
    assert!(
        texts.iter().any(|t| t.contains("full histogram")),
        "{texts:?}"
    );
}

/// With probe reads, the staleness chart also draws each strategy's exact curve
/// (`t_visibility_exact`): dashed, with a square per answered delay, labelled apart from the
/// bucketed curve; a delay without answered probes (`p_consistent` null) is not drawn.
#[test]
fn staleness_chart_draws_the_exact_probe_curve_beside_the_bucketed_one() {
    let mut report = report_value();
    let exact = json!([
        {"t_ms": 0, "p_consistent": 0.25, "probes": 40, "failed": 0},
        {"t_ms": 10, "p_consistent": 0.5, "probes": 40, "failed": 0},
        {"t_ms": 100, "p_consistent": 0.875, "probes": 40, "failed": 0},
        {"t_ms": 1000, "p_consistent": null, "probes": 0, "failed": 40}
    ]);
    report["strategies"][1]["consistency"]["t_visibility_exact"] = exact;
    let charts = plot::report_charts(&report).unwrap();
    let c = chart(&charts, "staleness");
    let doc = parse(c);
    // Two bucketed curves and one exact one.
    assert_eq!(doc.root_element().attribute("data-series"), Some("3"));
    let texts = texts(&doc);
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("t_visibility_exact: probes exactly t ms")),
        "{texts:?}"
    );
    assert!(texts
        .iter()
        .any(|t| t.starts_with("t_visibility: client reads")));
    // Three answered delays: three squares in the second strategy's colour.
    let squares = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some(&color_hex(1)))
        .filter(|n| n.attribute("width") == Some("8"))
        .count();
    assert_eq!(squares, 3, "{}", c.svg);
    // Without probes the chart keeps its one curve per strategy and no key.
    let plain = plot::report_charts(&report_value()).unwrap();
    let c = chart(&plain, "staleness");
    assert!(!c.svg.contains("t_visibility_exact"));
}

#[test]
fn timeline_shades_each_fault_window_in_both_panels() {
    let report = report_value();
    let charts = plot::report_charts(&report).unwrap();
    let doc = parse(chart(&charts, "timeline"));
    let shades = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name("rect")
                && n.attribute("fill") == Some("#000000")
                && n.attribute("opacity") == Some("0.08")
        })
        .count();
    assert_eq!(shades, 2, "one outage, shaded in two panels");
    let texts = texts(&doc);
    assert!(
        texts.iter().any(|t| t.contains("region-outage us-east-1")),
        "{texts:?}"
    );
}

#[test]
fn cost_chart_appears_with_cost_sections_and_rings_the_pareto_front() {
    let mut report = report_value();
    for (i, s) in report["strategies"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        s["cost"] = json!({"compute_usd": 1.0, "storage_usd": 0.1, "transfer_usd": 0.2,
            "egress_usd": 0.0, "total_usd": 1.3, "per_million_ops_usd": 0.5,
            "monthly_usd": 100.0 + 50.0 * i as f64});
    }
    let charts = plot::report_charts(&report).unwrap();
    let c = chart(&charts, "cost");
    let doc = parse(c);
    assert_eq!(doc.root_element().attribute("data-series"), Some("2"));
    let dots = palette_colours(&doc, "circle", "fill");
    assert_eq!(dots.len(), 2);
    // mm writes locally and costs more: both strategies are on the write front; the ring
    // count (black, unfilled) is at least one per panel.
    let rings = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle") && n.attribute("stroke") == Some("#000000"))
        .count();
    assert!(rings >= 2, "{rings}");
}

#[test]
fn charts_skip_what_the_report_lacks() {
    // A report without cost sections has no cost chart.
    let mut report = report_value();
    for s in report["strategies"].as_array_mut().unwrap() {
        s.as_object_mut().unwrap().remove("cost");
    }
    let charts = plot::report_charts(&report).unwrap();
    assert!(charts.iter().all(|c| c.name != "cost"));

    let report = json!({
        "scenario": {"name": "old"},
        "strategies": [{"name": "a", "latency_ms": {"read": {"count": 0}, "write": {"count": 0}}}]
    });
    let charts = plot::report_charts(&report).unwrap();
    let names: Vec<&str> = charts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["latency-cdf"]);
    let doc = parse(&charts[0]);
    let texts = texts(&doc);
    assert!(
        texts.iter().any(|t| t == "no successful reads"),
        "{texts:?}"
    );
}

/// A sweep of two parameters, two strategies and two metrics, three points per parameter.
pub fn sweep_value() -> Value {
    let mut rows = Vec::new();
    for rate in [100, 200, 400] {
        for keys in [1000, 10000] {
            for (k, strategy) in ["lww", "crdt"].iter().enumerate() {
                for metric in ["consistency.conflict_rate", "latency_ms.write.p99"] {
                    let mean = rate as f64 / keys as f64 * (k + 1) as f64;
                    rows.push(json!({
                        "parameters": {"workload.clients[0].rate_rps": rate, "workload.clients[0].keys": keys},
                        "strategy": strategy, "metric": metric, "n": 3,
                        "mean": mean, "std": mean / 10.0,
                        "ci95_low": mean * 0.9, "ci95_high": mean * 1.1,
                        "min": mean * 0.85, "max": mean * 1.15
                    }));
                }
            }
        }
    }
    // The shape of a real sweep.json: its `strategies` lists names (not report entries).
    json!({"geosim_version": "0.1.0",
        "sweep": {"path": "scenarios/sweeps/test.toml", "sha256": "ab"},
        "base": {"path": null, "sha256": "cd"},
        "seed": 1, "seeds": 3, "strategies": ["lww", "crdt"],
        "metrics": ["consistency.conflict_rate", "latency_ms.write.p99"], "rows": rows})
}

#[test]
fn sweep_charts_draw_each_metric_against_each_parameter_with_bands() {
    let charts = plot::sweep_charts(&sweep_value()).unwrap();
    assert_eq!(charts.len(), 4, "2 metrics x 2 parameters");
    let c = chart(
        &charts,
        "sweep-consistency-conflict-rate-vs-workload-clients-0-rate-rps",
    );
    let doc = parse(c);
    // Two panels (one per value of the other parameter), a line and a band per strategy each:
    // the first strategy's line solid (one polyline through the 3 points; its legend sample is
    // a 2-point one), the second's dashed (many pieces).
    for i in 0..2 {
        let lines: Vec<usize> = doc
            .descendants()
            .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some(&color_hex(i)))
            .map(|n| {
                n.attribute("points")
                    .unwrap_or("")
                    .split_whitespace()
                    .count()
            })
            .collect();
        // (A triangle marker is a 3-point polygon too; a band has a point per x each way.)
        let bands = doc
            .descendants()
            .filter(|n| n.has_tag_name("polygon") && n.attribute("fill") == Some(&color_hex(i)))
            .filter(|n| {
                n.attribute("points")
                    .unwrap_or("")
                    .split_whitespace()
                    .count()
                    > 3
            })
            .count();
        assert_eq!(bands, 2, "strategy {i}");
        if i == 0 {
            assert_eq!(lines.iter().filter(|&&n| n >= 3).count(), 2, "{lines:?}");
        } else {
            assert!(lines.len() > 6, "{lines:?}");
        }
    }
    // Both axes say their unit.
    let texts = texts(&doc);
    for label in [
        "consistency.conflict_rate (share, 0 to 1)",
        "workload.clients[0].rate_rps (requests/s)",
    ] {
        assert!(texts.iter().any(|t| t == label), "{label}: {texts:?}");
    }
}

#[test]
fn plot_tells_a_sweep_from_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sweep.json");
    std::fs::write(&file, sweep_value().to_string()).unwrap();
    let o = geosim(&["plot", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.path().join("sweep.html").is_file());
    assert!(!dir.path().join("report.html").exists());
    assert_eq!(
        std::fs::read_dir(dir.path().join("charts"))
            .unwrap()
            .count(),
        4
    );
}

#[test]
fn run_writes_charts_and_page_unless_no_charts_and_plot_redraws_them() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("charts.toml");
    std::fs::write(&sc, scenario_text()).unwrap();
    let out = dir.path().join("with");
    let o = geosim(&["run", sc.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for name in [
        "map",
        "latency-cdf",
        "latency-regions",
        "latency-breakdown",
        "timeline",
        "staleness",
        "cost",
    ] {
        assert!(
            out.join("charts").join(format!("{name}.svg")).is_file(),
            "{name}"
        );
    }
    assert!(out.join("report.html").is_file());
    let first = std::fs::read(out.join("charts/latency-cdf.svg")).unwrap();

    let bare = dir.path().join("bare");
    let o = geosim(&[
        "run",
        sc.to_str().unwrap(),
        "--out",
        bare.to_str().unwrap(),
        "--no-charts",
    ]);
    assert!(o.status.success());
    assert!(bare.join("report.json").is_file());
    assert!(!bare.join("charts").exists() && !bare.join("report.html").exists());

    // `plot` redraws the same bytes from report.json, but for the CDF: report.json holds
    // percentiles, not the histogram, so the redrawn CDF goes through them and says so.
    let redrawn = dir.path().join("redrawn");
    let o = geosim(&[
        "plot",
        bare.join("report.json").to_str().unwrap(),
        "--out",
        redrawn.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for name in ["map", "latency-regions", "timeline", "staleness", "cost"] {
        let file = format!("charts/{name}.svg");
        assert_eq!(
            std::fs::read(redrawn.join(&file)).unwrap(),
            std::fs::read(out.join(&file)).unwrap(),
            "{name}"
        );
    }
    let cdf = std::fs::read_to_string(redrawn.join("charts/latency-cdf.svg")).unwrap();
    assert!(cdf.contains("through p50, p90, p99, p99.9 and max"));
    assert!(String::from_utf8(first).unwrap().contains("full histogram"));
    assert!(redrawn.join("report.html").is_file());

    // Not a result file: exit code 2.
    let o = geosim(&["plot", sc.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

/// On the map of the shipped eight-region zoo (two EU regions 650 km apart), no two region
/// names overlap and each stays inside the picture: each name is placed on a free side of
/// its dot (boxes estimated from the text length at the names' font size).
#[test]
fn map_region_names_neither_overlap_nor_leave_the_picture() {
    let text = std::fs::read_to_string(common::shipped("strategy-zoo.toml")).unwrap();
    let report = common::run(&text);
    let value = geosim::render::report_value(&report, None).unwrap();
    let charts = plot::report_charts(&value).unwrap();
    let map = chart(&charts, "map");
    let doc = parse(map);
    let width: f64 = doc
        .root_element()
        .attribute("width")
        .unwrap()
        .parse()
        .unwrap();
    let names: Vec<(String, [f64; 4])> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text") && n.attribute("font-weight") == Some("bold"))
        .filter(|n| n.attribute("fill") == Some("#111827"))
        .map(|n| {
            let t = n.text().unwrap_or("").trim().to_string();
            let x: f64 = n.attribute("x").unwrap().parse().unwrap();
            let y: f64 = n.attribute("y").unwrap().parse().unwrap();
            let size: f64 = n.attribute("font-size").unwrap().parse().unwrap();
            // Bold sans-serif: about 0.62 em per character.
            let w = t.chars().count() as f64 * size * 0.62;
            (t, [x, y, x + w, y + size])
        })
        .collect();
    assert_eq!(names.len(), 8, "{names:?}");
    for (i, (a, p)) in names.iter().enumerate() {
        assert!(
            p[0] >= 0.0 && p[2] <= width,
            "{a} leaves the picture: {p:?}"
        );
        for (b, q) in &names[i + 1..] {
            let apart = p[2] <= q[0] || q[2] <= p[0] || p[3] <= q[1] || q[3] <= p[1];
            assert!(apart, "{a} {p:?} overlaps {b} {q:?}");
        }
    }
}
