//! Catch-up by snapshot: a region that missed replication (an outage, a partition, an empty
//! restart) receives another region's copies and keeps, key by key, the newer one.
//!
//! Owns the size of a snapshot on the wire (`snapshot_bytes`: a header plus 16 bytes per
//! key) and the newer-wins merge of the sender's row into the receiver's, optionally limited
//! to some keys (`RegionStore::merge_newer`). A snapshot is modelled as one message; the
//! receiver reads the sender's copies as they are when it arrives (versions only grow, so
//! that is never older than what was sent). When to ask for one, and what else a strategy
//! resets on an empty restart, stay in the strategies.
//!
//! Must not import the engine, the simulation world, metrics or scenario (serde) types.

use super::RegionStore;
use crate::strategy::{Version, HEADER_BYTES};
use crate::topology::RegionId;

/// Bytes on the wire of a snapshot of `keys` keys (16 bytes a key: key and version).
#[inline]
pub fn snapshot_bytes(keys: u64) -> u64 {
    HEADER_BYTES + keys * 16
}

impl RegionStore<Version> {
    /// `at` merges `from`'s copies of the keys `keep` accepts (by key index): a copy replaces
    /// `at`'s when it is newer.
    pub fn merge_newer(&mut self, at: RegionId, from: RegionId, keep: impl Fn(usize) -> bool) {
        let (src, dst) = (from as usize * self.keys, at as usize * self.keys);
        for k in 0..self.keys {
            if keep(k) {
                let v = self.cells[src + k];
                if v > self.cells[dst + k] {
                    self.cells[dst + k] = v;
                }
            }
        }
    }
}
