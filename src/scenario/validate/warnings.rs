//! Warnings: settings that are valid but would have no effect on the run. A scenario that
//! validates is read once more, as a whole, for settings that change nothing (a fault after the
//! load stops, a fault on regions a strategy does not use, a clock skew no strategy reads, a
//! data class that restricts nothing, `residency = "enforce"` with nothing to enforce, ...).
//! Each becomes a `Warning` with its field path, in scenario order: `start_utc_h`, the
//! regions' `failover_share`, faults in file order (and within a fault, strategies in file
//! order), then random faults, detection and clients, sessions, the network and the cost
//! model (`model_warnings`), data classes, strategies. The report lists them and `geosim run`
//! prints them under the tables (docs/report.md, docs/faults.md).
//!
//! Must not import the engine, the world, metrics or report.

use crate::cost::{footprint, Role};
use crate::faults::{Capacity, FaultKind, Recovery};
use crate::residency::ResidencyMode;
use crate::scenario::spec::{
    ClientsSpec, DetectionSpec, ScenarioSpec, DEFAULT_MTTR_S, DEFAULT_RETRANSMIT_MS,
};
use crate::scenario::{Scenario, Warning};
use crate::strategy::{
    ConsensusReads, Failback, HandoffPolicy, ReadFrom, Replication, Resolution, SplitBrain,
    StrategyConfig, UserHandoff,
};
use crate::topology::RegionId;
use crate::workload::SessionRouting;

