//! `edge-cache`: an origin region holds the data; every other region runs an LRU cache with
//! a TTL; reads hit locally or miss to the origin; writes go to the origin and optionally
//! invalidate the caches.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use crate::strategy::{Ctx, Outcome, Request, Strategy};
use crate::topology::RegionId;

/// Settings of `edge-cache`.
#[derive(Clone, Debug)]
pub struct EdgeCacheConfig {
    /// The region holding the data.
    pub origin: RegionId,
    /// How long a cached entry may be served, ns.
    pub ttl_ns: u64,
    /// Entries per cache (LRU beyond).
    pub capacity: usize,
    /// Writes send invalidations to every cache.
    pub invalidate: bool,
}

/// Messages of the edge-cache protocol.
#[derive(Copy, Clone, Debug)]
pub enum EcMsg {}

/// The edge-cache strategy's state.
pub struct EdgeCache {
    _cfg: EdgeCacheConfig,
}

impl EdgeCache {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(cfg: EdgeCacheConfig, _regions: usize, _keys: u64) -> Self {
        EdgeCache { _cfg: cfg }
    }
}

impl Strategy for EdgeCache {
    type Msg = EcMsg;
    type Timer = ();
    fn on_request(&mut self, ctx: &mut Ctx<'_, EcMsg, ()>, _at: RegionId, req: Request) {
        ctx.reply(req.op, Outcome::Failed);
    }
    fn on_message(&mut self, _: &mut Ctx<'_, EcMsg, ()>, _: RegionId, _: RegionId, m: EcMsg) {
        match m {}
    }
}
