//! Strategies: every `[[strategies]]` entry becomes a `NamedStrategy` (unique name, the
//! strategy's config with region names resolved, bulkhead, circuit breaker, residency mode).
//! Owns the settings every strategy takes and the configs of each kind; the placement the
//! configs need (key homes, nearest regions) is `placement`'s, the checks under
//! `residency = "enforce"` are `enforce`'s, and the longer per-kind checks have their own
//! files (`replication_modes`, `quorum_dc`, `consensus_reads`, `follow_user`).
//!
//! Must not import the engine, the world, metrics or report.

use std::collections::BTreeMap;

use super::enforce::{enforce, rehome};
use super::placement::{homes, nearest};
use super::{
    consensus_reads, follow_user, quorum_dc, replication_modes, Checker, Known, MAX_MS, MAX_SECONDS,
};
use crate::faults::BreakerPolicy;
use crate::residency::{Residency, ResidencyMode};
use crate::scenario::spec::{
    ActivePassiveSpec, CircuitBreakerSpec, ConsensusSpec, CustomSpec, EdgeCacheSpec, FailbackSpec,
    FollowTheSunSpec, HandoffSpec, QuorumSpec, ReadFromSpec, ResidencySpec, ResolutionSpec,
    ScenarioSpec, SplitBrainSpec, StrategySpec,
};
use crate::strategy::{
    ActiveActiveConfig, ActivePassiveConfig, ConsensusConfig, CustomConfig, EdgeCacheConfig,
    Failback, FollowTheSunConfig, HandoffPolicy, MultiMasterConfig, NamedStrategy, QuorumConfig,
    ReadFrom, Resolution, Shift, SplitBrain, StrategyConfig,
};
use crate::time::secs_to_nanos;
use crate::topology::RegionId;
use crate::workload::{ClientGroup, Users};

/// What the strategy checks read from the sections before them.
struct Before<'a> {
    /// The number of regions in the file.
    n_regions: usize,
    /// The validated regions.
    known: &'a Known<'a>,
    /// The validated client groups.
    groups: &'a [ClientGroup],
    /// The validated travelling users, if any.
    users: Option<&'a Users>,
    /// Keys 0..key_space are in use.
    key_space: u64,
    /// UTC time of day at simulated time zero, ns.
    start_utc_ns: u64,
}

/// The field path of strategy `i`'s field `n`.
fn field(i: usize) -> impl Fn(&str) -> String {
    move |n: &str| format!("strategies[{i}].{n}")
}

/// The strategies (`[[strategies]]`), in file order; a strategy with a problem is left out.
pub(super) fn strategies(
    c: &mut Checker,
    spec: &ScenarioSpec,
    known: &Known,
    (groups, users): (&[ClientGroup], Option<&Users>),
    key_space: u64,
    start_utc_ns: u64,
    residency: &Residency,
) -> Vec<NamedStrategy> {
    let regions = &known.regions;
    let b = Before {
        n_regions: spec.regions.len(),
        known,
        groups,
        users,
        key_space,
        start_utc_ns,
    };
    if spec.strategies.is_empty() {
        c.bad("strategies", "must list at least one strategy");
    }
    let mut names = BTreeMap::new();
    let mut strategies = Vec::new();
    for (i, s) in spec.strategies.iter().enumerate() {
        let f = field(i);
        let name = s.name();
        if name.trim().is_empty() {
            c.bad(f("name"), "must not be empty");
        } else if names.insert(name.to_string(), i).is_some() {
            c.bad(f("name"), format!("duplicate strategy name `{name}`"));
        }
        let config = strategy_config(c, &b, i, s);
        let has_capacity = spec.regions.iter().any(|r| r.capacity.is_some());
        let bulkhead = s.bulkhead();
        if let Some(share) = bulkhead {
            if c.range(&f("bulkhead"), share, 0.0, 1.0) && share == 0.0 {
                c.bad(f("bulkhead"), "must be greater than 0");
            } else if !has_capacity {
                c.bad(
                    f("bulkhead"),
                    "has no effect: no region has a `capacity` (the bulkhead limits a share of its servers)",
                );
            }
        }
        let circuit_breaker = s
            .circuit_breaker()
            .and_then(|cb| breaker(c, &f("circuit_breaker"), cb));
        if circuit_breaker.is_some()
            && !has_capacity
            && spec.faults.is_empty()
            && spec.random_faults.is_none()
        {
            c.bad(
                f("circuit_breaker"),
                "has no effect: without faults or region capacity no call ever fails",
            );
        }
        let residency_mode = match s.residency() {
            ResidencySpec::Ignore => ResidencyMode::Ignore,
            ResidencySpec::Enforce => ResidencyMode::Enforce,
        };
        if residency_mode == ResidencyMode::Enforce {
            enforce(c, &f, residency, regions, config.as_ref());
        }
        let config = rehome(config, residency_mode, residency, regions);
        if let Some(config) = config {
            strategies.push(NamedStrategy {
                name: name.to_string(),
                config,
                bulkhead,
                circuit_breaker,
                residency: residency_mode,
            });
        }
    }
    strategies
}

