//! `quorum` (Dynamo-style): N replicas per key, writes acknowledged after W replies, reads
//! answered after R replies, newest version wins; optional read repair.
//!
//! Owns the quorum protocol. The replicas of a key are `replicas[homes[key]]` (`n` regions).
//! The client's own region coordinates every operation, whether or not it is a replica.
//!
//! * Write: the coordinator stamps the write with a last-writer-wins timestamp,
//!   `Version { stamp: max(clock(at), last stamp this coordinator issued + 1), origin: at }`
//!   (unique and increasing per coordinator; ties between coordinators broken by region), and
//!   sends it to all `n` replicas. Each replica keeps it if it is newer than its copy and
//!   answers `WriteAck`; the coordinator acknowledges the client on the `w`-th ack and
//!   ignores later ones.
//! * Read: the coordinator asks all `n` replicas for their version and, on the `r`-th
//!   answer, replies with the newest version among the answers so far. With `read_repair`,
//!   every replica whose answer (early or late) is older than the newest answer seen so far
//!   for that read gets a `Repair` carrying the newest version; when a later answer raises
//!   the newest, the earlier answerers are repaired again.
//!
//! A coordinator that is itself a replica still sends to its own replica: the message takes
//! one intra-region hop (the region's own latency), as from a front end to a storage node,
//! and is not counted as WAN traffic. So a write never completes faster than the `w`-th
//! fastest round trip from its coordinator to the replicas.
//!
//! Consistency: with `r + w > n` every read quorum overlaps the write quorum of every write
//! acknowledged before the read began, so reads are never stale (strict quorums, faults
//! included: an operation that cannot reach its quorum fails). With `r + w <= n`, or with
//! sloppy writes during a fault, reads are eventually consistent. Concurrent writes to a key are ordered
//! silently by their timestamps (last writer wins): no conflicts or lost updates are counted,
//! since without version vectors the strategy cannot tell concurrent writes from ordered
//! ones.
//!
//! Replication lag: each of the `n` replicas records `applied` when a write reaches it
//! (whether or not a newer version was already there), with `SimTime::MAX` (no lag) when the
//! coordinator had not acknowledged the write yet, otherwise with the acknowledgement time.
//! This is measurement only: the replica looks the acknowledgement time up in the
//! coordinator's table of operations in flight, which no protocol decision reads. Repairs do
//! not record `applied` (the original write still reaches the replica and records it).
//!
//! Messages per write: `n` writes (header + value) and `n` acks (header). Per read: `n`
//! reads and `n` answers (header; read answers are not charged the value, like the other
//! strategies' read replies), plus one repair (header + value) per stale answer. Extra
//! figure: `read_repairs`, the number of repairs sent.
//!
//! Operations in flight live in a table of the strategy's own (`slab::Slab`), not in a table
//! indexed by `OpId`: an entry stays until all its replicas have answered, which is after the
//! client's op slot may have been reused. Messages carry the entry's index and a generation
//! number; a message whose generation does not match is ignored (a late answer to an entry
//! that expired and was reused).
//!
//! Faults: every entry has a timer, `2 x` the largest median round trip from its coordinator
//! to the regions it asked `+ 1 s`; when it fires, an operation still short of its quorum is
//! answered `Failed` (counted in `quorum_timeouts`) and the entry is freed, so answers lost
//! to a partition or an outage never wedge the table. A coordinator that suspects so many
//! replicas that fewer than `r` (reads) or `w` (writes) remain fails the operation at once.
//! Entries coordinated by a region that goes down are dropped with it (its clients time out).
//! With `sloppy`, a write skips each replica the coordinator suspects and goes instead to the
//! next region of the key's preference list (its `n` replicas, then every other region by
//! median round trip from the key's home, nearest first) that it does not suspect and that is
//! not already written to; that region acknowledges the write (counting towards `w`) and
//! keeps it as a hint for the intended replica (newest version per intended replica and key)
//! rather than in its own copy. Whenever a hint holder stops suspecting an intended replica it
//! hands its hints back (`Handoff`, applied there if newer; `HandoffAck` drops the hint, so a
//! handoff lost to a fault is repeated at the next recovery). Reads always ask the `n`
//! replicas. A sloppy quorum keeps writes available but loses the read/write overlap: a read
//! may miss a write whose hints have not been handed back yet. Extra figures:
//! `hinted_writes` (writes stored as hints), `hinted_handoffs` (hints handed back) and
//! `quorum_timeouts`.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use std::collections::BTreeMap;

