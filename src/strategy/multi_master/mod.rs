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
//! Faults: replication lost to a fault is repaired by snapshots (Cassandra's anti-entropy
//! repair, CouchDB / DynamoDB global tables resuming replication once the link returns). A
//! region asks a peer for one (`CatchUp`) when it stops suspecting it (a healed partition, a
//! peer back from an outage), when it comes back from an outage itself (every peer), and
//! when a `Replicate` arrives with a number beyond the one expected on its ordered channel
//! (`replica::Channels`: messages were lost, even in a cut too short to suspect). The answer
//! (`Snapshot`, 16 bytes plus a vector per key the sender holds a version of, and the
//! number of its next `Replicate` on that channel) is merged key by key from the sender's
//! state on arrival, as if each copy arrived as a write: conflicts and lost updates count as
//! on arrival, and a copy whose vector joins versions concurrent with this region's own write
//! (the sender resolved them) meets that write as they would have. A write stays in the table
//! of writes in flight until each of its copies is resolved: received, or dropped by the
//! network (a cut, a receiver down; the world tells `on_dropped`, used for this table only),
//! so the table holds the writes with copies on the wire, not one per write a fault lost. A
//! region that goes down loses every replication message it had in flight (the world drops
//! them, and its entries go). With `recover = "empty"` it comes back without its store: the
//! writes it had accepted whose replication had reached no other region when it went down
//! (and the writes no other region received at all: a single region, a key enforced
//! residency keeps there, or every copy dropped) are lost; a snapshot of its store that
//! reached another region counts as replication of every write it had accepted by then, for
//! the keys the snapshot carried (it holds their newest versions),
//! named by their acknowledgement tickets (`replica::AckLog`: RPO counts those whose answer
//! reached the client, the span from the oldest to the newest of them). It keeps only its own
//! per-key write counters (like a replica that comes back under a new actor incarnation, so
//! its next writes are not taken for ones the others already have) and serves reads and
//! writes at once, possibly stale or concurrent until the snapshots arrive. With `durable` it
//! keeps its store, and the others get the writes it had in flight from its snapshot.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

mod cell;

use std::collections::BTreeMap;

use slab::Slab;

use crate::strategy::replica::{self, AckLog, Channels, VvArena, VV_ZERO};
use crate::strategy::{Ctx, Outcome, Request, Strategy, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};
use cell::{Cell, COUNTED, OPEN};

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
        /// Its number on the channel from its sender to its receiver (`replica::Channels`).
        seq: u32,
    },
    /// A region that may have missed replication asks for the receiver's store.
    CatchUp,
    /// The answer to a `CatchUp`: the sender's store (read from its state on arrival).
    Snapshot {
        /// The number of the sender's next `Replicate` to the receiver.
        position: u32,
    },
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
    key: Key,
    /// A snapshot of its origin's store that carried its key reached another region since it
    /// was accepted: that region holds it (or a newer version of the key) whatever becomes of
    /// its copies.
    covered: bool,
    /// Replicas it was sent to; of those, the copies not resolved yet (neither received nor
    /// dropped), and the copies the network dropped.
    sent: u16,
    remaining: u16,
    dropped: u16,
}

impl InFlight {
    /// No copy of it was received (so far), nor a snapshot that carried it.
    fn unreceived(&self) -> bool {
        !self.covered && self.remaining + self.dropped == self.sent
    }
}

/// Acknowledged writes a region accepted that no other region received (sent to none: one
/// region, or residency; or every copy lost by the network), since it last came back empty:
/// how many, the earliest one's acknowledgement time, and the ticket from which they count.
#[derive(Copy, Clone, Debug, Default)]
struct Unreplicated {
    writes: u64,
    first: Option<SimTime>,
    since: u64,
}

impl Unreplicated {
    fn add(&mut self, acked_at: SimTime) {
        self.writes += 1;
        self.first = Some(self.first.map_or(acked_at, |f| f.min(acked_at)));
    }
}

