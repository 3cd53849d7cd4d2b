//! Every region's copy of every key.
//!
//! Owns `RegionStore`: one cell per (region, key), reading and writing a cell, applying a
//! replicated version when it is newer than the copy (`apply`), and wiping a region's copies
//! when it comes back without its durable state (`wipe`). Sparse: a key's cells (one per
//! region, together) exist only once one of its copies was written; a key never written
//! reads `T::default()` everywhere. Keys are drawn from a Zipf law, so most of a large key
//! space is never written in a run and its cells are never allocated. The merge of another
//! region's copies (catch-up) is in `snapshot`.
//!
//! Must not import the engine, the simulation world, metrics or scenario (serde) types.

use crate::strategy::Version;
use crate::topology::RegionId;
use crate::workload::Key;

/// A cell per (region, key). A cell is a `Version` unless the strategy keeps more per copy; a
/// fresh or wiped cell is `T::default()` (`Version::NONE`).
///
/// Layout: per key, the index of its block plus one (0: no block, never written; a zeroed
/// table, so its pages stay uncommitted until written), and the blocks of `regions` cells in
/// one vector, in the order their keys were first written. The vector grows by doubling,
/// capped at `keys x regions` cells: never more than the dense table it replaces.
#[derive(Clone, Debug)]
pub struct RegionStore<T = Version> {
    pub(super) regions: usize,
    pub(super) keys: usize,
    pub(super) block: Vec<u32>,
    pub(super) cells: Vec<T>,
}

impl<T: Copy + Default> RegionStore<T> {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(regions: usize, keys: usize) -> Self {
        RegionStore {
            regions,
            keys,
            block: vec![0; keys],
            cells: Vec::new(),
        }
    }

    /// Keys per region.
    #[inline]
    pub fn keys(&self) -> usize {
        self.keys
    }

    /// The first cell of `key`'s block, if it has one.
    #[inline]
    fn base(&self, key: Key) -> Option<usize> {
        let b = self.block[key as usize].checked_sub(1)?;
        Some(b as usize * self.regions)
    }

    /// The first cell of `key`'s block, made (every copy `T::default()`) if it has none.
    #[inline]
    fn base_or_new(&mut self, key: Key) -> usize {
        match self.base(key) {
            Some(base) => base,
            None => self.new_block(key),
        }
    }

    #[cold]
    fn new_block(&mut self, key: Key) -> usize {
        let base = self.cells.len();
        let need = base + self.regions;
        if need > self.cells.capacity() {
            let all = self.keys.saturating_mul(self.regions);
            let want = (2 * self.cells.capacity()).min(all).max(need);
            self.cells.reserve_exact(want - base);
        }
        self.cells.resize(need, T::default());
        self.block[key as usize] = (base / self.regions + 1) as u32;
        base
    }

    /// `region`'s copy of `key`.
    #[inline]
    pub fn get(&self, region: RegionId, key: Key) -> T {
        match self.base(key) {
            Some(base) => self.cells[base + region as usize],
            None => T::default(),
        }
    }

    /// `region`'s copy of `key`, to change in place.
    #[inline]
    pub fn get_mut(&mut self, region: RegionId, key: Key) -> &mut T {
        let base = self.base_or_new(key);
        &mut self.cells[base + region as usize]
    }

    /// Overwrites `region`'s copy of `key`.
    #[inline]
    pub fn set(&mut self, region: RegionId, key: Key, cell: T) {
        *self.get_mut(region, key) = cell;
    }

    /// `region`'s copies of the keys ever written (at any region), by key: `(key, copy)`.
    /// The keys left out hold `T::default()`.
    pub fn copies(&self, region: RegionId) -> impl Iterator<Item = (Key, T)> + '_ {
        let r = region as usize;
        self.block.iter().enumerate().filter_map(move |(k, &b)| {
            let b = b.checked_sub(1)? as usize;
            Some((k as Key, self.cells[b * self.regions + r]))
        })
    }

    /// `region` came back without its durable state: every copy it held is gone.
    pub fn wipe(&mut self, region: RegionId) {
        let r = region as usize;
        if r < self.regions {
            for c in self.cells.iter_mut().skip(r).step_by(self.regions) {
                *c = T::default();
            }
        }
    }
}

impl RegionStore<Version> {
    /// `region` applies `v` of `key` if it is newer than its copy (a replicated write that
    /// arrives late, after a newer one, is ignored).
    #[inline]
    pub fn apply(&mut self, region: RegionId, key: Key, v: Version) {
        if v > self.get(region, key) {
            self.set(region, key, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(stamp: u64) -> Version {
        Version { stamp, origin: 0 }
    }

    /// The sparse store reads like the dense table: unwritten copies are `NONE`, a key's
    /// block holds every region's copy, `apply` keeps the newer, `wipe` clears one region's
    /// copies only, and `copies` lists the written keys in key order.
    #[test]
    fn reads_like_a_dense_table_and_allocates_only_written_keys() {
        let (regions, keys) = (3usize, 1000usize);
        let mut s: RegionStore = RegionStore::new(regions, keys);
        let mut dense = vec![Version::NONE; regions * keys];
        let mut x: u64 = 7;
        for i in 0..400u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // Keys 0..50 only: the rest stay unallocated.
            let (r, k) = ((x >> 33) % regions as u64, (x >> 40) % 50);
            let ver = v((x >> 20) % 100 + i % 3);
            s.apply(r as RegionId, k, ver);
            let d = &mut dense[r as usize * keys + k as usize];
            *d = (*d).max(ver);
            if i == 200 {
                s.wipe(1);
                dense[keys..2 * keys].fill(Version::NONE);
            }
        }
        for r in 0..regions {
            for k in 0..keys {
                assert_eq!(s.get(r as RegionId, k as Key), dense[r * keys + k]);
            }
        }
        assert!(s.cells.len() <= 50 * regions && s.cells.capacity() <= 100 * regions);
        let listed: Vec<Key> = s.copies(2).map(|(k, _)| k).collect();
        assert!(listed.windows(2).all(|w| w[0] < w[1]) && listed.len() <= 50);
        // Growth is capped at the dense size.
        let mut full: RegionStore = RegionStore::new(3, 5);
        for k in 0..5 {
            full.set(0, k, v(1));
        }
        assert_eq!(full.cells.capacity(), 15);
    }
}
