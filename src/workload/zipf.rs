//! Zipf key ranks without libm on the hot path: `KeyRanks`, a per-group sampler of ranks
//! `0 .. keys` with P(rank r) proportional to `(r + 1)^-s`.
//!
//! Up to [`TABLE_MAX_KEYS`] keys it is an alias table (Walker / Vose): one uniform index and
//! one 32-bit coin per draw, no floating point at all. The weights `k^-s` are computed once,
//! when the table is built; the table holds 8 bytes per key (at most 2 MiB), and its size is
//! checked against the bound before anything is allocated. Above the bound (the validated
//! key space goes up to 10 million keys) it falls back to `rand_distr::Zipf` (rejection
//! inversion, constant memory, two `pow`-family calls per draw): the same stream as before
//! the table existed.
//!
//! Must not import any other geosim module but `rng`.

use std::sync::Arc;

use rand::RngExt;
use rand_distr::{Distribution, Zipf};

use crate::rng::SimRng;

/// Most keys an alias table covers: 2^18 keys, 8 bytes each (2 MiB per group).
pub const TABLE_MAX_KEYS: u64 = 1 << 18;

/// A sampler of ranks `0 .. keys` for one client group.
#[derive(Clone, Debug)]
pub enum KeyRanks {
    /// Uniform ranks (exponent 0 or a single key).
    Uniform(u64),
    /// An alias table: entry `i` keeps `i` when the coin is below `cut`, else gives `alias`.
    /// Shared (read only) by every group with the same key count and exponent, so a run
    /// holds one table per distinct pair and the draws of all groups hit the same cache lines.
    Table(Arc<[AliasEntry]>),
    /// Key spaces above [`TABLE_MAX_KEYS`]: rejection inversion, constant memory.
    Large(Zipf<f64>, u64),
}

/// One column of an alias table.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct AliasEntry {
    cut: u32,
    alias: u32,
}

impl KeyRanks {
    /// The sampler for `keys` keys (>= 1) and exponent `s` (>= 0, validated).
    pub fn new(keys: u64, s: f64) -> KeyRanks {
        if s <= 0.0 || keys <= 1 {
            KeyRanks::Uniform(keys.max(1))
        } else if keys <= TABLE_MAX_KEYS {
            KeyRanks::Table(alias_table(keys as usize, s).into())
        } else {
            KeyRanks::Large(Zipf::new(keys as f64, s).expect("validated zipf"), keys)
        }
    }

    /// One rank in `0 .. keys`.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> u64 {
        match self {
            KeyRanks::Uniform(n) => rng.random_range(0..*n),
            KeyRanks::Table(t) => {
                let i = rng.random_range(0..t.len());
                let coin: u32 = rng.random();
                let e = t[i];
                if coin < e.cut {
                    i as u64
                } else {
                    e.alias as u64
                }
            }
            KeyRanks::Large(z, n) => (z.sample(rng) as u64).clamp(1, *n) - 1,
        }
    }
}

/// Vose's alias method over weights `(r + 1)^-s`, `r < n <= TABLE_MAX_KEYS`.
fn alias_table(n: usize, s: f64) -> Box<[AliasEntry]> {
    assert!(
        n as u64 <= TABLE_MAX_KEYS,
        "alias table over its memory bound"
    );
    let weights: Vec<f64> = (1..=n).map(|k| (k as f64).powf(-s)).collect();
    let total: f64 = weights.iter().sum();
    // Scaled so that the mean column holds exactly 1.
    let mut q: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
    let mut table = vec![
        AliasEntry {
            cut: u32::MAX,
            alias: 0
        };
        n
    ];
    for (i, e) in table.iter_mut().enumerate() {
        e.alias = i as u32;
    }
    let (mut small, mut large): (Vec<u32>, Vec<u32>) =
        (0..n as u32).partition(|&i| q[i as usize] < 1.0);
    while let (Some(&s_i), Some(&l_i)) = (small.last(), large.last()) {
        small.pop();
        let (si, li) = (s_i as usize, l_i as usize);
        table[si] = AliasEntry {
            cut: to_cut(q[si]),
            alias: l_i,
        };
        q[li] -= 1.0 - q[si];
        if q[li] < 1.0 {
            large.pop();
            small.push(l_i);
        }
    }
    // What is left holds (up to rounding) exactly 1: it keeps itself, as initialised.
    table.into_boxed_slice()
}

