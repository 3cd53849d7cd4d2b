//! The self-contained HTML pages written beside a result: `report.html` (scenario summary,
//! map, comparison table with SLO verdicts, every chart) and `sweep.html` (the sweep's
//! provenance, a table of means and every chart).
//!
//! Owns `report_page` and `sweep_page`. A page is one file: SVG inline, styles inline, no
//! scripts, fonts or URLs, so it opens offline, from a CI artifact or an e-mail. Like the
//! charts, it reads the JSON value of the result, so a missing section is skipped.
//!
//! Must not import the engine, the world, strategies or the scenario types; does no I/O.

use serde_json::Value;

use crate::plot::{at, color_hex, escape, fmt_num, list, num, strategies, text, Chart};

const STYLE: &str = "
body{font-family:sans-serif;color:#1b2631;margin:0 auto;max-width:1240px;padding:16px 24px;background:#fff}
h1{font-size:26px;margin:8px 0 4px}h2{font-size:20px;margin:28px 0 8px;border-bottom:1px solid #d5dbe1;padding-bottom:4px}
.meta{color:#555b66;font-size:14px;margin:2px 0}nav{font-size:14px;margin:10px 0}nav a{margin-right:14px;color:#1f5f99}
table{border-collapse:collapse;font-size:13px;margin:6px 0}th,td{padding:4px 6px;border-bottom:1px solid #e3e7eb;text-align:right;white-space:nowrap}
th{background:#f3f5f7;font-weight:600}td:first-child,th:first-child{text-align:left}table.slo td:last-child,table.slo th:last-child{text-align:left}
.swatch{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:-1px;border-radius:2px}
.pass{background:#d9f2df;color:#14532d;font-weight:600}.fail{background:#fbe0e0;color:#7f1d1d;font-weight:600}
figure{margin:14px 0 24px}figure svg{width:100%;height:auto;border:1px solid #eef0f2}
figcaption{font-size:13px;color:#555b66;margin-top:4px}ul{margin:4px 0;padding-left:22px;font-size:14px}
.scroll{overflow-x:auto}footer{color:#8a929c;font-size:12px;margin:30px 0 10px}
";

fn page(title: &str, body: &str, version: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <link rel=\"icon\" href=\"data:,\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n\
         <body>\n{body}<footer>Written by geosim {} · all figures are simulated · one \
         self-contained file: no scripts, fonts or network</footer>\n</body>\n</html>\n",
        escape(title),
        escape(version),
    )
}

fn figure(c: &Chart) -> String {
    format!(
        "<figure id=\"{}\">\n{}\n<figcaption>{} · charts/{}.svg</figcaption>\n</figure>\n",
        c.name,
        c.svg.trim(),
        escape(&c.title),
        c.name
    )
}

fn ms(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{} ms", fmt_num(v)))
}

fn pct(v: Option<f64>, digits: usize) -> String {
    v.map_or("–".into(), |v| crate::report::percent(v, digits))
}

fn count(v: Option<&Value>) -> String {
    v.and_then(Value::as_u64)
        .map_or("–".into(), |n| n.to_string())
}

/// Whether the figure at `path` is `null` in the report (it, or a section holding it): a
/// figure that does not apply to the strategy (docs/metrics.md#applicability).
fn not_applicable(s: &Value, path: &str) -> bool {
    let mut v = s;
    for part in path.split('.') {
        match v.get(part) {
            Some(Value::Null) => return true,
            Some(next) => v = next,
            None => return false,
        }
    }
    false
}

/// `shown`, or `n/a` when the figure at `path` does not apply.
fn or_na(s: &Value, path: &str, shown: String) -> String {
    if not_applicable(s, path) {
        "n/a".into()
    } else {
        shown
    }
}

fn bytes(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(b) if b >= 1e9 => format!("{:.2} GB", b / 1e9),
        Some(b) if b >= 1e6 => format!("{:.1} MB", b / 1e6),
        Some(b) => format!("{:.0} kB", b / 1e3),
    }
}

/// One SLO objective as found in a strategy's `slo` section.
struct Objective {
    name: String,
    target: String,
    measured: String,
    pass: bool,
    /// Could not be measured (`not_applicable`): `n/a`, not met.
    na: bool,
    detail: String,
}

fn first_str(v: &Value, keys: &[&str]) -> String {
    keys.iter()
        .find_map(|k| match v.get(*k)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => n.as_f64().map(fmt_num),
            _ => None,
        })
        .unwrap_or_default()
}

fn first_bool(v: &Value, keys: &[&str]) -> Option<bool> {
    keys.iter().find_map(|k| v.get(*k)?.as_bool())
}

const PASS_KEYS: [&str; 5] = ["pass", "passed", "met", "ok", "meets"];

/// The objectives of an `slo` section (an array, or the first array inside an object) and
/// the overall verdict (an explicit boolean, else all objectives pass).
fn slo(section: &Value) -> Option<(bool, Vec<Objective>)> {
    let items = match section {
        Value::Array(a) => a.as_slice(),
        Value::Object(m) => m
            .values()
            .find_map(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]),
        _ => return None,
    };
    let objectives: Vec<Objective> = items
        .iter()
        .filter_map(|o| {
            Some(Objective {
                pass: first_bool(o, &PASS_KEYS)?,
                name: first_str(o, &["name", "objective", "metric", "description", "what"]),
                target: first_str(o, &["target", "threshold", "limit", "bound", "max", "min"]),
                measured: first_str(o, &["measured", "value", "actual"]),
                na: first_bool(o, &["not_applicable"]).unwrap_or(false),
                detail: first_str(o, &["detail", "verdict"]),
            })
        })
        .collect();
    let overall =
        first_bool(section, &PASS_KEYS).unwrap_or_else(|| objectives.iter().all(|o| o.pass));
    if objectives.is_empty() && first_bool(section, &PASS_KEYS).is_none() {
        return None;
    }
    Some((overall, objectives))
}

fn comparison(report: &Value) -> String {
    let present =
        |key: &str| strategies(report).any(|(_, s)| s.get(key).is_some_and(|v| !v.is_null()));
    let (has_cost, has_residency) = (present("cost"), present("residency"));
    let has_slo = strategies(report).any(|(_, s)| s.get("slo").and_then(slo).is_some());
    let faults = strategies(report).any(|(_, s)| !list(s, "faults").is_empty());
    let mut head = vec![
        "strategy",
        "kind",
        "read p50",
        "read p99",
        "write p50",
        "write p99",
        "availability",
        "stale reads",
        "conflicts",
        "lost updates",
        "RPO writes",
        "RTO max",
        "failed ops",
        "WAN",
    ];
    // RPO and RTO only mean something when there were faults.
    let rpo_at = head.iter().position(|h| *h == "RPO writes").unwrap_or(0);
    if !faults {
        head.drain(rpo_at..rpo_at + 2);
    }
    if has_cost {
        head.push("cost / month");
    }
    if has_residency {
        head.push("residency violations");
    }
    if has_slo {
        head.push("SLOs");
    }
    let mut out = String::from("<div class=\"scroll\"><table>\n<tr>");
    for h in &head {
        out.push_str(&format!("<th>{h}</th>"));
    }
    out.push_str("</tr>\n");
    for (i, s) in strategies(report) {
        let rto = match at(s, "rto.max_s") {
            Some(Value::Null) => "never".to_string(),
            Some(v) => v
                .as_f64()
                .map_or("–".into(), |v| format!("{} s", fmt_num(v))),
            None => "–".into(),
        };
        let mut cells = vec![
            format!(
                "<span class=\"swatch\" style=\"background:{}\"></span>{}",
                color_hex(i),
                escape(text(s, "name"))
            ),
            escape(text(s, "kind")),
            or_na(s, "latency_ms.read.p50", ms(num(s, "latency_ms.read.p50"))),
            or_na(s, "latency_ms.read.p99", ms(num(s, "latency_ms.read.p99"))),
            or_na(
                s,
                "latency_ms.write.p50",
                ms(num(s, "latency_ms.write.p50")),
            ),
            or_na(
                s,
                "latency_ms.write.p99",
                ms(num(s, "latency_ms.write.p99")),
            ),
            or_na(
                s,
                "availability.overall",
                pct(num(s, "availability.overall"), 3),
            ),
            or_na(
                s,
                "consistency.stale_read_rate",
                pct(num(s, "consistency.stale_read_rate"), 3),
            ),
            or_na(
                s,
                "consistency.conflict_rate",
                pct(num(s, "consistency.conflict_rate"), 3),
            ),
            or_na(
                s,
                "consistency.lost_updates",
                count(at(s, "consistency.lost_updates")),
            ),
            or_na(s, "rpo.lost_writes", count(at(s, "rpo.lost_writes"))),
            rto,
            failed_ops(s),
            bytes(num(s, "wan_bytes")),
        ];
        if !faults {
            cells.drain(rpo_at..rpo_at + 2);
        }
        if has_cost {
            cells.push(
                num(s, "cost.monthly_usd")
                    .or_else(|| num(s, "cost.total_usd"))
                    .map_or("–".into(), |v| format!("${v:.2}")),
            );
        }
        if has_residency {
            cells.push(or_na(
                s,
                "residency.violations",
                count(at(s, "residency.violations")),
            ));
        }
        let mut row = String::from("<tr>");
        for c in &cells {
            row.push_str(&format!("<td>{c}</td>"));
        }
        if has_slo {
            row.push_str(&match s.get("slo").and_then(slo) {
                Some((ok, objs)) => {
                    let met = objs.iter().filter(|o| o.pass).count();
                    let na = objs.iter().filter(|o| o.na).count();
                    // Some not measured and none failed: n/a, neither colour.
                    let (class, word) = match ok {
                        true => (" class=\"pass\"", "pass"),
                        false if na > 0 && met + na == objs.len() => ("", "n/a"),
                        false => (" class=\"fail\"", "fail"),
                    };
                    format!("<td{class}>{word} ({met} of {})</td>", objs.len())
                }
                None => "<td>–</td>".into(),
            });
        }
        row.push_str("</tr>\n");
        out.push_str(&row);
    }
    out.push_str("</table></div>\n");
    if has_slo {
        out.push_str("<h2 id=\"slo\">Service-level objectives</h2>\n");
        for (i, s) in strategies(report) {
            let Some((_, objs)) = s.get("slo").and_then(slo) else {
                continue;
            };
            let verdict = text(s, "slo.verdict");
            out.push_str(&format!(
                "<p><span class=\"swatch\" style=\"background:{}\"></span><b>{}</b></p>\n\
                 <table class=\"slo\"><tr><th>objective</th><th>target</th><th>measured</th><th>verdict</th><th>detail</th></tr>\n",
                color_hex(i),
                escape(&format!("{} {verdict}", text(s, "name")))
            ));
            for o in objs {
                let (class, word) = match (o.pass, o.na) {
                    (true, _) => (" class=\"pass\"", "pass"),
                    (false, true) => ("", "n/a"),
                    (false, false) => (" class=\"fail\"", "fail"),
                };
                out.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td{class}>{word}</td><td>{}</td></tr>\n",
                    escape(&o.name),
                    escape(&o.target),
                    escape(if o.measured.is_empty() {
                        "–"
                    } else {
                        &o.measured
                    }),
                    escape(&o.detail)
                ));
            }
            out.push_str("</table>\n");
        }
    }
    out
}

/// The failed operations of strategy `s`, with their causes when any failed (`ops.failed_by`;
/// reports of older versions have none): `5877` and below it one line per cause, `5336
/// timeout`, `541 failure answer`.
fn failed_ops(s: &Value) -> String {
    let failed = count(at(s, "ops.failed"));
    let Some(by) = at(s, "ops.failed_by").and_then(Value::as_object) else {
        return failed;
    };
    let causes: Vec<String> = [
        "timeout",
        "failure_answer",
        "breaker",
        "unfinished",
        "overload",
    ]
    .iter()
    .filter_map(|k| {
        let n = by.get(*k)?.as_u64().filter(|&n| n > 0)?;
        Some(format!("{n} {}", k.replace('_', " ")))
    })
    .collect();
    if causes.is_empty() {
        return failed;
    }
    format!(
        "{failed}<br><span class=\"meta\">{}</span>",
        escape(&causes.join("\n")).replace('\n', "<br>")
    )
}

fn summary(report: &Value) -> String {
    let mut items = Vec::new();
    let names: Vec<String> = strategies(report)
        .map(|(_, s)| format!("{} ({})", text(s, "name"), text(s, "kind")))
        .collect();
    items.push(format!(
        "{} strategies on the same workload: {}",
        names.len(),
        escape(&names.join(", "))
    ));
    if let Some((_, s)) = strategies(report).next() {
        if let (Some(r), Some(w)) = (num(s, "ops.reads"), num(s, "ops.writes")) {
            items.push(format!(
                "{r:.0} reads and {w:.0} writes issued per strategy"
            ));
        }
        let regions = list(report, "topology.regions");
        if !regions.is_empty() {
            let names: Vec<String> = regions
                .iter()
                .map(|r| format!("{} ({})", text(r, "name"), text(r, "jurisdiction")))
                .collect();
            items.push(format!(
                "{} regions: {}",
                regions.len(),
                escape(&names.join(", "))
            ));
        }
        let faults = list(s, "faults");
        if faults.is_empty() {
            items.push("no faults".into());
        }
        for f in faults {
            let end = num(f, "end_s").map_or("the end".into(), |e| format!("{} s", fmt_num(e)));
            items.push(format!(
                "fault: {} {} from {} s to {end}",
                escape(text(f, "kind")),
                escape(text(f, "target")),
                fmt_num(num(f, "start_s").unwrap_or(0.0)),
            ));
        }
    }
    let mut out = String::from("<ul>\n");
    for i in items {
        out.push_str(&format!("<li>{i}</li>\n"));
    }
    out.push_str("</ul>\n");
    out
}

/// The report's `warnings[]`: settings that had no effect on the run, or client timeouts
/// that gave up attempts without a fault, one item each
/// (`field [strategy]: message`, as `geosim run` prints them), every text escaped.
fn warnings_section(warnings: &[Value]) -> String {
    let mut out = String::from(
        "<h2 id=\"warnings\">Warnings</h2>\n\
         <p class=\"meta\">settings of the scenario that had no effect on this run, or client \
         timeouts that gave up attempts in a run without faults</p>\n<ul>\n",
    );
    for w in warnings {
        let strategy = match w.get("strategy").and_then(Value::as_str) {
            Some(st) => format!(" [{}]", escape(st)),
            None => String::new(),
        };
        out.push_str(&format!(
            "<li><code>{}</code>{strategy}: {}</li>\n",
            escape(text(w, "field")),
            escape(text(w, "message"))
        ));
    }
    out.push_str("</ul>\n");
    out
}

/// The `report.html` page of a report and its charts.
pub fn report_page(report: &Value, charts: &[Chart]) -> String {
    let name = text(report, "scenario.name");
    let mut body = format!("<h1>{}</h1>\n", escape(name));
    body.push_str(&format!(
        "<p class=\"meta\">scenario {} · sha256 {} · seed {} · {} simulated s</p>\n",
        escape(text(report, "scenario.path")),
        escape(text(report, "scenario.sha256").get(..12).unwrap_or("–")),
        count(report.get("seed")),
        num(report, "duration_s").map_or("–".into(), fmt_num),
    ));
    let mut nav = vec![("summary".to_string(), "Summary".to_string())];
    body.push_str("<nav></nav>\n<h2 id=\"summary\">Summary</h2>\n");
    body.push_str(&summary(report));
    if let Some(t) = report.get("trace_file").and_then(Value::as_str) {
        body.push_str(&format!(
            "<p class=\"meta\">Operation traces: <a href=\"{0}\">{0}</a> (Chrome trace event format: open it in <a href=\"https://ui.perfetto.dev\">Perfetto</a> or chrome://tracing)</p>\n",
            escape(t)
        ));
    }
    let warnings = list(report, "warnings");
    if !warnings.is_empty() {
        nav.push(("warnings".into(), "Warnings".into()));
        body.push_str(&warnings_section(warnings));
    }
    let (maps, rest): (Vec<&Chart>, Vec<&Chart>) = charts.iter().partition(|c| c.name == "map");
    for m in maps {
        nav.push(("map".into(), "Map".into()));
        body.push_str("<h2>Map</h2>\n");
        body.push_str(&figure(m));
    }
    nav.push(("comparison".into(), "Comparison".into()));
    body.push_str("<h2 id=\"comparison\">Comparison</h2>\n");
    body.push_str(&comparison(report));
    if !rest.is_empty() {
        body.push_str("<h2 id=\"charts\">Charts</h2>\n");
    }
    for c in rest {
        nav.push((c.name.clone(), c.title.clone()));
        body.push_str(&figure(c));
    }
    finish(
        &format!("geosim: {name}"),
        &nav,
        &body,
        text(report, "geosim_version"),
    )
}

/// Puts the navigation links where the body has its `<nav></nav>` placeholder.
fn finish(title: &str, nav: &[(String, String)], body: &str, version: &str) -> String {
    let links: String = nav
        .iter()
        .map(|(id, label)| format!("<a href=\"#{id}\">{}</a>", escape(label)))
        .collect();
    let body = body.replacen("<nav></nav>", &format!("<nav>{links}</nav>"), 1);
    page(title, &body, version)
}

/// Most table rows shown on the sweep page.
const MAX_ROWS: usize = 400;

/// The `sweep.html` page of a sweep and its charts.
pub fn sweep_page(sweep: &Value, charts: &[Chart]) -> String {
    let stem = |p: &str| {
        std::path::Path::new(p)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
    };
    let title = stem(text(sweep, "sweep.path")).unwrap_or_else(|| "sweep".into());
    let mut body = format!("<h1>{}</h1>\n", escape(&title));
    let mut meta = Vec::new();
    for key in ["sweep.path", "base.path", "sweep.sha256", "seed", "seeds"] {
        if let Some(v) = at(sweep, key).filter(|v| !v.is_object() && !v.is_null()) {
            let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            meta.push(format!("{key} {}", escape(&v)));
        }
    }
    body.push_str(&format!(
        "<p class=\"meta\">{}</p>\n<nav></nav>\n",
        meta.join(" · ")
    ));
    let mut nav = vec![("table".to_string(), "Table".to_string())];
    let rows = list(sweep, "rows");
    body.push_str("<h2 id=\"table\">Means over seeds</h2>\n<div class=\"scroll\"><table>\n");
    let params: Vec<String> = rows
        .first()
        .and_then(|r| r.get("parameters"))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    body.push_str("<tr>");
    for h in params
        .iter()
        .map(String::as_str)
        .chain(["strategy", "metric", "mean", "95% CI"])
    {
        body.push_str(&format!("<th>{}</th>", escape(h)));
    }
    body.push_str("</tr>\n");
    for r in rows.iter().take(MAX_ROWS) {
        body.push_str("<tr>");
        for p in &params {
            let v = r.get("parameters").and_then(|m| m.get(p));
            let v = v.map_or(String::new(), |v| {
                v.as_str().map_or_else(|| v.to_string(), str::to_string)
            });
            body.push_str(&format!("<td>{}</td>", escape(&v)));
        }
        let ci = match (num(r, "ci95_low"), num(r, "ci95_high")) {
            (Some(l), Some(h)) => format!("{} – {}", fmt_num(l), fmt_num(h)),
            _ => "–".into(),
        };
        body.push_str(&format!(
            "<td>{}</td><td>{}</td><td>{}</td><td>{ci}</td></tr>\n",
            escape(text(r, "strategy")),
            escape(text(r, "metric")),
            num(r, "mean").map_or("–".into(), fmt_num),
        ));
    }
    body.push_str("</table></div>\n");
    if rows.len() > MAX_ROWS {
        body.push_str(&format!(
            "<p class=\"meta\">first {MAX_ROWS} of {} rows; sweep.csv has them all</p>\n",
            rows.len()
        ));
    }
    if !charts.is_empty() {
        body.push_str("<h2 id=\"charts\">Charts</h2>\n");
    }
    for c in charts {
        nav.push((c.name.clone(), c.title.clone()));
        body.push_str(&figure(c));
    }
    finish(
        &format!("geosim sweep: {title}"),
        &nav,
        &body,
        text(sweep, "geosim_version"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn slo_sections_are_read_leniently() {
        let s = json!({"objectives": [
            {"name": "p99 read", "target": 100.0, "measured": 212.0, "pass": false},
            {"name": "availability", "target": 0.999, "measured": 1.0, "pass": true}
        ]});
        let (ok, objs) = slo(&s).unwrap();
        assert!(!ok);
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[0].measured, "212");
        assert!(slo(&json!({"note": "x"})).is_none());
    }

    #[test]
    fn warnings_are_listed_and_escaped() {
        let r = json!({"scenario": {"name": "w"}, "strategies": [], "warnings": [
            {"field": "faults[0].recover", "strategy": "mm<1>",
             "message": "recover = \"empty\" & <b>nothing</b>"},
            {"field": "random_faults", "strategy": null, "message": "no fault"}
        ]});
        let html = report_page(&r, &[]);
        assert!(html.contains("<a href=\"#warnings\">Warnings</a>"));
        assert!(html.contains(
            "<li><code>faults[0].recover</code> [mm&lt;1&gt;]: recover = &quot;empty&quot; \
             &amp; &lt;b&gt;nothing&lt;/b&gt;</li>"
        ));
        assert!(html.contains("<li><code>random_faults</code>: no fault</li>"));
        assert!(!html.contains("<b>nothing"));
        // No warnings, no section.
        let quiet = report_page(&json!({"scenario": {"name": "q"}, "strategies": []}), &[]);
        assert!(!quiet.contains("id=\"warnings\""));
    }

    #[test]
    fn page_is_self_contained() {
        let r = json!({"scenario": {"name": "x<y"}, "strategies": []});
        let html = report_page(&r, &[]);
        assert!(html.contains("x&lt;y"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("http://") && !html.contains("https://"));
    }
}
