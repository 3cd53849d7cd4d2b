//! What one fault cost: acknowledged writes lost, the span of lost data, and the time until
//! every affected (client region, operation kind) succeeded again (RTO).
//!
//! Owns `FaultCost` and its recovery bookkeeping. Must not import the engine, the world,
//! strategies, scenario or report types.

use crate::time::SimTime;
use crate::topology::RegionId;

/// Recovery bookkeeping of one (client region, operation kind) within a fault's window.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Recovery {
    /// Issue time of the latest failed operation.
    pub(super) last_fail: Option<SimTime>,
    /// Completion of the first success issued after `last_fail`.
    pub(super) recovered: Option<SimTime>,
}

/// What one fault cost: data lost and time to recover.
#[derive(Clone, Debug)]
pub struct FaultCost {
    /// When the fault started.
    pub start: SimTime,
    /// Acknowledged writes lost.
    pub lost_writes: u64,
    /// Largest span of lost data, ns.
    pub lost_span_ns: u64,
    pub(super) recovery: Vec<[Recovery; 2]>,
}

impl FaultCost {
    /// Time from the fault's start until every affected (client region, kind) succeeded
    /// again: `Some(0)` when nothing failed, `None` when something never recovered.
    pub fn rto_ns(&self) -> Option<u64> {
        let mut worst = 0u64;
        for r in self.recovery.iter().flatten() {
            if r.last_fail.is_some() {
                worst = worst.max(r.recovered?.saturating_since(self.start));
            }
        }
        Some(worst)
    }

    /// The same per affected client region, in region order: `(region, Some(rto) or None
    /// when it never recovered)`; regions whose operations never failed are left out.
    pub fn rto_by_region(&self) -> Vec<(RegionId, Option<u64>)> {
        self.recovery
            .iter()
            .enumerate()
            .filter(|(_, kinds)| kinds.iter().any(|r| r.last_fail.is_some()))
            .map(|(region, kinds)| {
                let mut worst = Some(0u64);
                for r in kinds.iter().filter(|r| r.last_fail.is_some()) {
                    worst = match (worst, r.recovered) {
                        (Some(w), Some(t)) => Some(w.max(t.saturating_since(self.start))),
                        _ => None,
                    };
                }
                (region as RegionId, worst)
            })
            .collect()
    }
}
