//! The money and the rules of a scenario file: prices of the cost model (`[cost]`), data
//! classes with the regions their data may live in (`[[data_classes]]`) and service-level
//! objectives (`[[slo]]`).
//!
//! Serde types only; `validate::cost` checks them. Must not import domain types (`cost`,
//! `residency`, `slo`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Prices of the cost model (see docs/cost.md for sources).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CostSpec {
    /// On-demand price of one instance in a price-multiplier-1.0 region, USD/hour (default
    /// 0.384: an 8 vCPU general-purpose instance in aws:us-east-1).
    #[serde(default = "default_instance_price")]
    pub instance_usd_per_hour: f64,
    /// Instances per region by role.
    #[serde(default)]
    pub instances: InstancesSpec,
    /// Block storage price, USD per GB-month (default 0.08).
    #[serde(default = "default_storage_price")]
    pub storage_usd_per_gb_month: f64,
    /// Size of one full copy of the data in GB (default: key space x value bytes).
    #[serde(default)]
    pub data_gb: Option<f64>,
    /// Inter-region prices for particular pairs, USD/GB (override the source region's).
    #[serde(default)]
    pub transfer: Vec<PairPriceSpec>,
}

impl Default for CostSpec {
    fn default() -> Self {
        CostSpec {
            instance_usd_per_hour: default_instance_price(),
            instances: InstancesSpec::default(),
            storage_usd_per_gb_month: default_storage_price(),
            data_gb: None,
            transfer: Vec::new(),
        }
    }
}

fn default_instance_price() -> f64 {
    0.384
}
fn default_storage_price() -> f64 {
    0.08
}

/// Instances per region for each role a strategy gives a region.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstancesSpec {
    /// A primary / leader / origin (default 4).
    #[serde(default = "four")]
    pub primary: f64,
    /// An active replica serving reads and writes (default 4).
    #[serde(default = "four")]
    pub replica: f64,
    /// A warm standby (default 2).
    #[serde(default = "two")]
    pub standby: f64,
    /// A witness / tie-breaker (default 1).
    #[serde(default = "one")]
    pub witness: f64,
    /// An edge cache (default 2).
    #[serde(default = "two")]
    pub cache: f64,
}

impl Default for InstancesSpec {
    fn default() -> Self {
        InstancesSpec {
            primary: 4.0,
            replica: 4.0,
            standby: 2.0,
            witness: 1.0,
            cache: 2.0,
        }
    }
}

fn four() -> f64 {
    4.0
}
fn two() -> f64 {
    2.0
}
fn one() -> f64 {
    1.0
}

/// The transfer price of one ordered region pair.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PairPriceSpec {
    /// Source region.
    pub from: String,
    /// Destination region.
    pub to: String,
    /// USD per GB.
    pub usd_per_gb: f64,
}

/// A data class: which regions its data may live in.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataClassSpec {
    /// Unique name.
    pub name: String,
    /// Regions allowed by name.
    #[serde(default)]
    pub allowed_regions: Vec<String>,
    /// Regions allowed by jurisdiction label.
    #[serde(default)]
    pub allowed_jurisdictions: Vec<String>,
    /// Key ranges `[start, end)` of this class (client groups can also name the class).
    #[serde(default)]
    pub keys: Vec<[u64; 2]>,
}

/// A service-level objective, tagged by `kind`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum SloSpec {
    /// A latency percentile stays at or below a bound.
    Latency {
        /// `read` or `write`.
        op: SloOp,
        /// One of `p50`, `p90`, `p99`, `p999`, `max`, `mean`.
        percentile: String,
        /// The bound, ms.
        max_ms: f64,
        /// One client region (default: every client region, one objective each).
        #[serde(default)]
        region: Option<String>,
    },
    /// Availability stays at or above a share.
    Availability {
        /// The smallest acceptable share, [0, 1].
        min: f64,
        /// `read`, `write` or omitted for all operations.
        #[serde(default)]
        op: Option<SloOp>,
    },
    /// Data loss stays at or below a bound.
    Rpo {
        /// Largest acceptable number of lost acknowledged writes.
        #[serde(default)]
        max_lost_writes: Option<u64>,
        /// Largest acceptable span of lost data, s.
        #[serde(default)]
        max_span_s: Option<f64>,
    },
    /// Recovery time stays at or below a bound.
    Rto {
        /// Largest acceptable RTO over faults, s.
        max_s: f64,
    },
    /// Projected monthly cost stays at or below a budget.
    Budget {
        /// USD per month.
        monthly_usd: f64,
    },
    /// Stale reads stay at or below a rate.
    StaleReads {
        /// Largest acceptable stale-read rate, [0, 1].
        max_rate: f64,
    },
}

/// Operation kind of an SLO.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SloOp {
    /// Reads.
    Read,
    /// Writes.
    Write,
}
