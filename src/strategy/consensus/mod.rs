//! `consensus` (Raft-like): a leader region orders writes in a log and commits them once a
//! majority of members has them; reads under a leader lease or by read index; a new leader is
//! elected when the old one fails.
//!
//! Owns the replicated-log protocol and its leader election.
//!
//! Files: this one holds the settings, the per-region state (`Node`), the `Consensus` struct
//! and the `Strategy` dispatch; `messages` the wire protocol; `log` a member's log and the
//! table of entry contents; `replication` appending, shipping, committing and applying
//! entries; `election` terms, stepping down and elections; `reads` client operations at the
//! leader, held and read-index reads; `confirm` the lease, heartbeat rounds and a follower's
//! safe time; `catch_up` a region going down, coming back and
//! installing a snapshot; `failback` the leadership transfer back to the preferred member
//! (`TimeoutNow`) and the leadership timeline; `tests` the unit tests.
//!
//! **Log.** Every member keeps its own log, described by a base (the index and term of the
//! last entry folded into a snapshot) and runs of consecutive entries of the same term
//! (`(term, last index)`): terms never decrease along a log, and by Raft's log-matching
//! property an entry is identified by its (index, term), so the runs say exactly which
//! entries a member holds. The entries' contents (key, value size, the client operation,
//! when it was acknowledged) live once, in a strategy-owned table per term (a leader creates
//! the entries of its term at consecutive indices); contents every member has applied are
//! compacted away every few commits (and, so that a member that stays down does not pin
//! memory forever, everything more than `RETAIN` entries behind the leader; such a member
//! later gets a snapshot).
//!
//! **Replication.** Writes go to the leader (forwarded from the client's region unless it is
//! the leader's), which appends each at the next index (`Version { stamp: index, origin:
//! leader }`) and sends an `Append` carrying `(prev index, prev term, last index, entries'
//! term, commit index)` to every member it does not suspect (one message per write; a
//! catch-up sends up to `MAX_BATCH` entries of one term per message). A follower accepts the
//! entries when its log holds `prev` with the same term, truncating any conflicting suffix;
//! entries that arrive ahead of a gap (each message has its own sampled latency) are buffered
//! and applied when the gap fills, as in the fault-free protocol; the follower answers
//! `AppendAck` with the highest index it knows to match the leader's log whenever that grows.
//! A follower whose log conflicts with `prev`, or that has waited `GAP_NACK_NS` for a missing
//! entry (lost to a partition), answers `AppendNack` with the index the leader should resend
//! from (the start of its conflicting term, or its end + 1); the leader rewinds and resends.
//! The leader's commit index is the largest index held by a majority of members (the leader
//! counts itself); it commits only entries of its current term by counting (Raft). On commit
//! the leader applies the entries in order, acknowledges the writes of its own term (reply or
//! `Done` to the client's region) and sends one `Commit` to every follower; a follower applies
//! entries up to `min(commit index, matched prefix)` in log order and records replication lag
//! against the leader's acknowledgement time. The leader stops sending to members it
//! suspects; when it stops suspecting one it probes it (an `Append` marked `probe`, answered at
//! once even when it finds a gap) and resends whatever it is missing, or a `Snapshot` (the
//! leader's applied state) when the entries it needs were compacted.
//!
//! **Elections.** A member that suspects its leader (failure detector) arms an election
//! timer drawn from the seeded stream in `election_timeout`. When it fires and the member
//! still has no live leader and can reach a majority (by its detector), it runs a pre-vote
//! (Raft thesis §9.6: `PreVote` for term + 1, granted by members with no live leader whose log
//! is not more up to date, without changing any state), then, with a majority of pre-votes,
//! an election: term + 1, vote for itself, `RequestVote { term, last index, last term }` to the
//! members. A member grants its vote if the term is newer than or equal to its own, it has
//! not voted for another candidate in that term, the candidate's log is at least as up to date
//! as its own, and it is not following a live leader (so a member that comes back cannot
//! depose a healthy leader). A candidate with a majority becomes leader, appends a no-op entry
//! of its term and probes every member; until the no-op is committed (which commits every
//! earlier entry too) it holds reads back, so that reads never miss a write committed by an
//! earlier leader. Timers that find a leader, or a majority out of reach, retry later. Every
//! message carries its sender's term: a newer term makes the receiver follow it (a leader
//! steps down), an older one is answered with the newer term.
//!
//! **Failures.** A leader that suspects a majority of members (cannot reach them) steps down:
//! it stops serving lease reads and writes, fails the operations it was holding and tells the
//! regions it can still reach (`Resign`), so the clients on a minority side of a partition see
//! failures while the majority side elects a new leader. A region also forgets a leader whose
//! heartbeat shows it no longer leads (heartbeats carry the sender's role; this covers a
//! `Resign` lost to the partition), and a member grants a pre-vote to its own leader. A region that is not the leader forwards operations to its known leader and
//! fails them at once when it knows none or suspects it. A region that goes down keeps its
//! durable state (log, term, vote, applied state) and loses the rest (buffered entries, reads
//! waiting, operations it held as leader); it comes back as a follower (telling everyone it
//! leads nothing, with `Resign`, as does a region that is sent work it cannot lead) (with `empty`, with an
//! empty log and state, to be caught up by a snapshot) and catches up from the leader.
//! `Writable` records when a region starts and stops leading (split-brain accounting).
//!
//! Reads (`confirm` holds the mechanics): `Lease` sends every read to the leader, which
//! serves it from its applied state while its lease holds (renewed by every acknowledged
//! `Append` or round, from the acknowledged message's send time, for the minimum election
//! timeout minus the configured clock drift bound; Raft thesis §6.4.1, etcd
//! `ReadOnlyLeaseBased`); a read that finds the lease expired is confirmed by a round.
//! `ReadIndex` (Raft thesis §6.4, etcd's default `ReadOnlySafe`): the leader records its
//! commit index when the read (its own region's, a forwarded one, or a member's `ReadIndex`)
//! arrives, then confirms its leadership with a heartbeat round (`ReadRound`) to a majority
//! started after the read arrived (reads arriving during a round wait for the next one: one
//! round per batch); a member then waits until it has applied up to that index and serves
//! the read from its own copy; non-members forward reads to the leader. `Follower`
//! (bounded-staleness reads, as CockroachDB follower reads or Spanner's bounded-staleness
//! reads): a member serves the read from its own state while its safe time (the leader's send
//! time of the latest commit index it has applied, once that leader has committed an entry
//! of its term) is at most `max_staleness` old, and forwards it to the leader otherwise; such
//! reads may be stale, by at most the bound.

