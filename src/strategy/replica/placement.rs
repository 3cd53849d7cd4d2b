//! Where copies go and who leads: the choices of regions that several strategies (and the
//! simulation's client routing) make by the same rule.
//!
//! Owns the order of regions by median round trip from a home region with ties to the lower
//! id (`rtt_order`, `nearest_by_rtt`), the regions that may hold a copy of a key under
//! enforced residency (`copy_targets`), the most up-to-date region with ties to the lower id
//! (`most_up_to_date`) and majorities (`majority`, `has_majority`).
//!
//! Must not import the engine, the simulation world, metrics or scenario (serde) types.

use std::cmp::Ordering;

use super::RegionSet;
use crate::strategy::Ctx;
use crate::topology::{RegionId, Topology};
use crate::workload::Key;

/// Orders regions `a` and `b` by median round trip from `home`, ties to the lower id.
#[inline]
pub fn rtt_order(topo: &Topology, home: RegionId, a: RegionId, b: RegionId) -> Ordering {
    topo.median_rtt_ms(home, a)
        .total_cmp(&topo.median_rtt_ms(home, b))
        .then(a.cmp(&b))
}

/// The region of `candidates` nearest `home` by median round trip (ties: lower id).
pub fn nearest_by_rtt(
    topo: &Topology,
    home: RegionId,
    candidates: impl Iterator<Item = RegionId>,
) -> Option<RegionId> {
    candidates.min_by(|&a, &b| rtt_order(topo, home, a, b))
}

/// The regions other than `from`, of `0..regions`, that may store a copy of `key`: all of
/// them, or under enforced residency only those the key's data class allows.
pub fn copy_targets<M, T>(
    ctx: &Ctx<'_, M, T>,
    regions: usize,
    from: RegionId,
    key: Key,
) -> RegionSet {
    let enforce = ctx.enforce_residency();
    (0..regions as RegionId)
        .filter(|&r| r != from && (!enforce || ctx.allowed(key, r)))
        .collect()
}

/// The candidate that has applied the most (`progress`), ties to the lower id.
pub fn most_up_to_date(
    candidates: impl Iterator<Item = RegionId>,
    progress: impl Fn(RegionId) -> u64,
) -> Option<RegionId> {
    candidates.max_by(|&a, &b| progress(a).cmp(&progress(b)).then(b.cmp(&a)))
}

/// How many of `n` voters make a majority.
#[inline]
pub fn majority(n: usize) -> usize {
    n / 2 + 1
}

/// Whether `count` of `n` voters are a majority (more than half).
#[inline]
pub fn has_majority(count: usize, n: usize) -> bool {
    count * 2 > n
}
