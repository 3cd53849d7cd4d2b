//! The discrete-event kernel: a time-ordered queue of typed events and the run loop.
//!
//! Owns `Scheduler` (the future event list, ordered by `(time, sequence)` so that events at
//! the same instant run in the order they were scheduled) and the `Model` trait that a world
//! implements to handle its own closed event enum. The queue is a radix heap over the
//! 128-bit key `(time, seq)`: the kernel is monotone (an event is never scheduled before the
//! last one popped, and `seq` only grows), so every pending key is above the last popped key
//! and lands in the bucket of the highest bit where it differs from it. A push is O(1); a pop
//! takes the lowest non-empty bucket and, when it holds more than one entry, moves them to
//! lower buckets, so each entry moves at most once per bit. Entries are small (key plus the
//! index of the event in a slab); events stay put in the slab. No allocation per event once
//! the buckets and the slab have grown to their working size, and no dynamic dispatch (the
//! loop is generic over the model). Pops follow exactly the `(time, seq)` order a binary
//! heap gives, so runs are the same event for event.
//!
//! Must not import topology, workload, strategies, metrics or anything about scenarios: the
//! kernel knows time and order, nothing of geography.

use slab::Slab;

use crate::time::SimTime;

/// One pending event in the radix heap: its key and where the event waits in the slab.
#[derive(Copy, Clone, Debug)]
struct Entry {
    time: u64,
    seq: u64,
    slot: usize,
}

/// Buckets 1..=128 of a radix heap over a 128-bit key (stored at index `bucket - 1`); a key
/// equal to the last popped one never occurs (keys are unique).
const BUCKETS: usize = 128;

/// The bucket (0..128) of key `(time, seq)` relative to the last popped key `(lt, ls)`: the
/// position of the highest bit where the 128-bit keys differ.
#[inline(always)]
fn bucket(time: u64, seq: u64, lt: u64, ls: u64) -> usize {
    let xt = time ^ lt;
    if xt != 0 {
        127 - xt.leading_zeros() as usize
    } else {
        63 - (seq ^ ls).leading_zeros() as usize
    }
}

/// The future event list and the simulation clock.
pub struct Scheduler<E> {
    buckets: Vec<Vec<Entry>>,
    /// Bit `b` set when bucket `b` is not empty.
    occupied: u128,
    events: Slab<E>,
    /// The key of the last popped entry (every pending key is larger).
    last_time: u64,
    last_seq: u64,
    now: SimTime,
    seq: u64,
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

    /// An empty scheduler with room for `cap` pending events.
    pub fn with_capacity(cap: usize) -> Self {
        Scheduler {
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            occupied: 0,
            events: Slab::with_capacity(cap),
            last_time: 0,
            last_seq: 0,
            now: SimTime::ZERO,
            // Sequence numbers start at 1, so every key is above the initial last key (0, 0).
            seq: 1,
        }
    }

    /// Empties the queue and resets the clock, keeping the allocations for reuse.
    pub fn reset(&mut self) {
        for b in &mut self.buckets {
            b.clear();
        }
        self.occupied = 0;
        self.events.clear();
        self.last_time = 0;
        self.last_seq = 0;
        self.now = SimTime::ZERO;
        self.seq = 1;
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
        let time = if at < self.now { self.now.0 } else { at.0 };
        let seq = self.seq;
        self.seq += 1;
        let slot = self.events.insert(event);
        let b = bucket(time, seq, self.last_time, self.last_seq);
        self.buckets[b].push(Entry { time, seq, slot });
        self.occupied |= 1u128 << b;
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
        if self.occupied == 0 {
            return None;
        }
        let b = self.occupied.trailing_zeros() as usize;
        let entries = &mut self.buckets[b];
        let first = if entries.len() == 1 {
            let e = entries[0];
            if e.time > horizon.0 {
                return None;
            }
            entries.clear();
            self.occupied &= !(1u128 << b);
            e
        } else {
            let key = |e: &Entry| ((e.time as u128) << 64) | e.seq as u128;
            let mut at = 0;
            let mut min = key(&entries[0]);
            for (i, e) in entries.iter().enumerate().skip(1) {
                let k = key(e);
                if k < min {
                    at = i;
                    min = k;
                }
            }
            let e = entries.swap_remove(at);
            if e.time > horizon.0 {
                entries.push(e);
                let last = entries.len() - 1;
                entries.swap(at, last);
                return None;
            }
            // Every other entry of the bucket differs from the new last key in a lower bit.
            let mut moved = std::mem::take(entries);
            self.occupied &= !(1u128 << b);
            for x in moved.drain(..) {
                let nb = bucket(x.time, x.seq, e.time, e.seq);
                self.buckets[nb].push(x);
                self.occupied |= 1u128 << nb;
            }
            self.buckets[b] = moved;
            e
        };
        self.last_time = first.time;
        self.last_seq = first.seq;
        self.now = SimTime(first.time);
        Some((self.now, self.events.remove(first.slot)))
    }

    /// The time of the earliest pending event.
    pub fn peek_time(&self) -> Option<SimTime> {
        if self.occupied == 0 {
            return None;
        }
        let b = self.occupied.trailing_zeros() as usize;
        self.buckets[b]
            .iter()
            .map(|e| (e.time, e.seq))
            .min()
            .map(|(t, _)| SimTime(t))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
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
