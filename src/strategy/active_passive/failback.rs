//! Failback of `active-passive`: handing the primary role back to the configured primary
//! (the preferred region) after it recovers, with `failback = "auto"`.
//!
//! The primary watches the preferred region through its failure detector. Once it has
//! reached it continuously for the hold time (`Failback::Auto { hold_ns }`), and the
//! preferred region follows the primary's epoch and has applied every write the primary
//! acknowledged in it (re-checked every `RECHECK_NS` until then), the primary drains: it
//! stops accepting writes (they fail fast; clients retry), lets the writes already waiting
//! for standby acknowledgements (sync, semi-sync) finish and be answered, as a switchover
//! lets in-flight commits complete, and then sends `Handoff`. The preferred
//! region copies the drained primary's store on delivery (which, as it took no write since
//! the drain, holds every write it acknowledged), takes a new epoch from the failover
//! controller and announces itself; the old primary steps down without losing anything. A
//! drain that has not completed within `DRAIN_LIMIT_NS` (the handoff was lost, or a newer
//! epoch overtook it) is abandoned and the primary accepts writes again; one whose writes
//! still wait after `DRAIN_LIMIT_NS` hands off without them (`handoff_due`), with a new
//! limit for the handoff. Each change of
//! primary is recorded in the leadership timeline.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::{ActivePassive, ApMsg, ApTimer};
use crate::strategy::{Ctx, Failback, Leadership, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;

/// How often a primary waiting for the preferred region to catch up checks again, ns.
const RECHECK_NS: u64 = 100_000_000;
/// A drain that has not completed after this long is abandoned, ns.
const DRAIN_LIMIT_NS: u64 = 2_000_000_000;

type Cx<'a> = Ctx<'a, ApMsg, ApTimer>;

impl ActivePassive {
    /// The primary `p` of `epoch` starts (`reachable`) or stops reaching the preferred region.
    pub(super) fn preferred_reachable(
        &mut self,
        ctx: &mut Cx<'_>,
        p: RegionId,
        epoch: u32,
        reachable: bool,
    ) {
        let Failback::Auto { hold_ns } = self.cfg.failback else {
            return;
        };
        if p == self.cfg.primary {
            return;
        }
        if reachable {
            if self.preferred_seen == SimTime::MAX {
                self.preferred_seen = ctx.now();
                ctx.set_timer(p, hold_ns.max(1), ApTimer::Failback { epoch });
            }
        } else {
            self.preferred_seen = SimTime::MAX;
        }
    }

    /// `new` took over `epoch` (`reason`: `failover` or `failback`): record it, and start
    /// watching the preferred region.
    pub(super) fn took_over(
        &mut self,
        ctx: &mut Cx<'_>,
        new: RegionId,
        epoch: u32,
        reason: &'static str,
    ) {
        self.leadership.push(Leadership {
            t: ctx.now(),
            region: new,
            reason,
        });
        if reason != "failback" {
            // (After a failback the drained primary clears it when it steps down.)
            self.draining = None;
        }
        self.preferred_seen = SimTime::MAX;
        let reachable = !self.suspects.contains(new, self.cfg.primary);
        self.preferred_reachable(ctx, new, epoch, reachable);
    }

    /// A failback timer of `epoch` fired at `at`.
    pub(super) fn failback_check(&mut self, ctx: &mut Cx<'_>, at: RegionId, epoch: u32) {
        let Failback::Auto { hold_ns } = self.cfg.failback else {
            return;
        };
        let pref = self.cfg.primary;
        if self.view[at as usize] != (at, epoch) || at == pref {
            return;
        }
        if let Some((d, _)) = self.draining {
            if d == at && self.handoff_due {
                // Writes still wait after `DRAIN_LIMIT_NS` (an acknowledgement a cut dropped,
                // a standby that never answers): hand off without them, and give the handoff
                // its own limit.
                self.hand_off_when_drained(ctx, at, true);
                ctx.set_timer(at, DRAIN_LIMIT_NS, ApTimer::Failback { epoch });
            } else if d == at {
                // The handoff did not complete: resume, and try again after a new hold.
                self.draining = None;
                let ok = !self.fenced(at);
                self.set_writable(ctx, at, ok);
                self.preferred_seen = SimTime::MAX;
                let reachable = !self.suspects.contains(at, pref);
                self.preferred_reachable(ctx, at, epoch, reachable);
            }
            return;
        }
        if self.preferred_seen == SimTime::MAX || self.suspects.contains(at, pref) {
            return; // Lost sight of it again: a new hold starts when it is back.
        }
        let held = ctx.now().saturating_since(self.preferred_seen);
        if held < hold_ns {
            return; // A later timer covers the rest of the hold.
        }
        let caught_up = self.view[pref as usize] == (at, epoch)
            && self.applied[pref as usize] >= self.acked[at as usize];
        if !caught_up {
            ctx.set_timer(at, RECHECK_NS, ApTimer::Failback { epoch });
            return;
        }
        self.draining = Some((at, pref));
        self.handoff_due = true;
        self.set_writable(ctx, at, false);
        self.hand_off_when_drained(ctx, at, false);
        ctx.set_timer(at, DRAIN_LIMIT_NS, ApTimer::Failback { epoch });
    }

    /// The draining primary `at` sends `Handoff` once no write waits at it for standby
    /// acknowledgements (sync, semi-sync), or at once with `force`: called when the drain
    /// starts, whenever a waiting write is released, and when the drain limit passes with
    /// writes still waiting (as it accepts no write while it drains, nothing new can wait).
    pub(super) fn hand_off_when_drained(&mut self, ctx: &mut Cx<'_>, at: RegionId, force: bool) {
        let Some((d, pref)) = self.draining.filter(|&(d, _)| d == at && self.handoff_due) else {
            return;
        };
        let waiting = || self.pending.values().any(|p| p.at == d);
        if force || !waiting() {
            self.handoff_due = false;
            let epoch = self.view[at as usize].1;
            ctx.send(at, pref, ApMsg::Handoff { epoch }, HEADER_BYTES);
        }
    }

    /// The preferred region `at` receives the drained primary `from`'s handoff of `epoch`.
    pub(super) fn take_back(&mut self, ctx: &mut Cx<'_>, at: RegionId, from: RegionId, epoch: u32) {
        let current = self.draining == Some((from, at))
            && self.view[at as usize] == (from, epoch)
            && self.view[from as usize] == (from, epoch)
            && self.controller_epoch == epoch;
        if !current {
            return;
        }
        // Every write `from` acknowledged is in its store, which takes no write since the
        // drain: nothing is lost, so its stale-epoch count is zero when it steps down.
        self.store.merge_newer(at, from, |_| true);
        self.acked[from as usize] = 0;
        // Superseded at its last position: only writes it acknowledges after this (none, as
        // it is drained) would be stale-epoch writes.
        self.superseded[from as usize] = self.log_pos[from as usize];
        self.controller_epoch += 1;
        let e = self.controller_epoch;
        self.install(ctx, at, e, "failback");
    }
}