/// The most calls a breaker's window (or its half-open trial) may count.
const MAX_BREAKER_CALLS: u32 = 10_000;

/// A circuit breaker's settings (`strategies[i].circuit_breaker`); `None` (with problems)
/// when invalid.
fn breaker(c: &mut Checker, path: &str, cb: &CircuitBreakerSpec) -> Option<BreakerPolicy> {
    let f = |n: &str| format!("{path}.{n}");
    let before = c.problems.len();
    if c.range(&f("failure_rate"), cb.failure_rate, 0.0, 1.0) && cb.failure_rate == 0.0 {
        c.bad(f("failure_rate"), "must be greater than 0");
    }
    // Each breaker keeps a bit per call of its window, and there is one per (client
    // region, serving region): the bound keeps 64 x 64 of them within 5 MB.
    if cb.window_calls == 0 {
        c.bad(f("window_calls"), "must be at least 1");
    } else if cb.window_calls > MAX_BREAKER_CALLS {
        c.bad(
            f("window_calls"),
            format!(
                "must be at most {MAX_BREAKER_CALLS}, got {}",
                cb.window_calls
            ),
        );
    }
    let min_calls = cb.min_calls.unwrap_or(cb.window_calls);
    if cb.min_calls == Some(0) {
        c.bad(f("min_calls"), "must be at least 1");
    } else if min_calls > cb.window_calls && cb.window_calls > 0 {
        c.bad(
            f("min_calls"),
            format!(
                "must not exceed window_calls ({}): the window never holds more, so the breaker could never open",
                cb.window_calls
            ),
        );
    }
    let open_ok = c.positive_max(&f("open_ms"), cb.open_ms, MAX_MS);
    if open_ok && secs_to_nanos(cb.open_ms / 1e3) == 0 {
        c.bad(f("open_ms"), "must be at least 1 ns");
    }
    if cb.half_open_calls == 0 {
        c.bad(f("half_open_calls"), "must be at least 1");
    } else if cb.half_open_calls > MAX_BREAKER_CALLS {
        c.bad(
            f("half_open_calls"),
            format!(
                "must be at most {MAX_BREAKER_CALLS}, got {}",
                cb.half_open_calls
            ),
        );
    }
    (c.problems.len() == before).then(|| BreakerPolicy {
        failure_rate: cb.failure_rate,
        window: cb.window_calls,
        min_calls,
        open_ns: secs_to_nanos(cb.open_ms / 1e3),
        half_open_calls: cb.half_open_calls,
    })
}

