//! What goes wrong and how clients and servers notice, as written: client timeouts and
//! retries (`[clients]`), the heartbeat detector (`[detection]`), listed faults (`[[faults]]`,
//! tagged by `kind`), seeded random faults (`[random_faults]`) and the clients' circuit
//! breaker a strategy may set (`strategies[i].circuit_breaker`).
//!
//! Serde types only; `validate::faults` checks them. Must not import domain types (`faults`).

use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::LatencySpec;

/// How clients behave when requests go unanswered.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientsSpec {
    /// Wait for an answer before retrying, ms (> 0, default 5000).
    #[serde(default = "default_timeout_ms")]
    #[schemars(range(min = 0.001, max = 86_400_000))]
    pub timeout_ms: f64,
    /// Retries after the first attempt (default 2).
    #[serde(default = "default_retries")]
    #[schemars(range(max = 100))]
    pub retries: u32,
    /// Delay before the first retry, ms; doubles per retry (default 100).
    #[serde(default = "default_backoff_ms")]
    #[schemars(range(min = 0, max = 86_400_000))]
    pub backoff_ms: f64,
    /// Largest retry delay, ms (default 2000).
    #[serde(default = "default_backoff_cap_ms")]
    #[schemars(range(min = 0, max = 86_400_000))]
    pub backoff_cap_ms: f64,
    /// Seconds until clients notice their region is down (or back) and go to the nearest
    /// healthy region (or back) (default 30).
    #[serde(default = "default_reroute_s")]
    #[schemars(range(min = 0, max = 31_536_000))]
    pub reroute_after_s: f64,
    /// How a session's reads are routed (needs `sessions` in a client group): `none` (as any
    /// read), `sticky` (to the region that ordered the session's last write) or `token` (the
    /// serving region holds the read until it has the session's last write of the key)
    /// (default `none`).
    #[serde(default, skip_serializing_if = "SessionRoutingSpec::is_none")]
    pub session_routing: SessionRoutingSpec,
}

/// How a session's reads are routed (`[clients] session_routing`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SessionRoutingSpec {
    /// As any read.
    #[default]
    None,
    /// To the region that ordered the session's last write.
    Sticky,
    /// Held at the serving region until it has the session's last write of the key.
    Token,
}

impl SessionRoutingSpec {
    fn is_none(&self) -> bool {
        *self == SessionRoutingSpec::None
    }
}

impl Default for ClientsSpec {
    fn default() -> Self {
        ClientsSpec {
            timeout_ms: default_timeout_ms(),
            retries: default_retries(),
            backoff_ms: default_backoff_ms(),
            backoff_cap_ms: default_backoff_cap_ms(),
            reroute_after_s: default_reroute_s(),
            session_routing: SessionRoutingSpec::None,
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

/// A client-side circuit breaker (per client region and serving region): count-based
/// sliding window, closed / open / half-open. Defaults are resilience4j's.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CircuitBreakerSpec {
    /// Failed share of the window at or above which the breaker opens, (0, 1] (default 0.5).
    #[serde(default = "default_failure_rate")]
    pub failure_rate: f64,
    /// Outcomes of the last calls the window holds, >= 1 (default 100).
    #[serde(default = "default_window_calls")]
    #[schemars(range(min = 1, max = 10_000))]
    pub window_calls: u32,
    /// Outcomes the window must hold before the breaker may open, 1..=window_calls
    /// (default: window_calls).
    #[serde(default)]
    #[schemars(range(min = 1, max = 10_000))]
    pub min_calls: Option<u32>,
    /// How long the breaker stays open (rejecting every call) before it lets trial calls
    /// through, ms (> 0, default 60000).
    #[serde(default = "default_open_ms")]
    pub open_ms: f64,
    /// Trial calls let through when half-open, >= 1 (default 10).
    #[serde(default = "default_half_open_calls")]
    #[schemars(range(min = 1, max = 10_000))]
    pub half_open_calls: u32,
}

fn default_failure_rate() -> f64 {
    0.5
}
fn default_window_calls() -> u32 {
    100
}
fn default_open_ms() -> f64 {
    60_000.0
}
fn default_half_open_calls() -> u32 {
    10
}

/// Reads `circuit_breaker`: a table of breaker settings. A bare number was, before geosim had
/// a real breaker, the bulkhead share: it is refused with a pointer to `bulkhead`.
pub(super) fn circuit_breaker<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<CircuitBreakerSpec>, D::Error> {
    struct V;
    fn moved<E: de::Error>(v: f64) -> E {
        E::custom(format!(
            "a number here was the bulkhead share, now written `bulkhead = {v}`; \
             `circuit_breaker` is a table of breaker settings (failure_rate, window_calls, \
             min_calls, open_ms, half_open_calls)"
        ))
    }
    impl<'de> Visitor<'de> for V {
        type Value = Option<CircuitBreakerSpec>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a table of circuit-breaker settings")
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Err(moved(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Err(moved(v as f64))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Err(moved(v as f64))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            CircuitBreakerSpec::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
        }
    }
    d.deserialize_any(V)
}

/// Heartbeat failure detector settings (active when the scenario has faults).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DetectionSpec {
    /// Heartbeat period, ms (> 0, default 1000).
    #[serde(default = "default_heartbeat_ms")]
    #[schemars(range(min = 1, max = 86_400_000))]
    pub heartbeat_ms: f64,
    /// Silence after which a peer is suspected, ms (> heartbeat_ms, default 3000).
    #[serde(default = "default_detect_timeout_ms")]
    #[schemars(range(max = 86_400_000), extend("exclusiveMinimum" = 0))]
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
/// A link degradation's retransmission timeout when the file gives none, ms.
pub const DEFAULT_RETRANSMIT_MS: f64 = 200.0;

fn default_retransmit_ms() -> f64 {
    DEFAULT_RETRANSMIT_MS
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
    #[schemars(range(min = 1))]
    pub region_mtbf_s: Option<f64>,
    /// Mean outage length, s (default 300).
    #[serde(default = "default_mttr")]
    #[schemars(range(min = 0.001))]
    pub region_mttr_s: f64,
    /// Mean time between partitions of each region pair, s (default: none).
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub link_mtbf_s: Option<f64>,
    /// Mean partition length, s (default 300).
    #[serde(default = "default_mttr")]
    #[schemars(range(min = 0.001))]
    pub link_mttr_s: f64,
    /// What an out region keeps (default durable).
    #[serde(default)]
    pub recover: RecoverySpec,
}

/// Mean length of a random outage or partition when the file gives none, s.
pub const DEFAULT_MTTR_S: f64 = 300.0;

fn default_mttr() -> f64 {
    DEFAULT_MTTR_S
}
