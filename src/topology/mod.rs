//! Geography and the wide-area network: regions, WAN links, routes and the fibre floor.
//!
//! Owns `Region`, `WanLink`, `NetworkModel` and `Topology`. Links live in a petgraph graph;
//! pairs without an explicit link either get a link derived from geography (median: the path
//! model of `path`, routed over the backbone hubs of `hubs`, or with `Derivation::GreatCircle`
//! great-circle distance x 4.897 us/km x route inflation + overhead; lognormal around it
//! unless `Variation::Constant`) or are reached over the lowest-median route of explicit
//! links (petgraph's Dijkstra). Also which region pairs are ordered channels (`fifo`: every
//! link of the route is). Every sampled hop is clamped to the
//! fibre floor of that hop, so no message ever arrives faster than light in fibre along its
//! path. Each ordered pair's draw is resolved once (`Draw`: a constant route, one lognormal
//! hop or access network, or the route walk), so sampling the common cases looks nothing up.
//!
//! Must not import the engine, workload, strategies, metrics or scenario (serde) types.

use petgraph::algo::dijkstra;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::latency::{lognormal_nanos, LatencyDist};
use crate::rng::SimRng;

pub mod hubs;
pub mod path;
#[cfg(test)]
mod tests;

pub use path::{Path, PathModel, PathParams};

/// Index of a region in its scenario (the order of `regions`).
pub type RegionId = u16;

/// Mean Earth radius in km (IUGG).
pub const EARTH_RADIUS_KM: f64 = 6371.0088;
/// One-way delay of light in fibre, microseconds per km (group index 1.468).
pub const FIBRE_US_PER_KM: f64 = 4.897;
/// Default route-inflation factor of `Derivation::GreatCircle`, calibrated on measured AWS
/// inter-region round trips.
pub const DEFAULT_ROUTE_INFLATION: f64 = 1.43;
/// Default fixed one-way overhead in ms of `Derivation::GreatCircle`, calibrated with
/// `DEFAULT_ROUTE_INFLATION`.
pub const DEFAULT_OVERHEAD_MS: f64 = 5.9;
/// Default intra-region one-way latency in ms (half the median AWS intra-region round trip).
pub const DEFAULT_INTRA_MS: f64 = 1.5;
/// With `Variation::Lognormal`: the p90 of a derived pair's round trip exceeds its median by
/// `WAN_RTT_P90_EXCESS_MS + WAN_RTT_P90_EXCESS_FRACTION x median` (fitted, least absolute
/// deviation, on 210 AWS pairs: cloudping.co p90 over one day against p50 over one year,
/// docs/network.md, "Variation").
pub const WAN_RTT_P90_EXCESS_MS: f64 = 1.4;
/// See `WAN_RTT_P90_EXCESS_MS`.
pub const WAN_RTT_P90_EXCESS_FRACTION: f64 = 0.0145;
/// With `Variation::Lognormal`: the 99th percentile of the default access latency (one way)
/// as a multiple of its median: lognormal sigma 0.605, so that a request's two independent
/// access legs have the median p90/p50 of the 21 measured AWS intra-region round trips, 1.77
/// (docs/network.md, "Variation").
pub const INTRA_P99_OVER_P50: f64 = 4.09;
/// 90th percentile of the standard normal distribution.
const Z90: f64 = 1.281_551_565_544_600_5;

/// With `Variation::Lognormal`: the 99th percentile of a derived link's one-way latency as a
/// multiple of its median `median_ms` (docs/network.md, "Variation"). The link's lognormal
/// sigma is sqrt 2 x that of the fitted round trip (a round trip is two independent draws),
/// ln(1 + `WAN_RTT_P90_EXCESS_FRACTION` + `WAN_RTT_P90_EXCESS_MS` / (2 `median_ms`)) / z90;
/// the p99 follows from the lognormal shape (no p99 table was available). Never wider than
/// the access latency's `INTRA_P99_OVER_P50`.
pub fn wan_p99_over_p50(median_ms: f64) -> f64 {
    if median_ms <= 0.0 {
        return 1.0;
    }
    let p90_over_p50 =
        1.0 + WAN_RTT_P90_EXCESS_FRACTION + WAN_RTT_P90_EXCESS_MS / (2.0 * median_ms);
    let sigma = std::f64::consts::SQRT_2 * p90_over_p50.ln() / Z90;
    (crate::latency::Z99 * sigma).exp().min(INTRA_P99_OVER_P50)
}

