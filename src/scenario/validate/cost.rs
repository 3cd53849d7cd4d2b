//! Money and rules: data classes and the class of every key (residency), the cost model
//! (instance, storage and transfer prices, the size of the data) and the service-level
//! objectives every strategy is judged against.
//!
//! Must not import the engine, the world, metrics or report.

use std::collections::BTreeMap;

use super::{Checker, Known};
use crate::cost::CostModel;
use crate::objective::{Objective, Ops};
use crate::residency::{DataClass, Residency, NO_CLASS};
use crate::scenario::spec::{CostSpec, ScenarioSpec, SloOp, SloSpec};
use crate::workload::{ClientGroup, Users};

/// The data classes (`[[data_classes]]`) and the class of every key, from the classes' key
/// ranges and the client groups' `data_class`.
pub(super) fn residency(
    c: &mut Checker,
    spec: &ScenarioSpec,
    known: &Known,
    key_space: u64,
) -> Residency {
    let regions = &known.regions;
    let mut residency = Residency {
        classes: Vec::new(),
        class_of_key: Vec::new(),
    };
    let mut class_ids: BTreeMap<&str, u8> = BTreeMap::new();
    for (i, dc) in spec.data_classes.iter().enumerate() {
        let f = |n: &str| format!("data_classes[{i}].{n}");
        if class_ids.insert(&dc.name, i as u8).is_some() {
            c.bad(f("name"), format!("duplicate data class `{}`", dc.name));
        }
        let mut allowed = 0u64;
        for (j, name) in dc.allowed_regions.iter().enumerate() {
            if let Some(r) = known.region_ref(c, f(&format!("allowed_regions[{j}]")), name) {
                allowed |= 1u64 << r;
            }
        }
        for (j, jur) in dc.allowed_jurisdictions.iter().enumerate() {
            let mut any = false;
            for (r, reg) in regions.iter().enumerate() {
                if &reg.jurisdiction == jur {
                    allowed |= 1u64 << r;
                    any = true;
                }
            }
            if !any {
                c.bad(
                    f(&format!("allowed_jurisdictions[{j}]")),
                    format!("no region has jurisdiction `{jur}`"),
                );
            }
        }
        if allowed == 0 && dc.allowed_regions.is_empty() && dc.allowed_jurisdictions.is_empty() {
            c.bad(
                f("allowed_regions"),
                "a class needs allowed_regions or allowed_jurisdictions",
            );
        }
        residency.classes.push(DataClass {
            name: dc.name.clone(),
            allowed,
        });
    }
    if spec.data_classes.len() >= NO_CLASS as usize {
        c.bad("data_classes", "at most 254 data classes are supported");
    }
    if !residency.classes.is_empty() {
        residency.class_of_key = vec![NO_CLASS; key_space as usize];
        let mut assign = |c: &mut Checker, field: String, class: u8, start: u64, end: u64| {
            for k in start..end.min(key_space) {
                let slot = &mut residency.class_of_key[k as usize];
                if *slot != NO_CLASS && *slot != class {
                    c.bad(field, format!("key {k} is already in another data class"));
                    return;
                }
                *slot = class;
            }
        };
        for (i, dc) in spec.data_classes.iter().enumerate() {
            for (j, [s, e]) in dc.keys.iter().enumerate() {
                if s >= e {
                    c.bad(
                        format!("data_classes[{i}].keys[{j}]"),
                        "start must be below end",
                    );
                }
                assign(c, format!("data_classes[{i}].keys[{j}]"), i as u8, *s, *e);
            }
        }
        for (i, g) in spec.workload.clients.iter().enumerate() {
            if let Some(name) = &g.data_class {
                let field = format!("workload.clients[{i}].data_class");
                match class_ids.get(name.as_str()) {
                    Some(&id) => {
                        let end = g.key_offset.saturating_add(g.keys);
                        assign(c, field, id, g.key_offset, end);
                    }
                    None => c.bad(field, format!("unknown data class `{name}`")),
                }
            }
        }
    } else {
        for (i, g) in spec.workload.clients.iter().enumerate() {
            if let Some(name) = &g.data_class {
                c.bad(
                    format!("workload.clients[{i}].data_class"),
                    format!("unknown data class `{name}` (no data_classes defined)"),
                );
            }
        }
    }
    residency
}

