//! The caches' storage in `edge-cache`: every cache region's entries, in one arena shared by
//! all of them, each region's LRU list, and the dense (region, key) index.
//!
//! LRU without per-operation allocation: all caches share one arena `Vec<Entry>` (it grows
//! only until every cache is full, at most `min(capacity, keys)` entries per cache region,
//! then slots are reused). Each cache is an intrusive doubly linked list through the entries'
//! `prev`/`next` u32 indices (head = most recently used, tail = least), with its own length;
//! freed slots (invalidated entries) go on a free list threaded through `next`. A dense index
//! `Vec<u32>` of `regions x keys` maps (region, key) to its slot, stored negated (`!slot`, so
//! `NIL` is 0): the table starts as zeroed memory and only the pages of keys a cache ever
//! held are committed. Lookup, touch, insert, evict and drop are O(1).
//!
//! Owns lookup, touch, insert (evicting the least recently used entry when full, counted),
//! drop and clearing a whole cache. Knows nothing of the TTL, fetches or messages: `cache`
//! decides what to store and when.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::EdgeCache;
use crate::strategy::Version;
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::Key;

/// "No slot" / "no operation" / "end of list".
pub(super) const NIL: u32 = u32::MAX;

/// One cached entry in the shared arena.
#[derive(Copy, Clone, Debug)]
pub(super) struct Entry {
    pub(super) key: Key,
    pub(super) version: Version,
    pub(super) fetched_at: SimTime,
    /// Towards the head (more recently used).
    pub(super) prev: u32,
    /// Towards the tail (less recently used); the free list's link for free slots.
    pub(super) next: u32,
}

/// One cache's LRU list.
#[derive(Copy, Clone, Debug)]
pub(super) struct Lru {
    /// Most recently used.
    pub(super) head: u32,
    /// Least recently used.
    pub(super) tail: u32,
    pub(super) len: u32,
}

impl Lru {
    pub(super) const EMPTY: Lru = Lru {
        head: NIL,
        tail: NIL,
        len: 0,
    };
}

impl EdgeCache {
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
    pub(super) fn touch(&mut self, region: RegionId, i: u32) {
        if self.lru[region as usize].head != i {
            self.unlink(region, i);
            self.push_front(region, i);
        }
    }

    /// The cached entry of `key` at `region`, if any (expired or not).
    pub(super) fn lookup(&self, region: RegionId, key: Key) -> Option<u32> {
        let i = !self.index[self.slot(region, key)];
        (i != NIL).then_some(i)
    }

    /// Stores `(key -> version, fetched_at = now)` at `region`, evicting the least recently
    /// used entry when the cache is full.
    pub(super) fn install(&mut self, region: RegionId, key: Key, version: Version, now: SimTime) {
        if self.limit == 0 {
            return;
        }
        let s = self.slot(region, key);
        let i = !self.index[s];
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
            self.index[old] = !NIL;
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
        self.index[s] = !i;
    }

    /// Drops `key` from `region`'s cache (no-op when not cached).
    pub(super) fn drop_entry(&mut self, region: RegionId, key: Key) {
        let s = self.slot(region, key);
        let i = !self.index[s];
        if i == NIL {
            return;
        }
        self.unlink(region, i);
        self.index[s] = !NIL;
        self.entries[i as usize].next = self.free;
        self.free = i;
    }

    /// Empties `region`'s cache (its slots go on the free list).
    pub(super) fn clear_cache(&mut self, region: RegionId) {
        let mut i = self.lru[region as usize].head;
        while i != NIL {
            let e = self.entries[i as usize];
            let s = self.slot(region, e.key);
            self.index[s] = !NIL;
            self.entries[i as usize].next = self.free;
            self.free = i;
            i = e.next;
        }
        self.lru[region as usize] = Lru::EMPTY;
    }
}
