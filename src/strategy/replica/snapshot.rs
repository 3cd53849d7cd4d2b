//! Catch-up by snapshot: a region that missed replication (an outage, a partition, an empty
//! restart) receives another region's copies and keeps, key by key, the newer one.
//!
//! Owns the size of a snapshot on the wire (`snapshot_bytes`: a header plus 16 bytes per
//! key), sending one with its residency accounting (`send_snapshot`: one check per written
//! key it carries) and the newer-wins merge of the sender's row into the receiver's,
//! optionally limited to some keys (`RegionStore::merge_newer`). A snapshot is modelled as one message; the
//! receiver reads the sender's copies as they are when it arrives (versions only grow, so
//! that is never older than what was sent). When to ask for one, and what else a strategy
//! resets on an empty restart, stay in the strategies.
//!
//! Must not import the engine, the simulation world, metrics or scenario (serde) types.

use super::RegionStore;
use crate::strategy::{Ctx, Version, HEADER_BYTES};
use crate::topology::RegionId;

/// Sends `msg`, a snapshot of `from`'s copies, to `to`, and records every written key it
/// carries (16 bytes each) for residency accounting: a snapshot that takes a restricted key's
/// value out of its class counts one violation per such key.
pub fn send_snapshot<M, T>(
    ctx: &mut Ctx<'_, M, T>,
    store: &RegionStore<Version>,
    from: RegionId,
    to: RegionId,
    msg: M,
) {
    ctx.send(from, to, msg, snapshot_bytes(store.keys() as u64));
    if from == to {
        return;
    }
    for (k, v) in store.copies(from) {
        if v != Version::NONE {
            ctx.carries(from, to, k, 16);
        }
    }
}

/// Bytes on the wire of a snapshot of `keys` keys (16 bytes a key: key and version).
#[inline]
pub fn snapshot_bytes(keys: u64) -> u64 {
    HEADER_BYTES + keys * 16
}

impl RegionStore<Version> {
    /// `at` merges `from`'s copies of the keys `keep` accepts (by key index): a copy replaces
    /// `at`'s when it is newer.
    pub fn merge_newer(&mut self, at: RegionId, from: RegionId, keep: impl Fn(usize) -> bool) {
        let (n, at, from) = (self.regions, at as usize, from as usize);
        for (k, &b) in self.block.iter().enumerate() {
            // A key without a block holds `Version::NONE` at both: nothing is newer.
            if let Some(b) = b.checked_sub(1) {
                if keep(k) {
                    let base = b as usize * n;
                    let v = self.cells[base + from];
                    if v > self.cells[base + at] {
                        self.cells[base + at] = v;
                    }
                }
            }
        }
    }
}
