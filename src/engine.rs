//! The discrete-event kernel: a time-ordered queue of typed events and the run loop.
//!
//! Owns `Scheduler` (the future event list, ordered by `(time, sequence)` so that events at
//! the same instant run in the order they were scheduled) and the `Model` trait that a world
//! implements to handle its own closed event enum. The queue is a radix heap over the integer
//! time alone, in base 64 (a hierarchical timing wheel of 11 levels x 64 slots): the kernel is
//! monotone (an event is never scheduled before the last one popped, `now`). Entries at `now`
//! wait in the FIFO `near`; any later one is filed against a reference time `base <= now`, at
//! level `l`, the highest base-64 digit where its time differs from `base`, in slot `d`, its
//! own digit there, so a lower (level, slot) holds only earlier times, and one bitmap per level
//! plus one of levels find the lowest non-empty slot. A push is O(1). A pop takes the front of
//! `near`; or a lone entry of the lowest slot; or, for a level-0 slot (one instant), moves the
//! slot to `near`; or else moves `base` up to the start of the lowest slot and re-files its
//! entries one level lower or more (no minimum search), and looks again: each entry moves at
//! most once per digit, about 1.4 times per event in the geo-distributed runs (a radix heap in
//! base 2 moved each ~3.8 times). The sequence number is implicit: entries of equal time always
//! share a slot and keep their scheduling order there (pushes append, moves are stable, `near`
//! pops from the front), so no counter can overflow. A horizon stop that has moved `base` past
//! `now` re-files everything against `now` (once per stop), so later pushes stay valid. Events
//! are stored inline next to their time (no slab to insert into and remove from). The slots of
//! levels 3 and up (262 us and wider) hand their buffers to a per-level spare list when they
//! empty, so the buffers in use follow the pending events, not the 704 slots. No allocation per
//! event once the buffers have grown to their working size, and no dynamic dispatch (the loop
//! is generic over the model). Pops follow exactly the `(time, seq)` order a binary heap gives,
//! so runs are the same event for event.
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

/// Bits per digit: a level has `1 << DIGIT` slots, one bit each in its occupancy word.
const DIGIT: u32 = 6;
/// Slots per level.
const SLOTS: usize = 1 << DIGIT;
/// Levels covering a 64-bit time (the top one uses only its low 4 digit values).
const LEVELS: usize = 64usize.div_ceil(DIGIT as usize);
/// The first level whose slots give their buffers back to the spare list when they empty
/// (levels below hold a few entries per slot and keep theirs).
const POOLED: usize = 3;

/// The level of `time` relative to the reference time `base` (`time >= base`) and its slot
/// index (`level * SLOTS + digit`): the highest base-64 digit where they differ (0 when they
/// are equal), and the value of that digit in `time`.
#[inline(always)]
fn slot(time: u64, base: u64) -> (usize, usize) {
    let high = 63 - ((time ^ base) | 1).leading_zeros();
    let level = high / DIGIT;
    let digit = (time >> (level * DIGIT)) as usize & (SLOTS - 1);
    (level as usize, level as usize * SLOTS + digit)
}

/// The future event list and the simulation clock.
pub struct Scheduler<E> {
    /// Events at exactly `now`, in scheduling order.
    near: VecDeque<Entry<E>>,
    /// Events later than `now`, by level and digit against `base` (`level * SLOTS + digit`).
    slots: Vec<Vec<Entry<E>>>,
    /// Per level, bit `d` set when slot `d` of the level is not empty.
    occupied: [u64; LEVELS],
    /// Bit `l` set when level `l` has a non-empty slot.
    levels: u64,
    /// The reference time the slots are filed against: at or before every time in them, and
    /// at or before `now` whenever the caller can push.
    base: u64,
    /// Per level from `POOLED`, the buffers of its emptied slots, the most recently used last.
    spare: [Vec<Vec<Entry<E>>>; LEVELS],
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

    /// An empty scheduler expecting about `cap` pending events (a hint: the slots grow to
    /// their working size on their own).
    pub fn with_capacity(cap: usize) -> Self {
        Scheduler {
            near: VecDeque::with_capacity(cap.clamp(16, 1024)),
            slots: (0..LEVELS * SLOTS).map(|_| Vec::new()).collect(),
            occupied: [0; LEVELS],
            levels: 0,
            base: 0,
            spare: std::array::from_fn(|_| Vec::new()),
            now: SimTime::ZERO,
            len: 0,
        }
    }

    /// Empties the queue and resets the clock, keeping the allocations for reuse.
    pub fn reset(&mut self) {
        self.near.clear();
        for s in &mut self.slots {
            s.clear();
        }
        self.occupied = [0; LEVELS];
        self.levels = 0;
        self.base = 0;
        self.now = SimTime::ZERO;
        self.len = 0;
    }

    /// The current simulated time: the time of the event being handled.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Files `entry` (at or after `base`) in its slot against `base`.
    #[inline(always)]
    fn file(&mut self, entry: Entry<E>, base: u64) {
        let (level, s) = slot(entry.time, base);
        if self.slots[s].len() == self.slots[s].capacity() {
            self.make_room(level, s);
        }
        self.slots[s].push(entry);
        self.occupied[level] |= 1u64 << (s % SLOTS);
        self.levels |= 1u64 << level;
    }