/// How derived links and the default access latency vary from message to message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variation {
    /// Lognormal through the model's median and a 99th percentile fitted on AWS measurements
    /// (`wan_p99_over_p50`, `INTRA_P99_OVER_P50`).
    Lognormal,
    /// Every message takes the median.
    Constant,
}

impl Variation {
    /// The access latency of a region whose scenario gives no `intra_ms`.
    pub fn default_intra(self) -> LatencyDist {
        match self {
            Variation::Lognormal => {
                LatencyDist::lognormal(DEFAULT_INTRA_MS, DEFAULT_INTRA_MS * INTRA_P99_OVER_P50)
            }
            Variation::Constant => LatencyDist::constant(DEFAULT_INTRA_MS),
        }
    }
}

/// A region: a place where a strategy may run servers and clients live.
#[derive(Clone, Debug)]
pub struct Region {
    /// Unique name.
    pub name: String,
    /// Latitude in degrees, [-90, 90].
    pub lat: f64,
    /// Longitude in degrees, [-180, 180].
    pub lon: f64,
    /// Legal jurisdiction label (e.g. "EU", "US").
    pub jurisdiction: String,
    /// One-way latency between a client and its region's servers, and inside the region.
    pub intra: LatencyDist,
}

/// A directed WAN link with a one-way latency distribution.
#[derive(Clone, Debug)]
pub struct WanLink {
    /// Source region.
    pub from: RegionId,
    /// Destination region.
    pub to: RegionId,
    /// One-way latency.
    pub latency: LatencyDist,
    /// True when given in the scenario, false when derived from geography.
    pub explicit: bool,
    /// True when a channel over this link delivers in send order (as over TCP); a route is
    /// ordered only when all its links are.
    pub fifo: bool,
}

/// What to do for region pairs without an explicit link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unlinked {
    /// Add a link derived from geography.
    Geo,
    /// Route over explicit links only.
    Route,
}

/// How the median of a derived link follows from geography.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Derivation {
    /// The path model: routed over the backbone hubs (`path`, the default).
    Hubs(PathParams),
    /// Great-circle distance x 4.897 us/km x `route_inflation` + `overhead_ms`.
    GreatCircle {
        /// Multiplier on the fibre floor for real routes (>= 1).
        route_inflation: f64,
        /// Fixed one-way overhead added to every derived link (ms).
        overhead_ms: f64,
    },
}

/// Settings of the geography-derived latency model.
#[derive(Clone, Debug)]
pub struct NetworkModel {
    /// How derived links' medians follow from geography.
    pub derivation: Derivation,
    /// Treatment of pairs without an explicit link.
    pub unlinked: Unlinked,
    /// Default ordering of channels: derived links and the access network take it; explicit
    /// links may override it.
    pub fifo: bool,
    /// Variation of derived links (and of the default access latency).
    pub variation: Variation,
}

impl Default for NetworkModel {
    fn default() -> Self {
        NetworkModel {
            derivation: Derivation::Hubs(PathParams::default()),
            unlinked: Unlinked::Geo,
            fifo: true,
            variation: Variation::Lognormal,
        }
    }
}

impl NetworkModel {
    /// The latency distribution of a derived link whose median is `median` ms.
    pub fn derived_link(&self, median: f64) -> LatencyDist {
        match self.variation {
            Variation::Lognormal => {
                LatencyDist::lognormal(median, median * wan_p99_over_p50(median))
            }
            Variation::Constant => LatencyDist::constant(median),
        }
    }

