//! `multi-master`: every region accepts reads and writes locally and replicates to all others.
//!
//! Owns the multi-master protocol and its conflict detection. Each region keeps, per key, a
//! version vector and the winning version. Both exist only for keys that were written (a key
//! gets its per-region state at its first write), and the vectors are shared handles into a
//! pool (`replica::VvArena`): a replica that applies a dominating write holds the writer's
//! vector rather than a copy, so memory follows the keys written and the distinct vectors
//! alive, not keys x regions^2. A local write bumps the region's own entry,
//! is acknowledged at once and is shipped asynchronously to every other region. A replica
//! that receives a write compares version vectors: a dominated write is already subsumed, a
//! dominating write is applied, and a concurrent write is a conflict. Timestamps are hybrid
//! logical clocks, `max(local clock, newest seen + 1)`. `Resolution` decides what a conflict
//! costs: `lww` keeps the write with the larger `(timestamp, region id)` and discards the
//! other (a lost update), `version-vector` keeps both as siblings for the application, `crdt`
//! merges them (nothing lost).
//!
//! Conflicts and lost updates are counted at the region that accepted the losing or
//! conflicting write (see docs/metrics.md), so each write counts at most once. What each mode
//! does with a concurrent write is counted in its extra figures: under `version-vector` every
//! concurrent arrival at a replica keeps a sibling (`siblings`), and a read of a key that holds
//! siblings is counted (`sibling_reads`) until a write that dominates them all (a local write,
//! or an arrival whose vector covers the merged one) resolves them; under `crdt` every
//! concurrent arrival is merged (`merges`). `lww` has no such figure.
//!
//! Faults: a region that goes down loses every replication message it had in flight (the world
//! drops them). With `recover = "empty"` it comes back without its store: the writes it had
//! accepted whose replication had reached no other region when it went down (and the writes it
//! never replicated at all: a single region, or a key enforced residency keeps there) are lost,
//! named by their acknowledgement tickets (`replica::AckLog`: RPO counts those whose answer
//! reached the client, the span from the oldest to the newest of them).
//! It keeps only its own per-key write counters (like a replica that comes back under a new
//! actor incarnation, so its next writes are not taken for ones the others already have), asks
//! every other region for a snapshot (`CatchUp`; the answer `Snapshot`, 16 bytes plus a vector
//! per key, is merged key by key from the sender's state on arrival) and serves reads and
//! writes at once, possibly stale or concurrent until the snapshots arrive. With `durable` it
//! keeps its store; replication lost to a fault is not resent (a known limit).
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use slab::Slab;

use crate::strategy::replica::{self, AckLog, VvArena, VV_ZERO};
use crate::strategy::{Ctx, Outcome, Request, Strategy, Version, HEADER_BYTES};
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
    /// A region that came back empty asks for the sender's store.
    CatchUp,
    /// The answer to a `CatchUp`: the sender's store (read from its state on arrival).
    Snapshot,
}

#[derive(Clone, Debug)]
struct InFlight {
    /// The key's slot in `cells` (the key itself is not needed on arrival).
    slot: u32,
    version: Version,
    /// The write's version vector (a handle into the pool).
    vv: u32,
    acked_at: SimTime,
    /// Its acknowledgement's ticket (RPO).
    ticket: u64,
    /// Replicas it was sent to, and of those the ones that have not received it yet.
    sent: u16,
    remaining: u16,
}

/// One region's state of one key: the winning version (its two fields kept flat), two flags
/// and the handle of its version vector, 16 bytes in all (the cells are the strategy's largest
/// table, and a delivery or a write finds the winner and the vector's handle in one line).
#[derive(Copy, Clone, Debug)]
struct Cell {
    stamp: u64,
    origin: RegionId,
    /// The winner is a write accepted here that has already been counted as conflicting.
    counted: bool,
    /// Under `version-vector`: the key holds siblings (concurrent versions not yet resolved).
    open: bool,
    /// The version vector's handle in `pool`.
    vv: u32,
}

