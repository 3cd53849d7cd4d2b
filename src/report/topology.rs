//! The topology as the report draws it on the map: the regions with their coordinates and
//! jurisdictions, and every linked pair with its median one-way latency each way and the
//! backbone hubs of a derived path.
//!
//! Owns `topology_info`. Must not import the engine, the world, the scenario spec or `slo`;
//! does no I/O.

use super::round::ms;
use super::{HubInfo, LinkInfo, RegionInfo, TopologyInfo};

/// The hubs on the derived path from `a` to `b` (none when the link is explicit or direct).
fn hubs_on(t: &crate::topology::Topology, a: usize, b: usize) -> Vec<HubInfo> {
    let Some(path) = t.derived_path(a as u16, b as u16) else {
        return Vec::new();
    };
    path.hubs
        .iter()
        .zip(&path.points[1..])
        .map(|(name, &(lat, lon))| HubInfo {
            name: name.to_string(),
            lat,
            lon,
        })
        .collect()
}

/// The regions and links of a topology.
pub fn topology_info(t: &crate::topology::Topology) -> TopologyInfo {
    let direct = |a: usize, b: usize| {
        t.links()
            .iter()
            .find(|l| l.from as usize == a && l.to as usize == b)
    };
    let n = t.len();
    let mut links = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            let (ab, ba) = (direct(a, b), direct(b, a));
            if ab.is_none() && ba.is_none() {
                continue;
            }
            let median = |l: Option<&crate::topology::WanLink>, from: usize, to: usize| {
                ms(l.map_or_else(
                    || t.median_one_way_ms(from as u16, to as u16),
                    |l| l.latency.median_ms(),
                ))
            };
            links.push(LinkInfo {
                a: t.regions()[a].name.clone(),
                b: t.regions()[b].name.clone(),
                explicit: ab.is_some_and(|l| l.explicit) || ba.is_some_and(|l| l.explicit),
                one_way_ms: median(ab, a, b),
                back_ms: median(ba, b, a),
                via: hubs_on(t, a, b),
            });
        }
    }
    TopologyInfo {
        regions: t
            .regions()
            .iter()
            .map(|r| RegionInfo {
                name: r.name.clone(),
                lat: r.lat,
                lon: r.lon,
                jurisdiction: r.jurisdiction.clone(),
            })
            .collect(),
        links,
    }
}
