//! Streaming latency distributions: `LatencyStat` (an HDR histogram in ns plus an exact sum
//! and max) and `CoarseHist` (a small log-scale histogram within 3.2 %, for per-bucket
//! timelines). Memory is fixed per histogram, whatever the number of values.
//!
//! Must not import any other geosim module but `time`.

use hdrhistogram::Histogram;

use crate::time::nanos_to_ms;

/// Largest value a latency histogram resolves (one simulated day, in ns); larger values are
/// recorded as this value and still counted exactly in the mean and max.
const HIST_MAX_NS: u64 = 86_400 * 1_000_000_000;

/// Points per decade of the tail scale in `LatencyStat::cdf_ms`.
pub const CDF_STEPS_PER_DECADE: u32 = 100;
/// Decades of the tail scale `LatencyStat::cdf_ms` covers below the maximum (to p99.9).
pub const CDF_DECADES: u32 = 3;

/// A streaming latency distribution.
///
/// The HDR histogram is allocated at the first value and grows by whole octaves as larger
/// values arrive, so it spans only the range actually recorded (an HDR histogram's bins do
/// not depend on its upper bound: a value falls in the same bin whatever the bound, so the
/// quantiles are the same as with a fixed one-day range). An empty distribution holds no
/// histogram at all.
#[derive(Clone, Debug)]
pub struct LatencyStat {
    hist: Option<Histogram<u64>>,
    sum_ns: u128,
    max_ns: u64,
}

impl Default for LatencyStat {
    fn default() -> Self {
        Self::new()
    }
}

/// An empty 3-significant-digit histogram able to hold values up to `high` (ns).
fn sized(high: u64) -> Histogram<u64> {
    let high = high
        .clamp(2, HIST_MAX_NS)
        .next_power_of_two()
        .min(HIST_MAX_NS);
    Histogram::new_with_bounds(1, high, 3).expect("valid bounds")
}

impl LatencyStat {
    /// An empty distribution (3 significant digits).
    pub fn new() -> Self {
        LatencyStat {
            hist: None,
            sum_ns: 0,
            max_ns: 0,
        }
    }

    /// Records one value in ns.
    #[inline]
    pub fn record(&mut self, ns: u64) {
        let v = ns.max(1);
        match &mut self.hist {
            Some(h) if v <= h.high() => h.record(v).expect("within the histogram's range"),
            _ => self.record_beyond(v),
        }
        self.sum_ns += ns as u128;
        self.max_ns = self.max_ns.max(ns);
    }

    /// Records `v` (>= 1) above the current range: grows the histogram, up to the full
    /// one-day range, which (like the fixed histogram before) clamps only the values beyond its
    /// last bin.
    #[cold]
    fn record_beyond(&mut self, v: u64) {
        if self.hist.as_ref().is_none_or(|h| h.high() < HIST_MAX_NS) {
            self.grow(v.min(HIST_MAX_NS));
        }
        let h = self.hist.as_mut().expect("grown");
        h.saturating_record(v);
    }

    /// Makes room for values up to `high` ns (at least doubling the range, so a histogram is
    /// copied at most once per octave).
    #[cold]
    fn grow(&mut self, high: u64) {
        let old = self.hist.take();
        let high = old
            .as_ref()
            .map_or(high, |h| high.max(h.high().saturating_mul(2)));
        let mut h = sized(high);
        if let Some(old) = old {
            h.add(&old).expect("larger range");
        }
        self.hist = Some(h);
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.hist.as_ref().map_or(0, |h| h.len())
    }

    /// Exact mean in ms (0 when empty).
    pub fn mean_ms(&self) -> f64 {
        if self.count() == 0 {
            return 0.0;
        }
        self.sum_ns as f64 / self.count() as f64 / 1e6
    }

    /// The value at quantile `q` in ms (0 when empty), within 0.1 %.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        match &self.hist {
            Some(h) if !h.is_empty() => nanos_to_ms(h.value_at_quantile(q).min(self.max_ns)),
            _ => 0.0,
        }
    }

    /// The distribution as points (value in ms, share of values at or below it) for a CDF
    /// drawn on the tail scale `-log10(1 - p)`: the value at each share
    /// `p = 1 - 10^(-k / CDF_STEPS_PER_DECADE)`, `k = 0..=CDF_DECADES * CDF_STEPS_PER_DECADE`
    /// (evenly spaced on the tail scale, from the minimum to p99.9) and 0.5, each the value
    /// `quantile_ms` gives, then the exact maximum at share 1. One pass over the histogram,
    /// whatever the number of values; empty when there is none.
    pub fn cdf_ms(&self) -> Vec<(f64, f64)> {
        let Some(h) = self.hist.as_ref().filter(|h| !h.is_empty()) else {
            return Vec::new();
        };
        let steps = CDF_DECADES * CDF_STEPS_PER_DECADE;
        let mut shares: Vec<f64> = (0..=steps)
            .map(|k| 1.0 - 10f64.powf(-(k as f64) / CDF_STEPS_PER_DECADE as f64))
            .collect();
        // The median too, so that the curve passes through the reported p50.
        let at = shares.partition_point(|&p| p < 0.5);
        if shares.get(at) != Some(&0.5) {
            shares.insert(at, 0.5);
        }
        let mut out: Vec<(f64, f64)> = h
            .value_at_quantiles(shares.iter().copied())
            .zip(&shares)
            .map(|(v, &p)| (nanos_to_ms(v.min(self.max_ns)), p))
            .collect();
        out.push((self.max_ms(), 1.0));
        out
    }

    /// Exact maximum in ms.
    pub fn max_ms(&self) -> f64 {
        nanos_to_ms(self.max_ns)
    }

    /// Adds another distribution into this one.
    pub fn merge(&mut self, other: &LatencyStat) {
        if let Some(theirs) = &other.hist {
            if self.hist.as_ref().is_none_or(|h| h.high() < theirs.high()) {
                self.grow(theirs.high());
            }
            let h = self.hist.as_mut().expect("grown");
            h.add(theirs).expect("within range");
        }
        self.sum_ns += other.sum_ns;
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// Bytes of counters held (0 when empty).
    pub fn heap_bytes(&self) -> usize {
        self.hist
            .as_ref()
            .map_or(0, |h| h.distinct_values() * std::mem::size_of::<u64>())
    }
}

