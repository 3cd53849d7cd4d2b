//! One-way latency distributions: what a link or a region's access network takes to carry a
//! message.
//!
//! Owns `LatencyDist` (constant, uniform, truncated normal, lognormal from p50/p99,
//! exponential, Pareto, weighted mixture, empirical percentiles), sampling it into whole
//! nanoseconds, and its CDF and median (used for routing and for tests of the samplers).
//! Parameters are validated by the scenario module before a `LatencyDist` is built; the
//! constructors here assume valid input.
//!
//! Must not import topology, engine, strategies or scenario types.

use rand::RngExt;
use rand_distr::{Distribution, Exp, Normal, Pareto, StandardNormal};
use statrs::distribution::{ContinuousCDF, Normal as StatNormal};

use crate::rng::SimRng;
use crate::time::ms_to_nanos;

/// The standard normal quantile at 0.99, used to turn a (p50, p99) pair into a lognormal.
pub const Z99: f64 = 2.326_347_874_040_841;

/// A one-way latency distribution, in milliseconds.
#[derive(Clone, Debug)]
pub enum LatencyDist {
    /// Always the same value.
    Constant(f64),
    /// Uniform on `[min, max]`.
    Uniform {
        /// Lower bound (ms).
        min: f64,
        /// Upper bound (ms).
        max: f64,
    },
    /// Normal, truncated at zero (negative draws are redrawn).
    Normal {
        /// Mean before truncation (ms), at least 0.
        mean: f64,
        /// Standard deviation (ms), positive.
        sd: f64,
        /// Sampler.
        dist: Normal<f64>,
    },
    /// Lognormal with the given median and 99th percentile.
    LogNormal {
        /// Median (ms).
        p50: f64,
        /// 99th percentile (ms).
        p99: f64,
        /// Mean of the logarithm: `ln p50`.
        mu: f64,
        /// Standard deviation of the logarithm: `(ln p99 - ln p50) / Z99`, positive.
        sigma: f64,
    },
    /// Exponential with the given mean, shifted right by `offset`.
    Exponential {
        /// Mean of the exponential part (ms).
        mean: f64,
        /// Fixed offset added to every draw (ms).
        offset: f64,
        /// Sampler.
        dist: Exp<f64>,
    },
    /// Pareto (type I) with minimum `scale` and tail index `shape`.
    Pareto {
        /// Minimum value (ms).
        scale: f64,
        /// Tail index.
        shape: f64,
        /// Sampler.
        dist: Pareto<f64>,
    },
    /// A weighted mixture; weights are normalised cumulative probabilities.
    Mixture(Vec<(f64, LatencyDist)>),
    /// Piecewise-linear inverse CDF through (probability in [0, 1], ms) points.
    Empirical(Vec<(f64, f64)>),
}

impl LatencyDist {
    /// A constant latency.
    pub fn constant(ms: f64) -> Self {
        LatencyDist::Constant(ms)
    }
    /// Uniform on `[min, max]`.
    pub fn uniform(min: f64, max: f64) -> Self {
        LatencyDist::Uniform { min, max }
    }
    /// Normal truncated at zero; `sd` must be positive.
    pub fn normal(mean: f64, sd: f64) -> Self {
        LatencyDist::Normal {
            mean,
            sd,
            dist: Normal::new(mean, sd).expect("validated normal"),
        }
    }
    /// Lognormal through `p50` and `p99` (`p99 >= p50 > 0`; equal means constant).
    pub fn lognormal(p50: f64, p99: f64) -> Self {
        if p99 <= p50 {
            return LatencyDist::Constant(p50);
        }
        let sigma = (p99.ln() - p50.ln()) / Z99;
        LatencyDist::LogNormal {
            p50,
            p99,
            mu: p50.ln(),
            sigma,
        }
    }
    /// Exponential with mean `mean` plus a fixed `offset`.
    pub fn exponential(mean: f64, offset: f64) -> Self {
        LatencyDist::Exponential {
            mean,
            offset,
            dist: Exp::new(1.0 / mean).expect("validated exponential"),
        }
    }
    /// Pareto with minimum `scale` and tail index `shape`.
    pub fn pareto(scale: f64, shape: f64) -> Self {
        LatencyDist::Pareto {
            scale,
            shape,
            dist: Pareto::new(scale, shape).expect("validated pareto"),
        }
    }
    /// A mixture of `(weight, dist)`; weights need not sum to one.
    pub fn mixture(parts: Vec<(f64, LatencyDist)>) -> Self {
        let total: f64 = parts.iter().map(|p| p.0).sum();
        let mut acc = 0.0;
        let parts = parts
            .into_iter()
            .map(|(w, d)| {
                acc += w / total;
                (acc, d)
            })
            .collect();
        LatencyDist::Mixture(parts)
    }
    /// An empirical distribution through `(percentile 0..=100, ms)` points, sorted.
    pub fn empirical(points: &[(f64, f64)]) -> Self {
        LatencyDist::Empirical(points.iter().map(|&(p, v)| (p / 100.0, v)).collect())
    }

