//! The map of a scenario: regions at their coordinates on an equirectangular projection
//! with a latitude/longitude grid and coastlines, links drawn along great circles (derived
//! links along their paths through the backbone hubs) and
//! labelled with their median one-way latency. Drawn from the report's `topology` section.
//!
//! Coastlines: Natural Earth 1:110m land boundaries (public domain), rounded to 0.5 degrees,
//! in `coast.txt`.
//!
//! Must not import anything but the plot helpers, plotters and serde_json.

use std::collections::BTreeSet;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde_json::Value;

use super::{
    fmt_num, header, lin_axis, list, num, render, run_label, text, Chart, Draw, FONT, GREY,
};

const COAST: &str = include_str!("coast.txt");
const OCEAN: RGBColor = RGBColor(0xee, 0xf3, 0xf8);
const LAND: RGBColor = RGBColor(0xb4, 0xbe, 0xc8);
const LINK: RGBColor = RGBColor(0x34, 0x49, 0x5e);
const REGION: RGBColor = RGBColor(0x11, 0x18, 0x27);
/// Plot width in pixels; the height follows from the view so a degree is square.
const WIDTH: u32 = 1200;
const PLOT_W: f64 = 1200.0 - 2.0 * 14.0 - 60.0;

struct Place {
    name: String,
    jurisdiction: String,
    lat: f64,
    lon: f64,
}

/// A label's anchor, vertical pixel offset, pixel box and number of overlaps.
type Placement = ((f64, f64), i32, [i32; 4], usize);

struct Link {
    /// Great-circle points (lon, lat) with unwrapped longitude (may leave [-180, 180]).
    path: Vec<(f64, f64)>,
    /// The route's stops (lat, lon): its two regions and the backbone hubs between.
    stops: Vec<(f64, f64)>,
    explicit: bool,
    label: String,
}

