//! Streaming latency distributions: `LatencyStat` (HDR-histogram bins in ns, 3 significant
//! digits, plus an exact sum and max; the coarse one of timelines is `coarse`). Memory
//! follows the range of values actually recorded, whatever the number of values.
//!
//! Must not import any other geosim module but `time`.

use std::borrow::Cow;

use crate::time::nanos_to_ms;

/// Largest value a latency histogram resolves (one simulated day, in ns); larger values are
/// recorded in the last bin of a one-day HDR histogram and still counted exactly in the mean
/// and max.
const HIST_MAX_NS: u64 = 86_400 * 1_000_000_000;

/// Points per decade of the tail scale in `LatencyStat::cdf_ms`.
pub const CDF_STEPS_PER_DECADE: u32 = 100;
/// Decades of the tail scale `LatencyStat::cdf_ms` covers below the maximum (to p99.9).
pub const CDF_DECADES: u32 = 3;

/// Bins per page: half a bucket of a 3-significant-digit HDR histogram (one octave of values
/// above 2048 ns; the first two pages hold 0..2048 one ns apiece).
const PAGE: usize = 1024;
/// log2 of `PAGE`: HDR's `sub_bucket_half_count_magnitude` for 3 significant digits.
const PAGE_BITS: u32 = 10;
/// HDR's `leading_zero_count_base` for a lowest value of 1 and 3 significant digits: 64 minus
/// the 11 bits of the 2048 sub-buckets.
const LZ_BASE: u32 = 53;
/// HDR's `sub_bucket_mask`: 2048 sub-buckets of 1 ns.
const SUB_MASK: u64 = 2 * PAGE as u64 - 1;

/// The HDR counts index of `v` (>= 1) in a histogram with lowest value 1 and 3 significant
/// digits (the same index as `hdrhistogram`'s, whatever its upper bound).
const fn raw_bin(v: u64) -> usize {
    let bucket = LZ_BASE - (v | SUB_MASK).leading_zeros();
    let sub = (v >> bucket) as usize;
    ((bucket as usize + 1) << PAGE_BITS) + sub - PAGE
}

/// The bin of `v` (>= 1) in a one-day histogram: its HDR index, or for a value past the
/// histogram's last bin the bin of one day (where `hdrhistogram`'s `saturating_record` puts
/// it: at the highest trackable value).
#[inline(always)]
fn bin(v: u64) -> usize {
    let i = raw_bin(v);
    if i > LAST_BIN {
        CLAMP_BIN
    } else {
        i
    }
}

/// Where values past the last bin go: the bin of one day.
const CLAMP_BIN: usize = raw_bin(HIST_MAX_NS);

/// The smallest value of bin `i` (HDR's `value_for`).
fn bin_value(i: usize) -> u64 {
    let page = i >> PAGE_BITS;
    let sub = (i & (PAGE - 1)) as u64;
    if page == 0 {
        sub
    } else {
        (sub + PAGE as u64) << (page - 1)
    }
}

/// The last bin of a one-day histogram: HDR sizes its counts to whole buckets, the highest
/// one holding `HIST_MAX_NS` (bucket 36: 2^46 <= 8.64e13 < 2^47, bucket b >= 1 holding
/// [2^(10+b), 2^(11+b))), so the last index is that bucket's last sub-bucket (checked against
/// `hdrhistogram` in the tests).
const LAST_BIN: usize = (36 + 2) * PAGE - 1;

/// One page of bin counts: 32-bit until a bin would overflow, then 64-bit.
#[derive(Clone, Debug)]
enum Page {
    Narrow(Box<[u32; PAGE]>),
    Wide(Box<[u64; PAGE]>),
}

impl Page {
    fn count(&self, i: usize) -> u64 {
        match self {
            Page::Narrow(c) => c[i] as u64,
            Page::Wide(c) => c[i],
        }
    }

    /// Adds `n` to bin `i`, widening the page when a 32-bit count would overflow.
    fn add(&mut self, i: usize, n: u64) {
        if let Page::Narrow(c) = self {
            match u32::try_from(c[i] as u64 + n) {
                Ok(v) => {
                    c[i] = v;
                    return;
                }
                Err(_) => *self = Page::Wide(Box::new(c.map(u64::from))),
            }
        }
        if let Page::Wide(c) = self {
            c[i] = c[i].saturating_add(n);
        }
    }

