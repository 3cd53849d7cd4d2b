//! Client timeouts: `Deadlines`, every attempt sent, in sending order, with the instant its
//! client stops waiting for it.
//!
//! Every attempt waits the same `clients.timeout_ms`, so sending order is deadline order: the
//! attempts are a queue, not a heap, and one `Event::Deadline` at a time stands for all of
//! them, at the earliest deadline of an attempt that may still be waiting. When it fires, the
//! attempts due are timed out (those still current: their operation is live and has not
//! moved on to a later attempt; an answer still on its way to the client does not save one,
//! one that reaches it at the deadline to the nanosecond does, whichever event comes first),
//! the entries of attempts that ended since are dropped from the front, and the event is set
//! again for the new front. An attempt that ends early leaves its entry behind (nothing is
//! done per answer); the queue drops such entries whenever it holds more than twice as many
//! as at its last clean-up (at least `COMPACT_MIN`), so its memory follows the attempts in
//! flight, and the cost is constant per attempt sent.
//!
//! Timeouts are armed in every run: a run without faults still has answers slower than the
//! timeout (a heavy-tailed link, a quorum across oceans, a session's token wait).
//!
//! Must not import the scenario spec (serde), report or io modules, nor a concrete strategy.

use std::collections::VecDeque;

use crate::engine::Scheduler;
use crate::metrics::Failure;
use crate::strategy::{OpId, Strategy};
use crate::time::SimTime;

use super::ops::{OpState, Ops};
use super::{Event, World};

/// The queue length below which it is never cleaned up.
const COMPACT_MIN: usize = 1024;

/// One attempt's deadline: when, and the attempt (`op` names it: `OpId::attempt`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Due {
    pub(super) at: SimTime,
    pub(super) op: OpId,
}

/// The attempts sent, in sending (and so deadline) order.
#[derive(Debug)]
pub(super) struct Deadlines {
    queue: VecDeque<Due>,
    /// When the pending `Event::Deadline` fires (`None`: none is pending).
    armed: Option<SimTime>,
    /// The length beyond which `push` asks for a clean-up.
    compact_at: usize,
    /// `Event::Deadline`s handled: the run's event count has one per attempt timed out
    /// (`RunMetrics::attempts`), whatever number of these events watched for them.
    fires: u64,
}

impl Deadlines {
    pub(super) fn new() -> Self {
        Deadlines {
            queue: VecDeque::new(),
            armed: None,
            compact_at: COMPACT_MIN,
            fires: 0,
        }
    }

    /// Files attempt `op` (an `OpId` names one attempt), due at `at` (no earlier than any
    /// filed before). Returns whether the caller must schedule an `Event::Deadline` at `at`
    /// (none is pending), and whether the queue wants a clean-up (`retain`).
    #[inline]
    pub(super) fn push(&mut self, at: SimTime, op: OpId) -> (bool, bool) {
        debug_assert!(self.queue.back().is_none_or(|d| d.at <= at));
        self.queue.push_back(Due { at, op });
        let arm = self.armed.is_none();
        if arm {
            self.armed = Some(at);
        }
        (arm, self.queue.len() > self.compact_at)
    }

    /// Keeps only the entries `current` says may still be waiting.
    #[cold]
    pub(super) fn retain(&mut self, current: impl Fn(&Due) -> bool) {
        self.queue.retain(current);
        self.compact_at = (2 * self.queue.len()).max(COMPACT_MIN);
    }

    /// The pending `Event::Deadline` fired: it no longer is pending.
    pub(super) fn fired(&mut self) {
        self.armed = None;
        self.fires += 1;
    }

    /// The events to add to the engine's count of events handled so that each of the
    /// `timed_out` attempts counts as one and the `Event::Deadline`s themselves do not (they
    /// depend on when attempts that ended early were dropped, which inline answers change):
    /// timed out minus fired, as a signed number.
    pub(super) fn count_adjustment(&self, timed_out: u64) -> i64 {
        timed_out as i64 - self.fires as i64
    }

    /// The front entry, if due by `now`, taken off the queue.
    pub(super) fn pop_due(&mut self, now: SimTime) -> Option<Due> {
        match self.queue.front() {
            Some(d) if d.at <= now => self.queue.pop_front(),
            _ => None,
        }
    }

    /// Drops front entries `current` rejects; returns the deadline the next
    /// `Event::Deadline` must be scheduled at (the new front's), if any, and records it as
    /// pending.
    pub(super) fn rearm(&mut self, current: impl Fn(&Due) -> bool) -> Option<SimTime> {
        debug_assert!(self.armed.is_none());
        while let Some(d) = self.queue.front() {
            if current(d) {
                self.armed = Some(d.at);
                return self.armed;
            }
            self.queue.pop_front();
        }
        None
    }

