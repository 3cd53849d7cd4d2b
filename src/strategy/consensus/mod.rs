//! `consensus` (Raft-like): a leader region orders writes in a log and commits them once a
//! majority of members has them; reads under a leader lease or by read index; a new leader is
//! elected when the old one fails.
//!
//! Owns the replicated-log protocol and its leader election.
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
//! Reads: `Lease` sends every read to the leader, which serves it from its applied state
//! (under its lease: a leader that loses its majority steps down at its detector's timeout,
//! before the other side can elect a successor after that timeout plus an election timeout).
//! `ReadIndex` lets a member ask the leader for its commit index (one round trip), wait until
//! it has applied up to that index and serve the read from its own copy; non-members forward
//! reads to the leader, and the leader serves its own region's reads directly. Leadership is
//! not re-confirmed by a heartbeat round: the failure detector stands in for it.
//!
//! Consistency: linearizable reads and writes (a write is acknowledged only after it is
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
//! follower. Per election: `PreVote` and `RequestVote` to the other members and their
//! answers, then a probe of every member.
//!
//! Extra figures: `log_entries` (client writes appended), `entries_per_commit`,
//! `read_index_waits`, `elections` (elections started after a successful pre-vote),
//! `leader_changes` (regions that became leader after the start) and `snapshots`.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use std::collections::{BTreeMap, VecDeque};

use rand::RngExt;

use crate::strategy::{Ctx, OpId, Outcome, Request, Strategy, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};

/// How reads are made linearizable.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ConsensusReads {
    /// Every read is served by the leader, which holds a lease.
    Lease,
    /// A member asks the leader for its commit index, waits until it has applied it, and
    /// serves the read locally.
    ReadIndex,
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
}

/// Messages of the consensus protocol.
#[derive(Copy, Clone, Debug)]
pub enum CMsg {
    /// A client operation forwarded from its region to the leader.
    Forward {
        /// The operation.
        op: OpId,
        /// Read or write.
        kind: OpKind,
        /// The key.
        key: Key,
        /// Value size.
        bytes: u32,
    },
    /// The leader's answer, back to the client's region.
    Done {
        /// The operation.
        op: OpId,
        /// Its result.
        outcome: Outcome,
    },
    /// Entries `prev + 1 ..= last` of the leader's log, all of term `entry_term` (none when
    /// `last == prev`: a heartbeat that only probes `prev`). Their contents are in the
    /// strategy's entry table.
    Append {
        /// The leader's term.
        term: u32,
        /// The index before the first entry.
        prev: u64,
        /// The term of entry `prev` in the leader's log.
        prev_term: u32,
        /// The last entry sent.
        last: u64,
        /// The term of the entries sent.
        entry_term: u32,
        /// The leader's commit index when sending.
        commit: u64,
        /// Answer at once, even when the follower finds a gap before `prev`.
        probe: bool,
    },
    /// A follower's log matches the leader's up to `matched`.
    AppendAck {
        /// The follower's term.
        term: u32,
        /// The follower's match index.
        matched: u64,
    },
    /// A follower needs the entries from `next` on (or, with a newer `term`, the sender is
    /// no longer leader).
    AppendNack {
        /// The follower's term.
        term: u32,
        /// The first index to resend.
        next: u64,
        /// Entries the follower acknowledged before are gone (it came back empty, or needs a
        /// snapshot); otherwise a `next` the leader knows to be matched is a stale request.
        lost: bool,
    },
    /// The leader's commit index advanced.
    Commit {
        /// The leader's term.
        term: u32,
        /// The new commit index.
        commit: u64,
    },
    /// The leader's applied state up to `index` replaces a follower's log prefix.
    Snapshot {
        /// The leader's term.
        term: u32,
        /// The last index it covers.
        index: u64,
        /// That entry's term.
        index_term: u32,
    },
    /// A follower asks the leader for its commit index (read-index read).
    ReadIndex {
        /// The read waiting for it.
        op: OpId,
    },
    /// The leader's commit index, for a read-index read.
    ReadIndexReply {
        /// The read.
        op: OpId,
        /// The commit index the read must observe.
        index: u64,
    },
    /// Would you vote for me in `term`? (No state changes.)
    PreVote {
        /// The term the sender would stand in.
        term: u32,
        /// The sender's last log index.
        last_index: u64,
        /// The sender's last log term.
        last_term: u32,
    },
    /// The answer to a pre-vote.
    PreVoteReply {
        /// The pre-vote's term.
        term: u32,
        /// Whether the sender would vote.
        granted: bool,
        /// The sender's current term.
        voter_term: u32,
    },
    /// A candidate asks for a vote.
    RequestVote {
        /// The candidate's term.
        term: u32,
        /// The candidate's last log index.
        last_index: u64,
        /// The candidate's last log term.
        last_term: u32,
    },
    /// The answer to a vote request.
    Vote {
        /// The voter's term.
        term: u32,
        /// Whether the vote was granted.
        granted: bool,
    },
    /// A new leader announces itself to a region that is not a member.
    Leader {
        /// Its term.
        term: u32,
    },
    /// The sender stopped leading `term`.
    Resign {
        /// The term it led.
        term: u32,
    },
}

/// Timers of the consensus protocol.
#[derive(Copy, Clone, Debug)]
pub enum CTimer {
    /// An election timeout (only the region's latest one counts).
    Election {
        /// The arming sequence number.
        seq: u32,
    },
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

/// The contents of one log entry.
#[derive(Copy, Clone, Debug)]
struct Data {
    key: Key,
    bytes: u32,
    /// The client operation (writes).
    op: OpId,
    /// The region to acknowledge it to.
    reply_to: RegionId,
    /// The leader that created it (the version's origin).
    origin: RegionId,
    /// A client write (false: a new leader's no-op).
    write: bool,
    /// When the leader committed and acknowledged it (`SimTime::MAX`: not acknowledged).
    acked_at: SimTime,
}

/// The entries one leader created in its term, at consecutive indices from `first`.
#[derive(Clone, Debug, Default)]
struct TermLog {
    first: u64,
    data: VecDeque<Data>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Role {
    Follower,
    PreCandidate,
    Candidate,
    Leader,
}

/// Entries buffered ahead of a gap.
#[derive(Copy, Clone, Debug)]
struct Batch {
    last: u64,
    entry_term: u32,
    prev_term: u32,
}

/// A read the leader holds until its first entry is committed.
#[derive(Copy, Clone, Debug)]
struct Held {
    op: OpId,
    key: Key,
    reply_to: RegionId,
    /// A read-index request (answer with the commit index) rather than a lease read.
    index_read: bool,
}

/// How entries fit a follower's log.
enum Fit {
    /// Accepted (or already there).
    Done,
    /// `prev` is beyond the log's end.
    Gap,
    /// The log disagrees at `prev`: resend from this index.
    Conflict(u64),
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
    /// Regions this region's failure detector suspects (bit = region id).
    suspects: u64,
    /// Leader: reads waiting for `ready`.
    held: Vec<Held>,
}

impl Node {
    fn last(&self) -> u64 {
        self.runs.last().map_or(self.base, |r| r.1)
    }