use slab::Slab;

use crate::strategy::{Ctx, OpId, Outcome, Request, Strategy, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};

/// Settings of `quorum`.
#[derive(Clone, Debug)]
pub struct QuorumConfig {
    /// Replicas per key.
    pub n: usize,
    /// Read quorum.
    pub r: usize,
    /// Write quorum.
    pub w: usize,
    /// Home region of every key (index = key).
    pub homes: Vec<RegionId>,
    /// The `n` replica regions used for keys homed at each region (index = home region).
    pub replicas: Vec<Vec<RegionId>>,
    /// Send the newest version to replicas that answered a read with an older one.
    pub read_repair: bool,
    /// Sloppy quorum: writes meant for a replica the coordinator suspects go to the next
    /// healthy region instead, which hands them back later (hinted handoff).
    pub sloppy: bool,
}

/// No hint: the receiver is one of the key's replicas.
const NO_HINT: RegionId = RegionId::MAX;

/// Messages of the quorum protocol. `slot` and `gen` name an entry of the coordinator's
/// table of operations in flight.
#[derive(Copy, Clone, Debug)]
pub enum QMsg {
    /// Coordinator to replica: store this version (carries the value).
    Write {
        /// Operation table entry.
        slot: u32,
        /// Its generation.
        gen: u32,
        /// The key.
        key: Key,
        /// The version.
        version: Version,
        /// Value size.
        bytes: u32,
        /// The intended replica the receiver stands in for (`NO_HINT`: none).
        hint: RegionId,
    },
    /// Replica to coordinator: the write is stored.
    WriteAck {
        /// Operation table entry.
        slot: u32,
        /// Its generation.
        gen: u32,
    },
    /// Coordinator to replica: what is your version of `key`?
    Read {
        /// Operation table entry.
        slot: u32,
        /// Its generation.
        gen: u32,
        /// The key.
        key: Key,
    },
    /// Replica to coordinator: my version (and its value size).
    ReadAnswer {
        /// Operation table entry.
        slot: u32,
        /// Its generation.
        gen: u32,
        /// The replica's version.
        version: Version,
        /// Size of the replica's value.
        bytes: u32,
    },
    /// Coordinator to replica: a newer version seen by a read (carries the value).
    Repair {
        /// The key.
        key: Key,
        /// The newest version.
        version: Version,
        /// Value size.
        bytes: u32,
    },
    /// Hint holder to intended replica: a write it held for it (carries the value).
    Handoff {
        /// The key.
        key: Key,
        /// The hinted version.
        version: Version,
        /// Value size.
        bytes: u32,
    },
    /// Intended replica to hint holder: the hint is applied.
    HandoffAck {
        /// The key.
        key: Key,
        /// The version applied.
        version: Version,
    },
}

/// Timers of the quorum protocol.
#[derive(Copy, Clone, Debug)]
pub enum QTimer {
    /// An operation's deadline.
    Expire {
        /// Operation table entry.
        slot: u32,
        /// Its generation.
        gen: u32,
    },
}

type Cx<'a> = Ctx<'a, QMsg, QTimer>;

/// A replica's copy of a key.
#[derive(Copy, Clone, Debug, Default)]
struct Cell {
    version: Version,
    bytes: u32,
}

/// An operation in flight at its coordinator.
#[derive(Copy, Clone, Debug)]
struct InFlight {
    gen: u32,
    op: OpId,
    key: Key,
    coordinator: RegionId,
    /// Answers (acks) received.
    answers: u16,
    /// Answers expected (the regions asked).
    expect: u16,
    /// When the client was answered (`SimTime::MAX` before).
    acked_at: SimTime,
    /// Writes: the version written. Reads: the newest version answered so far.
    newest: Version,
    /// Value size of `newest`.
    bytes: u32,
}

