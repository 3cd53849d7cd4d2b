//! Primary failover of `follow-the-sun`: when a majority of the other regions suspect the
//! primary (or the outgoing primary of a handoff) or are down, the region that suspects it
//! and comes first among the healthy, current candidates it sees takes over at once.
//!
//! Owns the failover check run after every suspicion, outage and boundary, the choice of the
//! candidate (current: missing only writes acknowledged within `FRESH_NS` of the last one)
//! and the promotion (writes the new primary never applied are named as lost, by their
//! acknowledgement tickets (`replica::AckLog`); the log
//! continues after the old primary's last position, every region gets a `Snapshot`).
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::{Cx, FollowTheSun, FtsMsg};
use crate::strategy::replica::{self, AckRing};
use crate::time::SimTime;
use crate::topology::RegionId;

/// A failover candidate that misses only writes acknowledged within this long before the
/// last one is current.
const FRESH_NS: u64 = 1_000_000_000;

impl FollowTheSun {
    /// The region that should take over from the failed `old`, as `r` sees it.
    /// Candidates are regions `r` can reach that are up and current: they miss only writes
    /// acknowledged within `FRESH_NS` of the last one (replication in flight when the primary
    /// failed, not a backlog from an earlier cut). Without a current one, the most
    /// up-to-date region `r` can reach (ties: schedule order).
    fn candidate(&self, now: SimTime, r: RegionId, old: RegionId) -> Option<RegionId> {
        let reachable =
            |c: RegionId| c != old && self.up[c as usize] && !self.suspects.contains(r, c);
        let current = |c: RegionId| {
            let first = self.upto[c as usize] + 1;
            first > self.log_pos
                || (self.log_pos - first < AckRing::LEN as u64 && {
                    let t = |p: u64| self.ack_times.at(p);
                    t(self.log_pos).saturating_since(t(first)) <= FRESH_NS
                })
        };
        if let Some(h) = self.handoff {
            if reachable(h.to) && current(h.to) {
                return Some(h.to);
            }
        }
        let shifts = &self.cfg.shifts;
        let i = self.shift_at(now);
        let order = (0..shifts.len()).map(|k| shifts[(i + k) % shifts.len()].region);
        order
            .clone()
            .find(|&c| reachable(c) && current(c))
            .or_else(|| {
                order
                    .filter(|&c| reachable(c))
                    .min_by_key(|&c| std::cmp::Reverse(self.upto[c as usize]))
            })
    }

    /// Runs the failover check of every region (the first that qualifies takes over).
    pub(super) fn check_failover(&mut self, ctx: &mut Cx<'_>) {
        for r in 0..self.regions as RegionId {
            if self.maybe_promote(ctx, r) {
                return;
            }
        }
    }

    /// `r` takes over if the controller sees the primary failed (a majority of the other
    /// regions suspect it or are down: one partitioned region cannot seize the role), `r`
    /// suspects it too and `r` is first among the candidates it can reach.
    fn maybe_promote(&mut self, ctx: &mut Cx<'_>, r: RegionId) -> bool {
        let old = self.holder();
        if r == old || !self.up[r as usize] || !self.suspects.contains(r, old) {
            return false;
        }
        let votes = (0..self.regions as RegionId)
            .filter(|&x| x != old && (!self.up[x as usize] || self.suspects.contains(x, old)))
            .count();
        if votes * 2 < self.regions || self.candidate(ctx.now(), r, old) != Some(r) {
            return false;
        }
        self.promote(ctx, r, old);
        true
    }

    /// `c` takes over from the failed `old`; the writes `c` never applied are lost.
    pub(super) fn promote(&mut self, ctx: &mut Cx<'_>, c: RegionId, old: RegionId) {
        self.epoch += 1;
        self.failovers += 1;
        let r = c as usize;
        let missing = self.log_pos - self.upto[r] - self.ahead[r].len() as u64;
        if missing > 0 {
            // The acknowledged positions `c` never applied are lost (named by ticket: the world
            // counts those whose answer reached the client); older ones than the window count
            // as acknowledged.
            let (upto, ahead) = (self.upto[r], &self.ahead[r]);
            let named = self
                .acks
                .lose(ctx, |_, a| a.stamp > upto && !ahead.contains(&a.stamp));
            ctx.data_lost(missing - named, None);
        }
        self.upto[r] = self.log_pos;
        self.ahead[r].clear();
        self.set_writable(ctx, old, false);
        let handoff = self.handoff.take();
        self.active = Some(c);
        self.set_writable(ctx, c, true);
        match handoff {
            Some(h) if h.to == c => self.run_queue(ctx, c),
            Some(h) => self.fail_queue(ctx, h.to),
            None => {}
        }
        // Positions lost with the old primary must not hold anyone back.
        for x in 0..self.regions as RegionId {
            if x != c && !self.suspects.contains(c, x) {
                replica::send_snapshot(ctx, &self.store, c, x, FtsMsg::Snapshot);
            }
        }
    }
}
