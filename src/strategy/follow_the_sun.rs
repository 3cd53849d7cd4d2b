//! `follow-the-sun`: one primary at a time, rotating through regions on a UTC schedule, with
//! a handoff that drains in-flight writes and ships the log tail to the next primary.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use crate::strategy::{Ctx, Outcome, ReadFrom, Request, Strategy};
use crate::topology::RegionId;

/// What happens to writes that arrive during a handoff.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum HandoffPolicy {
    /// They wait until the next primary has taken over.
    Wait,
    /// They fail.
    Fail,
}

/// One shift of the schedule.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Shift {
    /// The primary during the shift.
    pub region: RegionId,
    /// When the shift starts, ns after 00:00 UTC.
    pub start_utc_ns: u64,
}

/// Settings of `follow-the-sun`.
#[derive(Clone, Debug)]
pub struct FollowTheSunConfig {
    /// Shifts sorted by start time; each lasts until the next (the last wraps to the first).
    pub shifts: Vec<Shift>,
    /// Writes during handoff.
    pub during_handoff: HandoffPolicy,
    /// Where reads are served.
    pub read_from: ReadFrom,
    /// UTC time of day at simulated time zero, ns after 00:00.
    pub start_utc_ns: u64,
}

/// Messages of the follow-the-sun protocol.
#[derive(Copy, Clone, Debug)]
pub enum FtsMsg {}

/// The follow-the-sun strategy's state.
pub struct FollowTheSun {
    _cfg: FollowTheSunConfig,
}

impl FollowTheSun {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(cfg: FollowTheSunConfig, _regions: usize, _keys: u64) -> Self {
        FollowTheSun { _cfg: cfg }
    }
}

impl Strategy for FollowTheSun {
    type Msg = FtsMsg;
    type Timer = ();
    fn on_request(&mut self, ctx: &mut Ctx<'_, FtsMsg, ()>, _at: RegionId, req: Request) {
        ctx.reply(req.op, Outcome::Failed);
    }
    fn on_message(&mut self, _: &mut Ctx<'_, FtsMsg, ()>, _: RegionId, _: RegionId, m: FtsMsg) {
        match m {}
    }
}
