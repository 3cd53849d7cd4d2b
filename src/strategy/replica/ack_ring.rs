//! The acknowledgement times a primary keeps for its most recent writes, by log position: how
//! current a failover candidate is (RPO is counted by `ack_log`, not from these times).
//!
//! Owns `AckRing`: the time each write was acknowledged, by its position in the primary's
//! count (a ring of `AckRing::LEN` entries; older times are overwritten), and the span between
//! the first and the last of a run of lost writes, clamped to what the ring still holds.
//! Which writes count as lost stays in the strategies.
//!
//! Must not import the engine, the simulation world, metrics or scenario (serde) types.

use crate::time::SimTime;

/// Acknowledgement times by position, in a ring (allocated at the first write; a position
/// never recorded reads as time zero).
#[derive(Clone, Debug, Default)]
pub struct AckRing(Vec<SimTime>);

impl AckRing {
    /// Positions kept.
    pub const LEN: usize = 1 << 16;

    /// An empty ring (nothing allocated yet).
    pub fn new() -> AckRing {
        AckRing(Vec::new())
    }

    /// The write at position `pos` was acknowledged at `at`.
    #[inline]
    pub fn record(&mut self, pos: u64, at: SimTime) {
        if self.0.is_empty() {
            self.0 = vec![SimTime::ZERO; Self::LEN];
        }
        self.0[pos as usize % Self::LEN] = at;
    }

    /// When the write at `pos` was acknowledged (if the ring still holds it).
    #[inline]
    pub fn at(&self, pos: u64) -> SimTime {
        self.0
            .get(pos as usize % Self::LEN)
            .copied()
            .unwrap_or(SimTime::ZERO)
    }
}