    fn bytes(&self) -> usize {
        match self {
            Page::Narrow(_) => PAGE * 4,
            Page::Wide(_) => PAGE * 8,
        }
    }
}

/// Values a `LatencyStat` holds back (as bin indices) before counting them in their bins.
const PENDING: usize = 256;

/// A streaming latency distribution.
///
/// The bins are exactly those of a 3-significant-digit HDR histogram with lowest value 1 ns
/// (whose bins do not depend on its upper bound), kept in pages of 1024 bins (one octave)
/// allocated at their first value: a distribution holds only the octaves it has values in,
/// 4 bytes a bin. Quantiles are read from the bins the way `hdrhistogram` reads its counts
/// (`values_at`), so they are the library's, bit for bit (tested against an `hdrhistogram`
/// rebuilt from the bins), without building one.
///
/// The bin of each value is kept in a buffer of `PENDING` and counted when the buffer is full
/// (or when the bins are read): a run of independent increments lets the processor wait for
/// many cache misses at once, where one increment per value waits for each in turn. Counts
/// add up, so the bins are the same whatever the order.
#[derive(Clone, Debug)]
pub struct LatencyStat {
    pages: Vec<Option<Page>>,
    /// Bins of the values recorded but not yet counted in `pages` (at most `PENDING`).
    pending: Vec<u32>,
    count: u64,
    sum_ns: u128,
    max_ns: u64,
}

impl Default for LatencyStat {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyStat {
    /// An empty distribution (3 significant digits).
    pub fn new() -> Self {
        LatencyStat {
            pages: Vec::new(),
            pending: Vec::new(),
            count: 0,
            sum_ns: 0,
            max_ns: 0,
        }
    }

    /// Records one value in ns.
    #[inline]
    pub fn record(&mut self, ns: u64) {
        if self.pending.len() == self.pending.capacity() {
            self.make_room();
        }
        // A bin index is below 2^16 (`LAST_BIN`).
        self.pending.push(bin(ns.max(1)) as u32);
        self.count += 1;
        self.sum_ns += ns as u128;
        self.max_ns = self.max_ns.max(ns);
    }

    /// Counts the pending values when the buffer is full; allocates it on first use.
    #[cold]
    #[inline(never)]
    fn make_room(&mut self) {
        if self.pending.capacity() == 0 {
            self.pending.reserve_exact(PENDING);
        } else {
            self.flush();
        }
    }

    /// Counts the pending values in their bins.
    fn flush(&mut self) {
        let mut pending = std::mem::take(&mut self.pending);
        for &i in &pending {
            let i = i as usize;
            let (p, s) = (i >> PAGE_BITS, i & (PAGE - 1));
            match self.pages.get_mut(p) {
                Some(Some(Page::Narrow(c))) if c[s] < u32::MAX => c[s] += 1,
                _ => self.add_slow(p, s, 1),
            }
        }
        pending.clear();
        self.pending = pending;
    }

    /// This distribution with every pending value counted in its bin.
    fn settled(&self) -> Cow<'_, LatencyStat> {
        if self.pending.is_empty() {
            Cow::Borrowed(self)
        } else {
            let mut s = self.clone();
            s.flush();
            Cow::Owned(s)
        }
    }

