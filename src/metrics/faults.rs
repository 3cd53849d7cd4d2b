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
    /// When it ended (`SimTime::MAX`: never).
    pub end: SimTime,
    /// Acknowledged writes lost (acknowledgement reached the client).
    pub lost_writes: u64,
    /// Writes lost whose acknowledgement never reached the client.
    pub unacked_lost: u64,
    /// Largest span of one loss (the lost writes reported at one instant, e.g. a promotion),
    /// over the closed losses, ns.
    pub lost_span_max_ns: u64,
    /// The latest loss: when it was reported, and the acknowledgement times of its oldest
    /// and newest lost write whose acknowledgement reached the client.
    pub lost_acked: Option<(SimTime, SimTime, SimTime)>,
    pub(super) recovery: Vec<[Recovery; 2]>,
    /// For a region outage: time from its end until the region had applied every write
    /// acknowledged before it came back, ns (`None`: not reported).
    pub catch_up_ns: Option<u64>,
}

impl FaultCost {
    /// Time from the oldest to the newest lost acknowledged write, ns.
    pub fn span_ns(&self) -> u64 {
        let open = self.lost_acked.map_or(0, |(_, a, b)| b.saturating_since(a));
        open.max(self.lost_span_max_ns)
    }

    /// A write acknowledged (to its client) at `at` was lost in the loss reported at `when`:
    /// it widens that loss's span (a loss reported earlier than the latest one is closed).
    pub(super) fn lost_at(&mut self, when: SimTime, at: SimTime) {
        self.lost_writes += 1;
        self.lost_acked = Some(match self.lost_acked {
            Some((w, a, b)) if w == when => (w, a.min(at), b.max(at)),
            Some((w, a, b)) if w > when => {
                // A late acknowledgement of an earlier loss: that loss is closed.
                let _ = at;
                (w, a, b)
            }
            Some((_, a, b)) => {
                self.lost_span_max_ns = self.lost_span_max_ns.max(b.saturating_since(a));
                (when, at, at)
            }
            None => (when, at, at),
        });
    }

    /// Whether the fault was in effect at some time during `[from, to]` (an operation's life).
    #[inline]
    pub(super) fn overlaps(&self, from: SimTime, to: SimTime) -> bool {
        self.start <= to && self.end >= from
    }

    /// Whether failures of (`client`, `kind`) were charged to this fault and no operation
    /// issued after the last of them has succeeded yet.
    #[inline]
    pub(super) fn recovering(&self, client: usize, kind: usize) -> bool {
        let r = &self.recovery[client][kind];
        r.last_fail.is_some() && r.recovered.is_none()
    }

    /// Charges a failed operation of (`client`, `kind`) issued at `issued` to this fault.
    #[inline]
    pub(super) fn charge(&mut self, client: usize, kind: usize, issued: SimTime) {
        let r = &mut self.recovery[client][kind];
        r.last_fail = Some(r.last_fail.map_or(issued, |t| t.max(issued)));
        r.recovered = None;
    }

    /// Issue time of the latest failure charged for (`client`, `kind`) (`ZERO`: none).
    #[inline]
    pub(super) fn last_fail(&self, client: usize, kind: usize) -> SimTime {
        self.recovery[client][kind]
            .last_fail
            .unwrap_or(SimTime::ZERO)
    }

    /// A success of (`client`, `kind`) issued at `issued` completed at `now`: returns true
    /// when it ends this fault's recovery of that pair.
    #[inline]
    pub(super) fn success(
        &mut self,
        client: usize,
        kind: usize,
        issued: SimTime,
        now: SimTime,
    ) -> bool {
        let r = &mut self.recovery[client][kind];
        if r.recovered.is_none() && r.last_fail.is_some_and(|t| issued > t) {
            r.recovered = Some(now);
            return true;
        }
        false
    }

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
