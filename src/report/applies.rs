//! Which strategy-reported figures apply to which strategy: the written rule behind every
//! `null` (`n/a`) of a report (docs/metrics.md#applicability). A figure applies when the
//! strategy's model can make it non-zero; where it cannot (one writer per key, a protocol that
//! cannot lose an acknowledged write, no such role), the report says `null`, never 0.
//!
//! The same rule covers data: a statistic of an empty set (a percentile or mean of no latency,
//! a rate over no operations, a share of no reads) does not apply either and is `null`, never
//! 0 or 1 (`of_samples`).
//!
//! Owns `applies` (the rule, as a `strategy::Reports`) and `of_samples`. Figures measured by
//! the world from what clients see (latency, availability, stale reads, staleness curves,
//! RTO, bytes, cost) apply to every strategy and are not listed here. Must not import the
//! engine, the world, the scenario spec or `slo`.

use crate::strategy::{Reports, Resolution, StrategyConfig};

/// The strategy-reported figures `config`'s kind (and, for multi-master, resolution) produces;
/// for a strategy from outside geosim, the ones it `declared` (`Strategy::reports`). By kind:
///
/// * conflicts: multi-master, and active-passive (a stale primary's writes);
/// * lost updates: multi-master `lww` and active-passive;
/// * RPO: the strategies that can lose an acknowledged write and name it (all but consensus
///   and quorum; follow-the-user included);
/// * split-brain seconds: active-passive and consensus (two regions taking writes as primary
///   or leader at once); its writes and lost writes: active-passive (a Raft leader of a stale
///   term cannot commit);
/// * catch-up: strategies that report when a region back from an outage has caught up
///   (active-passive, consensus, follow-the-sun);
/// * migrations: follow-the-user (the one kind whose data moves between homes), and only in
///   scenarios with `[workload.users]`.
pub fn applies(config: &StrategyConfig, declared: Reports) -> Reports {
    let none = Reports::NONE;
    match config {
        StrategyConfig::ActivePassive(_) => Reports {
            migrations: false,
            ..Reports::ALL
        },
        StrategyConfig::MultiMaster(m) => Reports {
            conflicts: true,
            lost_updates: m.resolution == Resolution::Lww,
            rpo: true,
            ..none
        },
        StrategyConfig::FollowTheSun(_) => Reports {
            rpo: true,
            catch_up: true,
            ..none
        },
        StrategyConfig::ActiveActive(_) | StrategyConfig::EdgeCache(_) => {
            Reports { rpo: true, ..none }
        }
        StrategyConfig::Consensus(_) => Reports {
            split_brain: true,
            catch_up: true,
            ..none
        },
        StrategyConfig::Quorum(_) => none,
        // One copy per user, served only at the user's home: nothing to conflict or split;
        // a home that comes back empty loses its users' acknowledged writes (RPO).
        StrategyConfig::FollowTheUser(_) => Reports {
            rpo: true,
            migrations: true,
            ..none
        },
        // geosim cannot know what a strategy from outside reports: it says so itself
        // (`Strategy::reports`, by default every figure, shown as measured:
        // docs/extending.md).
        StrategyConfig::Custom(_) => declared,
    }
}

/// A statistic over `n` values: `None` (`null`, `n/a`) when the set is empty, so no report
/// shows the 0 (or 1) an empty mean, percentile, rate or share would compute to.
pub fn of_samples<T>(n: u64, stat: impl FnOnce() -> T) -> Option<T> {
    (n > 0).then(stat)
}