/// The quorum strategy's state.
pub struct Quorum {
    cfg: QuorumConfig,
    keys: usize,
    /// Copy per (region, key), row-major by region (only replica regions use theirs).
    store: Vec<Cell>,
    /// Last stamp issued per coordinator region.
    last_stamp: Vec<u64>,
    /// Operations in flight.
    ops: Slab<InFlight>,
    /// Generation of every `ops` entry index, bumped on reuse.
    gens: Vec<u32>,
    /// Read answers per `ops` entry (`n` each): the replicas that answered, in order.
    answered: Vec<RegionId>,
    read_repairs: u64,
    /// Regions each region's failure detector suspects (bit = region id).
    suspects: Vec<u64>,
    /// Preference list per home region (sloppy quorums): its replicas, then every other
    /// region nearest first.
    prefs: Vec<Vec<RegionId>>,
    /// Hints held per region: (intended replica, key) -> newest hinted copy.
    hints: Vec<BTreeMap<(RegionId, Key), Cell>>,
    /// Scratch: the regions a write goes to, with the replica each stands in for.
    targets: Vec<(RegionId, RegionId)>,
    hinted_writes: u64,
    hinted_handoffs: u64,
    timeouts: u64,
}

impl Quorum {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(cfg: QuorumConfig, regions: usize, keys: u64) -> Self {
        let keys = keys as usize;
        Quorum {
            cfg,
            keys,
            store: vec![Cell::default(); regions * keys],
            last_stamp: vec![0; regions],
            ops: Slab::with_capacity(1024),
            gens: Vec::new(),
            answered: Vec::new(),
            read_repairs: 0,
            suspects: vec![0; regions],
            prefs: Vec::new(),
            hints: vec![BTreeMap::new(); regions],
            targets: Vec::new(),
            hinted_writes: 0,
            hinted_handoffs: 0,
            timeouts: 0,
        }
    }

    #[inline]
    fn suspects(&self, at: RegionId, peer: RegionId) -> bool {
        self.suspects[at as usize] >> peer & 1 == 1
    }

    /// Arms the deadline of entry `(slot, gen)` coordinated at `at`, which asked `targets`.
    fn deadline(&self, ctx: &mut Cx<'_>, at: RegionId, slot: u32, gen: u32) {
        let topo = ctx.topology();
        let rtt = self
            .targets
            .iter()
            .map(|&(r, _)| topo.median_rtt_ms(at, r))
            .fold(0.0, f64::max);
        let after = ((2.0 * rtt + 1_000.0) * 1e6) as u64;
        ctx.set_timer(at, after, QTimer::Expire { slot, gen });
    }

    #[inline]
    fn cell(&self, region: RegionId, key: Key) -> usize {
        region as usize * self.keys + key as usize
    }

    /// Starts tracking an operation; returns its table index and generation.
    fn track(&mut self, mut entry: InFlight) -> (u32, u32) {
        entry.expect = self.targets.len() as u16;
        let slot = self.ops.vacant_key();
        if self.gens.len() <= slot {
            self.gens.resize(slot + 1, 0);
            self.answered.resize((slot + 1) * self.cfg.n, 0);
        }
        self.gens[slot] = self.gens[slot].wrapping_add(1);
        entry.gen = self.gens[slot];
        let inserted = self.ops.insert(entry);
        debug_assert_eq!(inserted, slot);
        (slot as u32, entry.gen)
    }

    /// The live entry `slot` if `gen` is current.
    fn live(&mut self, slot: u32, gen: u32) -> Option<&mut InFlight> {
        self.ops.get_mut(slot as usize).filter(|e| e.gen == gen)
    }

    /// The replica set of `key`.
    fn replicas_of(&self, key: Key) -> &[RegionId] {
        &self.cfg.replicas[self.cfg.homes[key as usize] as usize]
    }

