//! The consistency measurements as written (`[consistency]`): opt-in probe reads for the exact
//! staleness curve.
//!
//! Serde types only; `validate::consistency` checks them. Must not import `workload`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Opt-in probe reads at exact delays after sampled writes are acknowledged (the PBS
/// t-visibility curve, reported as `consistency.t_visibility_exact`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsistencySpec {
    /// Delays after a sampled write's acknowledgement at which its key is read, integer ms in
    /// [0, 60000], sorted and unique, at most 32 (default: no probes).
    #[serde(default)]
    pub probes_ms: Option<Vec<u64>>,
    /// Probe every `probe_every`-th write of a run, in issue order (>= 1, default 100).
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub probe_every: Option<u64>,
    /// The client region probes are issued from (default: the regions with clients, in turn,
    /// one per sampled write).
    #[serde(default)]
    pub probe_from: Option<String>,
    /// Check linearizability of the history of keys `0..N` (the hottest keys of each client
    /// group), reported as `consistency.linearizability` (default 0: off; at most 1000).
    #[serde(default)]
    #[schemars(range(max = 1000))]
    pub linearizability_keys: Option<u64>,
}
