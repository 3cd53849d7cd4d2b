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
//! **LRU without per-operation allocation.** All caches share one arena `Vec<Entry>` (it
//! grows only until every cache is full, at most `min(capacity, keys)` entries per cache
//! region, then slots are reused). Each cache is an intrusive doubly linked list through the
//! entries' `prev`/`next` u32 indices (head = most recently used, tail = least), with its
//! own length; freed slots (invalidated entries) go on a free list threaded through `next`.
//! A dense index `Vec<u32>` of `regions x keys` maps (region, key) to its slot, `NIL` when
//! not cached. Lookup, touch, insert, evict and drop are O(1). Coalesced misses wait on an
//! intrusive list threaded through a side table indexed by `OpId::index()`, headed from a
//! dense `regions x keys` table of the fetch in flight. Links carry the slot and the sequence
//! number of the insertion they point to: a slot that joins another list (its read timed out
//! and the slot was reused, or a retry of the same read came back) gets a new sequence
//! number, so stale links end a walk instead of crossing into another list or looping.
//!
//! **Faults.** A cache region that goes down loses its cache (the entries and the fetches in
//! flight: the reads waiting on them are lost with the region, their clients time out). While
//! a cache region suspects the origin (failure detector), it serves reads from its cache even
//! when the entry has expired (*stale-if-error*, counted), fails reads of keys it does not
//! hold and fails writes at once (`Outcome::Failed`); when it starts suspecting the origin,
//! the reads waiting on its fetches in flight are answered the same way. Fetches lost to a
//! fault in any other way are abandoned after `FETCH_ABANDON_NS`. The origin's store is
//! durable; an origin that comes back empty has lost every write it acknowledged (counted
//! as RPO, without a time span) and starts from scratch (versions keep increasing).
//!
//! **Figures** (`extra`): `cache_hit_ratio` = hits / (hits + misses) over reads at non-origin
//! regions, `cache_hits`, `cache_misses`, `coalesced_misses` (misses that joined a fetch in
//! flight), `evictions`, `stale_if_error` (expired entries served because the origin was
//! suspected).
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use crate::strategy::{Ctx, OpId, Outcome, Request, Strategy, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};

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
        /// The version the write got.
        version: Version,
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

/// "No slot" / "no operation" / "end of list".
const NIL: u32 = u32::MAX;

/// "No waiting operation" (a link is `sequence << 32 | slot`).
const NO_LINK: u64 = u64::MAX;

/// A fetch unanswered for this long is presumed lost (10 s).
const FETCH_ABANDON_NS: u64 = 10_000_000_000;

/// One cached entry in the shared arena.
#[derive(Copy, Clone, Debug)]
struct Entry {
    key: Key,
    version: Version,
    fetched_at: SimTime,
    /// Towards the head (more recently used).
    prev: u32,
    /// Towards the tail (less recently used); the free list's link for free slots.
    next: u32,
}

/// One cache's LRU list.
#[derive(Copy, Clone, Debug)]
struct Lru {
    /// Most recently used.
    head: u32,
    /// Least recently used.
    tail: u32,
    len: u32,
}