impl Cell {
    /// Never written: no winner, flags clear, the zero vector.
    const EMPTY: Cell = Cell {
        stamp: 0,
        origin: 0,
        counted: false,
        open: false,
        vv: VV_ZERO,
    };

    /// Makes `v` the winner with both flags clear (the vector is left as it is).
    fn win(&mut self, v: Version) {
        self.set_winner(v);
        (self.counted, self.open) = (false, false);
    }

    fn winner(&self) -> Version {
        Version {
            stamp: self.stamp,
            origin: self.origin,
        }
    }

    fn set_winner(&mut self, v: Version) {
        (self.stamp, self.origin) = (v.stamp, v.origin);
    }
}

/// Acknowledged writes a region accepted and sent to no other region, since it last came back
/// empty: how many, the first one's acknowledgement time, and the ticket from which they count.
#[derive(Copy, Clone, Debug, Default)]
struct Unreplicated {
    writes: u64,
    first: Option<SimTime>,
    since: u64,
}

impl Unreplicated {
    fn add(&mut self, acked_at: SimTime) {
        self.writes += 1;
        self.first.get_or_insert(acked_at);
    }
}

/// The multi-master strategy's state.
pub struct MultiMaster {
    cfg: MultiMasterConfig,
    n: usize,
    keys: usize,
    /// Per key: its slot in `cells` (`NO_SLOT` until the key is first written).
    slot: Vec<u32>,
    /// Per (slot, region): the winning version and the vector's handle, `n` per slot.
    cells: Vec<Cell>,
    pool: VvArena,
    writes: Slab<InFlight>,
    /// Per region: writes it accepted and sent to no replica (one region, or residency).
    local_only: Vec<Unreplicated>,
    /// Per region that is down: the tickets of its writes whose replication had reached no
    /// one when it went down (lost if it comes back empty).
    stranded: Vec<Vec<u64>>,
    /// Every acknowledgement filed with the world (RPO).
    acks: AckLog,
    /// Concurrent arrivals kept as siblings (`version-vector`).
    siblings: u64,
    /// Reads of a key that held siblings (`version-vector`).
    sibling_reads: u64,
    /// Concurrent arrivals merged (`crdt`).
    merges: u64,
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

/// A key never written.
const NO_SLOT: u32 = u32::MAX;

impl MultiMaster {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(cfg: MultiMasterConfig, regions: usize, keys: u64) -> Self {
        let keys = keys as usize;
        MultiMaster {
            cfg,
            n: regions,
            keys,
            slot: vec![NO_SLOT; keys],
            cells: Vec::new(),
            pool: VvArena::new(regions),
            writes: Slab::new(),
            local_only: vec![Unreplicated::default(); regions],
            stranded: vec![Vec::new(); regions],
            acks: AckLog::new(),
            siblings: 0,
            sibling_reads: 0,
            merges: 0,
        }
    }

    /// Records a concurrent arrival at cell `c` in the mode's own figure.
    fn concurrent(&mut self, c: usize) {
        match self.cfg.resolution {
            Resolution::Lww => {}
            Resolution::VersionVector => {
                self.siblings += 1;
                self.cells[c].open = true;
            }
            Resolution::Crdt => self.merges += 1,
        }
    }

    /// The index of `(key, region)` in `cells`, if the key was ever written.
    #[inline]
    fn cell(&self, region: RegionId, key: Key) -> Option<usize> {
        let s = self.slot[key as usize];
        (s != NO_SLOT).then(|| s as usize * self.n + region as usize)
    }

    /// The index of `(key, region)`, giving the key its state at its first write.
    fn cell_or_new(&mut self, region: RegionId, key: Key) -> usize {
        if self.slot[key as usize] == NO_SLOT {
            self.slot[key as usize] = (self.cells.len() / self.n) as u32;
            self.cells.resize(self.cells.len() + self.n, Cell::EMPTY);
        }
        self.slot[key as usize] as usize * self.n + region as usize
    }

