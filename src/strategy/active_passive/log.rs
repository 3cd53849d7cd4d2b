//! The primary's log as the standbys hold it: which log positions of the epoch it follows
//! each standby received (a ring of `RING` positions above a floor), reporting the writes a
//! primary acknowledged that a promoted standby never received as lost, and when a write a
//! standby receives was acknowledged (its lag sample, whether or not the primary waited for
//! that standby).
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::{position, stamp, ActivePassive, ApMsg, ApTimer, RING};
use crate::strategy::{Ctx, Version};
use crate::time::SimTime;
use crate::topology::RegionId;

impl ActivePassive {
    /// Standby `at` received the log entry of version `v` (of the epoch it follows).
    pub(super) fn received(&mut self, at: RegionId, v: Version) {
        let ring = &mut self.recv[at as usize];
        if ring.is_empty() {
            *ring = vec![0; RING as usize];
        }
        let pos = position(v);
        ring[(pos % RING) as usize] = (pos / RING + 1) as u16;
    }

    /// Region `r` follows a new epoch: it has received nothing of it yet.
    pub(super) fn follow_epoch(&mut self, r: RegionId) {
        self.recv[r as usize].fill(0);
        self.recv_floor[r as usize] = 0;
    }

    /// Whether standby `r` received log position `pos` of the epoch it follows.
    pub(super) fn has_received(&self, r: RegionId, pos: u64) -> bool {
        pos <= self.recv_floor[r as usize]
            || self.recv[r as usize]
                .get((pos % RING) as usize)
                .is_some_and(|&t| t == (pos / RING + 1) as u16)
    }

    /// When primary `p` acknowledged the write of version `v` that it wrote at `written_at`
    /// and waited for standbys for: `SimTime::MAX` while it has not (the standby that
    /// receives it now applies it before the acknowledgement: lag 0). A standby that receives
    /// it after `p` acknowledged the `RING`-th later write of the epoch finds its slot
    /// reused: then `written_at`, an upper bound on the lag by at most the write's wait.
    pub(super) fn acked_time(&self, p: RegionId, v: Version, written_at: SimTime) -> SimTime {
        match self.acks[p as usize].get((position(v) % RING) as usize) {
            Some(&(st, _, t)) if st == v.stamp => t,
            Some(&(st, _, _)) if st != u64::MAX && st > v.stamp && st >> 40 == v.stamp >> 40 => {
                written_at
            }
            _ => SimTime::MAX,
        }
    }

    /// Reports as lost the writes primary `p` acknowledged in `epoch` at log positions
    /// `(from, to]` (the last `RING` of them) that `keep` did not receive (all, without
    /// `keep`). Returns how many it reported.
    pub(super) fn report_lost(
        &self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        p: RegionId,
        epoch: u32,
        (from, to): (u64, u64),
        keep: Option<RegionId>,
    ) -> u64 {
        let ring = &self.acks[p as usize];
        let mut lost = 0;
        for pos in from.max(to.saturating_sub(RING)) + 1..=to {
            let Some(&(st, ticket, _)) = ring.get((pos % RING) as usize) else {
                break;
            };
            if st == stamp(epoch, pos) && !keep.is_some_and(|k| self.has_received(k, pos)) {
                ctx.write_lost(ticket);
                lost += 1;
            }
        }
        lost
    }
}