//! Consistency (`lease`, `read-index`): linearizable reads and writes (a write is acknowledged only after it is
//! committed and applied at the leader; every read observes at least the commit index at the
//! time it reached a leader whose no-op was committed). A single leader per term orders all
//! writes, so there are no conflicts, and committed entries survive any minority of failures
//! (the election restriction); uncommitted entries of a deposed leader are discarded, and
//! their clients, which were never acknowledged, retry.
//!
//! Messages per write: `Forward` + `Done` when the client is not in the leader's region,
//! `m - 1` `Append` (header + value), at most `m - 1` `AppendAck` and at most `m - 1`
//! `Commit` (fewer when commits are batched), for `m` members. Per read: `Forward` + `Done`
//! when served by a remote leader; `ReadIndex` + `ReadIndexReply` for a read-index read at a
//! follower, and per round (a batch of reads at the leader) `m - 1` `ReadRound` and at most
//! `m - 1` `ReadRoundAck`. Per election: `PreVote` and `RequestVote` to the other members and their
//! answers, then a probe of every member.
//!
//! Extra figures: `log_entries` (client writes appended), `entries_per_commit`,
//! `read_index_waits`, `elections` (elections started after a successful pre-vote),
//! `leader_changes` (regions that became leader after the start) and `snapshots`; with
//! `read-index`, `read_rounds` (heartbeat rounds started) and `reads_per_round`; with
//! `follower`, `follower_reads_local` and `follower_reads_forwarded`.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

mod catch_up;
mod confirm;
mod election;
mod failback;
mod log;
mod messages;
mod reads;
mod replication;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};

use crate::strategy::replica::{self, RegionSet, RegionStore};
use crate::strategy::{Ctx, Failback, Leadership, OpId, Outcome, Request, Strategy, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::OpKind;

pub use messages::{CMsg, CTimer};

use log::{Batch, TermLog};
use reads::{Held, WaitingRead};

/// How reads are served.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ConsensusReads {
    /// Every read is served by the leader under its lease (a round when it expired).
    Lease,
    /// The leader confirms its leadership with a heartbeat round to a majority started after
    /// the read arrived; a member then waits until it has applied the leader's commit index
    /// and serves the read locally.
    ReadIndex,
    /// Bounded-staleness reads: a member serves a read from its own state while its safe
    /// time is at most `max_staleness_ns` old, and forwards it to the leader otherwise.
    Follower {
        /// The staleness bound, ns.
        max_staleness_ns: u64,
    },
}

