//! Validation: a `ScenarioSpec` becomes a `Scenario`, or a list of every problem with its
//! field path.
//!
//! One file per section of the scenario: `regions` (network model, regions, links, the
//! topology), `workload` (client groups), `faults` (capacity, clients, detection, listed and
//! random faults), `matrix` (a measured latency matrix), `cost` (data classes, cost model,
//! SLOs), `strategies` (strategy configs; key homes and replica placement in `placement`,
//! enforced residency in `enforce`) and `consistency` (probe reads); `latency` turns latency
//! specs into distributions for all of them; `warnings` reads the valid scenario once more
//! for settings that would have no effect. `validate` here calls the sections in a fixed
//! order, which is the order problems come out in (tests check the messages: keep it).
//! Before them all, `limits` checks the sizes everything else is allocated by (regions, keys,
//! names) and stops validation when one is exceeded. This file also owns the `Checker` that
//! collects problems and the validated regions (`Known`) that later sections resolve region
//! names against.
//!
//! Must not import the engine, the world, metrics or report.

mod consensus_reads;
mod consistency;
mod cost;
mod enforce;
mod faults;
mod follow_user;
mod latency;
mod limits;
mod matrix;
mod model_warnings;
mod placement;
mod quorum_dc;
mod regions;
mod replication_modes;
mod strategies;
mod users;
mod warnings;
mod workload;

use std::collections::BTreeMap;

use crate::cost::RegionPrices;
use crate::error::Problem;
use crate::scenario::matrix::Matrix;
use crate::scenario::spec::ScenarioSpec;
use crate::scenario::suggest;
use crate::scenario::Scenario;
use crate::time::secs_to_nanos;
use crate::topology::{Region, RegionId};
use crate::workload::Workload;

/// Largest number of regions a scenario may have.
pub const MAX_REGIONS: usize = 64;

// Multi-master packs a version in one word (`strategy::multi_master::Cell`): the region in 6
// bits, the stamp (a clock reading, in ns) in 56. A run plus its drain, drifting and offset
// as far as a clock-skew fault may take it, stays within both.
const _: () = assert!(MAX_REGIONS <= 1 << 6);
const _: () = assert!(
    (2.0 * MAX_SECONDS * (1.0 + faults::MAX_DRIFT_PPM * 1e-6) + faults::MAX_OFFSET_MS * 1e-3) * 1e9
        < (1u64 << 56) as f64
);
/// Largest key space (per scenario) geosim accepts; per-key state is dense.
pub const MAX_KEYS: u64 = 10_000_000;

// Physical bounds of rates and periods (docs/scenario.md, "Bounds"): beyond them a setting
// describes no real system and only makes a run's event count explode.

/// Longest `duration_s`, `drain_s` and `clients.reroute_after_s`: 365 days.
pub const MAX_SECONDS: f64 = 31_536_000.0;
/// Longest timeout, backoff or heartbeat period in ms: one day.
pub const MAX_MS: f64 = 86_400_000.0;
/// Largest `rate_rps` of one client group.
pub const MAX_RATE_RPS: f64 = 1e6;
/// Most retries a client makes per operation.
pub const MAX_RETRIES: u32 = 100;
/// Shortest client timeout and link retransmission timeout, ms (1 microsecond).
pub const MIN_TIMEOUT_MS: f64 = 0.001;
/// Shortest heartbeat period, ms.
pub const MIN_HEARTBEAT_MS: f64 = 1.0;
/// Shortest mean time between random faults, s.
pub const MIN_MTBF_S: f64 = 1.0;
/// Shortest mean random fault length, s (1 ms).
pub const MIN_MTTR_S: f64 = 0.001;
/// Narrowest degraded link, Mbit/s (1 kbit/s).
pub const MIN_BANDWIDTH_MBPS: f64 = 0.001;

/// Collects every problem; each check pushes one with its field path and says whether the value
/// passed.
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn bad(&mut self, field: impl Into<String>, message: impl Into<String>) {
        // The same problem found again at once (e.g. once per data class of a duplicated
        // name) is listed once.
        let p = Problem::new(field, message);
        if self.problems.last() != Some(&p) {
            self.problems.push(p);
        }
    }

    /// A finite number within `[lo, hi]`.
    fn range(&mut self, field: &str, v: f64, lo: f64, hi: f64) -> bool {
        if !v.is_finite() {
            self.bad(field, format!("must be a finite number, got {}", shown(v)));
            false
        } else if v < lo || v > hi {
            self.bad(field, format!("must be in [{lo}, {hi}], got {}", shown(v)));
            false
        } else {
            true
        }
    }

    /// `v` (already checked finite) is at most `hi`.
    fn at_most(&mut self, field: &str, v: f64, hi: f64) -> bool {
        if v > hi {
            self.bad(field, format!("must be at most {hi}, got {}", shown(v)));
            return false;
        }
        true
    }

    /// A finite number > 0 and at most `hi`.
    fn positive_max(&mut self, field: &str, v: f64, hi: f64) -> bool {
        self.positive(field, v) && self.at_most(field, v, hi)
    }

    /// A finite number >= 0 and at most `hi`.
    fn non_negative_max(&mut self, field: &str, v: f64, hi: f64) -> bool {
        self.non_negative(field, v) && self.at_most(field, v, hi)
    }

    /// A finite number >= `lo`.
    fn at_least(&mut self, field: &str, v: f64, lo: f64) -> bool {
        if !v.is_finite() {
            self.bad(field, format!("must be a finite number, got {}", shown(v)));
            false
        } else if v < lo {
            self.bad(field, format!("must be at least {lo}, got {}", shown(v)));
            false
        } else {
            true
        }
    }

    /// A finite number > 0.
    fn positive(&mut self, field: &str, v: f64) -> bool {
        if !v.is_finite() {
            self.bad(field, format!("must be a finite number, got {}", shown(v)));
            false
        } else if v <= 0.0 {
            self.bad(field, format!("must be greater than 0, got {}", shown(v)));
            false
        } else {
            true
        }
    }

    /// A finite number >= 0.
    fn non_negative(&mut self, field: &str, v: f64) -> bool {
        if !v.is_finite() {
            self.bad(field, format!("must be a finite number, got {}", shown(v)));
            false
        } else if v < 0.0 {
            self.bad(field, format!("must not be negative, got {}", shown(v)));
            false
        } else {
            true
        }
    }
}