    /// Adds `n` to bin `s` of page `p`, allocating the page first if needed.
    #[cold]
    fn add_slow(&mut self, p: usize, s: usize, n: u64) {
        if self.pages.len() <= p {
            self.pages.resize_with(p + 1, || None);
        }
        self.pages[p]
            .get_or_insert_with(|| Page::Narrow(Box::new([0; PAGE])))
            .add(s, n);
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Exact mean in ms (0 when empty).
    pub fn mean_ms(&self) -> f64 {
        if self.count() == 0 {
            return 0.0;
        }
        self.sum_ns as f64 / self.count() as f64 / 1e6
    }

    /// The non-empty bins, in order, with their counts (pending values not included: see
    /// `settled`).
    fn bins(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        self.pages.iter().enumerate().flat_map(|(p, page)| {
            page.iter().flat_map(move |page| {
                (0..PAGE).filter_map(move |s| {
                    let c = page.count(s);
                    (c > 0).then_some(((p << PAGE_BITS) + s, c))
                })
            })
        })
    }

    /// The values at the quantiles `qs` (ascending; the walk stops at the first one below its
    /// predecessor), in ns: exactly what `hdrhistogram`'s `value_at_quantiles` returns for an
    /// `hdrhistogram` holding these bins (`to_hdr`), read from the bins in one pass without
    /// building one (its one-day counts are 300 KB to clear and fill per quantile). Each is
    /// the highest value of the first bin at which the running count reaches `ceil(q * n)`
    /// (at least 1; `q` clamped to [0, 1]), or the bin's lowest value for `q == 0`. A value
    /// of bin 0 counts in bin 1, as `to_hdr` records it at 1.
    fn values_at(&self, qs: impl IntoIterator<Item = f64>) -> Vec<u64> {
        let settled = self.settled();
        let total = settled.bins().fold(0u64, |t, (_, c)| t.saturating_add(c));
        let mut bins = settled.bins().map(|(i, c)| (i.max(1), c));
        let (mut reached, mut at) = (0u64, 1usize);
        let mut out = Vec::new();
        let mut previous: Option<f64> = None;
        for q in qs {
            if previous.is_some_and(|p| p > q) {
                break;
            }
            previous = Some(q);
            let target = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
            while reached < target {
                let Some((i, c)) = bins.next() else {
                    break;
                };
                at = i;
                reached = reached.saturating_add(c);
            }
            if reached < target {
                // Only when empty (the target is at most the total): the library's 0.
                out.push(0);
                continue;
            }
            let low = bin_value(at);
            out.push(if q == 0.0 {
                low
            } else {
                // HDR's highest equivalent value: the bin's lowest plus its width, minus 1.
                let bucket = LZ_BASE - (low | SUB_MASK).leading_zeros();
                low.saturating_add(1 << bucket) - 1
            });
        }
        out
    }

    /// The value at quantile `q` in ms (0 when empty), within 0.1 %.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        // `hdrhistogram`'s `value_at_quantile` is its `value_at_quantiles` of `q` alone.
        let v = self.values_at([q]).first().copied().unwrap_or(0);
        nanos_to_ms(v.min(self.max_ns))
    }