impl Lru {
    const EMPTY: Lru = Lru {
        head: NIL,
        tail: NIL,
        len: 0,
    };
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
    /// Slot of (region, key) in `entries`, `NIL` when not cached; row-major by region.
    index: Vec<u32>,
    /// The arena shared by every cache.
    entries: Vec<Entry>,
    /// Head of the free-slot list in `entries`.
    free: u32,
    /// One LRU list per region (the origin's stays empty).
    lru: Vec<Lru>,
    /// Link to the first waiting operation of the fetch in flight for (region, key),
    /// `NO_LINK` if none.
    inflight: Vec<u64>,
    /// Link to the next operation waiting on the same fetch, indexed by `OpId::index`.
    wait_next: Vec<u64>,
    /// The full id (slot and generation) of the operation in each slot.
    wait_id: Vec<u32>,
    /// The sequence number of each slot's latest insertion into a waiting list.
    wait_seq: Vec<u32>,
    /// The last sequence number given out.
    seq: u32,
    /// When the fetch in flight for (region, key) was sent.
    inflight_at: Vec<SimTime>,
    /// Oldest version the fetch in flight for (region, key) may cache (raised by
    /// invalidations that arrive while it is in flight).
    fetch_floor: Vec<Version>,
    /// Regions each region's failure detector suspects (bit = region id).
    suspects: Vec<u64>,
    /// Writes the origin acknowledged since it last came back empty.
    acked: u64,
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
            index: vec![NIL; regions * k],
            entries: Vec::with_capacity(arena),
            free: NIL,
            lru: vec![Lru::EMPTY; regions],
            inflight: vec![NO_LINK; regions * k],
            inflight_at: vec![SimTime::ZERO; regions * k],
            wait_id: Vec::new(),
            wait_next: Vec::new(),
            wait_seq: Vec::new(),
            seq: 0,
            fetch_floor: vec![Version::NONE; regions * k],
            suspects: vec![0; regions],
            acked: 0,
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

    /// Removes entry `i` from `region`'s list (the slot stays allocated).
    fn unlink(&mut self, region: RegionId, i: u32) {
        let Entry { prev, next, .. } = self.entries[i as usize];
        let l = &mut self.lru[region as usize];
        if prev == NIL {
            l.head = next;
        } else {
            self.entries[prev as usize].next = next;
        }
        if next == NIL {
            l.tail = prev;
        } else {
            self.entries[next as usize].prev = prev;
        }
        l.len -= 1;
    }

    /// Puts entry `i` at the head (most recently used) of `region`'s list.
    fn push_front(&mut self, region: RegionId, i: u32) {
        let l = &mut self.lru[region as usize];
        let old = l.head;
        l.head = i;
        if old == NIL {
            l.tail = i;
        } else {
            self.entries[old as usize].prev = i;
        }
        l.len += 1;
        let e = &mut self.entries[i as usize];
        e.prev = NIL;
        e.next = old;
    }

    /// Marks entry `i` of `region` as most recently used.
    fn touch(&mut self, region: RegionId, i: u32) {
        if self.lru[region as usize].head != i {
            self.unlink(region, i);
            self.push_front(region, i);
        }
    }

    /// The cached entry of `key` at `region`, if any (expired or not).
    fn lookup(&self, region: RegionId, key: Key) -> Option<u32> {
        let i = self.index[self.slot(region, key)];
        (i != NIL).then_some(i)
    }

    /// Stores `(key -> version, fetched_at = now)` at `region`, evicting the least recently
    /// used entry when the cache is full.
    fn install(&mut self, region: RegionId, key: Key, version: Version, now: SimTime) {
        if self.limit == 0 {
            return;
        }
        let s = self.slot(region, key);
        let i = self.index[s];
        if i != NIL {
            let e = &mut self.entries[i as usize];
            e.version = e.version.max(version);
            e.fetched_at = now;
            self.touch(region, i);
            return;
        }
        let entry = Entry {
            key,
            version,
            fetched_at: now,
            prev: NIL,
            next: NIL,
        };
        let i = if self.lru[region as usize].len >= self.limit {
            let t = self.lru[region as usize].tail;
            self.unlink(region, t);
            let old = self.slot(region, self.entries[t as usize].key);
            self.index[old] = NIL;
            self.evictions += 1;
            self.entries[t as usize] = entry;
            t
        } else if self.free != NIL {
            let f = self.free;
            self.free = self.entries[f as usize].next;
            self.entries[f as usize] = entry;
            f
        } else {
            self.entries.push(entry);
            (self.entries.len() - 1) as u32
        };
        self.push_front(region, i);
        self.index[s] = i;
    }

