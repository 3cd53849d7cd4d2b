//! The scenario file as written: serde types that mirror TOML/JSON one to one.
//!
//! Owns the on-disk shape of a scenario (`ScenarioSpec` and its parts), their defaults and
//! their JSON Schema (schemars). Every struct denies unknown fields; strategies are a tagged
//! enum on `kind`, latency distributions a tagged enum on `dist` (or a bare number of ms).
//! Nothing here is checked beyond types: `validate` turns a spec into domain types.
//!
//! Must not import the engine, the world, metrics or report; domain types do not depend on
//! this module.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::topology::{DEFAULT_INTRA_MS, DEFAULT_OVERHEAD_MS, DEFAULT_ROUTE_INFLATION};

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
    pub duration_s: f64,
    /// Extra simulated seconds after `duration_s` to finish in-flight work (default 60).
    #[serde(default = "default_drain_s")]
    pub drain_s: f64,
    /// UTC hour of day at simulated time zero, [0, 24) (default 0).
    #[serde(default)]
    pub start_utc_h: f64,
    /// The geography-derived latency model.
    #[serde(default)]
    pub network: NetworkSpec,
    /// Regions (at least one).
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
}

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

/// How a strategy treats data-residency rules.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ResidencySpec {
    /// Behave as without rules and count every violation.
    #[default]
    Ignore,
    /// Keep placement, replication, caching and routing of each class inside its regions.
    Enforce,
}

/// How clients behave when requests go unanswered.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientsSpec {
    /// Wait for an answer before retrying, ms (> 0, default 5000).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: f64,
    /// Retries after the first attempt (default 2).
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// Delay before the first retry, ms; doubles per retry (default 100).
    #[serde(default = "default_backoff_ms")]
    pub backoff_ms: f64,
    /// Largest retry delay, ms (default 2000).
    #[serde(default = "default_backoff_cap_ms")]
    pub backoff_cap_ms: f64,
    /// Seconds until clients notice their region is down (or back) and go to the nearest
    /// healthy region (or back) (default 30).
    #[serde(default = "default_reroute_s")]
    pub reroute_after_s: f64,
}

impl Default for ClientsSpec {
    fn default() -> Self {
        ClientsSpec {
            timeout_ms: default_timeout_ms(),
            retries: default_retries(),
            backoff_ms: default_backoff_ms(),
            backoff_cap_ms: default_backoff_cap_ms(),
            reroute_after_s: default_reroute_s(),
        }
    }
}

fn default_timeout_ms() -> f64 {
    5000.0
}
fn default_retries() -> u32 {
    2
}
fn default_backoff_ms() -> f64 {
    100.0
}
fn default_backoff_cap_ms() -> f64 {
    2000.0
}
fn default_reroute_s() -> f64 {
    30.0
}

/// Heartbeat failure detector settings (active when the scenario has faults).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DetectionSpec {
    /// Heartbeat period, ms (> 0, default 1000).
    #[serde(default = "default_heartbeat_ms")]
    pub heartbeat_ms: f64,
    /// Silence after which a peer is suspected, ms (> heartbeat_ms, default 3000).
    #[serde(default = "default_detect_timeout_ms")]
    pub timeout_ms: f64,
}

impl Default for DetectionSpec {
    fn default() -> Self {
        DetectionSpec {
            heartbeat_ms: default_heartbeat_ms(),
            timeout_ms: default_detect_timeout_ms(),
        }
    }
}

fn default_heartbeat_ms() -> f64 {
    1000.0
}
fn default_detect_timeout_ms() -> f64 {
    3000.0
}