/// A small log-linear histogram (16 bins per octave of microseconds, within 3.2 %) for
/// per-bucket timeline percentiles.
#[derive(Clone, Debug)]
pub struct CoarseHist {
    bins: Vec<u32>,
}

pub(super) const COARSE_OCTAVES: usize = 34;

impl Default for CoarseHist {
    fn default() -> Self {
        CoarseHist {
            bins: vec![0; COARSE_OCTAVES * 16],
        }
    }
}

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
    pub fn record(&mut self, ns: u64) {
        self.bins[Self::bin(ns)] += 1;
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.bins.iter().map(|&b| b as u64).sum()
    }

    /// Adds `other`'s values.
    pub fn merge(&mut self, other: &CoarseHist) {
        for (a, b) in self.bins.iter_mut().zip(&other.bins) {
            *a += b;
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
                return Self::mid_ms(i);
            }
        }
        Self::mid_ms(self.bins.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_stat_is_exact_in_mean_and_close_in_quantiles() {
        let mut s = LatencyStat::new();
        for i in 1..=10_000u64 {
            s.record(i * 1_000); // 1 us .. 10 ms
        }
        assert_eq!(s.count(), 10_000);
        assert!((s.mean_ms() - 5.0005).abs() < 1e-12);
        assert!((s.quantile_ms(0.5) - 5.0).abs() < 0.005);
        assert!((s.quantile_ms(0.99) - 9.9).abs() < 0.01);
        assert_eq!(s.max_ms(), 10.0);
    }

    /// Against a fixed-range histogram over one day (the layout before ranges grew lazily),
    /// built here directly with hdrhistogram: the same quantiles, bit for bit, whatever the
    /// order of growth and merging; and far less memory for small ranges.
    #[test]
    fn lazy_ranges_give_the_fixed_range_quantiles() {
        let mut fixed = Histogram::<u64>::new_with_bounds(1, HIST_MAX_NS, 3).unwrap();
        let (mut a, mut b) = (LatencyStat::new(), LatencyStat::new());
        assert_eq!(a.heap_bytes(), 0);
        let mut x: u64 = 12345;
        for i in 0..100_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // Mostly milliseconds, sometimes up to beyond a day, sometimes 0.
            let ns = match i % 100 {
                0 => x >> 16,
                1 => 0,
                _ => (x >> 40) * 50,
            };
            fixed.saturating_record(ns.max(1));
            if i % 3 == 0 {
                a.record(ns)
            } else {
                b.record(ns)
            }
        }
        let mut small = LatencyStat::new();
        small.record(2_000_000);
        assert!(small.heap_bytes() * 2 < fixed.distinct_values() * 8);
        a.merge(&b);
        a.merge(&LatencyStat::new());
        for q in [0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0] {
            let want = nanos_to_ms(fixed.value_at_quantile(q).min(a.max_ns));
            assert_eq!(a.quantile_ms(q).to_bits(), want.to_bits(), "q {q}");
        }
        assert_eq!(a.count(), 100_000);
        let mut c = LatencyStat::new();
        c.merge(&a);
        assert_eq!(c.quantile_ms(0.99), a.quantile_ms(0.99));
    }

    /// The curve passes through the quantiles `quantile_ms` reports (the same function, one
    /// pass instead of one scan per share), rises, and ends at the exact maximum.
    #[test]
    fn cdf_points_are_the_quantiles_on_an_even_tail_grid() {
        let mut s = LatencyStat::new();
        assert!(s.cdf_ms().is_empty());
        let mut x: u64 = 99;
        for _ in 0..20_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            s.record(1_000 + (x >> 44));
        }
        let c = s.cdf_ms();
        assert_eq!(c.len(), 303);
        let grid: Vec<&(f64, f64)> = c[..302].iter().filter(|p| p.1 != 0.5).collect();
        assert_eq!(grid.len(), 301, "the median is the one point off the grid");
        for (k, &&(_, p)) in grid.iter().enumerate() {
            let y = -(1.0 - p).log10();
            assert!((y - k as f64 / 100.0).abs() < 1e-9, "k {k}: share {p}");
        }
        for &(v, p) in &c[..302] {
            assert_eq!(v.to_bits(), s.quantile_ms(p).to_bits(), "share {p}");
        }
        assert!(c.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 < w[1].1));
        assert_eq!(c[302], (s.max_ms(), 1.0));
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
