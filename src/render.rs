//! The pictures of a result, written next to it: SVG charts plus the self-contained page.
//!
//! Owns `write_outputs` (every chart of a `report.json` or `sweep.json` into `DIR/charts/`,
//! and `report.html` or `sweep.html`), `report_value` (what a report just built is drawn
//! from: its JSON plus the full latency distributions), `write_report`, `write_sweep_outputs` and `Written`.
//! It sits above both `plot` (which draws charts and knows nothing of pages) and `html`
//! (which composes the charts it is given into a page): the one place that puts them
//! together. Files only through `io`.
//!
//! Must not import the engine, the world, strategies or scenario types.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::plot::{self, ResultKind};
use crate::{html, io};

/// The files `write_outputs` wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The SVG charts, in `DIR/charts/`.
    pub charts: Vec<PathBuf>,
    /// `DIR/report.html` or `DIR/sweep.html`.
    pub html: PathBuf,
}

/// Draws every chart of `value` into `dir/charts/NAME.svg` and the self-contained page into
/// `dir/report.html` (a report) or `dir/sweep.html` (a sweep), each written atomically.
pub fn write_outputs(dir: &Path, value: &Value, kind: ResultKind) -> Result<Written> {
    let (charts, html, file) = match kind {
        ResultKind::Report => {
            let charts = plot::report_charts(value)?;
            let html = html::report_page(value, &charts);
            (charts, html, "report.html")
        }
        ResultKind::Sweep => {
            let charts = plot::sweep_charts(value)?;
            let html = html::sweep_page(value, &charts);
            (charts, html, "sweep.html")
        }
    };
    let mut written = Vec::new();
    for c in &charts {
        let path = dir.join("charts").join(format!("{}.svg", c.name));
        io::write_atomic(&path, c.svg.as_bytes())?;
        written.push(path);
    }
    let html_path = dir.join(file);
    io::write_atomic(&html_path, html.as_bytes())?;
    Ok(Written {
        charts: written,
        html: html_path,
    })
}

/// `write_outputs` for a report just built by `geosim run`.
pub fn write_report(dir: &Path, report: &crate::report::Report) -> Result<Written> {
    write_report_linking(dir, report, None)
}

/// `write_report`, with the page linking `trace` (a file written beside it, e.g.
/// `trace.json`) when given.
pub fn write_report_linking(
    dir: &Path,
    report: &crate::report::Report,
    trace: Option<&str>,
) -> Result<Written> {
    write_outputs(dir, &report_value(report, trace)?, ResultKind::Report)
}

/// The value the charts and page of a report just built are drawn from: its report.json
/// value plus what report.json leaves out, each strategy's full latency distributions
/// (`latency_cdf`, drawn by the CDF chart; a report.json read back has only its percentiles)
/// and the name of the trace file written beside it (`trace_file`), when given.
pub fn report_value(report: &crate::report::Report, trace: Option<&str>) -> Result<Value> {
    let mut value = serde_json::to_value(report).map_err(|e| Error::Chart(e.to_string()))?;
    if let Some(list) = value.get_mut("strategies").and_then(Value::as_array_mut) {
        for (v, s) in list.iter_mut().zip(&report.strategies) {
            let c = &s.latency_cdf;
            v["latency_cdf"] = serde_json::json!({ "read": c.read, "write": c.write });
        }
    }
    if let Some(t) = trace {
        value["trace_file"] = Value::String(t.to_string());
    }
    Ok(value)
}

/// `write_outputs` for the text of a `sweep.json` just written by `geosim sweep` or `merge`.
pub fn write_sweep_outputs(dir: &Path, sweep_json: &str) -> Result<Written> {
    let value: Value = serde_json::from_str(sweep_json).map_err(|e| Error::Chart(e.to_string()))?;
    write_outputs(dir, &value, ResultKind::Sweep)
}
