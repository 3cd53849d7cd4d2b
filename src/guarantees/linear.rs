//! Linearizability of one key's history, for a read/write register whose writes carry unique
//! versions (so every read says which write it read from).
//!
//! With the reads-from mapping known, linearizability is decidable in O(n log n) (Gibbons and
//! Korach, "Testing shared memories", SIAM J. Comput. 26(4), 1997): group each write with the
//! reads that returned its version (a *cluster*); a cluster's *zone* runs between the
//! earliest response and the latest invocation of its operations. When the earliest response
//! comes first, some of the cluster's operations are ordered in real time and the zone is
//! *forward*: the value must stay in place across it, so no other write may fall inside;
//! otherwise the zone is *backward* (all its operations overlap at some instant). The history
//! is linearizable iff
//!
//! 1. no read finishes before the write it read from starts,
//! 2. no two forward zones intersect, and
//! 3. no backward zone lies inside another cluster's forward zone.
//!
//! The initial value (`Version::NONE`) is a cluster whose write completed at time 0. A write
//! whose outcome the client never learnt (it failed or timed out) may or may not have taken
//! effect: when some read returned its version it did, and its response time is unknown
//! (taken as never); otherwise it is left out.
//!
//! Must not import the engine, the world, strategies' internals, metrics or scenario types.

use crate::strategy::Version;

/// One operation on the key: invocation and response in ns (`None`: no response reached
/// the client).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Op {
    /// Read or write.
    pub write: bool,
    /// The version written (acknowledged, or attempted) or read.
    pub version: Version,
    /// When the client issued it.
    pub invoke: u64,
    /// When its answer reached the client.
    pub response: Option<u64>,
}

/// Why a history is not linearizable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Violation {
    /// A read returned a version that no write in the history created.
    UnknownVersion(Version),
    /// Two writes created the same version: reads-from is ambiguous (not checked).
    DuplicateVersion(Version),
    /// A read finished before the write it read from started.
    ReadBeforeWrite(Version),
    /// The forward zones of two clusters intersect: their writes cannot be ordered.
    Overlap(Version, Version),
    /// The cluster of the first version must lie inside the forward zone of the second: a
    /// read saw a value that a newer one had already replaced, for good, by then.
    Inside(Version, Version),
}

#[derive(Copy, Clone, Debug)]
struct Cluster {
    version: Version,
    /// The write's invocation.
    write_invoke: u64,
    /// Earliest response of the cluster's operations (`u64::MAX`: none).
    min_response: u64,
    /// Latest invocation of the cluster's operations.
    max_invoke: u64,
}

/// Checks one key's history; `Ok` when it is linearizable, else the first reason found.
pub fn check(history: &[Op]) -> Result<(), Violation> {
    check_inner(history, false)
}

/// `check`, where a read may return a version no operation in the history wrote: a write
/// whose answer never reached its client (it failed or timed out there), taken as issued
/// before everything and never answered, so it constrains nothing.
pub fn check_allowing_lost_writes(history: &[Op]) -> Result<(), Violation> {
    check_inner(history, true)
}

