//! Where one operation's time goes: `Track`, the per-operation latency breakdown.
//!
//! A fixed array of nanosecond accumulators, one per component (`strategy::Part`), plus the
//! running component (the phase) and the instant up to which time is attributed (`mark`).
//! Every change of phase adds the time since `mark` to the running component, so the
//! components add up to the time since the current attempt began exactly (telescoping);
//! earlier attempts and their backoff are one component (`Retries`). A leg whose delay is
//! known when it starts (the client's access + WAN, a forwarded message's transit) is
//! attributed at once and moves `mark` into the future; an event before that instant takes
//! the unspent part back (`clip`), so the sum stays exact whatever comes early. No allocation:
//! `Track` is `Copy` and lives inside the operation's entry.
//!
//! Must not import the scenario spec (serde), report or io modules, nor a concrete strategy.

use crate::strategy::{Part, PARTS};
use crate::time::SimTime;
use crate::topology::RegionId;

/// The latency breakdown of one operation in flight.
///
/// Laid out in declaration order (`repr(C)`): what every change of phase reads (`mark`,
/// `phase`) first, next to the start of the accumulators.
#[derive(Copy, Clone, Debug)]
#[repr(C)]
pub(super) struct Track {
    /// Time is attributed up to here (may lie ahead of now: a leg attributed in advance).
    pub(super) mark: SimTime,
    /// The running component.
    pub(super) phase: Part,
    /// The region the operation's request was last sent on to (or its remote serving region).
    pub(super) peer: Option<RegionId>,
    /// Nanoseconds attributed to each component.
    pub(super) parts: [u64; PARTS],
    /// The legs attributed in advance, latest last: (component, ns).
    pub(super) ahead: [(Part, u64); 2],
}

impl Track {
    /// The track of an operation whose first attempt has not started (`attempt` starts it):
    /// a constant, so an operation's entry is written in place rather than through a copy.
    pub(super) const UNSTARTED: Track = Track::new(SimTime::ZERO);

    /// A track for an operation issued at `start`.
    pub(super) const fn new(start: SimTime) -> Self {
        Track {
            parts: [0; PARTS],
            phase: Part::Access,
            mark: start,
            ahead: [(Part::Access, 0); 2],
            peer: None,
        }
    }

    /// A new attempt starts at `now` for an operation issued at `start`: everything before
    /// it (failed attempts, backoff) is retry time.
    pub(super) fn attempt(&mut self, start: SimTime, now: SimTime) {
        self.parts = [0; PARTS];
        self.parts[Part::Retries as usize] = now.saturating_since(start);
        self.mark = now;
        self.ahead = [(Part::Access, 0); 2];
        self.peer = None;
    }

    /// Attributes the time up to `now` to the running component and runs `next` from there.
    /// Ignored while `mark` lies ahead of `now` (a leg attributed in advance is in transit).
    #[inline]
    pub(super) fn advance(&mut self, now: SimTime, next: Part) {
        if now < self.mark {
            return;
        }
        self.parts[self.phase as usize] += now.0 - self.mark.0;
        self.mark = now;
        self.phase = next;
    }

    /// At `now`, two legs of known length start one after the other (`first` then
    /// `second`); after them the operation runs `next`.
    #[inline]
    pub(super) fn legs(
        &mut self,
        now: SimTime,
        first: (Part, u64),
        second: (Part, u64),
        next: Part,
    ) {
        self.advance(now, next);
        self.clip(now);
        self.parts[first.0 as usize] += first.1;
        self.parts[second.0 as usize] += second.1;
        self.ahead = [first, second];
        self.mark = now + first.1 + second.1;
        self.phase = next;
    }

    /// An event at `now` before `mark`: the legs attributed in advance give back the time
    /// after `now`, latest leg first.
    #[inline]
    pub(super) fn clip(&mut self, now: SimTime) {
        if now >= self.mark {
            return;
        }
        let mut excess = self.mark.0 - now.0;
        for (part, ns) in self.ahead.iter_mut().rev() {
            let take = excess.min(*ns);
            *ns -= take;
            self.parts[*part as usize] -= take;
            excess -= take;
        }
        debug_assert_eq!(excess, 0, "a leg attributed in advance covers mark - now");
        self.mark = now;
    }

    /// Sum of the components.
    #[cfg(test)]
    pub(super) fn total(&self) -> u64 {
        self.parts.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_telescope_to_the_elapsed_time() {
        let t = |ns| SimTime(ns);
        let mut k = Track::new(t(100));
        k.attempt(t(100), t(100));
        // Access 5 then WAN 40, then queueing from 145.
        k.legs(
            t(100),
            (Part::Access, 5),
            (Part::WanRequest, 40),
            Part::Queueing,
        );
        k.advance(t(120), Part::Service); // ignored: the request is still in transit
        k.advance(t(150), Part::Service);
        k.advance(t(160), Part::Replication);
        k.advance(t(200), Part::WanResponse);
        k.legs(
            t(230),
            (Part::Access, 3),
            (Part::WanResponse, 40),
            Part::Access,
        );
        assert_eq!(k.mark, t(273));
        assert_eq!(k.total(), 173);
        let p = k.parts;
        assert_eq!(p[Part::Access as usize], 8);
        assert_eq!(p[Part::WanRequest as usize], 40);
        assert_eq!(p[Part::Queueing as usize], 5);
        assert_eq!(p[Part::Service as usize], 10);
        assert_eq!(p[Part::Replication as usize], 40);
        assert_eq!(p[Part::WanResponse as usize], 30 + 40);
    }

    #[test]
    fn an_early_event_takes_back_the_unspent_leg_and_retries_absorb_attempts() {
        let t = |ns| SimTime(ns);
        let mut k = Track::new(t(0));
        k.attempt(t(0), t(0));
        k.legs(
            t(0),
            (Part::Access, 10),
            (Part::WanRequest, 50),
            Part::Queueing,
        );
        // A late answer of an earlier attempt at 30: 30 ns spent (10 access, 20 WAN).
        k.legs(
            t(30),
            (Part::Access, 4),
            (Part::WanResponse, 6),
            Part::Access,
        );
        assert_eq!(k.total(), 40);
        assert_eq!(k.parts[Part::WanRequest as usize], 20);
        // A second attempt at 500 after a timeout: all of the first is retry time.
        k.attempt(t(0), t(500));
        assert_eq!(k.total(), 500);
        assert_eq!(k.parts[Part::Retries as usize], 500);
    }
}