/// Every warning of a valid scenario, in scenario order.
pub(super) fn collect(spec: &ScenarioSpec, sc: &Scenario) -> Vec<Warning> {
    let mut w = Vec::new();
    let mut warn = |field: String, strategy: Option<usize>, message: String| {
        w.push(Warning {
            field,
            strategy,
            message,
        })
    };
    let n = sc.topology.len();
    let name = |r: RegionId| sc.topology.region(r).name.as_str();
    let mut has_clients = vec![false; n];
    for g in &sc.workload.groups {
        has_clients[g.region as usize] = true;
    }
    // Per strategy, the regions that matter to it: those with clients, and those where it
    // keeps data or serves (its footprint).
    let matters: Vec<Vec<bool>> = sc
        .strategies
        .iter()
        .map(|s| {
            footprint(&s.config, n)
                .iter()
                .zip(&has_clients)
                .map(|(role, &clients)| clients || *role != Role::None)
                .collect()
        })
        .collect();
    let duration_s = sc.duration_ns as f64 / 1e9;
    let end_s = duration_s + sc.drain_ns as f64 / 1e9;

    // The time of day is read by daily profiles and follow-the-sun shifts only.
    let by_clock = sc.workload.groups.iter().any(|g| g.diurnal.is_some())
        || sc
            .strategies
            .iter()
            .any(|s| matches!(s.config, StrategyConfig::FollowTheSun(_)));
    if spec.start_utc_h != 0.0 && !by_clock {
        warn(
            "start_utc_h".into(),
            None,
            "has no effect: no client group has a daily profile (diurnal) and no strategy is follow-the-sun, the only things that read the time of day".into(),
        );
    }

    let all_regions: u64 = if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
    let mut keys_in_class = vec![0u64; sc.residency.classes.len()];
    for &c in &sc.residency.class_of_key {
        if let Some(k) = keys_in_class.get_mut(c as usize) {
            *k += 1;
        }
    }
    // Per data class: it holds a key in use and keeps it out of some region.
    let restricts: Vec<bool> = (sc.residency.classes.iter().zip(&keys_in_class))
        .map(|(dc, &keys)| keys > 0 && dc.allowed & all_regions != all_regions)
        .collect();
    let failover = Failover::new(sc, &restricts);
    for (i, r) in spec.regions.iter().enumerate() {
        let share = r.capacity.as_ref().and_then(|c| c.failover_share);
        if let (Some(share), Some(Some(cap))) = (share, sc.capacity.get(i)) {
            if let Some(why) = failover.idle_share(sc, i, cap, share) {
                warn(format!("regions[{i}].capacity.failover_share"), None, why);
            }
        }
    }

    for (i, fault) in sc.faults.iter().enumerate() {
        if fault.start.0 >= sc.duration_ns {
            warn(
                format!("faults[{i}].start_s"),
                None,
                format!(
                    "starts at {} s, after the clients stop issuing operations at duration_s = {duration_s} s (the run ends at {end_s} s): only operations still in flight, replication and catch-up can be affected",
                    fault.start.as_secs_f64()
                ),
            );
        }
        // A fault that changes nothing at all, whatever the strategy.
        let inert = match &fault.kind {
            FaultKind::LinkDegradation {
                extra: None,
                loss,
                bandwidth_bps: None,
                ..
            } if *loss == 0.0 => {
                Some("it sets no extra_latency, no loss and no bandwidth_mbps, so it degrades nothing")
            }
            FaultKind::ClockSkew {
                offset_ns: 0,
                drift_ppm,
                ..
            } if *drift_ppm == 0.0 => {
                Some("offset_ms and drift_ppm are both 0, so it skews nothing: the region's clock stays right")
            }
            _ => None,
        };
        if let Some(why) = inert {
            warn(
                format!("faults[{i}]"),
                None,
                format!("{} has no effect on any strategy: {why}", fault.kind.name()),
            );
            continue;
        }
        if let FaultKind::LinkDegradation {
            loss,
            retransmit_ns,
            ..
        } = &fault.kind
        {
            if *loss == 0.0
                && *retransmit_ns != crate::time::secs_to_nanos(DEFAULT_RETRANSMIT_MS / 1e3)
            {
                warn(
                    format!("faults[{i}].retransmit_ms"),
                    None,
                    "has no effect: loss = 0, so no transmission is lost and retransmitted".into(),
                );
            }
        }
        // Why the fault cannot affect strategy `j`, if it cannot.
        let idle = |j: usize| -> Option<String> {
            let m = &matters[j];
            let unused = |r: &RegionId| !m[*r as usize];
            match &fault.kind {
                FaultKind::Outage { region, .. } if unused(region) => Some(format!(
                    "region `{}` has no clients and holds nothing for this strategy",
                    name(*region)
                )),
                FaultKind::Partition { a, b, .. } if a.iter().all(unused) || b.iter().all(unused) => {
                    Some("one side has no region with clients or data of this strategy".into())
                }
                FaultKind::LinkDegradation { from, to, .. } if unused(from) || unused(to) => {
                    Some(format!(
                        "the link `{}` -> `{}` ends in a region with no clients and no data of this strategy",
                        name(*from),
                        name(*to)
                    ))
                }
                FaultKind::ClockSkew { region, .. } if unused(region) => Some(format!(
                    "region `{}` has no clients and holds nothing for this strategy",
                    name(*region)
                )),
                FaultKind::ClockSkew { .. } if !reads_clocks(&sc.strategies[j].config) => {
                    Some(format!(
                        "`{}` never reads a wall clock (only multi-master and quorum timestamps do)",
                        sc.strategies[j].config.kind()
                    ))
                }
                FaultKind::Outage {
                    region,
                    recover: Recovery::Empty,
                } => match &sc.strategies[j].config {
                    StrategyConfig::EdgeCache(ec) if ec.origin != *region => Some(format!(
                        "recover = \"empty\" changes nothing at a cache region: `{}` loses its cache in any outage (only the origin keeps durable state)",
                        name(*region)
                    )),
                    _ => None,
                },
                _ => None,
            }
        };
        let reasons: Vec<(usize, String)> = (0..sc.strategies.len())
            .filter_map(|j| idle(j).map(|why| (j, why)))
            .collect();
        let field = match &fault.kind {
            FaultKind::Outage {
                recover: Recovery::Empty,
                ..
            } if reasons.iter().all(|(_, why)| why.starts_with("recover")) => {
                format!("faults[{i}].recover")
            }
            _ => format!("faults[{i}]"),
        };
        if reasons.len() == sc.strategies.len() && reasons.len() > 1 {
            warn(
                field,
                None,
                format!(
                    "{} has no effect on any strategy: {}",
                    fault.kind.name(),
                    reasons[0].1
                ),
            );
        } else {
            for (j, why) in reasons {
                warn(
                    field.clone(),
                    Some(j),
                    format!(
                        "{} has no effect on strategy `{}`: {why}",
                        fault.kind.name(),
                        sc.strategies[j].name
                    ),
                );
            }
        }
    }

    if let Some(rf) = &spec.random_faults {
        if rf.region_mtbf_s.is_none() && rf.link_mtbf_s.is_none() {
            warn(
                "random_faults".into(),
                None,
                "sets neither region_mtbf_s nor link_mtbf_s: no random fault is drawn".into(),
            );
        }
        for (field, mtbf, mttr_s, what) in [
            (
                "region_mttr_s",
                rf.region_mtbf_s,
                rf.region_mttr_s,
                "region outages (region_mtbf_s",
            ),
            (
                "link_mttr_s",
                rf.link_mtbf_s,
                rf.link_mttr_s,
                "partitions (link_mtbf_s",
            ),
        ] {
            if mtbf.is_none() && mttr_s != DEFAULT_MTTR_S {
                warn(
                    format!("random_faults.{field}"),
                    None,
                    format!("has no effect without random {what} is not set)"),
                );
            }
        }
        if rf.region_mtbf_s.is_none()
            && sc
                .random_faults
                .as_ref()
                .is_some_and(|r| r.recover == Recovery::Empty)
        {
            warn(
                "random_faults.recover".into(),
                None,
                "has no effect without random region outages (region_mtbf_s is not set)".into(),
            );
        }
    }
    let outages = sc
        .faults
        .iter()
        .any(|f| matches!(f.kind, FaultKind::Outage { .. }))
        || sc
            .random_faults
            .as_ref()
            .is_some_and(|r| r.region_mtbf_ns.is_some());
    if !sc.has_faults() {
        let d = DetectionSpec::default();
        if spec.detection.heartbeat_ms != d.heartbeat_ms
            || spec.detection.timeout_ms != d.timeout_ms
        {
            warn(
                "detection".into(),
                None,
                "the failure detector runs only in scenarios with faults, and this one has none"
                    .into(),
            );
        }
    }
    let cl = ClientsSpec::default();
    if !outages && spec.clients.reroute_after_s != cl.reroute_after_s {
        warn(
            "clients.reroute_after_s".into(),
            None,
            "clients reroute only when a region goes down, and this scenario has no region outage"
                .into(),
        );
    }

    for (field, strategy, message) in session_warnings(spec, sc)
        .into_iter()
        .chain(super::model_warnings::network(spec, sc))
        .chain(super::model_warnings::instances(spec, sc))
    {
        warn(field, strategy, message);
    }

    let mut restricting = false;
    for (i, dc) in sc.residency.classes.iter().enumerate() {
        if keys_in_class[i] == 0 {
            warn(
                format!("data_classes[{i}]"),
                None,
                format!(
                    "class `{}` holds no key in use (keys 0..{}): it restricts nothing",
                    dc.name,
                    sc.workload.key_space()
                ),
            );
        } else if dc.allowed & all_regions == all_regions {
            warn(
                format!("data_classes[{i}]"),
                None,
                format!(
                    "class `{}` allows every region: no copy can be outside it, so it restricts nothing",
                    dc.name
                ),
            );
        } else {
            restricting = true;
        }
    }

    for (j, s) in sc.strategies.iter().enumerate() {
        if s.residency == crate::residency::ResidencyMode::Enforce && !restricting {
            warn(
                format!("strategies[{j}].residency"),
                Some(j),
                "\"enforce\" has no effect: no data class restricts where a key in use may live"
                    .into(),
            );
        }
        // A bulkhead without capacities and a breaker without faults or capacities are
        // rejected at validation (`strategies`), not warned about.
        if let Some(why) = s.bulkhead.and_then(|b| failover.idle_bulkhead(sc, j, b)) {
            warn(format!("strategies[{j}].bulkhead"), Some(j), why);
        }
        let calm = |field: &str, what: &str| {
            (
                format!("strategies[{j}].{field}"),
                Some(j),
                format!("has no effect without faults: {what}"),
            )
        };
        let mut quiet = Vec::new();
        match &s.config {
            StrategyConfig::ActivePassive(ap) if !sc.has_faults() => {
                if ap.split_brain == SplitBrain::Fencing {
                    quiet.push(calm(
                        "split_brain",
                        "fencing acts only when the primary loses touch with a majority",
                    ));
                }
                if ap.promotion_delay_ns != 5_000_000_000 {
                    quiet.push(calm(
                        "promotion_delay_s",
                        "a standby is promoted only after the primary is suspected",
                    ));
                }
                if ap.failback != Failback::Manual {
                    quiet.push(calm(
                        "failback",
                        "the primary never moves, so there is nothing to hand back",
                    ));
                }
            }
            StrategyConfig::Consensus(cs) if !sc.has_faults() => {
                if cs.election_timeout_ns != [1_500_000_000, 3_000_000_000] {
                    quiet.push(calm(
                        "election_timeout_ms",
                        "an election starts only when followers suspect the leader",
                    ));
                }
                if cs.failback != Failback::Manual {
                    quiet.push(calm(
                        "failback",
                        "the leader never moves, so there is nothing to hand back",
                    ));
                }
            }
            _ => {}
        }
        for (field, strategy, message) in quiet {
            warn(field, strategy, message);
        }
        match &s.config {
            StrategyConfig::MultiMaster(mm)
                if mm.resolution != Resolution::Lww && !outages && !shared_writes(sc) =>
            {
                warn(
                    format!("strategies[{j}].resolution"),
                    Some(j),
                    "has no effect: no two regions write the same key (the writing client groups' key ranges do not overlap across regions, and no outage reroutes clients), so no write is ever concurrent with another".into(),
                );
            }
            StrategyConfig::EdgeCache(_) if n == 1 => {
                warn(
                    format!("strategies[{j}].origin"),
                    Some(j),
                    "has no cache in front of it: the origin is the only region, so ttl_s, capacity and invalidate have no effect".into(),
                );
            }
            StrategyConfig::FollowTheUser(fu)
                if fu.handoff == UserHandoff::Eager
                    && sc
                        .workload
                        .users
                        .as_ref()
                        .is_some_and(|u| u.trips.is_empty() && u.travel.is_none()) =>
            {
                warn(
                    format!("strategies[{j}].handoff"),
                    Some(j),
                    "has no effect: no user travels (no trips, travel_fraction = 0), so no data is handed off".into(),
                );
            }
            StrategyConfig::ActivePassive(ap)
                if ap.read_from == ReadFrom::Primary
                    && !sc.has_faults()
                    && sc.workload.users.is_none()
                    && sc.workload.groups.iter().all(|g| g.region == ap.primary) =>
            {
                warn(
                    format!("strategies[{j}].read_from"),
                    Some(j),
                    format!(
                        "has no effect: every client is in the primary's region `{}` and no fault moves the primary, so a local read is already a read at the primary",
                        name(ap.primary)
                    ),
                );
            }
            StrategyConfig::EdgeCache(ec)
                if ec.invalidate
                    && sc.workload.users.is_none()
                    && sc.workload.groups.iter().all(|g| g.read_fraction >= 1.0) =>
            {
                warn(
                    format!("strategies[{j}].invalidate"),
                    Some(j),
                    "has no effect: no client group writes (every read_fraction is 1), so there is nothing to invalidate".into(),
                );
            }
            StrategyConfig::Quorum(q) if q.read_repair && q.n == 1 => {
                warn(
                    format!("strategies[{j}].read_repair"),
                    Some(j),
                    "has no effect with n = 1: a read asks the one replica, so no answer is older than another to repair".into(),
                );
            }
            StrategyConfig::FollowTheSun(fs)
                if fs.shifts.len() == 1 && fs.during_handoff == HandoffPolicy::Fail =>
            {
                warn(
                    format!("strategies[{j}].during_handoff"),
                    Some(j),
                    "has no effect with a single shift: the primary never hands off".into(),
                );
            }
            StrategyConfig::ActivePassive(ap)
                if sc.topology.len() == 1 && ap.replication != Replication::Async =>
            {
                warn(
                    format!("strategies[{j}].replication"),
                    Some(j),
                    "has no effect in a one-region scenario: there is no standby to wait for"
                        .into(),
                );
            }
            StrategyConfig::Quorum(q) if q.sloppy && !sc.has_faults() => {
                warn(
                    format!("strategies[{j}].sloppy"),
                    Some(j),
                    "has no effect without faults: hints are written only for replicas the coordinator suspects".into(),
                );
            }
            StrategyConfig::Quorum(q) if q.sloppy && q.n >= sc.topology.len() => {
                warn(
                    format!("strategies[{j}].sloppy"),
                    Some(j),
                    format!(
                        "cannot keep writes available: every region holds a replica of every key (n = {} of {} regions), so no region can stand in for a replica the coordinator suspects (a write only skips it); use fewer replicas than regions",
                        q.n,
                        sc.topology.len()
                    ),
                );
            }
            _ => {}
        }
    }
    w
}