    /// The path model of `Derivation::Hubs` (built once per topology), or none.
    pub fn path_model(&self) -> Option<PathModel> {
        match self.derivation {
            Derivation::Hubs(p) => Some(PathModel::new(p)),
            Derivation::GreatCircle { .. } => None,
        }
    }

    /// The derived path between two points (lat, lon) and its median one-way latency; `pm`
    /// is `self.path_model()` (passed in so that many pairs share one backbone graph).
    pub fn derived_path(&self, pm: Option<&PathModel>, a: (f64, f64), b: (f64, f64)) -> Path {
        match (self.derivation, pm) {
            (Derivation::Hubs(_), Some(pm)) => pm.route(a, b),
            (Derivation::Hubs(p), None) => PathModel::new(p).route(a, b),
            (
                Derivation::GreatCircle {
                    route_inflation,
                    overhead_ms,
                },
                _,
            ) => {
                let km = great_circle_km(a.0, a.1, b.0, b.1);
                Path {
                    one_way_ms: fibre_floor_ms(km) * route_inflation + overhead_ms,
                    hubs: Vec::new(),
                    points: vec![a, b],
                    km,
                }
            }
        }
    }
}

/// Great-circle (haversine) distance in km between two points given in degrees.
pub fn great_circle_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// The one-way time light in fibre needs for `km`, in ms.
pub fn fibre_floor_ms(km: f64) -> f64 {
    km * FIBRE_US_PER_KM / 1000.0
}

/// The fibre floor for `km` in whole nanoseconds, rounded up (never optimistic).
pub fn fibre_floor_nanos(km: f64) -> u64 {
    (km * FIBRE_US_PER_KM * 1000.0).ceil() as u64
}

#[derive(Clone, Debug)]
struct Hop {
    link: usize,
    floor_ns: u64,
}

/// How one ordered pair's one-way delay is drawn, resolved once when the topology is built
/// so that the common cases (a constant route, a single lognormal hop, a lognormal access
/// network) take no route lookup and no match on a `LatencyDist`. Every variant draws
/// exactly what walking the route does: the same values from the same rng in the same order.
#[derive(Clone, Copy, Debug)]
enum Draw {
    /// Every hop constant: the clamped sum, in ns, drawn without touching the rng.
    Fixed(u64),
    /// One lognormal hop (or a lognormal access network, floor 0), clamped to `floor_ns`.
    LogNormal { mu: f64, sigma: f64, floor_ns: u64 },
    /// Anything else: walk the route (`Topology::walk`).
    Walk,
}

/// The regions, links and precomputed routes of a scenario.
#[derive(Clone, Debug)]
pub struct Topology {
    regions: Vec<Region>,
    links: Vec<WanLink>,
    graph: DiGraph<RegionId, usize>,
    /// For each ordered pair (from * n + to), a range into `hops`.
    routes: Vec<(u32, u32)>,
    hops: Vec<Hop>,
    median_ms: Vec<f64>,
    fifo: Vec<bool>,
    model: NetworkModel,
    /// The derived path of each link (index as `links`), none for explicit links.
    paths: Vec<Option<Path>>,
    /// For each ordered pair (from * n + to), how its delay is drawn (`to == from`: the
    /// region's access network).
    draws: Vec<Draw>,
}

/// Why a topology cannot be built.
#[derive(Debug, Clone, PartialEq)]
pub enum TopologyError {
    /// No route of links connects `from` to `to`.
    Unreachable {
        /// Source region.
        from: RegionId,
        /// Destination region.
        to: RegionId,
    },
}