    fn write_local(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, at: RegionId, req: Request) {
        let c = self.cell_or_new(at, req.key);
        let n = self.n;
        self.pool.bump(&mut self.cells[c].vv, at as usize);
        let stamp = ctx.clock(at).max(self.cells[c].stamp + 1);
        let version = Version { stamp, origin: at };
        self.cells[c].win(version);
        ctx.reply(req.op, Outcome::Write(version));
        if n == 1 {
            self.local_only[at as usize].add(ctx.now());
            self.acks.ack(ctx, req.op, at, req.key, version, true);
            return;
        }
        let vv = self.cells[c].vv;
        self.pool.retain(vv);
        let ticket = self.acks.next_ticket();
        let slot = self.writes.insert(InFlight {
            slot: (c / n) as u32,
            version,
            vv,
            acked_at: ctx.now(),
            ticket,
            sent: (n - 1) as u16,
            remaining: (n - 1) as u16,
        });
        let wire = HEADER_BYTES + req.bytes as u64 + 4 * n as u64;
        // Under enforced residency a key is replicated only to regions its class allows.
        let targets = replica::copy_targets(ctx, n, at, req.key);
        for r in targets.iter() {
            let msg = MmMsg::Replicate { write: slot as u32 };
            ctx.send_data(at, r, req.key, msg, wire);
        }
        self.acks
            .ack(ctx, req.op, at, req.key, version, targets.is_empty());
        if targets.is_empty() {
            let w = self.writes.remove(slot);
            self.pool.release(w.vv);
            self.local_only[at as usize].add(ctx.now());
        } else {
            self.writes[slot].sent = targets.len() as u16;
            self.writes[slot].remaining = targets.len() as u16;
        }
    }

    fn receive(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, at: RegionId, slot: usize) {
        let w = &self.writes[slot];
        let (version, acked_at, incoming) = (w.version, w.acked_at, w.vv);
        // The key was written (this write), so it has its state, at the write's slot.
        let c = w.slot as usize * self.n + at as usize;
        let local = self.cells[c].vv;
        // The same handle is the same vector: dominated, without reading the counters.
        let order = if local == incoming {
            Order::Dominated
        } else {
            compare(self.pool.get(incoming), self.pool.get(local))
        };
        match order {
            Order::Dominated => {}
            Order::Dominates => {
                self.pool.assign(&mut self.cells[c].vv, incoming);
                self.cells[c].win(version);
            }
            Order::Concurrent => {
                self.pool.join(&mut self.cells[c].vv, incoming);
                let cell = self.cells[c];
                let local_winner = cell.origin == at && cell.winner() != Version::NONE;
                if local_winner && !cell.counted {
                    ctx.conflict();
                }
                // Every mode orders by (timestamp, region): the newest version is the one reads
                // report, so all modes see the same conflicts; they differ in what is lost.
                if version > cell.winner() {
                    if local_winner && self.cfg.resolution == Resolution::Lww {
                        ctx.lost_update(at);
                    }
                    let open = self.cells[c].open;
                    self.cells[c].win(version);
                    self.cells[c].open = open;
                } else {
                    self.cells[c].counted = local_winner;
                }
                self.concurrent(c);
            }
        }
        ctx.applied(acked_at);
        let w = &mut self.writes[slot];
        w.remaining -= 1;
        if w.remaining == 0 {
            let w = self.writes.remove(slot);
            self.pool.release(w.vv);
        }
    }

