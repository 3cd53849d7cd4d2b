//! The cost model: compute, storage, transfer and internet egress, in US dollars.
//!
//! Owns `RegionPrices`, `Role` (what a strategy runs in a region), `footprint` (each
//! strategy's roles per region: a warm standby or a cache costs less than an active replica),
//! `CostModel` and `Cost` (the breakdown for one run). Prices are scenario settings with
//! catalogue defaults; sources are in docs/cost.md. A GB is 10^9 bytes; a month is 730 hours.
//!
//! Must not import the engine, the world, metrics internals or scenario (serde) types.

use crate::strategy::StrategyConfig;
use crate::topology::RegionId;

/// Hours in a billing month (the cloud providers' convention).
pub const HOURS_PER_MONTH: f64 = 730.0;
/// Bytes in a billed GB.
pub const BYTES_PER_GB: f64 = 1e9;

/// Prices of one region.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RegionPrices {
    /// Inter-region transfer out of the region, USD/GB.
    pub inter_region_usd_per_gb: f64,
    /// Internet egress out of the region, USD/GB.
    pub internet_usd_per_gb: f64,
    /// Compute price multiplier.
    pub price_multiplier: f64,
}

impl Default for RegionPrices {
    fn default() -> Self {
        RegionPrices {
            inter_region_usd_per_gb: 0.02,
            internet_usd_per_gb: 0.09,
            price_multiplier: 1.0,
        }
    }
}

/// What a strategy runs in a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Nothing.
    None,
    /// A primary, leader or origin.
    Primary,
    /// An active replica.
    Replica,
    /// A warm standby.
    Standby,
    /// A witness / tie-breaker.
    Witness,
    /// An active server that holds part of the data, not a full copy (follow-the-user: the
    /// users who are in the region); priced as a replica's instances.
    Server,
    /// An edge cache.
    Cache,
}

impl Role {
    /// Whether the role holds a full copy of the data.
    pub fn holds_data(self) -> bool {
        matches!(self, Role::Primary | Role::Replica | Role::Standby)
    }
}

/// The roles a strategy gives each of `n` regions.
pub fn footprint(cfg: &StrategyConfig, n: usize) -> Vec<Role> {
    let mut roles = vec![Role::None; n];
    match cfg {
        StrategyConfig::ActivePassive(c) => {
            roles.fill(Role::Standby);
            if let Some(w) = c.witness {
                roles[w as usize] = Role::Witness;
            }
            roles[c.primary as usize] = Role::Primary;
        }
        StrategyConfig::MultiMaster(_) | StrategyConfig::ActiveActive(_) => {
            roles.fill(Role::Replica)
        }
        StrategyConfig::FollowTheSun(c) => {
            roles.fill(Role::Standby);
            for s in &c.shifts {
                roles[s.region as usize] = Role::Replica;
            }
        }
        StrategyConfig::FollowTheUser(c) => {
            // Every region a user can be in runs an active store; together they hold one
            // copy of the data (each user's in the region the user is in), stored once: at
            // the primary of the keys outside the users' ranges.
            for &r in &c.user_regions {
                roles[r as usize] = Role::Server;
            }
            roles[c.default_home as usize] = Role::Primary;
        }
        StrategyConfig::Quorum(c) => {
            for set in &c.replicas {
                for &r in set {
                    roles[r as usize] = Role::Replica;
                }
            }
        }
        StrategyConfig::Consensus(c) => {
            for &m in &c.members {
                roles[m as usize] = Role::Replica;
            }
            roles[c.leader as usize] = Role::Primary;
        }
        StrategyConfig::EdgeCache(c) => {
            roles.fill(Role::Cache);
            roles[c.origin as usize] = Role::Primary;
        }
        // geosim cannot see where a custom strategy keeps data: priced as a replica in
        // every region (docs/extending.md).
        StrategyConfig::Custom(_) => roles.fill(Role::Replica),
    }
    roles
}

/// Full copies of the data a strategy stores, given its `footprint`: one per region whose
/// role holds data (primary, replica, standby), a cache region's share of one
/// (`min(capacity / key space, 1)`), none for other roles; but for `quorum`, whose replica
/// regions each hold only the keys they are replicas of, the mean size of a key's replica
/// set over the key space (`n`: each key is stored `n` times, wherever its replicas are).
pub fn stored_copies(cfg: &StrategyConfig, roles: &[Role], key_space: u64) -> f64 {
    if let StrategyConfig::Quorum(q) = cfg {
        if !q.homes.is_empty() {
            let held: u64 = q
                .homes
                .iter()
                .map(|&h| q.replicas[h as usize].len() as u64)
                .sum();
            return held as f64 / q.homes.len() as f64;
        }
    }
    let cache_share = match cfg {
        StrategyConfig::EdgeCache(e) => (e.capacity as f64 / key_space.max(1) as f64).min(1.0),
        _ => 0.0,
    };
    roles
        .iter()
        .map(|&r| {
            if r.holds_data() {
                1.0
            } else if r == Role::Cache {
                cache_share
            } else {
                0.0
            }
        })
        .sum()
}

/// Prices and sizes of a scenario.
#[derive(Clone, Debug)]
pub struct CostModel {
    /// Instance price at multiplier 1.0, USD/hour.
    pub instance_usd_per_hour: f64,
    /// Instances per role: primary, replica, standby, witness, cache.
    pub instances: [f64; 5],
    /// Storage, USD per GB-month.
    pub storage_usd_per_gb_month: f64,
    /// One full copy of the data, GB.
    pub data_gb: f64,
    /// Per-region prices.
    pub regions: Vec<RegionPrices>,
    /// Per ordered pair overrides of the transfer price (`from * n + to`).
    pub pair_price: Vec<Option<f64>>,
}

