//! `consensus` (Raft/Multi-Paxos-like): a leader region orders writes in a log and commits
//! them once a majority of members has them; reads under a leader lease or by read index.
//!
//! Owns the replicated-log protocol. Every write goes to the leader (forwarded from the
//! client's region unless it is the leader's), which appends it at the next log index
//! (`Version { stamp: log index, origin: leader }`) and sends an `Append` to every other
//! member. A follower persists the entry and, when its contiguous persisted prefix (its match
//! index) grows, answers `AppendAck` with that match index. Entries may arrive out of order
//! (each message has its own sampled latency): a follower buffers them and acknowledges only
//! the contiguous prefix, as in Raft. The leader's commit index is the largest index held by
//! a majority of members (the leader counts itself); it commits only entries of its current
//! term. On commit the leader applies the entries in order, acknowledges their writes (reply
//! or `Done` to the client's region) and sends one `Commit` carrying the new commit index to
//! every follower (several entries committed together share one `Commit`; `Append` also
//! carries the commit index known at sending time). A follower applies entries in log order
//! up to `min(match index, commit index)` and records replication lag against the leader's
//! commit time.
//!
//! Reads: `Lease` sends every read to the leader, which serves it from its applied state (it
//! holds a lease, so no other leader can have committed newer writes). `ReadIndex` lets a
//! member ask the leader for its commit index (one round trip), wait until it has applied up
//! to that index and serve the read from its own copy; non-members forward reads to the
//! leader, and the leader serves its own region's reads directly. Leadership is not
//! re-confirmed by a heartbeat round: without faults the leader's lease covers it.
//!
//! Consistency: linearizable reads and writes (a write is acknowledged only after it is
//! committed and applied at the leader; every read observes at least the commit index at the
//! time it reached the leader). A single leader orders all writes, so there are no conflicts.
//!
//! Messages per write: `Forward` + `Done` when the client is not in the leader's region,
//! `m - 1` `Append` (header + value), at most `m - 1` `AppendAck` and at most `m - 1`
//! `Commit` (fewer when commits are batched), for `m` members. Per read: `Forward` + `Done`
//! when served by a remote leader; `ReadIndex` + `ReadIndexReply` for a read-index read at a
//! follower.
//!
//! State for leader election (not yet modelled): every region keeps its current term, the
//! log entries carry the term they were created in, messages carry the sender's term and are
//! ignored when stale, and each member keeps its own match, commit and applied indices. The
//! log is one strategy-owned ring (entries are identical at every member while there is a
//! single leader), each entry recording which members have persisted it; a slot is reused
//! once every member has applied its entry, and the ring doubles when a slow member holds
//! more entries back than it can hold.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

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
    /// The leader region.
    pub leader: RegionId,
    /// Member regions (the leader included), sorted.
    pub members: Vec<RegionId>,
    /// Read mode.
    pub reads: ConsensusReads,
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
    /// A log entry for a follower (its key and version are in the strategy's log table).
    Append {
        /// The leader's term.
        term: u32,
        /// The entry's log index.
        index: u64,
        /// The leader's commit index when sending.
        commit: u64,
    },
    /// A follower's contiguous persisted prefix grew.
    AppendAck {
        /// The follower's term.
        term: u32,
        /// The follower's match index.
        matched: u64,
    },
    /// The leader's commit index advanced.
    Commit {
        /// The leader's term.
        term: u32,
        /// The new commit index.
        commit: u64,
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
}

/// Initial ring size (small under test, so that growing the ring is exercised).
const INITIAL_LOG: usize = if cfg!(test) { 16 } else { 1024 };

/// One log entry (a ring slot).
#[derive(Copy, Clone, Debug)]
struct Entry {
    /// Its log index (0: empty slot).
    index: u64,
    /// The term it was created in.
    term: u32,
    /// The leader that created it (the version's origin).
    origin: RegionId,
    /// The region to acknowledge it to.
    reply_to: RegionId,
    /// The client operation.
    op: OpId,
    key: Key,
    /// Members that have persisted it (bit = position in `members`).
    has: u64,
    /// When the leader committed and acknowledged it (`SimTime::MAX`: not yet).
    acked_at: SimTime,
}

