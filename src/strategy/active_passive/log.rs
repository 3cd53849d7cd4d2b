//! The primary's log as the standbys hold it: which log positions of the epoch it follows
//! each standby received (a ring of `RING` positions above a floor), reporting the writes a
//! primary acknowledged that a promoted standby never received as lost, and when a write a
//! standby receives was acknowledged (its lag sample, whether or not the primary waited for
//! that standby).
//!
//! Also owns the layout of a stamp (`stamp`, and its `epoch_of` and `position_of`: the one
//! place that knows the 40 bits), shipping a log entry, and a standby's catch-up: the network
//! drops what a cut link carries, and a sync primary skips the standbys it suspects. Two
//! signals make a standby ask for the catch-up a region back from an outage asks for
//! (`CatchUp`, answered by a snapshot), as a PostgreSQL walreceiver or a MySQL IO thread
//! re-requests from its last received position:
//! - a gap: the primary numbers the entries it writes for each standby on their channel
//!   (`replica::Channels`, the mechanism multi-master and active-active use; under enforced
//!   residency a standby is written only the entries of keys that may live there, and one a
//!   sync primary skips has its number consumed), restarting at 0 with each epoch (the
//!   primary when it takes over, a standby when it follows it); an entry that is not the one
//!   the standby expects follows a dropped one. This catches a cut no one noticed (shorter
//!   than the detection timeout), and a standby that learned of a new epoch after the new
//!   primary had written for it. The standby applies the entry all the same (the store keeps
//!   the newer version, `received` records which positions it holds). Not over an unordered
//!   channel (`network.fifo = false`), where a gap may be a reordering.
//! - a heal: a standby the primary wrote to while one suspected the other (`behind`) asks
//!   when the link heals (it stops suspecting the primary, or the primary, no longer
//!   suspecting it, re-announces itself), or asks the new primary when it learns of a new
//!   epoch while still `behind` (`failover::learn`).
//!
//! One request at a time (`Channels::ask`): it is forgotten when the standby suspects the
//! primary or either goes down, and one unanswered after `Channels::RETRY_NS` is taken as
//! lost. The snapshot carries the number of the primary's next entry for the standby. A
//! standby that installed it reports the log position it covers (see `ack`: waiting writes
//! up to there are released). A witness asks only for the epoch: the primary answers its
//! `CatchUp` with its announcement, not a snapshot (it holds no data).
//!
//! Which positions a standby holds (for lag and lost writes) stays here, by log position:
//! the channel numbers only say that something was lost. Entries a cut dropped with no later
//! entry for that standby and no detected cut stay missing until the next entry (heartbeats
//! carry no log position); a `CatchUp` or snapshot a cut drops is asked again at the next
//! gap 1 s or more after it, or at the next heal, restart or epoch.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::{ActivePassive, ApMsg, ApTimer, RING};
use crate::strategy::replica::{self, RegionSet};
use crate::strategy::{Ctx, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::Key;

/// Bits of a stamp below its epoch: `Version::stamp` is `epoch << POSITION_BITS | position`.
const POSITION_BITS: u32 = 40;

/// The stamp of log position `pos` of `epoch` (the one place that lays stamps out).
pub(super) fn stamp(epoch: u32, pos: u64) -> u64 {
    ((epoch as u64) << POSITION_BITS) | pos
}

/// The epoch of a stamp.
pub(super) fn epoch_of(stamp: u64) -> u32 {
    (stamp >> POSITION_BITS) as u32
}

/// The log position of a stamp (within its epoch).
pub(super) fn position_of(stamp: u64) -> u64 {
    stamp & ((1 << POSITION_BITS) - 1)
}

/// The log position of a version.
pub(super) fn position(v: Version) -> u64 {
    position_of(v.stamp)
}

impl ActivePassive {
    /// Primary `p` writes log entry `msg` (of `key`, `wire` bytes) for the standbys `all` and
    /// ships it to `copies`, each copy carrying its number on the channel to that standby
    /// (`replica::Channels`: a standby it skips has the number consumed, so its next entry
    /// shows the gap). A standby it skips, or that suspects `p` (the link may be cut), may
    /// miss it.
    pub(super) fn ship(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        p: RegionId,
        (all, copies): (RegionSet, RegionSet),
        key: Key,
        msg: ApMsg,
        wire: u64,
    ) {
        for s in all.iter() {
            let number = self.chans.next(p, s);
            if !copies.contains(s) || self.suspects.contains(s, p) {
                self.behind[s as usize] = true;
            }
            if copies.contains(s) {
                let mut m = msg;
                if let ApMsg::Replicate { seq, .. } = &mut m {
                    *seq = number;
                }
                ctx.send_data(p, s, key, m, wire);
            }
        }
    }

    /// Standby `s` asks its primary for a catch-up (`CatchUp`, answered by a snapshot), unless
    /// one it asked for is still on its way (`replica::Channels::ask`): the snapshot will hold
    /// what it lacks.
    pub(super) fn catch_up(&mut self, ctx: &mut Ctx<'_, ApMsg, ApTimer>, s: RegionId) {
        let (p, _) = self.view[s as usize];
        if p != s && self.chans.ask(s, p, ctx.now()) {
            self.behind[s as usize] = false;
            ctx.send(s, p, ApMsg::CatchUp, HEADER_BYTES);
        }
    }

    /// The link between standby `s` and its primary healed: if it may have missed entries,
    /// it asks the primary to catch it up.
    pub(super) fn rejoined(&mut self, ctx: &mut Ctx<'_, ApMsg, ApTimer>, s: RegionId) {
        if std::mem::take(&mut self.behind[s as usize]) {
            self.catch_up(ctx, s);
        }
    }

    /// Standby `s` received from `p` the entry numbered `seq` on their channel: past a gap
    /// (not the number it expects) it asks for the catch-up, as a PostgreSQL walreceiver or a
    /// MySQL IO thread re-requests from its last position. It applies the entry all the same
    /// (the store keeps the newer version, and `received` records which positions it holds).
    /// Over an unordered channel (`network.fifo = false`) a gap may be a reordering: no ask.
    pub(super) fn in_sequence(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        s: RegionId,
        p: RegionId,
        seq: u32,
    ) {
        if self.chans.arrived(p, s, seq) && ctx.topology().fifo(p, s) {
            self.catch_up(ctx, s);
        }
    }

    /// Region `at`, if primary, answers `from`'s `CatchUp` with a snapshot of its store.
    pub(super) fn answer_catch_up(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        at: RegionId,
        from: RegionId,
    ) {
        let epoch = self.view[at as usize].1;
        if self.is_primary(at) && Some(from) == self.cfg.witness {
            // A witness holds no data: it needs only the epoch (an old primary that hears
            // from it learns of the newer one).
            let msg = ApMsg::NewPrimary { epoch, primary: at };
            ctx.send(at, from, msg, HEADER_BYTES);
        } else if self.is_primary(at) {
            let entries = self.store.keys() as u64;
            let position = self.chans.position(at, from);
            let msg = ApMsg::Snapshot {
                epoch,
                entries,
                position,
            };
            replica::send_snapshot(ctx, &self.store, at, from, msg);
        }
    }

    /// Region `at` receives primary `from`'s snapshot of `epoch`, sent when `from`'s next
    /// entry for it was to be numbered `position`: it copies the newer versions, follows that
    /// epoch, holds everything `from` had written by now (every log position up to `from`'s,
    /// acknowledged or still waiting for standbys: its count of applied entries) and expects
    /// that number next. The entries of those positions still on their way add nothing when
    /// they arrive (`has_received`).
    pub(super) fn snapshot_landed(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        (at, from): (RegionId, RegionId),
        epoch: u32,
        position: u32,
    ) {
        if epoch < self.view[at as usize].1 {
            return;
        }
        self.store.merge_newer(at, from, |_| true);
        if epoch != self.view[at as usize].1 {
            self.follow_epoch(at);
        }
        self.view[at as usize] = (from, epoch);
        let pos = self.log_pos[from as usize];
        self.applied[at as usize] = pos;
        self.recv_floor[at as usize] = pos;
        self.chans.answered(at, from, position);
        // It holds everything the primary had applied when the snapshot left.
        ctx.caught_up(at);
        if self.view[from as usize] == (from, epoch) {
            self.report_position(ctx, at, from, stamp(epoch, pos));
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
        self.chans.restart_receiver(r);
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
            Some(&(st, _, _))
                if st != u64::MAX && st > v.stamp && epoch_of(st) == epoch_of(v.stamp) =>
            {
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
