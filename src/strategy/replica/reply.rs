//! Answering a client from the region that ran its operation.
//!
//! Owns `CarriesAnswer` (a protocol whose messages include a `Done { op, outcome }` back to
//! the client's region) and `Ctx::answer`: reply at once when the operation ran in the
//! client's own region, else send the answer there (header only; its transit is tagged as
//! WAN response time), where the strategy's `Done` arm replies. A write answered this way
//! commits where it ran, at once (`Ctx::committed`), not when its answer arrives.
//!
//! Must not import the engine, the simulation world, metrics or scenario (serde) types.

use crate::strategy::{Ctx, OpId, Outcome, Part, HEADER_BYTES};
use crate::topology::RegionId;

/// A protocol's messages can carry an operation's answer back to its client's region.
pub trait CarriesAnswer {
    /// The message that carries `outcome` of `op` (the protocol's `Done`).
    fn done(op: OpId, outcome: Outcome) -> Self;
}

impl<M: CarriesAnswer, T> Ctx<'_, M, T> {
    /// Answers `op`, run at `at`, to its client's region `client`: a reply when that is
    /// `at`, else a `Done` message from `at` to `client`.
    #[inline]
    pub fn answer(&mut self, at: RegionId, client: RegionId, op: OpId, outcome: Outcome) {
        if at == client {
            self.reply(op, outcome);
        } else {
            if let Outcome::Write(version) = outcome {
                // The write commits here and now, not when its answer reaches the client.
                self.committed(op, version);
            }
            self.send(at, client, M::done(op, outcome), HEADER_BYTES);
            self.forwarded(op, client, Part::WanResponse);
        }
    }
}