    /// Entries held (for tests).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.queue.len()
    }
}

/// Whether the attempt of `d` is still the current attempt of a live operation.
#[inline]
fn current(ops: &Ops, d: &Due) -> bool {
    ops.live(d.op).is_some_and(|s| s.attempt == d.op.attempt())
}

impl<S: Strategy> World<'_, S> {
    /// Files attempt `attempt` of `op` (sent now), due at `at`.
    #[inline]
    pub(super) fn file_deadline(
        &mut self,
        at: SimTime,
        op: OpId,
        attempt: u32,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let (arm, clean) = self.deadlines.push(at, op.with_attempt(attempt));
        if arm {
            sched.schedule_at(at, Event::Deadline);
        }
        if clean {
            let ops = &self.ops;
            self.deadlines.retain(|d| current(ops, d));
        }
    }

    /// The pending `Event::Deadline` fires: every attempt due by `now` that is still current
    /// times out (its breaker hears of it; the client backs off and retries, or fails).
    pub(super) fn deadline(
        &mut self,
        now: SimTime,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        self.deadlines.fired();
        while let Some(d) = self.deadlines.pop_due(now) {
            // An answer that reaches the client at its deadline, to the nanosecond, wins: its
            // `Response` (at `now` too) completes the attempt whichever event comes first.
            let answered_by_now = |s: &OpState| s.answered && s.track.mark <= now;
            if current(&self.ops, &d) && !self.ops.live(d.op).is_some_and(answered_by_now) {
                self.metrics.attempts.timed_out += 1;
                // The world's own events carry the operation's id (attempt 0).
                let op = d.op.with_attempt(0);
                self.breaker_outcome(now, op, true);
                self.give_up_attempt(now, op, Failure::Timeout, sched);
            }
        }
        let ops = &self.ops;
        if let Some(at) = self.deadlines.rearm(|d| current(ops, d)) {
            sched.schedule_at(at, Event::Deadline);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(i: u32) -> OpId {
        OpId::new(i, 1 + i as u64)
    }

    #[test]
    fn one_event_stands_for_the_queue_and_moves_past_ended_attempts() {
        let mut d = Deadlines::new();
        // The first attempt filed arms the event; later ones do not.
        assert_eq!(d.push(SimTime(10), op(0)), (true, false));
        assert_eq!(d.push(SimTime(12), op(1)), (false, false));
        assert_eq!(d.push(SimTime(12), op(2)), (false, false));
        assert_eq!(d.push(SimTime(20), op(3)), (false, false));
        // At 10: op 0 is due; op 2 ended since (answered) but is not at the front, op 1 is
        // still waiting.
        d.fired();
        assert_eq!(d.pop_due(SimTime(10)).map(|x| x.op), Some(op(0)));
        assert_eq!(d.pop_due(SimTime(10)), None);
        let ended = [op(2)];
        assert_eq!(d.rearm(|x| !ended.contains(&x.op)), Some(SimTime(12)));
        assert_eq!(d.len(), 3, "op 2 stays until the front reaches it");
        // Armed: a new attempt does not arm again.
        assert!(!d.push(SimTime(25), op(4).with_attempt(1)).0);
        d.fired();
        assert_eq!(d.pop_due(SimTime(12)).map(|x| x.op), Some(op(1)));
        assert_eq!(d.pop_due(SimTime(12)).map(|x| x.op), Some(op(2)));
        assert_eq!(d.pop_due(SimTime(12)), None);
        // Every remaining attempt ended: they go, nothing is armed, and the next push arms.
        assert_eq!(d.rearm(|_| false), None);
        assert_eq!(d.len(), 0);
        assert_eq!(d.count_adjustment(0), -2);
        assert_eq!(d.count_adjustment(3), 1);
        assert_eq!(d.push(SimTime(30), op(5)), (true, false));
    }

    #[test]
    fn the_queue_asks_for_a_clean_up_beyond_twice_what_it_kept() {
        let mut d = Deadlines::new();
        let mut asked = 0;
        let mut peak = 0;
        for i in 0..100_000u32 {
            let (_, clean) = d.push(SimTime(i as u64), op(i % 1000));
            peak = peak.max(d.len());
            if clean {
                asked += 1;
                // Only the last 10 attempts are still waiting.
                d.retain(|x| x.at.0 + 10 > i as u64);
                assert_eq!(d.len(), 10);
            }
        }
        assert_eq!(peak, COMPACT_MIN + 1);
        // A clean-up every ~1,015 pushes: constant work per attempt.
        assert!((95..=100).contains(&asked), "{asked}");
    }
}
