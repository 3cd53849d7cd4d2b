//! Session guarantees (Terry, Demers, Petersen, Spreitzer, Theimer, Welch: "Session
//! Guarantees for Weakly Consistent Replicated Data", PDIS 1994), observed per session and
//! key from what the session's own operations returned.
//!
//! Owns `Sessions`, a streaming checker: it is told each completed operation of a session
//! (in the order the session issued them; a session has one operation in flight at a time)
//! and counts, per guarantee, the operations that violate it. Per key, versions order the
//! writes (larger is newer), so the four guarantees become:
//!
//! - **read your writes**: a read returns at least the newest version the session wrote
//!   (and had acknowledged) before it;
//! - **monotonic reads**: a read returns at least the newest version the session read before;
//! - **monotonic writes**: a write is ordered after the session's earlier writes (its version
//!   is newer than theirs);
//! - **writes follow reads**: a write is ordered after what the session read before (its
//!   version is newer than the versions it read).
//!
//! Memory is one small entry per (session, key) the session touched, capped: past `cap`
//! entries, new (session, key) pairs are not tracked (counted as `untracked`).
//!
//! Must not import the engine, the world, strategies' internals, metrics or scenario types.

use std::collections::BTreeMap;

use crate::strategy::Version;

/// What one session last did on one key.
#[derive(Copy, Clone, Debug, Default)]
struct Seen {
    wrote: Version,
    read: Version,
}

/// Violations of each guarantee, and the operations checked.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Reads checked.
    pub reads: u64,
    /// Writes checked.
    pub writes: u64,
    /// Reads older than the session's own last write.
    pub read_your_writes: u64,
    /// Reads older than the session's previous read.
    pub monotonic_reads: u64,
    /// Writes not ordered after the session's previous write.
    pub monotonic_writes: u64,
    /// Writes not ordered after what the session had read.
    pub writes_follow_reads: u64,
    /// Operations on (session, key) pairs past the cap, not checked.
    pub untracked: u64,
}

/// The streaming checker.
#[derive(Clone, Debug)]
pub struct Sessions {
    seen: BTreeMap<(u64, u64), Seen>,
    cap: usize,
    /// The counts so far.
    pub counts: Counts,
}

impl Sessions {
    /// A checker tracking at most `cap` (session, key) pairs.
    pub fn new(cap: usize) -> Sessions {
        Sessions {
            seen: BTreeMap::new(),
            cap,
            counts: Counts::default(),
        }
    }

    fn entry(&mut self, session: u64, key: u64) -> Option<&mut Seen> {
        if self.seen.len() >= self.cap && !self.seen.contains_key(&(session, key)) {
            self.counts.untracked += 1;
            return None;
        }
        Some(self.seen.entry((session, key)).or_default())
    }

    /// The newest version of `key` session `session` had acknowledged (`Version::NONE`: none,
    /// or the pair is not tracked): what a session token carries for that key.
    pub fn wrote(&self, session: u64, key: u64) -> Version {
        self.seen
            .get(&(session, key))
            .map_or(Version::NONE, |s| s.wrote)
    }

    /// Session `session` read `version` of `key`.
    pub fn read(&mut self, session: u64, key: u64, version: Version) {
        let Some(s) = self.entry(session, key) else {
            return;
        };
        let (ryw, mr) = (version < s.wrote, version < s.read);
        s.read = s.read.max(version);
        self.counts.reads += 1;
        self.counts.read_your_writes += ryw as u64;
        self.counts.monotonic_reads += mr as u64;
    }

    /// Session `session` had a write of `key` acknowledged as `version`.
    pub fn write(&mut self, session: u64, key: u64, version: Version) {
        let Some(s) = self.entry(session, key) else {
            return;
        };
        let (mw, wfr) = (
            s.wrote != Version::NONE && version <= s.wrote,
            s.read != Version::NONE && version <= s.read,
        );
        s.wrote = s.wrote.max(version);
        self.counts.writes += 1;
        self.counts.monotonic_writes += mw as u64;
        self.counts.writes_follow_reads += wfr as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(stamp: u64) -> Version {
        Version { stamp, origin: 1 }
    }

    /// One hand-built history per anomaly, and one that has none.
    #[test]
    fn each_anomaly_is_counted_once_and_only_it() {
        // Clean: write 1, read 1, write 2, read 2, read 3 (someone else's newer write).
        let mut s = Sessions::new(100);
        s.write(1, 7, v(1));
        s.read(1, 7, v(1));
        s.write(1, 7, v(2));
        s.read(1, 7, v(2));
        s.read(1, 7, v(3));
        assert_eq!(
            s.counts,
            Counts {
                reads: 3,
                writes: 2,
                ..Counts::default()
            }
        );
        // Read your writes: wrote 5, then read 4 (a replica that has not seen it). The read
        // is also the session's first read of the key, so monotonic reads holds.
        let mut s = Sessions::new(100);
        s.write(1, 7, v(5));
        s.read(1, 7, v(4));
        assert_eq!(
            (s.counts.read_your_writes, s.counts.monotonic_reads),
            (1, 0)
        );
        // Monotonic reads: read 5 (from one replica), then 4 (from another).
        let mut s = Sessions::new(100);
        s.read(1, 7, v(5));
        s.read(1, 7, v(4));
        assert_eq!(
            (s.counts.monotonic_reads, s.counts.read_your_writes),
            (1, 0)
        );
        // Monotonic writes: the second write was ordered before the first (e.g. LWW with a
        // skewed clock gave it an older timestamp).
        let mut s = Sessions::new(100);
        s.write(1, 7, v(9));
        s.write(1, 7, v(8));
        assert_eq!(
            (s.counts.monotonic_writes, s.counts.writes_follow_reads),
            (1, 0)
        );
        // Writes follow reads: read 9, then wrote 8 (ordered before what it read).
        let mut s = Sessions::new(100);
        s.read(1, 7, v(9));
        s.write(1, 7, v(8));
        assert_eq!(
            (s.counts.writes_follow_reads, s.counts.monotonic_writes),
            (1, 0)
        );
        // Other sessions and other keys do not interfere.
        let mut s = Sessions::new(100);
        s.write(1, 7, v(9));
        s.read(2, 7, v(1));
        s.read(1, 8, v(0));
        assert_eq!(s.counts.read_your_writes + s.counts.monotonic_reads, 0);
    }

    #[test]
    fn memory_is_capped() {
        let mut s = Sessions::new(2);
        s.read(1, 1, v(1));
        s.read(1, 2, v(1));
        s.read(1, 3, v(1));
        s.read(1, 1, v(0)); // still tracked: a monotonic-reads violation
        assert_eq!(s.counts.untracked, 1);
        assert_eq!(s.counts.monotonic_reads, 1);
        assert_eq!(s.seen.len(), 2);
    }
}
