//! The global log of `follow-the-sun`: the active primary orders every write (its
//! `Version::stamp` is the log position, which keeps increasing across handoffs),
//! acknowledges it at once and ships it to every other region; each region tracks the longest
//! prefix of positions it has applied, plus those applied ahead of a gap.
//!
//! Owns running an operation at the active primary, applying a log entry at a region,
//! noticing a gap (a message naming a previous entry of its sender that the region does not
//! hold: a cut dropped it) and asking for a catch-up (`CatchUp`, at most one outstanding per
//! holder: `replica::Channels::ask`), and merging another region's state (`Snapshot`).
//!
//! The gap is found from the log positions (`prev`), not from `Channels`' per-pair numbers:
//! a region's log is fed by every primary in turn and by snapshots from whichever region
//! holds the latest writes (the one asked, a new primary after a failover), so the question
//! is whether it holds the sender's previous entry from any source, which a number per
//! channel cannot answer (it would ask again for entries another region's snapshot gave it).
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::{Cx, FollowTheSun, FtsMsg, Queued};
use crate::strategy::{Outcome, Version, HEADER_BYTES};
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};

impl FollowTheSun {
    /// Region `region` applies log entry `v` (its stamp is the log position).
    pub(super) fn apply(&mut self, region: RegionId, key: Key, v: Version) {
        self.store.apply(region, key, v);
        let r = region as usize;
        let pos = v.stamp;
        if pos == self.upto[r] + 1 {
            self.upto[r] = pos;
            while self.ahead[r].remove(&(self.upto[r] + 1)) {
                self.upto[r] += 1;
            }
        } else if pos > self.upto[r] {
            self.ahead[r].insert(pos);
        }
    }

    /// Whether region `r` holds log position `pos` (applied it, or installed a snapshot
    /// covering it; 0 stands for no position).
    fn holds(&self, r: RegionId, pos: u64) -> bool {
        pos <= self.upto[r as usize] || self.ahead[r as usize].contains(&pos)
    }

    /// Region `at` asks `to` for a catch-up (`CatchUp`, answered by a snapshot), recorded as
    /// outstanding (`replica::Channels::ask`) so that gaps wait for it.
    pub(super) fn ask(&mut self, ctx: &mut Cx<'_>, at: RegionId, to: RegionId) {
        self.chans.ask(at, to, ctx.now());
        ctx.send(at, to, FtsMsg::CatchUp, HEADER_BYTES);
    }

    /// Region `at` received from `from` a message sent after `from`'s log entry at `prev`
    /// (over the same channel): if `at` does not hold that entry, a cut dropped it, and `at`
    /// asks the region holding the latest writes (`holder`: the primary, or the outgoing one
    /// of a handoff) for the catch-up, as a streaming replica re-requests from its last
    /// position. Not while a request to the holder is outstanding (`replica::Channels::ask`,
    /// taken as lost after `Channels::RETRY_NS`: the snapshot will cover it), nor while `at`
    /// suspects the holder (it asks when it stops suspecting it), nor over an unordered
    /// channel (`network.fifo = false`: a gap may be a reordering).
    pub(super) fn check_gap(&mut self, ctx: &mut Cx<'_>, at: RegionId, from: RegionId, prev: u64) {
        if self.holds(at, prev) || !ctx.topology().fifo(from, at) {
            return;
        }
        let holder = self.holder();
        let reach = holder != at && !self.suspects.contains(at, holder);
        if reach && self.chans.ask(at, holder, ctx.now()) {
            ctx.send(at, holder, FtsMsg::CatchUp, HEADER_BYTES);
        }
    }

    /// The active primary runs an operation.
    pub(super) fn execute(&mut self, ctx: &mut Cx<'_>, p: RegionId, q: Queued) {
        match q.kind {
            OpKind::Read => {
                let v = self.store.get(p, q.key);
                ctx.answer(p, q.client, q.op, Outcome::Read(v));
            }
            OpKind::Write => {
                self.log_pos += 1;
                let version = Version {
                    stamp: self.log_pos,
                    origin: p,
                };
                self.apply(p, q.key, version);
                ctx.answer(p, q.client, q.op, Outcome::Write(version));
                let acked_at = ctx.now();
                self.ack_times.record(self.log_pos, acked_at);
                self.acks.ack(ctx, q.op, p, q.key, version, false);
                let prev = std::mem::replace(&mut self.last_written[p as usize], self.log_pos);
                let msg = FtsMsg::Replicate {
                    key: q.key,
                    version,
                    acked_at,
                    prev,
                };
                let wire = HEADER_BYTES + q.bytes as u64;
                for r in 0..self.regions as RegionId {
                    if r != p {
                        ctx.send_data(p, r, q.key, msg, wire);
                    }
                }
            }
        }
    }

    /// Region `at` merges `from`'s state.
    pub(super) fn install(&mut self, ctx: &mut Cx<'_>, at: RegionId, from: RegionId) {
        self.store.merge_newer(at, from, |_| true);
        let r = at as usize;
        let upto = self.upto[r].max(self.upto[from as usize]);
        self.upto[r] = upto;
        self.ahead[r] = self.ahead[r].split_off(&(upto + 1));
        while self.ahead[r].remove(&(self.upto[r] + 1)) {
            self.upto[r] += 1;
        }
        if self.handoff.is_some_and(|h| h.to == at) {
            self.try_activate(ctx);
        }
    }
}
