//! `edge-cache`: an origin region holds the data; every other region runs an LRU cache with
//! a TTL; reads hit locally or miss to the origin; writes go to the origin and optionally
//! invalidate the caches.
//!
//! Owns the edge-cache protocol and its caches.
//!
//! **Origin.** One region (`origin`) holds the authoritative store: per key the current
//! version and the size of its value. Every write, from any region, is applied there in one
//! log; its `Version` is `{ stamp: log position, origin }`, so versions are totally ordered
//! in write order. A write from another region is forwarded to the origin, which applies it,
//! acknowledges it at once and answers the client's region. Reads at the origin region are
//! served from the store and are never stale.
//!
//! **Caches.** Every other region runs a cache of at most `capacity` entries, each
//! `(key -> version, fetched_at)`. A read there is a *hit* when the key is cached and
//! `now - fetched_at < ttl` (served locally, no message); otherwise a *miss*: the cache
//! sends `Fetch` to the origin, which answers with its current version (`FetchReply`, carrying
//! the value); the cache stores it with `fetched_at` = the arrival time (evicting the least
//! recently used entry when full, refreshing the entry in place when it is there but expired)
//! and answers the client. Concurrent misses for the same key at the same cache are
//! coalesced: only the first sends a `Fetch`; the others wait for its answer (they still
//! count as misses).
//!
//! **Invalidation.** With `invalidate = true` the origin sends `Invalidate(key, version)` to
//! every cache region for every write (invalidation delay = network latency); a cache drops
//! its entry when the cached version is older. If a `Fetch` for that key is in flight, the
//! invalidation's version becomes a floor for it: an answer older than the floor (possible
//! when latencies jitter and the invalidation overtakes the answer) is returned to the
//! waiting clients but not cached. Each invalidation reaching a cache records
//! `ctx.applied(acked_at)`, so the replication lag is the invalidation delay. Without
//! invalidation there is no replication at all: caches learn of writes only by re-fetching
//! after the TTL, no replica applies anything and the lag is empty (no samples).
//!
//! **Consistency.** Writes are linearizable (one origin log). Reads at the origin, and misses
//! that send their own fetch, see every write acknowledged before they were issued. A hit
//! may be stale, by a bounded amount: an entry stored at time `f` reflects the origin at
//! `f - d` (`d` = one-way latency origin -> cache) and is served until `f + ttl`, so a read
//! misses only versions acknowledged less than `ttl + d` before it was issued (staleness
//! age < `ttl + d`; a miss coalesced onto a fetch in flight can miss versions acknowledged
//! less than `d` before it). With invalidation a stale read needs the invalidation of the
//! missed version to be still in flight, so its age is below the invalidation delay.
//!
//! **Messages per operation.** Read at the origin, or a hit: 0. Read miss: 2 (`Fetch`,
//! 64 bytes; `FetchReply`, 64 + value bytes), 0 for a miss coalesced onto a fetch in
//! flight. Write at the origin: 0; elsewhere: 2 (`Forward`, 64 + value bytes; `Done`, 64).
//! Plus, with invalidation, one `Invalidate` (64 bytes) per cache region per write.
//!
//! **Files.** `origin` (the authoritative store and its log), `lru` (the caches' storage: one
//! arena, an LRU list per cache region), `cache` (reads at a cache region: hits, coalesced
//! misses, invalidation, stale-if-error) and `tests`.
//!
//! **Faults.** A cache region that goes down loses its cache (the entries and the fetches in
//! flight: the reads waiting on them are lost with the region, their clients time out). While
//! a cache region suspects the origin (failure detector), it serves reads from its cache even
//! when the entry has expired (*stale-if-error*, counted), fails reads of keys it does not
//! hold and fails writes at once (`Outcome::Failed`); when it starts suspecting the origin,
//! the reads waiting on its fetches in flight are answered the same way. Fetches lost to a
//! fault in any other way are abandoned after `FETCH_ABANDON_NS`. The origin's store is
//! durable; an origin that comes back empty has lost every write it acknowledged since it
//! last did (named by their acknowledgement tickets, `replica::AckLog`: RPO counts those whose
//! answer reached the client, the span from the oldest to the newest of them) and starts
//! from scratch (versions keep increasing).
//!
//! **Figures** (`extra`): `cache_hit_ratio` = hits / (hits + misses) over reads at non-origin
//! regions, `cache_hits`, `cache_misses`, `coalesced_misses` (misses that joined a fetch in
//! flight), `evictions`, `stale_if_error` (expired entries served because the origin was
//! suspected).
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

mod cache;
mod lru;
mod origin;
#[cfg(test)]
mod tests;

