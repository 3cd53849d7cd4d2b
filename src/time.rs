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

/// Milliseconds (a sampled or configured float) to whole nanoseconds, rounded to nearest,
/// saturating at 0 and `u64::MAX`.
pub fn ms_to_nanos(ms: f64) -> u64 {
    let ns = (ms * NANOS_PER_MS as f64).round();
    if ns.is_nan() || ns <= 0.0 {
        0
    } else if ns >= u64::MAX as f64 {
        u64::MAX
    } else {
        ns as u64
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
}