/// Where failed-over requests can arrive: those of clients served outside their own region,
/// the only requests `capacity.failover_share` and a strategy's `bulkhead` limit
/// (`sim::capacity`). Clients are served elsewhere only when rerouted after an outage of their
/// region, when a `sticky` session reads where its last write was created, or under enforced
/// residency at the nearest region a restricted key's class allows (`sim::client`).
struct Failover {
    /// Per region: another region can go down (a listed outage, or random region outages).
    rerouted: Vec<bool>,
    /// Sessions read where their last write was created (`session_routing = "sticky"`).
    sticky: bool,
    /// Per region: a data class that restricts a key in use allows it.
    allowed: Vec<bool>,
}

impl Failover {
    /// `restricts`: per data class, whether it keeps a key in use out of some region.
    fn new(sc: &Scenario, restricts: &[bool]) -> Failover {
        let n = sc.topology.len();
        let random = sc
            .random_faults
            .as_ref()
            .is_some_and(|r| r.region_mtbf_ns.is_some());
        let outage_elsewhere = |r: usize| {
            sc.faults
                .iter()
                .any(|f| matches!(f.kind, FaultKind::Outage { region, .. } if region as usize != r))
        };
        let allows = |r: usize| {
            let bit = 1u64.checked_shl(r as u32).unwrap_or(0);
            (sc.residency.classes.iter().zip(restricts))
                .any(|(dc, &on)| on && dc.allowed & bit != 0)
        };
        Failover {
            rerouted: (0..n)
                .map(|r| n > 1 && (random || outage_elsewhere(r)))
                .collect(),
            sticky: n > 1 && sc.workload.session_routing == SessionRouting::Sticky,
            allowed: (0..n).map(|r| n > 1 && allows(r)).collect(),
        }
    }

