//! A measured latency matrix (`[network] matrix`): each row between two regions of the
//! scenario becomes a directed explicit link (one way = round trip / 2, a distribution fitted
//! through the given percentiles), each `from == to` row the region's access latency. Every
//! problem names `file:line`.
//!
//! Must not import the engine, the world, metrics or report.

use std::collections::BTreeMap;

use super::{Checker, Known};
use crate::catalogue;
use crate::latency::LatencyDist;
use crate::scenario::matrix::{Matrix, MatrixRow};
use crate::scenario::spec::ScenarioSpec;
use crate::scenario::suggest;
use crate::topology::{
    fibre_floor_ms, great_circle_km, NetworkModel, RegionId, Variation, WanLink, INTRA_P99_OVER_P50,
};

/// Where a name of the matrix is: a region of the scenario, or a catalogue region the
/// scenario does not use (its rows are checked, then left out).
enum End {
    Scenario(RegionId),
    Elsewhere,
}

/// The one-way distribution of a row: through the halved percentiles when the row gives its
/// tail, else the variation of derived links (`intra`: of the default access latency).
fn one_way(r: &MatrixRow, model: &NetworkModel, intra: bool) -> LatencyDist {
    let m = r.p50 / 2.0;
    match (r.tail, model.variation, intra) {
        (Some((p90, p99)), _, _) => LatencyDist::through_percentiles(m, p90 / 2.0, p99 / 2.0),
        (None, Variation::Constant, _) => LatencyDist::constant(m),
        (None, Variation::Lognormal, true) => LatencyDist::lognormal(m, m * INTRA_P99_OVER_P50),
        (None, Variation::Lognormal, false) => model.derived_link(m),
    }
}

/// The links of the matrix between regions of the scenario; sets the access latency of the
/// regions with a `from == to` row. `explicit` are the `[[links]]`, which a row may not repeat.
pub(super) fn matrix(
    c: &mut Checker,
    m: &Matrix,
    spec: &ScenarioSpec,
    known: &mut Known,
    model: &NetworkModel,
    explicit: &[WanLink],
) -> Vec<WanLink> {
    const FIELD: &str = "network.matrix";
    let mut links = Vec::new();
    let mut seen: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for r in &m.rows {
        let at = |msg: String| format!("{}:{}: {msg}", m.name, r.line);
        let mut ends = Vec::new();
        let mut coords = Vec::new();
        for name in [&r.from, &r.to] {
            if let Some(&id) = known.ids.get(name.as_str()) {
                let reg = &known.regions[id as usize];
                coords.push((reg.lat, reg.lon));
                ends.push(End::Scenario(id));
            } else if let Some(cat) = catalogue::find(name) {
                coords.push((cat.lat, cat.lon));
                ends.push(End::Elsewhere);
            } else {
                let names = known
                    .ids
                    .keys()
                    .copied()
                    .chain(catalogue::CATALOGUE.iter().map(|x| x.name));
                let hint = suggest::did_you_mean_region(name, names);
                c.bad(FIELD, at(format!("unknown region `{name}`{hint}")));
            }
        }
        if let Some(prev) = seen.insert((&r.from, &r.to), r.line) {
            c.bad(
                FIELD,
                at(format!(
                    "duplicate row `{}` -> `{}` (also line {prev})",
                    r.from, r.to
                )),
            );
            continue;
        }
        if let Some((p90, p99)) = r.tail {
            if p90 < r.p50 || p99 < p90 {
                c.bad(
                    FIELD,
                    at(format!(
                        "percentiles must not decrease: p50 {} ms, p90 {p90} ms, p99 {p99} ms{}",
                        r.p50,
                        if p99 < r.p50 { " (p99 < p50)" } else { "" }
                    )),
                );
                continue;
            }
        }
        let (Some(a), Some(b)) = (coords.first(), coords.get(1)) else {
            continue;
        };
        if r.from != r.to {
            let floor = 2.0 * fibre_floor_ms(great_circle_km(a.0, a.1, b.0, b.1));
            if r.p50 < floor {
                c.bad(
                    FIELD,
                    at(format!(
                        "round trip {} ms is below the fibre floor {floor:.3} ms between `{}` and `{}`",
                        r.p50, r.from, r.to
                    )),
                );
                continue;
            }
        } else if r.p50 <= 0.0 {
            c.bad(
                FIELD,
                at("an access round trip must be positive".to_string()),
            );
            continue;
        }
        let (End::Scenario(x), End::Scenario(y)) = (&ends[0], &ends[1]) else {
            continue;
        };
        let (x, y) = (*x, *y);
        if x == y {
            if spec.regions[x as usize].intra_ms.is_some() {
                c.bad(
                    FIELD,
                    at(format!(
                        "sets the access latency of `{}`, which regions[{x}].intra_ms also sets",
                        r.from
                    )),
                );
                continue;
            }
            known.regions[x as usize].intra = one_way(r, model, true);
            continue;
        }
        if explicit.iter().any(|l| l.from == x && l.to == y) {
            c.bad(
                FIELD,
                at(format!(
                    "`{}` -> `{}` also has a link in [[links]]",
                    r.from, r.to
                )),
            );
            continue;
        }
        links.push(WanLink {
            from: x,
            to: y,
            latency: one_way(r, model, false),
            explicit: true,
            fifo: model.fifo,
        });
    }
    links
}