fn check_inner(history: &[Op], lost_writes: bool) -> Result<(), Violation> {
    // Real times shift by 1 ns so that the initial value's write (at 0) precedes them all.
    let at = |t: u64| t.saturating_add(1);
    let done = |o: &Op| o.response.map_or(u64::MAX, at);
    // Clusters by version: the initial value and each write that took effect.
    let mut clusters: Vec<Cluster> = vec![Cluster {
        version: Version::NONE,
        write_invoke: 0,
        min_response: 0,
        max_invoke: 0,
    }];
    let read_versions: std::collections::BTreeSet<Version> = history
        .iter()
        .filter(|o| !o.write)
        .map(|o| o.version)
        .collect();
    for o in history.iter().filter(|o| o.write) {
        if o.response.is_none() && !read_versions.contains(&o.version) {
            continue; // may never have taken effect, and nobody saw it
        }
        if o.version == Version::NONE {
            return Err(Violation::DuplicateVersion(o.version));
        }
        clusters.push(Cluster {
            version: o.version,
            write_invoke: at(o.invoke),
            min_response: done(o),
            max_invoke: at(o.invoke),
        });
    }
    clusters.sort_by_key(|c| c.version);
    if let Some(w) = clusters.windows(2).find(|w| w[0].version == w[1].version) {
        return Err(Violation::DuplicateVersion(w[0].version));
    }
    if lost_writes {
        for r in history.iter().filter(|o| !o.write) {
            if let Err(i) = clusters.binary_search_by_key(&r.version, |c| c.version) {
                clusters.insert(
                    i,
                    Cluster {
                        version: r.version,
                        write_invoke: 0,
                        min_response: u64::MAX,
                        max_invoke: 0,
                    },
                );
            }
        }
    }
    for r in history.iter().filter(|o| !o.write) {
        let Ok(i) = clusters.binary_search_by_key(&r.version, |c| c.version) else {
            return Err(Violation::UnknownVersion(r.version));
        };
        let c = &mut clusters[i];
        let response = done(r);
        if response < c.write_invoke {
            return Err(Violation::ReadBeforeWrite(r.version));
        }
        c.min_response = c.min_response.min(response);
        c.max_invoke = c.max_invoke.max(at(r.invoke));
    }
    // Forward zones [min_response, max_invoke], sorted by start.
    let mut forward: Vec<(u64, u64, Version)> = clusters
        .iter()
        .filter(|c| c.min_response < c.max_invoke)
        .map(|c| (c.min_response, c.max_invoke, c.version))
        .collect();
    forward.sort_unstable();
    if let Some(w) = forward.windows(2).find(|w| w[1].0 < w[0].1) {
        return Err(Violation::Overlap(w[0].2, w[1].2));
    }
    // Backward zones [max_invoke, min_response] inside a forward zone of another cluster.
    for c in clusters.iter().filter(|c| c.min_response >= c.max_invoke) {
        let (lo, hi) = (c.max_invoke, c.min_response);
        let at = forward.partition_point(|f| f.0 <= lo);
        if at > 0 {
            let f = forward[at - 1];
            if f.2 != c.version && f.0 < lo && hi < f.1 {
                return Err(Violation::Inside(c.version, f.2));
            }
        }
    }
    Ok(())
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = |v: &Version| format!("({}, {})", v.stamp, v.origin);
        match self {
            Violation::UnknownVersion(x) => {
                write!(f, "a read returned {}, which no write made", v(x))
            }
            Violation::DuplicateVersion(x) => write!(f, "two writes made {}", v(x)),
            Violation::ReadBeforeWrite(x) => {
                write!(f, "a read returned {} before its write began", v(x))
            }
            Violation::Overlap(a, b) => write!(
                f,
                "the values {} and {} were each seen after the other was in place",
                v(a),
                v(b)
            ),
            Violation::Inside(a, b) => write!(
                f,
                "{} was read after {} had replaced it for every client",
                v(a),
                v(b)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(stamp: u64) -> Version {
        Version { stamp, origin: 0 }
    }
    fn w(stamp: u64, invoke: u64, response: u64) -> Op {
        Op {
            write: true,
            version: v(stamp),
            invoke,
            response: Some(response),
        }
    }
    fn r(stamp: u64, invoke: u64, response: u64) -> Op {
        Op {
            write: false,
            version: v(stamp),
            invoke,
            response: Some(response),
        }
    }

    /// Brute force: some order of the operations (respecting real time) in which every read
    /// returns the latest write before it. Exponential; for histories of a few operations.
    fn brute(h: &[Op]) -> bool {
        fn go(h: &[Op], used: &mut Vec<bool>, last: Version, placed: usize) -> bool {
            if placed == h.len() {
                return true;
            }
            for i in 0..h.len() {
                if used[i] {
                    continue;
                }
                // Minimal: no unplaced op responded before i was invoked.
                let blocked = (0..h.len())
                    .any(|j| !used[j] && j != i && h[j].response.is_some_and(|t| t < h[i].invoke));
                if blocked {
                    continue;
                }
                let ok = if h[i].write {
                    true
                } else {
                    h[i].version == last
                };
                if ok {
                    used[i] = true;
                    let next = if h[i].write { h[i].version } else { last };
                    if go(h, used, next, placed + 1) {
                        return true;
                    }
                    used[i] = false;
                }
            }
            false
        }
        go(h, &mut vec![false; h.len()], Version::NONE, 0)
    }

    #[test]
    fn known_histories() {
        // Sequential: write 1, read 1, write 2, read 2.
        let ok = [w(1, 0, 10), r(1, 20, 30), w(2, 40, 50), r(2, 60, 70)];
        assert_eq!(check(&ok), Ok(()));
        // A stale read: write 2 finished before the read began, the read returned 1.
        let stale = [w(1, 0, 10), w(2, 20, 30), r(1, 40, 50)];
        assert!(matches!(check(&stale), Err(Violation::Inside(..))));
        // Concurrent write and read: either value is fine.
        assert_eq!(check(&[w(1, 0, 100), r(0, 10, 20)]), Ok(()));
        assert_eq!(check(&[w(1, 0, 100), r(1, 10, 20)]), Ok(()));
        // New-then-old inversion between two reads, both during the write: not linearizable.
        let inversion = [w(1, 0, 100), r(1, 10, 20), r(0, 30, 40)];
        assert!(check(&inversion).is_err());
        // A read from the future.
        assert_eq!(
            check(&[r(1, 0, 5), w(1, 10, 20)]),
            Err(Violation::ReadBeforeWrite(v(1)))
        );
        // A version nobody wrote.
        assert_eq!(check(&[r(7, 0, 5)]), Err(Violation::UnknownVersion(v(7))));
        // A write whose answer was lost but whose value was read took effect.
        let lost = Op {
            write: true,
            version: v(1),
            invoke: 0,
            response: None,
        };
        assert_eq!(check(&[lost, r(1, 50, 60)]), Ok(()));
        assert_eq!(check(&[lost, r(0, 50, 60)]), Ok(()));
    }

    #[test]
    fn agrees_with_brute_force_on_random_small_histories() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let (mut linear, mut not) = (0, 0);
        for _ in 0..4000 {
            let n = rng.random_range(1..=6usize);
            let writes = rng.random_range(1..=3u64);
            let mut h = Vec::new();
            for k in 0..n {
                let invoke = rng.random_range(0..50u64);
                let response = invoke + rng.random_range(1..30u64);
                if (k as u64) < writes {
                    h.push(w(k as u64 + 1, invoke, response));
                } else {
                    h.push(r(
                        rng.random_range(0..=writes.min(n as u64)),
                        invoke,
                        response,
                    ));
                }
            }
            // Reads of versions nobody wrote are their own error, not compared.
            if matches!(check(&h), Err(Violation::UnknownVersion(_))) {
                continue;
            }
            let expect = brute(&h);
            assert_eq!(check(&h).is_ok(), expect, "{h:?}");
            if expect {
                linear += 1
            } else {
                not += 1
            }
        }
        assert!(
            linear > 200 && not > 200,
            "{linear} linearizable, {not} not"
        );
    }
}
