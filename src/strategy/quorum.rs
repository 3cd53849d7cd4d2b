//! `quorum` (Dynamo-style): N replicas per key, writes acknowledged after W replies, reads
//! answered after R replies, newest version wins; optional read repair.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use crate::strategy::{Ctx, Outcome, Request, Strategy};
use crate::topology::RegionId;

/// Settings of `quorum`.
#[derive(Clone, Debug)]
pub struct QuorumConfig {
    /// Replicas per key.
    pub n: usize,
    /// Read quorum.
    pub r: usize,
    /// Write quorum.
    pub w: usize,
    /// Home region of every key (index = key).
    pub homes: Vec<RegionId>,
    /// The `n` replica regions used for keys homed at each region (index = home region).
    pub replicas: Vec<Vec<RegionId>>,
    /// Send the newest version to replicas that answered a read with an older one.
    pub read_repair: bool,
}

/// Messages of the quorum protocol.
#[derive(Copy, Clone, Debug)]
pub enum QMsg {}

/// The quorum strategy's state.
pub struct Quorum {
    _cfg: QuorumConfig,
}

impl Quorum {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(cfg: QuorumConfig, _regions: usize, _keys: u64) -> Self {
        Quorum { _cfg: cfg }
    }
}

impl Strategy for Quorum {
    type Msg = QMsg;
    type Timer = ();
    fn on_request(&mut self, ctx: &mut Ctx<'_, QMsg, ()>, _at: RegionId, req: Request) {
        ctx.reply(req.op, Outcome::Failed);
    }
    fn on_message(&mut self, _: &mut Ctx<'_, QMsg, ()>, _: RegionId, _: RegionId, m: QMsg) {
        match m {}
    }
}
