//! Placement for the strategy configs: the home region of every key (by the scenario's
//! shares or by the client groups whose ranges hold it) and the regions nearest a home
//! (replica sets, re-homing under enforced residency).
//!
//! Must not import the engine, the world, metrics or report.

use std::collections::BTreeMap;

use super::Checker;
use crate::scenario::spec::HomeShareSpec;
use crate::topology::{great_circle_km, Region, RegionId};
use crate::workload::ClientGroup;

/// The home region of every key: by shares (contiguous ranges in list order), or by the
/// client groups whose ranges hold the key (shared keys dealt out among them in turn).
pub(super) fn homes(
    c: &mut Checker,
    field: &str,
    shares: Option<&[HomeShareSpec]>,
    ids: &BTreeMap<&str, RegionId>,
    groups: &[ClientGroup],
    key_space: u64,
) -> Option<Vec<RegionId>> {
    let mut homes = vec![0 as RegionId; key_space as usize];
    match shares {
        Some(list) => {
            if list.is_empty() {
                c.bad(field, "must list at least one region");
                return None;
            }
            let mut regions = Vec::new();
            for (j, s) in list.iter().enumerate() {
                let ok = c.positive(&format!("{field}[{j}].share"), s.share);
                match ids.get(s.region.as_str()) {
                    Some(&r) if ok => regions.push((r, s.share)),
                    Some(_) => {}
                    None => c.bad(
                        format!("{field}[{j}].region"),
                        format!("unknown region `{}`", s.region),
                    ),
                }
            }
            if regions.len() != list.len() {
                return None;
            }
            let total: f64 = regions.iter().map(|r| r.1).sum();
            let mut start = 0u64;
            let mut acc = 0.0;
            for (i, (r, share)) in regions.iter().enumerate() {
                acc += share;
                let end = if i + 1 == regions.len() {
                    key_space
                } else {
                    ((acc / total) * key_space as f64).round() as u64
                };
                for h in homes.iter_mut().take(end as usize).skip(start as usize) {
                    *h = *r;
                }
                start = end.max(start);
            }
        }
        None => {
            for (k, h) in homes.iter_mut().enumerate() {
                let k = k as u64;
                let owners: Vec<RegionId> = groups
                    .iter()
                    .filter(|g| (g.key_offset..g.key_offset + g.keys).contains(&k))
                    .map(|g| g.region)
                    .collect();
                if !owners.is_empty() {
                    *h = owners[k as usize % owners.len()];
                }
            }
        }
    }
    Some(homes)
}

/// The `n` regions nearest `home` by great-circle distance (ties by region order), `home`
/// first.
pub(super) fn nearest(regions: &[Region], home: RegionId, n: usize) -> Vec<RegionId> {
    let h = &regions[home as usize];
    let mut order: Vec<(f64, RegionId)> = regions
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != home as usize)
        .map(|(i, r)| (great_circle_km(h.lat, h.lon, r.lat, r.lon), i as RegionId))
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    std::iter::once(home)
        .chain(order.into_iter().map(|x| x.1))
        .take(n)
        .collect()
}
