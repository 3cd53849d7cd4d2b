//! Client operations at the leader and linearizable reads in `consensus`: the leader runs
//! operations (writes go to replication), holds reads until its first entry is committed,
//! then hands them to `confirm` (served at once under a lease, or after a heartbeat round),
//! and answers read-index requests the same way; a member serves a read-index read once it
//! has applied up to the index.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::{CMsg, Consensus, Cx, Role};
use crate::strategy::{OpId, Outcome, HEADER_BYTES};
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};

/// A read the leader holds until its first entry is committed.
#[derive(Copy, Clone, Debug)]
pub(super) struct Held {
    pub(super) op: OpId,
    pub(super) key: Key,
    pub(super) reply_to: RegionId,
    /// A read-index request (answer with the commit index) rather than a lease read.
    pub(super) index_read: bool,
    /// The leader's commit index when the read reached it (set by `confirm`).
    pub(super) index: u64,
}

/// A read-index read waiting at a follower, in the table slot of its operation (`op` says
/// whose: a late answer for an operation that has finished since, whose slot another read
/// has taken, must not touch that read's entry).
#[derive(Copy, Clone, Debug)]
pub(super) struct WaitingRead {
    pub(super) op: OpId,
    pub(super) key: Key,
    pub(super) index: u64,
}

impl Default for WaitingRead {
    /// A free entry (generation 0 is no operation's: `OpId` generations start at 1).
    fn default() -> Self {
        WaitingRead {
            op: OpId(0),
            key: 0,
            index: 0,
        }
    }
}

impl Consensus {
    /// The new leader's first entry is committed: it serves the reads it held (after a
    /// round unless its lease covers them).
    pub(super) fn serve_held(&mut self, ctx: &mut Cx<'_>, l: RegionId) {
        let mut held = std::mem::take(&mut self.nodes[l as usize].held);
        for h in held.drain(..) {
            self.leader_serve(ctx, l, h);
        }
        self.nodes[l as usize].held = held;
    }

    /// The leader serves a read from its applied state.
    pub(super) fn leader_read(
        &self,
        ctx: &mut Cx<'_>,
        l: RegionId,
        op: OpId,
        key: Key,
        to: RegionId,
    ) {
        let v = self.store.get(l, key);
        ctx.answer(l, to, op, Outcome::Read(v));
    }

    /// The leader `l` runs an operation for a client in region `to`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn execute(
        &mut self,
        ctx: &mut Cx<'_>,
        l: RegionId,
        op: OpId,
        kind: OpKind,
        key: Key,
        bytes: u32,
        to: RegionId,
    ) {
        if !self.serving(l) {
            ctx.answer(l, to, op, Outcome::Failed);
            if to != l && self.nodes[l as usize].role != Role::Leader {
                // The sender still takes this region for its leader.
                let term = self.nodes[l as usize].term;
                ctx.send(l, to, CMsg::Resign { term }, HEADER_BYTES);
            }
            return;
        }
        match kind {
            // A leader handing over takes no new writes (they fail fast; clients retry).
            OpKind::Write if self.transferring(l) => ctx.answer(l, to, op, Outcome::Failed),
            OpKind::Write => self.append_write(ctx, l, op, key, bytes, to),
            OpKind::Read => {
                let h = Held {
                    op,
                    key,
                    reply_to: to,
                    index_read: false,
                    index: 0,
                };
                let n = &mut self.nodes[l as usize];
                if n.commit >= n.ready {
                    self.leader_serve(ctx, l, h);
                } else {
                    n.held.push(h);
                }
            }
        }
    }

    /// The leader `at` is asked by `from` for its commit index (a read-index read).
    pub(super) fn on_read_index(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        from: RegionId,
        op: OpId,
    ) {
        if !self.serving(at) {
            ctx.answer(at, from, op, Outcome::Failed);
            if self.nodes[at as usize].role != Role::Leader {
                let term = self.nodes[at as usize].term;
                ctx.send(at, from, CMsg::Resign { term }, HEADER_BYTES);
            }
            return;
        }
        let h = Held {
            op,
            key: 0,
            reply_to: from,
            index_read: true,
            index: 0,
        };
        let n = &mut self.nodes[at as usize];
        if n.commit >= n.ready {
            self.leader_serve(ctx, at, h);
        } else {
            n.held.push(h);
        }
    }

    /// A member learns the commit index its read must observe (ignored when the read's entry
    /// now belongs to another operation: `op` finished, or was given up, since it asked).
    pub(super) fn on_read_index_reply(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        op: OpId,
        index: u64,
    ) {
        let Some(w) = self.reads.get_mut(op.index()).filter(|w| w.op == op) else {
            return;
        };
        if self.nodes[at as usize].applied >= index {
            let v = self.store.get(at, w.key);
            ctx.reply(op, Outcome::Read(v));
        } else {
            w.index = index;
            self.waiting[at as usize].push(op);
            self.read_index_waits += 1;
        }
    }

    /// The member `at` has applied up to `applied`: it serves the read-index reads waiting
    /// for that (and drops those whose entry another operation has taken since).
    pub(super) fn serve_waiting(&mut self, ctx: &mut Cx<'_>, at: RegionId, applied: u64) {
        let waiting = &mut self.waiting[at as usize];
        if waiting.is_empty() {
            return;
        }
        let (reads, store) = (&self.reads, &self.store);
        waiting.retain(|&op| {
            let w = reads[op.index()];
            if w.op != op {
                return false;
            }
            if w.index > applied {
                return true;
            }
            ctx.reply(op, Outcome::Read(store.get(at, w.key)));
            false
        });
    }
}