    /// The distribution as points (value in ms, share of values at or below it) for a CDF
    /// drawn on the tail scale `-log10(1 - p)`: the value at each share
    /// `p = 1 - 10^(-k / CDF_STEPS_PER_DECADE)`, `k = 0..=CDF_DECADES * CDF_STEPS_PER_DECADE`
    /// (evenly spaced on the tail scale, from the minimum to p99.9) and 0.5, each the value
    /// `quantile_ms` gives, then the exact maximum at share 1. One pass over the histogram,
    /// whatever the number of values; empty when there is none.
    pub fn cdf_ms(&self) -> Vec<(f64, f64)> {
        if self.count == 0 {
            return Vec::new();
        }
        let steps = CDF_DECADES * CDF_STEPS_PER_DECADE;
        let mut shares: Vec<f64> = (0..=steps)
            .map(|k| 1.0 - 10f64.powf(-(k as f64) / CDF_STEPS_PER_DECADE as f64))
            .collect();
        // The median too, so that the curve passes through the reported p50.
        let at = shares.partition_point(|&p| p < 0.5);
        if shares.get(at) != Some(&0.5) {
            shares.insert(at, 0.5);
        }
        let mut out: Vec<(f64, f64)> = self
            .values_at(shares.iter().copied())
            .into_iter()
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
        for (i, c) in other.settled().bins() {
            self.add_slow(i >> PAGE_BITS, i & (PAGE - 1), c);
        }
        self.count += other.count;
        self.sum_ns += other.sum_ns;
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// Bytes of counters held once the pending values are counted (0 when empty; the buffer
    /// of pending values, at most 1 KiB, is not counted).
    pub fn heap_bytes(&self) -> usize {
        self.settled().pages.iter().flatten().map(Page::bytes).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdrhistogram::Histogram;

    /// The same values in an `hdrhistogram` (one day range; each bin's count at its lowest
    /// value, which lands in the same bin): the reference the quantiles are tested against.
    fn to_hdr(s: &LatencyStat) -> Histogram<u64> {
        let mut h = Histogram::new_with_bounds(1, HIST_MAX_NS, 3).expect("valid bounds");
        for (i, c) in s.settled().bins() {
            h.record_n(bin_value(i).max(1), c)
                .expect("within the histogram's range");
        }
        h
    }

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

    /// Against a fixed-range histogram over one day built here directly with hdrhistogram:
    /// the same quantiles, bit for bit, whatever the order of paging and merging; and far less
    /// memory for small ranges.
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
        assert!(small.heap_bytes() * 64 < fixed.distinct_values() * 8);
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

    /// Read from the bins, the quantiles are `hdrhistogram`'s of the same bins (`to_hdr`), one
    /// at a time and in one pass, bit for bit: edge shares (0, -0, negative, 1, above 1, NaN),
    /// values in bin 0 and past a day, a single value, many pages.
    #[test]
    fn quantiles_from_the_bins_are_the_librarys() {
        let shares = [
            f64::NAN,
            -1.0,
            -0.0,
            0.0,
            1e-9,
            0.001,
            0.25,
            0.5,
            0.5,
            0.9,
            0.99,
            0.999_999,
            1.0,
            1.5,
        ];
        let mut x: u64 = 4242;
        let mut cases = vec![LatencyStat::new(), LatencyStat::new(), LatencyStat::new()];
        cases[0].record(7_654_321);
        for i in 0..50_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cases[1].record(match i % 50 {
                0 => 0,
                1 => u64::MAX,
                _ => x >> (x % 48),
            });
            cases[2].record(1_000_000 + (x >> 44));
        }
        // A value in bin 0 (only a merge could put one there): `to_hdr` records it at 1.
        let mut zero = LatencyStat::new();
        zero.add_slow(0, 0, 3);
        zero.count = 3;
        zero.add_slow(0, 5, 1);
        zero.count += 1;
        cases.push(zero);
        for s in &cases {
            let h = to_hdr(s);
            for &q in &shares {
                assert_eq!(s.values_at([q]), [h.value_at_quantile(q)], "q {q}");
            }
            let sorted = &shares[2..];
            let want: Vec<u64> = h.value_at_quantiles(sorted.iter().copied()).collect();
            assert_eq!(s.values_at(sorted.iter().copied()), want);
            // Out of order: both stop at the first share below its predecessor.
            let want: Vec<u64> = h.value_at_quantiles([0.5, 0.9, 0.1, 0.99]).collect();
            assert_eq!(s.values_at([0.5, 0.9, 0.1, 0.99]), want);
            assert_eq!(want.len(), 2);
        }
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

    /// The bins are hdrhistogram's: every value's bin starts at the library's lowest
    /// equivalent value, and the last bin is the last of the library's one-day counts.
    #[test]
    fn bins_are_hdrhistograms() {
        let fixed = Histogram::<u64>::new_with_bounds(1, HIST_MAX_NS, 3).unwrap();
        assert_eq!(LAST_BIN, fixed.distinct_values() - 1);
        let mut x: u64 = 99;
        let mut values: Vec<u64> = (1..5000)
            .chain([HIST_MAX_NS, 1 << 46, (1 << 46) - 1])
            .collect();
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push((x >> (x % 64)).clamp(1, HIST_MAX_NS));
        }
        for v in values {
            assert_eq!(bin_value(bin(v)), fixed.lowest_equivalent(v), "{v}");
        }
        // Beyond the range: the last bin (where `saturating_record` puts it).
        let mut h = fixed.clone();
        h.saturating_record(u64::MAX);
        let mut s = LatencyStat::new();
        s.record(u64::MAX);
        assert_eq!(bin(u64::MAX), CLAMP_BIN);
        assert_eq!(bin((1 << 47) - 1), LAST_BIN);
        assert_eq!(to_hdr(&s).value_at_quantile(0.5), h.value_at_quantile(0.5));
    }

    /// A bin past 2^32 values widens its page to 64-bit counts and keeps counting.
    #[test]
    fn pages_widen_before_a_count_overflows() {
        let mut s = LatencyStat::new();
        s.record(5_000_000);
        let i = bin(5_000_000);
        s.add_slow(i >> PAGE_BITS, i & (PAGE - 1), u32::MAX as u64);
        s.record(5_000_000);
        s.record(7_000_000);
        assert_eq!(
            s.settled().bins().collect::<Vec<_>>(),
            [(i, u32::MAX as u64 + 2), (bin(7_000_000), 1)]
        );
        assert_eq!(s.heap_bytes(), PAGE * 8);
    }
}
