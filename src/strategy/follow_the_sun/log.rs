//! The global log of `follow-the-sun`: the active primary orders every write (its
//! `Version::stamp` is the log position, which keeps increasing across handoffs),
//! acknowledges it at once and ships it to every other region; each region tracks the longest
//! prefix of positions it has applied, plus those applied ahead of a gap.
//!
//! Owns running an operation at the active primary, applying a log entry at a region and
//! merging another region's state (`Snapshot`).
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
                let msg = FtsMsg::Replicate {
                    key: q.key,
                    version,
                    acked_at,
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