    /// A distribution through three percentiles (`p50 <= p90 <= p99`, all > 0): lognormal
    /// through `p50` and `p90` below the 90th percentile and through `p90` and `p99` above
    /// it (continuous at p90), tabulated from the 0.01th to the 99.99th percentile as a
    /// piecewise-linear inverse CDF. Equal percentiles give a constant.
    pub fn through_percentiles(p50: f64, p90: f64, p99: f64) -> Self {
        if p99 <= p50 {
            return LatencyDist::Constant(p50);
        }
        let z = |q: f64| {
            StatNormal::new(0.0, 1.0)
                .expect("standard normal")
                .inverse_cdf(q)
        };
        let (z90, z99) = (z(0.9), z(0.99));
        let body = (p90 / p50).ln() / z90;
        let tail = (p99 / p90).ln() / (z99 - z90);
        let at = |q: f64| {
            let zq = z(q);
            if q <= 0.9 {
                p50 * (body * zq).exp()
            } else {
                p90 * (tail * (zq - z90)).exp()
            }
        };
        const QS: [f64; 15] = [
            0.0001, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.97, 0.99, 0.995, 0.999,
            0.9999,
        ];
        let mut points = vec![(0.0, at(QS[0]))];
        points.extend(QS.iter().map(|&q| (q, at(q))));
        points.push((1.0, at(QS[QS.len() - 1])));
        LatencyDist::Empirical(points)
    }

    /// Draws one latency in milliseconds (never negative).
    pub fn sample_ms(&self, rng: &mut SimRng) -> f64 {
        match self {
            LatencyDist::Constant(c) => *c,
            LatencyDist::Uniform { min, max } => {
                if max > min {
                    rng.random_range(*min..*max)
                } else {
                    *min
                }
            }
            LatencyDist::Normal { dist, .. } => loop {
                // mean >= 0 is validated, so at least half of all draws are accepted.
                let x = dist.sample(rng);
                if x >= 0.0 {
                    break x;
                }
            },
            LatencyDist::LogNormal { mu, sigma, .. } => lognormal_ms(*mu, *sigma, rng),
            LatencyDist::Exponential { dist, offset, .. } => offset + dist.sample(rng),
            LatencyDist::Pareto { dist, .. } => dist.sample(rng),
            LatencyDist::Mixture(parts) => {
                let u: f64 = rng.random();
                let idx = parts
                    .iter()
                    .position(|(c, _)| u < *c)
                    .unwrap_or(parts.len() - 1);
                parts[idx].1.sample_ms(rng)
            }
            LatencyDist::Empirical(points) => {
                let u: f64 = rng.random();
                empirical_quantile(points, u)
            }
        }
    }

    /// Draws one latency in whole nanoseconds.
    #[inline]
    pub fn sample_nanos(&self, rng: &mut SimRng) -> u64 {
        if let LatencyDist::Constant(c) = self {
            return ms_to_nanos(*c);
        }
        ms_to_nanos(self.sample_ms(rng))
    }

