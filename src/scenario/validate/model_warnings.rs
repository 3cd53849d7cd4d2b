//! Warnings about the scenario's models rather than its strategies or faults: network settings
//! that no link and no access latency takes (everything is given explicitly, or every link is
//! constant so order is kept anyway), and instance counts of the cost model for roles no
//! strategy gives any region.
//!
//! Part of `warnings` (which orders and files them). Must not import the engine, the world,
//! metrics or report.

use crate::cost::{footprint, Role};
use crate::faults::FaultKind;
use crate::scenario::spec::{InstancesSpec, PathSpec, ScenarioSpec, VariationSpec};
use crate::scenario::Scenario;

/// One warning: field path, strategy (none here: these concern the whole scenario), message.
pub(super) type Found = (String, Option<usize>, String);

/// The network settings nothing reads: `network.fifo = false` when every link is constant and
/// no fault degrades a link; `network.variation` when every pair of regions has an
/// explicit link and every region its own `intra_ms` (no measured matrix, whose rows without
/// a tail take the variation); `network.path = "great-circle"`, `route_inflation` and
/// `overhead_ms` when no link is derived from geography.
pub(super) fn network(spec: &ScenarioSpec, sc: &Scenario) -> Vec<Found> {
    let net = &spec.network;
    let derived = sc.topology.links().iter().any(|l| !l.explicit);
    let mut w = Vec::new();
    // A channel delivers in send order anyway when every link is constant and no fault
    // degrades one (a degradation's extra latency, its end, or a retransmission can overtake).
    let constant = sc
        .topology
        .links()
        .iter()
        .all(|l| l.latency.constant_nanos().is_some());
    let degraded = sc
        .faults
        .iter()
        .any(|f| matches!(f.kind, FaultKind::LinkDegradation { .. }));
    if !net.fifo && constant && !degraded {
        w.push((
            "network.fifo".into(),
            None,
            "has no effect: every link's latency is constant and no fault degrades a link, so messages of one channel arrive in the order they were sent anyway".into(),
        ));
    }
    if derived {
        return w;
    }
    let none_derived = if sc.topology.len() == 1 {
        "the scenario has one region, so there is no WAN link"
    } else {
        "every pair of regions has an explicit link, so no link is derived from geography"
    };
    let default_access = spec.regions.iter().any(|r| r.intra_ms.is_none());
    if let Some(v) = net.variation {
        let v = match v {
            VariationSpec::Lognormal => "lognormal",
            VariationSpec::Constant => "constant",
        };
        if !default_access && net.matrix.is_none() {
            w.push((
                "network.variation".into(),
                None,
                format!(
                    "has no effect (\"{v}\"): it shapes derived links and the default access latency, and here {none_derived} and every region gives its intra_ms; explicit latencies take the distribution they are given (a bare number is constant: for jitter give e.g. {{ dist = \"lognormal\", p50_ms = 40, p99_ms = 60 }})"
                ),
            ));
        }
    }
    let derivation = [
        ("network.path", net.path == PathSpec::GreatCircle),
        ("network.route_inflation", net.route_inflation.is_some()),
        ("network.overhead_ms", net.overhead_ms.is_some()),
    ];
    for (field, set) in derivation {
        if set {
            w.push((
                field.into(),
                None,
                format!(
                    "has no effect: it shapes the links derived from geography, and {none_derived}"
                ),
            ));
        }
    }
    w
}

/// `cost.instances.<role>` changed from its default where no strategy run gives that role to
/// any region (a follow-the-user server is priced as a replica).
pub(super) fn instances(spec: &ScenarioSpec, sc: &Scenario) -> Vec<Found> {
    let n = sc.topology.len();
    let mut used = [false; 5];
    for s in &sc.strategies {
        for role in footprint(&s.config, n) {
            let i = match role {
                Role::None => continue,
                Role::Primary => 0,
                Role::Replica | Role::Server => 1,
                Role::Standby => 2,
                Role::Witness => 3,
                Role::Cache => 4,
            };
            used[i] = true;
        }
    }
    let given = &spec.cost.instances;
    let default = InstancesSpec::default();
    let roles = [
        (
            "primary",
            given.primary != default.primary,
            "a primary, leader or origin",
        ),
        (
            "replica",
            given.replica != default.replica,
            "an active replica",
        ),
        ("standby", given.standby != default.standby, "a standby"),
        ("witness", given.witness != default.witness, "a witness"),
        ("cache", given.cache != default.cache, "an edge cache"),
    ];
    roles
        .iter()
        .zip(used)
        .filter(|((_, changed, _), used)| *changed && !used)
        .map(|((role, _, what), _)| {
            (
                format!("cost.instances.{role}"),
                None,
                format!("has no effect: no strategy run makes any region {what}, so no instance is priced at this count"),
            )
        })
        .collect()
}
