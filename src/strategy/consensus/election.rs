//! Terms and leader election in `consensus`: the election timer, stepping down, following a
//! newer term, pre-vote and vote (requests and answers), a candidate becoming leader, and
//! what a node forgets when it is left without a leader (`Node::leaderless`, also used when
//! a region goes down).
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use std::collections::VecDeque;

use rand::RngExt;

use super::log::{Data, TermLog};
use super::{CMsg, CTimer, Consensus, Cx, Node, Role};
use crate::strategy::{OpId, Outcome, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;

impl Consensus {
    pub(super) fn set_writable(&mut self, ctx: &mut Cx<'_>, r: RegionId, w: bool) {
        if self.writable[r as usize] != w {
            self.writable[r as usize] = w;
            ctx.writable(r, w);
        }
    }

    /// Arms `at`'s election timer (superseding any earlier one).
    pub(super) fn arm(&mut self, ctx: &mut Cx<'_>, at: RegionId) {
        let [lo, hi] = self.cfg.election_timeout_ns;
        let after = if hi > lo {
            ctx.rng().random_range(lo..=hi)
        } else {
            lo
        };
        let n = &mut self.nodes[at as usize];
        n.seq = n.seq.wrapping_add(1);
        ctx.set_timer(at, after.max(1), CTimer::Election { seq: n.seq });
    }

    /// `at` stops leading; with `notify`, the operations it held fail back to their
    /// clients.
    pub(super) fn step_down(&mut self, ctx: &mut Cx<'_>, at: RegionId, notify: bool) {
        if self.nodes[at as usize].role != Role::Leader {
            return;
        }
        self.set_writable(ctx, at, false);
        let n = &mut self.nodes[at as usize];
        n.role = Role::Follower;
        n.leader = None;
        let mut held = std::mem::take(&mut n.held);
        held.append(&mut self.take_rounds(at));
        if !notify {
            return;
        }
        let n = &self.nodes[at as usize];
        let (term, last) = (n.term, n.last());
        for i in n.commit.max(n.ready.saturating_sub(1)) + 1..=last {
            if n.term_at(i) != Some(term) {
                continue;
            }
            if let Some(d) = self.data(i, term).filter(|d| d.write) {
                ctx.answer(at, d.reply_to, d.op, Outcome::Failed);
            }
        }
        for h in held {
            ctx.answer(at, h.reply_to, h.op, Outcome::Failed);
        }
        // Followers must not keep treating it as their live leader.
        for r in 0..self.nodes.len() as RegionId {
            if r != at && !self.suspects(at, r) {
                ctx.send(at, r, CMsg::Resign { term }, HEADER_BYTES);
            }
        }
    }

    /// `at` forgets its leader (it stopped leading); a member waits for an election.
    pub(super) fn lose_leader(&mut self, ctx: &mut Cx<'_>, at: RegionId) {
        self.nodes[at as usize].leader = None;
        if self.is_member(at) && self.nodes[at as usize].role != Role::Leader {
            self.arm(ctx, at);
        }
    }

    /// `at` moves to the newer `term`, leaderless.
    pub(super) fn enter_term(&mut self, ctx: &mut Cx<'_>, at: RegionId, term: u32) {
        self.step_down(ctx, at, true);
        let n = &mut self.nodes[at as usize];
        n.term = term;
        n.voted_for = None;
        n.leaderless();
    }

    /// A message carried `term`: when it is newer, `at` follows it (leaderless, waiting for
    /// an election). Returns whether it was newer.
    pub(super) fn observe(&mut self, ctx: &mut Cx<'_>, at: RegionId, term: u32) -> bool {
        if term <= self.nodes[at as usize].term {
            return false;
        }
        self.enter_term(ctx, at, term);
        if self.is_member(at) {
            self.arm(ctx, at);
        }
        true
    }

    /// `at` heard from `leader`, the leader of `term` (not older than its own).
    pub(super) fn follow(&mut self, ctx: &mut Cx<'_>, at: RegionId, leader: RegionId, term: u32) {
        if term > self.nodes[at as usize].term {
            self.enter_term(ctx, at, term);
        }
        self.step_down(ctx, at, true);
        let n = &mut self.nodes[at as usize];
        n.role = Role::Follower;
        n.votes = 0;
        n.leader = Some(leader);
        n.seq = n.seq.wrapping_add(1);
    }

    /// `c` won a majority of pre-votes: it stands for election in the next term.
    pub(super) fn start_election(&mut self, ctx: &mut Cx<'_>, c: RegionId) {
        self.start_election_as(ctx, c, false);
    }

    /// `c` stands for election in the next term; with `transfer`, at its leader's request
    /// (`TimeoutNow`).
    pub(super) fn start_election_as(&mut self, ctx: &mut Cx<'_>, c: RegionId, transfer: bool) {
        let term = self.nodes[c as usize].term + 1;
        self.enter_term(ctx, c, term);
        let bit = self.bit(c);
        let n = &mut self.nodes[c as usize];
        n.role = Role::Candidate;
        n.voted_for = Some(c);
        n.votes = bit;
        let (last_index, last_term) = (n.last(), n.last_term());
        self.elections += 1;
        self.arm(ctx, c);
        if self.majority == 1 {
            self.become_leader(ctx, c);
            return;
        }
        let msg = CMsg::RequestVote {
            term,
            last_index,
            last_term,
            transfer,
        };
        for i in 0..self.cfg.members.len() {
            let m = self.cfg.members[i];
            if m != c && !self.suspects(c, m) {
                ctx.send(c, m, msg, HEADER_BYTES);
            }
        }
    }

    /// `l` won the election of its current term.
    pub(super) fn become_leader(&mut self, ctx: &mut Cx<'_>, l: RegionId) {
        let n = &mut self.nodes[l as usize];
        n.role = Role::Leader;
        n.leader = Some(l);
        n.votes = 0;
        n.seq = n.seq.wrapping_add(1);
        let (last, term) = (n.last(), n.term);
        n.next.fill(last + 1);
        n.matched.fill(0);
        n.lease_from.fill(SimTime::ZERO);
        n.led_since = ctx.now();
        n.ready = last + 1;
        self.terms.entry(term).or_insert(TermLog {
            first: last + 1,
            data: VecDeque::new(),
        });
        let noop = Data {
            key: 0,
            bytes: 0,
            op: OpId(0),
            reply_to: l,
            origin: l,
            write: false,
            acked_at: SimTime::MAX,
        };
        self.create(l, noop);
        self.leader_changes += 1;
        self.took_over(ctx, l);
        self.set_writable(ctx, l, true);
        self.replicate_all(ctx, l, true);
        for r in 0..self.nodes.len() as RegionId {
            if !self.is_member(r) && !self.suspects(l, r) {
                ctx.send(l, r, CMsg::Leader { term }, HEADER_BYTES);
            }
        }
        self.advance_commit(ctx, l);
    }

    /// `at`'s election timer `seq` fired: unless a live leader or a newer timer supersedes
    /// it, `at` re-arms it and, when it can reach a majority, runs a pre-vote.
    pub(super) fn on_election_timer(&mut self, ctx: &mut Cx<'_>, at: RegionId, seq: u32) {
        let n = &self.nodes[at as usize];
        if seq != n.seq || !self.is_member(at) || n.role == Role::Leader || self.live_leader(at) {
            return;
        }
        // Retry later unless a leader turns up.
        self.arm(ctx, at);
        if self.fenced(at) {
            return; // A majority is out of reach: an election cannot succeed.
        }
        let bit = self.bit(at);
        let n = &mut self.nodes[at as usize];
        n.role = Role::PreCandidate;
        n.votes = bit;
        let msg = CMsg::PreVote {
            term: n.term + 1,
            last_index: n.last(),
            last_term: n.last_term(),
        };
        if self.majority == 1 {
            self.start_election(ctx, at);
            return;
        }
        for i in 0..self.cfg.members.len() {
            let m = self.cfg.members[i];
            if m != at && !self.suspects(at, m) {
                ctx.send(at, m, msg, HEADER_BYTES);
            }
        }
    }

    /// A member is asked for a pre-vote (no state changes).
    pub(super) fn on_pre_vote(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        from: RegionId,
        term: u32,
        last_index: u64,
        last_term: u32,
    ) {
        if !self.is_member(at) {
            return;
        }
        let n = &self.nodes[at as usize];
        // A leader that asks has stopped leading.
        let leaderless = !self.live_leader(at) || n.leader == Some(from);
        let granted = term > n.term && leaderless && n.behind(last_index, last_term);
        let reply = CMsg::PreVoteReply {
            term,
            granted,
            voter_term: n.term,
        };
        ctx.send(at, from, reply, HEADER_BYTES);
    }

    /// A pre-candidate counts a pre-vote.
    pub(super) fn on_pre_vote_reply(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        from: RegionId,
        term: u32,
        granted: bool,
        voter_term: u32,
    ) {
        if self.observe(ctx, at, voter_term) || !granted {
            return;
        }
        let bit = self.bit(from);
        let n = &mut self.nodes[at as usize];
        if n.role != Role::PreCandidate || term != n.term + 1 {
            return;
        }
        n.votes |= bit;
        if n.votes.count_ones() as usize >= self.majority {
            self.start_election(ctx, at);
        }
    }

    /// A member is asked for its vote.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_request_vote(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        from: RegionId,
        term: u32,
        last_index: u64,
        last_term: u32,
        transfer: bool,
    ) {
        if !self.is_member(at) {
            return;
        }
        let mine = self.nodes[at as usize].term;
        if term < mine {
            let reply = CMsg::Vote {
                term: mine,
                granted: false,
            };
            ctx.send(at, from, reply, HEADER_BYTES);
            return;
        }
        let n = &self.nodes[at as usize];
        let follower = n.role != Role::Leader;
        if term > mine && follower && self.live_leader(at) && n.leader != Some(from) && !transfer {
            // Following a live leader: neither adopt the term nor vote.
            let reply = CMsg::Vote {
                term,
                granted: false,
            };
            ctx.send(at, from, reply, HEADER_BYTES);
            return;
        }
        self.observe(ctx, at, term);
        let n = &mut self.nodes[at as usize];
        let granted = n.voted_for.is_none_or(|v| v == from)
            && n.role != Role::Leader
            && n.behind(last_index, last_term);
        if granted {
            n.voted_for = Some(from);
            self.arm(ctx, at);
        }
        let reply = CMsg::Vote { term, granted };
        ctx.send(at, from, reply, HEADER_BYTES);
    }

    /// A candidate counts a vote.
    pub(super) fn on_vote(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        from: RegionId,
        term: u32,
        granted: bool,
    ) {
        if self.observe(ctx, at, term) || !granted {
            return;
        }
        let bit = self.bit(from);
        let n = &mut self.nodes[at as usize];
        if n.role != Role::Candidate || term != n.term {
            return;
        }
        n.votes |= bit;
        if n.votes.count_ones() as usize >= self.majority {
            self.become_leader(ctx, at);
        }
    }

    /// `from` stopped leading `term`.
    pub(super) fn on_resign(&mut self, ctx: &mut Cx<'_>, at: RegionId, from: RegionId, term: u32) {
        let n = &self.nodes[at as usize];
        if n.leader == Some(from) && n.term == term {
            self.lose_leader(ctx, at);
        }
    }

    /// A non-member learns the leader of `term`.
    pub(super) fn on_leader(&mut self, at: RegionId, from: RegionId, term: u32) {
        let member = self.is_member(at);
        let n = &mut self.nodes[at as usize];
        if !member && term >= n.term {
            n.term = term;
            n.leader = Some(from);
        }
    }
}

impl Node {
    /// Drops what the node knew from its leader and its elections: it becomes a leaderless
    /// follower without votes, entries buffered ahead of a gap or a pending resend request;
    /// only committed entries are known to match the next leader's log.
    pub(super) fn leaderless(&mut self) {
        self.role = Role::Follower;
        self.leader = None;
        self.votes = 0;
        self.pending.clear();
        self.gap = None;
        self.nack = None;
        self.verified = self.verified.min(self.commit);
    }
}
