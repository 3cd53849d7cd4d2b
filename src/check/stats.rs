//! The statistical mode of `geosim check`: Welch's t-test of a sweep row's replicas against
//! the baseline's, one-sided in the metric's bad direction, against its tolerance.
//!
//! Owns `Sample` (n, mean, sample standard deviation), `Welch` (the test's figures), `welch`
//! and `paired` (the paired t-test of runs that share their seeds, `check --seeds`: common
//! random numbers, so the seed noise common to both sides cancels in each difference). A row regresses when the one-sided lower confidence bound (level 1 - alpha) of
//! how much worse it got exceeds the tolerance; equivalently when the two-sided (1 - 2 alpha)
//! confidence interval of the difference of means lies wholly beyond the tolerance on the bad
//! side. With zero tolerance and equal distributions it fails with probability alpha.
//!
//! Must not import anything of geosim but the check's own types.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::{Direction, Verdict};

/// The replicas of one sweep row, as summarised in `sweep.json` (`n`, `mean`, `std`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Number of values.
    pub n: usize,
    /// Their mean.
    pub mean: f64,
    /// Their sample standard deviation (n - 1 in the denominator).
    pub std: f64,
}

/// The figures of one Welch test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Welch {
    /// The baseline's sample.
    pub baseline: Sample,
    /// The current sample.
    pub current: Sample,
    /// Difference of means, current - baseline.
    pub diff: f64,
    /// Standard error of the difference: sqrt(s_b^2 / n_b + s_c^2 / n_c).
    pub se: f64,
    /// Welch-Satterthwaite degrees of freedom.
    pub df: f64,
    /// The tolerance the worsening is tested against (metric units, >= 0).
    pub tolerance: f64,
    /// t statistic of (worsening - tolerance) / se.
    pub t: f64,
    /// One-sided p-value: the probability of a t at least this large if the metric got worse
    /// by exactly the tolerance.
    pub p: f64,
    /// Significance level of this test.
    pub alpha: f64,
    /// Lower end of the two-sided (1 - 2 alpha) confidence interval of `diff`.
    pub low: f64,
    /// Upper end of that interval.
    pub high: f64,
    /// A paired test (differences of runs under the same seed; `df` = pairs - 1) rather than
    /// Welch's.
    pub paired: bool,
}

impl Welch {
    /// Worse when significant at `alpha`; otherwise better (mean moved the good way) or within.
    pub fn verdict(&self) -> Verdict {
        if self.p < self.alpha {
            Verdict::Worse
        } else if self.t * self.se + self.tolerance <= 0.0 {
            Verdict::Better
        } else {
            Verdict::Within
        }
    }
}

/// Welch's test of `current` against `baseline` for a metric that gets worse in `direction`
/// (`Lower`: when it grows; `Higher`: when it falls), against `tolerance`. `None` when it
/// cannot be computed: fewer than 2 values on a side, an informational metric, or no spread
/// on either side (then the means are compared exactly).
pub fn welch(
    baseline: Sample,
    current: Sample,
    direction: Direction,
    tolerance: f64,
    alpha: f64,
) -> Option<Welch> {
    if baseline.n < 2 || current.n < 2 || direction == Direction::Info {
        return None;
    }
    let vb = baseline.std * baseline.std / baseline.n as f64;
    let vc = current.std * current.std / current.n as f64;
    let se = (vb + vc).sqrt();
    if se <= 0.0 || !se.is_finite() {
        return None;
    }
    let df =
        (vb + vc).powi(2) / (vb * vb / (baseline.n - 1) as f64 + vc * vc / (current.n - 1) as f64);
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    let diff = current.mean - baseline.mean;
    let worse_by = if direction == Direction::Lower {
        diff
    } else {
        -diff
    };
    let t = (worse_by - tolerance) / se;
    let q = dist.inverse_cdf(1.0 - alpha);
    Some(Welch {
        baseline,
        current,
        diff,
        se,
        df,
        tolerance,
        t,
        p: dist.sf(t),
        alpha,
        low: diff - q * se,
        high: diff + q * se,
        paired: false,
    })
}