/// `v` as a message shows it: as written for everyday magnitudes, in scientific notation
/// from 1e15 on (Rust prints `1e300` as 301 digits).
fn shown(v: f64) -> String {
    if v.is_finite() && v.abs() >= 1e15 {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// The regions as validated, shared by every later section: the id of each name (to resolve
/// references), the domain regions and their prices, in file order.
struct Known<'a> {
    ids: BTreeMap<&'a str, RegionId>,
    regions: Vec<Region>,
    prices: Vec<RegionPrices>,
}

impl Known<'_> {
    /// The id of the region called `name`, or a problem at `field`.
    fn region_ref(&self, c: &mut Checker, field: String, name: &str) -> Option<RegionId> {
        let id = self.ids.get(name).copied();
        if id.is_none() {
            let hint = suggest::did_you_mean_region(name, self.ids.keys().copied());
            c.bad(field, format!("unknown region `{name}`{hint}"));
        }
        id
    }
}

/// Validates `spec`; `stem` names the scenario when the file does not.
/// `matrix` is the parsed `[network] matrix` file, when the scenario names one.
pub fn validate(
    spec: &ScenarioSpec,
    stem: &str,
    matrix: Option<&Matrix>,
) -> Result<Scenario, Vec<Problem>> {
    let mut c = Checker {
        problems: Vec::new(),
    };
    // Sizes first: later sections allocate by them.
    if !limits::limits(&mut c, spec) {
        return Err(c.problems);
    }
    c.positive_max("duration_s", spec.duration_s, MAX_SECONDS);
    c.non_negative_max("drain_s", spec.drain_s, MAX_SECONDS);
    if c.range("start_utc_h", spec.start_utc_h, 0.0, 24.0) && spec.start_utc_h >= 24.0 {
        c.bad("start_utc_h", "must be below 24");
    }
    let name = spec.name.clone().unwrap_or_else(|| stem.to_string());
    if name.trim().is_empty() {
        c.bad("name", "must not be empty");
    }
    let model = regions::network(&mut c, &spec.network);
    let mut known = regions::regions(&mut c, spec, model.variation);
    let mut links = regions::links(&mut c, spec, &known);
    if let Some(m) = matrix {
        let measured = matrix::matrix(&mut c, m, spec, &mut known, &model, &links);
        links.extend(measured);
    }
    let groups = workload::groups(&mut c, spec, &known);
    let session_routing = workload::session_routing(&mut c, spec, &groups);
    let capacity = faults::capacity(&mut c, &spec.regions);
    let clients = faults::clients(&mut c, &spec.clients);
    let detection = faults::detection(&mut c, &spec.detection);
    let faults = faults::faults(&mut c, &spec.faults, &known);
    faults::within_run(&mut c, &spec.faults, spec.duration_s, spec.drain_s);
    let random_faults = faults::random_faults(&mut c, spec.random_faults.as_ref());

    let groups_keys = Workload {
        groups: groups.clone(),
        start_utc_ns: 0,
        users: None,
        session_routing,
    }
    .key_space();
    let users = users::users(&mut c, spec, &known, &groups, groups_keys);
    let key_space = groups_keys + users.as_ref().map_or(0, |u| u.keys());
    let start_utc_ns = secs_to_nanos(spec.start_utc_h * 3600.0);
    let residency = cost::residency(&mut c, spec, &known, key_space);
    let cost = cost::cost_model(
        &mut c,
        &spec.cost,
        &known,
        (&groups, users.as_ref()),
        key_space,
    );
    let slos = cost::slos(&mut c, &spec.slo, &known, &groups);
    let strategies = strategies::strategies(
        &mut c,
        spec,
        &known,
        (&groups, users.as_ref()),
        key_space,
        start_utc_ns,
        &residency,
    );
    let probes = consistency::probes(&mut c, &spec.consistency, &known);
    let linearizability_keys = consistency::linearizability_keys(&mut c, &spec.consistency);

    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    let topology = regions::topology(spec, known.regions, links, model)?;
    let mut scenario = Scenario {
        name,
        seed: spec.seed,
        duration_ns: secs_to_nanos(spec.duration_s),
        drain_ns: secs_to_nanos(spec.drain_s),
        topology,
        workload: Workload {
            groups,
            start_utc_ns,
            users,
            session_routing,
        },
        strategies,
        faults,
        random_faults,
        clients,
        detection,
        capacity,
        cost,
        residency,
        slos,
        probes,
        linearizability_keys,
        warnings: Vec::new(),
        matrix: matrix.map(|m| m.name.clone()),
    };
    scenario.warnings = warnings::collect(spec, &scenario);
    Ok(scenario)
}