/// Whether two pixel boxes `[x0, y0, x1, y1]` overlap.
fn meet(a: &[i32; 4], b: &[i32; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

/// Pixels between two links drawn side by side where their routes share a stretch.
const SPREAD_PX: f64 = 4.0;

/// Links whose routes share a stretch (two consecutive stops: regions or backbone hubs) with
/// an earlier link are drawn beside it, not on top of it: each takes the first lane (0, then
/// +1, -1, +2, -2 ... times `SPREAD_PX`) that no earlier link sharing a stretch with it
/// uses. `deg_per_px`: the view's scale (degrees are square).
fn spread(links: &mut [Link], deg_per_px: f64) {
    type Stop = (i64, i64);
    let key = |(lat, lon): (f64, f64)| -> Stop {
        (
            (lat * 100.0).round() as i64,
            (wrap(lon) * 100.0).round() as i64,
        )
    };
    let stretches: Vec<BTreeSet<(Stop, Stop)>> = links
        .iter()
        .map(|l| {
            l.stops
                .windows(2)
                .map(|w| {
                    let (a, b) = (key(w[0]), key(w[1]));
                    (a.min(b), a.max(b))
                })
                .collect()
        })
        .collect();
    let mut lanes: Vec<i32> = Vec::with_capacity(links.len());
    for (i, mine) in stretches.iter().enumerate() {
        let taken: BTreeSet<i32> = (0..i)
            .filter(|&j| !stretches[j].is_disjoint(mine))
            .map(|j| lanes[j])
            .collect();
        let lane = (0..)
            .map(|k: i32| if k % 2 == 1 { k / 2 + 1 } else { -(k / 2) })
            .find(|l| !taken.contains(l))
            .unwrap_or(0);
        lanes.push(lane);
        if lane != 0 {
            sideways(&mut links[i].path, lane as f64 * SPREAD_PX * deg_per_px);
        }
    }
}

/// `path` (lon, lat) moved `d` degrees sideways: to the left of its direction when it runs
/// west to east, to the right when it runs east to west (so that a stretch travelled either
/// way moves to the same side).
fn sideways(path: &mut [(f64, f64)], d: f64) {
    let n = path.len();
    if n < 2 {
        return;
    }
    let d = if path[n - 1].0 >= path[0].0 { d } else { -d };
    let before = path.to_vec();
    for (i, p) in path.iter_mut().enumerate() {
        let (a, b) = (before[i.saturating_sub(1)], before[(i + 1).min(n - 1)]);
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = (dx * dx + dy * dy).sqrt();
        if len > 1e-12 {
            p.0 -= d * dy / len;
            p.1 += d * dx / len;
        }
    }
}

/// Points along the great circle from `a` to `b`, as (lon, lat), longitude unwrapped so the
/// path is continuous.
fn great_circle(a: (f64, f64), b: (f64, f64), steps: usize) -> Vec<(f64, f64)> {
    let v = |(lat, lon): (f64, f64)| {
        let (p, l) = (lat.to_radians(), lon.to_radians());
        [p.cos() * l.cos(), p.cos() * l.sin(), p.sin()]
    };
    let (p, q) = (v(a), v(b));
    let dot = (p[0] * q[0] + p[1] * q[1] + p[2] * q[2]).clamp(-1.0, 1.0);
    let omega = dot.acos();
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(steps + 1);
    for k in 0..=steps {
        let t = k as f64 / steps as f64;
        let (wa, wb) = if omega < 1e-9 {
            (1.0 - t, t)
        } else {
            (
                ((1.0 - t) * omega).sin() / omega.sin(),
                (t * omega).sin() / omega.sin(),
            )
        };
        let r: Vec<f64> = (0..3).map(|i| wa * p[i] + wb * q[i]).collect();
        let lat = r[2].atan2((r[0] * r[0] + r[1] * r[1]).sqrt()).to_degrees();
        let mut lon = r[1].atan2(r[0]).to_degrees();
        if let Some(&(prev, _)) = out.last() {
            while lon - prev > 180.0 {
                lon -= 360.0;
            }
            while lon - prev < -180.0 {
                lon += 360.0;
            }
        }
        out.push((lon, lat));
    }
    out
}

/// A longitude in [-180, 180].
/// Points along great circles through `points` (lat, lon), as (lon, lat), longitude
/// unwrapped across the whole path.
fn routed(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let steps = if points.len() > 2 { 24 } else { 64 };
    let mut out: Vec<(f64, f64)> = vec![];
    for w in points.windows(2) {
        let mut piece = great_circle(w[0], w[1], steps);
        if let Some(&(prev, _)) = out.last() {
            let shift = ((prev - piece[0].0) / 360.0).round() * 360.0;
            for p in &mut piece {
                p.0 += shift;
            }
            piece.remove(0);
        }
        out.extend(piece);
    }
    out
}

fn wrap(lon: f64) -> f64 {
    (lon + 180.0).rem_euclid(360.0) - 180.0
}

/// Splits a path into pieces drawn inside the view: wrapped longitudes, broken at the
/// antimeridian and where points leave the view.
fn pieces(path: &[(f64, f64)], view: &View) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    for &(lon, lat) in path {
        let p = (wrap(lon), lat);
        let jump = cur.last().is_some_and(|q| (q.0 - p.0).abs() > 180.0);
        if jump || !view.contains(p) {
            if cur.len() > 1 {
                out.push(std::mem::take(&mut cur));
            }
            cur.clear();
        }
        if view.contains(p) {
            cur.push(p);
        }
    }
    if cur.len() > 1 {
        out.push(cur);
    }
    out
}

/// The visible window in degrees.
struct View {
    lon: (f64, f64),
    lat: (f64, f64),
}

impl View {
    fn contains(&self, (lon, lat): (f64, f64)) -> bool {
        lon >= self.lon.0 && lon <= self.lon.1 && lat >= self.lat.0 && lat <= self.lat.1
    }

    /// Plot height in pixels that keeps degrees square at `PLOT_W`.
    fn plot_h(&self) -> f64 {
        PLOT_W * (self.lat.1 - self.lat.0) / (self.lon.1 - self.lon.0)
    }
}

fn widen(range: (f64, f64), span: f64, limit: (f64, f64)) -> (f64, f64) {
    let span = span.min(limit.1 - limit.0);
    let mid = (range.0 + range.1) / 2.0;
    let lo = (mid - span / 2.0).max(limit.0).min(limit.1 - span);
    (lo, lo + span)
}

/// The view holding every region and link, padded, with a plot height of 280..620 px.
fn view_of(places: &[Place], links: &[Link]) -> View {
    let wraps = links
        .iter()
        .any(|l| l.path.iter().any(|p| p.0 < -180.0 || p.0 > 180.0));
    let pts = places
        .iter()
        .map(|p| (p.lon, p.lat))
        .chain(links.iter().flat_map(|l| l.path.iter().copied()));
    let (mut lon, mut lat) = ((f64::MAX, f64::MIN), (f64::MAX, f64::MIN));
    for (x, y) in pts {
        let x = wrap(x);
        lon = (lon.0.min(x), lon.1.max(x));
        lat = (lat.0.min(y), lat.1.max(y));
    }
    let lon = if wraps {
        (-180.0, 180.0)
    } else {
        ((lon.0 - 20.0).max(-180.0), (lon.1 + 20.0).min(180.0))
    };
    let lat = ((lat.0 - 12.0).max(-90.0), (lat.1 + 12.0).min(90.0));
    let mut view = View {
        lon: widen(lon, (lon.1 - lon.0).max(70.0), (-180.0, 180.0)),
        lat: widen(lat, (lat.1 - lat.0).max(35.0), (-90.0, 90.0)),
    };
    let (min_h, max_h) = (280.0, 620.0);
    if view.plot_h() > max_h {
        let span = (view.lat.1 - view.lat.0) * PLOT_W / max_h;
        view.lon = widen(view.lon, span, (-180.0, 180.0));
    } else if view.plot_h() < min_h {
        let span = (view.lon.1 - view.lon.0) * min_h / PLOT_W;
        view.lat = widen(view.lat, span, (-90.0, 90.0));
    }
    view
}

fn coastlines() -> impl Iterator<Item = Vec<(f64, f64)>> {
    COAST
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            l.split_whitespace()
                .filter_map(|p| {
                    let (x, y) = p.split_once(',')?;
                    Some((x.parse().ok()?, y.parse().ok()?))
                })
                .collect()
        })
}

