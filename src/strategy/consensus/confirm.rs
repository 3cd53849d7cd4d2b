//! How a `consensus` leader knows it still leads before it answers a read: the leader lease
//! (`reads = "lease"`) and heartbeat rounds to a majority (`reads = "read-index"`, and a
//! lease that expired), and a follower's safe time for bounded-staleness reads
//! (`reads = "follower"`).
//!
//! **Rounds** (Raft thesis §6.4, etcd's `ReadOnlySafe`): a read that reaches the leader waits
//! for a heartbeat round (`ReadRound`) started after it arrived to be acknowledged by a
//! majority of members (the leader counts itself); then the leader serves it from its applied
//! state, or answers a member's `ReadIndex` with the commit index it had when the request
//! arrived. Reads that arrive while a round is in flight wait for the next one, which starts
//! when the current one completes (one round per batch of concurrent reads, as etcd's
//! `linearizableReadLoop` batches them). A round not confirmed within the minimum election
//! timeout (a heartbeat lost to a fault) is started again; a leader that steps down fails the
//! reads it was confirming.
//!
//! **Lease** (thesis §6.4.1): every acknowledgement of an `Append` or a round renews the
//! leader's lease from the time the acknowledged message was sent; the lease runs from the
//! send time acknowledged by a majority (the leader counts itself at `now`) for
//! `lease_ns` = the minimum election timeout minus `clock_drift_ms`. A new leader has no lease
//! until a majority acknowledges something it sent; the first leader holds one from the start.
//! A read that finds the lease expired is confirmed by a round (which renews the lease).
//!
//! **Safe time** (follower reads): a follower knows that its applied state holds every entry
//! committed anywhere by the time a leader sent an `Append` or `Commit` whose commit index
//! the follower has applied, provided that leader had already committed an entry of its own
//! term: that send time is its safe time. A new leader's commit index may lag entries its
//! predecessor committed (their `Commit` lost to the fault that ended its term) until its
//! no-op commits; until then its `Append`s carry `vouched = false` and leave safe times alone
//! (every `Commit` vouches: a leader commits only entries of its term). A follower serves a
//! read locally while `now - safe time <= max_staleness`, and forwards it to the leader
//! otherwise (which holds it until its no-op is committed). A region that comes back empty
//! has no safe time until it hears one again.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::reads::Held;
use super::{CMsg, CTimer, Consensus, ConsensusReads, Cx, Role, NONE};
use crate::strategy::{Outcome, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;

/// A leader's confirmation rounds.
#[derive(Clone, Debug, Default)]
pub(super) struct Rounds {
    /// Number of the latest round started (run-unique per leader region).
    pub(super) round: u64,
    /// Whether round `round` waits for acknowledgements.
    pub(super) open: bool,
    /// Members (bits of positions) that acknowledged round `round`.
    pub(super) acks: u64,
    /// When round `round` was sent.
    pub(super) sent: SimTime,
    /// Reads waiting for round `round`.
    pub(super) confirming: Vec<Held>,
    /// Reads that arrived after round `round` started: they wait for the next one.
    pub(super) queued: Vec<Held>,
}

impl Consensus {
    /// Whether the leader `l` holds a valid lease at `now`.
    pub(super) fn lease_valid(&mut self, l: RegionId, now: SimTime) -> bool {
        let n = &self.nodes[l as usize];
        self.scratch.clear();
        for (p, &m) in self.cfg.members.iter().enumerate() {
            self.scratch
                .push(if m == l { now } else { n.lease_from[p] }.as_nanos());
        }
        self.scratch.sort_unstable_by(|a, b| b.cmp(a));
        let start = SimTime(self.scratch[self.majority - 1]);
        start >= n.led_since && start + self.cfg.lease_ns > now
    }

    /// The leader `l` renews member `from`'s part of its lease with the send time `sent` of
    /// a message `from` acknowledged.
    pub(super) fn renew(&mut self, l: RegionId, from: RegionId, sent: SimTime) {
        let p = self.pos[from as usize];
        if p != NONE {
            let x = &mut self.nodes[l as usize].lease_from[p];
            *x = (*x).max(sent);
        }
    }

    /// The leader `l` serves a read it may answer now (its first entry is committed): at
    /// once under a valid lease (or in follower mode, where the leader's state is the
    /// freshest), otherwise after a round.
    pub(super) fn leader_serve(&mut self, ctx: &mut Cx<'_>, l: RegionId, h: Held) {
        let now = ctx.now();
        let direct = match self.cfg.reads {
            ConsensusReads::Lease => !h.index_read && self.lease_valid(l, now),
            ConsensusReads::ReadIndex => false,
            ConsensusReads::Follower { .. } => !h.index_read,
        };
        if direct {
            self.leader_read(ctx, l, h.op, h.key, h.reply_to);
            return;
        }
        let index = self.nodes[l as usize].commit;
        self.nodes[l as usize]
            .rounds
            .queued
            .push(Held { index, ..h });
        if self.majority == 1 {
            self.confirmed(ctx, l);
        } else if !self.nodes[l as usize].rounds.open {
            self.start_round(ctx, l);
        }
    }

    /// The leader `l` starts a round for the reads queued so far.
    fn start_round(&mut self, ctx: &mut Cx<'_>, l: RegionId) {
        let bit = self.bit(l);
        let now = ctx.now();
        let n = &mut self.nodes[l as usize];
        let term = n.term;
        let r = &mut n.rounds;
        r.round += 1;
        r.open = true;
        r.acks = bit;
        r.sent = now;
        std::mem::swap(&mut r.confirming, &mut r.queued);
        let round = r.round;
        self.read_rounds += 1;
        let msg = CMsg::ReadRound { term, round };
        for i in 0..self.cfg.members.len() {
            let m = self.cfg.members[i];
            if m != l && !self.suspects(l, m) {
                ctx.send(l, m, msg, HEADER_BYTES);
            }
        }
        let after = self.cfg.election_timeout_ns[0].max(1);
        ctx.set_timer(l, after, CTimer::ReadRound { term, round });
    }

    /// The reads of `l`'s round are confirmed: serve them, and start the next round for the
    /// reads that arrived since.
    fn confirmed(&mut self, ctx: &mut Cx<'_>, l: RegionId) {
        let r = &mut self.nodes[l as usize].rounds;
        r.open = false;
        let mut done = std::mem::take(&mut r.confirming);
        if self.majority == 1 {
            done.append(&mut r.queued);
        }
        let more = !r.queued.is_empty();
        self.confirmed_reads += done.len() as u64;
        for h in done.drain(..) {
            if h.index_read && h.reply_to != l {
                let msg = CMsg::ReadIndexReply {
                    op: h.op,
                    index: h.index,
                };
                ctx.send(l, h.reply_to, msg, HEADER_BYTES);
            } else {
                self.leader_read(ctx, l, h.op, h.key, h.reply_to);
            }
        }
        self.nodes[l as usize].rounds.confirming = done;
        if more {
            self.start_round(ctx, l);
        }
    }

    /// A member answers the leader's round.
    pub(super) fn on_read_round(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        from: RegionId,
        term: u32,
        round: u64,
    ) {
        if !self.is_member(at) || self.refuse_stale(ctx, at, from, term) {
            return;
        }
        self.follow(ctx, at, from, term);
        ctx.send(at, from, CMsg::ReadRoundAck { term, round }, HEADER_BYTES);
    }

    /// The leader `at` counts an acknowledgement of its round.
    pub(super) fn on_read_round_ack(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        from: RegionId,
        term: u32,
        round: u64,
    ) {
        if self.observe(ctx, at, term) {
            return;
        }
        let n = &self.nodes[at as usize];
        if n.role != Role::Leader || term != n.term || !self.is_member(from) {
            return;
        }
        let sent = n.rounds.sent;
        if round == n.rounds.round {
            self.renew(at, from, sent);
        }
        let bit = self.bit(from);
        let r = &mut self.nodes[at as usize].rounds;
        if !r.open || round != r.round {
            return;
        }
        r.acks |= bit;
        if r.acks.count_ones() as usize >= self.majority {
            self.confirmed(ctx, at);
        }
    }

    /// A round of `l` may have stalled (a heartbeat or its answer was lost): start it again.
    pub(super) fn on_round_timer(&mut self, ctx: &mut Cx<'_>, l: RegionId, term: u32, round: u64) {
        let n = &mut self.nodes[l as usize];
        if n.role != Role::Leader || n.term != term || !n.rounds.open || n.rounds.round != round {
            return;
        }
        let r = &mut n.rounds;
        let mut later = std::mem::take(&mut r.queued);
        r.queued = std::mem::take(&mut r.confirming);
        r.queued.append(&mut later);
        r.open = false;
        self.start_round(ctx, l);
    }

    /// The reads `l` was confirming or had queued, taken out (it stops leading).
    pub(super) fn take_rounds(&mut self, l: RegionId) -> Vec<Held> {
        let r = &mut self.nodes[l as usize].rounds;
        r.open = false;
        let mut all = std::mem::take(&mut r.confirming);
        all.append(&mut r.queued);
        all
    }

    /// Member `at` heard that every entry committed anywhere by `sent` lies at or below
    /// `commit` (a leader that had committed an entry of its term sent it then).
    pub(super) fn heard_commit(&mut self, at: RegionId, commit: u64, sent: SimTime) {
        let n = &mut self.nodes[at as usize];
        if n.applied >= commit {
            n.safe = n.safe.max(sent);
        } else if sent > n.heard.1 {
            n.heard = (commit, sent);
        }
    }

    /// Whether member `at` may serve a bounded-staleness read at `now` from its own state.
    pub(super) fn fresh_enough(&self, at: RegionId, now: SimTime) -> bool {
        let ConsensusReads::Follower { max_staleness_ns } = self.cfg.reads else {
            return false;
        };
        let n = &self.nodes[at as usize];
        n.role != Role::Leader && n.safe + max_staleness_ns >= now && n.safe > SimTime::ZERO
    }

    /// Member `at` serves a follower read locally.
    pub(super) fn follower_read(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        op: crate::strategy::OpId,
        key: u64,
    ) {
        self.local_follower_reads += 1;
        let v = self.store.get(at, key);
        ctx.reply(op, Outcome::Read(v));
    }
}