    /// Drops `key` from `region`'s cache (no-op when not cached).
    fn drop_entry(&mut self, region: RegionId, key: Key) {
        let s = self.slot(region, key);
        let i = self.index[s];
        if i == NIL {
            return;
        }
        self.unlink(region, i);
        self.index[s] = NIL;
        self.entries[i as usize].next = self.free;
        self.free = i;
    }

    /// The origin applies a write and answers the client's region `client`.
    fn write(
        &mut self,
        ctx: &mut Ctx<'_, EcMsg, ()>,
        client: RegionId,
        op: OpId,
        key: Key,
        bytes: u32,
    ) {
        let o = self.cfg.origin;
        self.log_pos += 1;
        let version = Version {
            stamp: self.log_pos,
            origin: o,
        };
        self.store[key as usize] = version;
        self.value_bytes[key as usize] = bytes;
        self.acked += 1;
        if client == o {
            ctx.reply(op, Outcome::Write(version));
        } else {
            ctx.send(o, client, EcMsg::Done { op, version }, HEADER_BYTES);
        }
        if self.cfg.invalidate {
            let acked_at = ctx.now();
            for r in (0..self.regions as RegionId).filter(|&r| r != o) {
                let msg = EcMsg::Invalidate {
                    key,
                    version,
                    acked_at,
                };
                ctx.send(o, r, msg, HEADER_BYTES);
            }
        }
    }

    /// A read at cache region `at`.
    fn cache_read(&mut self, ctx: &mut Ctx<'_, EcMsg, ()>, at: RegionId, req: Request) {
        let now = ctx.now();
        let origin_down = self.suspects(at, self.cfg.origin);
        if let Some(i) = self.lookup(at, req.key) {
            let e = self.entries[i as usize];
            let fresh = now.saturating_since(e.fetched_at) < self.cfg.ttl_ns;
            if fresh || origin_down {
                if fresh {
                    self.hits += 1;
                } else {
                    self.stale_if_error += 1;
                }
                self.touch(at, i);
                ctx.reply(req.op, Outcome::Read(e.version));
                return;
            }
        }
        if origin_down {
            ctx.reply(req.op, Outcome::Failed);
            return;
        }
        self.misses += 1;
        let op = req.op.index();
        if self.wait_next.len() <= op {
            self.wait_next.resize(op + 1, NO_LINK);
            self.wait_id.resize(op + 1, 0);
            self.wait_seq.resize(op + 1, 0);
        }
        self.seq = self.seq.wrapping_add(1);
        self.wait_id[op] = req.op.0;
        self.wait_seq[op] = self.seq;
        let link = (self.seq as u64) << 32 | op as u64;
        let s = self.slot(at, req.key);
        let head = self.inflight[s];
        // A fetch lost to a fault is abandoned after FETCH_ABANDON_NS (its clients have
        // timed out long before); later misses start a new one.
        let alive = now.saturating_since(self.inflight_at[s]) < FETCH_ABANDON_NS;
        if self.valid(head) && alive {
            // Join the fetch in flight, right behind its head.
            self.coalesced += 1;
            let h = head as u32 as usize;
            self.wait_next[op] = self.wait_next[h];
            self.wait_next[h] = link;
            return;
        }
        self.inflight[s] = link;
        self.inflight_at[s] = now;
        self.wait_next[op] = NO_LINK;
        self.fetch_floor[s] = Version::NONE;
        let msg = EcMsg::Fetch { key: req.key };
        ctx.send(at, self.cfg.origin, msg, HEADER_BYTES);
    }

    /// The origin's answer to a fetch reached cache region `at`.
    fn fetched(&mut self, ctx: &mut Ctx<'_, EcMsg, ()>, at: RegionId, key: Key, v: Version) {
        let s = self.slot(at, key);
        let head = self.inflight[s];
        self.inflight[s] = NO_LINK;
        // No fetch in flight: an answer to a fetch that was abandoned (a fault).
        if head == NO_LINK {
            return;
        }
        if v >= self.fetch_floor[s] {
            self.install(at, key, v, ctx.now());
        }
        let mut link = head;
        while self.valid(link) {
            let op = link as u32 as usize;
            ctx.reply(OpId(self.wait_id[op]), Outcome::Read(v));
            link = self.wait_next[op];
        }
    }