    /// Whether clients of another region can be served at region `r` under strategy `j`.
    fn reaches(&self, sc: &Scenario, r: usize, j: usize) -> bool {
        self.rerouted[r]
            || self.sticky
            || (self.allowed[r] && sc.strategies[j].residency == ResidencyMode::Enforce)
    }

    /// Why nothing is failed over: one region, else `why`.
    fn none(sc: &Scenario, why: &str) -> String {
        if sc.topology.len() == 1 {
            "has no effect in a one-region scenario: no client is served outside its own region"
                .into()
        } else {
            format!("has no effect: {why}")
        }
    }

    /// Why `failover_share = share` of region `r` (its capacity `cap`) limits nothing, if it
    /// does not.
    fn idle_share(&self, sc: &Scenario, r: usize, cap: &Capacity, share: f64) -> Option<String> {
        let users: Vec<usize> = (0..sc.strategies.len())
            .filter(|&j| sc.strategies[j].bulkhead.is_none())
            .collect();
        if users.is_empty() {
            return Some(
                "has no effect: every strategy overrides it with its own `bulkhead`".into(),
            );
        }
        if !cap.share_can_shed(share) {
            return Some(format!("has no effect with queue_limit = 0: it lets failed-over requests hold all {} server(s), and the station never holds more requests than that", cap.servers));
        }
        if users.iter().any(|&j| self.reaches(sc, r, j)) {
            return None;
        }
        let who = if users.len() < sc.strategies.len() {
            "no strategy without its own `bulkhead`"
        } else {
            "no strategy"
        };
        Some(Failover::none(sc, &format!("no client of another region is ever served here (no outage of another region reroutes clients here, session routing is not sticky, and {who} enforces residency of a data class that allows this region)")))
    }

