//! What goes wrong and how clients and servers notice, as written: client timeouts and
//! retries (`[clients]`), the heartbeat detector (`[detection]`), listed faults (`[[faults]]`,
//! tagged by `kind`) and seeded random faults (`[random_faults]`).
//!
//! Serde types only; `validate::faults` checks them. Must not import domain types (`faults`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::LatencySpec;

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