    /// Merges `from`'s store into `at`'s, key by key (the answer to a catch-up).
    fn merge_snapshot(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, at: RegionId, from: RegionId) {
        let enforce = ctx.enforce_residency();
        for k in 0..self.keys {
            if enforce && !ctx.allowed(k as Key, at) {
                continue;
            }
            // A key never written is zero everywhere: nothing to merge.
            let (Some(src), Some(dst)) = (self.cell(from, k as Key), self.cell(at, k as Key))
            else {
                continue;
            };
            let theirs = self.cells[src].vv;
            match compare(self.pool.get(theirs), self.pool.get(self.cells[dst].vv)) {
                Order::Dominated => {}
                Order::Dominates => {
                    self.pool.assign(&mut self.cells[dst].vv, theirs);
                    let v = self.cells[src].winner();
                    self.cells[dst].win(v);
                }
                Order::Concurrent => {
                    self.pool.join(&mut self.cells[dst].vv, theirs);
                    let theirs = self.cells[src].winner();
                    if theirs > self.cells[dst].winner() {
                        self.cells[dst].set_winner(theirs);
                    }
                    self.concurrent(dst);
                }
            }
        }
    }
}

impl Strategy for MultiMaster {
    type Msg = MmMsg;
    type Timer = ();

    fn on_request(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, at: RegionId, req: Request) {
        match req.kind {
            OpKind::Read => {
                let cell = self
                    .cell(at, req.key)
                    .map_or(Cell::EMPTY, |c| self.cells[c]);
                self.sibling_reads += cell.open as u64;
                ctx.reply(req.op, Outcome::Read(cell.winner()));
            }
            OpKind::Write => self.write_local(ctx, at, req),
        }
    }

    fn on_message(
        &mut self,
        ctx: &mut Ctx<'_, MmMsg, ()>,
        at: RegionId,
        from: RegionId,
        msg: MmMsg,
    ) {
        match msg {
            MmMsg::Replicate { write } => self.receive(ctx, at, write as usize),
            MmMsg::CatchUp => {
                let bytes = HEADER_BYTES + self.keys as u64 * (16 + 4 * self.n as u64);
                ctx.send(at, from, MmMsg::Snapshot, bytes);
            }
            MmMsg::Snapshot => self.merge_snapshot(ctx, at, from),
        }
    }

    fn on_region_down(&mut self, _ctx: &mut Ctx<'_, MmMsg, ()>, region: RegionId) {
        // Every replication message the region has in flight is lost with it: its writes that
        // no replica has received yet now live only in its own store.
        let mut gone = Vec::new();
        for (slot, w) in self.writes.iter() {
            if w.version.origin == region {
                if w.remaining == w.sent {
                    self.stranded[region as usize].push(w.ticket);
                }
                gone.push(slot);
            }
        }
        for slot in gone {
            let w = self.writes.remove(slot);
            self.pool.release(w.vv);
        }
    }

    fn on_region_up(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, region: RegionId, empty: bool) {
        let r = region as usize;
        let stranded = std::mem::take(&mut self.stranded[r]);
        if !empty {
            return;
        }
        // Its writes no other region has are lost: named by ticket; never-replicated ones older
        // than the window of acknowledgements count as acknowledged.
        for t in stranded {
            ctx.write_lost(t);
        }
        let local = std::mem::take(&mut self.local_only[r]);
        let named = self.acks.lose(ctx, |t, a| {
            a.region == region && a.kept_local && t >= local.since
        });
        ctx.data_lost(local.writes - named, local.first);
        self.local_only[r].since = self.acks.next_ticket();
        let n = self.n;
        for c in (r..self.cells.len()).step_by(n) {
            self.cells[c].win(Version::NONE);
            // Only its own write counter survives (a new actor incarnation).
            self.pool.keep_only(&mut self.cells[c].vv, r);
        }
        for p in (0..n as RegionId).filter(|&p| p != region) {
            ctx.send(region, p, MmMsg::CatchUp, HEADER_BYTES);
        }
    }

    fn extra(&self) -> Vec<(&'static str, f64)> {
        match self.cfg.resolution {
            Resolution::Lww => Vec::new(),
            Resolution::VersionVector => vec![
                ("sibling_reads", self.sibling_reads as f64),
                ("siblings", self.siblings as f64),
            ],
            Resolution::Crdt => vec![("merges", self.merges as f64)],
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