/// A probability in [0, 1] as a threshold for a uniform `u32` coin.
fn to_cut(p: f64) -> u32 {
    let c = (p * 4_294_967_296.0).round();
    if c >= u32::MAX as f64 {
        u32::MAX
    } else if c <= 0.0 {
        0
    } else {
        c as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, Stream};
    use statrs::distribution::{ChiSquared, ContinuousCDF};

    /// Pearson's chi-square of `counts` against Zipf's law with exponent `s` (expected
    /// frequencies computed here from `k^-s`), and the 0.999 quantile for its degrees of
    /// freedom.
    fn chi_square(counts: &[u64], s: f64) -> (f64, f64) {
        let n: u64 = counts.iter().sum();
        let h: f64 = (1..=counts.len()).map(|k| (k as f64).powf(-s)).sum();
        let stat: f64 = counts
            .iter()
            .enumerate()
            .map(|(r, &c)| {
                let e = n as f64 * ((r + 1) as f64).powf(-s) / h;
                assert!(e >= 5.0, "bin {r} too small for the test");
                (c as f64 - e).powi(2) / e
            })
            .sum();
        let df = (counts.len() - 1) as f64;
        (stat, ChiSquared::new(df).unwrap().inverse_cdf(0.999))
    }

    fn counts(keys: u64, s: f64, draws: u64) -> Vec<u64> {
        let ranks = KeyRanks::new(keys, s);
        let mut rng = stream(11, Stream::Workload(0));
        let mut c = vec![0u64; keys as usize];
        for _ in 0..draws {
            c[ranks.sample(&mut rng) as usize] += 1;
        }
        c
    }

    #[test]
    fn alias_table_frequencies_follow_zipfs_law() {
        for (keys, s) in [(1000, 0.99), (300, 1.5), (2, 0.5), (4096, 0.6)] {
            let c = counts(keys, s, 2_000_000);
            let (stat, crit) = chi_square(&c, s);
            assert!(
                stat < crit,
                "keys {keys}, s {s}: chi2 {stat:.1} >= {crit:.1}"
            );
        }
    }

    #[test]
    fn chi_square_rejects_a_neighbouring_exponent() {
        // The same draws tested against s = 1.02 instead of 0.99: the test must see it.
        let c = counts(1000, 0.99, 2_000_000);
        let (stat, crit) = chi_square(&c, 1.02);
        assert!(
            stat > crit,
            "chi2 {stat:.1} <= {crit:.1}: the test is too weak"
        );
    }

    #[test]
    fn table_memory_is_bounded_and_large_spaces_fall_back() {
        assert!(
            matches!(KeyRanks::new(TABLE_MAX_KEYS, 1.0), KeyRanks::Table(ref t) if t.len() == 1 << 18)
        );
        assert!(std::mem::size_of::<AliasEntry>() * (TABLE_MAX_KEYS as usize) <= 2 << 20);
        let big = KeyRanks::new(10_000_000, 1.0);
        assert!(matches!(big, KeyRanks::Large(..)));
        let mut rng = stream(3, Stream::Workload(0));
        // P(rank 0) = 1 / H(10^7) = 1 / 16.695 = 0.0599 (harmonic number, closed form).
        let hits = (0..200_000).filter(|_| big.sample(&mut rng) == 0).count();
        let p = hits as f64 / 200_000.0;
        assert!((p - 0.0599).abs() < 0.003, "{p}");
        assert!(matches!(KeyRanks::new(50, 0.0), KeyRanks::Uniform(50)));
        assert!(matches!(KeyRanks::new(1, 2.0), KeyRanks::Uniform(1)));
    }
}
