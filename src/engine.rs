//! The discrete-event kernel: a time-ordered queue of typed events and the run loop.
//!
//! Owns `Scheduler` (the future event list, ordered by `(time, sequence)` so that events at
//! the same instant run in the order they were scheduled) and the `Model` trait that a world
//! implements to handle its own closed event enum. The queue is a radix heap over the integer
//! time alone: the kernel is monotone (an event is never scheduled before the last one
//! popped), so every pending time is at or above the last popped time `last`, and an entry
//! lands in bucket `b` when bit `b` is the highest bit where its time differs from `last`, or
//! in the FIFO `near` when it equals `last`. A push is O(1); a pop takes the front of `near`,
//! or else the lowest non-empty bucket, whose minimum becomes `last` and whose entries move to
//! `near` or lower buckets, so each entry moves at most once per bit. The sequence number is
//! implicit: entries of equal time always share a bucket and keep their scheduling order
//! there (pushes append, moves are stable, `near` pops from the front, and the minimum of a
//! bucket is found before it moves), so no counter can overflow. Events are stored inline next
//! to their time (no slab to insert into and remove from). No allocation per event once the
//! buckets have grown to their working size, and no dynamic dispatch (the loop is generic over
//! the model). Pops follow exactly the `(time, seq)` order a binary heap gives, so runs are
//! the same event for event.
//!
//! Must not import topology, workload, strategies, metrics or anything about scenarios: the
//! kernel knows time and order, nothing of geography.

use std::collections::VecDeque;

use crate::time::SimTime;

/// One pending event: its time and the event itself.
#[derive(Debug)]
struct Entry<E> {
    time: u64,
    event: E,
}

/// Buckets 0..64 of a radix heap over a 64-bit time (a time equal to `last` waits in `near`).
const BUCKETS: usize = 64;

/// The bucket (0..64) of `time` relative to the last popped time `last` (`time > last`): the
/// position of the highest bit where they differ.
#[inline(always)]
fn bucket(time: u64, last: u64) -> usize {
    63 - (time ^ last).leading_zeros() as usize
}

/// The future event list and the simulation clock.
pub struct Scheduler<E> {
    /// Events at exactly the last popped time, in scheduling order.
    near: VecDeque<Entry<E>>,
    /// Events later than the last popped time, by the highest bit where their time differs.
    buckets: Vec<Vec<Entry<E>>>,
    /// Bit `b` set when bucket `b` is not empty.
    occupied: u64,
    /// The time of the last popped event (every pending time is at or above it).
    now: SimTime,
    len: usize,
}

impl<E> Default for Scheduler<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Scheduler<E> {
    /// An empty scheduler at time zero.
    pub fn new() -> Self {
        Self::with_capacity(1024)
    }

    /// An empty scheduler expecting about `cap` pending events (a hint: the buckets grow to
    /// their working size on their own).
    pub fn with_capacity(cap: usize) -> Self {
        Scheduler {
            near: VecDeque::with_capacity(cap.clamp(16, 1024)),
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            occupied: 0,
            now: SimTime::ZERO,
            len: 0,
        }
    }

    /// Empties the queue and resets the clock, keeping the allocations for reuse.
    pub fn reset(&mut self) {
        self.near.clear();
        for b in &mut self.buckets {
            b.clear();
        }
        self.occupied = 0;
        self.now = SimTime::ZERO;
        self.len = 0;
    }

    /// The current simulated time: the time of the event being handled.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at absolute time `at`. Times in the past are moved to `now`, so
    /// causality holds even if a caller rounds badly (and the queue stays monotone).
    #[inline]
    pub fn schedule_at(&mut self, at: SimTime, event: E) {
        let last = self.now.0;
        let time = at.0.max(last);
        self.len += 1;
        let entry = Entry { time, event };
        if time == last {
            self.near.push_back(entry);
        } else {
            let b = bucket(time, last);
            self.buckets[b].push(entry);
            self.occupied |= 1u64 << b;
        }
    }

    /// Schedules `event` `delay` nanoseconds from now.
    #[inline]
    pub fn schedule_in(&mut self, delay: u64, event: E) {
        self.schedule_at(self.now + delay, event);
    }