fn ms_label(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

fn grid_step(span: f64) -> f64 {
    match span {
        s if s > 200.0 => 30.0,
        s if s > 90.0 => 20.0,
        s if s > 40.0 => 10.0,
        _ => 5.0,
    }
}

fn ticks(range: (f64, f64), step: f64) -> Vec<f64> {
    let mut k = (range.0 / step).ceil() as i64;
    let mut out = Vec::new();
    while k as f64 * step <= range.1 + 1e-9 {
        out.push(k as f64 * step);
        k += 1;
    }
    out
}

fn degrees(v: f64, pos: char, neg: char) -> String {
    match v {
        0.0 => "0°".into(),
        v if v > 0.0 => format!("{}°{pos}", fmt_num(v)),
        v => format!("{}°{neg}", fmt_num(-v)),
    }
}

/// The map, or `None` when the report has no `topology` section.
pub(super) fn map(report: &Value) -> Draw<Option<Chart>> {
    let places: Vec<Place> = list(report, "topology.regions")
        .iter()
        .filter_map(|r| {
            Some(Place {
                name: text(r, "name").to_string(),
                jurisdiction: text(r, "jurisdiction").to_string(),
                lat: num(r, "lat")?,
                lon: num(r, "lon")?,
            })
        })
        .collect();
    if places.is_empty() {
        return Ok(None);
    }
    let find = |name: &str| places.iter().find(|p| p.name == name);
    let links: Vec<Link> = list(report, "topology.links")
        .iter()
        .filter_map(|l| {
            let (a, b) = (find(text(l, "a"))?, find(text(l, "b"))?);
            let ms = num(l, "one_way_ms")?;
            let back = num(l, "back_ms").unwrap_or(ms);
            let label = if (ms - back).abs() > 0.01 * ms.max(back) {
                format!("{} / {} ms", ms_label(ms), ms_label(back))
            } else {
                format!("{} ms", ms_label(ms))
            };
            // A derived link follows its path through the backbone hubs; others the great circle.
            let mut points = vec![(a.lat, a.lon)];
            for h in list(l, "via") {
                points.push((num(h, "lat")?, num(h, "lon")?));
            }
            points.push((b.lat, b.lon));
            Some(Link {
                path: routed(&points),
                stops: points,
                explicit: l.get("explicit").and_then(Value::as_bool).unwrap_or(false),
                label,
            })
        })
        .collect();
    let view = view_of(&places, &links);
    let mut links = links;
    spread(&mut links, (view.lon.1 - view.lon.0) / PLOT_W);
    let height = view.plot_h().round() as u32 + 44 + 28 + 110;
    let explicit = links.iter().filter(|l| l.explicit).count();
    let kinds = match (explicit, links.len() - explicit) {
        (0, 0) => "no links".to_string(),
        (0, _) => "dashed: links derived from geography".to_string(),
        (_, 0) => "solid: links given in the scenario".to_string(),
        _ => "solid: links given in the scenario · dashed: derived from geography".to_string(),
    };
    let subtitle = format!(
        "{} · median one-way latency per link · {kinds}",
        run_label(report)
    );
    let title = "Regions and links";
    let chart = render("map", title, (WIDTH, height), places.len(), |root| {
        let area = header(root, title, &subtitle, &[])?;
        let (lon_step, lat_step) = (
            grid_step(view.lon.1 - view.lon.0),
            grid_step(view.lat.1 - view.lat.0),
        );
        let mut chart = ChartBuilder::on(&area)
            .margin(14)
            .margin_right(46)
            .x_label_area_size(28)
            .y_label_area_size(60)
            .build_cartesian_2d(
                lin_axis(view.lon.0, view.lon.1, ticks(view.lon, lon_step)),
                lin_axis(view.lat.0, view.lat.1, ticks(view.lat, lat_step)),
            )?;
        chart.plotting_area().fill(&OCEAN)?;
        chart
            .configure_mesh()
            .x_label_formatter(&|x| degrees(*x, 'E', 'W'))
            .y_label_formatter(&|y| degrees(*y, 'N', 'S'))
            .bold_line_style(WHITE.stroke_width(1))
            .label_style((FONT, 14).into_font().color(&GREY))
            .draw()?;
        for coast in coastlines() {
            for piece in pieces(&coast, &view) {
                chart.draw_series(LineSeries::new(piece, LAND.stroke_width(1)))?;
            }
        }
        // Many links: thinner and lighter, so the labels stay readable.
        let style = if links.len() > 10 {
            LINK.mix(0.65).stroke_width(1)
        } else {
            LINK.mix(0.8).stroke_width(2)
        };
        for link in &links {
            for piece in pieces(&link.path, &view) {
                if link.explicit {
                    chart.draw_series(LineSeries::new(piece, style))?;
                } else {
                    chart.draw_series(DashedLineSeries::new(piece, 7, 5, style))?;
                }
            }
        }
        // Labels: regions first (fixed, right of their dot), then each link's label at the
        // first point along its path where it overlaps nothing placed before.
        let mut placed: Vec<[i32; 4]> = Vec::new();
        let region_labels: Vec<String> = places
            .iter()
            .map(|p| {
                if p.jurisdiction.is_empty() {
                    p.name.clone()
                } else {
                    format!("{} ({})", p.name, p.jurisdiction)
                }
            })
            .collect();
        // A region's label goes on the side of its dot (right above first, then right below,
        // left above, left below) that stays inside the plot and crosses the fewest link
        // points (its own link's first leg to a hub nearby, say).
        let (xs, ys) = chart.plotting_area().get_pixel_range();
        let link_px: Vec<(i32, i32)> = links
            .iter()
            .flat_map(|l| l.path.iter())
            .map(|&(lon, lat)| (wrap(lon), lat))
            .filter(|&q| view.contains(q))
            .map(|q| chart.backend_coord(&q))
            .collect();
        // Boxes taken so far: every dot, then each label as it is placed (a label over another
        // label or a dot counts far more than a line through it).
        let mut taken: Vec<[i32; 4]> = places
            .iter()
            .map(|p| {
                let (x, y) = chart.backend_coord(&(p.lon, p.lat));
                [x - 8, y - 8, x + 8, y + 8]
            })
            .collect();
        let mut label_at: Vec<(i32, i32)> = Vec::with_capacity(places.len());
        for (p, label) in places.iter().zip(&region_labels) {
            let (x, y) = chart.backend_coord(&(p.lon, p.lat));
            let w = super::text_width(label, 13.5);
            let boxed = |(dx, dy): (i32, i32)| [x + dx, y + dy, x + dx + w, y + dy + 16];
            let cost = |&(dx, dy): &(i32, i32)| {
                let b = boxed((dx, dy));
                let lines = link_px
                    .iter()
                    .filter(|&&(px, py)| b[0] <= px && px <= b[2] && b[1] <= py && py <= b[3])
                    .count();
                let hits = taken.iter().filter(|o| meet(&b, o)).count();
                hits * 1000 + lines
            };
            let at = [(9, -18), (9, 2), (-9 - w, -18), (-9 - w, 2)]
                .into_iter()
                .filter(|&(dx, dy)| {
                    x + dx >= xs.start && x + dx + w <= xs.end && y + dy >= ys.start
                })
                .min_by_key(cost)
                .unwrap_or((9, -18));
            taken.push(boxed(at));
            label_at.push(at);
        }
        for ((p, label), &(dx, dy)) in places.iter().zip(&region_labels).zip(&label_at) {
            let (x, y) = chart.backend_coord(&(p.lon, p.lat));
            placed.push([x - 8, y - 8, x + 8, y + 8]);
            placed.push([
                x + dx,
                y + dy,
                x + dx + super::text_width(label, 13.5),
                y + dy + 16,
            ]);
        }
        let overlaps =
            |b: &[i32; 4], placed: &[[i32; 4]]| placed.iter().filter(|o| meet(b, o)).count();
        for link in &links {
            let w = super::text_width(&link.label, 11.5) / 2 + 4;
            let n = link.path.len() - 1;
            // (anchor, vertical offset, box, overlaps) of the best place so far.
            let mut best: Option<Placement> = None;
            // Along the path first; beside its middle (short links) last.
            let candidates = [0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78]
                .map(|t| (t, 0))
                .into_iter()
                .chain([(0.5, 20), (0.5, -20), (0.5, 38), (0.5, -38)]);
            for (t, dy) in candidates {
                let q = link.path[(t * n as f64).round() as usize];
                let q = (wrap(q.0), q.1);
                if !view.contains(q) {
                    continue;
                }
                let (x, y) = chart.backend_coord(&q);
                let b = [x - w, y + dy - 9, x + w, y + dy + 9];
                let k = overlaps(&b, &placed);
                if best.as_ref().is_none_or(|(_, _, _, bk)| k < *bk) {
                    best = Some((q, dy, b, k));
                }
                if k == 0 {
                    break;
                }
            }
            let Some((q, dy, b, _)) = best else {
                continue;
            };
            placed.push(b);
            chart.draw_series([EmptyElement::at(q)
                + Rectangle::new([(-w, dy - 9), (w, dy + 9)], WHITE.mix(0.85).filled())
                + Text::new(
                    link.label.clone(),
                    (0, dy),
                    (FONT, 14)
                        .into_font()
                        .color(&LINK)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                )])?;
        }
        for ((p, label), (dx, dy)) in places.iter().zip(region_labels).zip(label_at) {
            chart.draw_series([EmptyElement::at((p.lon, p.lat))
                + Circle::new((0, 0), 6, REGION.filled())
                + Circle::new((0, 0), 6, WHITE.stroke_width(2))
                + Text::new(
                    label,
                    (dx, dy),
                    (FONT, 16).into_font().style(FontStyle::Bold).color(&REGION),
                )])?;
        }
        Ok(())
    })?;
    Ok(Some(chart))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn great_circle_ends_at_both_regions_and_unwraps() {
        // Tokyo to Oregon crosses the antimeridian: the path stays continuous.
        let path = great_circle((35.7, 139.7), (45.8, -119.7), 32);
        assert!((path[0].0 - 139.7).abs() < 1e-6 && (path[0].1 - 35.7).abs() < 1e-6);
        let last = path[path.len() - 1];
        assert!((wrap(last.0) + 119.7).abs() < 1e-6 && (last.1 - 45.8).abs() < 1e-6);
        assert!(path.windows(2).all(|w| (w[1].0 - w[0].0).abs() < 20.0));
        assert!(path.iter().any(|p| p.0 > 180.0));
    }

    #[test]
    fn routed_paths_pass_through_their_hubs_and_stay_continuous() {
        // Tokyo -> Seattle -> New York: crosses the antimeridian, then over land.
        let pts = [(35.7, 139.7), (47.6, -122.3), (40.7, -74.0)];
        let path = routed(&pts);
        assert_eq!(path.len(), 2 * 24 + 1);
        assert!(
            (path[24].0 - (360.0 - 122.3)).abs() < 1e-6,
            "{:?}",
            path[24]
        );
        assert!((path[48].0 - (360.0 - 74.0)).abs() < 1e-6, "{:?}", path[48]);
        assert!(path.windows(2).all(|w| (w[1].0 - w[0].0).abs() < 20.0));
    }

    /// Routes that share a stretch get different lanes; a route sharing none stays on its
    /// line; a path moved sideways keeps its length and moves by the distance asked.
    #[test]
    fn links_sharing_a_stretch_are_drawn_side_by_side() {
        let link = |stops: &[(f64, f64)]| Link {
            path: routed(stops),
            stops: stops.to_vec(),
            explicit: false,
            label: String::new(),
        };
        let (a, hub, b, far) = ((45.0, -122.0), (41.9, -87.6), (40.7, -74.0), (-33.9, 151.2));
        let mut links = vec![
            link(&[a, hub, b]),
            link(&[a, hub, (53.3, -6.3)]),
            link(&[far, (-36.8, 174.8)]),
        ];
        let before: Vec<Vec<(f64, f64)>> = links.iter().map(|l| l.path.clone()).collect();
        spread(&mut links, 0.1);
        assert_eq!(links[0].path, before[0], "the first keeps its line");
        assert_eq!(
            links[2].path, before[2],
            "a route sharing nothing keeps its line"
        );
        let moved: Vec<f64> = links[1]
            .path
            .iter()
            .zip(&before[1])
            .map(|(p, q)| ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt())
            .collect();
        assert!(moved.iter().all(|m| (m - 0.4).abs() < 1e-9), "{moved:?}");
        // West to east, lane +1 is to the left: north of an eastward stretch.
        let mut east = vec![(0.0, 0.0), (1.0, 0.0)];
        sideways(&mut east, 0.5);
        assert_eq!(east, vec![(0.0, 0.5), (1.0, 0.5)]);
        let mut west = vec![(1.0, 0.0), (0.0, 0.0)];
        sideways(&mut west, 0.5);
        assert_eq!(
            west,
            vec![(1.0, 0.5), (0.0, 0.5)],
            "the same side either way"
        );
    }

    #[test]
    fn coastlines_parse() {
        let lines: Vec<_> = coastlines().collect();
        assert!(lines.len() > 100);
        assert!(lines.iter().all(|l| l.len() >= 2));
    }
}
