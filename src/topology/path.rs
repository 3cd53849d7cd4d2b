//! The path model of derived links: where the fibre between two points runs, and how long a
//! message takes along it.
//!
//! A message leaves its region, reaches the backbone over land (to every hub of its own
//! landmass within `ATTACH_KM`, or the nearest hub), follows terrestrial and submarine
//! segments between hubs (`hubs::SEGMENTS`) and leaves the backbone the same way; two regions
//! on one landmass within `ATTACH_KM` of each other may also be joined directly. The
//! lowest-latency such path (petgraph's A* with a zero heuristic, i.e. Dijkstra) gives the
//! median one-way latency:
//!
//! ```text
//! 2 x endpoint_ms + sum over segments of km x 4.897 us/km x inflation(kind)
//!                 + SEA_CROSSING_MS per submarine segment
//! ```
//!
//! Symmetric, and never below the fibre floor: the path is at least the great circle and
//! both inflations are >= 1. docs/network.md ("The path model") explains each parameter.
//!
//! Must not import anything from the crate but `topology` (its parent) and `hubs`.

use petgraph::algo::astar;
use petgraph::graph::{NodeIndex, UnGraph};

use super::hubs::{Kind, Land, HUBS, SEGMENTS};
use super::{fibre_floor_ms, great_circle_km};

/// Default one-way cost of each end (host, hypervisor, region fabric and the metro path
/// to the backbone), in ms: fitted on the AWS round trips (docs/network.md).
pub const DEFAULT_ENDPOINT_MS: f64 = 1.5;
/// Default inflation of terrestrial segments over their great circle: fitted.
pub const DEFAULT_LAND_INFLATION: f64 = 1.5;
/// Default inflation of submarine segments over their great circle: fitted.
pub const DEFAULT_SEA_INFLATION: f64 = 1.15;
/// Fixed one-way cost of each submarine segment in ms: the terrestrial backhaul between
/// the landing stations and the hub cities at both ends (about 400 km of fibre in all).
/// An assumption, not fitted.
pub const SEA_CROSSING_MS: f64 = 2.0;
/// A region reaches the hubs of its landmass within this distance (km) over land, and
/// another region of its landmass within it directly. An assumption, not fitted.
pub const ATTACH_KM: f64 = 1000.0;

/// The fitted parameters of the path model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PathParams {
    /// One-way cost of each end, ms (>= 0).
    pub endpoint_ms: f64,
    /// Inflation of terrestrial segments (>= 1).
    pub land_inflation: f64,
    /// Inflation of submarine segments (>= 1).
    pub sea_inflation: f64,
}

impl Default for PathParams {
    fn default() -> Self {
        PathParams {
            endpoint_ms: DEFAULT_ENDPOINT_MS,
            land_inflation: DEFAULT_LAND_INFLATION,
            sea_inflation: DEFAULT_SEA_INFLATION,
        }
    }
}

/// The path between two points and its median one-way latency.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    /// Median one-way latency in ms.
    pub one_way_ms: f64,
    /// The hubs passed through, in order (empty for a direct terrestrial path).
    pub hubs: Vec<&'static str>,
    /// The points of the path as (lat, lon), both ends included.
    pub points: Vec<(f64, f64)>,
    /// Length of the path in km (the sum of its segments' great circles).
    pub km: f64,
}

/// The backbone graph with its parameters; routes any two points.
#[derive(Clone, Debug)]
pub struct PathModel {
    params: PathParams,
    /// Hubs are nodes 0..HUBS.len(); edges carry (km, kind).
    graph: UnGraph<(), (f64, Kind)>,
}

impl Default for PathModel {
    fn default() -> Self {
        PathModel::new(PathParams::default())
    }
}

fn hub_index(name: &str) -> usize {
    HUBS.iter()
        .position(|h| h.name == name)
        .unwrap_or_else(|| panic!("segment names unknown hub `{name}`"))
}

impl PathModel {
    /// The backbone with these parameters.
    pub fn new(params: PathParams) -> PathModel {
        let mut graph = UnGraph::with_capacity(HUBS.len() + 2, SEGMENTS.len() + 32);
        for _ in HUBS {
            graph.add_node(());
        }
        for &(a, b, kind) in SEGMENTS {
            let (ha, hb) = (&HUBS[hub_index(a)], &HUBS[hub_index(b)]);
            let km = great_circle_km(ha.lat, ha.lon, hb.lat, hb.lon);
            graph.add_edge(
                NodeIndex::new(hub_index(a)),
                NodeIndex::new(hub_index(b)),
                (km, kind),
            );
        }
        PathModel { params, graph }
    }

    /// The parameters.
    pub fn params(&self) -> PathParams {
        self.params
    }

