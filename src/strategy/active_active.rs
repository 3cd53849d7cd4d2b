//! `active-active` (partitioned ownership): every key has a home region that takes its
//! writes; reads are served locally.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use crate::strategy::{Ctx, Outcome, Request, Strategy};
use crate::topology::RegionId;

/// Settings of `active-active`.
#[derive(Clone, Debug)]
pub struct ActiveActiveConfig {
    /// Home region of every key (index = key).
    pub homes: Vec<RegionId>,
}

/// Messages of the active-active protocol.
#[derive(Copy, Clone, Debug)]
pub enum AaMsg {}

/// The active-active strategy's state.
pub struct ActiveActive {
    _cfg: ActiveActiveConfig,
}

impl ActiveActive {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(cfg: ActiveActiveConfig, _regions: usize, _keys: u64) -> Self {
        ActiveActive { _cfg: cfg }
    }
}

impl Strategy for ActiveActive {
    type Msg = AaMsg;
    type Timer = ();
    fn on_request(&mut self, ctx: &mut Ctx<'_, AaMsg, ()>, _at: RegionId, req: Request) {
        ctx.reply(req.op, Outcome::Failed);
    }
    fn on_message(&mut self, _: &mut Ctx<'_, AaMsg, ()>, _: RegionId, _: RegionId, m: AaMsg) {
        match m {}
    }
}