/// A listed fault, tagged by `kind`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum FaultSpec {
    /// Cut all links between two groups of regions.
    Partition {
        /// One side (region names).
        a: Vec<String>,
        /// The other side (region names).
        b: Vec<String>,
        /// Only cut `a` -> `b` (default false: both ways).
        #[serde(default)]
        one_way: bool,
        /// Start, seconds of simulated time.
        start_s: f64,
        /// Length in seconds (default: until the end).
        #[serde(default)]
        duration_s: Option<f64>,
    },
    /// A region stops.
    RegionOutage {
        /// The region.
        region: String,
        /// `durable` (default: applied state survives) or `empty`.
        #[serde(default)]
        recover: RecoverySpec,
        /// Start, seconds.
        start_s: f64,
        /// Length in seconds (default: until the end).
        #[serde(default)]
        duration_s: Option<f64>,
    },
    /// A link gets slower, lossy or narrower.
    LinkDegradation {
        /// Source region.
        from: String,
        /// Destination region.
        to: String,
        /// Degrade both directions (default true).
        #[serde(default = "default_true")]
        both_ways: bool,
        /// Extra one-way latency (default none).
        #[serde(default)]
        extra_latency: Option<LatencySpec>,
        /// Share of transmissions lost, [0, 1) (default 0); lost ones are retransmitted.
        #[serde(default)]
        loss: f64,
        /// Link capacity in megabits per second (default: unlimited).
        #[serde(default)]
        bandwidth_mbps: Option<f64>,
        /// Retransmission timeout, ms (default 200).
        #[serde(default = "default_retransmit_ms")]
        retransmit_ms: f64,
        /// Start, seconds.
        start_s: f64,
        /// Length in seconds (default: until the end).
        #[serde(default)]
        duration_s: Option<f64>,
    },
    /// A region's clock is wrong.
    ClockSkew {
        /// The region.
        region: String,
        /// Offset in ms (positive: ahead; default 0).
        #[serde(default)]
        offset_ms: f64,
        /// Drift in parts per million (default 0).
        #[serde(default)]
        drift_ppm: f64,
        /// Start, seconds.
        start_s: f64,
        /// Length in seconds (default: until the end).
        #[serde(default)]
        duration_s: Option<f64>,
    },
}

fn default_true() -> bool {
    true
}
fn default_retransmit_ms() -> f64 {
    200.0
}

/// What a region keeps through an outage.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RecoverySpec {
    /// Applied state survives.
    #[default]
    Durable,
    /// Comes back empty.
    Empty,
}

/// Seeded random faults.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RandomFaultsSpec {
    /// Mean time between outages of each region, s (default: no random outages).
    #[serde(default)]
    pub region_mtbf_s: Option<f64>,
    /// Mean outage length, s (default 300).
    #[serde(default = "default_mttr")]
    pub region_mttr_s: f64,
    /// Mean time between partitions of each region pair, s (default: none).
    #[serde(default)]
    pub link_mtbf_s: Option<f64>,
    /// Mean partition length, s (default 300).
    #[serde(default = "default_mttr")]
    pub link_mttr_s: f64,
    /// What an out region keeps (default durable).
    #[serde(default)]
    pub recover: RecoverySpec,
}

fn default_mttr() -> f64 {
    300.0
}

fn default_drain_s() -> f64 {
    60.0
}

/// Settings of the geography-derived latency model.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// Multiplier on the fibre floor for real routes, [1, 100] (default 1.43).
    #[serde(default = "default_inflation")]
    pub route_inflation: f64,
    /// Fixed one-way overhead of a derived link in ms (>= 0; default 5.9).
    #[serde(default = "default_overhead")]
    pub overhead_ms: f64,
    /// Pairs without an explicit link: `geo` derives one, `route` routes over explicit links.
    #[serde(default)]
    pub unlinked: UnlinkedSpec,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec {
            route_inflation: DEFAULT_ROUTE_INFLATION,
            overhead_ms: DEFAULT_OVERHEAD_MS,
            unlinked: UnlinkedSpec::Geo,
        }
    }
}

fn default_inflation() -> f64 {
    DEFAULT_ROUTE_INFLATION
}
fn default_overhead() -> f64 {
    DEFAULT_OVERHEAD_MS
}

/// Treatment of region pairs without an explicit link.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum UnlinkedSpec {
    /// Derive a link from great-circle distance.
    #[default]
    Geo,
    /// Take the lowest-latency route over explicit links.
    Route,
}

