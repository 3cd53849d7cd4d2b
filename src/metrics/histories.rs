//! Per-key operation histories of the keys checked for linearizability
//! (`[consistency] linearizability_keys`), and their verdict.
//!
//! Owns `Histories`: every successful read and write of a checked key, as the client saw it
//! (issued, answered, version), bounded in memory (`MAX_OPS` in all, split evenly between the
//! keys; a key's later operations are not recorded and the key is counted as truncated), and
//! the check of each key with `guarantees::linear`. Failed operations are not recorded: a
//! failed write whose version a read returns is taken as a write whose answer never reached
//! its client (it may have taken effect any time).
//!
//! Must not import the engine, the world, strategies' internals, scenario or report types.

use crate::guarantees::linear::{self, Op};
use crate::strategy::Version;
use crate::time::SimTime;

/// Most operations recorded over all checked keys (32 bytes each: 64 MiB).
pub const MAX_OPS: usize = 2_000_000;

/// The recorded histories.
#[derive(Clone, Debug)]
pub struct Histories {
    keys: Vec<Vec<Op>>,
    per_key: usize,
    truncated: u64,
}

/// The verdict over the checked keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Keys with at least one recorded operation.
    pub keys_checked: u64,
    /// Operations checked.
    pub ops_checked: u64,
    /// Keys whose history is not linearizable.
    pub violations: u64,
    /// Keys that reached their share of `MAX_OPS` (checked over the operations recorded).
    pub truncated_keys: u64,
    /// The first non-linearizable key and why, if any.
    pub first: Option<String>,
}

impl Histories {
    /// Histories of keys `0..n` (`n` >= 1).
    pub fn new(n: u64) -> Histories {
        let n = n.max(1) as usize;
        Histories {
            keys: vec![Vec::new(); n],
            per_key: MAX_OPS / n,
            truncated: 0,
        }
    }

    /// A successful operation on `key`: issued at `start`, answered at `now`.
    #[inline]
    pub fn record(
        &mut self,
        key: u64,
        write: bool,
        version: Version,
        start: SimTime,
        now: SimTime,
    ) {
        let Some(h) = self.keys.get_mut(key as usize) else {
            return;
        };
        if h.len() == self.per_key {
            self.truncated += 1;
            return;
        }
        h.push(Op {
            write,
            version,
            invoke: start.as_nanos(),
            response: Some(now.as_nanos()),
        });
    }

    /// Checks every key's history.
    pub fn verdict(&self) -> Verdict {
        let mut v = Verdict {
            keys_checked: 0,
            ops_checked: 0,
            violations: 0,
            truncated_keys: self.keys.iter().filter(|h| h.len() == self.per_key).count() as u64,
            first: None,
        };
        for (key, h) in self.keys.iter().enumerate() {
            if h.is_empty() {
                continue;
            }
            v.keys_checked += 1;
            v.ops_checked += h.len() as u64;
            if let Err(why) = linear::check_allowing_lost_writes(h) {
                v.violations += 1;
                if v.first.is_none() {
                    v.first = Some(format!("key {key}: {why}"));
                }
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(stamp: u64) -> Version {
        Version { stamp, origin: 0 }
    }

    #[test]
    fn a_stale_read_after_a_finished_write_is_a_violation_of_that_key_only() {
        let ms = |x: u64| SimTime(x * 1_000_000);
        let mut h = Histories::new(2);
        // Key 0: write 1 done at 10 ms, a read from 20 to 30 ms returns the initial value.
        h.record(0, true, v(1), ms(0), ms(10));
        h.record(0, false, Version::NONE, ms(20), ms(30));
        // Key 1: fine. Key 5: not checked.
        h.record(1, true, v(2), ms(0), ms(10));
        h.record(1, false, v(2), ms(20), ms(30));
        h.record(5, false, v(9), ms(0), ms(1));
        let verdict = h.verdict();
        assert_eq!(
            (
                verdict.keys_checked,
                verdict.ops_checked,
                verdict.violations
            ),
            (2, 4, 1)
        );
        assert!(verdict.first.unwrap().starts_with("key 0:"));
        // A read of a version no recorded write made (its write failed at the client): allowed.
        let mut h = Histories::new(1);
        h.record(0, false, v(7), ms(0), ms(1));
        assert_eq!(h.verdict().violations, 0);
    }
}