    fn last_term(&self) -> u32 {
        self.runs.last().map_or(self.base_term, |r| r.0)
    }

    /// The run holding index `i` (`base < i <= last`): its position and first index.
    fn run(&self, i: u64) -> Option<(usize, u64)> {
        if i <= self.base || i > self.last() {
            return None;
        }
        for k in (0..self.runs.len()).rev() {
            let lo = if k == 0 {
                self.base + 1
            } else {
                self.runs[k - 1].1 + 1
            };
            if i >= lo {
                return Some((k, lo));
            }
        }
        None
    }

    /// The term of entry `i`, for `base <= i <= last`.
    fn term_at(&self, i: u64) -> Option<u32> {
        if i == self.base {
            return Some(self.base_term);
        }
        self.run(i).map(|(k, _)| self.runs[k].0)
    }

    /// Keeps entries up to `to`.
    fn truncate(&mut self, to: u64) {
        while let Some(&(_, end)) = self.runs.last() {
            let n = self.runs.len();
            let lo = if n == 1 {
                self.base + 1
            } else {
                self.runs[n - 2].1 + 1
            };
            if lo > to {
                self.runs.pop();
            } else {
                if end > to {
                    self.runs[n - 1].1 = to;
                }
                break;
            }
        }
        self.verified = self.verified.min(to);
    }

    /// Appends entries `first ..= last` of `term` (`first` is the end + 1).
    fn append(&mut self, first: u64, last: u64, term: u32) {
        debug_assert_eq!(first, self.last() + 1);
        match self.runs.last_mut() {
            Some(r) if r.0 == term => r.1 = last,
            _ => self.runs.push((term, last)),
        }
    }

    /// Whether a candidate's log `(last_index, last_term)` is at least as up to date.
    fn behind(&self, last_index: u64, last_term: u32) -> bool {
        let t = self.last_term();
        last_term > t || (last_term == t && last_index >= self.last())
    }

    /// Fits the current leader's entries `prev + 1 ..= last` (of `entry_term`) after `prev`
    /// (of `prev_term`).
    fn fit(&mut self, prev: u64, prev_term: u32, last: u64, entry_term: u32) -> Fit {
        if last <= self.base {
            return Fit::Done; // Inside the snapshot: committed, hence matching.
        }
        let prev = prev.max(self.base);
        if prev > self.last() {
            return Fit::Gap;
        }
        if prev > self.base && self.term_at(prev) != Some(prev_term) {
            // Committed entries match every later leader's log: resend after them.
            let (_, lo) = self.run(prev).expect("inside the log");
            let safe = self.verified.min(self.commit).max(self.base) + 1;
            return Fit::Conflict(lo.max(safe).min(prev));
        }
        // Entries after `prev` that already have the right term are the leader's.
        let mut k = prev;
        if last > prev && prev < self.last() {
            let (r, _) = self.run(prev + 1).expect("inside the log");
            if self.runs[r].0 == entry_term {
                k = self.runs[r].1.min(last);
            }
        }
        if k < last {
            self.truncate(k);
            self.append(k + 1, last, entry_term);
        }
        self.verified = self.verified.max(last);
        Fit::Done
    }

    /// Fits buffered entries that no longer wait for a gap; a conflict's resend index.
    fn drain(&mut self) -> Option<u64> {
        while let Some((&first, &b)) = self.pending.first_key_value() {
            if b.last <= self.verified {
                self.pending.pop_first();
                continue;
            }
            if first > self.last() + 1 {
                break;
            }
            self.pending.pop_first();
            if let Fit::Conflict(h) = self.fit(first - 1, b.prev_term, b.last, b.entry_term) {
                return Some(h);
            }
        }
        None
    }
}

/// A read-index read waiting at a follower.
#[derive(Copy, Clone, Debug, Default)]
struct WaitingRead {
    key: Key,
    index: u64,
}

/// The consensus strategy's state.
pub struct Consensus {
    cfg: ConsensusConfig,
    keys: usize,
    /// Position of each region in `members` (`NONE` for non-members).
    pos: Vec<usize>,
    /// Members needed to commit or to win an election.
    majority: usize,
    nodes: Vec<Node>,
    /// Applied version per (region, key), row-major by region.
    store: Vec<Version>,
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
            suspects: 0,
            held: Vec::new(),
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
            majority: m / 2 + 1,
            keys: keys as usize,
            pos,
            nodes,
            store: vec![Version::NONE; regions * keys as usize],
            terms,
            compacted: 0,
            last_compact: 0,
            reads: Vec::new(),
            waiting: vec![Vec::new(); regions],
            scratch: Vec::with_capacity(m),
            writable,
            entries: 0,
            logged_writes: 0,
            commit_rounds: 0,
            read_index_waits: 0,
            elections: 0,
            leader_changes: 0,
            snapshots: 0,
            cfg,
        }
    }

    #[inline]
    fn slot(&self, region: RegionId, key: Key) -> usize {
        region as usize * self.keys + key as usize
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
        self.nodes[at as usize].suspects >> peer & 1 == 1
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

    fn data(&self, index: u64, term: u32) -> Option<&Data> {
        let t = self.terms.get(&term)?;
        t.data.get(index.checked_sub(t.first)? as usize)
    }

    fn data_mut(&mut self, index: u64, term: u32) -> Option<&mut Data> {
        let t = self.terms.get_mut(&term)?;
        t.data.get_mut(index.checked_sub(t.first)? as usize)
    }

    /// Answers the operation `op` held at `from` to its client's region `to`.
    fn answer(&self, ctx: &mut Cx<'_>, from: RegionId, op: OpId, to: RegionId, outcome: Outcome) {
        if to == from {
            ctx.reply(op, outcome);
        } else {
            ctx.send(from, to, CMsg::Done { op, outcome }, HEADER_BYTES);
        }
    }

    fn set_writable(&mut self, ctx: &mut Cx<'_>, r: RegionId, w: bool) {
        if self.writable[r as usize] != w {
            self.writable[r as usize] = w;
            ctx.writable(r, w);
        }
    }

    /// Arms `at`'s election timer (superseding any earlier one).
    fn arm(&mut self, ctx: &mut Cx<'_>, at: RegionId) {
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
    fn step_down(&mut self, ctx: &mut Cx<'_>, at: RegionId, notify: bool) {
        if self.nodes[at as usize].role != Role::Leader {
            return;
        }
        self.set_writable(ctx, at, false);
        let n = &mut self.nodes[at as usize];
        n.role = Role::Follower;
        n.leader = None;
        let held = std::mem::take(&mut n.held);
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
                self.answer(ctx, at, d.op, d.reply_to, Outcome::Failed);
            }
        }
        for h in held {
            self.answer(ctx, at, h.op, h.reply_to, Outcome::Failed);
        }
        // Followers must not keep treating it as their live leader.
        for r in 0..self.nodes.len() as RegionId {
            if r != at && !self.suspects(at, r) {
                ctx.send(at, r, CMsg::Resign { term }, HEADER_BYTES);
            }
        }
    }

