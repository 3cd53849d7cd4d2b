//! The latency breakdown, streamed: per client region and operation kind, the mean of each
//! latency component over all successful operations and over the slowest 1 % of them.
//!
//! Owns `Breakdown` and `TailMeans`. A log-scale histogram of latencies (the bins of
//! `CoarseHist`, within 3.2 %) keeps in every bin the component sums of the operations in it
//! (64-bit, with their rare carries kept aside, one add per component and operation): their
//! exact sums over the bins give the mean over all operations, and the slowest 1 % takes
//! whole bins from the slowest down and the bin holding the 99th percentile pro rata, each
//! bin's sums saturated at `u64::MAX` (docs/metrics.md). Memory per (region, kind) is bounded (the bins
//! from its fastest to its slowest operation so far), whatever the number of operations. Also counts the operations
//! whose components were checked against their latency and those that did not add up.
//!
//! Must not import the engine, the world, strategies' internals, scenario or report types.

use crate::strategy::PARTS;
use crate::topology::RegionId;
use crate::workload::OpKind;

use super::coarse::{CoarseHist, COARSE_OCTAVES};

const BINS: usize = COARSE_OCTAVES * 16;

/// Per client region and kind: sums per latency bin.
#[derive(Clone, Debug, Default)]
struct Cell {
    count: u64,
    /// Per latency bin from `lo` to the highest bin recorded so far: operations, then the
    /// sum of each component (ns, modulo 2^64: `wraps` holds the carries). Bins outside hold
    /// nothing.
    bins: Vec<[u64; PARTS + 1]>,
    /// The bin of `bins[0]`.
    lo: usize,
    /// The carries out of the bins' component sums, as (bin, component, carries): empty
    /// unless a bin's sum of a component reached 2^64 ns (585 years). A bin's exact sum is
    /// its 64-bit sum plus 2^64 per carry, so one add per component and operation keeps the
    /// exact sums over all operations (the sum over the bins) and the tail's saturated ones.
    wraps: Vec<(usize, usize, u64)>,
}

impl Cell {
    /// The exact sum of component `part` over all operations, ns.
    fn sum(&self, part: usize) -> u128 {
        let low: u128 = self.bins.iter().map(|b| b[part + 1] as u128).sum();
        let carries: u128 = self
            .wraps
            .iter()
            .filter(|w| w.1 == part)
            .map(|w| w.2 as u128)
            .sum();
        low + (carries << 64)
    }

    /// The sum of component `part` over the operations of bin `b` (absolute), saturated at
    /// `u64::MAX`.
    fn bin_sum(&self, b: usize, part: usize) -> u64 {
        if self.wraps.iter().any(|w| w.0 == b && w.1 == part) {
            u64::MAX
        } else {
            self.bins[b - self.lo][part + 1]
        }
    }

    /// Bin `b`'s sum of component `part` wrapped past 2^64.
    #[cold]
    #[inline(never)]
    fn carry(&mut self, b: usize, part: usize) {
        match self.wraps.iter_mut().find(|w| w.0 == b && w.1 == part) {
            Some(w) => w.2 += 1,
            None => self.wraps.push((b, part, 1)),
        }
    }
}

/// The means of the components over the slowest 1 % of a cell's operations.
#[derive(Clone, Debug, PartialEq)]
pub struct TailMeans {
    /// How many operations the tail holds (ceil(1 % of the count), at least 1).
    pub count: u64,
    /// Mean of each component over them, ns.
    pub parts_ns: [f64; PARTS],
}

/// The latency breakdown of one run.
#[derive(Clone, Debug, Default)]
pub struct Breakdown {
    regions: usize,
    cells: Vec<Cell>,
    /// Per cell, `2 * regions` counts: operations by the region their request was last sent
    /// on to (`peer`), then operations by serving region.
    routes: Vec<u64>,
    /// Operations whose components were compared with their latency.
    pub checked: u64,
    /// Of those, the ones whose components did not add up to it (a defect if not 0).
    pub mismatched: u64,
}

impl Breakdown {
    /// Empty, for `regions` regions.
    pub fn new(regions: usize) -> Self {
        Breakdown {
            regions,
            cells: vec![Cell::default(); regions * 2],
            routes: vec![0; regions * 2 * regions * 2],
            checked: 0,
            mismatched: 0,
        }
    }