    fn write(&mut self, ctx: &mut Cx<'_>, at: RegionId, req: Request) {
        // Where the write goes: the replicas, or with a sloppy quorum a stand-in for each
        // suspected one.
        let home = self.cfg.homes[req.key as usize] as usize;
        let mut targets = std::mem::take(&mut self.targets);
        targets.clear();
        let mut live = 0;
        for &rep in &self.cfg.replicas[home] {
            if !self.suspects(at, rep) {
                targets.push((rep, NO_HINT));
                live += 1;
            } else if !self.cfg.sloppy {
                targets.push((rep, NO_HINT));
            } else if let Some(&sub) = self.prefs[home][self.cfg.n..]
                .iter()
                .find(|&&r| !self.suspects(at, r) && !targets.iter().any(|&(t, _)| t == r))
            {
                targets.push((sub, rep));
                live += 1;
            }
        }
        self.targets = targets;
        if live < self.cfg.w {
            ctx.reply(req.op, Outcome::Failed);
            return;
        }
        let stamp = ctx.clock(at).max(self.last_stamp[at as usize] + 1);
        self.last_stamp[at as usize] = stamp;
        let version = Version { stamp, origin: at };
        let (slot, gen) = self.track(InFlight {
            gen: 0,
            op: req.op,
            key: req.key,
            coordinator: at,
            answers: 0,
            expect: 0,
            acked_at: SimTime::MAX,
            newest: version,
            bytes: req.bytes,
        });
        self.deadline(ctx, at, slot, gen);
        let wire = HEADER_BYTES + req.bytes as u64;
        for &(to, hint) in &self.targets {
            let msg = QMsg::Write {
                slot,
                gen,
                key: req.key,
                version,
                bytes: req.bytes,
                hint,
            };
            ctx.send_data(at, to, req.key, msg, wire);
        }
    }

    fn read(&mut self, ctx: &mut Cx<'_>, at: RegionId, req: Request) {
        let home = self.cfg.homes[req.key as usize] as usize;
        let mut targets = std::mem::take(&mut self.targets);
        targets.clear();
        targets.extend(self.cfg.replicas[home].iter().map(|&r| (r, NO_HINT)));
        self.targets = targets;
        let live = self
            .targets
            .iter()
            .filter(|&&(r, _)| !self.suspects(at, r))
            .count();
        if live < self.cfg.r {
            ctx.reply(req.op, Outcome::Failed);
            return;
        }
        let (slot, gen) = self.track(InFlight {
            gen: 0,
            op: req.op,
            key: req.key,
            coordinator: at,
            answers: 0,
            expect: 0,
            acked_at: SimTime::MAX,
            newest: Version::NONE,
            bytes: 0,
        });
        self.deadline(ctx, at, slot, gen);
        let msg = QMsg::Read {
            slot,
            gen,
            key: req.key,
        };
        for &rep in self.replicas_of(req.key) {
            ctx.send(at, rep, msg, HEADER_BYTES);
        }
    }

    /// A replica keeps `version` of `key` if it is newer than its copy.
    fn keep(&mut self, at: RegionId, key: Key, version: Version, bytes: u32) {
        let c = self.cell(at, key);
        if version > self.store[c].version {
            self.store[c] = Cell { version, bytes };
        }
    }

    /// The coordinator counts a write acknowledgement.
    fn write_ack(&mut self, ctx: &mut Cx<'_>, slot: u32, gen: u32) {
        let w = self.cfg.w as u16;
        let now = ctx.now();
        let Some(e) = self.live(slot, gen) else {
            return;
        };
        e.answers += 1;
        if e.answers == w {
            e.acked_at = now;
            ctx.reply(e.op, Outcome::Write(e.newest));
        }
        if e.answers == e.expect {
            self.ops.remove(slot as usize);
        }
    }

    /// The coordinator counts a read answer from replica `from`.
    fn read_answer(
        &mut self,
        ctx: &mut Cx<'_>,
        from: RegionId,
        slot: u32,
        gen: u32,
        version: Version,
        bytes: u32,
    ) {
        let (n, r, repair) = (self.cfg.n, self.cfg.r as u16, self.cfg.read_repair);
        let now = ctx.now();
        let Some(e) = self.ops.get_mut(slot as usize).filter(|e| e.gen == gen) else {
            return;
        };
        let base = slot as usize * n;
        let seen = &mut self.answered[base..base + n];
        seen[e.answers as usize] = from;
        e.answers += 1;
        let (at, key) = (e.coordinator, e.key);
        if version > e.newest {
            e.newest = version;
            e.bytes = bytes;
            if repair {
                // Everyone who answered before now holds an older version.
                for &rep in &seen[..e.answers as usize - 1] {
                    let msg = QMsg::Repair {
                        key,
                        version,
                        bytes,
                    };
                    ctx.send_data(at, rep, key, msg, HEADER_BYTES + bytes as u64);
                    self.read_repairs += 1;
                }
            }
        } else if repair && version < e.newest {
            let msg = QMsg::Repair {
                key,
                version: e.newest,
                bytes: e.bytes,
            };
            ctx.send_data(at, from, key, msg, HEADER_BYTES + e.bytes as u64);
            self.read_repairs += 1;
        }
        if e.answers == r {
            e.acked_at = now;
            ctx.reply(e.op, Outcome::Read(e.newest));
        }
        if e.answers == e.expect {
            self.ops.remove(slot as usize);
        }
    }
}

