//! Cassandra-style consistency levels of `quorum` with replicas placed per data centre
//! (`NetworkTopologyStrategy`): a region is a data centre holding `count[region]` replicas of
//! every key; an operation is done when the replicas that answered satisfy its level.
//!
//! A region's replicas answer as one message that stands for all of them (they sit one
//! intra-region hop from the coordinator and from each other, so they answer together):
//! an answer from region `d` adds `count[d]` replicas. Levels, for `n` = total replicas and
//! `k` = the coordinator's region's replicas: `one` 1, `quorum` `n / 2 + 1`, `all` `n`,
//! `local_one` 1 in the coordinator's region, `local_quorum` `k / 2 + 1` there, and
//! `each_quorum` a quorum in every data centre (every region with replicas answered). Local
//! levels read only the coordinator's own region's replicas; writes go to every region with
//! replicas (the others apply them in the background), as in Cassandra.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use crate::topology::RegionId;

/// A consistency level (Cassandra's names).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Level {
    /// One replica anywhere.
    One,
    /// A majority of all replicas.
    Quorum,
    /// Every replica.
    All,
    /// One replica in the coordinator's region.
    LocalOne,
    /// A majority of the coordinator's region's replicas.
    LocalQuorum,
    /// A majority of the replicas of every region that has replicas.
    EachQuorum,
}

impl Level {
    /// Whether reads at this level ask only the coordinator's own region.
    pub fn local(self) -> bool {
        matches!(self, Level::LocalOne | Level::LocalQuorum)
    }
}

/// Replicas per data centre and the read and write levels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DcLevels {
    /// Replicas of every key per region (index = region; 0: none).
    pub count: Vec<u16>,
    /// Read level.
    pub read: Level,
    /// Write level.
    pub write: Level,
}

/// What answered so far for one operation.
#[derive(Copy, Clone, Debug, Default)]
pub(super) struct Tally {
    /// Replicas that answered, over all regions.
    pub(super) total: u16,
    /// Replicas that answered in the coordinator's region.
    pub(super) local: u16,
    /// Regions with replicas that answered.
    pub(super) regions: u16,
}

impl DcLevels {
    /// Total replicas.
    pub fn n(&self) -> u16 {
        self.count.iter().sum()
    }

    /// Regions that hold replicas.
    pub fn regions(&self) -> u16 {
        self.count.iter().filter(|&&c| c > 0).count() as u16
    }

    /// Adds region `from`'s answer to `t`, for an operation coordinated at `at`.
    pub(super) fn add(&self, t: &mut Tally, at: RegionId, from: RegionId) {
        let c = self.count[from as usize];
        t.total += c;
        if from == at {
            t.local += c;
        }
        if c > 0 {
            t.regions += 1;
        }
    }

    /// Whether `t` satisfies `level` for an operation coordinated at `at`.
    pub(super) fn met(&self, level: Level, t: Tally, at: RegionId) -> bool {
        let k = self.count[at as usize];
        match level {
            Level::One => t.total >= 1,
            Level::Quorum => t.total > self.n() / 2,
            Level::All => t.total >= self.n(),
            Level::LocalOne => t.local >= 1,
            Level::LocalQuorum => k > 0 && t.local > k / 2,
            Level::EachQuorum => t.regions >= self.regions(),
        }
    }
}
