//! Service-level objectives as scenario input: what a user asks of a strategy.
//!
//! Owns `Objective` (a latency percentile bound per client region, an availability floor,
//! RPO and RTO bounds, a monthly budget, a stale-read ceiling), `Ops` and the percentile
//! names an objective may use. These are plain domain types: the scenario layer builds them,
//! `slo` judges a finished report against them.
//!
//! Must not import any other geosim module (it is a leaf: scenario, report and slo all
//! depend on it).

/// Which operations an objective covers.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Ops {
    /// Reads only.
    Read,
    /// Writes only.
    Write,
    /// All operations.
    All,
}

/// One objective.
#[derive(Clone, Debug, PartialEq)]
pub enum Objective {
    /// `percentile` of `op` latency of clients in `region` (None: all clients) <= `max_ms`.
    Latency {
        /// Reads or writes.
        op: Ops,
        /// `p50`, `p90`, `p99`, `p999`, `max` or `mean`.
        percentile: String,
        /// Bound in ms.
        max_ms: f64,
        /// A client region name, or all clients.
        region: Option<String>,
    },
    /// Availability of `op` >= `min`.
    Availability {
        /// Operations covered.
        op: Ops,
        /// Floor.
        min: f64,
    },
    /// Lost acknowledged writes <= bound.
    RpoWrites(u64),
    /// Span of lost data (s) <= bound.
    RpoSpan(f64),
    /// Largest RTO (s) <= bound.
    Rto(f64),
    /// Projected monthly cost (USD) <= budget.
    Budget(f64),
    /// Stale-read rate <= bound.
    StaleReads(f64),
}

/// The percentiles a latency objective may name.
pub const PERCENTILES: [&str; 6] = ["p50", "p90", "p99", "p999", "max", "mean"];