use crate::strategy::replica::{AckLog, CarriesAnswer, Suspects};
use crate::strategy::{Ctx, OpId, Outcome, Request, Strategy, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};

use cache::Fetch;
use lru::{Entry, Lru, NIL};

/// Settings of `edge-cache`.
#[derive(Clone, Debug)]
pub struct EdgeCacheConfig {
    /// The region holding the data.
    pub origin: RegionId,
    /// How long a cached entry may be served, ns.
    pub ttl_ns: u64,
    /// Entries per cache (LRU beyond).
    pub capacity: usize,
    /// Writes send invalidations to every cache.
    pub invalidate: bool,
}

/// Messages of the edge-cache protocol.
#[derive(Copy, Clone, Debug)]
pub enum EcMsg {
    /// A client write forwarded from its region to the origin.
    Forward {
        /// The operation.
        op: OpId,
        /// The key.
        key: Key,
        /// Value size.
        bytes: u32,
    },
    /// The origin's acknowledgement of a forwarded write, back to the client's region.
    Done {
        /// The operation.
        op: OpId,
        /// The write's outcome (the version it got).
        outcome: Outcome,
    },
    /// A cache missed on `key` and asks the origin for it.
    Fetch {
        /// The key.
        key: Key,
    },
    /// The origin's current version of `key` (with its value), back to the cache.
    FetchReply {
        /// The key.
        key: Key,
        /// The origin's version when it answered.
        version: Version,
    },
    /// A write at the origin: caches holding an older version drop it.
    Invalidate {
        /// The key.
        key: Key,
        /// The new version.
        version: Version,
        /// When the origin acknowledged the write.
        acked_at: SimTime,
    },
}

impl CarriesAnswer for EcMsg {
    fn done(op: OpId, outcome: Outcome) -> Self {
        EcMsg::Done { op, outcome }
    }
}

/// The edge-cache strategy's state.
pub struct EdgeCache {
    cfg: EdgeCacheConfig,
    regions: usize,
    keys: usize,
    /// Entries per cache: `min(capacity, keys)`.
    limit: u32,
    /// The origin's current version per key.
    store: Vec<Version>,
    /// The origin's current value size per key (0: never written).
    value_bytes: Vec<u32>,
    log_pos: u64,
    /// Slot of (region, key) in `entries`, stored bitwise negated (`!slot`) so that 0 means
    /// "not cached" and a fresh table is zeroed memory, committed only where it is written;
    /// row-major by region.
    index: Vec<u32>,
    /// The arena shared by every cache.
    entries: Vec<Entry>,
    /// Head of the free-slot list in `entries`.
    free: u32,
    /// One LRU list per region (the origin's stays empty).
    lru: Vec<Lru>,
    /// The fetch in flight for (region, key): its slot in `fetches` plus one, 0 if none
    /// (zeroed, like `index`); row-major by region.
    fetch_of: Vec<u32>,
    /// The fetches in flight (as many slots as were ever in flight at once).
    fetches: Vec<Fetch>,
    /// Free slots of `fetches`.
    fetch_free: Vec<u32>,
    /// Link to the next operation waiting on the same fetch, indexed by `OpId::index`.
    wait_next: Vec<u64>,
    /// The full id (slot and generation) of the operation in each slot.
    wait_id: Vec<u64>,
    /// The sequence number of each slot's latest insertion into a waiting list.
    wait_seq: Vec<u32>,
    /// The last sequence number given out.
    seq: u32,
    /// Regions each region's failure detector suspects.
    suspects: Suspects,
    /// Writes the origin acknowledged since it last came back empty, and when the first of
    /// them was.
    acked: u64,
    acked_first: Option<SimTime>,
    /// Every acknowledgement filed with the world (RPO), and the first ticket since the origin
    /// last came back empty.
    acks: AckLog,
    since: u64,
    stale_if_error: u64,
    hits: u64,
    misses: u64,
    coalesced: u64,
    evictions: u64,
}

impl EdgeCache {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(cfg: EdgeCacheConfig, regions: usize, keys: u64) -> Self {
        let k = keys as usize;
        let limit = cfg.capacity.min(k).min(NIL as usize - 1) as u32;
        let arena = (limit as usize).saturating_mul(regions.saturating_sub(1));
        EdgeCache {
            cfg,
            regions,
            keys: k,
            limit,
            store: vec![Version::NONE; k],
            value_bytes: vec![0; k],
            log_pos: 0,
            index: vec![0; regions * k],
            entries: Vec::with_capacity(arena),
            free: NIL,
            lru: vec![Lru::EMPTY; regions],
            fetch_of: vec![0; regions * k],
            fetches: Vec::new(),
            fetch_free: Vec::new(),
            wait_id: Vec::new(),
            wait_next: Vec::new(),
            wait_seq: Vec::new(),
            seq: 0,
            suspects: Suspects::new(regions),
            acked: 0,
            acked_first: None,
            acks: AckLog::new(),
            since: 0,
            stale_if_error: 0,
            hits: 0,
            misses: 0,
            coalesced: 0,
            evictions: 0,
        }
    }