    /// The parameters `(mu, sigma)` of a lognormal (`sample_nanos` is then
    /// `lognormal_nanos(mu, sigma, rng)`), none for any other distribution.
    pub fn lognormal_params(&self) -> Option<(f64, f64)> {
        match self {
            LatencyDist::LogNormal { mu, sigma, .. } => Some((*mu, *sigma)),
            _ => None,
        }
    }

    /// The value in whole nanoseconds of a constant (drawn without touching the rng), none
    /// for any other distribution.
    pub fn constant_nanos(&self) -> Option<u64> {
        match self {
            LatencyDist::Constant(c) => Some(ms_to_nanos(*c)),
            _ => None,
        }
    }

    /// P(X <= x) for x in milliseconds.
    pub fn cdf(&self, x: f64) -> f64 {
        match self {
            LatencyDist::Constant(c) => {
                if x >= *c {
                    1.0
                } else {
                    0.0
                }
            }
            LatencyDist::Uniform { min, max } => {
                if x < *min {
                    0.0
                } else if x >= *max {
                    1.0
                } else {
                    (x - min) / (max - min)
                }
            }
            LatencyDist::Normal { mean, sd, .. } => {
                if x < 0.0 {
                    return 0.0;
                }
                let n = StatNormal::new(*mean, *sd).expect("validated");
                let f0 = n.cdf(0.0);
                (n.cdf(x) - f0) / (1.0 - f0)
            }
            LatencyDist::LogNormal { p50, p99, .. } => {
                if x <= 0.0 {
                    return 0.0;
                }
                let sigma = (p99.ln() - p50.ln()) / Z99;
                StatNormal::standard().cdf((x.ln() - p50.ln()) / sigma)
            }
            LatencyDist::Exponential { mean, offset, .. } => {
                if x < *offset {
                    0.0
                } else {
                    1.0 - (-(x - offset) / mean).exp()
                }
            }
            LatencyDist::Pareto { scale, shape, .. } => {
                if x < *scale {
                    0.0
                } else {
                    1.0 - (scale / x).powf(*shape)
                }
            }
            LatencyDist::Mixture(parts) => {
                let mut prev = 0.0;
                let mut f = 0.0;
                for (c, d) in parts {
                    f += (c - prev) * d.cdf(x);
                    prev = *c;
                }
                f
            }
            LatencyDist::Empirical(points) => empirical_cdf(points, x),
        }
    }

