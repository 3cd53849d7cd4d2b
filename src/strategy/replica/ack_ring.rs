//! The acknowledgement times a primary keeps for its most recent writes, to measure the time
//! span of writes lost in a failover (RPO).
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

    /// The time between the acknowledgements of the lost writes `first..=last`, counted from
    /// the oldest position the ring still holds, ns.
    pub fn span(&self, first: u64, last: u64) -> u64 {
        let first = first.max((last + 1).saturating_sub(Self::LEN as u64));
        self.at(last).saturating_since(self.at(first))
    }
}