    /// Whether `link` still points to the insertion it was made for.
    #[inline]
    fn valid(&self, link: u64) -> bool {
        link != NO_LINK && self.wait_seq[link as u32 as usize] == (link >> 32) as u32
    }

    #[inline]
    fn suspects(&self, at: RegionId, peer: RegionId) -> bool {
        self.suspects[at as usize] >> peer & 1 == 1
    }

    /// Empties `region`'s cache (its slots go on the free list).
    fn clear_cache(&mut self, region: RegionId) {
        let mut i = self.lru[region as usize].head;
        while i != NIL {
            let e = self.entries[i as usize];
            let s = self.slot(region, e.key);
            self.index[s] = NIL;
            self.entries[i as usize].next = self.free;
            self.free = i;
            i = e.next;
        }
        self.lru[region as usize] = Lru::EMPTY;
    }

    /// Abandons `region`'s fetches in flight; with `ctx`, answers their waiting reads from
    /// the cache (stale-if-error) or with a failure.
    fn abandon_fetches(&mut self, mut ctx: Option<&mut Ctx<'_, EcMsg, ()>>, region: RegionId) {
        for key in 0..self.keys as Key {
            let s = self.slot(region, key);
            let head = self.inflight[s];
            if head == NO_LINK {
                continue;
            }
            self.inflight[s] = NO_LINK;
            let Some(ctx) = ctx.as_deref_mut() else {
                continue;
            };
            // These reads were misses: not counted again as stale-if-error.
            let outcome = self.lookup(region, key).map_or(Outcome::Failed, |i| {
                Outcome::Read(self.entries[i as usize].version)
            });
            let mut link = head;
            while self.valid(link) {
                let op = link as u32 as usize;
                ctx.reply(OpId(self.wait_id[op]), outcome);
                link = self.wait_next[op];
            }
        }
    }