    #[inline]
    fn slot(&self, region: RegionId, key: Key) -> usize {
        region as usize * self.keys + key as usize
    }
}

impl Strategy for EdgeCache {
    type Msg = EcMsg;
    type Timer = ();

    fn on_request(&mut self, ctx: &mut Ctx<'_, EcMsg, ()>, at: RegionId, req: Request) {
        let o = self.cfg.origin;
        match req.kind {
            OpKind::Read if at == o => {
                ctx.reply(req.op, Outcome::Read(self.store[req.key as usize]));
            }
            OpKind::Read => self.cache_read(ctx, at, req),
            OpKind::Write if at == o => self.write(ctx, at, req.op, req.key, req.bytes),
            OpKind::Write if self.suspects.contains(at, o) => ctx.reply(req.op, Outcome::Failed),
            OpKind::Write => {
                let msg = EcMsg::Forward {
                    op: req.op,
                    key: req.key,
                    bytes: req.bytes,
                };
                ctx.send_data(at, o, req.key, msg, HEADER_BYTES + req.bytes as u64);
                ctx.forwarded(req.op, o, crate::strategy::Part::WanRequest);
            }
        }
    }

    fn on_message(
        &mut self,
        ctx: &mut Ctx<'_, EcMsg, ()>,
        at: RegionId,
        from: RegionId,
        msg: EcMsg,
    ) {
        match msg {
            EcMsg::Forward { op, key, bytes } => self.write(ctx, from, op, key, bytes),
            EcMsg::Done { op, outcome } => ctx.reply(op, outcome),
            EcMsg::Fetch { key } => {
                let version = self.store[key as usize];
                let wire = HEADER_BYTES + self.value_bytes[key as usize] as u64;
                ctx.send_data(at, from, key, EcMsg::FetchReply { key, version }, wire);
            }
            EcMsg::FetchReply { key, version } => self.fetched(ctx, at, key, version),
            EcMsg::Invalidate {
                key,
                version,
                acked_at,
            } => {
                self.invalidated(at, key, version);
                ctx.applied(acked_at);
            }
        }
    }

    fn extra(&self) -> Vec<(&'static str, f64)> {
        // The ratio is left out (n/a) when no read reached a cache.
        let lookups = self.hits + self.misses;
        let mut out = Vec::with_capacity(6);
        if lookups > 0 {
            out.push(("cache_hit_ratio", self.hits as f64 / lookups as f64));
        }
        out.extend([
            ("cache_hits", self.hits as f64),
            ("cache_misses", self.misses as f64),
            ("coalesced_misses", self.coalesced as f64),
            ("evictions", self.evictions as f64),
            ("stale_if_error", self.stale_if_error as f64),
        ]);
        out
    }

    fn on_suspect(
        &mut self,
        ctx: &mut Ctx<'_, EcMsg, ()>,
        at: RegionId,
        peer: RegionId,
        suspected: bool,
    ) {
        self.suspects.set(at, peer, suspected);
        if suspected && peer == self.cfg.origin {
            // The fetches' answers will not come: answer their reads now.
            self.abandon_fetches(Some(ctx), at);
        }
    }

    fn on_region_down(&mut self, _ctx: &mut Ctx<'_, EcMsg, ()>, region: RegionId) {
        if region != self.cfg.origin {
            // A cache is memory: it is gone, with the reads waiting on its fetches.
            self.clear_cache(region);
            self.abandon_fetches(None, region);
        }
    }

    fn on_region_up(&mut self, ctx: &mut Ctx<'_, EcMsg, ()>, region: RegionId, empty: bool) {
        self.suspects.clear_region(region);
        if empty && region == self.cfg.origin {
            // Every write it acknowledged since it last came back empty is lost: named by
            // ticket, older ones than the window count as acknowledged.
            let since = self.since;
            let named = self.acks.lose(ctx, |t, _| t >= since);
            ctx.data_lost(self.acked - named, self.acked_first);
            self.acked = 0;
            self.acked_first = None;
            self.since = self.acks.next_ticket();
            self.store.fill(Version::NONE);
            self.value_bytes.fill(0);
        }
    }
}