    fn index(client: RegionId, kind: OpKind) -> usize {
        client as usize * 2 + (kind == OpKind::Write) as usize
    }

    /// Compares an operation's components with its latency `total` (counted).
    #[inline]
    pub fn check(&mut self, parts: &[u64; PARTS], total: u64) -> bool {
        self.checked += 1;
        let ok = parts.iter().sum::<u64>() == total;
        if !ok {
            self.mismatched += 1;
        }
        ok
    }

    /// Records a successful operation of `kind` from `client`, served at `server`, its request
    /// last sent on to `peer`, whose latency `total` is made of `parts`.
    #[inline(always)]
    pub fn record(
        &mut self,
        client: RegionId,
        kind: OpKind,
        parts: &[u64; PARTS],
        total: u64,
        server: RegionId,
        peer: Option<RegionId>,
    ) {
        let n = self.regions;
        let i = Self::index(client, kind);
        let (peers, servers) = self.routes[i * 2 * n..(i + 1) * 2 * n].split_at_mut(n);
        if let Some(p) = peer {
            peers[p as usize] += 1;
        }
        servers[server as usize] += 1;
        let c = &mut self.cells[i];
        c.count += 1;
        let b = CoarseHist::bin(total);
        if c.bins.is_empty() {
            c.lo = b;
        }
        if b < c.lo {
            let mut bins = vec![[0; PARTS + 1]; c.lo - b];
            bins.extend_from_slice(&c.bins);
            c.bins = bins;
            c.lo = b;
        } else if b - c.lo >= c.bins.len() {
            c.bins.resize(b - c.lo + 1, [0; PARTS + 1]);
        }
        debug_assert!(b < BINS);
        let bin = &mut c.bins[b - c.lo];
        bin[0] += 1;
        let mut carries = 0u64;
        for (i, &p) in parts.iter().enumerate() {
            let (sum, carry) = bin[i + 1].overflowing_add(p);
            bin[i + 1] = sum;
            carries += carry as u64;
        }
        if carries != 0 {
            // A sum that wrapped is now below what was added to it.
            for (i, &p) in parts.iter().enumerate() {
                if c.bins[b - c.lo][i + 1] < p {
                    c.carry(b, i);
                }
            }
        }
    }

    /// Cell `i`'s counts per peer region, then per serving region.
    fn routes(&self, i: usize) -> (&[u64], &[u64]) {
        let n = self.regions;
        self.routes[i * 2 * n..(i + 1) * 2 * n].split_at(n)
    }

    /// Operations recorded for (`client`, `kind`).
    pub fn count(&self, client: RegionId, kind: OpKind) -> u64 {
        self.cells[Self::index(client, kind)].count
    }

    /// Mean of each component over all operations of (`client`, `kind`), ns (`None`: none).
    pub fn means_ns(&self, client: RegionId, kind: OpKind) -> Option<[f64; PARTS]> {
        let c = &self.cells[Self::index(client, kind)];
        (c.count > 0).then(|| std::array::from_fn(|i| c.sum(i) as f64 / c.count as f64))
    }

    /// The region most operations of (`client`, `kind`) were sent on to (ties: lower id).
    pub fn peer(&self, client: RegionId, kind: OpKind) -> Option<RegionId> {
        most(self.routes(Self::index(client, kind)).0)
    }

    /// The region that served most operations of (`client`, `kind`) (ties: lower id).
    pub fn server(&self, client: RegionId, kind: OpKind) -> Option<RegionId> {
        most(self.routes(Self::index(client, kind)).1)
    }

    /// Means of the components over the slowest 1 % of (`client`, `kind`) (`None`: none).
    pub fn tail(&self, client: RegionId, kind: OpKind) -> Option<TailMeans> {
        let c = &self.cells[Self::index(client, kind)];
        if c.count == 0 {
            return None;
        }
        let k = c.count.div_ceil(100).max(1);
        let mut left = k;
        let mut sums = [0f64; PARTS];
        for (j, bin) in c.bins.iter().enumerate().rev() {
            if left == 0 {
                break;
            }
            if bin[0] == 0 {
                continue;
            }
            let take = left.min(bin[0]);
            let share = take as f64 / bin[0] as f64;
            for (i, s) in sums.iter_mut().enumerate() {
                *s += c.bin_sum(c.lo + j, i) as f64 * share;
            }
            left -= take;
        }
        Some(TailMeans {
            count: k,
            parts_ns: sums.map(|s| s / k as f64),
        })
    }
}

