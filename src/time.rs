//! Simulated time: an integer count of nanoseconds since the start of a run.
//!
//! Owns `SimTime` and the conversions between it and the floating-point milliseconds and
//! seconds that appear in scenario files and reports. Floats are converted once, at the edge;
//! the engine compares and adds integers only.
//!
//! Must not import any other geosim module.

use std::fmt;
use std::ops::{Add, AddAssign};

/// Nanoseconds in one millisecond.
pub const NANOS_PER_MS: u64 = 1_000_000;
/// Nanoseconds in one second.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;

/// An instant of simulated time, in nanoseconds since the run started.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable instant (about 584 years).
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// The instant `s` seconds after the start (rounded to the nearest nanosecond).
    pub fn from_secs_f64(s: f64) -> SimTime {
        SimTime(secs_to_nanos(s))
    }

    /// Nanoseconds since the start.
    pub fn as_nanos(self) -> u64 {
        self.0
    }

    /// Seconds since the start, as a float (for reports only).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }

    /// Milliseconds since the start, as a float (for reports only).
    pub fn as_ms_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_MS as f64
    }

    /// `self - earlier` in nanoseconds, or 0 when `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl Add<u64> for SimTime {
    type Output = SimTime;
    fn add(self, nanos: u64) -> SimTime {
        SimTime(self.0.saturating_add(nanos))
    }
}

impl AddAssign<u64> for SimTime {
    fn add_assign(&mut self, nanos: u64) {
        self.0 = self.0.saturating_add(nanos);
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6}s", self.as_secs_f64())
    }
}

/// Milliseconds (a sampled or configured float) to whole nanoseconds, rounded to nearest
/// (halves away from zero, exactly as `f64::round`), saturating at 0 and `u64::MAX`.
///
/// On the hot path (every sampled latency and gap): no libm call and one branch. Below 2^53
/// the truncation `t` is exact and so is `x - t`, so comparing the fraction with 0.5 rounds
/// exactly; it is taken as a signed integer (a few instructions each way, where the unsigned
/// casts take a dozen or more), so a negative `x` truncates to 0 or below (Rust's
/// float-to-int casts saturate) and its rounding, at most 0, is clamped to 0. From 2^53 on
/// every float is an integer already and the saturating cast converts it as it is, sends 2^64
/// and beyond to `u64::MAX` and NaN to 0.
#[inline(always)]
pub fn ms_to_nanos(ms: f64) -> u64 {
    const TWO_53: f64 = 9_007_199_254_740_992.0;
    let x = ms * NANOS_PER_MS as f64;
    if x < TWO_53 {
        let t = x as i64;
        (t + ((x - t as f64) >= 0.5) as i64).max(0) as u64
    } else {
        // At least 2^53, or NaN (the comparison is false).
        x as u64
    }
}

/// Seconds to whole nanoseconds, rounded to nearest, saturating.
pub fn secs_to_nanos(s: f64) -> u64 {
    ms_to_nanos(s * 1e3)
}

/// Nanoseconds to milliseconds as a float (for reports only).
pub fn nanos_to_ms(ns: u64) -> f64 {
    ns as f64 / NANOS_PER_MS as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_and_saturate() {
        assert_eq!(ms_to_nanos(1.0), 1_000_000);
        assert_eq!(ms_to_nanos(0.0000004), 0);
        assert_eq!(ms_to_nanos(0.0000006), 1);
        assert_eq!(ms_to_nanos(-5.0), 0);
        assert_eq!(ms_to_nanos(f64::NAN), 0);
        assert_eq!(ms_to_nanos(f64::INFINITY), u64::MAX);
        assert_eq!(
            SimTime::from_secs_f64(600.0).as_nanos(),
            600 * NANOS_PER_SEC
        );
        assert_eq!(SimTime(5) + u64::MAX, SimTime::MAX);
        assert_eq!(SimTime(5).saturating_since(SimTime(9)), 0);
    }

    /// Against `f64::round` (the reference it replaces), on halves, neighbours of halves,
    /// negative, infinite, NaN and huge values, values around 2^53 ns and a sweep of ordinary
    /// latencies.
    #[test]
    fn rounding_matches_f64_round() {
        const TWO_53_MS: f64 = 9_007_199_254.740_992;
        let reference = |ms: f64| {
            let ns = (ms * NANOS_PER_MS as f64).round();
            if ns.is_nan() || ns <= 0.0 {
                0
            } else if ns >= u64::MAX as f64 {
                u64::MAX
            } else {
                ns as u64
            }
        };
        let mut xs = vec![
            0.0,
            -0.0,
            -0.4e-6,
            -0.6e-6,
            -1e300,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::INFINITY,
            TWO_53_MS,
            f64::from_bits(TWO_53_MS.to_bits() - 1),
            u64::MAX as f64 / 1e6 * 2.0,
            1e-7,
            4.9999999e-7,
            5e-7,
            f64::from_bits(0.5e-6f64.to_bits() - 1),
            1.5e-6,
        ];
        // Negative: fractions of one half and more, whole, near and past -2^63 ns.
        xs.extend([-0.5e-6, -1.5e-6, -2.5e-6, -3e-6, -9.2e12, -9.3e12, -1e14]);
        xs.extend([
            2.5e-6,
            1e9,
            4.5e9,
            9.007_199_254_740_993e9,
            u64::MAX as f64 / 1e6,
            1e300,
        ]);
        for k in 0..200_000u64 {
            let ms = k as f64 * 0.000_137 + (k % 7) as f64 * 1e-7;
            xs.push(ms);
            xs.push(f64::from_bits(ms.to_bits() + 1));
            xs.push((k as f64 + 0.5) / 1e6);
        }
        for &ms in &xs {
            assert_eq!(ms_to_nanos(ms), reference(ms), "{ms:e}");
        }
    }
}