    /// `at` forgets its leader (it stopped leading); a member waits for an election.
    fn lose_leader(&mut self, ctx: &mut Cx<'_>, at: RegionId) {
        self.nodes[at as usize].leader = None;
        if self.is_member(at) && self.nodes[at as usize].role != Role::Leader {
            self.arm(ctx, at);
        }
    }

    /// `at` moves to the newer `term`, leaderless.
    fn enter_term(&mut self, ctx: &mut Cx<'_>, at: RegionId, term: u32) {
        self.step_down(ctx, at, true);
        let n = &mut self.nodes[at as usize];
        n.term = term;
        n.voted_for = None;
        n.role = Role::Follower;
        n.leader = None;
        n.votes = 0;
        n.pending.clear();
        n.gap = None;
        n.nack = None;
        // Only committed entries are known to match the next leader's log.
        n.verified = n.verified.min(n.commit);
    }

    /// A message carried `term`: when it is newer, `at` follows it (leaderless, waiting for
    /// an election). Returns whether it was newer.
    fn observe(&mut self, ctx: &mut Cx<'_>, at: RegionId, term: u32) -> bool {
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
    fn follow(&mut self, ctx: &mut Cx<'_>, at: RegionId, leader: RegionId, term: u32) {
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

    /// The leader `l` creates an entry; returns its index.
    fn create(&mut self, l: RegionId, data: Data) -> u64 {
        let n = &mut self.nodes[l as usize];
        let (index, term) = (n.last() + 1, n.term);
        n.append(index, index, term);
        let t = self.terms.get_mut(&term).expect("the leader's term log");
        debug_assert_eq!(t.first + t.data.len() as u64, index);
        t.data.push_back(data);
        self.entries += 1;
        index
    }

    /// The leader `l` appends a client write and replicates it.
    fn append_write(
        &mut self,
        ctx: &mut Cx<'_>,
        l: RegionId,
        op: OpId,
        key: Key,
        bytes: u32,
        reply_to: RegionId,
    ) {
        let data = Data {
            key,
            bytes,
            op,
            reply_to,
            origin: l,
            write: true,
            acked_at: SimTime::MAX,
        };
        self.create(l, data);
        self.logged_writes += 1;
        self.replicate_all(ctx, l, false);
        self.advance_commit(ctx, l);
    }

    fn replicate_all(&mut self, ctx: &mut Cx<'_>, l: RegionId, probe: bool) {
        for i in 0..self.cfg.members.len() {
            let m = self.cfg.members[i];
            if m != l {
                self.replicate(ctx, l, m, probe);
            }
        }
    }

    /// The leader `l` sends member `m` what it has not sent it yet (a snapshot first when
    /// those entries were compacted); with `probe`, at least a heartbeat, answered at once.
    fn replicate(&mut self, ctx: &mut Cx<'_>, l: RegionId, m: RegionId, probe: bool) {
        if self.suspects(l, m) {
            return;
        }
        let p = self.pos[m as usize];
        let n = &self.nodes[l as usize];
        let (term, last, commit) = (n.term, n.last(), n.commit);
        let mut next = n.next[p].clamp(1, last + 1);
        let mut probe = probe;
        if next <= last && next <= self.compacted.max(n.base) {
            let index = n.applied;
            let index_term = n.term_at(index).unwrap_or(n.base_term);
            let msg = CMsg::Snapshot {
                term,
                index,
                index_term,
            };
            ctx.send(l, m, msg, HEADER_BYTES + self.keys as u64 * 16);
            self.snapshots += 1;
            next = index + 1;
            probe = false;
        }
        if next > last && probe {
            let msg = CMsg::Append {
                term,
                prev: last,
                prev_term: n.last_term(),
                last,
                entry_term: n.last_term(),
                commit,
                probe,
            };
            ctx.send(l, m, msg, HEADER_BYTES);
        }
        while next <= last {
            let prev = next - 1;
            let prev_term = n.term_at(prev).unwrap_or(n.base_term);
            let (r, _) = n.run(next).expect("inside the leader's log");
            let (entry_term, run_end) = n.runs[r];
            let end = run_end.min(last).min(next + MAX_BATCH - 1);
            let value: u64 = (next..=end)
                .map(|i| self.data(i, entry_term).map_or(0, |d| d.bytes as u64))
                .sum();
            let msg = CMsg::Append {
                term,
                prev,
                prev_term,
                last: end,
                entry_term,
                commit,
                probe,
            };
            ctx.send(l, m, msg, HEADER_BYTES + value);
            probe = false;
            next = end + 1;
        }
        self.nodes[l as usize].next[p] = next;
    }

    /// The leader `l` commits what a majority holds, applies it and acknowledges the writes
    /// of its term.
    fn advance_commit(&mut self, ctx: &mut Cx<'_>, l: RegionId) {
        let n = &self.nodes[l as usize];
        if n.role != Role::Leader {
            return;
        }
        self.scratch.clear();
        for (p, &m) in self.cfg.members.iter().enumerate() {
            self.scratch
                .push(if m == l { n.last() } else { n.matched[p] });
        }
        self.scratch.sort_unstable_by(|a, b| b.cmp(a));
        let target = self.scratch[self.majority - 1];
        // Raft: only entries of the current term are committed by counting replicas.
        if target <= n.commit || n.term_at(target) != Some(n.term) {
            return;
        }
        let (term, from) = (n.term, n.applied + 1);
        let now = ctx.now();
        for i in from..=target {
            let t = self.nodes[l as usize].term_at(i).expect("in the log");
            let Some(d) = self.data_mut(i, t) else {
                continue;
            };
            if !d.write {
                continue;
            }
            let own = t == term;
            if own {
                d.acked_at = now;
            }
            let d = *d;
            let version = Version {
                stamp: i,
                origin: d.origin,
            };
            let s = self.slot(l, d.key);
            self.store[s] = self.store[s].max(version);
            if own {
                self.answer(ctx, l, d.op, d.reply_to, Outcome::Write(version));
            }
        }
        let n = &mut self.nodes[l as usize];
        n.commit = target;
        n.applied = target;
        let ready = target >= n.ready && !n.held.is_empty();
        self.commit_rounds += 1;
        let msg = CMsg::Commit {
            term,
            commit: target,
        };
        for i in 0..self.cfg.members.len() {
            let m = self.cfg.members[i];
            if m != l && !self.suspects(l, m) {
                ctx.send(l, m, msg, HEADER_BYTES);
            }
        }
        if ready {
            self.serve_held(ctx, l);
        }
        if target - self.last_compact >= COMPACT_EVERY {
            self.compact(l);
        }
    }

    /// Drops entry contents that no member needs any more.
    fn compact(&mut self, l: RegionId) {
        let lead = self.nodes[l as usize].applied;
        self.last_compact = lead;
        let low = self
            .cfg
            .members
            .iter()
            .map(|&m| self.nodes[m as usize].applied)
            .min()
            .unwrap_or(0);
        let floor = low.max(lead.saturating_sub(RETAIN)).min(lead);
        if floor <= self.compacted {
            return;
        }
        self.compacted = floor;
        for t in self.terms.values_mut() {
            while t.first <= floor && t.data.pop_front().is_some() {
                t.first += 1;
            }
        }
    }

    /// The new leader's first entry is committed: it answers the reads it held.
    fn serve_held(&mut self, ctx: &mut Cx<'_>, l: RegionId) {
        let held = std::mem::take(&mut self.nodes[l as usize].held);
        let commit = self.nodes[l as usize].commit;
        for h in &held {
            if h.index_read && h.reply_to != l {
                let msg = CMsg::ReadIndexReply {
                    op: h.op,
                    index: commit,
                };
                ctx.send(l, h.reply_to, msg, HEADER_BYTES);
            } else {
                self.leader_read(ctx, l, h.op, h.key, h.reply_to);
            }
        }
        let mut held = held;
        held.clear();
        self.nodes[l as usize].held = held;
    }

    /// The leader serves a read from its applied state.
    fn leader_read(&self, ctx: &mut Cx<'_>, l: RegionId, op: OpId, key: Key, to: RegionId) {
        let v = self.store[self.slot(l, key)];
        self.answer(ctx, l, op, to, Outcome::Read(v));
    }

    /// The leader `l` runs an operation for a client in region `to`.
    #[allow(clippy::too_many_arguments)]
    fn execute(
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
            self.answer(ctx, l, op, to, Outcome::Failed);
            if to != l && self.nodes[l as usize].role != Role::Leader {
                // The sender still takes this region for its leader.
                let term = self.nodes[l as usize].term;
                ctx.send(l, to, CMsg::Resign { term }, HEADER_BYTES);
            }
            return;
        }
        match kind {
            OpKind::Write => self.append_write(ctx, l, op, key, bytes, to),
            OpKind::Read => {
                let n = &mut self.nodes[l as usize];
                if n.commit >= n.ready {
                    self.leader_read(ctx, l, op, key, to);
                } else {
                    n.held.push(Held {
                        op,
                        key,
                        reply_to: to,
                        index_read: false,
                    });
                }
            }
        }
    }

    /// A follower applies committed entries it holds, in log order, then serves the reads
    /// that were waiting for them.
    fn apply_follower(&mut self, ctx: &mut Cx<'_>, at: RegionId) {
        let n = &self.nodes[at as usize];
        if n.role == Role::Leader {
            return;
        }
        let limit = n.commit.min(n.verified);
        if limit <= n.applied {
            return;
        }
        let mut applied = n.applied;
        let mut missing = false;
        for i in n.applied + 1..=limit {
            let t = self.nodes[at as usize].term_at(i).expect("verified");
            let Some(&d) = self.data(i, t) else {
                missing = true;
                break;
            };
            if d.write {
                let s = self.slot(at, d.key);
                self.store[s] = self.store[s].max(Version {
                    stamp: i,
                    origin: d.origin,
                });
                if d.acked_at != SimTime::MAX {
                    ctx.applied(d.acked_at);
                }
            }
            applied = i;
        }
        self.nodes[at as usize].applied = applied;
        if missing {
            // The contents were compacted: ask the leader for a snapshot.
            if let Some(l) = self.nodes[at as usize].leader {
                self.nack(ctx, at, l, applied + 1, true);
            }
        }
        let waiting = &mut self.waiting[at as usize];
        if waiting.is_empty() {
            return;
        }
        let (reads, store, keys) = (&self.reads, &self.store, self.keys);
        waiting.retain(|&op| {
            let w = reads[op.index()];
            if w.index > applied {
                return true;
            }
            ctx.reply(
                op,
                Outcome::Read(store[at as usize * keys + w.key as usize]),
            );
            false
        });
    }

    /// `at` asks the leader `to` to resend from `next` (not the same request twice within
    /// `GAP_NACK_NS`); with `lost`, entries it had acknowledged before are gone (wiped, or
    /// their contents compacted before it applied them).
    fn nack(&mut self, ctx: &mut Cx<'_>, at: RegionId, to: RegionId, next: u64, lost: bool) {
        let now = ctx.now();
        let n = &mut self.nodes[at as usize];
        let lost = lost || n.wiped;
        if n.nack
            .is_some_and(|(x, t)| x == next && now.saturating_since(t) < GAP_NACK_NS)
        {
            return;
        }
        n.nack = Some((next, now));
        let msg = CMsg::AppendNack {
            term: n.term,
            next,
            lost,
        };
        ctx.send(at, to, msg, HEADER_BYTES);
    }

    /// A member receives entries (or a probe) from the leader `from`.
    #[allow(clippy::too_many_arguments)]
    fn on_append(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        from: RegionId,
        term: u32,
        prev: u64,
        prev_term: u32,
        last: u64,
        entry_term: u32,
        commit: u64,
        probe: bool,
    ) {
        let mine = self.nodes[at as usize].term;
        if term < mine {
            let msg = CMsg::AppendNack {
                term: mine,
                next: 0,
                lost: false,
            };
            ctx.send(at, from, msg, HEADER_BYTES);
            return;
        }
        self.follow(ctx, at, from, term);
        let now = ctx.now();
        let n = &mut self.nodes[at as usize];
        let before = n.verified;
        let mut resend = None;
        match n.fit(prev, prev_term, last, entry_term) {
            Fit::Done => resend = n.drain(),
            Fit::Gap => {
                if last > prev {
                    let b = Batch {
                        last,
                        entry_term,
                        prev_term,
                    };
                    let e = n.pending.entry(prev + 1).or_insert(b);
                    if e.last < last {
                        *e = b;
                    }
                }
                if probe {
                    resend = Some(n.last() + 1);
                }
            }
            Fit::Conflict(h) => resend = Some(h),
        }
        n.commit = n.commit.max(commit);
        let missing = n.last() + 1;
        if n.pending
            .first_key_value()
            .is_some_and(|(&f, _)| f > missing)
        {
            // Entries overtaken by later ones arrive soon; one lost to a fault does not.
            let since = match n.gap {
                Some((i, t)) if i == missing => t,
                _ => {
                    n.gap = Some((missing, now));
                    now
                }
            };
            if resend.is_none() && now.saturating_since(since) >= GAP_NACK_NS {
                resend = Some(missing);
            }
        } else {
            n.gap = None;
        }
        if n.verified > 0 {
            n.wiped = false;
        }
        let verified = n.verified;
        if let Some(h) = resend {
            self.nack(ctx, at, from, h, false);
        }
        if verified > before || probe {
            let ack = CMsg::AppendAck {
                term,
                matched: verified,
            };
            ctx.send(at, from, ack, HEADER_BYTES);
        }
        self.apply_follower(ctx, at);
    }

    /// A member installs the leader's snapshot up to `index`.
    fn on_snapshot(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        from: RegionId,
        term: u32,
        index: u64,
        index_term: u32,
    ) {
        let mine = self.nodes[at as usize].term;
        if term < mine {
            let msg = CMsg::AppendNack {
                term: mine,
                next: 0,
                lost: false,
            };
            ctx.send(at, from, msg, HEADER_BYTES);
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
            let (src, dst) = (from as usize * self.keys, at as usize * self.keys);
            for k in 0..self.keys {
                let v = self.store[src + k];
                if v > self.store[dst + k] {
                    self.store[dst + k] = v;
                }
            }
        }
        let n = &mut self.nodes[at as usize];
        n.verified = n.verified.max(index.min(n.last()));
        let resend = n.drain();
        let matched = n.verified;
        if let Some(h) = resend {
            self.nack(ctx, at, from, h, false);
        }
        ctx.send(at, from, CMsg::AppendAck { term, matched }, HEADER_BYTES);
        self.apply_follower(ctx, at);
    }

    /// `c` won a majority of pre-votes: it stands for election in the next term.
    fn start_election(&mut self, ctx: &mut Cx<'_>, c: RegionId) {
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
        };
        for i in 0..self.cfg.members.len() {
            let m = self.cfg.members[i];
            if m != c && !self.suspects(c, m) {
                ctx.send(c, m, msg, HEADER_BYTES);
            }
        }
    }