/// Settings of `consensus`.
#[derive(Clone, Debug)]
pub struct ConsensusConfig {
    /// The leader region at the start.
    pub leader: RegionId,
    /// Member regions (the leader included), sorted.
    pub members: Vec<RegionId>,
    /// Read mode.
    pub reads: ConsensusReads,
    /// Election timeout range `[min, max]` in ns: a member that suspects its leader waits a
    /// time drawn uniformly from it before it stands for election.
    pub election_timeout_ns: [u64; 2],
    /// The leader lease, ns: the minimum election timeout minus the clock drift bound (> 0).
    pub lease_ns: u64,
    /// Whether leadership goes back to `preferred` after it recovers.
    pub failback: Failback,
    /// The member leadership fails back to (a member).
    pub preferred: RegionId,
}

type Cx<'a> = Ctx<'a, CMsg, CTimer>;

/// Largest number of entries in one `Append`.
const MAX_BATCH: u64 = 4096;
/// A follower reports a gap before buffered entries (or repeats a report) after this long.
const GAP_NACK_NS: u64 = 1_000_000_000;
/// Entry contents more than this many entries behind the leader's applied index are
/// compacted even if some member has not applied them (it gets a snapshot).
const RETAIN: u64 = if cfg!(test) { 4096 } else { 1 << 20 };
/// Commits between compactions of the entry table.
const COMPACT_EVERY: u64 = if cfg!(test) { 64 } else { 1024 };
/// Not a member.
const NONE: usize = usize::MAX;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Role {
    Follower,
    PreCandidate,
    Candidate,
    Leader,
}

/// One region's protocol state (non-members use only `term`, `leader` and `suspects`).
#[derive(Clone, Debug)]
struct Node {
    term: u32,
    voted_for: Option<RegionId>,
    role: Role,
    /// The leader of `term` as known here.
    leader: Option<RegionId>,
    /// Last index (and its term) folded into a snapshot.
    base: u64,
    base_term: u32,
    /// `(term, last index)` of each run of entries after `base`.
    runs: Vec<(u32, u64)>,
    /// The log matches the current leader's up to here.
    verified: u64,
    commit: u64,
    applied: u64,
    /// Entries received ahead of a gap, by first index.
    pending: BTreeMap<u64, Batch>,
    /// The first missing index before buffered entries, and since when it has been missing.
    gap: Option<(u64, SimTime)>,
    /// Came back empty and has not received anything from a leader since.
    wiped: bool,
    /// The last `AppendNack` sent: its index and time.
    nack: Option<(u64, SimTime)>,
    /// Pre-votes or votes received (bits of member positions).
    votes: u64,
    /// Sequence number of the latest election timer.
    seq: u32,
    /// Leader: the index of its term's first entry (reads wait until it is committed).
    ready: u64,
    /// Leader: next index to send and highest index known replicated, per member position.
    next: Vec<u64>,
    matched: Vec<u64>,
    /// Regions this region's failure detector suspects.
    suspects: RegionSet,
    /// Leader: reads waiting for `ready`.
    held: Vec<Held>,
    /// Leader: its read confirmation rounds.
    rounds: confirm::Rounds,
    /// Leader: per member position, the send time of the latest message it acknowledged in
    /// this term (lease renewal).
    lease_from: Vec<SimTime>,
    /// Leader: when it became leader (a lease cannot start earlier).
    led_since: SimTime,
    /// Member: every entry committed at the leader by this time is applied here.
    safe: SimTime,
    /// Member: the latest (commit index, send time) heard but not applied yet.
    heard: (u64, SimTime),
}