/// The config of one strategy, region names resolved; `None` (with problems) when invalid.
fn strategy_config(
    c: &mut Checker,
    b: &Before,
    i: usize,
    s: &StrategySpec,
) -> Option<StrategyConfig> {
    let f = field(i);
    match s {
        StrategySpec::ActivePassive(ap) => active_passive(c, b, i, ap),
        StrategySpec::MultiMaster(mm) => Some(StrategyConfig::MultiMaster(MultiMasterConfig {
            resolution: match mm.resolution {
                ResolutionSpec::Lww => Resolution::Lww,
                ResolutionSpec::VersionVector => Resolution::VersionVector,
                ResolutionSpec::Crdt => Resolution::Crdt,
            },
        })),
        StrategySpec::ActiveActive(aa) => homes(
            c,
            &f("homes"),
            aa.homes.as_deref(),
            &b.known.ids,
            b.groups,
            b.key_space,
        )
        .map(|homes| StrategyConfig::ActiveActive(ActiveActiveConfig { homes })),
        StrategySpec::FollowTheSun(fts) => follow_the_sun(c, b, i, fts),
        StrategySpec::FollowTheUser(fu) => {
            follow_user::follow_the_user(c, &f, b.known, b.groups, b.users, fu)
        }
        StrategySpec::Quorum(q) => quorum(c, b, i, q),
        StrategySpec::Consensus(cs) => consensus(c, b, i, cs),
        StrategySpec::EdgeCache(ec) => edge_cache(c, b, i, ec),
        StrategySpec::Custom(cs) => custom(c, i, cs),
    }
}

/// The failback policy: `failback_hold_s` (and `preferred_leader`, checked by the caller)
/// only with `failback = "auto"`, where it must be >= 0.
fn failback(
    c: &mut Checker,
    f: &impl Fn(&str) -> String,
    mode: FailbackSpec,
    hold_s: Option<f64>,
) -> Failback {
    match mode {
        FailbackSpec::Manual => {
            if hold_s.is_some() {
                c.bad(
                    f("failback_hold_s"),
                    "has no effect with failback = \"manual\" (the default): set failback = \"auto\" or remove it",
                );
            }
            Failback::Manual
        }
        FailbackSpec::Auto => {
            let hold = hold_s.unwrap_or(crate::scenario::spec::DEFAULT_FAILBACK_HOLD_S);
            c.non_negative_max(&f("failback_hold_s"), hold, MAX_SECONDS);
            Failback::Auto {
                hold_ns: if hold.is_finite() && hold >= 0.0 {
                    secs_to_nanos(hold)
                } else {
                    0
                },
            }
        }
    }
}

/// `active-passive`: the primary, an optional witness, replication and promotion.
fn active_passive(
    c: &mut Checker,
    b: &Before,
    i: usize,
    ap: &ActivePassiveSpec,
) -> Option<StrategyConfig> {
    let f = field(i);
    let witness = ap
        .witness
        .as_ref()
        .and_then(|w| b.known.region_ref(c, f("witness"), w));
    c.non_negative_max(&f("promotion_delay_s"), ap.promotion_delay_s, MAX_SECONDS);
    let failback = failback(c, &f, ap.failback, ap.failback_hold_s);
    if witness.is_some() && ap.witness.as_deref() == Some(ap.primary.as_str()) {
        c.bad(f("witness"), "the witness cannot be the primary");
    }
    let primary = b.known.region_ref(c, f("primary"), &ap.primary);
    let modes =
        replication_modes::replication_modes(c, &f, b.known, ap, (primary, witness), b.n_regions)?;
    primary.map(|primary| {
        StrategyConfig::ActivePassive(ActivePassiveConfig {
            primary,
            promotion_delay_ns: secs_to_nanos(ap.promotion_delay_s),
            split_brain: match ap.split_brain {
                SplitBrainSpec::None => SplitBrain::None,
                SplitBrainSpec::Fencing => SplitBrain::Fencing,
            },
            witness,
            failback,
            replication: modes.replication,
            ack: modes.ack,
            flush_ns: modes.flush_ns,
            apply_ns: modes.apply_ns,
            sync_quorum: modes.sync_quorum,
            read_from: match ap.read_from {
                ReadFromSpec::Local => ReadFrom::Local,
                ReadFromSpec::Primary => ReadFrom::Primary,
            },
        })
    })
}