    /// An invalidation of `key` at `version` reached cache region `at`.
    fn invalidated(&mut self, at: RegionId, key: Key, version: Version) {
        if let Some(i) = self.lookup(at, key) {
            if self.entries[i as usize].version < version {
                self.drop_entry(at, key);
            }
        }
        let s = self.slot(at, key);
        if self.inflight[s] != NO_LINK {
            let f = &mut self.fetch_floor[s];
            *f = (*f).max(version);
        }
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
            OpKind::Write if self.suspects(at, o) => ctx.reply(req.op, Outcome::Failed),
            OpKind::Write => {
                let msg = EcMsg::Forward {
                    op: req.op,
                    key: req.key,
                    bytes: req.bytes,
                };
                ctx.send_data(at, o, req.key, msg, HEADER_BYTES + req.bytes as u64);
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
            EcMsg::Done { op, version } => ctx.reply(op, Outcome::Write(version)),
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
        let lookups = self.hits + self.misses;
        let ratio = if lookups == 0 {
            0.0
        } else {
            self.hits as f64 / lookups as f64
        };
        vec![
            ("cache_hit_ratio", ratio),
            ("cache_hits", self.hits as f64),
            ("cache_misses", self.misses as f64),
            ("coalesced_misses", self.coalesced as f64),
            ("evictions", self.evictions as f64),
            ("stale_if_error", self.stale_if_error as f64),
        ]
    }

    fn on_suspect(
        &mut self,
        ctx: &mut Ctx<'_, EcMsg, ()>,
        at: RegionId,
        peer: RegionId,
        suspected: bool,
    ) {
        if suspected {
            self.suspects[at as usize] |= 1u64 << peer;
            if peer == self.cfg.origin {
                // The fetches' answers will not come: answer their reads now.
                self.abandon_fetches(Some(ctx), at);
            }
        } else {
            self.suspects[at as usize] &= !(1u64 << peer);
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
        self.suspects[region as usize] = 0;
        if empty && region == self.cfg.origin {
            ctx.data_lost(self.acked, 0);
            self.acked = 0;
            self.store.fill(Version::NONE);
            self.value_bytes.fill(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::RunMetrics;
    use crate::scenario::{self, Scenario};

    fn cfg(capacity: usize) -> EdgeCacheConfig {
        EdgeCacheConfig {
            origin: 0,
            ttl_ns: 1_000,
            capacity,
            invalidate: false,
        }
    }

    fn v(stamp: u64) -> Version {
        Version { stamp, origin: 0 }
    }

    /// Keys of `region`'s cache from most to least recently used, checking the links.
    fn order(c: &EdgeCache, region: RegionId) -> Vec<Key> {
        let l = c.lru[region as usize];
        let mut out = Vec::new();
        let (mut i, mut prev) = (l.head, NIL);
        while i != NIL {
            let e = c.entries[i as usize];
            assert_eq!(e.prev, prev);
            assert_eq!(c.index[c.slot(region, e.key)], i);
            out.push(e.key);
            prev = i;
            i = e.next;
        }
        assert_eq!(l.tail, prev);
        assert_eq!(out.len(), l.len as usize);
        out
    }

    #[test]
    fn lru_evicts_the_least_recently_used_and_reuses_slots() {
        let mut c = EdgeCache::new(cfg(3), 3, 10);
        for k in [1, 2, 3] {
            c.install(1, k, v(k), SimTime(k));
        }
        assert_eq!(order(&c, 1), vec![3, 2, 1]);
        let i = c.lookup(1, 1).unwrap();
        c.touch(1, i);
        assert_eq!(order(&c, 1), vec![1, 3, 2]);
        c.install(1, 4, v(4), SimTime(5));
        assert_eq!(order(&c, 1), vec![4, 1, 3]);
        assert_eq!(c.evictions, 1);
        assert!(c.lookup(1, 2).is_none());
        // Refreshing an existing entry moves it to the front without evicting.
        c.install(1, 3, v(9), SimTime(6));
        assert_eq!(order(&c, 1), vec![3, 4, 1]);
        assert_eq!(c.entries[c.lookup(1, 3).unwrap() as usize].version, v(9));
        assert_eq!(c.evictions, 1);
        // Another region's cache is independent.
        c.install(2, 2, v(2), SimTime(7));
        assert_eq!(order(&c, 2), vec![2]);
        assert_eq!(order(&c, 1), vec![3, 4, 1]);
        // Dropped slots are reused before the arena grows.
        let arena = c.entries.len();
        c.drop_entry(1, 4);
        assert_eq!(order(&c, 1), vec![3, 1]);
        c.install(1, 7, v(7), SimTime(8));
        assert_eq!(order(&c, 1), vec![7, 3, 1]);
        assert_eq!(c.entries.len(), arena);
        assert_eq!(c.evictions, 1);
        // Dropping head and tail keeps the list consistent.
        c.drop_entry(1, 7);
        c.drop_entry(1, 1);
        assert_eq!(order(&c, 1), vec![3]);
        c.drop_entry(1, 3);
        assert_eq!(order(&c, 1), Vec::<Key>::new());
    }

    #[test]
    fn capacity_one_keeps_only_the_last_key() {
        let mut c = EdgeCache::new(cfg(1), 2, 5);
        for k in 0..5 {
            c.install(1, k, v(k), SimTime(k));
            assert_eq!(order(&c, 1), vec![k]);
        }
        assert_eq!(c.evictions, 4);
        assert_eq!(c.entries.len(), 1);
    }

    /// Origin `o` (region 0), caches `b` (50 ms away) and `c` (80 ms away), constant
    /// latencies everywhere (1.5 ms access).
    fn scenario(clients: &str, strategies: &str) -> Scenario {
        let text = format!(
            r#"
duration_s = 20
drain_s = 2
[[regions]]
name = "o"
lat = 0.0
lon = 0.0
[[regions]]
name = "b"
lat = 0.0
lon = 1.0
[[regions]]
name = "c"
lat = 1.0
lon = 0.0
[[links]]
from = "o"
to = "b"
latency = 50
[[links]]
from = "o"
to = "c"
latency = 80
[[links]]
from = "b"
to = "c"
latency = 100
{clients}
{strategies}
"#
        );
        scenario::from_str(
            &text,
            scenario::Format::Toml,
            std::path::Path::new("t.toml"),
        )
        .expect("valid scenario")
    }

    fn edge(name: &str, ttl_s: f64, capacity: usize, invalidate: bool) -> String {
        format!(
            r#"
[[strategies]]
kind = "edge-cache"
name = "{name}"
origin = "o"
ttl_s = {ttl_s}
capacity = {capacity}
invalidate = {invalidate}
"#
        )
    }

    fn group(region: &str, rate: f64, read_fraction: f64, keys: u64, zipf: f64) -> String {
        format!(
            r#"
[[workload.clients]]
region = "{region}"
rate_rps = {rate}
read_fraction = {read_fraction}
keys = {keys}
zipf = {zipf}
value_bytes = 100
"#
        )
    }

    fn extra(m: &RunMetrics, name: &str) -> f64 {
        m.extra
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no figure {name}"))
            .1
    }

    /// Clients in every region on a shared, Zipf-popular key space.
    fn mixed(read_fraction: f64, keys: u64, zipf: f64) -> String {
        ["o", "b", "c"]
            .iter()
            .map(|r| group(r, 100.0, read_fraction, keys, zipf))
            .collect()
    }

    #[test]
    fn hit_ratio_rises_with_ttl() {
        let strategies: String = [0.1, 1.0, 10.0]
            .iter()
            .enumerate()
            .map(|(i, &t)| edge(&format!("ttl{i}"), t, 1000, false))
            .collect();
        let sc = scenario(&mixed(0.9, 2000, 0.9), &strategies);
        let ratios: Vec<f64> = (0..3)
            .map(|i| {
                let m = run_check(&sc, i);
                let (h, mi) = (extra(&m, "cache_hits"), extra(&m, "cache_misses"));
                let r = extra(&m, "cache_hit_ratio");
                assert!((r - h / (h + mi)).abs() < 1e-12);
                r
            })
            .collect();
        assert!(
            ratios[0] < ratios[1] && ratios[1] < ratios[2],
            "hit ratios {ratios:?}"
        );
        assert!(ratios[0] > 0.0 && ratios[2] < 1.0, "hit ratios {ratios:?}");
    }

    /// Runs strategy `i` and checks what every run must satisfy.
    fn run_check(sc: &Scenario, i: usize) -> RunMetrics {
        let m = crate::sim::run_strategy(sc, i, 7);
        assert_eq!(m.failed, 0, "every operation completes");
        assert_eq!(m.read.count() + m.write.count(), m.reads + m.writes);
        let (h, mi) = (extra(&m, "cache_hits"), extra(&m, "cache_misses"));
        assert!(extra(&m, "coalesced_misses") <= mi);
        // Reads at the caches are hits or misses; reads at the origin are neither.
        assert!(h + mi <= m.reads as f64);
        m
    }

    #[test]
    fn staleness_is_bounded_by_ttl_plus_one_way_latency() {
        let ttl_s = 1.0;
        let sc = scenario(
            &mixed(0.8, 20, 0.5),
            &(edge("plain", ttl_s, 1000, false) + &edge("inv", ttl_s, 1000, true)),
        );
        let d_max = (1..3)
            .map(|r| sc.topology.median_one_way_ms(0, r))
            .fold(0.0, f64::max);
        assert_eq!(d_max, 80.0);
        for i in 0..2 {
            let m = run_check(&sc, i);
            assert!(
                m.stale_reads > 0,
                "strategy {i}: the workload produces stale hits"
            );
            assert!(
                m.staleness.max_ms() <= ttl_s * 1000.0 + d_max,
                "strategy {i}: staleness max {} ms > ttl + one-way {} ms",
                m.staleness.max_ms(),
                ttl_s * 1000.0 + d_max
            );
        }
    }

    #[test]
    fn invalidation_reduces_stale_reads_and_measures_lag() {
        let sc = scenario(
            &mixed(0.8, 100, 0.9),
            &(edge("plain", 5.0, 1000, false) + &edge("inv", 5.0, 1000, true)),
        );
        let plain = run_check(&sc, 0);
        let inv = run_check(&sc, 1);
        assert!(
            inv.stale_reads < plain.stale_reads,
            "invalidate {} vs plain {} stale reads",
            inv.stale_reads,
            plain.stale_reads
        );
        // No replication without invalidation; one lag sample per write per cache with it,
        // each the one-way latency origin -> cache (50 or 80 ms).
        assert_eq!(plain.lag.count(), 0);
        assert_eq!(inv.lag.count(), 2 * inv.writes);
        assert!(inv.lag.max_ms() <= 80.0 + 1e-9);
        assert!(inv.lag.quantile_ms(0.0) >= 50.0 - 0.1);
        // With constant latencies a stale hit needs an invalidation still in flight.
        assert!(inv.staleness.max_ms() <= 80.0, "{}", inv.staleness.max_ms());
    }

    #[test]
    fn reads_at_the_origin_are_never_stale() {
        // Only the origin's clients read; the caches' clients write the same hot keys.
        let clients = group("o", 200.0, 1.0, 20, 0.5)
            + &group("b", 100.0, 0.0, 20, 0.5)
            + &group("c", 100.0, 0.0, 20, 0.5);
        let sc = scenario(&clients, &edge("ec", 10.0, 1000, false));
        let m = run_check(&sc, 0);
        assert!(m.read.count() > 1000 && m.write.count() > 1000);
        assert_eq!(m.stale_reads, 0);
        assert_eq!(extra(&m, "cache_hits") + extra(&m, "cache_misses"), 0.0);
        // The same keys read at the caches are stale: the check above can fail.
        let clients = group("o", 200.0, 0.0, 20, 0.5) + &group("b", 200.0, 0.9, 20, 0.5);
        let sc = scenario(&clients, &edge("ec", 10.0, 1000, false));
        assert!(run_check(&sc, 0).stale_reads > 0);
    }

    #[test]
    fn a_one_entry_cache_over_many_keys_mostly_misses() {
        let sc = scenario(
            &mixed(1.0, 1000, 0.0),
            &(edge("tiny", 10.0, 1, false) + &edge("big", 10.0, 1000, false)),
        );
        let tiny = run_check(&sc, 0);
        let big = run_check(&sc, 1);
        let ratio = extra(&tiny, "cache_hit_ratio");
        assert!(ratio < 0.05, "hit ratio {ratio}");
        assert!(extra(&tiny, "evictions") > 0.0);
        assert!(extra(&big, "cache_hit_ratio") > 10.0 * ratio.max(0.01));
        assert_eq!(extra(&big, "evictions"), 0.0);
        // Read-only: nothing is ever stale, and misses are fresh.
        assert_eq!(tiny.stale_reads + big.stale_reads, 0);
    }

    #[test]
    fn concurrent_misses_are_coalesced() {
        // One hot key read often at a cache 80 ms away: many misses join a fetch in flight.
        let clients = group("c", 500.0, 1.0, 1, 0.0) + &group("o", 50.0, 0.0, 1, 0.0);
        let sc = scenario(&clients, &edge("ec", 0.1, 10, true));
        let m = run_check(&sc, 0);
        let (mi, co) = (extra(&m, "cache_misses"), extra(&m, "coalesced_misses"));
        assert!(co > 0.0 && co < mi, "{co} coalesced of {mi} misses");
        // One fetch (64 bytes) and one answer (64 + 100 bytes at most) per uncoalesced miss,
        // plus 64 bytes per invalidation to each of the two caches.
        let fetches = (mi - co) as u64;
        let inv = 2 * 64 * m.writes;
        assert!(m.wan_bytes >= inv + fetches * 128 && m.wan_bytes <= inv + fetches * 228);
    }

    /// The regions of `scenario` for 80 s, a fast detector, clients that retry and reroute
    /// after 5 s, and `faults`.
    fn faulty(clients: &str, strategies: &str, faults: &str) -> Scenario {
        let text = format!(
            r#"
duration_s = 80
drain_s = 10
seed = 4
[clients]
timeout_ms = 1000
retries = 3
reroute_after_s = 5
[detection]
heartbeat_ms = 500
timeout_ms = 2000
[[regions]]
name = "o"
lat = 0.0
lon = 0.0
[[regions]]
name = "b"
lat = 0.0
lon = 1.0
[[regions]]
name = "c"
lat = 1.0
lon = 0.0
[[links]]
from = "o"
to = "b"
latency = 50
[[links]]
from = "o"
to = "c"
latency = 80
[[links]]
from = "b"
to = "c"
latency = 100
{clients}
{strategies}
{faults}
"#
        );
        scenario::from_str(
            &text,
            scenario::Format::Toml,
            std::path::Path::new("t.toml"),
        )
        .expect("valid scenario")
    }

    fn outage(region: &str, start_s: u32, duration_s: u32) -> String {
        format!(
            "[[faults]]\nkind = \"region-outage\"\nregion = \"{region}\"\n\
             start_s = {start_s}\nduration_s = {duration_s}\n"
        )
    }

    #[test]
    fn caches_serve_stale_entries_while_the_origin_is_down() {
        // The origin is down from 20 s to 50 s; entries live 5 s.
        let clients = group("b", 100.0, 0.9, 50, 0.5) + &group("c", 100.0, 0.9, 50, 0.5);
        let sc = faulty(
            &clients,
            &edge("ec", 5.0, 1000, false),
            &outage("o", 20, 30),
        );
        let m = crate::sim::run_strategy(&sc, 0, 3);
        let served = extra(&m, "stale_if_error");
        assert!(served > 1000.0, "{served}");
        for r in [1, 2] {
            let a = &m.availability[r];
            // Writes fail fast during the outage; reads are served from the caches.
            assert!(a.succeeded[1] < a.attempted[1], "{a:?}");
            assert!(
                a.succeeded[0] as f64 > 0.98 * a.attempted[0] as f64,
                "{a:?}"
            );
        }
        // Reads at the caches are hits, stale-if-error or misses (some of which failed).
        let (h, mi) = (extra(&m, "cache_hits"), extra(&m, "cache_misses"));
        let ok = m.read.count() as f64;
        assert!(
            h + served <= ok && ok <= h + mi + served,
            "{h} {mi} {served} {ok}"
        );
        // After the origin is back, everything succeeds.
        let first = (55 * 1_000_000_000 / m.bucket_ns) as usize;
        for b in &m.timeline[first..] {
            assert_eq!(b.succeeded, b.attempted);
        }
    }

    #[test]
    fn a_cache_region_that_goes_down_loses_its_cache() {
        // b's clients read 50 keys; entries outlive the run unless b loses them (down from
        // 20 s to 30 s; its clients come back at 35 s and refill the cache).
        let clients = group("b", 100.0, 1.0, 50, 0.0);
        let strategies = edge("ec", 100.0, 1000, false);
        let calm = crate::sim::run_strategy(&faulty(&clients, &strategies, ""), 0, 3);
        let m =
            crate::sim::run_strategy(&faulty(&clients, &strategies, &outage("b", 20, 10)), 0, 3);
        let (before, after) = (extra(&calm, "cache_misses"), extra(&m, "cache_misses"));
        assert!(before <= 60.0, "{before}");
        assert!(after >= before + 40.0, "{after} vs {before}");
        assert_eq!(m.stale_reads, 0);
        assert_eq!(extra(&m, "stale_if_error"), 0.0);
    }
}