impl Topology {
    /// Builds the topology: adds derived links where needed and computes every route.
    pub fn new(
        regions: Vec<Region>,
        explicit: Vec<WanLink>,
        model: NetworkModel,
    ) -> Result<Topology, TopologyError> {
        let n = regions.len();
        let mut links = explicit;
        let mut paths: Vec<Option<Path>> = vec![None; links.len()];
        if model.unlinked == Unlinked::Geo {
            let pm = model.path_model();
            let at = |r: &Region| (r.lat, r.lon);
            // The model is symmetric: one path per unordered pair, reversed for the other way.
            let mut pair_paths: Vec<Option<Path>> = vec![None; n * n];
            for a in 0..n {
                for b in 0..n {
                    if a == b
                        || links
                            .iter()
                            .any(|l| l.from as usize == a && l.to as usize == b)
                    {
                        continue;
                    }
                    let path = match pair_paths[b * n + a].take() {
                        Some(p) => reversed(p),
                        None => {
                            let p =
                                model.derived_path(pm.as_ref(), at(&regions[a]), at(&regions[b]));
                            pair_paths[a * n + b] = Some(p.clone());
                            p
                        }
                    };
                    links.push(WanLink {
                        from: a as RegionId,
                        to: b as RegionId,
                        latency: model.derived_link(path.one_way_ms),
                        explicit: false,
                        fifo: model.fifo,
                    });
                    paths.push(Some(path));
                }
            }
        }
        let mut graph = DiGraph::<RegionId, usize>::with_capacity(n, links.len());
        let nodes: Vec<NodeIndex> = (0..n).map(|i| graph.add_node(i as RegionId)).collect();
        for (i, l) in links.iter().enumerate() {
            graph.add_edge(nodes[l.from as usize], nodes[l.to as usize], i);
        }
        let link_median: Vec<f64> = links.iter().map(|l| l.latency.median_ms()).collect();
        let mut routes = vec![(0u32, 0u32); n * n];
        let mut hops = Vec::new();
        let mut median_ms = vec![0.0; n * n];
        let mut fifo = vec![model.fifo; n * n];
        for a in 0..n {
            // Dijkstra from `a` on link medians, then walk predecessors back from each target.
            let dist = dijkstra(&graph, nodes[a], None, |e| link_median[*e.weight()]);
            for b in 0..n {
                if a == b {
                    median_ms[a * n + b] = regions[a].intra.median_ms();
                    routes[a * n + b] = (hops.len() as u32, hops.len() as u32);
                    continue;
                }
                let Some(&total) = dist.get(&nodes[b]) else {
                    return Err(TopologyError::Unreachable {
                        from: a as RegionId,
                        to: b as RegionId,
                    });
                };
                let mut path = Vec::new();
                let mut cur = nodes[b];
                while cur != nodes[a] {
                    // The predecessor edge on a shortest path: an incoming edge whose source
                    // distance plus its weight equals ours; ties broken by lowest link index.
                    let here = dist[&cur];
                    let edge = graph
                        .edges_directed(cur, petgraph::Direction::Incoming)
                        .filter(|e| {
                            dist.get(&e.source()).is_some_and(|d| {
                                (d + link_median[*e.weight()] - here).abs() <= 1e-9 * here.max(1.0)
                            })
                        })
                        .min_by_key(|e| *e.weight())
                        .expect("dijkstra predecessor exists");
                    path.push(*edge.weight());
                    cur = edge.source();
                }
                path.reverse();
                let start = hops.len() as u32;
                for link in path {
                    let l = &links[link];
                    let km = distance(&regions[l.from as usize], &regions[l.to as usize]);
                    hops.push(Hop {
                        link,
                        floor_ns: fibre_floor_nanos(km),
                    });
                }
                routes[a * n + b] = (start, hops.len() as u32);
                median_ms[a * n + b] = total;
                fifo[a * n + b] = hops[start as usize..].iter().all(|h| links[h.link].fifo);
            }
        }
        let mut topo = Topology {
            regions,
            links,
            graph,
            routes,
            hops,
            median_ms,
            fifo,
            model,
            paths,
            draws: Vec::new(),
        };
        topo.draws = (0..n * n)
            .map(|i| topo.resolve((i / n) as RegionId, (i % n) as RegionId))
            .collect();
        Ok(topo)
    }