const EMPTY: Entry = Entry {
    index: 0,
    term: 0,
    origin: 0,
    reply_to: 0,
    op: OpId(0),
    key: 0,
    has: 0,
    acked_at: SimTime::MAX,
};

/// Per-region replica state (members only use it).
#[derive(Copy, Clone, Debug, Default)]
struct Replica {
    /// Current term.
    term: u32,
    /// Largest index up to which every entry is persisted here.
    persisted: u64,
    /// Commit index known here.
    commit: u64,
    /// Largest index applied here.
    applied: u64,
    /// The leader's view of this member's match index.
    match_index: u64,
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
    /// Bit of each region in `Entry::has` (0 for non-members).
    bit: Vec<u64>,
    /// Members needed to commit.
    majority: usize,
    replicas: Vec<Replica>,
    /// Applied version per (region, key), row-major by region.
    store: Vec<Version>,
    /// The log ring; its length is a power of two.
    log: Vec<Entry>,
    /// The leader's last log index.
    last_index: u64,
    /// Read-index reads by `OpId::index`.
    reads: Vec<WaitingRead>,
    /// Read-index reads waiting for their member to apply, per region.
    waiting: Vec<Vec<OpId>>,
    /// Scratch for the commit computation.
    scratch: Vec<u64>,
    /// Commit advances (one `Commit` round each).
    commit_rounds: u64,
    /// Read-index reads that had to wait for their member to catch up.
    read_index_waits: u64,
}

impl Consensus {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(cfg: ConsensusConfig, regions: usize, keys: u64) -> Self {
        assert!(cfg.members.len() <= 64, "at most 64 members");
        let mut bit = vec![0u64; regions];
        for (i, &m) in cfg.members.iter().enumerate() {
            bit[m as usize] = 1 << i;
        }
        let term = 1;
        let majority = cfg.members.len() / 2 + 1;
        let scratch = Vec::with_capacity(cfg.members.len());
        Consensus {
            majority,
            keys: keys as usize,
            bit,
            replicas: vec![
                Replica {
                    term,
                    ..Replica::default()
                };
                regions
            ],
            store: vec![Version::NONE; regions * keys as usize],
            log: vec![EMPTY; INITIAL_LOG],
            last_index: 0,
            reads: Vec::new(),
            waiting: vec![Vec::new(); regions],
            scratch,
            commit_rounds: 0,
            read_index_waits: 0,
            cfg,
        }
    }

    #[inline]
    fn slot(&self, region: RegionId, key: Key) -> usize {
        region as usize * self.keys + key as usize
    }

    #[inline]
    fn ring(&self, index: u64) -> usize {
        (index as usize) & (self.log.len() - 1)
    }

    #[inline]
    fn is_member(&self, r: RegionId) -> bool {
        self.bit[r as usize] != 0
    }