/// A region: a table, or just a catalogue name (`"aws:eu-west-1"`) as a string.
#[derive(Debug, Clone, Serialize)]
pub struct RegionSpec {
    /// Unique name. A catalogue name (`provider:region`, see `geosim regions`) fills in
    /// every other field from the catalogue; any field given here overrides it.
    pub name: String,
    /// Latitude in degrees, [-90, 90] (required unless the name is in the catalogue).
    #[serde(default)]
    pub lat: Option<f64>,
    /// Longitude in degrees, [-180, 180] (required unless the name is in the catalogue).
    #[serde(default)]
    pub lon: Option<f64>,
    /// Jurisdiction label (default: the catalogue's, else "unspecified").
    #[serde(default)]
    pub jurisdiction: Option<String>,
    /// Inter-region transfer price out of this region, USD/GB (default: catalogue, else 0.02).
    #[serde(default)]
    pub inter_region_usd_per_gb: Option<f64>,
    /// Internet egress price out of this region, USD/GB (default: catalogue, else 0.09).
    #[serde(default)]
    pub internet_usd_per_gb: Option<f64>,
    /// Compute price multiplier (default: catalogue, else 1.0).
    #[serde(default)]
    pub price_multiplier: Option<f64>,
    /// One-way latency between clients and servers in the region (default 1.5 ms).
    #[serde(default = "default_intra")]
    pub intra_ms: LatencySpec,
    /// Serving capacity (default: unlimited, no queueing).
    #[serde(default)]
    pub capacity: Option<CapacitySpec>,
}

/// The table form of a region (the fields of `RegionSpec`).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "RegionTable")]
struct RegionTable {
    /// Unique name; a catalogue name (`provider:region`) fills in the other fields.
    name: String,
    /// Latitude in degrees, [-90, 90] (required unless the name is in the catalogue).
    #[serde(default)]
    lat: Option<f64>,
    /// Longitude in degrees, [-180, 180] (required unless the name is in the catalogue).
    #[serde(default)]
    lon: Option<f64>,
    /// Jurisdiction label (default: the catalogue's, else "unspecified").
    #[serde(default)]
    jurisdiction: Option<String>,
    /// Inter-region transfer price out of this region, USD/GB.
    #[serde(default)]
    inter_region_usd_per_gb: Option<f64>,
    /// Internet egress price out of this region, USD/GB.
    #[serde(default)]
    internet_usd_per_gb: Option<f64>,
    /// Compute price multiplier.
    #[serde(default)]
    price_multiplier: Option<f64>,
    /// One-way latency between clients and servers in the region (default 1.5 ms).
    #[serde(default = "default_intra")]
    intra_ms: LatencySpec,
    /// Serving capacity (default: unlimited).
    #[serde(default)]
    capacity: Option<CapacitySpec>,
}

/// The JSON Schema shape of a region entry: a catalogue name or a table.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code, clippy::large_enum_variant)]
enum RegionSchema {
    Name(String),
    Table(RegionTable),
}

impl JsonSchema for RegionSpec {
    fn schema_name() -> Cow<'static, str> {
        "Region".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        RegionSchema::json_schema(generator)
    }
}