impl Strategy for Quorum {
    type Msg = QMsg;
    type Timer = QTimer;

    fn on_start(&mut self, ctx: &mut Cx<'_>) {
        if !self.cfg.sloppy {
            return;
        }
        let topo = ctx.topology();
        let regions = self.suspects.len() as RegionId;
        self.prefs = self
            .cfg
            .replicas
            .iter()
            .enumerate()
            .map(|(home, reps)| {
                let home = home as RegionId;
                let mut rest: Vec<RegionId> = (0..regions).filter(|r| !reps.contains(r)).collect();
                rest.sort_by(|&a, &b| {
                    topo.median_rtt_ms(home, a)
                        .total_cmp(&topo.median_rtt_ms(home, b))
                        .then(a.cmp(&b))
                });
                reps.iter().copied().chain(rest).collect()
            })
            .collect();
    }

    fn on_request(&mut self, ctx: &mut Cx<'_>, at: RegionId, req: Request) {
        match req.kind {
            OpKind::Read => self.read(ctx, at, req),
            OpKind::Write => self.write(ctx, at, req),
        }
    }

    fn on_message(&mut self, ctx: &mut Cx<'_>, at: RegionId, from: RegionId, msg: QMsg) {
        match msg {
            QMsg::Write {
                slot,
                gen,
                key,
                version,
                bytes,
                hint,
            } => {
                if hint != NO_HINT {
                    // A stand-in: keep the newest copy for the intended replica.
                    let h = self.hints[at as usize].entry((hint, key)).or_default();
                    if version > h.version {
                        *h = Cell { version, bytes };
                    }
                    self.hinted_writes += 1;
                    ctx.send(at, from, QMsg::WriteAck { slot, gen }, HEADER_BYTES);
                    return;
                }
                self.keep(at, key, version, bytes);
                // Measurement only: when the coordinator acknowledged, if it has.
                let acked_at = self.live(slot, gen).map_or(SimTime::MAX, |e| e.acked_at);
                ctx.applied(acked_at);
                ctx.send(at, from, QMsg::WriteAck { slot, gen }, HEADER_BYTES);
            }
            QMsg::WriteAck { slot, gen } => self.write_ack(ctx, slot, gen),
            QMsg::Read { slot, gen, key } => {
                let c = self.store[self.cell(at, key)];
                let msg = QMsg::ReadAnswer {
                    slot,
                    gen,
                    version: c.version,
                    bytes: c.bytes,
                };
                ctx.send(at, from, msg, HEADER_BYTES);
            }
            QMsg::ReadAnswer {
                slot,
                gen,
                version,
                bytes,
            } => self.read_answer(ctx, from, slot, gen, version, bytes),
            QMsg::Repair {
                key,
                version,
                bytes,
            } => self.keep(at, key, version, bytes),
            QMsg::Handoff {
                key,
                version,
                bytes,
            } => {
                self.keep(at, key, version, bytes);
                ctx.send(at, from, QMsg::HandoffAck { key, version }, HEADER_BYTES);
            }
            QMsg::HandoffAck { key, version } => {
                let hints = &mut self.hints[at as usize];
                if hints
                    .get(&(from, key))
                    .is_some_and(|h| h.version == version)
                {
                    hints.remove(&(from, key));
                    self.hinted_handoffs += 1;
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Cx<'_>, _at: RegionId, timer: QTimer) {
        let QTimer::Expire { slot, gen } = timer;
        let Some(e) = self.live(slot, gen) else {
            return;
        };
        if e.acked_at == SimTime::MAX {
            // Short of its quorum: give up rather than wait forever.
            ctx.reply(e.op, Outcome::Failed);
            self.timeouts += 1;
        }
        self.ops.remove(slot as usize);
    }

    fn on_suspect(&mut self, ctx: &mut Cx<'_>, at: RegionId, peer: RegionId, suspected: bool) {
        let s = &mut self.suspects[at as usize];
        if suspected {
            *s |= 1u64 << peer;
            return;
        }
        *s &= !(1u64 << peer);
        // Hand back the hints held for the replica that is reachable again.
        for (&(_, key), h) in self.hints[at as usize].range((peer, 0)..=(peer, Key::MAX)) {
            let msg = QMsg::Handoff {
                key,
                version: h.version,
                bytes: h.bytes,
            };
            ctx.send_data(at, peer, key, msg, HEADER_BYTES + h.bytes as u64);
        }
    }

    fn on_region_down(&mut self, _ctx: &mut Cx<'_>, region: RegionId) {
        // Operations it coordinated die with it (their clients time out).
        self.ops.retain(|_, e| e.coordinator != region);
    }

    fn on_region_up(&mut self, _ctx: &mut Cx<'_>, region: RegionId, empty: bool) {
        self.suspects[region as usize] = 0;
        if empty {
            let s = region as usize * self.keys;
            self.store[s..s + self.keys].fill(Cell::default());
            self.hints[region as usize].clear();
        }
    }

    fn extra(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("read_repairs", self.read_repairs as f64),
            ("hinted_writes", self.hinted_writes as f64),
            ("hinted_handoffs", self.hinted_handoffs as f64),
            ("quorum_timeouts", self.timeouts as f64),
        ]
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::{RunMetrics, VISIBILITY_AGES_MS};
    use crate::scenario::{self, Format, Scenario};
    use crate::sim::run_strategy;
    use crate::topology::RegionId;
    use std::path::Path;

    /// Three replica regions on three continents and a fourth region that only coordinates.
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
name = "sa-east-1"
lat = -23.5505
lon = -46.6333
"#;

    fn scenario(text: &str) -> Scenario {
        scenario::from_str(text, Format::Toml, Path::new("t.toml"))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn clients(regions: &[&str], rate: f64, read_fraction: f64, keys: u64) -> String {
        regions
            .iter()
            .map(|r| {
                format!(
                    "[[workload.clients]]\nregion = \"{r}\"\nrate_rps = {rate}\n\
                     read_fraction = {read_fraction}\nkeys = {keys}\n"
                )
            })
            .collect()
    }

    fn quorum(name: &str, n: usize, r: usize, w: usize, repair: bool, replicas: &str) -> String {
        format!(
            "[[strategies]]\nkind = \"quorum\"\nname = \"{name}\"\nn = {n}\nr = {r}\nw = {w}\n\
             read_repair = {repair}\n{replicas}\n"
        )
    }

    /// The `w`-th smallest median round trip from `from` to `replicas`.
    fn wth_rtt(sc: &Scenario, from: RegionId, replicas: &[RegionId], w: usize) -> f64 {
        let mut rtts: Vec<f64> = replicas
            .iter()
            .map(|&r| sc.topology.median_rtt_ms(from, r))
            .collect();
        rtts.sort_by(f64::total_cmp);
        rtts[w - 1]
    }

    fn extra(m: &RunMetrics, name: &str) -> f64 {
        m.extra.iter().find(|e| e.0 == name).map(|e| e.1).unwrap()
    }

    /// Contended keys, reads and writes from four regions (one not a replica).
    #[test]
    fn overlapping_quorums_are_never_stale() {
        let regions = ["us-east-1", "eu-west-1", "ap-northeast-1", "sa-east-1"];
        let reps = "replicas = [\"us-east-1\", \"eu-west-1\", \"ap-northeast-1\"]";
        let text = format!(
            "duration_s = 4\ndrain_s = 2\n{REGIONS}\n{}{}{}{}{}",
            clients(&regions, 250.0, 0.6, 5),
            quorum("r2w2", 3, 2, 2, false, reps),
            quorum("r2w2-repair", 3, 2, 2, true, reps),
            quorum("r1w3", 3, 1, 3, false, reps),
            quorum("r1w1", 3, 1, 1, true, reps),
        );
        let sc = scenario(&text);
        let replicas: [RegionId; 3] = [0, 1, 2];
        for (i, (w, consistent)) in [(2, true), (2, true), (3, true), (1, false)]
            .into_iter()
            .enumerate()
        {
            let m = run_strategy(&sc, i, 5);
            let name = &sc.strategies[i].name;
            assert!(m.reads > 2000 && m.writes > 1500, "{name}");
            assert_eq!(m.failed, 0, "{name}");
            assert_eq!(m.conflicts + m.lost_updates, 0, "{name}");
            // Every replica records every write once.
            assert_eq!(m.lag.count(), 3 * m.write.count(), "{name}");
            if consistent {
                assert_eq!(m.stale_reads, 0, "{name}");
            } else {
                assert!(m.stale_reads > 0, "{name}");
                assert!(extra(&m, "read_repairs") > 0.0, "{name}");
            }
            for from in 0..regions.len() {
                let p50 = m.per_region[from][1].quantile_ms(0.5);
                let floor = wth_rtt(&sc, from as RegionId, &replicas, w);
                assert!(
                    p50 >= floor,
                    "{name} from {from}: write p50 {p50} < {floor}"
                );
                // ... and not much more on constant links (two access hops of 1.5 ms).
                assert!(
                    p50 <= floor + 3.5,
                    "{name} from {from}: write p50 {p50} vs {floor}"
                );
            }
        }
    }

    /// N = 3, R = W = 1 on exponential links: stale reads, less likely the older the write.
    #[test]
    fn sloppy_quorums_become_consistent_with_age() {
        let mut text = String::from("duration_s = 10\ndrain_s = 2\n");
        for (i, name) in ["a", "b", "c"].iter().enumerate() {
            text.push_str(&format!(
                "[[regions]]\nname = \"{name}\"\nlat = 50.0\nlon = {}\n",
                8.0 + i as f64 * 0.5
            ));
        }
        for (a, b) in [("a", "b"), ("a", "c"), ("b", "c")] {
            text.push_str(&format!(
                "[[links]]\nfrom = \"{a}\"\nto = \"{b}\"\n\
                 latency = {{ dist = \"exponential\", mean_ms = 20 }}\n"
            ));
        }
        text.push_str(&format!(
            "{}\n{}",
            clients(&["a", "b", "c"], 400.0, 0.7, 100),
            quorum("r1w1", 3, 1, 1, false, "")
        ));
        let sc = scenario(&text);
        let m = run_strategy(&sc, 0, 9);
        assert_eq!(m.failed, 0);
        assert!(m.stale_reads > 100, "{}", m.stale_reads);
        assert_eq!(extra(&m, "read_repairs"), 0.0);
        let mut last = 0.0;
        let mut by_200 = None;
        for (b, &[reads, ok]) in m.visibility.iter().enumerate() {
            if reads < 200 {
                continue;
            }
            let share = ok as f64 / reads as f64;
            assert!(
                share >= last - 0.01,
                "bucket {} ms: {share} after {last} ({:?})",
                VISIBILITY_AGES_MS[b],
                m.visibility
            );
            last = share;
            if VISIBILITY_AGES_MS[b] == 200 {
                by_200 = Some(share);
            }
        }
        let by_200 =
            by_200.unwrap_or_else(|| panic!("200 ms bucket too small: {:?}", m.visibility));
        assert!(by_200 > 0.99, "{by_200} ({:?})", m.visibility);
    }

    /// Clients in three regions, replicas in us-east-1, eu-west-1 and ap-northeast-1
    /// (sa-east-1 is the only possible stand-in), ap-northeast-1 down from 20 s to 60 s.
    /// Clients wait longer than an operation's deadline, so a deadline's failure reaches the
    /// attempt it belongs to.
    fn replica_outage() -> Scenario {
        let reps = "replicas = [\"us-east-1\", \"eu-west-1\", \"ap-northeast-1\"]";
        let sloppy = quorum("w3-sloppy", 3, 1, 3, false, reps) + "sloppy = true\n";
        let text = format!(
            "duration_s = 90\ndrain_s = 20\nseed = 3\n\
             [clients]\ntimeout_ms = 5000\nretries = 3\nbackoff_ms = 100\n\
             [detection]\nheartbeat_ms = 500\ntimeout_ms = 2000\n\
             {REGIONS}\n{}\n\
             [[faults]]\nkind = \"region-outage\"\nregion = \"ap-northeast-1\"\n\
             start_s = 20\nduration_s = 40\n\
             {}{}{}",
            clients(&["us-east-1", "eu-west-1", "sa-east-1"], 50.0, 0.5, 100),
            quorum("w2", 3, 2, 2, false, reps),
            quorum("w3", 3, 1, 3, false, reps),
            sloppy,
        );
        scenario(&text)
    }

    #[test]
    fn a_replica_outage_fails_strict_full_writes_but_not_majority_or_sloppy_ones() {
        let sc = replica_outage();
        let clients = [0usize, 1, 3];
        let write_failures = |m: &RunMetrics| -> u64 {
            clients
                .iter()
                .map(|&r| m.availability[r].attempted[1] - m.availability[r].succeeded[1])
                .sum()
        };
        // N = 3, W = 2: two replicas are enough.
        let w2 = run_strategy(&sc, 0, 4);
        assert_eq!(w2.failed, 0);
        assert_eq!(w2.stale_reads, 0);
        assert_eq!(extra(&w2, "hinted_writes"), 0.0);
        // W = 3 without a sloppy quorum: writes fail while the replica is down (at first
        // by the operation deadline, after detection at once), and succeed again after.
        let w3 = run_strategy(&sc, 1, 4);
        assert!(write_failures(&w3) > 1000, "{}", write_failures(&w3));
        assert!(extra(&w3, "quorum_timeouts") > 0.0);
        assert_eq!(w3.stale_reads, 0);
        assert!(
            w3.faults[0].rto_ns().is_some(),
            "writes recover after the outage"
        );
        // W = 3 with a sloppy quorum: sa-east-1 stands in; client retries cover detection.
        let sloppy = run_strategy(&sc, 2, 4);
        assert_eq!(write_failures(&sloppy), 0);
        assert!(extra(&sloppy, "hinted_writes") > 1000.0);
        // Back at 60 s, ap-northeast-1 receives its hints: one per key written meanwhile.
        let handoffs = extra(&sloppy, "hinted_handoffs");
        assert!(handoffs > 50.0 && handoffs <= 100.0, "{handoffs}");
    }

    #[test]
    fn answers_lost_to_a_partition_do_not_wedge_operations() {
        // A 1.5 s partition (shorter than detection) cuts sa-east-1, a coordinator, off
        // from every replica: its operations in flight expire, the rest carries on.
        let reps = "replicas = [\"us-east-1\", \"eu-west-1\", \"ap-northeast-1\"]";
        let text = format!(
            "duration_s = 20\ndrain_s = 10\nseed = 3\n\
             [clients]\ntimeout_ms = 1000\nretries = 0\n\
             [detection]\nheartbeat_ms = 500\ntimeout_ms = 2000\n\
             {REGIONS}\n{}\n\
             [[faults]]\nkind = \"partition\"\na = [\"sa-east-1\"]\n\
             b = [\"us-east-1\", \"eu-west-1\", \"ap-northeast-1\"]\n\
             start_s = 5\nduration_s = 1.5\n{}",
            clients(&["us-east-1", "sa-east-1"], 100.0, 0.5, 100),
            quorum("q", 3, 2, 2, false, reps),
        );
        let sc = scenario(&text);
        let m = run_strategy(&sc, 0, 1);
        let sa = &m.availability[3];
        assert!(sa.succeeded[0] < sa.attempted[0] && sa.succeeded[1] < sa.attempted[1]);
        assert_eq!(m.availability[0].succeeded, m.availability[0].attempted);
        assert!(extra(&m, "quorum_timeouts") > 0.0);
        // Only operations around the partition failed.
        assert!(m.failed < 400, "{}", m.failed);
        let last = m.timeline.len() - 2;
        assert_eq!(m.timeline[last].failed, 0);
    }
}