    fn followers(&self) -> impl Iterator<Item = RegionId> + '_ {
        let l = self.cfg.leader;
        self.cfg.members.iter().copied().filter(move |&m| m != l)
    }

    fn answer(&self, ctx: &mut Ctx<'_, CMsg, ()>, op: OpId, to: RegionId, outcome: Outcome) {
        let l = self.cfg.leader;
        if to == l {
            ctx.reply(op, outcome);
        } else {
            ctx.send(l, to, CMsg::Done { op, outcome }, HEADER_BYTES);
        }
    }

    /// Makes room in the ring for `index`: every entry not yet applied by some member stays.
    fn reserve(&mut self, index: u64) {
        let low = self
            .cfg
            .members
            .iter()
            .map(|&m| self.replicas[m as usize].applied)
            .min()
            .unwrap_or(0);
        let live = (index - low) as usize;
        if live <= self.log.len() {
            return;
        }
        let cap = (2 * live).next_power_of_two();
        let mut log = vec![EMPTY; cap];
        for i in low + 1..index {
            log[(i as usize) & (cap - 1)] = self.log[self.ring(i)];
        }
        self.log = log;
    }

    /// The leader appends a write and replicates it.
    fn append(
        &mut self,
        ctx: &mut Ctx<'_, CMsg, ()>,
        op: OpId,
        key: Key,
        bytes: u32,
        to: RegionId,
    ) {
        let l = self.cfg.leader;
        let index = self.last_index + 1;
        self.reserve(index);
        let lr = self.replicas[l as usize];
        let s = self.ring(index);
        self.log[s] = Entry {
            index,
            term: lr.term,
            origin: l,
            reply_to: to,
            op,
            key,
            has: self.bit[l as usize],
            acked_at: SimTime::MAX,
        };
        self.last_index = index;
        let r = &mut self.replicas[l as usize];
        r.persisted = index;
        r.match_index = index;
        let msg = CMsg::Append {
            term: lr.term,
            index,
            commit: lr.commit,
        };
        let wire = HEADER_BYTES + bytes as u64;
        for f in self.followers() {
            ctx.send(l, f, msg, wire);
        }
        self.advance_commit(ctx);
    }

    /// The leader commits what a majority holds, applies it and acknowledges its writes.
    fn advance_commit(&mut self, ctx: &mut Ctx<'_, CMsg, ()>) {
        let l = self.cfg.leader;
        self.scratch.clear();
        for &m in &self.cfg.members {
            self.scratch.push(self.replicas[m as usize].match_index);
        }
        self.scratch.sort_unstable_by(|a, b| b.cmp(a));
        let target = self.scratch[self.majority - 1];
        let lr = self.replicas[l as usize];
        // Raft: only entries of the current term are committed by counting replicas.
        if target <= lr.commit || self.log[self.ring(target)].term != lr.term {
            return;
        }
        let now = ctx.now();
        for i in lr.commit + 1..=target {
            let s = self.ring(i);
            let e = &mut self.log[s];
            e.acked_at = now;
            let e = *e;
            let version = Version {
                stamp: i,
                origin: e.origin,
            };
            let st = self.slot(l, e.key);
            self.store[st] = self.store[st].max(version);
            self.answer(ctx, e.op, e.reply_to, Outcome::Write(version));
        }
        let r = &mut self.replicas[l as usize];
        r.commit = target;
        r.applied = target;
        self.commit_rounds += 1;
        let msg = CMsg::Commit {
            term: lr.term,
            commit: target,
        };
        for f in self.followers() {
            ctx.send(l, f, msg, HEADER_BYTES);
        }
    }

    /// A follower applies committed entries it holds, in log order, then serves the reads
    /// that were waiting for them.
    fn apply_follower(&mut self, ctx: &mut Ctx<'_, CMsg, ()>, at: RegionId) {
        let r = self.replicas[at as usize];
        let limit = r.persisted.min(r.commit);
        if limit <= r.applied {
            return;
        }
        for i in r.applied + 1..=limit {
            let e = self.log[self.ring(i)];
            debug_assert_eq!(e.index, i);
            let st = self.slot(at, e.key);
            self.store[st] = self.store[st].max(Version {
                stamp: i,
                origin: e.origin,
            });
            ctx.applied(e.acked_at);
        }
        self.replicas[at as usize].applied = limit;
        let waiting = &mut self.waiting[at as usize];
        if waiting.is_empty() {
            return;
        }
        let (reads, store, keys) = (&self.reads, &self.store, self.keys);
        waiting.retain(|&op| {
            let w = reads[op.index()];
            if w.index > limit {
                return true;
            }
            ctx.reply(
                op,
                Outcome::Read(store[at as usize * keys + w.key as usize]),
            );
            false
        });
    }

    /// The leader serves a read from its applied state.
    fn leader_read(&self, ctx: &mut Ctx<'_, CMsg, ()>, op: OpId, key: Key, to: RegionId) {
        let v = self.store[self.slot(self.cfg.leader, key)];
        self.answer(ctx, op, to, Outcome::Read(v));
    }
}