impl<'de> Deserialize<'de> for RegionSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RegionSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a region table or a catalogue region name such as \"aws:eu-west-1\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RegionSpec, E> {
                Ok(RegionSpec::named(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RegionSpec, A::Error> {
                let t = RegionTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RegionSpec {
                    name: t.name,
                    lat: t.lat,
                    lon: t.lon,
                    jurisdiction: t.jurisdiction,
                    inter_region_usd_per_gb: t.inter_region_usd_per_gb,
                    internet_usd_per_gb: t.internet_usd_per_gb,
                    price_multiplier: t.price_multiplier,
                    intra_ms: t.intra_ms,
                    capacity: t.capacity,
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl RegionSpec {
    /// A region given by name only.
    pub fn named(name: &str) -> RegionSpec {
        RegionSpec {
            name: name.to_string(),
            lat: None,
            lon: None,
            jurisdiction: None,
            inter_region_usd_per_gb: None,
            internet_usd_per_gb: None,
            price_multiplier: None,
            intra_ms: default_intra(),
            capacity: None,
        }
    }
}

/// A region's serving capacity.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacitySpec {
    /// Servers (>= 1).
    pub servers: u32,
    /// Service time of one request.
    pub service_ms: LatencySpec,
    /// Requests allowed to wait; more are shed (default unbounded).
    #[serde(default)]
    pub queue_limit: Option<usize>,
    /// Largest share of servers that clients of other regions may hold, (0, 1] (default:
    /// no limit).
    #[serde(default)]
    pub failover_share: Option<f64>,
}

fn default_intra() -> LatencySpec {
    LatencySpec::Ms(DEFAULT_INTRA_MS)
}

/// An explicit WAN link.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// One end (a region name).
    pub from: String,
    /// The other end (a region name).
    pub to: String,
    /// One-way latency.
    pub latency: LatencySpec,
    /// Only `from` -> `to` when true; both directions with the same latency when false
    /// (default).
    #[serde(default)]
    pub directed: bool,
}

/// A one-way latency: a number of milliseconds (constant) or a distribution.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum LatencySpec {
    /// Constant milliseconds.
    Ms(f64),
    /// A distribution.
    Dist(DistSpec),
}

/// The JSON Schema shape of `LatencySpec` (number or distribution table).
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum LatencySchema {
    Ms(f64),
    Dist(DistSpec),
}

impl JsonSchema for LatencySpec {
    fn schema_name() -> Cow<'static, str> {
        "Latency".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        LatencySchema::json_schema(generator)
    }
}

impl<'de> Deserialize<'de> for LatencySpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LatencySpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a latency in ms (a number) or a table with a `dist` field")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<LatencySpec, E> {
                Ok(LatencySpec::Ms(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LatencySpec, E> {
                Ok(LatencySpec::Ms(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LatencySpec, E> {
                Ok(LatencySpec::Ms(v as f64))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<LatencySpec, A::Error> {
                DistSpec::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(LatencySpec::Dist)
            }
        }
        d.deserialize_any(V)
    }
}

/// A latency distribution, tagged by `dist`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "dist", rename_all = "kebab-case", deny_unknown_fields)]
pub enum DistSpec {
    /// Always `ms`.
    Constant {
        /// Milliseconds.
        ms: f64,
    },
    /// Uniform on [min_ms, max_ms].
    Uniform {
        /// Lower bound.
        min_ms: f64,
        /// Upper bound.
        max_ms: f64,
    },
    /// Normal, truncated at 0.
    Normal {
        /// Mean before truncation (>= 0).
        mean_ms: f64,
        /// Standard deviation (> 0).
        sd_ms: f64,
    },
    /// Lognormal with this median and 99th percentile.
    Lognormal {
        /// Median (> 0).
        p50_ms: f64,
        /// 99th percentile (>= p50_ms).
        p99_ms: f64,
    },
    /// Exponential with this mean, plus a fixed offset.
    Exponential {
        /// Mean of the exponential part (> 0).
        mean_ms: f64,
        /// Fixed offset (>= 0, default 0).
        #[serde(default)]
        offset_ms: f64,
    },
    /// Pareto type I with minimum `scale_ms` and tail index `shape`.
    Pareto {
        /// Minimum (> 0).
        scale_ms: f64,
        /// Tail index (> 0).
        shape: f64,
    },
    /// A weighted mixture.
    Mixture {
        /// Components (at least one).
        components: Vec<MixtureComponent>,
    },
    /// Piecewise-linear through `[percentile, ms]` points.
    Empirical {
        /// Points sorted by percentile (0..=100), ms non-decreasing, at least two.
        percentiles: Vec<[f64; 2]>,
    },
}

/// One component of a mixture.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MixtureComponent {
    /// Relative weight (> 0).
    pub weight: f64,
    /// The component's latency.
    pub latency: LatencySpec,
}

/// The offered load.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    /// Client groups (at least one).
    pub clients: Vec<ClientSpec>,
}

/// A group of clients in one region.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// The region the clients live in.
    pub region: String,
    /// Mean operations per second, Poisson arrivals (> 0).
    pub rate_rps: f64,
    /// Share of reads, [0, 1] (default 0.9).
    #[serde(default = "default_read_fraction")]
    pub read_fraction: f64,
    /// Distinct keys (>= 1, default 10000).
    #[serde(default = "default_keys")]
    pub keys: u64,
    /// First key of the group's range (default 0: groups share keys 0..keys).
    #[serde(default)]
    pub key_offset: u64,
    /// Zipf exponent of key popularity (>= 0; 0 = uniform; default 0.99).
    #[serde(default = "default_zipf")]
    pub zipf: f64,
    /// Bytes per written value (default 1024).
    #[serde(default = "default_value_bytes")]
    pub value_bytes: u32,
    /// Daily load profile (default: flat).
    #[serde(default)]
    pub diurnal: Option<DiurnalSpec>,
    /// The data class of this group's keys (default: none, unrestricted).
    #[serde(default)]
    pub data_class: Option<String>,
}

