//! Charts of a report or a sweep as SVG (plotters' SVG backend), for people who would rather
//! look than read a table of percentiles.
//!
//! Owns `Chart`, the strategy palette (one colour per strategy position, the same in every
//! chart of a run and the same order as matplotlib's default cycle, which the notebooks use),
//! `report_charts`, `sweep_charts` and `read_result`. It knows nothing of pages: `html`
//! composes the charts it is given and `render` writes both next to a result. Charts read the JSON value of a `report.json` or `sweep.json` rather than
//! the typed `Report`, so a file written by an older or newer geosim still draws: a missing
//! section skips its chart, a missing figure skips its point.
//!
//! Submodules: `cdf` (the latency CDF from the full histogram, `cdf_series`), `latency`
//! (per-region bars), `styles` (dash pattern and marker per strategy), `units` (unit and range of a field
//! path), `front` (the cost against p99 panel and the Pareto front), `breakdown` (stacked latency components),
//! `timeline` (success ratio and p99 through faults), `staleness` (the bucketed staleness
//! curve and, with probe reads, the exact one), `cost` (cost against p99 with the Pareto
//! front), `map` (regions
//! and links on an equirectangular map), `sweep` (metric against swept parameter with the 95%
//! confidence band), `advise` (candidates of `geosim advise`: cost against p99, Pareto set).
//!
//! Must not import the engine, the world, strategies, the scenario types, `html` or
//! `render`; files are read through `io` only.

mod advise;
mod breakdown;
mod cdf;
mod cost;
mod front;
mod latency;
mod map;
mod staleness;
mod styles;
mod sweep;
mod timeline;
mod units;

pub use cdf::{cdf_series, CdfSeries};

use std::ops::Range;
use std::path::Path;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::io;

/// One drawn chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// File stem, e.g. `latency-cdf` (written as `charts/latency-cdf.svg`).
    pub name: String,
    /// Human title, also the SVG `<title>`.
    pub title: String,
    /// The SVG document.
    pub svg: String,
}

/// Strategy colours, indexed by the strategy's position in the report (matplotlib's
/// `tab10`, so the notebooks' default colours match). Repeats after ten strategies.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];

/// The colour of the strategy at position `i`.
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The colour of the strategy at position `i` as `#RRGGBB` (upper case, as in the SVG).
pub fn color_hex(i: usize) -> String {
    let RGBColor(r, g, b) = color(i);
    format!("#{r:02X}{g:02X}{b:02X}")
}

/// Every chart of a report: map (when the report has `topology`), latency CDF, per-region
/// latency, latency breakdown (when the report has one), timeline (when there is one), staleness curve (when any read was measured) and
/// cost against latency (when strategies have `cost`).
pub fn report_charts(report: &Value) -> Result<Vec<Chart>> {
    let mut out = Vec::new();
    let mut push = |c: std::result::Result<Option<Chart>, DrawError>| -> Result<()> {
        if let Some(c) = c.map_err(|e| Error::Chart(e.0))? {
            out.push(c);
        }
        Ok(())
    };
    push(map::map(report))?;
    push(cdf::cdf(report).map(Some))?;
    push(latency::regions(report))?;
    push(breakdown::breakdown(report))?;
    push(timeline::timeline(report))?;
    push(staleness::staleness(report))?;
    push(cost::cost(report))?;
    Ok(out)
}

/// Every chart of a sweep: each collected metric against each swept parameter, one line
/// per strategy with its 95% confidence band.
pub fn sweep_charts(sweep: &Value) -> Result<Vec<Chart>> {
    sweep::charts(sweep).map_err(|e| Error::Chart(e.0))
}

/// The chart of an `advise.json` (given as text): candidates' cost against p99 latency.
pub fn advise_chart(advice: &str) -> Result<Chart> {
    let value: Value = serde_json::from_str(advice).map_err(|e| Error::Chart(e.to_string()))?;
    advise::chart(&value).map_err(|e| Error::Chart(e.0))
}

/// What a result file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultKind {
    /// A `report.json` of `geosim run`.
    Report,
    /// A `sweep.json` of `geosim sweep` or `geosim merge`.
    Sweep,
}