    fn cost(&self, km: f64, kind: Kind) -> f64 {
        match kind {
            Kind::Land => fibre_floor_ms(km) * self.params.land_inflation,
            Kind::Sea => fibre_floor_ms(km) * self.params.sea_inflation + SEA_CROSSING_MS,
        }
    }

    /// The lowest-latency path from `a` to `b` (each (lat, lon) in degrees).
    pub fn route(&self, a: (f64, f64), b: (f64, f64)) -> Path {
        let mut g = self.graph.clone();
        let na = g.add_node(());
        let nb = g.add_node(());
        let land_a = attach(&mut g, na, a);
        let land_b = attach(&mut g, nb, b);
        let direct = great_circle_km(a.0, a.1, b.0, b.1);
        if land_a == land_b && direct <= ATTACH_KM {
            g.add_edge(na, nb, (direct, Kind::Land));
        }
        let (cost, nodes) = astar(
            &g,
            na,
            |n| n == nb,
            |e| self.cost(e.weight().0, e.weight().1),
            |_| 0.0,
        )
        .expect("every point reaches the backbone, and the backbone is connected");
        let point = |n: NodeIndex| {
            if n == na {
                a
            } else if n == nb {
                b
            } else {
                (HUBS[n.index()].lat, HUBS[n.index()].lon)
            }
        };
        let points: Vec<(f64, f64)> = nodes.iter().map(|&n| point(n)).collect();
        let km = points
            .windows(2)
            .map(|w| great_circle_km(w[0].0, w[0].1, w[1].0, w[1].1))
            .sum();
        Path {
            one_way_ms: 2.0 * self.params.endpoint_ms + cost,
            hubs: nodes
                .iter()
                .filter(|&&n| n != na && n != nb)
                .map(|n| HUBS[n.index()].name)
                .collect(),
            points,
            km,
        }
    }
}

/// Joins the point `p` (node `n`) to the backbone over land: every hub of its landmass (that
/// of its nearest hub) within `ATTACH_KM`, and its nearest hub in any case. Its landmass.
fn attach(g: &mut UnGraph<(), (f64, Kind)>, n: NodeIndex, p: (f64, f64)) -> Land {
    let km: Vec<f64> = HUBS
        .iter()
        .map(|h| great_circle_km(p.0, p.1, h.lat, h.lon))
        .collect();
    let nearest = (0..HUBS.len())
        .min_by(|&i, &j| km[i].total_cmp(&km[j]))
        .expect("hubs");
    let land = HUBS[nearest].land;
    for (i, h) in HUBS.iter().enumerate() {
        if i == nearest || (h.land == land && km[i] <= ATTACH_KM) {
            g.add_edge(n, NodeIndex::new(i), (km[i], Kind::Land));
        }
    }
    land
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_segment_names_a_hub_and_the_backbone_is_connected() {
        let m = PathModel::default();
        assert_eq!(petgraph::algo::connected_components(&m.graph), 1);
        for h in HUBS {
            assert!(HUBS.iter().filter(|x| x.name == h.name).count() == 1);
        }
    }

    /// A path of one direct land segment: 2 x endpoint + km x floor x land inflation.
    #[test]
    fn a_short_direct_path_is_the_closed_form() {
        let m = PathModel::default();
        // Paris to Frankfurt-ish points 100 km apart on one landmass.
        let (a, b) = ((48.0, 5.0), (48.0, 6.344));
        let km = great_circle_km(a.0, a.1, b.0, b.1);
        let p = m.route(a, b);
        assert!(p.hubs.is_empty(), "{p:?}");
        let want = 2.0 * 1.5 + km * 4.897e-3 * 1.5;
        assert!(
            (p.one_way_ms - want).abs() < 1e-9,
            "{} vs {want}",
            p.one_way_ms
        );
    }

    /// Europe <-> Japan does not cross Russia; South America <-> Asia goes through the US.
    #[test]
    fn routes_go_the_way_cables_go() {
        let m = PathModel::default();
        let frankfurt = (50.11, 8.68);
        let tokyo = (35.68, 139.65);
        let sao_paulo = (-23.55, -46.63);
        let mumbai = (19.08, 72.88);
        let p = m.route(frankfurt, tokyo);
        assert!(
            p.km > 1.6 * great_circle_km(50.11, 8.68, 35.68, 139.65),
            "{p:?}"
        );
        let p = m.route(sao_paulo, mumbai);
        assert!(p.hubs.contains(&"New York"), "{p:?}");
        // Symmetric.
        let q = m.route(mumbai, sao_paulo);
        assert!((p.one_way_ms - q.one_way_ms).abs() < 1e-9);
    }
}