/// A daily load profile in the clients' local time.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiurnalSpec {
    /// The clients' time zone as an offset from UTC in hours, [-12, 14].
    pub utc_offset_h: f64,
    /// 24 non-negative multipliers of `rate_rps`, one per local hour starting at 00:00; the
    /// largest must be positive.
    pub profile: Vec<f64>,
}

fn default_read_fraction() -> f64 {
    0.9
}
fn default_keys() -> u64 {
    10_000
}
fn default_zipf() -> f64 {
    0.99
}
fn default_value_bytes() -> u32 {
    1024
}

/// A strategy, tagged by `kind`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum StrategySpec {
    /// One primary; standbys replicate from it.
    ActivePassive(ActivePassiveSpec),
    /// Every region accepts writes.
    MultiMaster(MultiMasterSpec),
    /// Every key has a home region that takes its writes.
    ActiveActive(ActiveActiveSpec),
    /// One primary at a time on a UTC schedule.
    FollowTheSun(FollowTheSunSpec),
    /// N replicas per key with R/W quorums.
    Quorum(QuorumSpec),
    /// A leader commits on a majority of members.
    Consensus(ConsensusSpec),
    /// An origin with TTL caches in every other region.
    EdgeCache(EdgeCacheSpec),
}

impl StrategySpec {
    /// The strategy's residency mode.
    pub fn residency(&self) -> ResidencySpec {
        match self {
            StrategySpec::ActivePassive(s) => s.residency,
            StrategySpec::MultiMaster(s) => s.residency,
            StrategySpec::ActiveActive(s) => s.residency,
            StrategySpec::FollowTheSun(s) => s.residency,
            StrategySpec::Quorum(s) => s.residency,
            StrategySpec::Consensus(s) => s.residency,
            StrategySpec::EdgeCache(s) => s.residency,
        }
    }

    /// The strategy's circuit-breaker override.
    pub fn circuit_breaker(&self) -> Option<f64> {
        match self {
            StrategySpec::ActivePassive(s) => s.circuit_breaker,
            StrategySpec::MultiMaster(s) => s.circuit_breaker,
            StrategySpec::ActiveActive(s) => s.circuit_breaker,
            StrategySpec::FollowTheSun(s) => s.circuit_breaker,
            StrategySpec::Quorum(s) => s.circuit_breaker,
            StrategySpec::Consensus(s) => s.circuit_breaker,
            StrategySpec::EdgeCache(s) => s.circuit_breaker,
        }
    }

    /// The strategy's name.
    pub fn name(&self) -> &str {
        match self {
            StrategySpec::ActivePassive(s) => &s.name,
            StrategySpec::MultiMaster(s) => &s.name,
            StrategySpec::ActiveActive(s) => &s.name,
            StrategySpec::FollowTheSun(s) => &s.name,
            StrategySpec::Quorum(s) => &s.name,
            StrategySpec::Consensus(s) => &s.name,
            StrategySpec::EdgeCache(s) => &s.name,
        }
    }
}

