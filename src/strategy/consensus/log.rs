//! The per-member log of `consensus`: runs of entries after a snapshot base, how a leader's
//! entries fit (truncate, append, buffered batches drained when a gap fills), and the
//! strategy-owned table of entry contents (create, look up, compact).
//!
//! A member's log is a base (the index and term of the last entry folded into a snapshot)
//! and runs of consecutive entries of the same term (`(term, last index)`); an entry is
//! identified by its (index, term), so the contents live once per term in `TermLog`s.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use std::collections::VecDeque;

use super::{Consensus, Node, RETAIN};
use crate::strategy::OpId;
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::Key;

/// The contents of one log entry.
#[derive(Copy, Clone, Debug)]
pub(super) struct Data {
    pub(super) key: Key,
    pub(super) bytes: u32,
    /// The client operation (writes).
    pub(super) op: OpId,
    /// The region to acknowledge it to.
    pub(super) reply_to: RegionId,
    /// The leader that created it (the version's origin).
    pub(super) origin: RegionId,
    /// A client write (false: a new leader's no-op).
    pub(super) write: bool,
    /// When the leader committed and acknowledged it (`SimTime::MAX`: not acknowledged).
    pub(super) acked_at: SimTime,
}

/// The entries one leader created in its term, at consecutive indices from `first`.
#[derive(Clone, Debug, Default)]
pub(super) struct TermLog {
    pub(super) first: u64,
    pub(super) data: VecDeque<Data>,
}

/// Entries buffered ahead of a gap.
#[derive(Copy, Clone, Debug)]
pub(super) struct Batch {
    pub(super) last: u64,
    pub(super) entry_term: u32,
    pub(super) prev_term: u32,
}

/// How entries fit a follower's log.
pub(super) enum Fit {
    /// Accepted (or already there).
    Done,
    /// `prev` is beyond the log's end.
    Gap,
    /// The log disagrees at `prev`: resend from this index.
    Conflict(u64),
}

impl Node {
    pub(super) fn last(&self) -> u64 {
        self.runs.last().map_or(self.base, |r| r.1)
    }

    pub(super) fn last_term(&self) -> u32 {
        self.runs.last().map_or(self.base_term, |r| r.0)
    }

    /// The run holding index `i` (`base < i <= last`): its position and first index.
    pub(super) fn run(&self, i: u64) -> Option<(usize, u64)> {
        if i <= self.base || i > self.last() {
            return None;
        }
        for k in (0..self.runs.len()).rev() {
            let lo = if k == 0 {
                self.base + 1
            } else {
                self.runs[k - 1].1 + 1
            };
            if i >= lo {
                return Some((k, lo));
            }
        }
        None
    }

    /// The term of entry `i`, for `base <= i <= last`.
    pub(super) fn term_at(&self, i: u64) -> Option<u32> {
        if i == self.base {
            return Some(self.base_term);
        }
        self.run(i).map(|(k, _)| self.runs[k].0)
    }

    /// Keeps entries up to `to`.
    pub(super) fn truncate(&mut self, to: u64) {
        while let Some(&(_, end)) = self.runs.last() {
            let n = self.runs.len();
            let lo = if n == 1 {
                self.base + 1
            } else {
                self.runs[n - 2].1 + 1
            };
            if lo > to {
                self.runs.pop();
            } else {
                if end > to {
                    self.runs[n - 1].1 = to;
                }
                break;
            }
        }
        self.verified = self.verified.min(to);
    }

    /// Appends entries `first ..= last` of `term` (`first` is the end + 1).
    pub(super) fn append(&mut self, first: u64, last: u64, term: u32) {
        debug_assert_eq!(first, self.last() + 1);
        match self.runs.last_mut() {
            Some(r) if r.0 == term => r.1 = last,
            _ => self.runs.push((term, last)),
        }
    }

    /// Whether a candidate's log `(last_index, last_term)` is at least as up to date.
    pub(super) fn behind(&self, last_index: u64, last_term: u32) -> bool {
        let t = self.last_term();
        last_term > t || (last_term == t && last_index >= self.last())
    }

    /// Fits the current leader's entries `prev + 1 ..= last` (of `entry_term`) after `prev`
    /// (of `prev_term`).
    pub(super) fn fit(&mut self, prev: u64, prev_term: u32, last: u64, entry_term: u32) -> Fit {
        if last <= self.base {
            return Fit::Done; // Inside the snapshot: committed, hence matching.
        }
        let prev = prev.max(self.base);
        if prev > self.last() {
            return Fit::Gap;
        }
        if prev > self.base && self.term_at(prev) != Some(prev_term) {
            // Committed entries match every later leader's log: resend after them.
            let (_, lo) = self.run(prev).expect("inside the log");
            let safe = self.verified.min(self.commit).max(self.base) + 1;
            return Fit::Conflict(lo.max(safe).min(prev));
        }
        // Entries after `prev` that already have the right term are the leader's.
        let mut k = prev;
        if last > prev && prev < self.last() {
            let (r, _) = self.run(prev + 1).expect("inside the log");
            if self.runs[r].0 == entry_term {
                k = self.runs[r].1.min(last);
            }
        }
        if k < last {
            self.truncate(k);
            self.append(k + 1, last, entry_term);
        }
        self.verified = self.verified.max(last);
        Fit::Done
    }

    /// Fits buffered entries that no longer wait for a gap; a conflict's resend index.
    pub(super) fn drain(&mut self) -> Option<u64> {
        while let Some((&first, &b)) = self.pending.first_key_value() {
            if b.last <= self.verified {
                self.pending.pop_first();
                continue;
            }
            if first > self.last() + 1 {
                break;
            }
            self.pending.pop_first();
            if let Fit::Conflict(h) = self.fit(first - 1, b.prev_term, b.last, b.entry_term) {
                return Some(h);
            }
        }
        None
    }
}

impl Consensus {
    pub(super) fn data(&self, index: u64, term: u32) -> Option<&Data> {
        let t = self.terms.get(&term)?;
        t.data.get(index.checked_sub(t.first)? as usize)
    }

    pub(super) fn data_mut(&mut self, index: u64, term: u32) -> Option<&mut Data> {
        let t = self.terms.get_mut(&term)?;
        t.data.get_mut(index.checked_sub(t.first)? as usize)
    }

    /// The leader `l` creates an entry; returns its index.
    pub(super) fn create(&mut self, l: RegionId, data: Data) -> u64 {
        let n = &mut self.nodes[l as usize];
        let (index, term) = (n.last() + 1, n.term);
        n.append(index, index, term);
        let t = self.terms.get_mut(&term).expect("the leader's term log");
        debug_assert_eq!(t.first + t.data.len() as u64, index);
        t.data.push_back(data);
        self.entries += 1;
        index
    }

    /// Drops entry contents that no member needs any more.
    pub(super) fn compact(&mut self, l: RegionId) {
        let lead = self.nodes[l as usize].applied;
        self.last_compact = lead;
        let low = self
            .cfg
            .members
            .iter()
            .map(|&m| self.nodes[m as usize].applied)
            .min()
            .unwrap_or(0);
        let floor = low.max(lead.saturating_sub(RETAIN)).min(lead);
        if floor <= self.compacted {
            return;
        }
        self.compacted = floor;
        for t in self.terms.values_mut() {
            while t.first <= floor && t.data.pop_front().is_some() {
                t.first += 1;
            }
        }
    }
}