/// The cost of one run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cost {
    /// Instances x hours x price.
    pub compute_usd: f64,
    /// Stored copies x GB x price, over the window.
    pub storage_usd: f64,
    /// WAN bytes x the source region's (or pair's) price.
    pub transfer_usd: f64,
    /// Bytes answered to clients x internet egress price.
    pub egress_usd: f64,
    /// Sum of the above.
    pub total_usd: f64,
    /// Total per million operations issued (`None` when none was issued: a cost per
    /// operation of no operation does not apply).
    pub per_million_ops_usd: Option<f64>,
    /// Total projected to a 730-hour month.
    pub monthly_usd: f64,
}

impl CostModel {
    /// The transfer price from `a` to `b`, USD/GB.
    pub fn transfer_price(&self, a: RegionId, b: RegionId) -> f64 {
        let n = self.regions.len();
        self.pair_price[a as usize * n + b as usize]
            .unwrap_or(self.regions[a as usize].inter_region_usd_per_gb)
    }

    /// Instances a role runs in one region.
    pub fn instances(&self, role: Role) -> f64 {
        match role {
            Role::None => 0.0,
            Role::Primary => self.instances[0],
            Role::Replica | Role::Server => self.instances[1],
            Role::Standby => self.instances[2],
            Role::Witness => self.instances[3],
            Role::Cache => self.instances[4],
        }
    }

    /// The cost of a run of `window_s` seconds: `roles` per region, `bytes` sent per
    /// ordered region pair, `egress` bytes answered to clients per region, `ops` issued, and
    /// `copies` (full copies of the data stored: `stored_copies`).
    pub fn cost(
        &self,
        roles: &[Role],
        window_s: f64,
        bytes: &[u64],
        egress: &[u64],
        ops: u64,
        copies: f64,
    ) -> Cost {
        let n = self.regions.len();
        let hours = window_s / 3600.0;
        let compute_usd: f64 = roles
            .iter()
            .zip(&self.regions)
            .map(|(&role, p)| {
                self.instances(role) * self.instance_usd_per_hour * p.price_multiplier * hours
            })
            .sum();
        let storage_usd =
            copies * self.data_gb * self.storage_usd_per_gb_month * hours / HOURS_PER_MONTH;
        let mut transfer_usd = 0.0;
        for a in 0..n {
            for b in 0..n {
                if a != b {
                    let gb = bytes[a * n + b] as f64 / BYTES_PER_GB;
                    transfer_usd += gb * self.transfer_price(a as RegionId, b as RegionId);
                }
            }
        }
        let egress_usd: f64 = egress
            .iter()
            .zip(&self.regions)
            .map(|(&b, p)| b as f64 / BYTES_PER_GB * p.internet_usd_per_gb)
            .sum();
        let total_usd = compute_usd + storage_usd + transfer_usd + egress_usd;
        Cost {
            compute_usd,
            storage_usd,
            transfer_usd,
            egress_usd,
            total_usd,
            per_million_ops_usd: (ops > 0).then(|| total_usd / ops as f64 * 1e6),
            monthly_usd: if hours > 0.0 {
                total_usd * HOURS_PER_MONTH / hours
            } else {
                0.0
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(n: usize) -> CostModel {
        CostModel {
            instance_usd_per_hour: 1.0,
            instances: [4.0, 4.0, 2.0, 1.0, 2.0],
            storage_usd_per_gb_month: 0.1,
            data_gb: 10.0,
            regions: vec![RegionPrices::default(); n],
            pair_price: vec![None; n * n],
        }
    }

    #[test]
    fn hand_computed_small_case() {
        let mut m = model(2);
        m.regions[1].inter_region_usd_per_gb = 0.09;
        m.pair_price[1] = Some(0.05); // 0 -> 1
        let bytes = [7, 3_000_000_000, 2_000_000_000, 11];
        let c = m.cost(
            &[Role::Primary, Role::Standby],
            3600.0,
            &bytes,
            &[1_000_000_000, 0],
            1_000_000,
            2.0,
        );
        assert_eq!(c.compute_usd, 6.0);
        assert_eq!(c.transfer_usd, 3.0 * 0.05 + 2.0 * 0.09);
        assert_eq!(c.egress_usd, 0.09);
        assert!((c.storage_usd - 2.0 * 10.0 * 0.1 / 730.0).abs() < 1e-12);
        assert!((c.monthly_usd - c.total_usd * 730.0).abs() < 1e-9);
        assert!((c.per_million_ops_usd.unwrap() - c.total_usd).abs() < 1e-12);
        // No operation issued: the same run has no cost per operation (null, not 0).
        let none = m.cost(
            &[Role::Primary, Role::Standby],
            3600.0,
            &bytes,
            &[0, 0],
            0,
            2.0,
        );
        assert_eq!(none.per_million_ops_usd, None);
        assert_eq!(none.compute_usd, 6.0);
    }

    #[test]
    fn a_standby_costs_less_than_a_replica() {
        let m = model(1);
        let standby = m.cost(&[Role::Standby], 3600.0, &[0], &[0], 1, 0.0);
        let replica = m.cost(&[Role::Replica], 3600.0, &[0], &[0], 1, 0.0);
        assert!(standby.compute_usd < replica.compute_usd);
    }
}