impl Strategy for Consensus {
    type Msg = CMsg;
    type Timer = ();

    fn on_request(&mut self, ctx: &mut Ctx<'_, CMsg, ()>, at: RegionId, req: Request) {
        let l = self.cfg.leader;
        let read_index = req.kind == OpKind::Read
            && self.cfg.reads == ConsensusReads::ReadIndex
            && self.is_member(at);
        if at == l {
            match req.kind {
                OpKind::Write => self.append(ctx, req.op, req.key, req.bytes, at),
                OpKind::Read => self.leader_read(ctx, req.op, req.key, at),
            }
        } else if read_index {
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

    fn on_message(&mut self, ctx: &mut Ctx<'_, CMsg, ()>, at: RegionId, from: RegionId, msg: CMsg) {
        match msg {
            CMsg::Forward {
                op,
                kind,
                key,
                bytes,
            } => match kind {
                OpKind::Write => self.append(ctx, op, key, bytes, from),
                OpKind::Read => self.leader_read(ctx, op, key, from),
            },
            CMsg::Done { op, outcome } => ctx.reply(op, outcome),
            CMsg::Append {
                term,
                index,
                commit,
            } => {
                let me = &mut self.replicas[at as usize];
                if term < me.term {
                    return; // From a deposed leader.
                }
                me.term = term;
                let s = self.ring(index);
                debug_assert_eq!(self.log[s].index, index, "entries stay until applied");
                let bit = self.bit[at as usize];
                self.log[s].has |= bit;
                let before = self.replicas[at as usize].persisted;
                let mut p = before;
                loop {
                    let e = &self.log[self.ring(p + 1)];
                    if e.index != p + 1 || e.has & bit == 0 {
                        break;
                    }
                    p += 1;
                }
                let me = &mut self.replicas[at as usize];
                me.persisted = p;
                me.commit = me.commit.max(commit);
                if p > before {
                    let ack = CMsg::AppendAck { term, matched: p };
                    ctx.send(at, from, ack, HEADER_BYTES);
                }
                self.apply_follower(ctx, at);
            }
            CMsg::AppendAck { term, matched } => {
                let l = self.cfg.leader;
                if term != self.replicas[l as usize].term {
                    return;
                }
                let m = &mut self.replicas[from as usize].match_index;
                *m = (*m).max(matched);
                self.advance_commit(ctx);
            }
            CMsg::Commit { term, commit } => {
                let me = &mut self.replicas[at as usize];
                if term < me.term {
                    return;
                }
                me.commit = me.commit.max(commit);
                self.apply_follower(ctx, at);
            }
            CMsg::ReadIndex { op } => {
                let index = self.replicas[at as usize].commit;
                ctx.send(at, from, CMsg::ReadIndexReply { op, index }, HEADER_BYTES);
            }
            CMsg::ReadIndexReply { op, index } => {
                if self.replicas[at as usize].applied >= index {
                    let v = self.store[self.slot(at, self.reads[op.index()].key)];
                    ctx.reply(op, Outcome::Read(v));
                } else {
                    self.reads[op.index()].index = index;
                    self.waiting[at as usize].push(op);
                    self.read_index_waits += 1;
                }
            }
        }
    }

    fn extra(&self) -> Vec<(&'static str, f64)> {
        let per_round = if self.commit_rounds == 0 {
            0.0
        } else {
            self.last_index as f64 / self.commit_rounds as f64
        };
        vec![
            ("log_entries", self.last_index as f64),
            ("entries_per_commit", per_round),
            ("read_index_waits", self.read_index_waits as f64),
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
}