/// Tells a report from a sweep: a sweep has a `rows` array, a report a `strategies` array of
/// objects (a sweep's `strategies` lists names).
pub fn kind_of(value: &Value) -> Option<ResultKind> {
    if value.get("rows").is_some_and(Value::is_array) {
        Some(ResultKind::Sweep)
    } else if value
        .get("strategies")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().all(Value::is_object))
    {
        Some(ResultKind::Report)
    } else {
        None
    }
}

/// Reads a `report.json` or `sweep.json`; syntax errors carry line and column.
pub fn read_result(path: &Path) -> Result<(Value, ResultKind)> {
    let text = io::read_result_text(path)?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        let m = e.to_string();
        let m = crate::error::without_position(&m);
        let hint = if text.trim_start().starts_with(['{', '[']) {
            ""
        } else {
            "; this is not JSON: give the report.json or sweep.json that `geosim run` or \
             `geosim sweep` wrote (a scenario file is run with `geosim run`)"
        };
        Error::Syntax {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: format!("{m}{hint}"),
        }
    })?;
    let kind = kind_of(&value).ok_or_else(|| {
        Error::Usage(format!(
            "{}: neither a report.json (no `strategies`) nor a sweep.json (no `rows`)",
            path.display()
        ))
    })?;
    Ok((value, kind))
}

// ---------------------------------------------------------------------------------------
// Shared drawing helpers.

/// A plotters drawing error (drawing into a string fails only on a bug).
#[derive(Debug)]
pub(crate) struct DrawError(pub(crate) String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawError(e.to_string())
    }
}

pub(crate) type Draw<T = ()> = std::result::Result<T, DrawError>;
pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Font family of every text.
pub(crate) const FONT: &str = "sans-serif";
/// Dark grey for secondary text.
pub(crate) const GREY: RGBColor = RGBColor(0x55, 0x5b, 0x66);

/// Draws a chart into an SVG string and marks the root element with `data-chart` (its
/// name) and `data-series` (how many series it draws), and a `<title>`.
pub(crate) fn render(
    name: &str,
    title: &str,
    size: (u32, u32),
    series: usize,
    draw: impl FnOnce(&Area) -> Draw,
) -> Draw<Chart> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    let marked = buf.replacen(
        "<svg ",
        &format!("<svg data-chart=\"{name}\" data-series=\"{series}\" role=\"img\" "),
        1,
    );
    let svg = match marked.find('>') {
        Some(end) => format!(
            "{}<title>{}</title>{}",
            &marked[..=end],
            escape(title),
            &marked[end + 1..]
        ),
        None => marked,
    };
    Ok(Chart {
        name: name.to_string(),
        title: title.to_string(),
        svg,
    })
}

/// Escapes text for XML and HTML.
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Rough width in pixels of `text` at SVG font size `px` (sans-serif averages ~0.58 em).
pub(crate) fn text_width(text: &str, px: f64) -> i32 {
    (text.chars().count() as f64 * px * 0.58).ceil() as i32
}

/// Draws the title, a subtitle and a legend of the strategies at `series` (position,
/// name), each with a square of its colour; returns the area below them.
pub(crate) fn header<'a>(
    root: &Area<'a>,
    title: &str,
    subtitle: &str,
    series: &[(usize, String)],
) -> Draw<Area<'a>> {
    legend_header(root, title, subtitle, series, 14, &|area, (x, y), i| {
        area.draw(&Rectangle::new(
            [(x, y - 6), (x + 14, y + 6)],
            color(i).filled(),
        ))?;
        Ok(())
    })
}

/// `header` with each strategy's line sample (colour, dash pattern and marker: `styles`)
/// in the legend, for charts that tell overlapping lines apart by their style.
pub(crate) fn header_lines<'a>(
    root: &Area<'a>,
    title: &str,
    subtitle: &str,
    series: &[(usize, String)],
) -> Draw<Area<'a>> {
    legend_header(
        root,
        title,
        subtitle,
        series,
        styles::SWATCH_W,
        &styles::swatch,
    )
}

