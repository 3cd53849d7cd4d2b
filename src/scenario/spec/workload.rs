//! The offered load as written: client groups with their region, rate, keys and daily profile
//! (`[[workload.clients]]`).
//!
//! Serde types only; `validate::workload` checks them. Must not import `workload`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The offered load.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    /// Client groups (at least one).
    pub clients: Vec<ClientSpec>,
    /// Travelling users with keys of their own (default: none; docs/scenario.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<UsersSpec>,
}

/// Travelling users (`[workload.users]`): each has a home region and `keys_per_user` keys of
/// their own (after every client group's keys), and issues operations from the region they
/// are in.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UsersSpec {
    /// Number of users, [1, 1000000].
    #[schemars(range(min = 1, max = 1_000_000))]
    pub count: u32,
    /// Keys each user owns, [1, 1024] (default 1).
    #[serde(default = "one")]
    #[schemars(range(min = 1, max = 1024))]
    pub keys_per_user: u32,
    /// Mean operations per second over all users, Poisson arrivals (> 0, at most 1e6).
    #[schemars(range(max = 1_000_000), extend("exclusiveMinimum" = 0))]
    pub rate_rps: f64,
    /// Share of reads, [0, 1] (default 0.9).
    #[serde(default = "default_read_fraction")]
    #[schemars(range(min = 0, max = 1))]
    pub read_fraction: f64,
    /// Bytes per written value (default 1024).
    #[serde(default = "default_value_bytes")]
    pub value_bytes: u32,
    /// Home regions, dealt out to the users in turn (user `u` lives in `homes[u % len]`).
    /// Default: the regions of the client groups, in order, without repeats.
    #[serde(default)]
    pub homes: Option<Vec<String>>,
    /// Share of users (those without listed `trips`) who travel once during the run, at a
    /// time uniform over `duration_s`, to a region of `destinations` other than their home,
    /// for `stay_s`; [0, 1] (default 0).
    #[serde(default)]
    #[schemars(range(min = 0, max = 1))]
    pub travel_fraction: f64,
    /// Length of a seeded stay in seconds (> 0; required with `travel_fraction` > 0).
    #[serde(default)]
    pub stay_s: Option<f64>,
    /// Where seeded travellers go (default: every region).
    #[serde(default)]
    pub destinations: Option<Vec<String>>,
    /// Listed trips (an itinerary), at most 100000; one user's trips must not overlap.
    #[serde(default)]
    pub trips: Vec<TripSpec>,
}

/// One listed trip of one user.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TripSpec {
    /// The user, [0, count).
    pub user: u32,
    /// Where the user goes.
    pub to: String,
    /// When the user arrives there, s since the start of the run (>= 0, below `duration_s`).
    #[schemars(range(min = 0))]
    pub at_s: f64,
    /// When the user is back home, s (> `at_s`; default: not back within the run).
    #[serde(default)]
    pub back_s: Option<f64>,
}

fn one() -> u32 {
    1
}

/// A group of clients in one region.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// The region the clients live in.
    pub region: String,
    /// Mean operations per second, Poisson arrivals (> 0, at most 1e6).
    #[schemars(range(max = 1_000_000), extend("exclusiveMinimum" = 0))]
    pub rate_rps: f64,
    /// Share of reads, [0, 1] (default 0.9).
    #[serde(default = "default_read_fraction")]
    #[schemars(range(min = 0, max = 1))]
    pub read_fraction: f64,
    /// Distinct keys (>= 1, default 10000).
    #[serde(default = "default_keys")]
    #[schemars(range(min = 1, max = 10_000_000))]
    pub keys: u64,
    /// First key of the group's range (default 0: groups share keys 0..keys).
    #[serde(default)]
    #[schemars(range(max = 9_999_999))]
    pub key_offset: u64,
    /// Zipf exponent of key popularity (>= 0; 0 = uniform; default 0.99).
    #[serde(default = "default_zipf")]
    #[schemars(range(min = 0))]
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
    /// Closed-loop sessions: the group's clients are this many sessions, each issuing its next
    /// operation one think time after the previous one completes (1 to 100000; default: none,
    /// open-loop Poisson arrivals at `rate_rps`). Session guarantees are reported as
    /// `consistency.sessions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100_000))]
    pub sessions: Option<u32>,
    /// A session's think time, ms: a number (constant) or a distribution (default: exponential
    /// with mean `sessions / rate_rps` * 1000). Needs `sessions`; with it, `rate_rps` has no
    /// effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub think_time_ms: Option<super::LatencySpec>,
}

/// A daily load profile in the clients' local time.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiurnalSpec {
    /// The clients' time zone as an offset from UTC in hours, [-12, 14].
    #[schemars(range(min = -12, max = 14))]
    pub utc_offset_h: f64,
    /// 24 non-negative multipliers of `rate_rps`, one per local hour starting at 00:00; the
    /// largest must be positive.
    #[schemars(length(equal = 24), inner(range(min = 0)))]
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