/// The consensus strategy's state.
pub struct Consensus {
    cfg: ConsensusConfig,
    /// Position of each region in `members` (`NONE` for non-members).
    pos: Vec<usize>,
    /// Members needed to commit or to win an election.
    majority: usize,
    nodes: Vec<Node>,
    /// Applied version per (region, key).
    store: RegionStore,
    /// Entry contents by term.
    terms: BTreeMap<u32, TermLog>,
    /// Contents up to this index may be gone.
    compacted: u64,
    /// The commit index at the last compaction.
    last_compact: u64,
    /// Read-index reads by `OpId::index`.
    reads: Vec<WaitingRead>,
    /// Read-index reads waiting for their member to apply, per region.
    waiting: Vec<Vec<OpId>>,
    /// Per region back from an outage: the commit index it must apply to have caught up.
    catch_up: Vec<Option<u64>>,
    /// Scratch for the commit computation.
    scratch: Vec<u64>,
    /// Regions recorded as writable (leading).
    writable: Vec<bool>,
    /// Entries created (writes and no-ops).
    entries: u64,
    /// Client writes appended.
    logged_writes: u64,
    /// Commit advances (one `Commit` round each).
    commit_rounds: u64,
    /// Read-index reads that had to wait for their member to catch up.
    read_index_waits: u64,
    elections: u64,
    leader_changes: u64,
    snapshots: u64,
    /// Heartbeat rounds started to confirm reads.
    read_rounds: u64,
    /// Reads confirmed by rounds.
    confirmed_reads: u64,
    /// Follower reads served by the member itself (`follower`).
    local_follower_reads: u64,
    /// Follower reads forwarded to the leader because the member's safe time was too old.
    follower_forwards: u64,
    /// Since when the leader has continuously reached the preferred member (failback).
    preferred_seen: SimTime,
    /// A leadership transfer in progress (failback).
    transfer: Option<failback::Transfer>,
    /// Who led from when, and why.
    leadership: Vec<Leadership>,
}

impl Consensus {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(cfg: ConsensusConfig, regions: usize, keys: u64) -> Self {
        assert!(cfg.members.len() <= 64, "at most 64 members");
        assert!(regions <= 64, "at most 64 regions");
        let mut pos = vec![NONE; regions];
        for (i, &m) in cfg.members.iter().enumerate() {
            pos[m as usize] = i;
        }
        let m = cfg.members.len();
        let node = Node {
            term: 1,
            voted_for: None,
            role: Role::Follower,
            leader: Some(cfg.leader),
            base: 0,
            base_term: 0,
            runs: Vec::new(),
            verified: 0,
            commit: 0,
            applied: 0,
            pending: BTreeMap::new(),
            gap: None,
            wiped: false,
            nack: None,
            votes: 0,
            seq: 0,
            ready: 0,
            next: vec![1; m],
            matched: vec![0; m],
            suspects: RegionSet::EMPTY,
            held: Vec::new(),
            rounds: confirm::Rounds::default(),
            lease_from: vec![SimTime::ZERO; m],
            led_since: SimTime::ZERO,
            safe: SimTime::ZERO,
            heard: (0, SimTime::ZERO),
        };
        let mut nodes = vec![node; regions];
        for &r in &cfg.members {
            nodes[r as usize].voted_for = Some(cfg.leader);
        }
        nodes[cfg.leader as usize].role = Role::Leader;
        let mut terms = BTreeMap::new();
        terms.insert(
            1,
            TermLog {
                first: 1,
                data: VecDeque::with_capacity(1024),
            },
        );
        let mut writable = vec![false; regions];
        writable[cfg.leader as usize] = true;
        Consensus {
            majority: replica::majority(m),
            pos,
            nodes,
            store: RegionStore::new(regions, keys as usize),
            terms,
            compacted: 0,
            last_compact: 0,
            reads: Vec::new(),
            waiting: vec![Vec::new(); regions],
            catch_up: vec![None; regions],
            scratch: Vec::with_capacity(m),
            writable,
            entries: 0,
            logged_writes: 0,
            commit_rounds: 0,
            read_index_waits: 0,
            elections: 0,
            leader_changes: 0,
            snapshots: 0,
            read_rounds: 0,
            confirmed_reads: 0,
            local_follower_reads: 0,
            follower_forwards: 0,
            preferred_seen: SimTime::MAX,
            transfer: None,
            leadership: vec![Leadership {
                t: SimTime::ZERO,
                region: cfg.leader,
                reason: "start",
            }],
            cfg,
        }
    }

    #[inline]
    fn is_member(&self, r: RegionId) -> bool {
        self.pos[r as usize] != NONE
    }

    #[inline]
    fn bit(&self, r: RegionId) -> u64 {
        1 << self.pos[r as usize]
    }

    #[inline]
    fn suspects(&self, at: RegionId, peer: RegionId) -> bool {
        self.nodes[at as usize].suspects.contains(peer)
    }