/// Settings of `active-active`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveActiveSpec {
    /// Unique name.
    pub name: String,
    /// Override of every region's `capacity.failover_share` for this strategy: the
    /// largest share of a region's servers that failed-over clients may hold (0, 1].
    #[serde(default)]
    pub circuit_breaker: Option<f64>,
    /// `ignore` (default: count violations) or `enforce` (keep data in its regions).
    #[serde(default)]
    pub residency: ResidencySpec,
    /// Key ownership by share: the key space is cut into contiguous ranges in proportion to
    /// the shares, in list order. Default: each key's home is the region of the client group
    /// whose range holds it (keys shared by several groups are dealt out among them in turn).
    #[serde(default)]
    pub homes: Option<Vec<HomeShareSpec>>,
}

/// A region's share of the key space.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HomeShareSpec {
    /// The home region.
    pub region: String,
    /// Relative share of keys (> 0).
    pub share: f64,
}

/// Settings of `follow-the-sun`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowTheSunSpec {
    /// Unique name.
    pub name: String,
    /// Override of every region's `capacity.failover_share` for this strategy: the
    /// largest share of a region's servers that failed-over clients may hold (0, 1].
    #[serde(default)]
    pub circuit_breaker: Option<f64>,
    /// `ignore` (default: count violations) or `enforce` (keep data in its regions).
    #[serde(default)]
    pub residency: ResidencySpec,
    /// The rotation: each shift runs from its start until the next shift's start (UTC).
    pub shifts: Vec<ShiftSpec>,
    /// Writes during a handoff: `wait` (default) or `fail`.
    #[serde(default)]
    pub during_handoff: HandoffSpec,
    /// `local` (default) or `primary`.
    #[serde(default)]
    pub read_from: ReadFromSpec,
}

/// One shift of a follow-the-sun rotation.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftSpec {
    /// The primary during this shift.
    pub region: String,
    /// UTC hour the shift starts, [0, 24).
    pub start_utc_h: f64,
}

/// Writes during a follow-the-sun handoff.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum HandoffSpec {
    /// Wait for the next primary.
    #[default]
    Wait,
    /// Fail.
    Fail,
}

/// Settings of `quorum`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuorumSpec {
    /// Unique name.
    pub name: String,
    /// Override of every region's `capacity.failover_share` for this strategy: the
    /// largest share of a region's servers that failed-over clients may hold (0, 1].
    #[serde(default)]
    pub circuit_breaker: Option<f64>,
    /// `ignore` (default: count violations) or `enforce` (keep data in its regions).
    #[serde(default)]
    pub residency: ResidencySpec,
    /// Replicas per key (default 3, at most the number of regions).
    #[serde(default = "default_n")]
    pub n: usize,
    /// Read quorum, [1, n] (default 2).
    #[serde(default = "default_rw")]
    pub r: usize,
    /// Write quorum, [1, n] (default 2).
    #[serde(default = "default_rw")]
    pub w: usize,
    /// Replica regions for every key (exactly `n`). Default: the `n` regions nearest each
    /// key's home (its own first), homes as in `active-active`.
    #[serde(default)]
    pub replicas: Option<Vec<String>>,
    /// Repair replicas that answered a read with an old version (default false).
    #[serde(default)]
    pub read_repair: bool,
    /// When a replica does not answer, write to the next healthy region instead and hand the
    /// write back later (hinted handoff) (default false).
    #[serde(default)]
    pub sloppy: bool,
}

fn default_n() -> usize {
    3
}
fn default_rw() -> usize {
    2
}

/// Settings of `consensus`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsensusSpec {
    /// Unique name.
    pub name: String,
    /// Override of every region's `capacity.failover_share` for this strategy: the
    /// largest share of a region's servers that failed-over clients may hold (0, 1].
    #[serde(default)]
    pub circuit_breaker: Option<f64>,
    /// `ignore` (default: count violations) or `enforce` (keep data in its regions).
    #[serde(default)]
    pub residency: ResidencySpec,
    /// The leader region.
    pub leader: String,
    /// Member regions (default: all); must include the leader.
    #[serde(default)]
    pub members: Option<Vec<String>>,
    /// `lease` (default: reads at the leader) or `read-index`.
    #[serde(default)]
    pub reads: ConsensusReadsSpec,
    /// Election timeout range in ms, randomised per election (default [1500, 3000]).
    #[serde(default = "default_election_ms")]
    pub election_timeout_ms: [f64; 2],
}