/// `follow-the-sun`: the shifts, sorted by start hour.
fn follow_the_sun(
    c: &mut Checker,
    b: &Before,
    i: usize,
    fts: &FollowTheSunSpec,
) -> Option<StrategyConfig> {
    let f = field(i);
    let mut shifts = Vec::new();
    if fts.shifts.is_empty() {
        c.bad(f("shifts"), "must list at least one shift");
    }
    for (j, sh) in fts.shifts.iter().enumerate() {
        let sf = f(&format!("shifts[{j}]"));
        let r = b.known.region_ref(c, format!("{sf}.region"), &sh.region);
        let ok = c.range(&format!("{sf}.start_utc_h"), sh.start_utc_h, 0.0, 24.0);
        if ok && sh.start_utc_h >= 24.0 {
            c.bad(format!("{sf}.start_utc_h"), "must be below 24");
        }
        if let Some(region) = r {
            shifts.push(Shift {
                region,
                start_utc_ns: secs_to_nanos(sh.start_utc_h * 3600.0),
            });
        }
    }
    shifts.sort_by_key(|s| s.start_utc_ns);
    if shifts
        .windows(2)
        .any(|w| w[0].start_utc_ns == w[1].start_utc_ns)
    {
        c.bad(f("shifts"), "two shifts start at the same hour");
    }
    (shifts.len() == fts.shifts.len()).then_some(StrategyConfig::FollowTheSun(FollowTheSunConfig {
        shifts,
        during_handoff: match fts.during_handoff {
            HandoffSpec::Wait => HandoffPolicy::Wait,
            HandoffSpec::Fail => HandoffPolicy::Fail,
        },
        read_from: match fts.read_from {
            ReadFromSpec::Local => ReadFrom::Local,
            ReadFromSpec::Primary => ReadFrom::Primary,
        },
        start_utc_ns: b.start_utc_ns,
    }))
}

/// `quorum`: n, r, w and the replica set of every home region.
fn quorum(c: &mut Checker, b: &Before, i: usize, q: &QuorumSpec) -> Option<StrategyConfig> {
    let f = field(i);
    let n_regions = b.n_regions;
    if q.replicas_per_region.is_some() {
        return quorum_dc::quorum_dc(c, b.known, b.groups, b.key_space, &f, q);
    }
    quorum_dc::no_levels(c, &f, q);
    let (n, r, w) = (q.n.unwrap_or(3), q.r.unwrap_or(2), q.w.unwrap_or(2));
    let mut ok = true;
    if n == 0 || n > n_regions {
        c.bad(
            f("n"),
            format!(
                "must be in [1, {n_regions}] (the number of regions), got {}",
                n
            ),
        );
        ok = false;
    }
    if r == 0 || r > n {
        c.bad(f("r"), format!("must be in [1, n = {}], got {}", n, r));
        ok = false;
    }
    if w == 0 || w > n {
        c.bad(f("w"), format!("must be in [1, n = {}], got {}", n, w));
        ok = false;
    }
    let fixed = q.replicas.as_ref().map(|list| {
        if list.len() != n {
            c.bad(
                f("replicas"),
                format!("must list exactly n = {} regions, got {}", n, list.len()),
            );
        }
        let mut out: Vec<RegionId> = Vec::new();
        for (j, name) in list.iter().enumerate() {
            if let Some(r) = b.known.region_ref(c, f(&format!("replicas[{j}]")), name) {
                if out.contains(&r) {
                    c.bad(
                        f(&format!("replicas[{j}]")),
                        format!("region `{name}` listed twice"),
                    );
                }
                out.push(r);
            }
        }
        out
    });
    let homes = homes(c, &f("homes"), None, &b.known.ids, b.groups, b.key_space);
    match (ok, homes) {
        (true, Some(homes)) => {
            let replicas = (0..n_regions as RegionId)
                .map(|h| match &fixed {
                    Some(list) => list.clone(),
                    None => nearest(&b.known.regions, h, n),
                })
                .collect();
            Some(StrategyConfig::Quorum(QuorumConfig {
                n,
                r,
                w,
                homes,
                replicas,
                read_repair: q.read_repair,
                sloppy: q.sloppy,
                levels: None,
            }))
        }
        _ => None,
    }
}

