//! Acknowledgement of `active-passive` writes: when a standby acknowledges (`Ack`: received,
//! flushed, applied, as PostgreSQL's `synchronous_commit = remote_write / on /
//! remote_apply`), how many acknowledgements a sync write waits for (all standbys, or
//! PostgreSQL's `ANY k (...)` with a `SyncQuorum`), and MySQL semi-sync's fallback to async.
//!
//! **Ack points.** A standby stores a log entry on receipt (so a promoted standby holds
//! everything it received: promotion replays the received log first, as PostgreSQL's does);
//! it acknowledges at once (`Received`), after the flush delay (`Flushed`) or after the flush
//! and apply delays (`Applied`). The delays only postpone the acknowledgement: reads at the
//! standby see the entry on receipt (no replay lag for hot-standby reads).
//!
//! **Semi-sync.** In semi-sync mode every write waits for one standby's acknowledgement, at
//! most the timeout; when a write's timeout passes, the primary falls back to async and
//! releases every write still waiting (MySQL's `switch_off`). While in fallback it
//! acknowledges at once, and every standby still acknowledges each entry; the first
//! acknowledgement of the primary's latest log position (a standby caught up) switches it
//! back. Fallbacks and the time spent in them (until the primary steps down, goes down or the
//! run ends) are the strategy figures `semi_sync_fallbacks` and `semi_sync_fallback_s`. A
//! primary with no standby up (promoted after the others failed) thus waits out one timeout
//! before it falls back, as MySQL does with `rpl_semi_sync_source_wait_no_replica = ON`.
//!
//! **After a catch-up.** A write counts each standby it waits for once. A standby that
//! installed the primary's snapshot reports, at its ack point, the position the snapshot
//! covers (`Holds`), as a PostgreSQL standby reports its flush position once it has streamed
//! the WAL it missed: every write up to there still waiting for it counts its
//! acknowledgement, so one whose entry a cut dropped is released rather than left to fail at
//! its client's timeout. The writes waiting at a primary that goes down die with it (as a
//! PostgreSQL backend waiting for its standbys does): nothing releases them after.
//!
//! Also owns the primary's acknowledgement bookkeeping (tickets, the ring of recent
//! acknowledgements by log position) and the writes waiting for standbys (`Pending`, filed by
//! `pending_key`).
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::{
    epoch_of, position, position_of, Ack, ActivePassive, ApMsg, ApTimer, Replication, RING,
};
use crate::strategy::replica::RegionSet;
use crate::strategy::{Ctx, OpId, Outcome, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;

/// A write waiting at a primary for standby acknowledgements (sync, semi-sync).
#[derive(Copy, Clone, Debug)]
pub(super) struct Pending {
    /// The primary that waits.
    pub(super) at: RegionId,
    pub(super) remaining: u16,
    /// The standbys whose acknowledgement it still counts (each at most once).
    pub(super) waiting_on: RegionSet,
    pub(super) reply_to: RegionId,
    pub(super) version: Version,
    pub(super) op: OpId,
}

/// Where a waiting write is filed in `ActivePassive::pending`: its operation's slot, then its
/// generation. A slot is reused once its client gives up (a timeout), possibly while the write
/// still waits at the primary, so the slot alone does not name it; ordered by slot first, the
/// writes are released in the order they always were when no slot holds two.
pub(super) fn pending_key(op: OpId) -> (usize, u64) {
    (op.index(), op.gen())
}

impl ActivePassive {
    /// The primary acknowledges a write (bookkeeping for RPO and split brain: the write is
    /// filed with the world under a fresh ticket, remembered by log position).
    pub(super) fn acknowledge(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        p: RegionId,
        op: OpId,
        v: Version,
    ) {
        let n = self.acked[p as usize];
        self.acked[p as usize] = n + 1;
        self.applied[p as usize] = n + 1;
        let ticket = self.tickets;
        self.tickets += 1;
        let ring = &mut self.acks[p as usize];
        if ring.is_empty() {
            *ring = vec![(u64::MAX, 0, SimTime::MAX); RING as usize];
        }
        ring[(position(v) % RING) as usize] = (v.stamp, ticket, ctx.now());
        let stale = self.view[p as usize].1 < self.controller_epoch;
        ctx.acked(ticket, op, v, stale);
    }

    /// Whether primary `p` waits for standbys before acknowledging a write now.
    pub(super) fn waits(&self, p: RegionId) -> bool {
        match self.cfg.replication {
            Replication::Async => false,
            Replication::Sync => true,
            Replication::SemiSync { .. } => self.fallback_since[p as usize] == SimTime::MAX,
        }
    }

    /// The standbys among `copies` whose acknowledgement counts for a waiting write (with a
    /// `SyncQuorum`, those it lists).
    pub(super) fn counted(&self, copies: RegionSet) -> RegionSet {
        match (self.cfg.replication, self.cfg.sync_quorum) {
            (Replication::Sync, Some(q)) => copies.minus(copies.minus(q.of)),
            _ => copies,
        }
    }

    /// How many acknowledgements a write shipped to `copies` waits for (0: none).
    pub(super) fn needed(&self, copies: RegionSet) -> u16 {
        match (self.cfg.replication, self.cfg.sync_quorum) {
            // Semi-sync waits for one standby even when none is reachable (MySQL's
            // `rpl_semi_sync_master_wait_no_slave = ON`): the timeout releases it.
            (Replication::SemiSync { .. }, _) => 1,
            (_, None) => copies.len() as u16,
            (_, Some(q)) => (self.counted(copies).len() as u16).min(q.any),
        }
    }

    /// When standby `s` acknowledges, ns after receipt.
    pub(super) fn ack_delay(&self, s: RegionId) -> u64 {
        match self
            .cfg
            .ack
            .get(s as usize)
            .copied()
            .unwrap_or(Ack::Applied)
        {
            Ack::Received => 0,
            Ack::Flushed => self.cfg.flush_ns,
            Ack::Applied => self.cfg.flush_ns + self.cfg.apply_ns,
        }
    }

    /// Standby `at` received `version` from `from`: it acknowledges at its ack point when the
    /// primary waits for it (a sync write to a synchronous standby; every entry under
    /// semi-sync).
    pub(super) fn ack_if_asked(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        at: RegionId,
        from: RegionId,
        op: OpId,
        version: Version,
        waits: bool,
    ) {
        let asked = match self.cfg.replication {
            Replication::Async => false,
            Replication::SemiSync { .. } => true,
            Replication::Sync => waits && self.cfg.sync_quorum.is_none_or(|q| q.of.contains(at)),
        };
        if !asked {
            return;
        }
        let pos = position(version);
        match self.ack_delay(at) {
            0 => ctx.send(at, from, ApMsg::Ack { op, pos }, HEADER_BYTES),
            d => ctx.set_timer(at, d, ApTimer::Ack { op, to: from, pos }),
        }
    }

    /// Primary `at` hears standby `s`'s acknowledgement of `op` at log position `pos`.
    pub(super) fn on_ack(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        at: RegionId,
        s: RegionId,
        (op, pos): (OpId, u64),
    ) {
        self.caught_up_with(ctx.now(), at, pos);
        self.count_ack(ctx, at, s, pending_key(op));
    }

    /// Semi-sync: a standby acknowledged primary `at`'s log position `pos`; if that is its
    /// latest write, the standby caught up and the primary waits for standbys again.
    fn caught_up_with(&mut self, now: SimTime, at: RegionId, pos: u64) {
        let fallen = self.fallback_since[at as usize] != SimTime::MAX;
        if fallen && self.is_primary(at) && pos >= self.log_pos[at as usize] {
            self.fallback_ends(now, at);
        }
    }

    /// The write waiting under `key` (if any) counts standby `s`'s acknowledgement (once, and
    /// only if it waits for `s`); the last one it waits for releases it.
    fn count_ack(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        at: RegionId,
        s: RegionId,
        key: (usize, u64),
    ) {
        let Some(p) = self.pending.get_mut(&key) else {
            return;
        };
        // An entry waits for at least one more (it goes at its last).
        if !p.waiting_on.contains(s) {
            return;
        }
        p.waiting_on.remove(s);
        p.remaining -= 1;
        if p.remaining == 0 {
            let (to, v, op) = (p.reply_to, p.version, p.op);
            self.pending.remove(&key);
            if self.is_primary(at) {
                self.acknowledge(ctx, at, op, v);
                ctx.answer(at, to, op, Outcome::Write(v));
                self.hand_off_when_drained(ctx, at, false);
            }
        }
    }

    /// Standby `s` installed primary `p`'s snapshot, which holds every entry of `p`'s log up
    /// to `upto` (a stamp): it reports that position at its ack point, as a PostgreSQL standby
    /// reports its flush position once it has streamed the WAL it missed, if `p` waits for it.
    pub(super) fn report_position(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        s: RegionId,
        p: RegionId,
        upto: u64,
    ) {
        let asked = match self.cfg.replication {
            Replication::Async => false,
            Replication::SemiSync { .. } => true,
            Replication::Sync => self.cfg.sync_quorum.is_none_or(|q| q.of.contains(s)),
        };
        if !asked {
            return;
        }
        match self.ack_delay(s) {
            0 => ctx.send(s, p, ApMsg::Holds { upto }, HEADER_BYTES),
            d => ctx.set_timer(s, d, ApTimer::Holds { to: p, upto }),
        }
    }

    /// Primary `at` hears that standby `s` holds every entry of its log up to `upto`: every
    /// write up to there that waits for `s` counts its acknowledgement (by `pending_key`).
    pub(super) fn on_holds(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        at: RegionId,
        s: RegionId,
        upto: u64,
    ) {
        let epoch = epoch_of(upto);
        if !self.is_primary(at) || epoch != self.view[at as usize].1 {
            return;
        }
        self.caught_up_with(ctx.now(), at, position_of(upto));
        let covered: Vec<_> = self
            .pending
            .iter()
            .filter(|(_, p)| {
                p.at == at && epoch_of(p.version.stamp) == epoch && p.version.stamp <= upto
            })
            .map(|(&k, _)| k)
            .collect();
        for k in covered {
            self.count_ack(ctx, at, s, k);
        }
    }

    /// Semi-sync: `op` waited the timeout at primary `at`. If it still waits, the primary
    /// falls back to async and acknowledges every write still waiting (by `pending_key`).
    pub(super) fn semi_timeout(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        at: RegionId,
        op: OpId,
    ) {
        let waiting = self.pending.contains_key(&pending_key(op));
        if !waiting || !self.is_primary(at) {
            return;
        }
        if self.fallback_since[at as usize] == SimTime::MAX {
            self.fallback_since[at as usize] = ctx.now();
            self.fallbacks += 1;
        }
        let released: Vec<_> = self
            .pending
            .iter()
            .filter(|(_, p)| p.at == at)
            .map(|(&k, _)| k)
            .collect();
        for k in released {
            let p = self.pending.remove(&k).expect("listed just above");
            self.acknowledge(ctx, at, p.op, p.version);
            ctx.answer(at, p.reply_to, p.op, Outcome::Write(p.version));
        }
        self.hand_off_when_drained(ctx, at, false);
    }

    /// Region `r` went down, or stepped down as primary: the writes waiting at it die with it
    /// (a PostgreSQL backend waiting for its synchronous standbys dies with the server; the
    /// client's request fails at its timeout), so no acknowledgement after it comes back and
    /// no semi-sync timeout after it leads again releases them.
    pub(super) fn drop_waiting(&mut self, r: RegionId) {
        self.pending.retain(|_, p| p.at != r);
    }

    /// Region `r`'s fallback (if any) ends at `now`: it waits for standbys again.
    pub(super) fn fallback_ends(&mut self, now: SimTime, r: RegionId) {
        let since = std::mem::replace(&mut self.fallback_since[r as usize], SimTime::MAX);
        if since != SimTime::MAX {
            self.fallback_ns += now.saturating_since(since);
        }
    }

    /// The strategy figures of semi-sync (none for the other modes).
    pub(super) fn semi_sync_figures(&self) -> Vec<(&'static str, f64)> {
        match self.cfg.replication {
            Replication::SemiSync { .. } => vec![
                ("semi_sync_fallbacks", self.fallbacks as f64),
                ("semi_sync_fallback_s", self.fallback_ns as f64 / 1e9),
            ],
            _ => Vec::new(),
        }
    }
}
