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
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::{position, Ack, ActivePassive, ApMsg, ApTimer, Replication};
use crate::strategy::replica::RegionSet;
use crate::strategy::{Ctx, OpId, Outcome, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;

impl ActivePassive {
    /// Whether primary `p` waits for standbys before acknowledging a write now.
    pub(super) fn waits(&self, p: RegionId) -> bool {
        match self.cfg.replication {
            Replication::Async => false,
            Replication::Sync => true,
            Replication::SemiSync { .. } => self.fallback_since[p as usize] == SimTime::MAX,
        }
    }

    /// How many acknowledgements a write shipped to `copies` waits for (0: none).
    pub(super) fn needed(&self, copies: RegionSet) -> u16 {
        match (self.cfg.replication, self.cfg.sync_quorum) {
            // Semi-sync waits for one standby even when none is reachable (MySQL's
            // `rpl_semi_sync_master_wait_no_slave = ON`): the timeout releases it.
            (Replication::SemiSync { .. }, _) => 1,
            (_, None) => copies.len() as u16,
            (_, Some(q)) => {
                let listed = copies.iter().filter(|&s| q.of.contains(s)).count() as u16;
                listed.min(q.any)
            }
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

    /// Primary `at` hears a standby's acknowledgement of `op` at log position `pos`.
    pub(super) fn on_ack(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        at: RegionId,
        op: OpId,
        pos: u64,
    ) {
        let fallen = self.fallback_since[at as usize] != SimTime::MAX;
        if fallen && self.is_primary(at) && pos >= self.log_pos[at as usize] {
            // A standby caught up with the latest write: semi-sync again.
            self.fallback_ends(ctx.now(), at);
        }
        let Some(p) = self.pending.get_mut(op.index()) else {
            return;
        };
        if p.op != Some(op) || p.remaining == 0 {
            return;
        }
        p.remaining -= 1;
        if p.remaining == 0 {
            let (to, v) = (p.reply_to, p.version);
            p.op = None;
            if self.is_primary(at) {
                self.acknowledge(ctx, at, op, v);
                ctx.answer(at, to, op, Outcome::Write(v));
            }
        }
    }

    /// Semi-sync: `op` waited the timeout at primary `at`. If it still waits, the primary
    /// falls back to async and acknowledges every write still waiting (in slot order).
    pub(super) fn semi_timeout(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        at: RegionId,
        op: OpId,
    ) {
        let waiting = self
            .pending
            .get(op.index())
            .is_some_and(|p| p.op == Some(op) && p.remaining > 0);
        if !waiting || !self.is_primary(at) {
            return;
        }
        if self.fallback_since[at as usize] == SimTime::MAX {
            self.fallback_since[at as usize] = ctx.now();
            self.fallbacks += 1;
        }
        for i in 0..self.pending.len() {
            let p = self.pending[i];
            let Some(w) = p.op.filter(|_| p.at == at && p.remaining > 0) else {
                continue;
            };
            self.pending[i].op = None;
            self.acknowledge(ctx, at, w, p.version);
            ctx.answer(at, p.reply_to, w, Outcome::Write(p.version));
        }
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
