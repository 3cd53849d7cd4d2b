//! Catch-up of a member that was down or cut off in `consensus`: what a region keeps and loses
//! when it goes down, how it comes back (possibly empty), and how it installs the leader's
//! snapshot when the entries it needs were compacted. (The leader decides to send a
//! snapshot in `replication::replicate`; resends of missing entries go through
//! `AppendNack` there too.)
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::{CMsg, Consensus, Cx};
use crate::strategy::replica::RegionSet;
use crate::strategy::HEADER_BYTES;
use crate::time::SimTime;
use crate::topology::RegionId;

impl Consensus {
    /// A member installs the leader's snapshot up to `index`.
    pub(super) fn on_snapshot(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        from: RegionId,
        term: u32,
        index: u64,
        index_term: u32,
    ) {
        if self.refuse_stale(ctx, at, from, term) {
            return;
        }
        self.follow(ctx, at, from, term);
        let n = &mut self.nodes[at as usize];
        if index > n.applied {
            if !(index <= n.last() && n.term_at(index) == Some(index_term)) {
                n.base = index;
                n.base_term = index_term;
                n.runs.clear();
            }
            n.applied = index;
            n.commit = n.commit.max(index);
            // The leader's applied state (it may since have applied a little more; versions
            // only grow, so that is harmless).
            self.store.merge_newer(at, from, |_| true);
        }
        let n = &mut self.nodes[at as usize];
        n.verified = n.verified.max(index.min(n.last()));
        let resend = n.drain();
        let matched = n.verified;
        if let Some(h) = resend {
            self.nack(ctx, at, from, h, false);
        }
        let ack = CMsg::AppendAck {
            term,
            matched,
            sent: SimTime::ZERO,
        };
        ctx.send(at, from, ack, HEADER_BYTES);
        self.apply_follower(ctx, at);
    }

    /// `region` goes down: it keeps its durable state (log, term, vote, applied state) and
    /// loses the rest.
    pub(super) fn region_down(&mut self, ctx: &mut Cx<'_>, region: RegionId) {
        self.step_down(ctx, region, false);
        let n = &mut self.nodes[region as usize];
        n.leaderless();
        n.held.clear();
        n.seq = n.seq.wrapping_add(1);
        self.waiting[region as usize].clear();
    }

    /// `region`, back from an outage, has caught up once it has applied every entry
    /// committed anywhere when it came back (catch-up time, not replication lag).
    pub(super) fn check_caught_up(&mut self, ctx: &mut Cx<'_>, at: RegionId) {
        let Some(target) = self.catch_up[at as usize] else {
            return;
        };
        if self.nodes[at as usize].applied >= target {
            self.catch_up[at as usize] = None;
            ctx.caught_up(at);
        }
    }

    /// `region` comes back as a follower (with `empty`, without log or state).
    pub(super) fn region_up(&mut self, ctx: &mut Cx<'_>, region: RegionId, empty: bool) {
        let n = &mut self.nodes[region as usize];
        // Everyone is trusted until the restarted detector says otherwise.
        n.suspects = RegionSet::EMPTY;
        if empty {
            n.wiped = true;
            n.base = 0;
            n.base_term = 0;
            n.runs.clear();
            n.verified = 0;
            n.commit = 0;
            n.applied = 0;
            // Its state is gone: what it knew to be applied by then no longer is.
            n.safe = SimTime::ZERO;
            n.heard = (0, SimTime::ZERO);
            self.store.wipe(region);
        }
        if self.is_member(region) {
            self.arm(ctx, region);
            let committed = self.nodes.iter().map(|n| n.commit).max().unwrap_or(0);
            self.catch_up[region as usize] = Some(committed);
            self.check_caught_up(ctx, region);
        }
        // It leads nothing after a restart: whoever still follows it must know (an outage
        // shorter than the detector's timeout goes unnoticed otherwise).
        let term = self.nodes[region as usize].term;
        for r in 0..self.nodes.len() as RegionId {
            if r != region {
                ctx.send(region, r, CMsg::Resign { term }, HEADER_BYTES);
            }
        }
    }
}