    /// How the delay from `a` to `b` is drawn (see `Draw`).
    fn resolve(&self, a: RegionId, b: RegionId) -> Draw {
        let single = |d: &LatencyDist, floor_ns: u64| {
            if let Some(ns) = d.constant_nanos() {
                Draw::Fixed(ns.max(floor_ns))
            } else if let Some((mu, sigma)) = d.lognormal_params() {
                Draw::LogNormal {
                    mu,
                    sigma,
                    floor_ns,
                }
            } else {
                Draw::Walk
            }
        };
        if a == b {
            return single(&self.regions[a as usize].intra, 0);
        }
        match self.route(a, b) {
            [hop] => single(&self.links[hop.link].latency, hop.floor_ns),
            route => {
                let mut total = 0u64;
                for hop in route {
                    match self.links[hop.link].latency.constant_nanos() {
                        Some(ns) => total = total.saturating_add(ns.max(hop.floor_ns)),
                        None => return Draw::Walk,
                    }
                }
                Draw::Fixed(total)
            }
        }
    }

    /// The derived path of the direct link from `a` to `b`, when that link is derived.
    pub fn derived_path(&self, a: RegionId, b: RegionId) -> Option<&Path> {
        self.links
            .iter()
            .position(|l| l.from == a && l.to == b && !l.explicit)
            .and_then(|i| self.paths[i].as_ref())
    }

    /// The derived path of link `i` (an index into `links()`), none for explicit links.
    pub fn link_path(&self, i: usize) -> Option<&Path> {
        self.paths.get(i).and_then(|p| p.as_ref())
    }

    /// Number of regions.
    pub fn len(&self) -> usize {
        self.regions.len()
    }

    /// True when there are no regions (never, for a validated scenario).
    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// All regions in scenario order.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// One region.
    pub fn region(&self, id: RegionId) -> &Region {
        &self.regions[id as usize]
    }

    /// All links, explicit and derived.
    pub fn links(&self) -> &[WanLink] {
        &self.links
    }

    /// The link graph (nodes are region ids, edge weights index `links()`).
    pub fn graph(&self) -> &DiGraph<RegionId, usize> {
        &self.graph
    }

    /// The network model in use.
    pub fn model(&self) -> &NetworkModel {
        &self.model
    }

    /// The region with this name.
    pub fn find(&self, name: &str) -> Option<RegionId> {
        self.regions
            .iter()
            .position(|r| r.name == name)
            .map(|i| i as RegionId)
    }

    /// Great-circle distance between two regions in km.
    pub fn distance_km(&self, a: RegionId, b: RegionId) -> f64 {
        distance(self.region(a), self.region(b))
    }

    /// The sum of fibre floors along the route from `a` to `b`, in ns (0 within a region).
    pub fn path_floor_nanos(&self, a: RegionId, b: RegionId) -> u64 {
        self.route(a, b).iter().map(|h| h.floor_ns).sum()
    }

    /// The median one-way latency from `a` to `b` along its route, in ms.
    pub fn median_one_way_ms(&self, a: RegionId, b: RegionId) -> f64 {
        self.median_ms[a as usize * self.regions.len() + b as usize]
    }

    /// The median round trip between `a` and `b`, in ms.
    pub fn median_rtt_ms(&self, a: RegionId, b: RegionId) -> f64 {
        self.median_one_way_ms(a, b) + self.median_one_way_ms(b, a)
    }

    /// True when a channel from `a` to `b` delivers in send order: every link of its route
    /// is ordered (within a region: the network-wide default).
    #[inline]
    pub fn fifo(&self, a: RegionId, b: RegionId) -> bool {
        self.fifo[a as usize * self.regions.len() + b as usize]
    }

    /// The regions on the route from `a` to `b`, both ends included.
    pub fn route_regions(&self, a: RegionId, b: RegionId) -> Vec<RegionId> {
        let mut out = vec![a];
        out.extend(self.route(a, b).iter().map(|h| self.links[h.link].to));
        out
    }

    fn route(&self, a: RegionId, b: RegionId) -> &[Hop] {
        let (s, e) = self.routes[a as usize * self.regions.len() + b as usize];
        &self.hops[s as usize..e as usize]
    }