    /// Why `bulkhead = share` of strategy `j` limits nothing, if it does not.
    fn idle_bulkhead(&self, sc: &Scenario, j: usize, share: f64) -> Option<String> {
        let reached: Vec<&Capacity> = (sc.capacity.iter().enumerate())
            .filter_map(|(r, cap)| cap.as_ref().filter(|_| self.reaches(sc, r, j)))
            .collect();
        if reached.is_empty() {
            return Some(Failover::none(sc, "no client is ever served at a region with a `capacity` other than its own (no outage reroutes clients to one, session routing is not sticky, and the strategy enforces residency of no data class that allows one)"));
        }
        (!reached.iter().any(|cap| cap.share_can_shed(share))).then(|| {
            "has no effect: every region with a `capacity` that serves clients of other regions has queue_limit = 0 and no more servers than the share admits, so the full station sheds the request first".into()
        })
    }
}

/// Whether the strategy reads `ctx.clock` (wall-clock timestamps): only then can a clock skew
/// change what it does.
fn reads_clocks(cfg: &StrategyConfig) -> bool {
    matches!(
        cfg,
        StrategyConfig::MultiMaster(_) | StrategyConfig::Quorum(_)
    )
}

/// Whether two client groups in different regions both write and share a key.
fn shared_writes(sc: &Scenario) -> bool {
    let writers: Vec<_> = sc
        .workload
        .groups
        .iter()
        .filter(|g| g.read_fraction < 1.0 && g.rate_rps > 0.0)
        .collect();
    writers.iter().enumerate().any(|(i, a)| {
        writers[i + 1..].iter().any(|b| {
            a.region != b.region
                && a.key_offset < b.key_offset + b.keys
                && b.key_offset < a.key_offset + a.keys
        })
    })
}

