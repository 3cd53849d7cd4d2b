//! Regions, links and the network model: names, coordinates and prices of every region (a
//! catalogue name fills in what the file leaves out), explicit WAN links (no link faster than
//! light in fibre), and at the end the `Topology` built from them.
//!
//! Must not import the engine, the world, metrics or report.

use std::collections::BTreeMap;

use super::{Checker, Known};
use crate::catalogue;
use crate::cost::RegionPrices;
use crate::error::Problem;
use crate::latency::LatencyDist;
use crate::scenario::spec::{NetworkSpec, PathSpec, ScenarioSpec, UnlinkedSpec, VariationSpec};
use crate::scenario::suggest;
use crate::topology::{
    fibre_floor_ms, great_circle_km, Derivation, NetworkModel, PathParams, Region, RegionId,
    Topology, TopologyError, Unlinked, Variation, WanLink, DEFAULT_OVERHEAD_MS,
    DEFAULT_ROUTE_INFLATION,
};

/// The geography-derived latency model (`[network]`).
pub(super) fn network(c: &mut Checker, net: &NetworkSpec) -> NetworkModel {
    let route = matches!(net.unlinked, UnlinkedSpec::Route);
    let derivation = match net.path {
        // The path model only shapes derived links, and `route` derives none.
        _ if route => {
            for (field, set) in [
                ("network.path", matches!(net.path, PathSpec::GreatCircle)),
                ("network.route_inflation", net.route_inflation.is_some()),
                ("network.overhead_ms", net.overhead_ms.is_some()),
            ] {
                if set {
                    c.bad(
                        field,
                        "has no effect with network.unlinked = \"route\": it shapes the links derived from geography, and route derives none (every pair goes over explicit links)",
                    );
                }
            }
            Derivation::Hubs(PathParams::default())
        }
        PathSpec::Hubs => {
            for (field, v) in [
                ("network.route_inflation", net.route_inflation),
                ("network.overhead_ms", net.overhead_ms),
            ] {
                if v.is_some() {
                    c.bad(
                        field,
                        "only used with network.path = \"great-circle\" (the default path model routes over backbone hubs; see docs/network.md)",
                    );
                }
            }
            Derivation::Hubs(PathParams::default())
        }
        PathSpec::GreatCircle => {
            let route_inflation = net.route_inflation.unwrap_or(DEFAULT_ROUTE_INFLATION);
            let overhead_ms = net.overhead_ms.unwrap_or(DEFAULT_OVERHEAD_MS);
            c.range("network.route_inflation", route_inflation, 1.0, 100.0);
            c.non_negative("network.overhead_ms", overhead_ms);
            Derivation::GreatCircle {
                route_inflation,
                overhead_ms,
            }
        }
    };
    NetworkModel {
        derivation,
        unlinked: match net.unlinked {
            UnlinkedSpec::Geo => Unlinked::Geo,
            UnlinkedSpec::Route => Unlinked::Route,
        },
        fifo: net.fifo,
        variation: match net.variation.unwrap_or_default() {
            VariationSpec::Lognormal => Variation::Lognormal,
            VariationSpec::Constant => Variation::Constant,
        },
    }
}

