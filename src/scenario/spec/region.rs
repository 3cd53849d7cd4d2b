//! Where a scenario runs, as written: the geography-derived network model (`[network]`),
//! regions (`[[regions]]`: a table, or a catalogue name as a bare string) with their serving
//! capacity, and explicit WAN links (`[[links]]`).
//!
//! Serde types only; `validate::regions` checks them against the catalogue. Must not import
//! `topology` beyond its default constants, nor `catalogue`.

use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::LatencySpec;
/// Settings of the geography-derived latency model.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// How derived links follow from geography: `hubs` (default: routed over a graph of
    /// backbone hubs and cables) or `great-circle` (great circle x `route_inflation` +
    /// `overhead_ms`).
    #[serde(default)]
    pub path: PathSpec,
    /// With `path = "great-circle"`: multiplier on the fibre floor, [1, 100] (default 1.43).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_inflation: Option<f64>,
    /// With `path = "great-circle"`: fixed one-way overhead in ms (>= 0; default 5.9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overhead_ms: Option<f64>,
    /// A measured latency matrix, CSV or JSON (path relative to the scenario file): rows
    /// `from,to,rtt_p50_ms[,rtt_p90_ms,rtt_p99_ms]` between region or catalogue names. Each
    /// row between two regions of the scenario is a directed link (one way = round trip /
    /// 2); pairs it leaves out fall back to the path model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matrix: Option<String>,
    /// Pairs without an explicit link: `geo` derives one, `route` routes over explicit links.
    #[serde(default)]
    pub unlinked: UnlinkedSpec,
    /// Deliver the messages of one channel (a strategy's stream between two regions, the
    /// clients of a region talking to a remote one) in send order, as over TCP (default
    /// true); `false` for datagram-like traffic where every message travels alone.
    #[serde(default = "default_true")]
    pub fifo: bool,
    /// How derived links and the default access latency (`intra_ms` not given) vary:
    /// `lognormal` (default) or `constant` (every message takes the median). `None`: not
    /// given (lognormal); kept apart so a setting that nothing reads can be warned about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variation: Option<VariationSpec>,
}

/// How derived links follow from geography.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PathSpec {
    /// Routed over the backbone hubs (docs/network.md, "The path model").
    #[default]
    Hubs,
    /// Great circle x `route_inflation` + `overhead_ms`.
    GreatCircle,
}

/// How derived links and the default access latency vary from message to message.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum VariationSpec {
    /// Lognormal through the model's median and a calibrated 99th percentile.
    #[default]
    Lognormal,
    /// Every message takes the median.
    Constant,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec {
            path: PathSpec::Hubs,
            matrix: None,
            route_inflation: None,
            overhead_ms: None,
            unlinked: UnlinkedSpec::Geo,
            fifo: true,
            variation: None,
        }
    }
}

fn default_true() -> bool {
    true
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
//
// One list of fields for both forms. The derives describe the table: `remote = "Self"` makes
// serde's derives the inherent `RegionSpec::deserialize` / `RegionSpec::serialize` (so
// `RegionSpec::deserialize(d)` is the table form only), which the trait impls below call; the
// `Deserialize` impl also takes a bare name. `JsonSchema` is the table too (`RegionTable` in
// the schema); a region entry is `RegionSchema` (`Region`), used by `ScenarioSpec::regions`.
// The `schemars(description)`s keep the schema's wording where it is shorter than the docs.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(remote = "Self", deny_unknown_fields)]
#[schemars(
    rename = "RegionTable",
    description = "The table form of a region (the fields of `RegionSpec`)."
)]
pub struct RegionSpec {
    /// Unique name. A catalogue name (`provider:region`, see `geosim regions`) fills in
    /// every other field from the catalogue; any field given here overrides it.
    #[schemars(
        description = "Unique name; a catalogue name (`provider:region`) fills in the other fields."
    )]
    pub name: String,
    /// Latitude in degrees, [-90, 90] (required unless the name is in the catalogue).
    #[serde(default)]
    #[schemars(range(min = -90, max = 90))]
    pub lat: Option<f64>,
    /// Longitude in degrees, [-180, 180] (required unless the name is in the catalogue).
    #[serde(default)]
    #[schemars(range(min = -180, max = 180))]
    pub lon: Option<f64>,
    /// Jurisdiction label (default: the catalogue's, else "unspecified").
    #[serde(default)]
    pub jurisdiction: Option<String>,
    /// Inter-region transfer price out of this region, USD/GB (default: catalogue, else 0.02).
    #[serde(default)]
    #[schemars(
        description = "Inter-region transfer price out of this region, USD/GB.",
        range(min = 0)
    )]
    pub inter_region_usd_per_gb: Option<f64>,
    /// Internet egress price out of this region, USD/GB (default: catalogue, else 0.09).
    #[serde(default)]
    #[schemars(
        description = "Internet egress price out of this region, USD/GB.",
        range(min = 0)
    )]
    pub internet_usd_per_gb: Option<f64>,
    /// Compute price multiplier (default: catalogue, else 1.0).
    #[serde(default)]
    #[schemars(description = "Compute price multiplier.", range(min = 0))]
    pub price_multiplier: Option<f64>,
    /// One-way latency between clients and servers in the region (default: median 1.5 ms,
    /// lognormal per `network.variation`).
    #[serde(default)]
    pub intra_ms: Option<LatencySpec>,
    /// Serving capacity (default: unlimited, no queueing).
    #[serde(default)]
    #[schemars(description = "Serving capacity (default: unlimited).")]
    pub capacity: Option<CapacitySpec>,
}

/// The JSON Schema shape of a region entry: a catalogue name or a table.
#[derive(JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "Region")]
#[allow(dead_code, clippy::large_enum_variant)]
pub(super) enum RegionSchema {
    Name(String),
    Table(RegionSpec),
}

impl Serialize for RegionSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        RegionSpec::serialize(self, s)
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
                RegionSpec::deserialize(de::value::MapAccessDeserializer::new(map))
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
            intra_ms: None,
            capacity: None,
        }
    }
}
/// A region's serving capacity.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacitySpec {
    /// Servers (>= 1).
    #[schemars(range(min = 1))]
    pub servers: u32,
    /// Service time of one request.
    pub service_ms: LatencySpec,
    /// Requests allowed to wait; more are shed (default unbounded).
    #[serde(default)]
    pub queue_limit: Option<usize>,
    /// Largest share of servers that clients of other regions may hold, (0, 1] (default:
    /// no limit).
    #[serde(default)]
    #[schemars(range(max = 1), extend("exclusiveMinimum" = 0))]
    pub failover_share: Option<f64>,
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
    /// Whether channels routed over this link deliver in send order (default:
    /// `network.fifo`).
    #[serde(default)]
    pub fifo: Option<bool>,
}
