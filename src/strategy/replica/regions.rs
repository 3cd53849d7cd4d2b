//! Sets of regions, and what each region's failure detector suspects.
//!
//! Owns `RegionSet` (a bit set of region ids, at most 64 regions, iterated in ascending id
//! order) and `Suspects` (per region, the peers it suspects: set and cleared by `on_suspect`,
//! emptied when the region restarts because its detector starts again trusting everyone).
//!
//! Must not import the engine, the simulation world, metrics or scenario (serde) types.

use crate::topology::RegionId;

/// A set of regions (bit = region id; at most 64 regions).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct RegionSet(u64);

impl RegionSet {
    /// No region.
    pub const EMPTY: RegionSet = RegionSet(0);

    /// Every region of `0..regions` but `but`.
    pub fn all_but(regions: usize, but: RegionId) -> RegionSet {
        RegionSet(((1u128 << regions) - 1) as u64 & !(1u64 << but))
    }

    /// Whether `r` is in the set.
    #[inline]
    pub fn contains(self, r: RegionId) -> bool {
        self.0 >> r & 1 == 1
    }

    /// Adds `r`.
    #[inline]
    pub fn insert(&mut self, r: RegionId) {
        self.0 |= 1u64 << r;
    }

    /// Removes `r`.
    #[inline]
    pub fn remove(&mut self, r: RegionId) {
        self.0 &= !(1u64 << r);
    }

    /// Adds (`on`) or removes `r`.
    #[inline]
    pub fn set(&mut self, r: RegionId, on: bool) {
        if on {
            self.insert(r);
        } else {
            self.remove(r);
        }
    }

    /// Whether the set is empty.
    #[inline]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// How many regions the set holds.
    #[inline]
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The regions of `self` that are not in `other`.
    #[inline]
    pub fn minus(self, other: RegionSet) -> RegionSet {
        RegionSet(self.0 & !other.0)
    }

    /// The regions of the set, lowest id first.
    pub fn iter(self) -> impl Iterator<Item = RegionId> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            if bits == 0 {
                return None;
            }
            let r = bits.trailing_zeros() as RegionId;
            bits &= bits - 1;
            Some(r)
        })
    }
}

impl FromIterator<RegionId> for RegionSet {
    fn from_iter<I: IntoIterator<Item = RegionId>>(iter: I) -> Self {
        let mut set = RegionSet::EMPTY;
        for r in iter {
            set.insert(r);
        }
        set
    }
}

/// Per region, the peers its failure detector suspects.
#[derive(Clone, Debug)]
pub struct Suspects(Vec<RegionSet>);

impl Suspects {
    /// Nobody suspects anybody, on `regions` regions.
    pub fn new(regions: usize) -> Suspects {
        Suspects(vec![RegionSet::EMPTY; regions])
    }

    /// How many regions there are.
    #[inline]
    pub fn regions(&self) -> usize {
        self.0.len()
    }

    /// Whether `at` suspects `peer`.
    #[inline]
    pub fn contains(&self, at: RegionId, peer: RegionId) -> bool {
        self.0[at as usize].contains(peer)
    }

    /// `at` starts (`suspected`) or stops suspecting `peer`.
    #[inline]
    pub fn set(&mut self, at: RegionId, peer: RegionId, suspected: bool) {
        self.0[at as usize].set(peer, suspected);
    }

    /// The peers `at` suspects.
    #[inline]
    pub fn of(&self, at: RegionId) -> RegionSet {
        self.0[at as usize]
    }

    /// `at` restarted: its detector trusts everyone until it hears otherwise.
    #[inline]
    pub fn clear_region(&mut self, at: RegionId) {
        self.0[at as usize] = RegionSet::EMPTY;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_sets_iterate_in_id_order() {
        let mut s: RegionSet = [5, 0, 63, 7].into_iter().collect();
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![0, 5, 7, 63]);
        assert_eq!(s.len(), 4);
        s.remove(5);
        s.set(9, true);
        assert!(s.contains(9) && !s.contains(5));
        assert_eq!(RegionSet::all_but(64, 3).len(), 63);
        assert_eq!(
            RegionSet::all_but(3, 1).iter().collect::<Vec<_>>(),
            vec![0, 2]
        );
        assert!(s.minus(s).is_empty());
    }
}
