//! Failover of `active-passive`: promoting a standby when the primary fails, an old primary
//! stepping down, and fencing.
//!
//! When a standby suspects the primary (heartbeat detector), it waits `promotion_delay`, then
//! a failover controller (a single logical arbiter, as in managed databases) promotes the most
//! up-to-date standby the suspecting standby can reach (ties: lowest region id) into a new
//! epoch; the new primary announces itself to every region, and again to any region it stops
//! suspecting. Writes the old primary acknowledged that the new one never applied are lost
//! (counted as RPO, with their time span from the acknowledgement ring). Log entries of an
//! older epoch that arrive after a promotion are discarded. Split brain: with
//! `SplitBrain::None` an old primary that is only partitioned away keeps accepting writes
//! until it hears of the new epoch; those divergent writes are then discarded (counted as
//! conflicts, lost updates and lost data). With `SplitBrain::Fencing` a primary that cannot
//! reach a majority of regions (a witness counted) stops accepting writes.
//!
//! Owns the controller's promotion, taking over an epoch, learning of a newer epoch (stepping
//! down), the fencing check and the writable bookkeeping.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::{ActivePassive, ApMsg, ApTimer, SplitBrain};
use crate::strategy::{replica, Ctx, HEADER_BYTES};
use crate::topology::RegionId;

impl ActivePassive {
    /// Whether the primary `p` may accept writes under the split-brain policy.
    pub(super) fn fenced(&self, p: RegionId) -> bool {
        if self.cfg.split_brain == SplitBrain::None {
            return false;
        }
        let total = self.regions;
        let reachable = 1
            + (0..self.regions as RegionId)
                .filter(|&r| r != p && !self.suspects.contains(p, r))
                .count();
        !replica::has_majority(reachable, total)
    }

    pub(super) fn set_writable(&mut self, ctx: &mut Ctx<'_, ApMsg, ApTimer>, r: RegionId, w: bool) {
        if self.writable[r as usize] != w {
            self.writable[r as usize] = w;
            ctx.writable(r, w);
        }
    }

    /// The controller promotes the best standby reachable from `asker`.
    pub(super) fn promote(&mut self, ctx: &mut Ctx<'_, ApMsg, ApTimer>, asker: RegionId) {
        let (old, epoch) = self.view[asker as usize];
        if epoch != self.controller_epoch || !self.suspects.contains(asker, old) {
            return;
        }
        let candidates = (0..self.regions as RegionId)
            .filter(|&r| r != old && Some(r) != self.cfg.witness)
            .filter(|&r| r == asker || !self.suspects.contains(asker, r));
        let best = replica::most_up_to_date(candidates, |r| self.applied[r as usize]);
        let Some(new) = best else { return };
        self.controller_epoch += 1;
        let e = self.controller_epoch;
        // Writes the old primary acknowledged that the new one never received are lost (the
        // new one may have received them in any order; one older than the rings is counted
        // from the totals).
        let last = self.log_pos[old as usize];
        let keep = (self.view[new as usize].1 == epoch).then_some(new);
        let lost = self.report_lost(ctx, old, epoch, (0, last), keep);
        if last > super::RING {
            let total = self.acked[old as usize].saturating_sub(self.applied[new as usize]);
            ctx.data_lost(total.saturating_sub(lost), None);
        }
        self.superseded[old as usize] = last;
        // The old primary's count restarts for what it accepts from now on (split brain).
        self.acked[old as usize] = 0;
        self.install(ctx, new, e, "failover");
    }

    /// `new` takes over `epoch` and announces itself to every other region.
    pub(super) fn install(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        new: RegionId,
        e: u32,
        reason: &'static str,
    ) {
        self.take_over(ctx, new, e);
        self.took_over(ctx, new, e, reason);
        for r in 0..self.regions as RegionId {
            if r != new {
                ctx.send(
                    new,
                    r,
                    ApMsg::NewPrimary {
                        epoch: e,
                        primary: new,
                    },
                    HEADER_BYTES,
                );
            }
        }
    }

    fn take_over(&mut self, ctx: &mut Ctx<'_, ApMsg, ApTimer>, new: RegionId, epoch: u32) {
        self.view[new as usize] = (new, epoch);
        self.log_pos[new as usize] = 0;
        self.chans.restart_sender(new);
        self.superseded[new as usize] = 0;
        self.acked[new as usize] = 0;
        self.applied[new as usize] = 0;
        let fenced = self.fenced(new);
        self.set_writable(ctx, new, !fenced);
    }

    /// Region `r` learns that `primary` leads `epoch`.
    pub(super) fn learn(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        r: RegionId,
        epoch: u32,
        primary: RegionId,
    ) {
        let (cur, e) = self.view[r as usize];
        if epoch <= e {
            if (epoch, primary) == (e, cur) {
                self.rejoined(ctx, r); // Re-announced: the primary stopped suspecting `r`.
            }
            return;
        }
        if cur == r {
            // An old primary steps down; whatever it accepted in its stale epoch is discarded.
            let divergent = self.acked[r as usize];
            ctx.conflicts(divergent);
            ctx.lost_updates(r, divergent);
            let span = (self.superseded[r as usize], self.log_pos[r as usize]);
            self.report_lost(ctx, r, e, span, None);
            self.set_writable(ctx, r, false);
            self.fallback_ends(ctx.now(), r);
            // The writes still waiting at it for standbys are discarded with its epoch: none
            // is acknowledged later, whatever acknowledgements still arrive, nor released
            // by a semi-sync timeout should it lead again.
            self.drop_waiting(r);
        }
        // An old primary fetches the new one's state (unless it handed the role over in a
        // planned failback: the new primary copied its store). A standby that may lack
        // entries of the old epoch (see `log`) asks the new primary, which holds them if it
        // received them, as it would ask the old one at a heal.
        let drained = cur == r && self.draining.is_some_and(|(d, _)| d == r);
        if drained {
            self.draining = None;
        }
        let catch_up = if cur == r {
            !drained
        } else {
            self.behind[r as usize]
        };
        self.view[r as usize] = (primary, epoch);
        self.applied[r as usize] = 0;
        self.follow_epoch(r);
        if catch_up {
            self.catch_up(ctx, r);
        }
    }
}