    /// Gives the full slot `s` of `level` room for one more entry: a spare buffer of its level
    /// if it has none, else a larger one.
    #[cold]
    #[inline(never)]
    fn make_room(&mut self, level: usize, s: usize) {
        let v = &mut self.slots[s];
        if v.capacity() == 0 {
            if let Some(b) = self.spare[level].pop() {
                *v = b;
            }
        }
        v.reserve(1);
    }

    /// Schedules `event` at absolute time `at`. Times in the past are moved to `now`, so
    /// causality holds even if a caller rounds badly (and the queue stays monotone).
    #[inline(always)]
    pub fn schedule_at(&mut self, at: SimTime, event: E) {
        let now = self.now.0;
        let time = at.0.max(now);
        self.len += 1;
        let entry = Entry { time, event };
        if time == now {
            self.near.push_back(entry);
        } else {
            self.file(entry, self.base);
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

    /// The lowest non-empty slot, as (level, digit): it holds the earliest pending entries
    /// that are not in `near`.
    #[inline(always)]
    fn lowest(&self) -> Option<(usize, usize)> {
        if self.levels == 0 {
            return None;
        }
        let level = self.levels.trailing_zeros() as usize;
        let digit = self.occupied[level].trailing_zeros() as usize;
        Some((level, digit))
    }

    /// Marks slot `digit` of `level` empty, handing its buffer to the level's spare list
    /// from level `POOLED` up.
    #[inline(always)]
    fn vacate(&mut self, level: usize, digit: usize) {
        if level >= POOLED {
            let b = std::mem::take(&mut self.slots[level * SLOTS + digit]);
            self.spare[level].push(b);
        }
        self.occupied[level] &= !(1u64 << digit);
        if self.occupied[level] == 0 {
            self.levels &= !(1u64 << level);
        }
    }

    /// Removes the earliest event if its time is at or before `horizon`, and advances the
    /// clock to it; leaves the clock and the order untouched otherwise.
    #[inline(always)]
    pub fn pop_until(&mut self, horizon: SimTime) -> Option<(SimTime, E)> {
        if !self.near.is_empty() {
            if self.now > horizon {
                return None;
            }
            let e = self.near.pop_front()?;
            self.len -= 1;
            return Some((self.now, e.event));
        }
        loop {
            let (level, digit) = self.lowest()?;
            let s = level * SLOTS + digit;
            let entries = &mut self.slots[s];
            if entries.len() == 1 {
                if entries[0].time > horizon.0 {
                    return self.stop();
                }
                let e = entries.pop()?;
                self.vacate(level, digit);
                self.len -= 1;
                self.now = SimTime(e.time);
                return Some((self.now, e.event));
            }
            if level == 0 {
                // A level-0 slot holds one instant: it becomes `now`, its entries `near`.
                let time = entries.first()?.time;
                if time > horizon.0 {
                    return self.stop();
                }
                let mut moved = std::mem::take(entries);
                self.near.extend(moved.drain(..));
                self.slots[s] = moved;
                self.vacate(level, digit);
                self.now = SimTime(time);
                let e = self.near.pop_front()?;
                self.len -= 1;
                return Some((self.now, e.event));
            }
            // The slot's start: `base` with this digit and zeros below. Every entry of the
            // slot is at or after it and differs from it in a lower digit only.
            let shift = level as u32 * DIGIT;
            let start = (((self.base >> shift) & !(SLOTS as u64 - 1)) | digit as u64) << shift;
            if start > horizon.0 {
                return self.stop();
            }
            self.base = start;
            let mut moved = std::mem::take(entries);
            for x in moved.drain(..) {
                self.file(x, start);
            }
            self.slots[s] = moved;
            self.vacate(level, digit);
        }
    }

    /// A horizon stop: if the search has moved `base` past `now`, re-files every slot
    /// against `now`, so that the caller may push anywhere from `now` on.
    #[cold]
    fn stop(&mut self) -> Option<(SimTime, E)> {
        let now = self.now.0;
        if self.base > now {
            // Lowest slot first: entries of one time leave one slot and arrive in another
            // together, in their order.
            let mut all = Vec::with_capacity(self.len);
            for level in 0..LEVELS {
                while self.occupied[level] != 0 {
                    let digit = self.occupied[level].trailing_zeros() as usize;
                    all.append(&mut self.slots[level * SLOTS + digit]);
                    self.vacate(level, digit);
                }
            }
            self.base = now;
            for x in all {
                self.file(x, now);
            }
        }
        None
    }

    /// The time of the earliest pending event.
    pub fn peek_time(&self) -> Option<SimTime> {
        if !self.near.is_empty() {
            return Some(self.now);
        }
        let (level, digit) = self.lowest()?;
        self.slots[level * SLOTS + digit]
            .iter()
            .map(|e| e.time)
            .min()
            .map(SimTime)
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

    /// A horizon stop can come after the search has moved the reference time past `now`
    /// (the two entries share a slot whose start is after `now` but before the horizon):
    /// pushes between `now` and that start still pop first, and `reset` starts afresh.
    #[test]
    fn a_horizon_stop_after_the_search_moved_ahead_lets_earlier_pushes_in() {
        let mut s: Scheduler<u32> = Scheduler::new();
        s.schedule_at(SimTime(5_000), 1);
        s.schedule_at(SimTime(5_100), 2);
        assert_eq!(s.pop_until(SimTime(4_500)), None);
        assert_eq!((s.now(), s.len()), (SimTime::ZERO, 2));
        assert_eq!(s.peek_time(), Some(SimTime(5_000)));
        s.schedule_at(SimTime(4_200), 3);
        s.schedule_at(SimTime(100), 4);
        s.schedule_at(SimTime(5_000), 5);
        let order: Vec<_> = std::iter::from_fn(|| s.pop()).collect();
        let expected = [(100, 4), (4_200, 3), (5_000, 1), (5_000, 5), (5_100, 2)];
        assert_eq!(order, expected.map(|(t, e)| (SimTime(t), e)));
        s.schedule_at(SimTime(1 << 40), 6);
        s.schedule_at(SimTime((1 << 40) + 1), 7);
        assert_eq!(s.pop_until(SimTime(1 << 39)), None);
        s.reset();
        assert!(s.is_empty() && s.peek_time().is_none() && s.now() == SimTime::ZERO);
        s.schedule_at(SimTime(7), 8);
        s.schedule_at(SimTime(3), 9);
        assert_eq!(s.pop(), Some((SimTime(3), 9)));
        assert_eq!(s.pop(), Some((SimTime(7), 8)));
    }

    /// Times on either side of digit boundaries (63/64, 4095/4096, 2^36, the top level's
    /// 2^60 and `u64::MAX`) pop in order, ties in scheduling order.
    #[test]
    fn digit_boundaries_and_the_top_level_keep_the_order() {
        let mut s: Scheduler<u32> = Scheduler::new();
        let times = [
            u64::MAX,
            64,
            63,
            4_096,
            1 << 60,
            4_095,
            (1 << 36) - 1,
            1 << 36,
            u64::MAX - 1,
            (1 << 60) - 1,
            64,
            u64::MAX,
        ];
        for (i, &t) in times.iter().enumerate() {
            s.schedule_at(SimTime(t), i as u32);
        }
        let mut expected: Vec<(u64, u32)> = times.iter().copied().zip(0..).collect();
        expected.sort_by_key(|&(t, i)| (t, i));
        let got: Vec<(u64, u32)> = std::iter::from_fn(|| s.pop().map(|(t, e)| (t.0, e))).collect();
        assert_eq!(got, expected);
    }

    /// Entries scheduled at an instant while it was far ahead, entries scheduled there after
    /// the search has brought it one level lower and again after it has become `now`: all in
    /// scheduling order.
    #[test]
    fn far_events_meet_new_ones_at_the_same_instant_in_order() {
        let mut s: Scheduler<u32> = Scheduler::new();
        let t = 1_000_000_000u64;
        for i in 0..3 {
            s.schedule_at(SimTime(t), i);
        }
        s.schedule_at(SimTime(t - 1_000), 10);
        s.schedule_at(SimTime(t - 999), 11);
        assert_eq!(s.pop(), Some((SimTime(t - 1_000), 10)));
        s.schedule_at(SimTime(t), 3);
        s.schedule_at(SimTime(t - 10), 12);
        assert_eq!(s.pop(), Some((SimTime(t - 999), 11)));
        s.schedule_at(SimTime(t), 4);
        assert_eq!(s.pop(), Some((SimTime(t - 10), 12)));
        s.schedule_at(SimTime(t), 5);
        let mut got = Vec::new();
        while let Some((at, e)) = s.pop() {
            assert_eq!(at, SimTime(t));
            if e == 0 {
                s.schedule_in(0, 6);
            }
            got.push(e);
        }
        assert_eq!(got, [0, 1, 2, 3, 4, 5, 6]);
    }

    /// The buffers follow the pending events: a window of ~200 pending events sliding over
    /// an hour of simulated time (through every slot of levels 3 to 6) keeps only a few
    /// times that many entries of capacity, not a full buffer in each slot it passed.
    #[test]
    fn buffers_stay_bounded_by_the_pending_events() {
        let mut s: Scheduler<u32> = Scheduler::new();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for i in 0..200 {
            s.schedule_at(SimTime(i * 1_000_000), 0);
        }
        let mut handled = 0u64;
        while let Some((now, _)) = s.pop() {
            handled += 1;
            if now.0 < 3_600_000_000_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // 1 ms to ~0.4 s ahead: a few hundred pending, spread over many slots.
                s.schedule_in(1_000_000 + (x >> 35), 0);
            }
        }
        assert!(handled > 1_000_000);
        let held: usize = s.slots.iter().map(Vec::capacity).sum::<usize>()
            + s.spare.iter().flatten().map(Vec::capacity).sum::<usize>();
        assert!(held < 8 * 1024, "{held} entries of capacity");
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
