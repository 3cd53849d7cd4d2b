//! The clients' circuit breaker: one state machine per (client region, serving region).
//!
//! Owns `Breaker` (closed / open / half-open with a count-based sliding window of outcomes,
//! a minimum number of calls, a cool-down and trial calls) and `Admit`. The breaker sits on
//! the client side, like resilience4j's or Hystrix's: the clients of a region ask the breaker
//! of the region they are about to call before sending an attempt, and report the attempt's
//! outcome (an answer, an explicit failure, or a timeout) back to it. A rejected attempt never
//! leaves the client. Outcomes of calls let through in an earlier state (before the breaker
//! last changed state) are ignored, so a burst of late timeouts cannot re-trip a breaker that
//! has just closed. The settings are `faults::BreakerPolicy`; the rules are in docs/faults.md.
//!
//! Storage is allocated when the breaker is built; admitting and recording never allocate.
//!
//! Must not import the scenario spec (serde), report or io modules, nor a concrete strategy.

use crate::faults::BreakerPolicy;
use crate::time::SimTime;

/// The state of a breaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum State {
    /// Calls pass; outcomes fill the window.
    Closed,
    /// Calls are rejected until `until`.
    Open {
        /// End of the cool-down.
        until: SimTime,
    },
    /// Trial calls pass; the rest are rejected.
    HalfOpen {
        /// Trials let through.
        issued: u32,
        /// Trials answered.
        done: u32,
        /// Of those, failed.
        failed: u32,
    },
}

/// The answer to "may this call go?".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Admit {
    /// Yes; report its outcome with this epoch.
    Go(u32),
    /// No: fail fast.
    Reject,
}

/// One client-side circuit breaker.
#[derive(Clone, Debug)]
pub(super) struct Breaker {
    state: State,
    /// Changes of state so far: a call carries the epoch it was let through in.
    epoch: u32,
    /// Ring of the last `window` outcomes while closed (bit set: failed).
    ring: Vec<u64>,
    /// Next slot of the ring.
    pos: u32,
    /// Outcomes in the ring (<= window).
    len: u32,
    /// Failed outcomes in the ring.
    failed: u32,
}

impl Breaker {
    /// A closed breaker with an empty window.
    pub(super) fn new(p: &BreakerPolicy) -> Self {
        Breaker {
            state: State::Closed,
            epoch: 0,
            ring: vec![0; (p.window.max(1) as usize).div_ceil(64)],
            pos: 0,
            len: 0,
            failed: 0,
        }
    }

    /// The current state (as of the last call or outcome).
    #[cfg(test)]
    pub(super) fn state(&self) -> State {
        self.state
    }

    fn enter(&mut self, state: State) {
        self.state = state;
        self.epoch = self.epoch.wrapping_add(1);
        if state == State::Closed {
            self.ring.iter_mut().for_each(|w| *w = 0);
            self.pos = 0;
            self.len = 0;
            self.failed = 0;
        }
    }

    /// Asks to let a call through at `now`. An open breaker whose cool-down is over becomes
    /// half-open here (at the first call after the cool-down).
    #[inline]
    pub(super) fn admit(&mut self, p: &BreakerPolicy, now: SimTime) -> Admit {
        if let State::Open { until } = self.state {
            if now < until {
                return Admit::Reject;
            }
            self.enter(State::HalfOpen {
                issued: 0,
                done: 0,
                failed: 0,
            });
        }
        match &mut self.state {
            State::Closed => Admit::Go(self.epoch),
            State::HalfOpen { issued, .. } if *issued < p.half_open_calls => {
                *issued += 1;
                Admit::Go(self.epoch)
            }
            _ => Admit::Reject,
        }
    }

