//! Every region's copy of every key.
//!
//! Owns `RegionStore`: one cell per (region, key), row-major by region, reading and writing a
//! cell, applying a replicated version when it is newer than the copy (`apply`), and wiping a
//! region's row when it comes back without its durable state (`wipe`). The merge of another
//! region's copies (catch-up) is in `snapshot`.
//!
//! Must not import the engine, the simulation world, metrics or scenario (serde) types.

use crate::strategy::Version;
use crate::topology::RegionId;
use crate::workload::Key;

/// A cell per (region, key), row-major by region. A cell is a `Version` unless the strategy
/// keeps more per copy; a fresh or wiped cell is `T::default()` (`Version::NONE`).
#[derive(Clone, Debug)]
pub struct RegionStore<T = Version> {
    pub(super) keys: usize,
    pub(super) cells: Vec<T>,
}

impl<T: Copy + Default> RegionStore<T> {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(regions: usize, keys: usize) -> Self {
        RegionStore {
            keys,
            cells: vec![T::default(); regions * keys],
        }
    }

    /// Keys per region.
    #[inline]
    pub fn keys(&self) -> usize {
        self.keys
    }

    #[inline]
    fn slot(&self, region: RegionId, key: Key) -> usize {
        region as usize * self.keys + key as usize
    }

    /// `region`'s copy of `key`.
    #[inline]
    pub fn get(&self, region: RegionId, key: Key) -> T {
        self.cells[self.slot(region, key)]
    }

    /// `region`'s copy of `key`, to change in place.
    #[inline]
    pub fn get_mut(&mut self, region: RegionId, key: Key) -> &mut T {
        let s = self.slot(region, key);
        &mut self.cells[s]
    }

    /// Overwrites `region`'s copy of `key`.
    #[inline]
    pub fn set(&mut self, region: RegionId, key: Key, cell: T) {
        let s = self.slot(region, key);
        self.cells[s] = cell;
    }

    /// `region`'s copies of every key, by key.
    #[inline]
    pub fn row(&self, region: RegionId) -> &[T] {
        let s = region as usize * self.keys;
        &self.cells[s..s + self.keys]
    }

    /// `region` came back without its durable state: every copy it held is gone.
    pub fn wipe(&mut self, region: RegionId) {
        let s = region as usize * self.keys;
        self.cells[s..s + self.keys].fill(T::default());
    }
}

impl RegionStore<Version> {
    /// `region` applies `v` of `key` if it is newer than its copy (a replicated write that
    /// arrives late, after a newer one, is ignored).
    #[inline]
    pub fn apply(&mut self, region: RegionId, key: Key, v: Version) {
        let s = self.slot(region, key);
        if v > self.cells[s] {
            self.cells[s] = v;
        }
    }
}