    /// Whether `at` suspects a majority of the members (itself counted as reachable).
    fn fenced(&self, at: RegionId) -> bool {
        let reachable = self
            .cfg
            .members
            .iter()
            .filter(|&&m| m == at || !self.suspects(at, m))
            .count();
        reachable < self.majority
    }

    /// Whether `at` leads, or follows a leader it does not suspect.
    fn live_leader(&self, at: RegionId) -> bool {
        let n = &self.nodes[at as usize];
        n.role == Role::Leader || n.leader.is_some_and(|l| l != at && !self.suspects(at, l))
    }

    fn serving(&self, at: RegionId) -> bool {
        self.nodes[at as usize].role == Role::Leader && !self.fenced(at)
    }
}

impl Strategy for Consensus {
    type Msg = CMsg;
    type Timer = CTimer;

    fn on_start(&mut self, ctx: &mut Cx<'_>) {
        ctx.writable(self.cfg.leader, true);
    }

    fn on_request(&mut self, ctx: &mut Cx<'_>, at: RegionId, req: Request) {
        if self.nodes[at as usize].role == Role::Leader {
            self.execute(ctx, at, req.op, req.kind, req.key, req.bytes, at);
            return;
        }
        let follower_read = req.kind == OpKind::Read
            && matches!(self.cfg.reads, ConsensusReads::Follower { .. })
            && self.is_member(at);
        if follower_read {
            if self.fresh_enough(at, ctx.now()) {
                self.follower_read(ctx, at, req.op, req.key);
                return;
            }
            self.follower_forwards += 1;
        }
        // Fail fast when no leader is known, or the known one is suspected.
        let Some(l) = self.nodes[at as usize]
            .leader
            .filter(|&l| l != at && !self.suspects(at, l))
        else {
            ctx.reply(req.op, Outcome::Failed);
            return;
        };
        let read_index = req.kind == OpKind::Read
            && self.cfg.reads == ConsensusReads::ReadIndex
            && self.is_member(at);
        if read_index {
            let i = req.op.index();
            if self.reads.len() <= i {
                self.reads.resize(i + 1, WaitingRead::default());
            }
            self.reads[i] = WaitingRead {
                op: req.op,
                key: req.key,
                index: 0,
            };
            ctx.send(at, l, CMsg::ReadIndex { op: req.op }, HEADER_BYTES);
            ctx.forwarded(req.op, l, crate::strategy::Part::WanRequest);
        } else {
            let msg = CMsg::Forward {
                op: req.op,
                kind: req.kind,
                key: req.key,
                bytes: req.bytes,
            };
            if req.kind == OpKind::Write {
                ctx.send_data(at, l, req.key, msg, HEADER_BYTES + req.bytes as u64);
            } else {
                ctx.send(at, l, msg, HEADER_BYTES + req.bytes as u64);
            }
            ctx.forwarded(req.op, l, crate::strategy::Part::WanRequest);
        }
    }

    fn on_message(&mut self, ctx: &mut Cx<'_>, at: RegionId, from: RegionId, msg: CMsg) {
        match msg {
            CMsg::Forward {
                op,
                kind,
                key,
                bytes,
            } => self.execute(ctx, at, op, kind, key, bytes, from),
            CMsg::Done { op, outcome } => ctx.reply(op, outcome),
            CMsg::Append {
                term,
                prev,
                prev_term,
                last,
                entry_term,
                commit,
                probe,
                vouched,
                sent,
            } => {
                if self.is_member(at) {
                    let safe = vouched.then_some(sent);
                    self.on_append(
                        ctx, at, from, term, prev, prev_term, last, entry_term, commit, probe,
                        sent, safe,
                    );
                }
            }
            CMsg::AppendAck {
                term,
                matched,
                sent,
            } => self.on_append_ack(ctx, at, from, term, matched, sent),
            CMsg::AppendNack { term, next, lost } => {
                self.on_append_nack(ctx, at, from, term, next, lost)
            }
            CMsg::Commit { term, commit, sent } => {
                self.on_commit(ctx, at, from, term, commit, sent)
            }
            CMsg::ReadRound { term, round } => self.on_read_round(ctx, at, from, term, round),
            CMsg::ReadRoundAck { term, round } => {
                self.on_read_round_ack(ctx, at, from, term, round)
            }
            CMsg::Snapshot {
                term,
                index,
                index_term,
            } => {
                if self.is_member(at) {
                    self.on_snapshot(ctx, at, from, term, index, index_term);
                }
            }
            CMsg::ReadIndex { op } => self.on_read_index(ctx, at, from, op),
            CMsg::ReadIndexReply { op, index } => self.on_read_index_reply(ctx, at, op, index),
            CMsg::PreVote {
                term,
                last_index,
                last_term,
            } => self.on_pre_vote(ctx, at, from, term, last_index, last_term),
            CMsg::PreVoteReply {
                term,
                granted,
                voter_term,
            } => self.on_pre_vote_reply(ctx, at, from, term, granted, voter_term),
            CMsg::RequestVote {
                term,
                last_index,
                last_term,
                transfer,
            } => self.on_request_vote(ctx, at, from, term, last_index, last_term, transfer),
            CMsg::TimeoutNow { term } => self.on_timeout_now(ctx, at, from, term),
            CMsg::Vote { term, granted } => self.on_vote(ctx, at, from, term, granted),
            CMsg::Resign { term } => self.on_resign(ctx, at, from, term),
            CMsg::Leader { term } => self.on_leader(at, from, term),
        }
    }

