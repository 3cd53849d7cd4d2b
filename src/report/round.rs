//! How the report rounds what it prints: milliseconds to the microsecond, shares and dollars
//! to six decimals without ever rounding a non-zero value onto 0 (or a share onto 1).
//!
//! Owns the rounding rules. Must not import anything outside `report`'s types; does no I/O.

/// Rounds to microseconds when the value is in ms (stable, readable JSON).
pub(super) fn ms(v: f64) -> f64 {
    (v * 1e3).round() / 1e3
}

/// Rounds a share (in `[0, 1]`) to 6 decimals, but never onto 0 or 1 unless it is exactly
/// that: one stale read in ten million is 1e-7, not 0, and one failure in ten million leaves
/// an availability of 0.9999999, not 1 (3 significant digits of the distance to the bound).
pub(super) fn rate(v: f64) -> f64 {
    let r = six(v);
    if r == 1.0 && v != 1.0 {
        1.0 - sig3(1.0 - v)
    } else {
        r
    }
}

/// Rounds to 6 decimals, but a value that is not 0 never rounds to 0: below 5e-7 it keeps 3
/// significant digits (a storage cost of $4.6e-7 over a short window is not free).
pub(super) fn six(v: f64) -> f64 {
    let r = (v * 1e6).round() / 1e6;
    if r == 0.0 && v != 0.0 && v.is_finite() {
        sig3(v)
    } else {
        r
    }
}

/// `v` to 3 significant digits.
pub(super) fn sig3(v: f64) -> f64 {
    let scale = 10f64.powi(2 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::{rate, six};

    #[test]
    fn shares_and_dollars_never_round_onto_zero_or_one() {
        assert_eq!(rate(0.1234564), 0.123456);
        assert_eq!(rate(0.0), 0.0);
        assert_eq!(rate(1.0), 1.0);
        assert_eq!(rate(3.0 / 36e6), 8.33e-8);
        assert_eq!(rate(4.9e-7), 4.9e-7);
        assert_eq!(rate(5.1e-7), 1e-6);
        assert_eq!(rate(1.0 - 1e-7), 0.9999999);
        assert_eq!(rate(1.0 - 6e-7), 0.999999);
        assert_eq!(six(4.6e-7), 4.6e-7);
        assert_eq!(six(5323.385583), 5323.385583);
        assert_eq!(six(-2e-8), -2e-8);
    }
}