    /// Removes the earliest event and advances the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.pop_until(SimTime::MAX)
    }

    /// Removes the earliest event if its time is at or before `horizon`, and advances the
    /// clock to it; leaves the queue and the clock untouched otherwise.
    #[inline]
    pub fn pop_until(&mut self, horizon: SimTime) -> Option<(SimTime, E)> {
        if !self.near.is_empty() {
            if self.now > horizon {
                return None;
            }
            let e = self.near.pop_front()?;
            self.len -= 1;
            return Some((self.now, e.event));
        }
        if self.occupied == 0 {
            return None;
        }
        let b = self.occupied.trailing_zeros() as usize;
        let entries = &mut self.buckets[b];
        if entries.len() == 1 {
            if entries[0].time > horizon.0 {
                return None;
            }
            let e = entries.pop()?;
            self.occupied &= !(1u64 << b);
            self.len -= 1;
            self.now = SimTime(e.time);
            return Some((self.now, e.event));
        }
        let min = entries.iter().map(|e| e.time).min()?;
        if min > horizon.0 {
            return None;
        }
        // Every entry of the bucket differs from the new last time in a lower bit, or equals
        // it: those go to `near` in their order, the earliest scheduled first.
        let mut moved = std::mem::take(entries);
        self.occupied &= !(1u64 << b);
        for x in moved.drain(..) {
            if x.time == min {
                self.near.push_back(x);
            } else {
                let nb = bucket(x.time, min);
                self.buckets[nb].push(x);
                self.occupied |= 1u64 << nb;
            }
        }
        self.buckets[b] = moved;
        self.now = SimTime(min);
        let e = self.near.pop_front()?;
        self.len -= 1;
        Some((self.now, e.event))
    }

    /// The time of the earliest pending event.
    pub fn peek_time(&self) -> Option<SimTime> {
        if !self.near.is_empty() {
            return Some(self.now);
        }
        if self.occupied == 0 {
            return None;
        }
        let b = self.occupied.trailing_zeros() as usize;
        self.buckets[b].iter().map(|e| e.time).min().map(SimTime)
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A simulated world: owns its state and reacts to its own events.
pub trait Model {
    /// The closed set of events this world schedules.
    type Event;
    /// Handles one event at time `now`, scheduling any consequences on `sched`.
    fn handle(&mut self, now: SimTime, event: Self::Event, sched: &mut Scheduler<Self::Event>);
    /// True when the run may stop before the queue is empty or the horizon is reached.
    fn finished(&self) -> bool {
        false
    }
}

/// Runs `model` until the queue is empty, the next event lies after `horizon`, or the model
/// says it is finished. Returns the number of events handled.
pub fn run<M: Model>(model: &mut M, sched: &mut Scheduler<M::Event>, horizon: SimTime) -> u64 {
    run_observed(model, sched, horizon, |_| {})
}

/// Events between two calls of `run_observed`'s observer.
pub const OBSERVE_EVERY: u64 = 1 << 16;

/// `run`, calling `observe` with the simulated time every `OBSERVE_EVERY` events (for progress
/// reports; it cannot touch the model, so the run is the same with or without it).
pub fn run_observed<M: Model>(
    model: &mut M,
    sched: &mut Scheduler<M::Event>,
    horizon: SimTime,
    mut observe: impl FnMut(SimTime),
) -> u64 {
    let mut handled = 0u64;
    while let Some((now, event)) = sched.pop_until(horizon) {
        model.handle(now, event, sched);
        handled += 1;
        if handled % OBSERVE_EVERY == 0 {
            observe(now);
        }
        if model.finished() {
            break;
        }
    }
    handled
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Recorder {
        seen: Vec<(u64, u32)>,
    }
    impl Model for Recorder {
        type Event = u32;
        fn handle(&mut self, now: SimTime, ev: u32, sched: &mut Scheduler<u32>) {
            self.seen.push((now.0, ev));
            if ev == 100 {
                // Scheduled at the same instant: must run after everything already queued there.
                sched.schedule_in(0, 101);
            }
        }
    }

    #[test]
    fn the_observer_sees_every_65536th_event_and_changes_nothing() {
        // A chain of events one ns apart: event i at time i, 200,000 of them.
        struct Chain;
        impl Model for Chain {
            type Event = u32;
            fn handle(&mut self, _now: SimTime, ev: u32, sched: &mut Scheduler<u32>) {
                if ev + 1 < 200_000 {
                    sched.schedule_in(1, ev + 1);
                }
            }
        }
        let mut seen = Vec::new();
        let mut s = Scheduler::new();
        s.schedule_at(SimTime(0), 0);
        let n = run_observed(&mut Chain, &mut s, SimTime(u64::MAX), |t| seen.push(t.0));
        assert_eq!(n, 200_000);
        // The 65536th event is at time 65535, and so on: floor(200000 / 65536) = 3 calls.
        assert_eq!(seen, [65_535, 131_071, 196_607]);
        let mut s = Scheduler::new();
        s.schedule_at(SimTime(0), 0);
        assert_eq!(run(&mut Chain, &mut s, SimTime(u64::MAX)), n);
    }

    #[test]
    fn orders_by_time_then_fifo() {
        let mut s = Scheduler::new();
        s.schedule_at(SimTime(20), 1);
        s.schedule_at(SimTime(10), 2);
        s.schedule_at(SimTime(10), 100);
        s.schedule_at(SimTime(10), 3);
        s.schedule_at(SimTime(30), 4);
        let mut m = Recorder { seen: vec![] };
        let n = run(&mut m, &mut s, SimTime(25));
        assert_eq!(n, 5);
        assert_eq!(
            m.seen,
            vec![(10, 2), (10, 100), (10, 3), (10, 101), (20, 1)]
        );
        assert_eq!(s.len(), 1);
        assert_eq!(s.now(), SimTime(20));
    }

    #[test]
    fn past_times_clamp_to_now() {
        let mut s: Scheduler<u8> = Scheduler::new();
        s.schedule_at(SimTime(50), 0);
        s.pop();
        s.schedule_at(SimTime(10), 1);
        assert_eq!(s.pop(), Some((SimTime(50), 1)));
    }

    /// Events at one instant keep their scheduling order while that instant is far ahead and
    /// they move bucket by bucket towards it, interleaved with events at other instants and
    /// with events scheduled at that instant once it has become `now`.
    #[test]
    fn equal_times_stay_fifo_as_they_move_down_the_buckets() {
        let mut s: Scheduler<u32> = Scheduler::new();
        let far = (1u64 << 40) + 12_345;
        let mut expected = Vec::new();
        for i in 0..40u32 {
            s.schedule_at(SimTime(far), i);
            expected.push((far, i));
            // Entries just before `far` pull it into lower buckets as they pop.
            s.schedule_at(SimTime(far - (1u64 << (i % 40))), 1000 + i);
        }
        let mut got = Vec::new();
        while let Some((t, ev)) = s.pop() {
            if ev == 0 {
                // `far` is now: one more at this instant runs after the 39 still waiting.
                s.schedule_at(SimTime(far - 1), 999);
                expected.push((far, 999));
            }
            if t.0 == far {
                got.push((t.0, ev));
            }
        }
        assert_eq!(got, expected);
        assert!(s.is_empty() && s.peek_time().is_none());
    }

    /// Against an independent reference (a `BinaryHeap` on `Reverse((time, seq))`): random
    /// interleavings of pushes (many at the same instant, some in the past, some far ahead)
    /// and pops, with horizon stops, pop in exactly the reference order.
    #[test]
    fn pops_in_the_order_of_a_binary_heap() {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut s: Scheduler<u64> = Scheduler::with_capacity(4);
        let mut reference = BinaryHeap::new();
        let mut seq = 0u64;
        let mut popped = 0;
        for round in 0..200_000u64 {
            let r = next();
            if r % 3 != 0 || reference.is_empty() {
                let now = s.now().0;
                let at = match r % 7 {
                    0 => now,
                    1 => now.saturating_sub(r >> 40),
                    2 => now + (r >> 20),
                    3 => u64::MAX - (r >> 60),
                    _ => now + (r >> 50),
                };
                s.schedule_at(SimTime(at), round);
                reference.push(Reverse((at.max(now), seq, round)));
                seq += 1;
            } else {
                let horizon = if r % 5 == 0 {
                    s.now().0 + (r >> 44)
                } else {
                    u64::MAX
                };
                let Reverse((t, _, id)) = *reference.peek().expect("not empty");
                assert_eq!(s.peek_time(), Some(SimTime(t)));
                if t > horizon {
                    assert_eq!(s.pop_until(SimTime(horizon)), None);
                    continue;
                }
                reference.pop();
                assert_eq!(s.pop_until(SimTime(horizon)), Some((SimTime(t), id)));
                popped += 1;
            }
            assert_eq!(s.len(), reference.len());
        }
        while let Some(Reverse((t, _, id))) = reference.pop() {
            assert_eq!(s.pop(), Some((SimTime(t), id)));
        }
        assert!(s.is_empty() && popped > 50_000);
        s.reset();
        assert_eq!(s.pop(), None);
        s.schedule_at(SimTime(3), 1);
        assert_eq!(s.pop(), Some((SimTime(3), 1)));
    }
}
