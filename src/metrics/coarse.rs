//! `CoarseHist`: a small log-scale histogram of latencies (16 bins per octave of microseconds,
//! within 3.2 %) for the timeline's buckets and the latency breakdown's bins. Memory follows
//! the range of values actually recorded, whatever the number of values.
//!
//! Must not import any other geosim module.

/// A small log-linear histogram (16 bins per octave of microseconds, within 3.2 %) for
/// per-bucket timeline percentiles. It holds only the bins from its lowest to its highest
/// value so far (a timeline bucket's values span a few octaves of the 34).
#[derive(Clone, Debug, Default)]
pub struct CoarseHist {
    /// The bin of `bins[0]`.
    lo: usize,
    bins: Vec<u32>,
}

pub(super) const COARSE_OCTAVES: usize = 34;

impl CoarseHist {
    pub(super) fn bin(ns: u64) -> usize {
        let us = ns / 1000;
        if us < 16 {
            return us as usize;
        }
        let e = 63 - us.leading_zeros() as usize;
        let sub = ((us >> (e - 4)) & 15) as usize;
        (e * 16 + sub).min(COARSE_OCTAVES * 16 - 1)
    }

    /// The middle of a bin, in ms (within 3.2 % of any value in it).
    fn mid_ms(bin: usize) -> f64 {
        if bin < 16 {
            return (bin as f64 + 0.5) / 1000.0;
        }
        let (e, sub) = (bin / 16, bin % 16);
        let us = (16.0 + sub as f64 + 0.5) * (1u64 << (e - 4)) as f64;
        us / 1000.0
    }

    /// Records a value in ns.
    #[inline]
    pub fn record(&mut self, ns: u64) {
        self.add(Self::bin(ns), 1);
    }

    /// Adds `n` to bin `b`, widening the window of bins held when `b` lies outside it.
    #[inline]
    pub(super) fn add(&mut self, b: usize, n: u32) {
        match self.bins.get_mut(b.wrapping_sub(self.lo)) {
            Some(c) => *c += n,
            None => self.widen(b, n),
        }
    }

    #[cold]
    fn widen(&mut self, b: usize, n: u32) {
        if self.bins.is_empty() {
            self.lo = b;
            self.bins.push(n);
        } else if b < self.lo {
            let mut bins = vec![0; self.lo - b];
            bins.extend_from_slice(&self.bins);
            bins[0] = n;
            self.bins = bins;
            self.lo = b;
        } else {
            self.bins.resize(b - self.lo + 1, 0);
            self.bins[b - self.lo] = n;
        }
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.bins.iter().map(|&b| b as u64).sum()
    }

    /// Adds `other`'s values.
    pub fn merge(&mut self, other: &CoarseHist) {
        for (i, &b) in other.bins.iter().enumerate() {
            if b > 0 {
                self.add(other.lo + i, b);
            }
        }
    }

    /// The middle (ms) of the bin holding quantile `q` (0 when empty).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let n = self.count();
        if n == 0 {
            return 0.0;
        }
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        let mut acc = 0u64;
        for (i, &b) in self.bins.iter().enumerate() {
            acc += b as u64;
            if acc >= rank {
                return Self::mid_ms(self.lo + i);
            }
        }
        Self::mid_ms(self.lo + self.bins.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The windowed coarse histogram against a dense array of all its bins, written here.
    #[test]
    fn coarse_window_matches_dense_bins() {
        let mut x: u64 = 7;
        let (mut a, mut b) = (CoarseHist::default(), CoarseHist::default());
        let mut dense = vec![0u64; COARSE_OCTAVES * 16];
        for i in 0..50_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let ns = x >> (20 + x % 40);
            dense[CoarseHist::bin(ns)] += 1;
            if i % 2 == 0 {
                a.record(ns)
            } else {
                b.record(ns)
            }
        }
        a.merge(&b);
        a.merge(&CoarseHist::default());
        let n: u64 = dense.iter().sum();
        assert_eq!(a.count(), n);
        for q in [0.0, 0.01, 0.5, 0.9, 0.99, 1.0] {
            let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
            let mut acc = 0;
            let at = dense.iter().position(|&c| {
                acc += c;
                acc >= rank
            });
            assert_eq!(a.quantile_ms(q), CoarseHist::mid_ms(at.unwrap()), "q {q}");
        }
        // A window holds only the bins from the lowest value to the highest.
        let mut w = CoarseHist::default();
        for ms in [5u64, 3, 9, 4] {
            w.record(ms * 1_000_000);
        }
        assert_eq!(w.lo, CoarseHist::bin(3_000_000));
        assert_eq!(w.bins.len(), CoarseHist::bin(9_000_000) - w.lo + 1);
        assert_eq!(w.count(), 4);
    }

    #[test]
    fn coarse_histogram_is_within_3_2_percent() {
        // Every bin edge and middle over six octaves, plus values from reports.
        let mut values: Vec<f64> = vec![0.004, 0.5, 3.0, 91.3, 167.092, 2500.0, 90_000.0];
        for us in 16u64..1024 {
            values.push(us as f64 / 1000.0);
        }
        for &ms in &values {
            let mut h = CoarseHist::default();
            h.record((ms * 1e6).round() as u64);
            let q = h.quantile_ms(0.99);
            assert!((q - ms).abs() <= 0.032 * ms + 0.0005, "{ms} -> {q}");
        }
        let mut h = CoarseHist::default();
        for i in 1..=1000u64 {
            h.record(i * 1_000_000);
        }
        assert!((h.quantile_ms(0.99) - 990.0).abs() < 0.032 * 990.0);
        assert_eq!(h.count(), 1000);
    }
}
