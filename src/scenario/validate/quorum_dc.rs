//! `quorum` with data centres (`replicas_per_region`) and Cassandra consistency levels
//! (`read_consistency`, `write_consistency`): the replica count per region, the levels, and
//! the general form's settings that then have no effect.
//!
//! Must not import the engine, the world, metrics, report, or its sibling `strategies`
//! (which calls it).

use super::{Checker, Known};
use crate::scenario::spec::{ConsistencyLevelSpec, QuorumSpec, ReplicasPerRegionSpec};
use crate::strategy::{DcLevels, Level, QuorumConfig, StrategyConfig};
use crate::topology::RegionId;
use crate::workload::ClientGroup;

fn level(l: Option<ConsistencyLevelSpec>) -> Level {
    match l.unwrap_or(ConsistencyLevelSpec::Quorum) {
        ConsistencyLevelSpec::One => Level::One,
        ConsistencyLevelSpec::Quorum => Level::Quorum,
        ConsistencyLevelSpec::All => Level::All,
        ConsistencyLevelSpec::LocalOne => Level::LocalOne,
        ConsistencyLevelSpec::LocalQuorum => Level::LocalQuorum,
        ConsistencyLevelSpec::EachQuorum => Level::EachQuorum,
    }
}

/// Without `replicas_per_region`, the consistency levels have no effect.
pub(super) fn no_levels(c: &mut Checker, f: &impl Fn(&str) -> String, q: &QuorumSpec) {
    for (name, set) in [
        ("read_consistency", q.read_consistency.is_some()),
        ("write_consistency", q.write_consistency.is_some()),
    ] {
        if set {
            c.bad(
                f(name),
                "has no effect without replicas_per_region (the general form uses n, r and w): set replicas_per_region or remove it",
            );
        }
    }
}

/// `quorum` with `replicas_per_region` set.
pub(super) fn quorum_dc(
    c: &mut Checker,
    known: &Known,
    groups: &[ClientGroup],
    key_space: u64,
    f: &impl Fn(&str) -> String,
    q: &QuorumSpec,
) -> Option<StrategyConfig> {
    let mut ok = true;
    for (name, set) in [
        ("n", q.n.is_some()),
        ("r", q.r.is_some()),
        ("w", q.w.is_some()),
        ("replicas", q.replicas.is_some()),
        ("sloppy", q.sloppy),
    ] {
        if set {
            c.bad(
                f(name),
                "has no effect with replicas_per_region (the consistency levels replace the general n/r/w form): remove it",
            );
            ok = false;
        }
    }
    let n_regions = known.regions.len();
    let mut count = vec![0u16; n_regions];
    match q
        .replicas_per_region
        .as_ref()
        .expect("called with replicas_per_region")
    {
        ReplicasPerRegionSpec::Every(k) => {
            if *k == 0 || *k > u16::MAX as usize / n_regions.max(1) {
                c.bad(
                    f("replicas_per_region"),
                    format!("must be at least 1 (and small), got {k}"),
                );
                ok = false;
            }
            count.fill(*k as u16);
        }
        ReplicasPerRegionSpec::Map(map) => {
            if map.is_empty() {
                c.bad(f("replicas_per_region"), "lists no region");
                ok = false;
            }
            for (name, &k) in map {
                let path = f(&format!("replicas_per_region.{name}"));
                if let Some(r) = known.region_ref(c, path.clone(), name) {
                    if k == 0 || k > 1000 {
                        c.bad(path, format!("must be in [1, 1000] (leave a region without replicas out), got {k}"));
                        ok = false;
                    }
                    count[r as usize] = k as u16;
                } else {
                    ok = false;
                }
            }
        }
    }
    let (read, write) = (level(q.read_consistency), level(q.write_consistency));
    // Local levels need replicas in the coordinator's (every client's) region.
    for (name, l) in [("read_consistency", read), ("write_consistency", write)] {
        if !matches!(l, Level::LocalOne | Level::LocalQuorum) {
            continue;
        }
        for g in groups {
            if count[g.region as usize] == 0 {
                c.bad(
                    f(name),
                    format!(
                        "a local level needs replicas in every client region: `{}` has none in replicas_per_region",
                        known.regions[g.region as usize].name
                    ),
                );
                ok = false;
                break;
            }
        }
    }
    if !ok {
        return None;
    }
    let dcs: Vec<RegionId> = (0..n_regions as RegionId)
        .filter(|&r| count[r as usize] > 0)
        .collect();
    let levels = DcLevels { count, read, write };
    Some(StrategyConfig::Quorum(QuorumConfig {
        n: dcs.len(),
        r: 0,
        w: 0,
        // Every key has the same replicas: one home for all.
        homes: vec![0; key_space as usize],
        replicas: vec![dcs; n_regions],
        read_repair: q.read_repair,
        sloppy: false,
        levels: Some(levels),
    }))
}
