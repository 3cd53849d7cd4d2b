//! The UTC shift schedule of `follow-the-sun`: which region is scheduled at a simulated time,
//! how long until the next shift boundary, and the boundary timer.
//!
//! Owns the mapping from simulated time to UTC time of day and shift, and what a boundary
//! does when it fires (re-arm the timer at every region, re-check failover, hand off). Whom
//! to hand off to, and how, is `handoff`'s.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::{Cx, FollowTheSun, FtsTimer};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::DAY_NS;

impl FollowTheSun {
    /// The scheduled primary at simulated time `t`.
    pub fn primary_at(&self, t: SimTime) -> RegionId {
        self.cfg.shifts[self.shift_at(t)].region
    }

    /// The index of the shift running at simulated time `t`.
    pub(super) fn shift_at(&self, t: SimTime) -> usize {
        let utc = self.utc(t);
        let shifts = &self.cfg.shifts;
        match shifts.partition_point(|s| s.start_utc_ns <= utc) {
            0 => shifts.len() - 1,
            i => i - 1,
        }
    }

    #[inline]
    fn utc(&self, t: SimTime) -> u64 {
        ((self.cfg.start_utc_ns as u128 + t.as_nanos() as u128) % DAY_NS as u128) as u64
    }

    /// Nanoseconds from `t` to the next shift start (strictly after `t`).
    pub(super) fn to_next_boundary(&self, t: SimTime) -> u64 {
        let utc = self.utc(t);
        let shifts = &self.cfg.shifts;
        let next = match shifts.partition_point(|s| s.start_utc_ns <= utc) {
            i if i < shifts.len() => shifts[i].start_utc_ns,
            _ => shifts[0].start_utc_ns + DAY_NS,
        };
        next - utc
    }

    /// A shift boundary fired (timer `seq`; the first of the regions' copies counts): re-arm
    /// the timer at every region, re-check failover and start the handoff.
    pub(super) fn boundary(&mut self, ctx: &mut Cx<'_>, seq: u32) {
        if seq != self.boundary_seq {
            return; // Another region's copy fired first.
        }
        self.boundary_seq = seq.wrapping_add(1);
        let now = ctx.now();
        self.last_boundary = now;
        let after = self.to_next_boundary(now);
        let next = FtsTimer::Boundary {
            seq: self.boundary_seq,
        };
        for r in 0..self.regions as RegionId {
            ctx.set_timer(r, after, next);
        }
        // The candidates for a failover changed with the shift.
        self.check_failover(ctx);
        // During a running handoff, the next one starts when it completes.
        if let Some(p) = self.active {
            if let Some(to) = self.pick(now, p) {
                self.start_handoff(ctx, p, to, now);
            }
        }
    }
}