/// Draws a legend entry's sample at its left end and vertical middle for a strategy position.
type Swatch<'a> = dyn Fn(&Area<'a>, (i32, i32), usize) -> Draw;

/// Draws the title, subtitle and legend, each entry a `swatch_w` pixels wide sample drawn by
/// `swatch` (at its left end and vertical middle) and the name.
fn legend_header<'a>(
    root: &Area<'a>,
    title: &str,
    subtitle: &str,
    series: &[(usize, String)],
    swatch_w: i32,
    swatch: &Swatch<'a>,
) -> Draw<Area<'a>> {
    let (width, _) = root.dim_in_pixel();
    root.draw(&Text::new(
        title.to_string(),
        (16, 12),
        (FONT, 24).into_font().style(FontStyle::Bold),
    ))?;
    let mut y = 42;
    if !subtitle.is_empty() {
        root.draw(&Text::new(
            subtitle.to_string(),
            (16, y),
            (FONT, 16).into_font().color(&GREY),
        ))?;
        y += 22;
    }
    let mut x = 16;
    if !series.is_empty() {
        y += 4;
        for (i, name) in series {
            let w = swatch_w + 6 + text_width(name, 13.0) + 22;
            if x + w > width as i32 - 16 && x > 16 {
                x = 16;
                y += 20;
            }
            swatch(root, (x, y + 7), *i)?;
            root.draw(&Text::new(name.clone(), (x + swatch_w + 6, y), (FONT, 16)))?;
            x += w;
        }
        y += 22;
    }
    Ok(root.split_vertically(y + 6).1)
}