    /// `l` won the election of its current term.
    fn become_leader(&mut self, ctx: &mut Cx<'_>, l: RegionId) {
        let n = &mut self.nodes[l as usize];
        n.role = Role::Leader;
        n.leader = Some(l);
        n.votes = 0;
        n.seq = n.seq.wrapping_add(1);
        let (last, term) = (n.last(), n.term);
        n.next.fill(last + 1);
        n.matched.fill(0);
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
        self.set_writable(ctx, l, true);
        self.replicate_all(ctx, l, true);
        for r in 0..self.nodes.len() as RegionId {
            if !self.is_member(r) && !self.suspects(l, r) {
                ctx.send(l, r, CMsg::Leader { term }, HEADER_BYTES);
            }
        }
        self.advance_commit(ctx, l);
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
                key: req.key,
                index: 0,
            };
            ctx.send(at, l, CMsg::ReadIndex { op: req.op }, HEADER_BYTES);
        } else {
            let msg = CMsg::Forward {
                op: req.op,
                kind: req.kind,
                key: req.key,
                bytes: req.bytes,
            };
            ctx.send(at, l, msg, HEADER_BYTES + req.bytes as u64);
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
            } => {
                if self.is_member(at) {
                    self.on_append(
                        ctx, at, from, term, prev, prev_term, last, entry_term, commit, probe,
                    );
                }
            }
            CMsg::AppendAck { term, matched } => {
                if self.observe(ctx, at, term) {
                    return;
                }
                let p = self.pos[from as usize];
                let n = &mut self.nodes[at as usize];
                if n.role != Role::Leader || term != n.term || p == NONE {
                    return;
                }
                n.matched[p] = n.matched[p].max(matched);
                n.next[p] = n.next[p].max(n.matched[p] + 1);
                self.advance_commit(ctx, at);
            }
            CMsg::AppendNack { term, next, lost } => {
                if self.observe(ctx, at, term) {
                    return;
                }
                let p = self.pos[from as usize];
                let n = &mut self.nodes[at as usize];
                if n.role != Role::Leader || term != n.term || next == 0 || p == NONE {
                    return;
                }
                let next = next.min(n.last() + 1);
                if lost {
                    n.matched[p] = n.matched[p].min(next - 1);
                } else if next <= n.matched[p] {
                    return; // Overtaken by a later acknowledgement.
                }
                n.next[p] = next;
                self.replicate(ctx, at, from, true);
            }
            CMsg::Commit { term, commit } => {
                if !self.is_member(at) || term < self.nodes[at as usize].term {
                    return;
                }
                self.follow(ctx, at, from, term);
                let n = &mut self.nodes[at as usize];
                n.commit = n.commit.max(commit);
                self.apply_follower(ctx, at);
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
            CMsg::ReadIndex { op } => {
                if !self.serving(at) {
                    self.answer(ctx, at, op, from, Outcome::Failed);
                    if self.nodes[at as usize].role != Role::Leader {
                        let term = self.nodes[at as usize].term;
                        ctx.send(at, from, CMsg::Resign { term }, HEADER_BYTES);
                    }
                    return;
                }
                let n = &mut self.nodes[at as usize];
                if n.commit >= n.ready {
                    let index = n.commit;
                    ctx.send(at, from, CMsg::ReadIndexReply { op, index }, HEADER_BYTES);
                } else {
                    n.held.push(Held {
                        op,
                        key: 0,
                        reply_to: from,
                        index_read: true,
                    });
                }
            }
            CMsg::ReadIndexReply { op, index } => {
                if self.nodes[at as usize].applied >= index {
                    let v = self.store[self.slot(at, self.reads[op.index()].key)];
                    ctx.reply(op, Outcome::Read(v));
                } else {
                    self.reads[op.index()].index = index;
                    self.waiting[at as usize].push(op);
                    self.read_index_waits += 1;
                }
            }
            CMsg::PreVote {
                term,
                last_index,
                last_term,
            } => {
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
            CMsg::PreVoteReply {
                term,
                granted,
                voter_term,
            } => {
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
            CMsg::RequestVote {
                term,
                last_index,
                last_term,
            } => {
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
                if term > mine && follower && self.live_leader(at) && n.leader != Some(from) {
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
            CMsg::Vote { term, granted } => {
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
            CMsg::Resign { term } => {
                let n = &self.nodes[at as usize];
                if n.leader == Some(from) && n.term == term {
                    self.lose_leader(ctx, at);
                }
            }
            CMsg::Leader { term } => {
                let member = self.is_member(at);
                let n = &mut self.nodes[at as usize];
                if !member && term >= n.term {
                    n.term = term;
                    n.leader = Some(from);
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Cx<'_>, at: RegionId, timer: CTimer) {
        let CTimer::Election { seq } = timer;
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

    fn on_suspect(&mut self, ctx: &mut Cx<'_>, at: RegionId, peer: RegionId, suspected: bool) {
        let n = &mut self.nodes[at as usize];
        if suspected {
            n.suspects |= 1u64 << peer;
        } else {
            n.suspects &= !(1u64 << peer);
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
        self.step_down(ctx, region, false);
        let n = &mut self.nodes[region as usize];
        n.role = Role::Follower;
        n.leader = None;
        n.votes = 0;
        n.pending.clear();
        n.gap = None;
        n.nack = None;
        n.held.clear();
        n.verified = n.verified.min(n.commit);
        n.seq = n.seq.wrapping_add(1);
        self.waiting[region as usize].clear();
    }

    fn on_region_up(&mut self, ctx: &mut Cx<'_>, region: RegionId, empty: bool) {
        let n = &mut self.nodes[region as usize];
        // Everyone is trusted until the restarted detector says otherwise.
        n.suspects = 0;
        if empty {
            n.wiped = true;
            n.base = 0;
            n.base_term = 0;
            n.runs.clear();
            n.verified = 0;
            n.commit = 0;
            n.applied = 0;
            let s = region as usize * self.keys;
            self.store[s..s + self.keys].fill(Version::NONE);
        }
        if self.is_member(region) {
            self.arm(ctx, region);
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

    fn extra(&self) -> Vec<(&'static str, f64)> {
        let per_round = if self.commit_rounds == 0 {
            0.0
        } else {
            self.entries as f64 / self.commit_rounds as f64
        };
        vec![
            ("log_entries", self.logged_writes as f64),
            ("entries_per_commit", per_round),
            ("read_index_waits", self.read_index_waits as f64),
            ("elections", self.elections as f64),
            ("leader_changes", self.leader_changes as f64),
            ("snapshots", self.snapshots as f64),
        ]
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::RunMetrics;
    use crate::scenario::{self, Format, Scenario};
    use crate::sim::run_strategy;
    use std::path::Path;

    /// Five regions on four continents (the cities AWS regions are named for).
    const REGIONS: &str = r#"
[[regions]]
name = "us-east-1"
lat = 39.0458
lon = -77.4874
[[regions]]
name = "eu-west-1"
lat = 53.3498
lon = -6.2603
[[regions]]
name = "ap-northeast-1"
lat = 35.6762
lon = 139.6503
[[regions]]
name = "us-west-2"
lat = 45.5152
lon = -122.6784
[[regions]]
name = "eu-central-1"
lat = 50.1109
lon = 8.6821
"#;

    /// Contended load (few keys, half writes) in every region.
    fn clients(rate: f64, keys: u64) -> String {
        [
            "us-east-1",
            "eu-west-1",
            "ap-northeast-1",
            "us-west-2",
            "eu-central-1",
        ]
        .iter()
        .map(|r| {
            format!(
                "[[workload.clients]]\nregion = \"{r}\"\nrate_rps = {rate}\n\
                     read_fraction = 0.5\nkeys = {keys}\nzipf = 0.99\nvalue_bytes = 512\n"
            )
        })
        .collect()
    }

    /// Explicit links with heavy-tailed latency (p99 four times the median), so messages
    /// overtake each other.
    fn jittery_links() -> String {
        let pairs = [
            ("us-east-1", "eu-west-1", 38.0),
            ("us-east-1", "ap-northeast-1", 80.0),
            ("us-east-1", "us-west-2", 35.0),
            ("us-east-1", "eu-central-1", 45.0),
            ("eu-west-1", "ap-northeast-1", 110.0),
            ("eu-west-1", "us-west-2", 70.0),
            ("eu-west-1", "eu-central-1", 12.0),
            ("ap-northeast-1", "us-west-2", 50.0),
            ("ap-northeast-1", "eu-central-1", 120.0),
            ("us-west-2", "eu-central-1", 78.0),
        ];
        pairs
            .iter()
            .map(|(a, b, ms)| {
                format!(
                    "[[links]]\nfrom = \"{a}\"\nto = \"{b}\"\n\
                     latency = {{ dist = \"lognormal\", p50_ms = {ms}, p99_ms = {} }}\n",
                    4.0 * ms
                )
            })
            .collect()
    }

    fn scenario(duration_s: u32, clients: &str, jitter: bool, strategies: &str) -> Scenario {
        let links = if jitter {
            jittery_links()
        } else {
            String::new()
        };
        let text = format!(
            "name = \"t\"\nseed = 7\nduration_s = {duration_s}\ndrain_s = 10\n\
             {REGIONS}\n{links}\n{clients}\n{strategies}"
        );
        scenario::from_str(&text, Format::Toml, Path::new("t.toml")).unwrap()
    }

    /// Lease and read-index strategies: all five regions, and three of them (the other two
    /// are not members).
    const STRATEGIES: &str = r#"
[[strategies]]
kind = "consensus"
name = "lease"
leader = "us-east-1"
reads = "lease"
[[strategies]]
kind = "consensus"
name = "read-index"
leader = "us-east-1"
reads = "read-index"
[[strategies]]
kind = "consensus"
name = "lease-3"
leader = "eu-west-1"
members = ["us-east-1", "eu-west-1", "ap-northeast-1"]
reads = "lease"
[[strategies]]
kind = "consensus"
name = "read-index-3"
leader = "eu-west-1"
members = ["ap-northeast-1", "eu-west-1", "us-east-1"]
reads = "read-index"
"#;

    fn region(sc: &Scenario, name: &str) -> u16 {
        sc.topology.find(name).unwrap()
    }

    fn p50(m: &RunMetrics, r: u16, kind: usize) -> f64 {
        m.per_region[r as usize][kind].quantile_ms(0.5)
    }

    fn extra(m: &RunMetrics, name: &str) -> f64 {
        m.extra.iter().find(|(n, _)| *n == name).unwrap().1
    }

    /// The round trip from `leader` to the nearest majority of `members`.
    fn majority_rtt(sc: &Scenario, leader: u16, members: &[u16]) -> f64 {
        let mut rtts: Vec<f64> = members
            .iter()
            .filter(|&&m| m != leader)
            .map(|&m| sc.topology.median_rtt_ms(leader, m))
            .collect();
        rtts.sort_by(f64::total_cmp);
        let majority = members.len() / 2 + 1;
        rtts[majority - 2]
    }

    #[test]
    fn contended_load_is_linearizable_in_both_read_modes() {
        let sc = scenario(20, &clients(60.0, 20), true, STRATEGIES);
        for i in 0..sc.strategies.len() {
            let m = run_strategy(&sc, i, 11);
            let name = &sc.strategies[i].name;
            assert!(m.reads > 2_000 && m.writes > 2_000, "{name}");
            assert_eq!(m.stale_reads, 0, "{name}");
            assert_eq!(m.conflicts, 0, "{name}");
            assert_eq!(m.lost_updates, 0, "{name}");
            assert_eq!(m.failed, 0, "{name}");
            assert_eq!(
                m.read.count() + m.write.count(),
                m.reads + m.writes,
                "{name}"
            );
            // Every follower applied every write.
            let followers = if name.ends_with("-3") { 2 } else { 4 };
            assert_eq!(m.lag.count(), followers * m.writes, "{name}");
            assert_eq!(extra(&m, "log_entries"), m.writes as f64, "{name}");
        }
    }

    #[test]
    fn writes_at_the_leader_pay_the_round_trip_to_a_majority() {
        let sc = scenario(20, &clients(20.0, 1000), false, STRATEGIES);
        let all: Vec<u16> = (0..5).collect();
        let three = [0, 1, 2];
        for (i, leader, members) in [(0, "us-east-1", &all[..]), (2, "eu-west-1", &three[..])] {
            let m = run_strategy(&sc, i, 5);
            let l = region(&sc, leader);
            let rtt = majority_rtt(&sc, l, members);
            let w = p50(&m, l, 1);
            assert!(
                w >= rtt,
                "{leader}: write p50 {w} < majority round trip {rtt}"
            );
            // ... and not much more: one majority round trip, plus the access network.
            assert!(
                w < rtt * 1.5 + 5.0,
                "{leader}: write p50 {w}, round trip {rtt}"
            );
        }
    }

    #[test]
    fn remote_reads_pay_the_round_trip_to_the_leader() {
        let sc = scenario(20, &clients(20.0, 1000), false, STRATEGIES);
        let us = region(&sc, "us-east-1");
        let eu = region(&sc, "eu-west-1");
        let ap = region(&sc, "ap-northeast-1");
        let or = region(&sc, "us-west-2");
        // Lease, all members: every remote read goes to the leader; the leader's own are local.
        let m = run_strategy(&sc, 0, 3);
        for r in [eu, ap, or] {
            let rtt = sc.topology.median_rtt_ms(r, us);
            assert!(
                p50(&m, r, 0) >= rtt,
                "lease read p50 at {r} {}",
                p50(&m, r, 0)
            );
        }
        assert!(p50(&m, us, 0) < 10.0);
        // Read index, all members: a follower asks the leader first.
        let m = run_strategy(&sc, 1, 3);
        for r in [eu, ap, or] {
            let rtt = sc.topology.median_rtt_ms(r, us);
            let p = p50(&m, r, 0);
            assert!(p >= rtt, "read-index read p50 at {r} {p} < {rtt}");
        }
        assert!(p50(&m, us, 0) < 10.0);
        // Read index with three members: a non-member forwards to the leader, a member asks.
        let m = run_strategy(&sc, 3, 3);
        for r in [us, ap, or] {
            let rtt = sc.topology.median_rtt_ms(r, eu);
            let p = p50(&m, r, 0);
            assert!(p >= rtt, "read-index read p50 at {r} {p} < {rtt}");
        }
        assert!(p50(&m, eu, 0) < 10.0);
    }

    #[test]
    fn a_burst_of_writes_grows_the_log_ring_and_stays_in_order() {
        // Hundreds of writes in flight at once (the ring starts at 16 slots under test).
        let sc = scenario(3, &clients(400.0, 5), true, STRATEGIES);
        for i in [0, 1] {
            let m = run_strategy(&sc, i, 9);
            assert_eq!(m.stale_reads, 0);
            assert_eq!(m.failed, 0);
            assert_eq!(m.lag.count(), 4 * m.writes);
            // Out-of-order arrivals: commits cover several entries, read-index reads wait.
            assert!(extra(&m, "entries_per_commit") > 1.0);
            if i == 1 {
                assert!(extra(&m, "read_index_waits") > 0.0);
            }
            let again = run_strategy(&sc, i, 9);
            assert_eq!(again.write.mean_ms(), m.write.mean_ms());
            assert_eq!(again.read.mean_ms(), m.read.mean_ms());
        }
    }

    /// The three regions of `region-outage`.
    const THREE: &str = r#"
[[regions]]
name = "us-east-1"
lat = 39.0458
lon = -77.4874
[[regions]]
name = "us-west-2"
lat = 45.5152
lon = -122.6784
[[regions]]
name = "eu-west-1"
lat = 53.3498
lon = -6.2603
"#;

    /// Raft with lease reads, raft with read-index reads, and multi-master.
    const FAULT_STRATEGIES: &str = r#"
[[strategies]]
kind = "consensus"
name = "raft"
leader = "us-east-1"
reads = "lease"
[[strategies]]
kind = "consensus"
name = "raft-ri"
leader = "us-east-1"
reads = "read-index"
[[strategies]]
kind = "multi-master"
name = "mm"
"#;

    /// Clients in the three regions, a fast detector, clients that retry and reroute after
    /// 5 s, and `faults`.
    fn faulty(duration_s: u32, faults: &str) -> Scenario {
        faulty_load(duration_s, faults, 40.0, 0.7, 200)
    }

    fn faulty_load(duration_s: u32, faults: &str, rate: f64, reads: f64, keys: u64) -> Scenario {
        let clients: String = ["us-east-1", "us-west-2", "eu-west-1"]
            .iter()
            .map(|r| {
                format!(
                    "[[workload.clients]]\nregion = \"{r}\"\nrate_rps = {rate}\n\
                     read_fraction = {reads}\nkeys = {keys}\n"
                )
            })
            .collect();
        let text = format!(
            "name = \"f\"\nseed = 3\nduration_s = {duration_s}\ndrain_s = 20\n\
             [clients]\ntimeout_ms = 1000\nretries = 3\nbackoff_ms = 100\n\
             backoff_cap_ms = 1000\nreroute_after_s = 5\n\
             [detection]\nheartbeat_ms = 500\ntimeout_ms = 2000\n\
             {THREE}\n{clients}\n{faults}\n{FAULT_STRATEGIES}"
        );
        scenario::from_str(&text, Format::Toml, Path::new("f.toml"))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn outage(region: &str, start_s: u32, duration_s: u32, recover: &str) -> String {
        format!(
            "[[faults]]\nkind = \"region-outage\"\nregion = \"{region}\"\n\
             recover = \"{recover}\"\nstart_s = {start_s}\nduration_s = {duration_s}\n"
        )
    }

    fn partition(a: &[&str], b: &[&str], start_s: u32, duration_s: u32) -> String {
        let list = |v: &[&str]| {
            v.iter()
                .map(|r| format!("\"{r}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "[[faults]]\nkind = \"partition\"\na = [{}]\nb = [{}]\n\
             start_s = {start_s}\nduration_s = {duration_s}\n",
            list(a),
            list(b)
        )
    }

    /// Every operation issued from `from_s` to the end of the load succeeded.
    fn all_succeed_from(m: &RunMetrics, from_s: u64, name: &str) {
        let first = (from_s * 1_000_000_000 / m.bucket_ns) as usize;
        for (i, b) in m.timeline.iter().enumerate().skip(first) {
            assert!(
                b.failed == 0 && b.succeeded == b.attempted,
                "{name}: bucket {i}: {} of {} succeeded",
                b.succeeded,
                b.attempted
            );
        }
    }

    #[test]
    fn a_leader_outage_elects_a_new_leader_and_loses_nothing() {
        // The leader's region is down from 30 s to 90 s (durable); it rejoins as a follower.
        let sc = faulty(150, &outage("us-east-1", 30, 60, "durable"));
        for i in 0..2 {
            let m = run_strategy(&sc, i, 4);
            let name = &sc.strategies[i].name;
            assert!(extra(&m, "elections") >= 1.0, "{name}");
            assert!(extra(&m, "leader_changes") >= 1.0, "{name}");
            assert_eq!(m.stale_reads, 0, "{name}");
            assert_eq!(m.conflicts + m.lost_updates, 0, "{name}");
            assert_eq!(m.faults.len(), 1);
            assert_eq!(
                m.faults[0].lost_writes, 0,
                "{name}: acknowledged writes lost"
            );
            assert_eq!(m.split_brain_writes, 0, "{name}");
            // Detection (2 s) + election timeout (<= 3 s) + a retry: from 20 s after the
            // outage every operation succeeds, through the old leader's return at 90 s.
            all_succeed_from(&m, 50, name);
            assert!(m.failed > 0, "{name}: the outage is visible");
            assert!(m.faults[0].rto_ns().is_some(), "{name}: writes recovered");
        }
    }

    #[test]
    fn a_new_leader_serves_reads_only_once_it_knows_the_commit_index() {
        // Hot keys written in the old leader's region just before it dies: the new leader
        // has those entries but learns that they are committed only by committing its own
        // first entry, so reads it served earlier would be stale.
        let sc = faulty_load(40, &outage("us-east-1", 20, 20, "durable"), 200.0, 0.5, 5);
        for seed in 1..=3 {
            for i in 0..2 {
                let m = run_strategy(&sc, i, seed);
                assert!(extra(&m, "elections") >= 1.0);
                assert_eq!(m.stale_reads, 0, "{}, seed {seed}", sc.strategies[i].name);
            }
        }
    }

    #[test]
    fn an_isolated_follower_fails_its_clients_but_multi_master_does_not() {
        let sc = faulty(
            120,
            &partition(&["eu-west-1"], &["us-east-1", "us-west-2"], 30, 60),
        );
        let eu = sc.topology.find("eu-west-1").unwrap() as usize;
        for i in 0..2 {
            let m = run_strategy(&sc, i, 6);
            let name = &sc.strategies[i].name;
            let a = &m.availability[eu];
            assert!(a.succeeded[1] < a.attempted[1], "{name}: {a:?}");
            // The minority cannot elect anyone; the majority keeps its leader.
            assert_eq!(extra(&m, "elections"), 0.0, "{name}");
            assert_eq!(m.stale_reads, 0, "{name}");
            for r in 0..3 {
                if r != eu {
                    let a = &m.availability[r];
                    assert_eq!(a.succeeded, a.attempted, "{name}: region {r}");
                }
            }
            // After the heal (and a client retry) everything succeeds again.
            all_succeed_from(&m, 95, name);
        }
        let mm = run_strategy(&sc, 2, 6);
        let a = &mm.availability[eu];
        assert_eq!(a.succeeded[1], a.attempted[1], "multi-master: {a:?}");
        assert!(a.attempted[1] > 500);
    }

    #[test]
    fn an_isolated_leader_steps_down_before_the_majority_elects_another() {
        let sc = faulty(
            120,
            &partition(&["us-east-1"], &["us-west-2", "eu-west-1"], 30, 40),
        );
        let us = sc.topology.find("us-east-1").unwrap() as usize;
        for i in 0..2 {
            let m = run_strategy(&sc, i, 8);
            let name = &sc.strategies[i].name;
            assert!(extra(&m, "elections") >= 1.0, "{name}");
            assert_eq!(m.stale_reads, 0, "{name}");
            // Never two writable leaders: the old one fences itself at detection, the new
            // one is elected an election timeout later.
            assert_eq!(m.split_brain_ns, 0, "{name}");
            assert_eq!(m.split_brain_writes, 0, "{name}");
            assert_eq!(m.faults[0].lost_writes, 0, "{name}");
            let a = &m.availability[us];
            assert!(a.succeeded[1] < a.attempted[1], "{name}: {a:?}");
            // The majority side recovers within the partition; after the heal, everyone.
            all_succeed_from(&m, 75, name);
        }
    }

    #[test]
    fn a_follower_that_comes_back_empty_catches_up_from_a_snapshot() {
        let sc = faulty(120, &outage("us-west-2", 30, 30, "empty"));
        for i in 0..2 {
            let m = run_strategy(&sc, i, 2);
            let name = &sc.strategies[i].name;
            assert!(extra(&m, "snapshots") >= 1.0, "{name}");
            assert_eq!(extra(&m, "elections"), 0.0, "{name}");
            assert_eq!(m.stale_reads, 0, "{name}");
            assert_eq!(m.faults[0].lost_writes, 0, "{name}");
            all_succeed_from(&m, 70, name);
        }
    }

    #[test]
    fn faulty_runs_are_deterministic() {
        let faults = outage("us-east-1", 20, 30, "durable")
            + &partition(&["eu-west-1"], &["us-east-1", "us-west-2"], 60, 10);
        let sc = faulty(90, &faults);
        for i in 0..2 {
            let a = run_strategy(&sc, i, 12);
            let b = run_strategy(&sc, i, 12);
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
            assert!(extra(&a, "elections") >= 1.0);
            let c = run_strategy(&sc, i, 13);
            assert_ne!(format!("{a:?}"), format!("{c:?}"));
        }
    }

    #[test]
    fn election_timeouts_are_validated_and_wired() {
        let text = |range: &str| {
            format!(
                "duration_s = 1\n{THREE}\n[[workload.clients]]\nregion = \"us-east-1\"\n\
                 rate_rps = 1\n[[strategies]]\nkind = \"consensus\"\nname = \"r\"\n\
                 leader = \"us-east-1\"\nelection_timeout_ms = {range}\n"
            )
        };
        for bad in ["[0, 100]", "[300, 200]", "[-1, 5]"] {
            let e = scenario::from_str(&text(bad), Format::Toml, Path::new("t.toml"))
                .err()
                .unwrap_or_else(|| panic!("{bad} accepted"));
            assert!(e.to_string().contains("election_timeout_ms"), "{e}");
        }
        let sc =
            scenario::from_str(&text("[250, 250]"), Format::Toml, Path::new("t.toml")).unwrap();
        match &sc.strategies[0].config {
            crate::strategy::StrategyConfig::Consensus(c) => {
                assert_eq!(c.election_timeout_ns, [250_000_000; 2])
            }
            other => panic!("{other:?}"),
        }
    }
}
