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
//! acknowledged before the read began, so reads are never stale (no faults exist yet). With
//! `r + w <= n` reads are eventually consistent. Concurrent writes to a key are ordered
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
//! indexed by `OpId`: an entry stays until all `n` replicas have answered, which is after the
//! client's op slot may have been reused. Messages carry the entry's index and a generation
//! number; a message whose generation does not match is ignored (cannot happen while every
//! message is delivered, but keeps a reused entry safe).
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

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
}

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
}

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
        }
    }

    #[inline]
    fn cell(&self, region: RegionId, key: Key) -> usize {
        region as usize * self.keys + key as usize
    }

    /// Starts tracking an operation; returns its table index and generation.
    fn track(&mut self, mut entry: InFlight) -> (u32, u32) {
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

    fn write(&mut self, ctx: &mut Ctx<'_, QMsg, ()>, at: RegionId, req: Request) {
        let stamp = ctx.clock(at).max(self.last_stamp[at as usize] + 1);
        self.last_stamp[at as usize] = stamp;
        let version = Version { stamp, origin: at };
        let (slot, gen) = self.track(InFlight {
            gen: 0,
            op: req.op,
            key: req.key,
            coordinator: at,
            answers: 0,
            acked_at: SimTime::MAX,
            newest: version,
            bytes: req.bytes,
        });
        let wire = HEADER_BYTES + req.bytes as u64;
        let msg = QMsg::Write {
            slot,
            gen,
            key: req.key,
            version,
            bytes: req.bytes,
        };
        for &rep in self.replicas_of(req.key) {
            ctx.send(at, rep, msg, wire);
        }
    }

    fn read(&mut self, ctx: &mut Ctx<'_, QMsg, ()>, at: RegionId, req: Request) {
        let (slot, gen) = self.track(InFlight {
            gen: 0,
            op: req.op,
            key: req.key,
            coordinator: at,
            answers: 0,
            acked_at: SimTime::MAX,
            newest: Version::NONE,
            bytes: 0,
        });
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
    fn write_ack(&mut self, ctx: &mut Ctx<'_, QMsg, ()>, slot: u32, gen: u32) {
        let (n, w) = (self.cfg.n as u16, self.cfg.w as u16);
        let now = ctx.now();
        let Some(e) = self.live(slot, gen) else {
            return;
        };
        e.answers += 1;
        if e.answers == w {
            e.acked_at = now;
            ctx.reply(e.op, Outcome::Write(e.newest));
        }
        if e.answers == n {
            self.ops.remove(slot as usize);
        }
    }

    /// The coordinator counts a read answer from replica `from`.
    fn read_answer(
        &mut self,
        ctx: &mut Ctx<'_, QMsg, ()>,
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
                    ctx.send(at, rep, msg, HEADER_BYTES + bytes as u64);
                    self.read_repairs += 1;
                }
            }
        } else if repair && version < e.newest {
            let msg = QMsg::Repair {
                key,
                version: e.newest,
                bytes: e.bytes,
            };
            ctx.send(at, from, msg, HEADER_BYTES + e.bytes as u64);
            self.read_repairs += 1;
        }
        if e.answers == r {
            e.acked_at = now;
            ctx.reply(e.op, Outcome::Read(e.newest));
        }
        if e.answers as usize == n {
            self.ops.remove(slot as usize);
        }
    }
}

impl Strategy for Quorum {
    type Msg = QMsg;
    type Timer = ();

    fn on_request(&mut self, ctx: &mut Ctx<'_, QMsg, ()>, at: RegionId, req: Request) {
        match req.kind {
            OpKind::Read => self.read(ctx, at, req),
            OpKind::Write => self.write(ctx, at, req),
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, QMsg, ()>, at: RegionId, from: RegionId, msg: QMsg) {
        match msg {
            QMsg::Write {
                slot,
                gen,
                key,
                version,
                bytes,
            } => {
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
        }
    }

    fn extra(&self) -> Vec<(&'static str, f64)> {
        vec![("read_repairs", self.read_repairs as f64)]
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
}