/// Every region, with the catalogue's coordinates, jurisdiction and prices where the file
/// gives none: the name -> id map later sections resolve references with.
pub(super) fn regions<'a>(
    c: &mut Checker,
    spec: &'a ScenarioSpec,
    variation: Variation,
) -> Known<'a> {
    if spec.regions.is_empty() {
        c.bad("regions", "must list at least one region");
    }
    let mut ids: BTreeMap<&str, RegionId> = BTreeMap::new();
    let mut regions = Vec::new();
    let mut prices = Vec::new();
    for (i, r) in spec.regions.iter().enumerate() {
        let f = |n: &str| format!("regions[{i}].{n}");
        if r.name.trim().is_empty() {
            c.bad(f("name"), "must not be empty");
        } else if ids.insert(&r.name, i as RegionId).is_some() {
            c.bad(f("name"), format!("duplicate region name `{}`", r.name));
        }
        let cat = catalogue::find(&r.name);
        // Neither the catalogue nor the file knows where it is: one problem, on the name (most
        // likely a misspelt catalogue name), not a missing lat and a missing lon.
        let nowhere = cat.is_none() && r.lat.is_none() && r.lon.is_none();
        if nowhere {
            let hint = match suggest::catalogue_name(&r.name) {
                Some(n) => format!("did you mean `{n}`? "),
                None => String::new(),
            };
            c.bad(
                f("name"),
                format!(
                    "`{}` is not a catalogue region ({hint}see `geosim regions`); a region of your own needs lat and lon",
                    r.name
                ),
            );
        }
        let coord = |c: &mut Checker, name: &str, v: Option<f64>, cv: Option<f64>, lim: f64| match v
            .or(cv)
        {
            Some(x) => {
                c.range(&f(name), x, -lim, lim);
                x
            }
            None if nowhere => 0.0,
            None => {
                c.bad(
                    f(name),
                    format!(
                        "missing (`{}` is not a catalogue region; see `geosim regions`)",
                        r.name
                    ),
                );
                0.0
            }
        };
        let lat = coord(c, "lat", r.lat, cat.map(|x| x.lat), 90.0);
        let lon = coord(c, "lon", r.lon, cat.map(|x| x.lon), 180.0);
        let mut p = cat.map_or(RegionPrices::default(), |x| RegionPrices {
            inter_region_usd_per_gb: x.inter_region_usd_per_gb,
            internet_usd_per_gb: x.internet_usd_per_gb,
            price_multiplier: x.price_multiplier,
        });
        if let Some(v) = r.inter_region_usd_per_gb {
            c.non_negative(&f("inter_region_usd_per_gb"), v);
            p.inter_region_usd_per_gb = v;
        }
        if let Some(v) = r.internet_usd_per_gb {
            c.non_negative(&f("internet_usd_per_gb"), v);
            p.internet_usd_per_gb = v;
        }
        if let Some(v) = r.price_multiplier {
            c.non_negative(&f("price_multiplier"), v);
            p.price_multiplier = v;
        }
        prices.push(p);
        let intra = match &r.intra_ms {
            Some(l) => c.latency(&f("intra_ms"), l),
            None => Some(variation.default_intra()),
        };
        regions.push(Region {
            name: r.name.clone(),
            lat,
            lon,
            jurisdiction: r
                .jurisdiction
                .clone()
                .or(cat.map(|x| x.jurisdiction.to_string()))
                .unwrap_or_else(|| "unspecified".to_string()),
            intra: intra.unwrap_or(LatencyDist::constant(0.0)),
        });
    }
    Known {
        ids,
        regions,
        prices,
    }
}

/// Explicit WAN links (`[[links]]`), one per direction.
pub(super) fn links(c: &mut Checker, spec: &ScenarioSpec, known: &Known) -> Vec<WanLink> {
    let regions = &known.regions;
    let mut links = Vec::new();
    let mut seen_pairs: BTreeMap<(RegionId, RegionId), usize> = BTreeMap::new();
    for (i, l) in spec.links.iter().enumerate() {
        let f = |n: &str| format!("links[{i}].{n}");
        let from = known.region_ref(c, f("from"), &l.from);
        let to = known.region_ref(c, f("to"), &l.to);
        let latency = c.latency(&f("latency"), &l.latency);
        let (Some(a), Some(b), Some(latency)) = (from, to, latency) else {
            continue;
        };
        if a == b {
            c.bad(
                f("to"),
                "a link must join two different regions (use intra_ms)",
            );
            continue;
        }
        let dirs: &[(RegionId, RegionId)] = if l.directed {
            &[(a, b)]
        } else {
            &[(a, b), (b, a)]
        };
        for &(x, y) in dirs {
            if let Some(prev) = seen_pairs.insert((x, y), i) {
                c.bad(
                    f("to"),
                    format!(
                        "duplicate link {} -> {} (also links[{prev}])",
                        spec.regions[x as usize].name, spec.regions[y as usize].name
                    ),
                );
            }
        }
        // A link whose median beats light in fibre is a typo, not a network.
        let (ra, rb) = (&regions[a as usize], &regions[b as usize]);
        let floor = fibre_floor_ms(great_circle_km(ra.lat, ra.lon, rb.lat, rb.lon));
        let median = latency.median_ms();
        if median.is_finite() && median < floor {
            c.bad(
                f("latency"),
                format!(
                    "median {median:.3} ms is below the fibre floor {floor:.3} ms between `{}` and `{}`",
                    ra.name, rb.name
                ),
            );
        }
        for &(x, y) in dirs {
            links.push(WanLink {
                from: x,
                to: y,
                latency: latency.clone(),
                explicit: true,
                fifo: l.fifo.unwrap_or(spec.network.fifo),
            });
        }
    }
    links
}

/// The topology of the validated regions and links; fails when `network.unlinked = "route"`
/// leaves a pair without a route.
pub(super) fn topology(
    spec: &ScenarioSpec,
    regions: Vec<Region>,
    links: Vec<WanLink>,
    model: NetworkModel,
) -> Result<Topology, Vec<Problem>> {
    Topology::new(regions, links, model).map_err(|e| match e {
        TopologyError::Unreachable { from, to } => vec![Problem::new(
            "links",
            format!(
                "no route from `{}` to `{}` (network.unlinked = \"route\" needs a connected link graph)",
                spec.regions[from as usize].name, spec.regions[to as usize].name
            ),
        )],
    })
}
