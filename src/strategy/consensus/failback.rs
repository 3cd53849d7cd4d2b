//! Failback in `consensus` (`failback = "auto"`): handing leadership back to the preferred
//! member after it recovers, by a leadership transfer (Raft thesis §3.10, `TimeoutNow`).
//!
//! The leader watches the preferred member through its failure detector. Once it has reached
//! it continuously for the hold time, it starts a transfer: it accepts no new writes (they
//! fail fast; clients retry), sends the preferred member whatever it is missing, and as soon
//! as that member's log matches its own last entry sends it `TimeoutNow`. The member then
//! stands for election at once (no pre-vote, and its `RequestVote` is marked as a transfer,
//! so members following the live leader vote too); the old leader steps down on the newer
//! term. Every committed entry is on the new leader (its log matched the old leader's), so a
//! transfer loses no acknowledged write; entries the old leader had not committed fail back
//! to their clients, which retry. A transfer that has not completed within
//! `TRANSFER_LIMIT_NS` is abandoned (the leader accepts writes again and a new hold starts).
//! Each change of leader is recorded in the leadership timeline.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::{CMsg, CTimer, Consensus, Cx, Role};
use crate::strategy::{Failback, Leadership, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;

/// A transfer that has not completed after this long is abandoned, ns.
const TRANSFER_LIMIT_NS: u64 = 2_000_000_000;

/// A leadership transfer in progress.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) struct Transfer {
    /// The leader handing over.
    pub(super) from: RegionId,
    /// The member taking over.
    pub(super) to: RegionId,
    /// The leader's term.
    pub(super) term: u32,
    /// Whether `TimeoutNow` was sent.
    pub(super) sent: bool,
}

impl Consensus {
    /// The leader `l` of `term` starts (`reachable`) or stops reaching the preferred member.
    pub(super) fn preferred_reachable(
        &mut self,
        ctx: &mut Cx<'_>,
        l: RegionId,
        term: u32,
        reachable: bool,
    ) {
        let Failback::Auto { hold_ns } = self.cfg.failback else {
            return;
        };
        if l == self.cfg.preferred {
            return;
        }
        if reachable {
            if self.preferred_seen == SimTime::MAX {
                self.preferred_seen = ctx.now();
                ctx.set_timer(l, hold_ns.max(1), CTimer::Failback { term });
            }
        } else {
            self.preferred_seen = SimTime::MAX;
        }
    }

    /// `l` became leader: record it, and start watching the preferred member.
    pub(super) fn took_over(&mut self, ctx: &mut Cx<'_>, l: RegionId) {
        let reason = if self.transfer.is_some_and(|t| t.to == l) {
            "failback"
        } else {
            "failover"
        };
        self.transfer = None;
        self.leadership.push(Leadership {
            t: ctx.now(),
            region: l,
            reason,
        });
        self.preferred_seen = SimTime::MAX;
        let term = self.nodes[l as usize].term;
        let reachable = !self.suspects(l, self.cfg.preferred);
        self.preferred_reachable(ctx, l, term, reachable);
    }

    /// Whether `l` is leading a transfer away (it takes no new writes).
    pub(super) fn transferring(&self, l: RegionId) -> bool {
        self.transfer.is_some_and(|t| t.from == l)
    }

    /// A failback timer of `term` fired at `at`.
    pub(super) fn on_failback_timer(&mut self, ctx: &mut Cx<'_>, at: RegionId, term: u32) {
        let Failback::Auto { hold_ns } = self.cfg.failback else {
            return;
        };
        let pref = self.cfg.preferred;
        let n = &self.nodes[at as usize];
        if n.role != Role::Leader || n.term != term || at == pref {
            return;
        }
        if self
            .transfer
            .is_some_and(|t| t.from == at && t.term == term)
        {
            // The transfer stalled: resume, and try again after a new hold.
            self.transfer = None;
            self.preferred_seen = SimTime::MAX;
            let reachable = !self.suspects(at, pref);
            self.preferred_reachable(ctx, at, term, reachable);
            return;
        }
        if self.preferred_seen == SimTime::MAX || self.suspects(at, pref) {
            return;
        }
        if ctx.now().saturating_since(self.preferred_seen) < hold_ns {
            return;
        }
        self.transfer = Some(Transfer {
            from: at,
            to: pref,
            term,
            sent: false,
        });
        ctx.set_timer(at, TRANSFER_LIMIT_NS, CTimer::Failback { term });
        self.replicate(ctx, at, pref, true);
        self.transfer_if_caught_up(ctx, at);
    }

    /// During a transfer, once the target's log matches the leader's last entry, the leader
    /// sends it `TimeoutNow`.
    pub(super) fn transfer_if_caught_up(&mut self, ctx: &mut Cx<'_>, l: RegionId) {
        let Some(t) = self.transfer.filter(|t| t.from == l && !t.sent) else {
            return;
        };
        let n = &self.nodes[l as usize];
        if n.role != Role::Leader || n.term != t.term {
            return;
        }
        if n.matched[self.pos[t.to as usize]] < n.last() {
            return;
        }
        if let Some(x) = self.transfer.as_mut() {
            x.sent = true;
        }
        ctx.send(l, t.to, CMsg::TimeoutNow { term: t.term }, HEADER_BYTES);
    }

    /// `at` is told by its leader `from` to stand for election at once.
    pub(super) fn on_timeout_now(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        from: RegionId,
        term: u32,
    ) {
        let n = &self.nodes[at as usize];
        if !self.is_member(at) || n.term != term || n.leader != Some(from) || n.role == Role::Leader
        {
            return;
        }
        self.start_election_as(ctx, at, true);
    }
}
