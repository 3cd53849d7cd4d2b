//! Latencies as written: a bare number of milliseconds or a distribution table tagged by
//! `dist`. Used by regions (`intra_ms`, capacity `service_ms`), links and link faults.
//!
//! Serde types only (with a hand-written `Deserialize` for the number-or-table form);
//! `validate::latency` turns them into `LatencyDist`. Must not import `latency`.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

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