/// Draws a centred note in an empty panel.
pub(crate) fn empty_panel(area: &Area, caption: &str, note: &str) -> Draw {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Text::new(
        caption.to_string(),
        (w as i32 / 2, 16),
        (FONT, 18)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    area.draw(&Text::new(
        note.to_string(),
        (w as i32 / 2, h as i32 / 2),
        (FONT, 16)
            .into_font()
            .color(&GREY)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    Ok(())
}

/// A linear or logarithmic axis with explicit tick positions and no minor grid (plotters'
/// `WithKeyPoints` has no label formatter for `f64`; every axis here formats its labels).
pub(crate) struct Ticks {
    inner: Scale,
    ticks: Vec<f64>,
}

enum Scale {
    Lin(RangedCoordf64),
    Log(LogCoord<f64>),
}

impl Ranged for Ticks {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;

    fn range(&self) -> Range<f64> {
        match &self.inner {
            Scale::Lin(r) => r.range(),
            Scale::Log(r) => r.range(),
        }
    }

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        match &self.inner {
            Scale::Lin(r) => r.map(value, limit),
            Scale::Log(r) => r.map(value, limit),
        }
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }
}

/// A linear axis over `[lo, hi]` with ticks at `ticks` (those inside the range).
pub(crate) fn lin_axis(lo: f64, hi: f64, ticks: Vec<f64>) -> Ticks {
    let ticks = ticks.into_iter().filter(|t| *t >= lo && *t <= hi).collect();
    Ticks {
        inner: Scale::Lin((lo..hi).into()),
        ticks,
    }
}

/// A log axis over `[lo, hi]` (both > 0) with ticks at `ticks` (those inside the range).
pub(crate) fn log_axis(lo: f64, hi: f64, ticks: Vec<f64>) -> Ticks {
    let ticks = ticks.into_iter().filter(|t| *t >= lo && *t <= hi).collect();
    Ticks {
        inner: Scale::Log((lo..hi).log_scale().into()),
        ticks,
    }
}

/// Line widths that keep identical curves visible: drawn in order, a curve is as much wider
/// than 2 px as there are identical curves drawn after it (nested stripes).
pub(crate) fn stacked_widths(curves: &[Vec<(f64, f64)>]) -> Vec<u32> {
    nested_widths(curves, |a, b| a == b)
}

/// `stacked_widths` with `same` telling which curves would hide each other (e.g. within a
/// pixel of each other everywhere).
pub(crate) fn nested_widths<T>(curves: &[T], same: impl Fn(&T, &T) -> bool) -> Vec<u32> {
    (0..curves.len())
        .map(|i| {
            2 + 3 * curves[i + 1..]
                .iter()
                .filter(|c| same(c, &curves[i]))
                .count() as u32
        })
        .collect()
}

/// 1-2-5 ticks covering `[lo, hi]` for a log axis.
pub(crate) fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut out = Vec::new();
    let (e0, e1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    for e in e0..=e1 {
        for m in [1.0, 2.0, 5.0] {
            let v = m * 10f64.powi(e);
            if v >= lo * 0.999 && v <= hi * 1.001 {
                out.push(v);
            }
        }
    }
    if out.len() < 3 {
        out.clear();
        for e in e0..=e1 {
            for m in 1..10 {
                let v = m as f64 * 10f64.powi(e);
                if v >= lo * 0.999 && v <= hi * 1.001 {
                    out.push(v);
                }
            }
        }
    }
    out
}

/// "Nice" linear ticks (about `n`) covering `[lo, hi]`.
pub(crate) fn lin_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let span = (hi - lo).abs().max(1e-12);
    let raw = span / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let mut k = (lo / step).ceil() as i64;
    let mut out = Vec::new();
    while k as f64 * step <= hi + step * 1e-9 {
        out.push(k as f64 * step);
        k += 1;
    }
    out
}

/// A number with about three significant digits and no trailing zeros.
pub(crate) fn fmt_num(v: f64) -> String {
    let a = v.abs();
    let s = if a == 0.0 {
        return "0".into();
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a >= 0.01 {
        format!("{v:.3}")
    } else {
        return format!("{v:.1e}");
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

// ---------------------------------------------------------------------------------------
// Reading the JSON value leniently.

/// The value at a dotted path (`latency_ms.read.p99`).
pub(crate) fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// The number at a dotted path.
pub(crate) fn num(v: &Value, path: &str) -> Option<f64> {
    at(v, path)?.as_f64()
}

/// The string at a dotted path, or "".
pub(crate) fn text<'a>(v: &'a Value, path: &str) -> &'a str {
    at(v, path).and_then(Value::as_str).unwrap_or("")
}

/// The array at a dotted path, or empty.
pub(crate) fn list<'a>(v: &'a Value, path: &str) -> &'a [Value] {
    at(v, path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The strategies of a report, with their palette position.
pub(crate) fn strategies(report: &Value) -> impl Iterator<Item = (usize, &Value)> {
    list(report, "strategies").iter().enumerate()
}

/// (position, name) of every strategy of a report.
pub(crate) fn strategy_names(report: &Value) -> Vec<(usize, String)> {
    strategies(report)
        .map(|(i, s)| (i, text(s, "name").to_string()))
        .collect()
}

/// "scenario (seed N, D simulated s)", the subtitle of report charts.
pub(crate) fn run_label(report: &Value) -> String {
    let mut s = text(report, "scenario.name").to_string();
    if let Some(seed) = at(report, "seed").and_then(Value::as_u64) {
        s.push_str(&format!(" · seed {seed}"));
    }
    if let Some(d) = num(report, "duration_s") {
        s.push_str(&format!(" · {} simulated s", fmt_num(d)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_cover_the_range() {
        assert_eq!(
            log_ticks(2.5, 300.0),
            vec![5.0, 10.0, 20.0, 50.0, 100.0, 200.0]
        );
        let t = lin_ticks(0.0, 1.0, 5);
        assert_eq!(t.len(), 6);
        assert!((t[3] - 0.6).abs() < 1e-12);
        assert_eq!(fmt_num(91.292), "91.3");
        assert_eq!(fmt_num(3.0), "3");
        assert_eq!(fmt_num(0.5), "0.5");
        assert_eq!(fmt_num(1234.4), "1234");
    }

    #[test]
    fn palette_hex_matches_svg_colours() {
        assert_eq!(color_hex(0), "#1F77B4");
        assert_eq!(color_hex(10), "#1F77B4");
    }
}