/// The cost model (`[cost]`): prices, instances per role, the size of one copy of the data
/// (from the client groups and the travelling users unless given) and per-pair transfer
/// prices.
pub(super) fn cost_model(
    c: &mut Checker,
    cs: &CostSpec,
    known: &Known,
    (groups, users): (&[ClientGroup], Option<&Users>),
    key_space: u64,
) -> CostModel {
    let (regions, prices) = (&known.regions, &known.prices);
    c.non_negative("cost.instance_usd_per_hour", cs.instance_usd_per_hour);
    c.non_negative("cost.storage_usd_per_gb_month", cs.storage_usd_per_gb_month);
    let inst = &cs.instances;
    for (name, v) in [
        ("primary", inst.primary),
        ("replica", inst.replica),
        ("standby", inst.standby),
        ("witness", inst.witness),
        ("cache", inst.cache),
    ] {
        c.non_negative(&format!("cost.instances.{name}"), v);
    }
    let data_gb = match cs.data_gb {
        Some(v) => {
            c.non_negative("cost.data_gb", v);
            v
        }
        None => {
            // One copy of everything the workload can write: every key at the value size
            // of the group that writes it (the largest when groups share keys), and every
            // user's key at the users' value size (their range follows the groups' key
            // space: no group writes it).
            let mut size = vec![0u32; key_space as usize];
            for g in groups {
                let end = (g.key_offset.saturating_add(g.keys)).min(key_space);
                for s in &mut size[g.key_offset as usize..end as usize] {
                    *s = (*s).max(g.value_bytes);
                }
            }
            if let Some(u) = users {
                let end = (u.key_offset + u.keys()).min(key_space);
                size[u.key_offset as usize..end as usize].fill(u.value_bytes);
            }
            size.iter().map(|&b| b as f64).sum::<f64>() / 1e9
        }
    };
    let n_regions = regions.len();
    let mut pair_price = vec![None; n_regions * n_regions];
    for (i, pp) in cs.transfer.iter().enumerate() {
        let a = known.region_ref(c, format!("cost.transfer[{i}].from"), &pp.from);
        let b = known.region_ref(c, format!("cost.transfer[{i}].to"), &pp.to);
        c.non_negative(&format!("cost.transfer[{i}].usd_per_gb"), pp.usd_per_gb);
        if let (Some(a), Some(b)) = (a, b) {
            let slot = &mut pair_price[a as usize * n_regions + b as usize];
            if a == b {
                // Only messages between regions are charged transfer.
                c.bad(
                    format!("cost.transfer[{i}].to"),
                    "has no effect: the same region as from (traffic within a region is not charged transfer)",
                );
            } else if slot.is_some() {
                c.bad(
                    format!("cost.transfer[{i}]"),
                    format!(
                        "duplicate price for {} -> {}: one entry per ordered pair",
                        pp.from, pp.to
                    ),
                );
            }
            *slot = Some(pp.usd_per_gb);
        }
    }
    CostModel {
        instance_usd_per_hour: cs.instance_usd_per_hour,
        instances: [
            inst.primary,
            inst.replica,
            inst.standby,
            inst.witness,
            inst.cache,
        ],
        storage_usd_per_gb_month: cs.storage_usd_per_gb_month,
        data_gb,
        regions: prices.clone(),
        pair_price,
    }
}

/// The service-level objectives (`[[slo]]`), in file order (`rpo` may give two).
pub(super) fn slos(
    c: &mut Checker,
    specs: &[SloSpec],
    known: &Known,
    groups: &[ClientGroup],
) -> Vec<Objective> {
    let mut slos = Vec::new();
    for (i, o) in specs.iter().enumerate() {
        let f = |n: &str| format!("slo[{i}].{n}");
        let op = |o: Option<SloOp>| match o {
            Some(SloOp::Read) => Ops::Read,
            Some(SloOp::Write) => Ops::Write,
            None => Ops::All,
        };
        match o {
            SloSpec::Latency {
                op: o_op,
                percentile,
                max_ms,
                region,
            } => {
                if !crate::objective::PERCENTILES.contains(&percentile.as_str()) {
                    c.bad(
                        f("percentile"),
                        format!(
                            "must be one of {:?}, got `{percentile}`",
                            crate::objective::PERCENTILES
                        ),
                    );
                }
                c.non_negative(&f("max_ms"), *max_ms);
                if let Some(r) = region {
                    if let Some(id) = known.region_ref(c, f("region"), r) {
                        if !groups.iter().any(|g| g.region == id) {
                            c.bad(
                                f("region"),
                                format!("region `{r}` has no clients to measure"),
                            );
                        }
                    }
                }
                slos.push(Objective::Latency {
                    op: op(Some(*o_op)),
                    percentile: percentile.clone(),
                    max_ms: *max_ms,
                    region: region.clone(),
                });
            }
            SloSpec::Availability { min, op: o_op } => {
                c.range(&f("min"), *min, 0.0, 1.0);
                slos.push(Objective::Availability {
                    op: op(*o_op),
                    min: *min,
                });
            }
            SloSpec::Rpo {
                max_lost_writes,
                max_span_s,
            } => {
                if max_lost_writes.is_none() && max_span_s.is_none() {
                    c.bad(
                        f("max_lost_writes"),
                        "give max_lost_writes and/or max_span_s",
                    );
                }
                if let Some(w) = max_lost_writes {
                    slos.push(Objective::RpoWrites(*w));
                }
                if let Some(s) = max_span_s {
                    c.non_negative(&f("max_span_s"), *s);
                    slos.push(Objective::RpoSpan(*s));
                }
            }
            SloSpec::Rto { max_s } => {
                c.non_negative(&f("max_s"), *max_s);
                slos.push(Objective::Rto(*max_s));
            }
            SloSpec::Budget { monthly_usd } => {
                c.non_negative(&f("monthly_usd"), *monthly_usd);
                slos.push(Objective::Budget(*monthly_usd));
            }
            SloSpec::StaleReads { max_rate } => {
                c.range(&f("max_rate"), *max_rate, 0.0, 1.0);
                slos.push(Objective::StaleReads(*max_rate));
            }
        }
    }
    slos
}
