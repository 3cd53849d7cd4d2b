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
//! Replication lag: each of the `n` replicas but the coordinator's own region (the
//! acknowledging one, docs/metrics.md) records `applied` when a write reaches it (whether or
//! not a newer version was already there), with `SimTime::MAX` (no lag) when the coordinator
//! had not acknowledged the write yet, otherwise with the acknowledgement time.
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
//! Data centres (`levels`, Cassandra's `NetworkTopologyStrategy` and consistency levels):
//! every region with replicas holds `count[region]` replicas of every key and answers for
//! all of them in one message; writes go to every such region and reads to all of them, or
//! only to the coordinator's own with a local level; an operation is done when the replicas
//! that answered satisfy its level (`levels`). The fail-fast on too few live replicas is the
//! general form's only; sloppy quorums are not available with levels.
//!
//! Layout: this file owns the settings, the messages, the state and the `Strategy` callbacks
//! (replicas keeping versions, the deadline timer, the failure detector's news, outages);
//! `coordinator` owns the coordinator's side (the table of operations in flight, writes,
//! reads, counting acks and answers, read repair); `levels` the consistency levels; `sloppy` owns the sloppy quorum (stand-in
//! choice, preference lists) and hinted handoff.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

mod coordinator;
mod levels;
mod sloppy;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use slab::Slab;

use crate::strategy::replica::{RegionStore, Suspects};
use crate::strategy::{Ctx, OpId, Outcome, Request, Strategy, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};

pub use levels::{DcLevels, Level};

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
    /// Replicas per data centre and consistency levels (`None`: the general N/R/W form).
    /// With levels, `replicas[h]` lists the regions with replicas for every home, `n` their
    /// number, and `r` and `w` are unused.
    pub levels: Option<DcLevels>,
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
    /// Replicas that answered, by data centre (consistency levels only).
    tally: levels::Tally,
}

/// The quorum strategy's state.
pub struct Quorum {
    cfg: QuorumConfig,
    /// Copy per (region, key) (only replica regions use theirs).
    store: RegionStore<Cell>,
    /// Last stamp issued per coordinator region.
    last_stamp: Vec<u64>,
    /// Operations in flight.
    ops: Slab<InFlight>,
    /// Generation of every `ops` entry index, bumped on reuse.
    gens: Vec<u32>,
    /// Read answers per `ops` entry (`n` each): the replicas that answered, in order.
    answered: Vec<RegionId>,
    read_repairs: u64,
    /// Regions each region's failure detector suspects.
    suspects: Suspects,
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
            store: RegionStore::new(regions, keys),
            last_stamp: vec![0; regions],
            ops: Slab::with_capacity(1024),
            gens: Vec::new(),
            answered: Vec::new(),
            read_repairs: 0,
            suspects: Suspects::new(regions),
            prefs: Vec::new(),
            hints: vec![BTreeMap::new(); regions],
            targets: Vec::new(),
            hinted_writes: 0,
            hinted_handoffs: 0,
            timeouts: 0,
        }
    }

    /// A replica keeps `version` of `key` if it is newer than its copy.
    fn keep(&mut self, at: RegionId, key: Key, version: Version, bytes: u32) {
        let c = self.store.get_mut(at, key);
        if version > c.version {
            *c = Cell { version, bytes };
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
        self.preference_lists(ctx);
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
                    self.keep_hint(at, hint, key, version, bytes);
                    ctx.send(at, from, QMsg::WriteAck { slot, gen }, HEADER_BYTES);
                    return;
                }
                self.keep(at, key, version, bytes);
                // Measurement only: when the coordinator acknowledged, if it has. The
                // coordinator's own replica is the acknowledging one: no lag sample.
                if at != from {
                    let acked_at = self.live(slot, gen).map_or(SimTime::MAX, |e| e.acked_at);
                    ctx.applied(acked_at);
                }
                ctx.send(at, from, QMsg::WriteAck { slot, gen }, HEADER_BYTES);
            }
            QMsg::WriteAck { slot, gen } => self.write_ack(ctx, from, slot, gen),
            QMsg::Read { slot, gen, key } => {
                let c = self.store.get(at, key);
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
            } => self.handoff(ctx, at, from, key, version, bytes),
            QMsg::HandoffAck { key, version } => self.handoff_ack(at, from, key, version),
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
        self.suspects.set(at, peer, suspected);
        if suspected {
            return;
        }
        // Hand back the hints held for the replica that is reachable again.
        self.hand_back(ctx, at, peer);
    }

    fn on_region_down(&mut self, _ctx: &mut Cx<'_>, region: RegionId) {
        // Operations it coordinated die with it (their clients time out).
        self.ops.retain(|_, e| e.coordinator != region);
    }

    fn on_region_up(&mut self, _ctx: &mut Cx<'_>, region: RegionId, empty: bool) {
        self.suspects.clear_region(region);
        if empty {
            self.store.wipe(region);
            self.hints[region as usize].clear();
        }
    }

    fn extra(&self) -> Vec<(&'static str, f64)> {
        // A figure of a mechanism that is off is left out (n/a), not reported as 0.
        let mut out = Vec::with_capacity(4);
        if self.cfg.read_repair {
            out.push(("read_repairs", self.read_repairs as f64));
        }
        if self.cfg.sloppy {
            out.push(("hinted_writes", self.hinted_writes as f64));
            out.push(("hinted_handoffs", self.hinted_handoffs as f64));
        }
        out.push(("quorum_timeouts", self.timeouts as f64));
        out
    }
}
