//! Statistics over a point's replicas: mean, sample standard deviation, Student-t 95 %
//! confidence interval of the mean, minimum and maximum.
//!
//! Sums run in replica order, so the result is the same whatever order the runs finished in.
//!
//! Must not import anything of geosim.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Summary of one metric over the replicas of one point and strategy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Number of values.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (n - 1 in the denominator; 0 when n = 1).
    pub std: f64,
    /// Lower end of the 95 % confidence interval of the mean (the mean when n = 1).
    pub ci95_low: f64,
    /// Upper end of the 95 % confidence interval of the mean (the mean when n = 1).
    pub ci95_high: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

/// The two-sided 95 % quantile of Student's t with `dof` degrees of freedom (>= 1).
pub fn t975(dof: usize) -> f64 {
    StudentsT::new(0.0, 1.0, dof as f64)
        .expect("positive degrees of freedom")
        .inverse_cdf(0.975)
}

/// Summarises `values`; `None` when there are none.
pub fn summarize(values: &[f64]) -> Option<Summary> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (std, half) = if n == 1 {
        (0.0, 0.0)
    } else {
        let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
        let std = (ss / (n - 1) as f64).sqrt();
        (std, t975(n - 1) * std / (n as f64).sqrt())
    };
    Some(Summary {
        n,
        mean,
        std,
        ci95_low: mean - half,
        ci95_high: mean + half,
        min,
        max,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() < tol, "{a} vs {b}");
    }

    #[test]
    fn matches_a_hand_computation() {
        // [1, 2, 3, 4]: mean 2.5, sd = sqrt(5/3) = 1.290994, t(0.975, 3) = 3.182446,
        // half-width = 3.182446 * 1.290994 / 2 = 2.054260.
        let s = summarize(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(s.n, 4);
        close(s.mean, 2.5, 1e-12);
        close(s.std, 1.290_994_448_7, 1e-9);
        close(t975(3), 3.182_446_305_3, 1e-6);
        close(s.ci95_high - s.mean, 2.054_260, 1e-5);
        close(s.ci95_low, 2.5 - 2.054_260, 1e-5);
        assert_eq!((s.min, s.max), (1.0, 4.0));
        // Tabulated quantiles: t(0.975, 1) = 12.7062, t(0.975, 9) = 2.2622, t(0.975, 29) = 2.0452.
        close(t975(1), 12.706_2, 1e-4);
        close(t975(9), 2.262_2, 1e-4);
        close(t975(29), 2.045_2, 1e-4);
    }

    #[test]
    fn one_value_has_no_spread_and_none_has_no_summary() {
        let s = summarize(&[7.5]).unwrap();
        assert_eq!((s.n, s.mean, s.std), (1, 7.5, 0.0));
        assert_eq!(
            (s.ci95_low, s.ci95_high, s.min, s.max),
            (7.5, 7.5, 7.5, 7.5)
        );
        assert_eq!(summarize(&[]), None);
    }
}