fn most(counts: &[u64]) -> Option<RegionId> {
    let (i, &n) = counts
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))?;
    (n > 0).then_some(i as RegionId)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn tail_means_match_a_sort_of_the_slowest_one_percent() {
        // Independent: sort every operation by latency, average the slowest ceil(1 %).
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut b = Breakdown::new(2);
        let mut ops = Vec::new();
        for _ in 0..20_000 {
            let mut parts = [0u64; PARTS];
            parts[0] = rng.random_range(500_000..2_000_000);
            parts[1] = rng.random_range(30_000_000..40_000_000);
            // One op in 50 waits on a slow quorum.
            if rng.random::<f64>() < 0.02 {
                parts[5] = rng.random_range(50_000_000..300_000_000);
            }
            let total: u64 = parts.iter().sum();
            assert!(b.check(&parts, total));
            b.record(1, OpKind::Write, &parts, total, 1, Some(0));
            ops.push((total, parts));
        }
        ops.sort_by_key(|o| std::cmp::Reverse(o.0));
        let k = 200;
        let tail = b.tail(1, OpKind::Write).unwrap();
        assert_eq!(tail.count, k as u64);
        for i in 0..PARTS {
            let exact = ops[..k].iter().map(|o| o.1[i] as f64).sum::<f64>() / k as f64;
            let total = ops[..k].iter().map(|o| o.0 as f64).sum::<f64>() / k as f64;
            // Within the bins' 3.2 % of the tail's mean latency.
            assert!((tail.parts_ns[i] - exact).abs() <= 0.032 * total, "{i}");
        }
        let all = b.means_ns(1, OpKind::Write).unwrap();
        let exact = ops.iter().map(|o| o.1[5] as f64).sum::<f64>() / ops.len() as f64;
        assert!((all[5] - exact).abs() < 1e-6 * exact);
        assert_eq!(b.peer(1, OpKind::Write), Some(0));
        assert_eq!(b.means_ns(0, OpKind::Read), None);
        assert_eq!(b.tail(0, OpKind::Read), None);
        let mut bad = [0u64; PARTS];
        bad[2] = 5;
        assert!(!b.check(&bad, 6));
        assert_eq!(b.mismatched, 1);
    }

    /// Sums past 2^64 ns: the means stay exact (against u128 sums kept here) and the tail
    /// reads each bin's sum saturated at `u64::MAX` (against a saturating sum kept here),
    /// with one and several carries, in two components and two bins.
    #[test]
    fn sums_past_2_64_keep_exact_means_and_saturated_tails() {
        let mut b = Breakdown::new(1);
        let big = (1u64 << 62) + 5;
        let mut exact = [0u128; PARTS];
        // (total, part 2, part 7) per operation; totals in two far-apart bins.
        let mut ops = Vec::new();
        for i in 0..9u64 {
            ops.push((1u64 << 40, big, if i < 5 { big } else { 3 }));
        }
        ops.push((1_000_000, 7, 1 << 63));
        ops.push((1_000_000, 11, 1 << 63));
        let mut saturated = std::collections::BTreeMap::new();
        for &(total, a, c) in &ops {
            let mut parts = [0u64; PARTS];
            parts[2] = a;
            parts[7] = c;
            b.record(0, OpKind::Read, &parts, total, 0, None);
            for (i, p) in parts.iter().enumerate() {
                exact[i] += *p as u128;
                let s: &mut u64 = saturated.entry((total, i)).or_default();
                *s = s.saturating_add(*p);
            }
        }
        let n = ops.len() as f64;
        let means = b.means_ns(0, OpKind::Read).unwrap();
        for i in 0..PARTS {
            assert_eq!(means[i].to_bits(), (exact[i] as f64 / n).to_bits(), "{i}");
        }
        // The slowest 1 % of 11 is one operation: a ninth of the slow bin's sums.
        let tail = b.tail(0, OpKind::Read).unwrap();
        assert_eq!(tail.count, 1);
        for i in 0..PARTS {
            let want = saturated[&(1u64 << 40, i)] as f64 * (1.0 / 9.0);
            assert_eq!(tail.parts_ns[i].to_bits(), want.to_bits(), "{i}");
        }
        assert_eq!(tail.parts_ns[2], u64::MAX as f64 / 9.0);
    }
}
