//! The scenario file as written: serde types that mirror TOML/JSON one to one.
//!
//! Owns the on-disk shape of a scenario (`ScenarioSpec` and its parts), their defaults and
//! their JSON Schema (schemars). Every struct denies unknown fields; strategies are a tagged
//! enum on `kind`, latency distributions a tagged enum on `dist` (or a bare number of ms).
//! Nothing here is checked beyond types: `validate` turns a spec into domain types.
//!
//! Must not import the engine, the world, metrics or report; domain types do not depend on
//! this module.
//!
//! One file per section of the file: `region` (network model, regions, links, capacity),
//! `latency` (a number of ms or a distribution), `workload` (client groups), `faults`
//! (clients, detection, listed and random faults), `strategy` (the strategies and their
//! residency mode), `cost` (prices, data classes, SLOs) and `consistency` (probe reads). This
//! file holds the whole `ScenarioSpec`; every type stays reachable as `scenario::spec::Name`.

mod consistency;
mod cost;
mod faults;
mod latency;
mod region;
mod strategy;
mod workload;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use consistency::ConsistencySpec;
pub use cost::{CostSpec, DataClassSpec, InstancesSpec, PairPriceSpec, SloOp, SloSpec};
pub use faults::{
    CircuitBreakerSpec, ClientsSpec, DetectionSpec, FaultSpec, RandomFaultsSpec, RecoverySpec,
    SessionRoutingSpec, DEFAULT_MTTR_S, DEFAULT_RETRANSMIT_MS,
};
pub use latency::{DistSpec, LatencySpec, MixtureComponent};
pub use region::{
    CapacitySpec, LinkSpec, NetworkSpec, PathSpec, RegionSpec, UnlinkedSpec, VariationSpec,
};
pub use strategy::{
    AckSpec, ActiveActiveSpec, ActivePassiveSpec, ConsensusReadsSpec, ConsensusSpec,
    ConsistencyLevelSpec, CustomSpec, EdgeCacheSpec, FailbackSpec, FollowTheSunSpec,
    FollowTheUserSpec, HandoffSpec, HomeShareSpec, MultiMasterSpec, QuorumSpec, ReadFromSpec,
    ReplicasPerRegionSpec, ReplicationSpec, ResidencySpec, ResolutionSpec, ShiftSpec,
    SplitBrainSpec, StrategySpec, SyncQuorumSpec, UserHandoffSpec, UserHomeSpec,
    DEFAULT_FAILBACK_HOLD_S,
};
pub use workload::{ClientSpec, DiurnalSpec, TripSpec, UsersSpec, WorkloadSpec};

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    /// Scenario name (default: the file name without extension).
    #[serde(default)]
    pub name: Option<String>,
    /// Free text for readers of the file (not used by the simulation).
    #[serde(default)]
    pub description: Option<String>,
    /// Run seed (default 1; `--seed` overrides).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Simulated seconds during which clients issue operations (> 0).
    #[schemars(range(max = 31_536_000), extend("exclusiveMinimum" = 0))]
    pub duration_s: f64,
    /// Extra simulated seconds after `duration_s` to finish in-flight work (default 60).
    #[serde(default = "default_drain_s")]
    #[schemars(range(min = 0, max = 31_536_000))]
    pub drain_s: f64,
    /// UTC hour of day at simulated time zero, [0, 24) (default 0).
    #[serde(default)]
    #[schemars(range(min = 0), extend("exclusiveMaximum" = 24))]
    pub start_utc_h: f64,
    /// The geography-derived latency model.
    #[serde(default)]
    pub network: NetworkSpec,
    /// Regions (at least one).
    #[schemars(with = "Vec<region::RegionSchema>")]
    pub regions: Vec<RegionSpec>,
    /// Explicit WAN links.
    #[serde(default)]
    pub links: Vec<LinkSpec>,
    /// The offered load.
    pub workload: WorkloadSpec,
    /// Strategies to compare (at least one).
    pub strategies: Vec<StrategySpec>,
    /// Client timeouts, retries and rerouting.
    #[serde(default)]
    pub clients: ClientsSpec,
    /// Heartbeat failure detector.
    #[serde(default)]
    pub detection: DetectionSpec,
    /// Listed faults.
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    /// Seeded random faults.
    #[serde(default)]
    pub random_faults: Option<RandomFaultsSpec>,
    /// Prices of the cost model.
    #[serde(default)]
    pub cost: CostSpec,
    /// Data classes with the regions their data may live in.
    #[serde(default)]
    pub data_classes: Vec<DataClassSpec>,
    /// Service-level objectives every strategy is judged against.
    #[serde(default)]
    pub slo: Vec<SloSpec>,
    /// Opt-in consistency measurements (probe reads).
    #[serde(default)]
    pub consistency: ConsistencySpec,
}

fn default_drain_s() -> f64 {
    60.0
}