/// `consensus`: the leader, the members and the election timeout range.
fn consensus(c: &mut Checker, b: &Before, i: usize, cs: &ConsensusSpec) -> Option<StrategyConfig> {
    let f = field(i);
    let leader = b.known.region_ref(c, f("leader"), &cs.leader);
    let mut members: Vec<RegionId> = match &cs.members {
        None => (0..b.n_regions as RegionId).collect(),
        Some(list) => list
            .iter()
            .enumerate()
            .filter_map(|(j, name)| b.known.region_ref(c, f(&format!("members[{j}]")), name))
            .collect(),
    };
    members.sort_unstable();
    let before = members.len();
    members.dedup();
    if members.len() != before {
        c.bad(f("members"), "a region is listed twice");
    }
    if let Some(l) = leader {
        if !members.contains(&l) {
            c.bad(
                f("leader"),
                format!("leader `{}` is not a member", cs.leader),
            );
        }
    }
    let fb = failback(c, &f, cs.failback, cs.failback_hold_s);
    let preferred = match (&cs.preferred_leader, fb) {
        (None, _) => leader,
        (Some(_), Failback::Manual) => {
            c.bad(
                f("preferred_leader"),
                "has no effect with failback = \"manual\" (the default): set failback = \"auto\" or remove it",
            );
            leader
        }
        (Some(name), Failback::Auto { .. }) => {
            let p = b.known.region_ref(c, f("preferred_leader"), name);
            if p.is_some_and(|p| !members.contains(&p)) {
                c.bad(
                    f("preferred_leader"),
                    format!("preferred leader `{name}` is not a member"),
                );
            }
            p
        }
    };
    let [lo, hi] = cs.election_timeout_ms;
    let field = f("election_timeout_ms");
    if c.positive_max(&format!("{field}[0]"), lo, MAX_MS)
        & c.positive_max(&format!("{field}[1]"), hi, MAX_MS)
        && hi < lo
    {
        c.bad(
            format!("{field}[1]"),
            format!("must be >= the minimum ({lo}), got {hi}"),
        );
    }
    let reads = consensus_reads::consensus_reads(c, &f, cs, lo);
    let drift = cs.clock_drift_ms.unwrap_or(0.0);
    leader
        .zip(preferred)
        .zip(reads)
        .map(|((leader, preferred), reads)| {
            StrategyConfig::Consensus(ConsensusConfig {
                leader,
                members,
                failback: fb,
                preferred,
                election_timeout_ns: [secs_to_nanos(lo / 1e3), secs_to_nanos(hi / 1e3)],
                lease_ns: secs_to_nanos((lo - drift).max(0.0) / 1e3),
                reads,
            })
        })
}

/// `edge-cache`: the origin, the TTL and the size of each cache.
fn edge_cache(c: &mut Checker, b: &Before, i: usize, ec: &EdgeCacheSpec) -> Option<StrategyConfig> {
    let f = field(i);
    let origin = b.known.region_ref(c, f("origin"), &ec.origin);
    let ok = c.positive_max(&f("ttl_s"), ec.ttl_s, MAX_SECONDS);
    if ec.capacity == 0 {
        c.bad(f("capacity"), "must be at least 1");
    }
    match (origin, ok && ec.capacity > 0) {
        (Some(origin), true) => Some(StrategyConfig::EdgeCache(EdgeCacheConfig {
            origin,
            ttl_ns: secs_to_nanos(ec.ttl_s),
            capacity: ec.capacity,
            invalidate: ec.invalidate,
        })),
        _ => None,
    }
}

/// A custom strategy: a registered name and a table of parameters (checked by the
/// strategy's own type when a program registers it).
fn custom(c: &mut Checker, i: usize, cs: &CustomSpec) -> Option<StrategyConfig> {
    let f = field(i);
    let name = cs.strategy.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
    {
        c.bad(
            f("strategy"),
            "must be a registered strategy name (letters, digits, `-`, `_`, `.`)",
        );
        return None;
    }
    if !cs.params.is_object() {
        c.bad(f("params"), "must be a table");
        return None;
    }
    Some(StrategyConfig::Custom(CustomConfig {
        kind: format!("custom:{name}"),
        strategy: name.to_string(),
        params: cs.params.clone(),
        runner: None,
    }))
}