/// Session settings that change nothing: `rate_rps` of a group whose sessions have a think
/// time, and a session routing for strategies whose reads are already linearizable.
fn session_warnings(spec: &ScenarioSpec, sc: &Scenario) -> Vec<(String, Option<usize>, String)> {
    let mut w = Vec::new();
    for (i, g) in spec.workload.clients.iter().enumerate() {
        if g.sessions.is_some() && g.think_time_ms.is_some() {
            w.push((
                format!("workload.clients[{i}].rate_rps"),
                None,
                "has no effect: the group's sessions issue their next operation one think_time_ms after the previous one completes".into(),
            ));
        }
    }
    let routing = sc.workload.session_routing;
    if routing == crate::workload::SessionRouting::None {
        return w;
    }
    for (j, s) in sc.strategies.iter().enumerate() {
        let linearizable = match &s.config {
            StrategyConfig::ActivePassive(ap) => ap.read_from == ReadFrom::Primary,
            StrategyConfig::Consensus(cs) => !matches!(cs.reads, ConsensusReads::Follower { .. }),
            _ => false,
        };
        if linearizable {
            w.push((
                "clients.session_routing".into(),
                Some(j),
                format!(
                    "has no effect on the session guarantees of `{}`: its reads are served by the primary or leader, which already provides all four",
                    s.name
                ),
            ));
        }
    }
    w
}
