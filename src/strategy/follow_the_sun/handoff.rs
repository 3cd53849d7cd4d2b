//! Handoffs of `follow-the-sun`: at a boundary the outgoing primary stops taking writes and
//! sends a `Handoff` carrying its last log position; the incoming primary takes over once it
//! has it and has applied the whole log, then runs the operations that waited for it.
//!
//! Owns where an operation goes once it reaches a region on its way to the primary (run it,
//! forward it, or queue or fail it under `HandoffPolicy`), whom to hand off to (the next
//! reachable region of the schedule), starting and completing a handoff, its queue of waiting
//! operations, and the retry after `HANDOFF_RETRY_NS` (send the `Handoff` again with a
//! `Snapshot`, or skip an incoming primary out of reach).
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::{Cx, FollowTheSun, FtsMsg, FtsTimer, Handoff, HandoffPolicy, Queued};
use crate::strategy::{replica, Outcome, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::OpKind;

/// A handoff still running after this long is retried (or re-targeted).
const HANDOFF_RETRY_NS: u64 = 2_000_000_000;

impl FollowTheSun {
    /// Where primary `p` should hand off now: the first region of the current and
    /// following shifts that it does not suspect, unless `p` itself comes first.
    pub(super) fn pick(&self, now: SimTime, p: RegionId) -> Option<RegionId> {
        let shifts = &self.cfg.shifts;
        let i = self.shift_at(now);
        (0..shifts.len())
            .map(|k| shifts[(i + k) % shifts.len()].region)
            .find(|&r| r == p || !self.suspects.contains(p, r))
            .filter(|&r| r != p)
    }

    /// A write or primary read reached region `at` on its way to the primary.
    pub(super) fn arrive(&mut self, ctx: &mut Cx<'_>, at: RegionId, q: Queued) {
        if self.active == Some(at) {
            return self.execute(ctx, at, q);
        }
        let Some(h) = self.handoff else {
            let p = self.target();
            return self.forward(ctx, at, p, q);
        };
        if q.kind == OpKind::Read {
            // The outgoing primary holds every acknowledged write and takes no new ones.
            if at == h.from {
                self.execute(ctx, at, q);
            } else if at == h.to {
                self.queue.push(q);
            } else {
                self.forward(ctx, at, h.to, q);
            }
            return;
        }
        match self.cfg.during_handoff {
            HandoffPolicy::Fail => {
                self.handoff_failed += 1;
                ctx.answer(at, q.client, q.op, Outcome::Failed);
            }
            HandoffPolicy::Wait if at == h.to => {
                self.handoff_queued += 1;
                self.queue.push(q);
            }
            HandoffPolicy::Wait => self.forward(ctx, at, h.to, q),
        }
    }

    /// The primary `from` hands over to `to`; the handoff's time counts from `since` (the
    /// boundary that called for it).
    pub(super) fn start_handoff(
        &mut self,
        ctx: &mut Cx<'_>,
        from: RegionId,
        to: RegionId,
        since: SimTime,
    ) {
        if to != self.primary_at(ctx.now()) {
            self.skipped += 1;
        }
        self.epoch += 1;
        self.active = None;
        self.handoff = Some(Handoff {
            from,
            to,
            boundary: since,
            last_pos: self.log_pos,
            received: false,
            epoch: self.epoch,
        });
        self.set_writable(ctx, from, false);
        let msg = FtsMsg::Handoff {
            last_pos: self.log_pos,
            epoch: self.epoch,
            prev: self.last_written[from as usize],
        };
        ctx.send(from, to, msg, HEADER_BYTES);
        let retry = FtsTimer::HandoffRetry { epoch: self.epoch };
        ctx.set_timer(from, HANDOFF_RETRY_NS, retry);
    }

    /// The incoming primary takes over once it has the handoff and the whole log.
    pub(super) fn try_activate(&mut self, ctx: &mut Cx<'_>) {
        let Some(h) = self.handoff else {
            return;
        };
        if !h.received || self.upto[h.to as usize] < h.last_pos {
            return;
        }
        self.handoff = None;
        self.active = Some(h.to);
        self.set_writable(ctx, h.to, true);
        self.handoffs += 1;
        self.handoff_ns += ctx.now().saturating_since(h.boundary) as u128;
        self.run_queue(ctx, h.to);
        // A boundary passed during the handoff: hand over again.
        if let Some(next) = self.pick(ctx.now(), h.to) {
            self.start_handoff(ctx, h.to, next, self.last_boundary);
        }
    }

    /// The new primary `p` runs the operations that waited for it.
    pub(super) fn run_queue(&mut self, ctx: &mut Cx<'_>, p: RegionId) {
        let mut queue = std::mem::take(&mut self.queue);
        for q in queue.drain(..) {
            self.execute(ctx, p, q);
        }
        self.queue = queue;
    }

    /// The operations queued at `at` fail (answered if `at` is up).
    pub(super) fn fail_queue(&mut self, ctx: &mut Cx<'_>, at: RegionId) {
        let mut queue = std::mem::take(&mut self.queue);
        for q in queue.drain(..) {
            if self.up[at as usize] {
                ctx.answer(at, q.client, q.op, Outcome::Failed);
            }
        }
        self.queue = queue;
    }

    /// The outgoing primary `at` checks whether handoff `epoch` completed; if not, it skips
    /// an incoming primary it suspects, or sends the `Handoff` again with a `Snapshot`.
    pub(super) fn retry_handoff(&mut self, ctx: &mut Cx<'_>, at: RegionId, epoch: u32) {
        let Some(h) = self.handoff.filter(|h| h.epoch == epoch && h.from == at) else {
            return;
        };
        self.handoff_retries += 1;
        if self.suspects.contains(at, h.to) {
            // The incoming primary is out of reach: skip it, or keep the role.
            self.fail_queue(ctx, h.to);
            self.handoff = None;
            self.active = Some(at);
            self.set_writable(ctx, at, true);
            if let Some(to) = self.pick(ctx.now(), at) {
                self.start_handoff(ctx, at, to, h.boundary);
            }
            return;
        }
        // Replication or the handoff itself may have been lost: send both again.
        replica::send_snapshot(ctx, &self.store, at, h.to, FtsMsg::Snapshot);
        let msg = FtsMsg::Handoff {
            last_pos: h.last_pos,
            epoch,
            prev: self.last_written[at as usize],
        };
        ctx.send(at, h.to, msg, HEADER_BYTES);
        ctx.set_timer(at, HANDOFF_RETRY_NS, FtsTimer::HandoffRetry { epoch });
    }
}