/// The multi-master strategy's state.
pub struct MultiMaster {
    cfg: MultiMasterConfig,
    n: usize,
    keys: usize,
    /// Per key: its slot in `cells` (`NO_SLOT` until the key is first written).
    slot: Vec<u32>,
    /// Per (slot, region): the winning version and flags, `n` per slot.
    cells: Vec<Cell>,
    /// Per (slot, region), as `cells`: the handle of the version vector in `pool`.
    vvs: Vec<u32>,
    pool: VvArena,
    writes: Slab<InFlight>,
    /// Per region: writes it accepted that no replica received (sent to none, or every copy
    /// dropped).
    local_only: Vec<Unreplicated>,
    /// Of those, the ones whose every copy was dropped, per (region, key): a snapshot of the
    /// region's store that carries the key to another region takes them off (it holds the key's
    /// newest version there). Only faults add to it (the others were sent to no one and no
    /// snapshot carries them either).
    dropped_only: BTreeMap<(RegionId, Key), u64>,
    /// Per region that is down: the tickets of its writes whose replication had reached no
    /// one when it went down (lost if it comes back empty).
    stranded: Vec<Vec<u64>>,
    /// Every acknowledgement filed with the world (RPO).
    acks: AckLog,
    /// Sequence numbers per ordered pair, and the snapshots asked for.
    chans: Channels,
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
            vvs: Vec::new(),
            pool: VvArena::new(regions),
            writes: Slab::new(),
            local_only: vec![Unreplicated::default(); regions],
            dropped_only: BTreeMap::new(),
            stranded: vec![Vec::new(); regions],
            acks: AckLog::new(),
            chans: Channels::new(regions),
            siblings: 0,
            sibling_reads: 0,
            merges: 0,
        }
    }

    /// Records a concurrent arrival at cell `c` in the mode's own figure.
    fn concurrent(&mut self, c: usize) {
        self.cells[c].set(OPEN, true);
        match self.cfg.resolution {
            Resolution::Lww => {}
            Resolution::VersionVector => self.siblings += 1,
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
            self.vvs.resize(self.vvs.len() + self.n, VV_ZERO);
        }
        self.slot[key as usize] as usize * self.n + region as usize
    }

    fn write_local(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, at: RegionId, req: Request) {
        let c = self.cell_or_new(at, req.key);
        let n = self.n;
        self.pool.bump(&mut self.vvs[c], at as usize);
        let stamp = ctx.clock(at).max(self.cells[c].winner().stamp + 1);
        let version = Version { stamp, origin: at };
        self.cells[c].win(version);
        ctx.reply(req.op, Outcome::Write(version));
        if n == 1 {
            self.local_only[at as usize].add(ctx.now());
            self.acks.ack(ctx, req.op, at, req.key, version, true);
            return;
        }
        let vv = self.vvs[c];
        self.pool.retain(vv);
        let ticket = self.acks.next_ticket();
        let slot = self.writes.insert(InFlight {
            slot: (c / n) as u32,
            version,
            vv,
            acked_at: ctx.now(),
            ticket,
            key: req.key,
            covered: false,
            sent: (n - 1) as u16,
            remaining: (n - 1) as u16,
            dropped: 0,
        });
        let wire = HEADER_BYTES + req.bytes as u64 + 4 * n as u64;
        // Under enforced residency a key is replicated only to regions its class allows.
        let targets = replica::copy_targets(ctx, n, at, req.key);
        for r in targets.iter() {
            let seq = self.chans.next(at, r);
            let msg = MmMsg::Replicate {
                write: slot as u32,
                seq,
            };
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

    /// Write `slot` (number `seq` on the channel) from `from` reaches `at`.
    fn receive(
        &mut self,
        ctx: &mut Ctx<'_, MmMsg, ()>,
        at: RegionId,
        from: RegionId,
        slot: usize,
        seq: u32,
    ) {
        let w = &self.writes[slot];
        let (version, acked_at, incoming) = (w.version, w.acked_at, w.vv);
        // The key was written (this write), so it has its state, at the write's slot.
        let c = w.slot as usize * self.n + at as usize;
        self.meet(ctx, at, c, version, incoming, None);
        ctx.applied(acked_at);
        let w = &mut self.writes[slot];
        w.remaining -= 1;
        if w.remaining == 0 {
            self.retire(slot);
        }
        // Messages before this one were lost on an ordered channel (a cut, an outage, however
        // short): catch up from the sender's store.
        if self.chans.arrived(from, at, seq) && ctx.topology().fifo(from, at) {
            self.pull(ctx, at, from);
        }
    }

    /// Every copy of write `slot` is resolved (received, or dropped by the network): frees its
    /// entry. A write no copy of which was received lives only at its origin, as one never
    /// sent (`local_only`, and `kept_local` in the log of acknowledgements): lost if its
    /// origin comes back empty.
    #[inline(always)]
    fn retire(&mut self, slot: usize) {
        let w = self.writes.remove(slot);
        self.pool.release(w.vv);
        if w.unreceived() {
            self.kept_local(&w);
        }
    }

    /// Write `w` turned out to live only at its origin (see `retire`).
    #[cold]
    fn kept_local(&mut self, w: &InFlight) {
        let origin = w.version.origin;
        self.local_only[origin as usize].add(w.acked_at);
        self.acks.keep_local(w.ticket);
        *self.dropped_only.entry((origin, w.key)).or_default() += 1;
    }

    /// `from`'s store reached `at` in a snapshot: its writes that lived only at `from` (every
    /// copy dropped) of the keys the snapshot carried are now held by `at` too (the key's
    /// newest version, which subsumes them), and so are its writes still in flight of those
    /// keys (accepted before the snapshot was read, whatever becomes of their copies).
    fn carried_away(&mut self, ctx: &Ctx<'_, MmMsg, ()>, at: RegionId, from: RegionId) {
        let mine = (from, 0)..=(from, Key::MAX);
        let gone: Vec<(Key, u64)> = (self.dropped_only.range(mine))
            .map(|(&(_, k), &n)| (k, n))
            .filter(|&(k, _)| self.carried(ctx, from, at, k))
            .collect();
        if !gone.is_empty() {
            let local = &mut self.local_only[from as usize];
            for &(k, n) in &gone {
                self.dropped_only.remove(&(from, k));
                local.writes -= n;
            }
            // The oldest remaining one's time is not kept: `first` stays, an upper bound of
            // the span of lost writes too old to name, unless none remain.
            if local.writes == 0 {
                local.first = None;
            }
            let since = local.since;
            self.acks.shared(|t, a| {
                a.region == from
                    && t >= since
                    && gone.binary_search_by_key(&a.key, |&(k, _)| k).is_ok()
            });
        }
        let residency = ctx.enforce_residency();
        for (_, w) in self.writes.iter_mut() {
            if w.version.origin == from && (!residency || ctx.allowed(w.key, at)) {
                w.covered = true;
            }
        }
    }

    /// `at` meets `version` of the key of cell `c`, with vector `incoming`: a write that
    /// arrives (`copy` None), or another region's copy in a snapshot (`copy`: whether that
    /// copy's vector joins concurrent versions). A dominated version is already subsumed, a
    /// dominating one is applied, a concurrent one is a conflict, counted at most once per
    /// write at the region that accepted it (docs/metrics.md), and resolved by the mode.
    #[inline]
    fn meet(
        &mut self,
        ctx: &mut Ctx<'_, MmMsg, ()>,
        at: RegionId,
        c: usize,
        version: Version,
        incoming: u32,
        copy: Option<bool>,
    ) {
        let local = self.vvs[c];
        // The same handle is the same vector: dominated, without reading the counters.
        let mut order = if local == incoming {
            Order::Dominated
        } else {
            compare(self.pool.get(incoming), self.pool.get(local))
        };
        if order == Order::Dominates && copy == Some(true) {
            // A copy that dominates by joining concurrent versions: the sender resolved them
            // before this region's own write met them there. Its write meets them here, as
            // the writes themselves would have arrived (two regions: exactly the other's).
            let cell = self.cells[c];
            if cell.winner().origin == at && cell.winner() != Version::NONE {
                order = Order::Concurrent;
            }
        }
        match order {
            Order::Dominated => {}
            Order::Dominates => {
                self.pool.assign(&mut self.vvs[c], incoming);
                self.cells[c].win(version);
                self.cells[c].set(OPEN, copy == Some(true));
            }
            Order::Concurrent => {
                self.pool.join(&mut self.vvs[c], incoming);
                let cell = self.cells[c];
                let local_winner = cell.winner().origin == at && cell.winner() != Version::NONE;
                if local_winner && !cell.counted() {
                    ctx.conflict();
                }
                // Every mode orders by (timestamp, region): the newest version is the one reads
                // report, so all modes see the same conflicts; they differ in what is lost.
                if version > cell.winner() {
                    if local_winner && self.cfg.resolution == Resolution::Lww {
                        ctx.lost_update(at);
                    }
                    let open = self.cells[c].open();
                    self.cells[c].win(version);
                    self.cells[c].set(OPEN, open);
                } else {
                    self.cells[c].set(COUNTED, local_winner);
                }
                self.concurrent(c);
            }
        }
    }

    /// `at` asks `peer` for a snapshot, unless it already awaits one.
    fn pull(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, at: RegionId, peer: RegionId) {
        if self.chans.ask(at, peer, ctx.now()) {
            ctx.send(at, peer, MmMsg::CatchUp, HEADER_BYTES);
        }
    }

    /// Whether `at`'s snapshot for `to` carries `key`: `at` holds a version of it (and, under
    /// enforced residency, `to` may store it).
    fn carried(&self, ctx: &Ctx<'_, MmMsg, ()>, at: RegionId, to: RegionId, key: Key) -> bool {
        self.cell(at, key)
            .is_some_and(|c| self.cells[c].winner() != Version::NONE)
            && (!ctx.enforce_residency() || ctx.allowed(key, to))
    }

    /// `at` answers `to`'s catch-up: a snapshot of the keys it holds a version of, 16 bytes
    /// and a version vector each (merged from `at`'s state when it arrives).
    fn send_snapshot(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, at: RegionId, to: RegionId) {
        let per_key = 16 + 4 * self.n as u64;
        let keys = (0..self.keys as Key)
            .filter(|&k| self.carried(ctx, at, to, k))
            .count() as u64;
        let position = self.chans.position(at, to);
        let msg = MmMsg::Snapshot { position };
        ctx.send(at, to, msg, HEADER_BYTES + keys * per_key);
        for k in 0..self.keys as Key {
            if self.carried(ctx, at, to, k) {
                ctx.carries(at, to, k, per_key);
            }
        }
    }

    /// Merges `from`'s store into `at`'s, key by key, as if each of `from`'s versions arrived
    /// (the answer to a catch-up).
    fn merge_snapshot(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, at: RegionId, from: RegionId) {
        for k in 0..self.keys as Key {
            if !self.carried(ctx, from, at, k) {
                continue;
            }
            // `from` holds a version, so the key has its state: at the same slot for `at`.
            let (Some(src), Some(dst)) = (self.cell(from, k), self.cell(at, k)) else {
                continue;
            };
            let (theirs, vv, open) = (
                self.cells[src].winner(),
                self.vvs[src],
                self.cells[src].open(),
            );
            self.meet(ctx, at, dst, theirs, vv, Some(open));
        }
    }

    /// `region` came back empty: the writes no other region has (`stranded`: those whose
    /// replication reached no one) are lost, and its store is gone but for its own counters.
    fn wipe(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, region: RegionId, stranded: Vec<u64>) {
        let r = region as usize;
        // Its writes no other region has are lost: named by ticket; never-replicated ones older
        // than the window of acknowledgements count as acknowledged.
        for t in stranded {
            ctx.write_lost(t);
        }
        let local = std::mem::take(&mut self.local_only[r]);
        self.dropped_only.retain(|&(r, _), _| r != region);
        let named = self.acks.lose(ctx, |t, a| {
            a.region == region && a.kept_local && t >= local.since
        });
        ctx.data_lost(local.writes - named, local.first);
        self.local_only[r].since = self.acks.next_ticket();
        let n = self.n;
        for c in (r..self.cells.len()).step_by(n) {
            self.cells[c].win(Version::NONE);
            // Only its own write counter survives (a new actor incarnation).
            self.pool.keep_only(&mut self.vvs[c], r);
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
                self.sibling_reads += cell.open() as u64;
                ctx.reply(req.op, Outcome::Read(cell.winner()));
            }
            OpKind::Write => self.write_local(ctx, at, req),
        }
    }

    #[inline(always)]
    fn prefetch(&self, at: RegionId, key: Key) {
        // A read at `at` loads this cell (`on_request`), a write also its vector's handle.
        if let Some(c) = self.cell(at, key) {
            crate::prefetch::prefetch(&self.cells[c]);
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
            MmMsg::Replicate { write, seq } => self.receive(ctx, at, from, write as usize, seq),
            MmMsg::CatchUp => self.send_snapshot(ctx, at, from),
            MmMsg::Snapshot { position } => {
                self.merge_snapshot(ctx, at, from);
                self.carried_away(ctx, at, from);
                self.chans.answered(at, from, position);
            }
        }
    }

    fn on_suspect(
        &mut self,
        ctx: &mut Ctx<'_, MmMsg, ()>,
        at: RegionId,
        peer: RegionId,
        suspected: bool,
    ) {
        if suspected {
            self.chans.forget(at, peer);
        } else {
            // Replication from `peer` may have been lost while it was out of reach (a healed
            // partition, or `peer` back from an outage).
            self.pull(ctx, at, peer);
        }
    }

    fn on_dropped(&mut self, _: &mut Ctx<'_, MmMsg, ()>, _: RegionId, _: RegionId, msg: MmMsg) {
        // A lost copy resolves like a received one, for the write table only: the receiver
        // catches up from a snapshot (at the gap, or when it stops suspecting the sender).
        if let MmMsg::Replicate { write, .. } = msg {
            let Some(w) = self.writes.get_mut(write as usize) else {
                return;
            };
            w.remaining = w.remaining.saturating_sub(1);
            w.dropped += 1;
            if w.remaining == 0 {
                self.retire(write as usize);
            }
        }
    }

    fn on_region_down(&mut self, _ctx: &mut Ctx<'_, MmMsg, ()>, region: RegionId) {
        self.chans.down(region);
        // Every replication message the region has in flight is lost with it: its writes that
        // no replica has received yet now live only in its own store.
        let mut gone = Vec::new();
        for (slot, w) in self.writes.iter() {
            if w.version.origin == region {
                if w.unreceived() {
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
        if empty {
            self.wipe(ctx, region, stranded);
        }
        // Durable or empty, it missed what the others sent while it was down: it asks each of
        // them for a snapshot. (They catch up from it when they stop suspecting it, or at the
        // gap its lost messages leave.)
        for p in (0..self.n as RegionId).filter(|&p| p != region) {
            self.pull(ctx, region, p);
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
mod tests;
