//! The primary's log as the standbys hold it: which log positions of the epoch it follows
//! each standby received (a ring of `RING` positions above a floor), reporting the writes a
//! primary acknowledged that a promoted standby never received as lost, and when a write a
//! standby receives was acknowledged (its lag sample, whether or not the primary waited for
//! that standby).
//!
//! Also owns shipping a log entry, and a standby's catch-up after a partition heals: the
//! network drops what a cut link carries, and a sync primary skips the standbys it suspects,
//! so a standby that the primary wrote to while one suspected the other (`behind`) may lack
//! entries. When the link heals (it stops suspecting the primary, or the primary, no longer
//! suspecting it, re-announces itself) it asks for the catch-up a region back from an outage
//! asks for (`CatchUp`, answered by a snapshot), as a PostgreSQL or MySQL replica reconnects
//! and streams from its last received position; a standby still `behind` when it learns of a
//! new epoch asks the new primary (`failover::learn`). (A cut shorter than the detection timeout
//! goes unnoticed: what it dropped stays missing until rewritten.)
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::{stamp, ActivePassive, ApMsg, ApTimer, RING};
use crate::strategy::replica::RegionSet;
use crate::strategy::{Ctx, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::Key;

/// The log position of a version.
pub(super) fn position(v: Version) -> u64 {
    v.stamp & ((1 << 40) - 1)
}

/// Primary `p` ships log entry `msg` (of `key`, `wire` bytes) to standbys `to`.
pub(super) fn ship(
    ctx: &mut Ctx<'_, ApMsg, ApTimer>,
    p: RegionId,
    to: RegionSet,
    key: Key,
    msg: ApMsg,
    wire: u64,
) {
    for s in to.iter() {
        ctx.send_data(p, s, key, msg, wire);
    }
}

impl ActivePassive {
    /// Primary `p` writes an entry for the standbys `all` and ships it to `copies`: a standby
    /// it skips, or that suspects `p` (the link may be cut), may miss it.
    pub(super) fn may_miss(&mut self, p: RegionId, all: RegionSet, copies: RegionSet) {
        for s in all.iter() {
            if !copies.contains(s) || self.suspects.contains(s, p) {
                self.behind[s as usize] = true;
            }
        }
    }

    /// The link between standby `s` and its primary healed: if it may have missed entries,
    /// it asks the primary to catch it up.
    pub(super) fn rejoined(&mut self, ctx: &mut Ctx<'_, ApMsg, ApTimer>, s: RegionId) {
        let (p, _) = self.view[s as usize];
        if p != s && std::mem::take(&mut self.behind[s as usize]) {
            ctx.send(s, p, ApMsg::CatchUp, HEADER_BYTES);
        }
    }

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
        self.behind[r as usize] = false;
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