    /// Records the outcome of a call let through with `epoch`, known at `now`. Outcomes from
    /// an earlier epoch are ignored. Returns whether the breaker opened.
    #[inline]
    pub(super) fn record(
        &mut self,
        p: &BreakerPolicy,
        now: SimTime,
        epoch: u32,
        failed: bool,
    ) -> bool {
        if epoch != self.epoch {
            return false;
        }
        // The share as a correctly rounded quotient: 3 of 10 is exactly the double nearest 0.3,
        // as a written `failure_rate = 0.3` is (0.3 x 10 would round above 3).
        let trips = |failed: u32, calls: u32| failed as f64 / calls as f64 >= p.failure_rate;
        match &mut self.state {
            State::Closed => {
                let (word, bit) = ((self.pos / 64) as usize, self.pos % 64);
                if self.len == p.window {
                    self.failed -= ((self.ring[word] >> bit) & 1) as u32;
                } else {
                    self.len += 1;
                }
                self.ring[word] &= !(1 << bit);
                self.ring[word] |= (failed as u64) << bit;
                self.failed += failed as u32;
                self.pos = (self.pos + 1) % p.window;
                if self.len >= p.min_calls && trips(self.failed, self.len) {
                    self.enter(State::Open {
                        until: now + p.open_ns,
                    });
                    return true;
                }
                false
            }
            State::HalfOpen {
                done, failed: f, ..
            } => {
                *done += 1;
                *f += failed as u32;
                if *done < p.half_open_calls {
                    return false;
                }
                if trips(*f, *done) {
                    self.enter(State::Open {
                        until: now + p.open_ns,
                    });
                    true
                } else {
                    self.enter(State::Closed);
                    false
                }
            }
            State::Open { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> BreakerPolicy {
        BreakerPolicy {
            failure_rate: 0.5,
            window: 4,
            min_calls: 3,
            open_ns: 1_000,
            half_open_calls: 2,
        }
    }

    fn go(b: &mut Breaker, p: &BreakerPolicy, now: u64) -> u32 {
        match b.admit(p, SimTime(now)) {
            Admit::Go(e) => e,
            Admit::Reject => panic!("rejected at {now}"),
        }
    }

    #[test]
    fn opens_at_the_threshold_once_min_calls_are_in() {
        let p = policy();
        let mut b = Breaker::new(&p);
        // Two failures: 2 of 2 failed, but fewer than min_calls = 3 outcomes: stays closed.
        for t in 0..2 {
            let e = go(&mut b, &p, t);
            assert!(!b.record(&p, SimTime(t), e, true));
        }
        assert_eq!(b.state(), State::Closed);
        // A success: 2 of 3 failed >= 0.5 and 3 >= min_calls: opens at t = 10 until 1010.
        let e = go(&mut b, &p, 10);
        assert!(b.record(&p, SimTime(10), e, false));
        assert_eq!(
            b.state(),
            State::Open {
                until: SimTime(1_010)
            }
        );
        assert_eq!(b.admit(&p, SimTime(500)), Admit::Reject);
        assert_eq!(b.admit(&p, SimTime(1_009)), Admit::Reject);
    }

    #[test]
    fn the_window_slides_over_the_last_calls() {
        let p = policy();
        let mut b = Breaker::new(&p);
        // F S S S: 1 of 4 failed. Then S: the window (S S S S) forgets the failure.
        for (t, f) in [(0, true), (1, false), (2, false), (3, false), (4, false)] {
            let e = go(&mut b, &p, t);
            assert!(!b.record(&p, SimTime(t), e, f));
        }
        // F: S S S F = 1 of 4; F: S S F F = 2 of 4 >= 0.5: opens.
        let e = go(&mut b, &p, 5);
        assert!(!b.record(&p, SimTime(5), e, true));
        let e = go(&mut b, &p, 6);
        assert!(b.record(&p, SimTime(6), e, true));
    }

    #[test]
    fn half_open_lets_trials_through_then_closes_or_reopens() {
        let p = policy();
        let mut b = Breaker::new(&p);
        for t in 0..3 {
            let e = go(&mut b, &p, t);
            b.record(&p, SimTime(t), e, true);
        }
        // Opened at t = 2 until 1002; a late outcome of the closed state is ignored.
        assert_eq!(
            b.state(),
            State::Open {
                until: SimTime(1_002)
            }
        );
        // First call after the cool-down: half-open, trial 1; trial 2; the third is rejected.
        let t1 = go(&mut b, &p, 1_002);
        let t2 = go(&mut b, &p, 1_003);
        assert_eq!(t1, t2);
        assert_eq!(b.admit(&p, SimTime(1_004)), Admit::Reject);
        // One trial fails, one succeeds: 1 of 2 >= 0.5: open again from the last answer.
        assert!(!b.record(&p, SimTime(1_100), t1, true));
        assert_eq!(b.admit(&p, SimTime(1_101)), Admit::Reject);
        assert!(b.record(&p, SimTime(1_200), t2, false));
        assert_eq!(
            b.state(),
            State::Open {
                until: SimTime(2_200)
            }
        );
        // Next round: both trials succeed: closed, with an empty window.
        let t3 = go(&mut b, &p, 2_500);
        let t4 = go(&mut b, &p, 2_501);
        assert!(!b.record(&p, SimTime(2_600), t3, false));
        assert!(!b.record(&p, SimTime(2_601), t4, false));
        assert_eq!(b.state(), State::Closed);
        // A stale trial outcome (epoch of the half-open state) changes nothing.
        assert!(!b.record(&p, SimTime(2_602), t4, true));
        // The window starts empty: two failures are below min_calls, the third opens it.
        for t in 2_700..2_702 {
            let e = go(&mut b, &p, t);
            assert!(!b.record(&p, SimTime(t), e, true));
        }
        let e = go(&mut b, &p, 2_702);
        assert!(b.record(&p, SimTime(2_702), e, true));
    }

    #[test]
    fn outcomes_from_before_the_last_change_are_ignored() {
        let p = policy();
        let mut b = Breaker::new(&p);
        let early: Vec<u32> = (0..5).map(|t| go(&mut b, &p, t)).collect();
        for (t, &e) in early.iter().enumerate().take(3) {
            b.record(&p, SimTime(t as u64), e, true);
        }
        assert!(matches!(b.state(), State::Open { .. }));
        // The two other calls of the closed state time out while open, or after: ignored.
        assert!(!b.record(&p, SimTime(5), early[3], true));
        let trial = go(&mut b, &p, 2_000);
        assert!(!b.record(&p, SimTime(2_001), early[4], true));
        assert!(matches!(b.state(), State::HalfOpen { done: 0, .. }));
        b.record(&p, SimTime(2_002), trial, false);
        assert!(matches!(b.state(), State::HalfOpen { done: 1, .. }));
    }

    #[test]
    fn a_share_equal_to_the_rate_opens_it() {
        let p = BreakerPolicy {
            failure_rate: 0.3,
            window: 10,
            min_calls: 10,
            ..policy()
        };
        let mut b = Breaker::new(&p);
        // 7 successes, then 3 failures: 3 / 10 = 0.3 >= 0.3 at the tenth outcome.
        for t in 0..9u64 {
            let e = go(&mut b, &p, t);
            assert!(!b.record(&p, SimTime(t), e, t >= 7));
        }
        let e = go(&mut b, &p, 9);
        assert!(b.record(&p, SimTime(9), e, true));
    }

    #[test]
    fn a_window_wider_than_a_word_counts_right() {
        let p = BreakerPolicy {
            failure_rate: 0.25,
            window: 100,
            min_calls: 100,
            open_ns: 1,
            half_open_calls: 1,
        };
        let mut b = Breaker::new(&p);
        // 100 calls, every fifth failed: 20 % < 25 %. Then sliding: each new failure
        // replaces a success until 25 of the last 100 failed.
        for t in 0..100u64 {
            let e = go(&mut b, &p, t);
            assert!(!b.record(&p, SimTime(t), e, t % 5 == 0));
        }
        let mut opened_at = None;
        for t in 100..200u64 {
            let e = go(&mut b, &p, t);
            if b.record(&p, SimTime(t), e, true) {
                opened_at = Some(t);
                break;
            }
        }
        // The window after call t (>= 100) holds calls t-99..=t: the old failures among
        // them (i % 5 == 0, i <= 99) plus the t - 99 new ones. t = 104: calls 5..=104 hold
        // 19 old (5..=95) + 5 = 24; t = 105: 18 old (10..=95) + 6 = 24; t = 106: 18 + 7 = 25
        // = 25 % of 100: opens.
        assert_eq!(opened_at, Some(106));
    }
}
