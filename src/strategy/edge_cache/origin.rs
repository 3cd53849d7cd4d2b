//! The origin of `edge-cache`: the authoritative store (per key the current version and the
//! size of its value) and its one log. Every write, from any region, is applied here: its
//! `Version` is `{ stamp: log position, origin }`; it is acknowledged at once and, with
//! `invalidate`, announced to every cache region.
//!
//! Owns applying a write at the origin. Reads at the origin and answers to fetches are served
//! from the store by the dispatch in `mod.rs`.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::{EcMsg, EdgeCache};
use crate::strategy::{Ctx, OpId, Outcome, Version, HEADER_BYTES};
use crate::topology::RegionId;
use crate::workload::Key;

impl EdgeCache {
    /// The origin applies a write and answers the client's region `client`.
    pub(super) fn write(
        &mut self,
        ctx: &mut Ctx<'_, EcMsg, ()>,
        client: RegionId,
        op: OpId,
        key: Key,
        bytes: u32,
    ) {
        let o = self.cfg.origin;
        self.log_pos += 1;
        let version = Version {
            stamp: self.log_pos,
            origin: o,
        };
        self.store[key as usize] = version;
        self.value_bytes[key as usize] = bytes;
        self.acked += 1;
        self.acked_first.get_or_insert(ctx.now());
        ctx.answer(o, client, op, Outcome::Write(version));
        self.acks.ack(ctx, op, o, key, version, false);
        if self.cfg.invalidate {
            let acked_at = ctx.now();
            for r in (0..self.regions as RegionId).filter(|&r| r != o) {
                let msg = EcMsg::Invalidate {
                    key,
                    version,
                    acked_at,
                };
                ctx.send(o, r, msg, HEADER_BYTES);
            }
        }
    }
}
