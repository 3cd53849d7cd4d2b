//! `multi-master`: every region accepts reads and writes locally and replicates to all others.
//!
//! Owns the multi-master protocol and its conflict detection. Each region keeps, per key, a
//! version vector and the winning version. A local write bumps the region's own entry,
//! is acknowledged at once and is shipped asynchronously to every other region. A replica
//! that receives a write compares version vectors: a dominated write is already subsumed, a
//! dominating write is applied, and a concurrent write is a conflict. Timestamps are hybrid
//! logical clocks, `max(local clock, newest seen + 1)`. `Resolution` decides what a conflict
//! costs: `lww` keeps the write with the larger `(timestamp, region id)` and discards the
//! other (a lost update), `version-vector` keeps both as siblings for the application, `crdt`
//! merges them (nothing lost).
//!
//! Conflicts and lost updates are counted at the region that accepted the losing or
//! conflicting write (see docs/metrics.md), so each write counts at most once.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use slab::Slab;

use crate::strategy::{replica, Ctx, Outcome, Request, Strategy, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};

/// How concurrent writes are resolved.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Last writer wins on (timestamp, region id); the other write is discarded.
    Lww,
    /// Concurrent versions are kept as siblings and surface to the application: counted as
    /// conflicts, never silently lost. Reads report the newest sibling.
    VersionVector,
    /// Values are convergent types (a counter, a last-writer-wins register on hybrid logical
    /// clocks) merged on arrival: no acknowledged update is lost.
    Crdt,
}

/// Settings of `multi-master`.
#[derive(Clone, Debug)]
pub struct MultiMasterConfig {
    /// Conflict resolution.
    pub resolution: Resolution,
}

/// Messages of the multi-master protocol.
#[derive(Copy, Clone, Debug)]
pub enum MmMsg {
    /// A write shipped to a replica; its metadata stays in the strategy's write table.
    Replicate {
        /// Index into the table of writes in flight.
        write: u32,
    },
}

#[derive(Clone, Debug)]
struct InFlight {
    key: Key,
    version: Version,
    acked_at: SimTime,
    remaining: u16,
}

#[derive(Copy, Clone, Debug, Default)]
struct Cell {
    winner: Version,
    /// The winner is a write accepted here that has already been counted as conflicting.
    counted: bool,
}

/// The multi-master strategy's state.
pub struct MultiMaster {
    cfg: MultiMasterConfig,
    n: usize,
    keys: usize,
    cells: Vec<Cell>,
    /// Version vectors per (region, key): `n` counters each.
    vv: Vec<u32>,
    writes: Slab<InFlight>,
    /// Version vectors of writes in flight, `n` per write-table slot.
    write_vv: Vec<u32>,
}

#[derive(PartialEq, Eq)]
enum Order {
    Dominated,
    Dominates,
    Concurrent,
}

fn compare(incoming: &[u32], local: &[u32]) -> Order {
    let (mut greater, mut less) = (false, false);
    for (a, b) in incoming.iter().zip(local) {
        greater |= a > b;
        less |= a < b;
    }
    match (greater, less) {
        (false, _) => Order::Dominated,
        (true, false) => Order::Dominates,
        (true, true) => Order::Concurrent,
    }
}

impl MultiMaster {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(cfg: MultiMasterConfig, regions: usize, keys: u64) -> Self {
        let keys = keys as usize;
        MultiMaster {
            cfg,
            n: regions,
            keys,
            cells: vec![Cell::default(); regions * keys],
            vv: vec![0; regions * keys * regions],
            writes: Slab::new(),
            write_vv: Vec::new(),
        }
    }

    #[inline]
    fn cell(&self, region: RegionId, key: Key) -> usize {
        region as usize * self.keys + key as usize
    }

