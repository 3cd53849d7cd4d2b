//! Enforced residency (`residency = "enforce"`) on a strategy's config: its primary,
//! members, replica sets or origin must lie inside every data class (kinds that cannot keep
//! data in its class are refused), and active-active keys are re-homed to the nearest
//! allowed region.
//!
//! Must not import the engine, the world, metrics or report.

use super::placement::nearest;
use super::Checker;
use crate::residency::{Residency, ResidencyMode};
use crate::strategy::StrategyConfig;
use crate::topology::{Region, RegionId};

/// Under `residency = "enforce"`: the strategy's data, primary, members, replicas or origin must
/// lie inside every data class; kinds that cannot keep data in its class are refused.
pub(super) fn enforce(
    c: &mut Checker,
    f: &impl Fn(&str) -> String,
    residency: &Residency,
    regions: &[Region],
    config: Option<&StrategyConfig>,
) {
    match config {
        Some(StrategyConfig::MultiMaster(_)) => {}
        Some(StrategyConfig::EdgeCache(ec)) => {
            for dc in &residency.classes {
                if dc.allowed & (1u64 << ec.origin) == 0 {
                    c.bad(
                        f("origin"),
                        format!(
                            "residency = \"enforce\" needs the origin inside every data class, but class `{}` may not live in `{}`",
                            dc.name, regions[ec.origin as usize].name
                        ),
                    );
                }
            }
        }
        Some(StrategyConfig::ActivePassive(ap)) => {
            need_inside(c, &f("primary"), residency, regions, &[ap.primary]);
        }
        Some(StrategyConfig::Consensus(cs)) => {
            need_inside(c, &f("members"), residency, regions, &cs.members);
        }
        Some(StrategyConfig::Quorum(q)) => {
            // Every replica set that holds restricted keys must lie inside their class.
            for (k, &home) in q.homes.iter().enumerate() {
                let Some(cl) = residency.class(k as u64) else { continue };
                let set = &q.replicas[home as usize];
                if let Some(&out) = set.iter().find(|&&r| residency.classes[cl].allowed & (1u64 << r) == 0) {
                    c.bad(
                        f("replicas"),
                        format!(
                            "residency = \"enforce\": key {k} of class `{}` would have a replica in `{}`",
                            residency.classes[cl].name, regions[out as usize].name
                        ),
                    );
                    break;
                }
            }
        }
        Some(StrategyConfig::ActiveActive(_)) => {}
        Some(other) => c.bad(
            f("residency"),
            format!(
                "residency = \"enforce\" is not supported by `{}` (supported: multi-master, active-active, active-passive, quorum, consensus, edge-cache)",
                other.kind()
            ),
        ),
        None => {}
    }
}

/// Under enforced residency an active-active key lives at home in an allowed region.
pub(super) fn rehome(
    config: Option<StrategyConfig>,
    mode: ResidencyMode,
    residency: &Residency,
    regions: &[Region],
) -> Option<StrategyConfig> {
    match (config, mode) {
        (Some(StrategyConfig::ActiveActive(mut aa)), ResidencyMode::Enforce) => {
            for (k, home) in aa.homes.iter_mut().enumerate() {
                if !residency.allowed(k as u64, *home) {
                    if let Some(r) = nearest(regions, *home, regions.len())
                        .into_iter()
                        .find(|&r| residency.allowed(k as u64, r))
                    {
                        *home = r;
                    }
                }
            }
            Some(StrategyConfig::ActiveActive(aa))
        }
        (other, _) => other,
    }
}

/// Under enforced residency, `who` (primary, members) must be allowed for every data class.
fn need_inside(
    c: &mut Checker,
    field: &str,
    residency: &Residency,
    regions: &[Region],
    who: &[RegionId],
) {
    for dc in &residency.classes {
        if let Some(&r) = who.iter().find(|&&r| dc.allowed & (1u64 << r) == 0) {
            c.bad(
                field,
                format!(
                    "residency = \"enforce\" needs `{}` inside every data class, but class `{}` may not live there",
                    regions[r as usize].name, dc.name
                ),
            );
        }
    }
}