/// Mean and sample standard deviation (n - 1 in the denominator) of `v`.
pub fn sample(v: &[f64]) -> Sample {
    let n = v.len();
    let mean = v.iter().sum::<f64>() / n.max(1) as f64;
    let var = if n < 2 {
        0.0
    } else {
        v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64
    };
    Sample {
        n,
        mean,
        std: var.sqrt(),
    }
}

/// The paired t-test of `current[i]` against `baseline[i]` (the same seed `i` on both sides)
/// for a metric that gets worse in `direction`, against `tolerance`: on the differences
/// `d_i = current_i - baseline_i`, `se = s_d / sqrt(n)`, `df = n - 1`, the interval
/// `mean(d) -/+ t(1 - alpha, n - 1) x se`. `None` when it cannot be computed: fewer than 2
/// pairs, different lengths, an informational metric, or differences without spread (then
/// the means are compared exactly).
pub fn paired(
    baseline: &[f64],
    current: &[f64],
    direction: Direction,
    tolerance: f64,
    alpha: f64,
) -> Option<Welch> {
    let n = baseline.len();
    if n < 2 || current.len() != n || direction == Direction::Info {
        return None;
    }
    let d: Vec<f64> = current.iter().zip(baseline).map(|(c, b)| c - b).collect();
    let ds = sample(&d);
    let se = ds.std / (n as f64).sqrt();
    if se <= 0.0 || !se.is_finite() {
        return None;
    }
    let df = (n - 1) as f64;
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    let worse_by = if direction == Direction::Lower {
        ds.mean
    } else {
        -ds.mean
    };
    let t = (worse_by - tolerance) / se;
    let q = dist.inverse_cdf(1.0 - alpha);
    Some(Welch {
        baseline: sample(baseline),
        current: sample(current),
        diff: ds.mean,
        se,
        df,
        tolerance,
        t,
        p: dist.sf(t),
        alpha,
        low: ds.mean - q * se,
        high: ds.mean + q * se,
        paired: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_hand_computation() {
        // Baseline n = 5, mean 10, s = 1; current n = 10, mean 12, s = 2.
        // vb = 1/5 = 0.2, vc = 4/10 = 0.4, se = sqrt(0.6) = 0.774597.
        // df = 0.36 / (0.04/4 + 0.16/9) = 0.36 / 0.0277778 = 12.96.
        // t = 2 / 0.774597 = 2.581989; t(0.99, 12.96) ~ 2.651 > t > t(0.975, 13) = 2.160.
        let b = Sample {
            n: 5,
            mean: 10.0,
            std: 1.0,
        };
        let c = Sample {
            n: 10,
            mean: 12.0,
            std: 2.0,
        };
        let w = welch(b, c, Direction::Lower, 0.0, 0.05).unwrap();
        assert!((w.se - 0.774_596_669).abs() < 1e-6, "{}", w.se);
        assert!((w.df - 12.96).abs() < 1e-9, "{}", w.df);
        assert!((w.t - 2.581_988_897).abs() < 1e-6, "{}", w.t);
        assert!(w.p > 0.01 && w.p < 0.025, "{}", w.p);
        assert_eq!(w.verdict(), Verdict::Worse);
        // At alpha = 1 % it is not significant; higher-is-better sees an improvement.
        assert_eq!(
            welch(b, c, Direction::Lower, 0.0, 0.01).unwrap().verdict(),
            Verdict::Within
        );
        assert_eq!(
            welch(b, c, Direction::Higher, 0.0, 0.05).unwrap().verdict(),
            Verdict::Better
        );
        // A tolerance of 2 (the whole difference) makes it pass.
        assert_eq!(
            welch(b, c, Direction::Lower, 2.0, 0.05).unwrap().verdict(),
            Verdict::Within
        );
        // No spread, one value, or an informational metric: no test.
        let flat = Sample { std: 0.0, ..b };
        assert!(welch(flat, flat, Direction::Lower, 0.0, 0.05).is_none());
        assert!(welch(Sample { n: 1, ..b }, c, Direction::Lower, 0.0, 0.05).is_none());
        assert!(welch(b, c, Direction::Info, 0.0, 0.05).is_none());
    }
}
