//! `consensus` (Raft/Multi-Paxos-like): a leader region orders writes in a log and commits
//! them once a majority of members has them; reads under a leader lease or by read index.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use crate::strategy::{Ctx, Outcome, Request, Strategy};
use crate::topology::RegionId;

/// How reads are made linearizable.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ConsensusReads {
    /// Every read is served by the leader, which holds a lease.
    Lease,
    /// A member asks the leader for its commit index, waits until it has applied it, and
    /// serves the read locally.
    ReadIndex,
}

/// Settings of `consensus`.
#[derive(Clone, Debug)]
pub struct ConsensusConfig {
    /// The leader region.
    pub leader: RegionId,
    /// Member regions (the leader included), sorted.
    pub members: Vec<RegionId>,
    /// Read mode.
    pub reads: ConsensusReads,
}

/// Messages of the consensus protocol.
#[derive(Copy, Clone, Debug)]
pub enum CMsg {}

/// The consensus strategy's state.
pub struct Consensus {
    _cfg: ConsensusConfig,
}

impl Consensus {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(cfg: ConsensusConfig, _regions: usize, _keys: u64) -> Self {
        Consensus { _cfg: cfg }
    }
}

impl Strategy for Consensus {
    type Msg = CMsg;
    type Timer = ();
    fn on_request(&mut self, ctx: &mut Ctx<'_, CMsg, ()>, _at: RegionId, req: Request) {
        ctx.reply(req.op, Outcome::Failed);
    }
    fn on_message(&mut self, _: &mut Ctx<'_, CMsg, ()>, _: RegionId, _: RegionId, m: CMsg) {
        match m {}
    }
}
