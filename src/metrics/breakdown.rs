//! The latency breakdown, streamed: per client region and operation kind, the mean of each
//! latency component over all successful operations and over the slowest 1 % of them.
//!
//! Owns `Breakdown` and `TailMeans`. Exact sums per component give the mean over all
//! operations. The slowest 1 % is read from a log-scale histogram of latencies (the bins of
//! `CoarseHist`, within 3.2 %) whose every bin also keeps the component sums of the
//! operations in it: the tail takes whole bins from the slowest down and the bin holding the
//! 99th percentile pro rata (docs/metrics.md). Memory per (region, kind) is bounded (the bins
//! from its fastest to its slowest operation so far), whatever the number of operations. Also counts the operations
//! whose components were checked against their latency and those that did not add up.
//!
//! Must not import the engine, the world, strategies' internals, scenario or report types.

use crate::strategy::PARTS;
use crate::topology::RegionId;
use crate::workload::OpKind;

use super::hist::{CoarseHist, COARSE_OCTAVES};

const BINS: usize = COARSE_OCTAVES * 16;

/// Per client region and kind: sums over all operations and per latency bin.
#[derive(Clone, Debug, Default)]
struct Cell {
    count: u64,
    /// Exact sum of each component, ns.
    sums: [u128; PARTS],
    /// Per latency bin from `lo` to the highest bin recorded so far: operations, then the
    /// sum of each component (ns, saturating). Bins outside hold nothing.
    bins: Vec<[u64; PARTS + 1]>,
    /// The bin of `bins[0]`.
    lo: usize,
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
    #[inline]
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
        for (i, &p) in parts.iter().enumerate() {
            c.sums[i] += p as u128;
            bin[i + 1] = bin[i + 1].saturating_add(p);
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
        (c.count > 0).then(|| c.sums.map(|s| s as f64 / c.count as f64))
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
        for bin in c.bins.iter().rev() {
            if left == 0 {
                break;
            }
            if bin[0] == 0 {
                continue;
            }
            let take = left.min(bin[0]);
            let share = take as f64 / bin[0] as f64;
            for (i, s) in sums.iter_mut().enumerate() {
                *s += bin[i + 1] as f64 * share;
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
}