    fn write_local(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, at: RegionId, req: Request) {
        let c = self.cell(at, req.key);
        let n = self.n;
        self.vv[c * n + at as usize] += 1;
        let stamp = ctx.clock(at).max(self.cells[c].winner.stamp + 1);
        let version = Version { stamp, origin: at };
        self.cells[c] = Cell {
            winner: version,
            counted: false,
        };
        ctx.reply(req.op, Outcome::Write(version));
        if n == 1 {
            return;
        }
        let slot = self.writes.insert(InFlight {
            key: req.key,
            version,
            acked_at: ctx.now(),
            remaining: (n - 1) as u16,
        });
        if self.write_vv.len() < (slot + 1) * n {
            self.write_vv.resize((slot + 1) * n, 0);
        }
        let (src, dst) = (c * n, slot * n);
        self.write_vv[dst..dst + n].copy_from_slice(&self.vv[src..src + n]);
        let wire = HEADER_BYTES + req.bytes as u64 + 4 * n as u64;
        // Under enforced residency a key is replicated only to regions its class allows.
        let targets = replica::copy_targets(ctx, n, at, req.key);
        for r in targets.iter() {
            let msg = MmMsg::Replicate { write: slot as u32 };
            ctx.send_data(at, r, req.key, msg, wire);
        }
        if targets.is_empty() {
            self.writes.remove(slot);
        } else {
            self.writes[slot].remaining = targets.len() as u16;
        }
    }

    fn receive(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, at: RegionId, slot: usize) {
        let n = self.n;
        let w = &self.writes[slot];
        let (key, version, acked_at) = (w.key, w.version, w.acked_at);
        let c = self.cell(at, key);
        let incoming = &self.write_vv[slot * n..slot * n + n];
        let local = &self.vv[c * n..c * n + n];
        match compare(incoming, local) {
            Order::Dominated => {}
            Order::Dominates => {
                self.vv[c * n..c * n + n].copy_from_slice(incoming);
                self.cells[c] = Cell {
                    winner: version,
                    counted: false,
                };
            }
            Order::Concurrent => {
                for i in 0..n {
                    let v = self.write_vv[slot * n + i];
                    if v > self.vv[c * n + i] {
                        self.vv[c * n + i] = v;
                    }
                }
                let cell = self.cells[c];
                let local_winner = cell.winner.origin == at && cell.winner != Version::NONE;
                if local_winner && !cell.counted {
                    ctx.conflict();
                }
                // Every mode orders by (timestamp, region): the newest version is the one reads
                // report, so all modes see the same conflicts; they differ in what is lost.
                if version > cell.winner {
                    if local_winner && self.cfg.resolution == Resolution::Lww {
                        ctx.lost_update(at);
                    }
                    self.cells[c] = Cell {
                        winner: version,
                        counted: false,
                    };
                } else {
                    self.cells[c].counted = local_winner;
                }
            }
        }
        ctx.applied(acked_at);
        let w = &mut self.writes[slot];
        w.remaining -= 1;
        if w.remaining == 0 {
            self.writes.remove(slot);
        }
    }
}

impl Strategy for MultiMaster {
    type Msg = MmMsg;
    type Timer = ();

    fn on_request(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, at: RegionId, req: Request) {
        match req.kind {
            OpKind::Read => {
                let v = self.cells[self.cell(at, req.key)].winner;
                ctx.reply(req.op, Outcome::Read(v));
            }
            OpKind::Write => self.write_local(ctx, at, req),
        }
    }

    fn on_message(
        &mut self,
        ctx: &mut Ctx<'_, MmMsg, ()>,
        at: RegionId,
        _from: RegionId,
        msg: MmMsg,
    ) {
        match msg {
            MmMsg::Replicate { write } => self.receive(ctx, at, write as usize),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_order() {
        assert!(compare(&[1, 0], &[1, 0]) == Order::Dominated);
        assert!(compare(&[0, 0], &[1, 0]) == Order::Dominated);
        assert!(compare(&[2, 0], &[1, 0]) == Order::Dominates);
        assert!(compare(&[2, 0], &[1, 1]) == Order::Concurrent);
    }
}