fn default_election_ms() -> [f64; 2] {
    [1500.0, 3000.0]
}

/// Read mode of `consensus`.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ConsensusReadsSpec {
    /// Reads served by the leader under its lease.
    #[default]
    Lease,
    /// Reads served by a member after confirming the leader's commit index.
    ReadIndex,
}

/// Settings of `edge-cache`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EdgeCacheSpec {
    /// Unique name.
    pub name: String,
    /// Override of every region's `capacity.failover_share` for this strategy: the
    /// largest share of a region's servers that failed-over clients may hold (0, 1].
    #[serde(default)]
    pub circuit_breaker: Option<f64>,
    /// `ignore` (default: count violations) or `enforce` (keep data in its regions).
    #[serde(default)]
    pub residency: ResidencySpec,
    /// The region holding the data.
    pub origin: String,
    /// Seconds a cached entry may be served (> 0, default 30).
    #[serde(default = "default_ttl")]
    pub ttl_s: f64,
    /// Entries per cache, LRU beyond (>= 1, default 1000).
    #[serde(default = "default_capacity")]
    pub capacity: usize,
    /// Writes invalidate every cache (default false).
    #[serde(default)]
    pub invalidate: bool,
}

fn default_ttl() -> f64 {
    30.0
}
fn default_capacity() -> usize {
    1000
}

/// Settings of `active-passive`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivePassiveSpec {
    /// Unique name.
    pub name: String,
    /// Override of every region's `capacity.failover_share` for this strategy: the
    /// largest share of a region's servers that failed-over clients may hold (0, 1].
    #[serde(default)]
    pub circuit_breaker: Option<f64>,
    /// `ignore` (default: count violations) or `enforce` (keep data in its regions).
    #[serde(default)]
    pub residency: ResidencySpec,
    /// The primary region's name.
    pub primary: String,
    /// `sync` or `async` (default).
    #[serde(default)]
    pub replication: ReplicationSpec,
    /// `local` (default) or `primary`.
    #[serde(default)]
    pub read_from: ReadFromSpec,
    /// Seconds from suspecting the primary to promoting a standby (default 5).
    #[serde(default = "default_promotion_s")]
    pub promotion_delay_s: f64,
    /// `none` (default: an isolated old primary keeps accepting writes) or `fencing` (a
    /// primary that cannot reach a majority stops).
    #[serde(default)]
    pub split_brain: SplitBrainSpec,
    /// A region that counts toward the fencing majority without holding data (optional).
    #[serde(default)]
    pub witness: Option<String>,
}

fn default_promotion_s() -> f64 {
    5.0
}

/// Split-brain policy of active-passive.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SplitBrainSpec {
    /// No protection.
    #[default]
    None,
    /// A primary without a majority stops accepting writes.
    Fencing,
}

/// When the primary acknowledges a write.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ReplicationSpec {
    /// After every standby applied it.
    Sync,
    /// At once.
    #[default]
    Async,
}

/// Where reads are served.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ReadFromSpec {
    /// The client's region.
    #[default]
    Local,
    /// The primary.
    Primary,
}

/// Settings of `multi-master`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MultiMasterSpec {
    /// Unique name.
    pub name: String,
    /// Override of every region's `capacity.failover_share` for this strategy: the
    /// largest share of a region's servers that failed-over clients may hold (0, 1].
    #[serde(default)]
    pub circuit_breaker: Option<f64>,
    /// `ignore` (default: count violations) or `enforce` (keep data in its regions).
    #[serde(default)]
    pub residency: ResidencySpec,
    /// Conflict resolution: `lww` (default).
    #[serde(default)]
    pub resolution: ResolutionSpec,
}

/// Conflict resolution of `multi-master`.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ResolutionSpec {
    /// Last writer wins on (timestamp, region id).
    #[default]
    Lww,
    /// Concurrent versions kept as siblings for the application.
    VersionVector,
    /// Convergent merge (counter / LWW register with hybrid logical clocks).
    Crdt,
}
