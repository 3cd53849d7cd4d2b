//! One region's state of one key in `multi-master`, but its version vector: `Cell`, the
//! winning version and two flags packed in one word, and the flags' bits.
//!
//! Must not import anything but the version and region types.

use crate::strategy::Version;
use crate::topology::RegionId;

/// One region's state of one key but its version vector: the winning version and two flags,
/// packed in one word (the cells are the strategy's largest table and a read touches nothing
/// else of it, so a key's cells on 8 regions share one cache line). From the top: the stamp
/// (56 bits), the origin (6 bits), `open`, `counted`. Packed this way, comparing words above
/// the flags compares versions by `(stamp, origin)`. The bounds hold for every validated
/// scenario: at most 64 regions, and a stamp is a clock reading (at most 2 x 365 days of run
/// and drain, 10 % of drift and a day of offset: under 805 days, against the 834 that 56 bits
/// of nanoseconds hold) or one more than a stamp seen (one per write).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) struct Cell(pub(super) u64);

/// Bits below the stamp: the origin and the two flags.
const STAMP_SHIFT: u32 = 8;
/// The origin's bits, above the flags.
const ORIGIN_SHIFT: u32 = 2;
/// The winner is a write accepted here that has already been counted as conflicting.
pub(super) const COUNTED: u64 = 1;
/// The vector joins concurrent versions not yet resolved by a write that saw them all (under
/// `version-vector`: the key holds siblings).
pub(super) const OPEN: u64 = 2;

impl Cell {
    /// Never written: no winner, flags clear.
    pub(super) const EMPTY: Cell = Cell(0);

    /// Makes `v` the winner with both flags clear.
    #[inline]
    pub(super) fn win(&mut self, v: Version) {
        debug_assert!(v.stamp < 1 << (64 - STAMP_SHIFT) && v.origin < 1 << 6);
        self.0 = v.stamp << STAMP_SHIFT | (v.origin as u64) << ORIGIN_SHIFT;
    }

    #[inline]
    pub(super) fn winner(self) -> Version {
        Version {
            stamp: self.0 >> STAMP_SHIFT,
            origin: ((self.0 >> ORIGIN_SHIFT) & 0x3F) as RegionId,
        }
    }

    #[inline]
    pub(super) fn open(self) -> bool {
        self.0 & OPEN != 0
    }

    #[inline]
    pub(super) fn counted(self) -> bool {
        self.0 & COUNTED != 0
    }

    #[inline]
    pub(super) fn set(&mut self, flag: u64, on: bool) {
        self.0 = (self.0 & !flag) | if on { flag } else { 0 };
    }
}