    /// The quantile at probability `q` in (0, 1), in milliseconds.
    pub fn quantile(&self, q: f64) -> f64 {
        match self {
            LatencyDist::Constant(c) => *c,
            LatencyDist::Uniform { min, max } => min + q * (max - min),
            LatencyDist::LogNormal { p50, p99, .. } => {
                let sigma = (p99.ln() - p50.ln()) / Z99;
                (p50.ln() + sigma * StatNormal::standard().inverse_cdf(q)).exp()
            }
            LatencyDist::Exponential { mean, offset, .. } => offset - mean * (1.0 - q).ln(),
            LatencyDist::Pareto { scale, shape, .. } => scale / (1.0 - q).powf(1.0 / shape),
            LatencyDist::Empirical(points) => empirical_quantile(points, q),
            LatencyDist::Normal { .. } | LatencyDist::Mixture(_) => {
                // No closed form worth keeping: bisect the CDF.
                let (mut lo, mut hi) = (0.0f64, 1.0f64);
                while self.cdf(hi) < q && hi < 1e12 {
                    hi *= 2.0;
                }
                for _ in 0..200 {
                    let mid = 0.5 * (lo + hi);
                    if self.cdf(mid) < q {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                hi
            }
        }
    }

    /// The median in milliseconds (routes are chosen on medians).
    pub fn median_ms(&self) -> f64 {
        self.quantile(0.5)
    }

    /// The smallest value the distribution can produce, in milliseconds.
    pub fn min_ms(&self) -> f64 {
        match self {
            LatencyDist::Constant(c) => *c,
            LatencyDist::Uniform { min, .. } => *min,
            LatencyDist::Normal { .. } | LatencyDist::LogNormal { .. } => 0.0,
            LatencyDist::Exponential { offset, .. } => *offset,
            LatencyDist::Pareto { scale, .. } => *scale,
            LatencyDist::Mixture(parts) => parts
                .iter()
                .map(|p| p.1.min_ms())
                .fold(f64::INFINITY, f64::min),
            LatencyDist::Empirical(points) => points[0].1,
        }
    }
}

/// One lognormal draw in ms: `exp(mu + sigma z)` with `z` from rand_distr's `StandardNormal`
/// (ziggurat), the same draws and the same arithmetic as `rand_distr::LogNormal::new(mu,
/// sigma).sample(rng)` (`Normal::from_zscore` then `exp`), so bit for bit the same value.
#[inline]
pub fn lognormal_ms(mu: f64, sigma: f64, rng: &mut SimRng) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    (mu + sigma * z).exp()
}

/// One lognormal draw in whole nanoseconds (`lognormal_ms`, rounded as `ms_to_nanos`): the
/// hot path of every sampled access leg and derived WAN hop.
#[inline(always)]
pub fn lognormal_nanos(mu: f64, sigma: f64, rng: &mut SimRng) -> u64 {
    ms_to_nanos(lognormal_ms(mu, sigma, rng))
}

fn empirical_quantile(points: &[(f64, f64)], u: f64) -> f64 {
    if u <= points[0].0 {
        return points[0].1;
    }
    for w in points.windows(2) {
        let ((p0, v0), (p1, v1)) = (w[0], w[1]);
        if u <= p1 {
            if p1 <= p0 {
                return v1;
            }
            return v0 + (v1 - v0) * (u - p0) / (p1 - p0);
        }
    }
    points[points.len() - 1].1
}

fn empirical_cdf(points: &[(f64, f64)], x: f64) -> f64 {
    if x < points[0].1 {
        return 0.0;
    }
    for w in points.windows(2) {
        let ((p0, v0), (p1, v1)) = (w[0], w[1]);
        if x < v1 {
            if v1 <= v0 {
                return p1;
            }
            return p0 + (p1 - p0) * (x - v0) / (v1 - v0);
        }
    }
    1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Passes exactly through its three percentiles; the body is the lognormal through p50
    /// and p90 (its 25th percentile: p50 x exp(sigma z25), sigma = ln(p90 / p50) / z90, by
    /// hand); monotone.
    #[test]
    fn through_percentiles_hits_them() {
        let d = LatencyDist::through_percentiles(40.0, 44.0, 60.0);
        assert!((d.quantile(0.5) - 40.0).abs() < 1e-9);
        assert!((d.quantile(0.9) - 44.0).abs() < 1e-9);
        assert!((d.quantile(0.99) - 60.0).abs() < 1e-9);
        let sigma = (1.1f64).ln() / 1.281_551_565_544_600_5;
        let p25 = 40.0 * (sigma * -0.674_489_750_196_081_7).exp();
        assert!(
            (d.quantile(0.25) - p25).abs() < 1e-6,
            "{}",
            d.quantile(0.25)
        );
        let qs: Vec<f64> = (0..=100).map(|i| d.quantile(i as f64 / 100.0)).collect();
        assert!(qs.windows(2).all(|w| w[1] >= w[0]));
        assert!(matches!(
            LatencyDist::through_percentiles(5.0, 5.0, 5.0),
            LatencyDist::Constant(_)
        ));
    }
    use crate::rng::{stream, Stream};

    /// Kolmogorov-Smirnov distance between `n` samples and the distribution's own CDF.
    fn ks(d: &LatencyDist, n: usize) -> f64 {
        let mut rng = stream(11, Stream::Network(0, 1));
        let mut xs: Vec<f64> = (0..n).map(|_| d.sample_ms(&mut rng)).collect();
        xs.sort_by(f64::total_cmp);
        let mut worst = 0.0f64;
        for (i, x) in xs.iter().enumerate() {
            let f = d.cdf(*x);
            worst = worst
                .max((f - i as f64 / n as f64).abs())
                .max((f - (i + 1) as f64 / n as f64).abs());
        }
        worst
    }

    #[test]
    fn samplers_match_their_cdfs() {
        // Critical KS value at alpha = 0.001 for n = 20000 is 1.95 / sqrt(n) = 0.0138.
        let crit = 1.95 / (20000f64).sqrt();
        let dists = [
            LatencyDist::uniform(10.0, 30.0),
            LatencyDist::normal(5.0, 4.0),
            LatencyDist::lognormal(40.0, 90.0),
            LatencyDist::exponential(20.0, 3.0),
            LatencyDist::pareto(10.0, 2.5),
            LatencyDist::empirical(&[(0.0, 10.0), (50.0, 20.0), (99.0, 80.0), (100.0, 200.0)]),
            LatencyDist::mixture(vec![
                (0.9, LatencyDist::lognormal(30.0, 40.0)),
                (0.1, LatencyDist::uniform(100.0, 300.0)),
            ]),
        ];
        for d in &dists {
            let k = ks(d, 20000);
            assert!(k < crit, "{d:?}: KS distance {k} >= {crit}");
        }
    }

    /// The inline lognormal is rand_distr's `LogNormal` bit for bit, draw for draw (the rng
    /// streams stay in step), on narrow and wide shapes.
    #[test]
    fn inline_lognormal_is_rand_distrs() {
        use rand::RngExt;
        for (p50, p99) in [(1.5, 6.135), (40.0, 90.0), (0.01, 500.0), (180.0, 181.0)] {
            let d = LatencyDist::lognormal(p50, p99);
            let (mu, sigma) = d.lognormal_params().expect("lognormal");
            let reference = rand_distr::LogNormal::new(mu, sigma).expect("valid");
            let mut a = stream(5, Stream::Network(2, 3));
            let mut b = stream(5, Stream::Network(2, 3));
            for _ in 0..200_000 {
                let x = d.sample_ms(&mut a);
                let y: f64 = reference.sample(&mut b);
                assert_eq!(x.to_bits(), y.to_bits(), "{p50} {p99}");
            }
            assert_eq!(a.random::<u64>(), b.random::<u64>());
            let mut c = stream(6, Stream::Access(1));
            let mut e = stream(6, Stream::Access(1));
            for _ in 0..10_000 {
                assert_eq!(d.sample_nanos(&mut c), lognormal_nanos(mu, sigma, &mut e));
            }
        }
    }

    #[test]
    fn lognormal_hits_its_percentiles() {
        let d = LatencyDist::lognormal(40.0, 90.0);
        assert!((d.quantile(0.5) - 40.0).abs() < 1e-9);
        assert!((d.quantile(0.99) - 90.0).abs() < 1e-6);
        assert!((d.cdf(90.0) - 0.99).abs() < 1e-9);
    }

    #[test]
    fn medians_are_closed_forms() {
        assert!((LatencyDist::exponential(10.0, 0.0).median_ms() - 10.0 * 2f64.ln()).abs() < 1e-9);
        assert!((LatencyDist::pareto(10.0, 1.0).median_ms() - 20.0).abs() < 1e-9);
        assert!((LatencyDist::uniform(2.0, 4.0).median_ms() - 3.0).abs() < 1e-12);
        // Truncation at 0 moves the median of N(0, 1) to the median of a half-normal: 0.6745.
        assert!((LatencyDist::normal(0.0, 1.0).median_ms() - 0.674_489_75).abs() < 1e-6);
        let m = LatencyDist::mixture(vec![
            (1.0, LatencyDist::constant(1.0)),
            (3.0, LatencyDist::uniform(2.0, 4.0)),
        ]);
        // 0.25 + 0.75 (x - 2) / 2 = 0.5 at x = 2 + 2/3.
        assert!((m.median_ms() - 8.0 / 3.0).abs() < 1e-6);
    }

    #[test]
    fn normal_truncation_never_negative() {
        let d = LatencyDist::normal(0.0, 10.0);
        let mut rng = stream(1, Stream::Access(0));
        assert!((0..10000).all(|_| d.sample_ms(&mut rng) >= 0.0));
    }
}
