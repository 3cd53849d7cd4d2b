//! The coordinator's side of `quorum`: the table of operations in flight, writes and reads,
//! counting acks and answers, read repair, and each entry's deadline.
//!
//! The client's own region coordinates every operation. Entries live in a `Slab` of the
//! strategy's own with a generation per index (an entry outlives the client's op slot), and
//! every message names its entry by `(slot, gen)`. See the module header in `mod.rs` for the
//! protocol.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use crate::strategy::{Outcome, Request, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;

use super::levels::Tally;
use super::{Cx, InFlight, QMsg, QTimer, Quorum, NO_HINT};

impl Quorum {
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
    pub(super) fn live(&mut self, slot: u32, gen: u32) -> Option<&mut InFlight> {
        self.ops.get_mut(slot as usize).filter(|e| e.gen == gen)
    }

    pub(super) fn write(&mut self, ctx: &mut Cx<'_>, at: RegionId, req: Request) {
        // Where the write goes: the replicas, or with a sloppy quorum a stand-in for each
        // suspected one.
        let home = self.cfg.homes[req.key as usize] as usize;
        let mut targets = std::mem::take(&mut self.targets);
        targets.clear();
        let mut live = 0;
        for &rep in &self.cfg.replicas[home] {
            if !self.suspects.contains(at, rep) {
                targets.push((rep, NO_HINT));
                live += 1;
            } else if !self.cfg.sloppy {
                targets.push((rep, NO_HINT));
            } else if let Some(sub) = self.stand_in(at, home, &targets) {
                targets.push((sub, rep));
                live += 1;
            }
        }
        self.targets = targets;
        if self.cfg.levels.is_none() && live < self.cfg.w {
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
            tally: Tally::default(),
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

    pub(super) fn read(&mut self, ctx: &mut Cx<'_>, at: RegionId, req: Request) {
        let home = self.cfg.homes[req.key as usize] as usize;
        let mut targets = std::mem::take(&mut self.targets);
        targets.clear();
        // Local levels ask only the coordinator's own region's replicas.
        let local = self.cfg.levels.as_ref().is_some_and(|l| l.read.local());
        if local {
            targets.push((at, NO_HINT));
        } else {
            targets.extend(self.cfg.replicas[home].iter().map(|&r| (r, NO_HINT)));
        }
        self.targets = targets;
        let live = self
            .targets
            .iter()
            .filter(|&&(r, _)| !self.suspects.contains(at, r))
            .count();
        if self.cfg.levels.is_none() && live < self.cfg.r {
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
            tally: Tally::default(),
        });
        self.deadline(ctx, at, slot, gen);
        let msg = QMsg::Read {
            slot,
            gen,
            key: req.key,
        };
        for &(rep, _) in &self.targets {
            ctx.send(at, rep, msg, HEADER_BYTES);
        }
    }

    /// The coordinator counts a write acknowledgement from `from`.
    pub(super) fn write_ack(&mut self, ctx: &mut Cx<'_>, from: RegionId, slot: u32, gen: u32) {
        let w = self.cfg.w as u16;
        let now = ctx.now();
        let Some(e) = self.ops.get_mut(slot as usize).filter(|e| e.gen == gen) else {
            return;
        };
        e.answers += 1;
        let done = match &self.cfg.levels {
            None => e.answers == w,
            Some(l) => {
                l.add(&mut e.tally, e.coordinator, from);
                e.acked_at == SimTime::MAX && l.met(l.write, e.tally, e.coordinator)
            }
        };
        if done {
            e.acked_at = now;
            ctx.reply(e.op, Outcome::Write(e.newest));
        }
        if e.answers == e.expect {
            self.ops.remove(slot as usize);
        }
    }

    /// The coordinator counts a read answer from replica `from`.
    pub(super) fn read_answer(
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
        let done = match &self.cfg.levels {
            None => e.answers == r,
            Some(l) => {
                l.add(&mut e.tally, e.coordinator, from);
                e.acked_at == SimTime::MAX && l.met(l.read, e.tally, e.coordinator)
            }
        };
        if done {
            e.acked_at = now;
            ctx.reply(e.op, Outcome::Read(e.newest));
        }
        if e.answers == e.expect {
            self.ops.remove(slot as usize);
        }
    }
}