    /// Samples the one-way delay of a message from `a` to `b`, in ns: the region's own
    /// latency within a region, otherwise the sum over the route's hops, each hop clamped to
    /// its fibre floor.
    #[inline]
    pub fn sample_nanos(&self, a: RegionId, b: RegionId, rng: &mut SimRng) -> u64 {
        self.draw(a as usize * self.regions.len() + b as usize, a, b, rng)
    }

    /// Fills `out` with the next `out.len()` delays from `a` to `b` drawn from `rng`: the
    /// values, in order, that as many calls of `sample_nanos(a, b, rng)` return (within a
    /// region, `sample_access_nanos`), leaving `rng` where they leave it. One loop over one
    /// pair keeps the rng, the distribution's tables and libm's `exp` hot (`sim::ahead`).
    #[inline(never)]
    pub fn fill_nanos(&self, a: RegionId, b: RegionId, rng: &mut SimRng, out: &mut [u64]) {
        let i = a as usize * self.regions.len() + b as usize;
        for o in out {
            *o = self.draw(i, a, b, rng);
        }
    }

    /// The delay of pair `i` (= `a * n + b`) as resolved in `draws`.
    #[inline(always)]
    fn draw(&self, i: usize, a: RegionId, b: RegionId, rng: &mut SimRng) -> u64 {
        match self.draws[i] {
            Draw::Fixed(ns) => ns,
            Draw::LogNormal {
                mu,
                sigma,
                floor_ns,
            } => lognormal_nanos(mu, sigma, rng).max(floor_ns),
            Draw::Walk => self.walk(a, b, rng),
        }
    }

    /// `sample_nanos` the long way: the access network within a region, otherwise each hop
    /// of the route drawn from its link's distribution and clamped to its fibre floor.
    #[cold]
    fn walk(&self, a: RegionId, b: RegionId, rng: &mut SimRng) -> u64 {
        if a == b {
            return self.regions[a as usize].intra.sample_nanos(rng);
        }
        let mut total = 0u64;
        for hop in self.route(a, b) {
            let d = self.links[hop.link].latency.sample_nanos(rng);
            total = total.saturating_add(d.max(hop.floor_ns));
        }
        total
    }

    /// Quantiles `qs` (in [0, 1]) of the round trip between `a` and `b` in ms, estimated from
    /// `draws` seeded round trips (one draw on the route there, one back): deterministic for
    /// a given `seed`. For display (`geosim regions --rtt`), never used by a run.
    pub fn rtt_quantiles_ms(
        &self,
        a: RegionId,
        b: RegionId,
        qs: &[f64],
        draws: usize,
        seed: u64,
    ) -> Vec<f64> {
        use crate::rng::{stream, Stream};
        let mut there = stream(seed, Stream::Network(a as u32, b as u32));
        let mut back = stream(seed, Stream::Network(b as u32, a as u32));
        let mut v: Vec<u64> = (0..draws.max(1))
            .map(|_| self.sample_nanos(a, b, &mut there) + self.sample_nanos(b, a, &mut back))
            .collect();
        v.sort_unstable();
        qs.iter()
            .map(|q| {
                let i = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1;
                v[i] as f64 / 1e6
            })
            .collect()
    }

    /// Samples the access latency between a client and its region's servers, in ns.
    #[inline]
    pub fn sample_access_nanos(&self, region: RegionId, rng: &mut SimRng) -> u64 {
        let n = self.regions.len();
        self.draw(region as usize * (n + 1), region, region, rng)
    }
}

/// The same path walked the other way (the model is symmetric).
fn reversed(mut p: Path) -> Path {
    p.hubs.reverse();
    p.points.reverse();
    p
}

fn distance(a: &Region, b: &Region) -> f64 {
    great_circle_km(a.lat, a.lon, b.lat, b.lon)
}

/// Convenience for tests and benches: a region with default intra latency.
pub fn region(name: &str, lat: f64, lon: f64, jurisdiction: &str) -> Region {
    Region {
        name: name.to_string(),
        lat,
        lon,
        jurisdiction: jurisdiction.to_string(),
        intra: LatencyDist::constant(DEFAULT_INTRA_MS),
    }
}