    fn on_timer(&mut self, ctx: &mut Cx<'_>, at: RegionId, timer: CTimer) {
        match timer {
            CTimer::Election { seq } => self.on_election_timer(ctx, at, seq),
            CTimer::Failback { term } => self.on_failback_timer(ctx, at, term),
            CTimer::ReadRound { term, round } => self.on_round_timer(ctx, at, term, round),
        }
    }

    fn on_suspect(&mut self, ctx: &mut Cx<'_>, at: RegionId, peer: RegionId, suspected: bool) {
        self.nodes[at as usize].suspects.set(peer, suspected);
        if peer == self.cfg.preferred && self.nodes[at as usize].role == Role::Leader {
            let term = self.nodes[at as usize].term;
            self.preferred_reachable(ctx, at, term, !suspected);
        }
        if !suspected {
            // Heartbeats carry the sender's role: a leader that stopped leading (its
            // `Resign` may have been lost) is no longer followed.
            let p = &self.nodes[peer as usize];
            let n = &self.nodes[at as usize];
            if n.leader == Some(peer) && (p.role != Role::Leader || p.term != n.term) {
                self.lose_leader(ctx, at);
            }
        }
        if !self.is_member(at) {
            return;
        }
        let n = &self.nodes[at as usize];
        if n.role == Role::Leader {
            if suspected {
                if self.fenced(at) {
                    // Without a majority the lease cannot be trusted: stop serving.
                    self.step_down(ctx, at, true);
                    self.arm(ctx, at);
                }
            } else if self.is_member(peer) {
                self.replicate(ctx, at, peer, true);
            } else {
                ctx.send(at, peer, CMsg::Leader { term: n.term }, HEADER_BYTES);
            }
        } else if suspected && n.leader == Some(peer) {
            self.arm(ctx, at);
        }
    }

    fn on_region_down(&mut self, ctx: &mut Cx<'_>, region: RegionId) {
        self.region_down(ctx, region);
    }

    fn on_region_up(&mut self, ctx: &mut Cx<'_>, region: RegionId, empty: bool) {
        self.region_up(ctx, region, empty);
    }

    fn leadership(&self) -> Option<Vec<Leadership>> {
        Some(self.leadership.clone())
    }

    fn extra(&self) -> Vec<(&'static str, f64)> {
        // A ratio without rounds, or a figure of a read mode not in use, is left out (n/a).
        let mut out = vec![("log_entries", self.logged_writes as f64)];
        if self.commit_rounds > 0 {
            let per_round = self.entries as f64 / self.commit_rounds as f64;
            out.push(("entries_per_commit", per_round));
        }
        if self.cfg.reads == ConsensusReads::ReadIndex {
            out.push(("read_index_waits", self.read_index_waits as f64));
        }
        out.extend([
            ("elections", self.elections as f64),
            ("leader_changes", self.leader_changes as f64),
            ("snapshots", self.snapshots as f64),
        ]);
        match self.cfg.reads {
            ConsensusReads::Lease => {}
            ConsensusReads::ReadIndex => {
                out.push(("read_rounds", self.read_rounds as f64));
                if self.read_rounds > 0 {
                    let per_round = self.confirmed_reads as f64 / self.read_rounds as f64;
                    out.push(("reads_per_round", per_round));
                }
            }
            ConsensusReads::Follower { .. } => {
                out.push(("follower_reads_local", self.local_follower_reads as f64));
                out.push(("follower_reads_forwarded", self.follower_forwards as f64));
            }
        }
        out
    }
}
