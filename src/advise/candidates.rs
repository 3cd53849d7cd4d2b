//! The candidate designs of `geosim advise`: enumeration (strategy kind x primary / leader /
//! origin placement x replica set x the main knobs) and the fibre-floor pruning.
//!
//! Owns `Candidate` (a name and the strategy table as it appears in a scenario file),
//! `enumerate` and `floor_prune` (a candidate whose physical lower bound on latency already
//! breaks a latency objective). Residency pruning is not here: a candidate is built as a
//! scenario with `residency = "enforce"` and validation refuses what cannot keep the data in
//! its class (`mod.rs` counts those).
//!
//! Must not import the engine, the world, strategies, sweeps or any output module.

use serde_json::{json, Value};

use crate::objective::{Objective, Ops};
use crate::scenario::Scenario;
use crate::topology::{fibre_floor_ms, RegionId};

/// Replica-set sizes tried for quorum and consensus.
const SET_SIZES: [usize; 2] = [3, 5];
/// Edge-cache TTLs tried, seconds (plus the scenario's own).
const TTLS_S: [f64; 3] = [1.0, 10.0, 60.0];
/// At most this many regions are considered for replica sets (the nearest to the load).
pub const MAX_SET_REGIONS: usize = 8;
/// A lower bound must exceed the objective by this factor to prune (the latency histogram
/// resolves 0.1 %; the margin keeps rounding from ever pruning a feasible design).
const MARGIN: f64 = 1.02;

/// One candidate design.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Unique, descriptive name (also the strategy's `name`).
    pub name: String,
    /// Strategy kind (`active-passive`, ...).
    pub kind: &'static str,
    /// The strategy table, as in a scenario file's `[[strategies]]`.
    pub table: Value,
}

/// Region names of the scenario.
fn names(sc: &Scenario) -> Vec<String> {
    sc.topology
        .regions()
        .iter()
        .map(|r| r.name.clone())
        .collect()
}

/// Every subset of `items` with `k` elements, in lexicographic order of positions.
fn subsets(items: &[RegionId], k: usize) -> Vec<Vec<RegionId>> {
    let n = items.len();
    if k > n || k == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut idx: Vec<usize> = (0..k).collect();
    loop {
        out.push(idx.iter().map(|&i| items[i]).collect());
        let Some(i) = (0..k).rev().find(|&i| idx[i] != i + n - k) else {
            return out;
        };
        idx[i] += 1;
        for j in i + 1..k {
            idx[j] = idx[j - 1] + 1;
        }
    }
}

/// The regions replica sets are drawn from: all of them, or the `MAX_SET_REGIONS` with the
/// smallest load-weighted distance to the clients (ties by region order), in region order.
fn set_regions(sc: &Scenario) -> Vec<RegionId> {
    let k = sc.topology.len();
    let all: Vec<RegionId> = (0..k as RegionId).collect();
    if k <= MAX_SET_REGIONS {
        return all;
    }
    let mut scored: Vec<(f64, RegionId)> = all
        .iter()
        .map(|&r| {
            let d: f64 = sc
                .workload
                .groups
                .iter()
                .map(|g| g.rate_rps * sc.topology.distance_km(g.region, r))
                .sum();
            (d, r)
        })
        .collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut keep: Vec<RegionId> = scored[..MAX_SET_REGIONS].iter().map(|x| x.1).collect();
    keep.sort_unstable();
    keep
}

/// Follow-the-sun shifts: the scenario's own (from its first follow-the-sun strategy), else
/// one per client region starting at 08:00 local solar time (longitude / 15 h), by start.
fn shifts(sc: &Scenario, base: &Value) -> Option<Value> {
    let given = base
        .get("strategies")
        .and_then(Value::as_array)
        .and_then(|l| l.iter().find(|s| s["kind"] == "follow-the-sun"))
        .and_then(|s| s.get("shifts"));
    if let Some(s) = given {
        return Some(s.clone());
    }
    let mut regions: Vec<RegionId> = sc.workload.groups.iter().map(|g| g.region).collect();
    regions.sort_unstable();
    regions.dedup();
    let mut list: Vec<(u32, RegionId)> = Vec::new();
    for r in regions {
        let lon = sc.topology.region(r).lon;
        let h = (8.0 - lon / 15.0).rem_euclid(24.0).round() as u32 % 24;
        if list.iter().all(|(s, _)| *s != h) {
            list.push((h, r));
        }
    }
    if list.len() < 2 {
        return None;
    }
    list.sort_unstable();
    let names = names(sc);
    Some(Value::Array(
        list.iter()
            .map(|(h, r)| json!({"region": names[*r as usize], "start_utc_h": h}))
            .collect(),
    ))
}

/// The edge cache's capacity (the scenario's own edge-cache's, else 10 000 entries) and the
/// TTLs to try.
fn edge_settings(base: &Value) -> (u64, Vec<f64>) {
    let edge = base
        .get("strategies")
        .and_then(Value::as_array)
        .and_then(|l| l.iter().find(|s| s["kind"] == "edge-cache"));
    let capacity = edge
        .and_then(|e| e.get("capacity"))
        .and_then(Value::as_u64)
        .unwrap_or(10_000);
    let mut ttls: Vec<f64> = TTLS_S.to_vec();
    if let Some(t) = edge.and_then(|e| e.get("ttl_s")).and_then(Value::as_f64) {
        if !ttls.contains(&t) {
            ttls.push(t);
        }
    }
    ttls.sort_by(f64::total_cmp);
    (capacity, ttls)
}

fn fmt_ttl(t: f64) -> String {
    if t.fract() == 0.0 {
        format!("{}", t as i64)
    } else {
        format!("{t}")
    }
}

/// Every candidate design for the scenario, in a fixed order: active-passive (primary x
/// sync/async x read_from), multi-master, active-active, follow-the-user (follow / fixed
/// home, only with `[workload.users]`), follow-the-sun (x read_from),
/// quorum (replica set of 3 or 5 x (R, W) in {majority, read-one, write-one, one-one}),
/// consensus (members of 3 or 5 x leader x lease / read-index reads), edge-cache (origin x TTL x
/// invalidation).
pub fn enumerate(sc: &Scenario, base: &Value) -> Vec<Candidate> {
    let names = names(sc);
    let k = names.len();
    let mut out = Vec::new();
    let mut push = |name: String, kind: &'static str, mut table: Value| {
        table["kind"] = json!(kind);
        table["name"] = json!(name);
        out.push(Candidate { name, kind, table });
    };
    for (p, primary) in names.iter().enumerate().take(k) {
        for replication in ["async", "sync"] {
            for read_from in ["local", "primary"] {
                let _ = p;
                push(
                    format!("ap/{primary}/{replication}/read-{read_from}"),
                    "active-passive",
                    json!({"primary": primary, "replication": replication, "read_from": read_from}),
                );
            }
        }
    }
    push(
        "mm/lww".into(),
        "multi-master",
        json!({"resolution": "lww"}),
    );
    push("aa".into(), "active-active", json!({}));
    if sc.workload.users.is_some() {
        // Travelling users: their data following them, or at their first home.
        for home in ["follow", "fixed"] {
            push(
                format!("ftu/{home}"),
                "follow-the-user",
                json!({ "home": home }),
            );
        }
    }
    if let Some(shifts) = shifts(sc, base) {
        for read_from in ["local", "primary"] {
            push(
                format!("fts/read-{read_from}"),
                "follow-the-sun",
                json!({"shifts": shifts, "read_from": read_from}),
            );
        }
    }
    let pool = set_regions(sc);
    let set_name = |set: &[RegionId]| {
        set.iter()
            .map(|&r| names[r as usize].as_str())
            .collect::<Vec<_>>()
            .join("+")
    };
    let set_list = |set: &[RegionId]| -> Vec<String> {
        set.iter().map(|&r| names[r as usize].clone()).collect()
    };
    for n in SET_SIZES.into_iter().filter(|&n| n <= pool.len()) {
        let m = n / 2 + 1;
        let mut rw = vec![(m, m), (1, n), (n, 1), (1, 1)];
        rw.dedup();
        for set in subsets(&pool, n) {
            for &(r, w) in &rw {
                push(
                    format!("quorum/n{n}-r{r}-w{w}/{}", set_name(&set)),
                    "quorum",
                    json!({"n": n, "r": r, "w": w, "replicas": set_list(&set)}),
                );
            }
        }
    }
    for n in SET_SIZES.into_iter().filter(|&n| n <= pool.len()) {
        for set in subsets(&pool, n) {
            for &leader in &set {
                for reads in ["lease", "read-index"] {
                    push(
                        format!("raft/{}/{}/{reads}", names[leader as usize], set_name(&set)),
                        "consensus",
                        json!({"leader": names[leader as usize], "members": set_list(&set), "reads": reads}),
                    );
                }
            }
        }
    }
    let (capacity, ttls) = edge_settings(base);
    for origin in &names {
        for &ttl in &ttls {
            for invalidate in [false, true] {
                let inv = if invalidate { "invalidate" } else { "ttl-only" };
                push(
                    format!("edge/{origin}/ttl{}/{inv}", fmt_ttl(ttl)),
                    "edge-cache",
                    json!({"origin": origin, "ttl_s": ttl, "capacity": capacity, "invalidate": invalidate}),
                );
            }
        }
    }
    out
}

/// Physical lower bounds on a candidate's write and read latency from each region, ms.
struct Bounds {
    write: Vec<f64>,
    read: Vec<f64>,
}

/// Round-trip fibre floor between two regions, ms (great circle: a metric, so the bound of a
/// relayed path is never below the direct one).
fn rtt(sc: &Scenario, a: RegionId, b: RegionId) -> f64 {
    2.0 * fibre_floor_ms(sc.topology.distance_km(a, b))
}

fn region_ids(sc: &Scenario, list: &Value) -> Vec<RegionId> {
    list.as_array()
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().and_then(|n| sc.topology.find(n)))
                .collect()
        })
        .unwrap_or_default()
}

/// The `i`-th smallest (1-based) of `xs`, 0 when out of range.
fn nth_smallest(mut xs: Vec<f64>, i: usize) -> f64 {
    xs.sort_by(f64::total_cmp);
    if i == 0 {
        return 0.0;
    }
    xs.get(i - 1).copied().unwrap_or(0.0)
}

fn bounds(sc: &Scenario, c: &Candidate) -> Bounds {
    let k = sc.topology.len() as RegionId;
    let t = &c.table;
    let region = |f: &str| {
        t.get(f)
            .and_then(Value::as_str)
            .and_then(|n| sc.topology.find(n))
    };
    let zero = vec![0.0; k as usize];
    let from_all = |f: &dyn Fn(RegionId) -> f64| (0..k).map(f).collect::<Vec<f64>>();
    match c.kind {
        "active-passive" => {
            let p = region("primary").expect("enumerated");
            let sync = t["replication"] == "sync" && !sc.residency.is_active();
            let standby = if sync {
                (0..k).map(|s| rtt(sc, p, s)).fold(0.0, f64::max)
            } else {
                0.0
            };
            let read = if t["read_from"] == "primary" {
                from_all(&|c| rtt(sc, c, p))
            } else {
                zero
            };
            Bounds {
                write: from_all(&|c| rtt(sc, c, p) + standby),
                read,
            }
        }
        "follow-the-sun" => {
            let shifts: Vec<RegionId> = t["shifts"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .filter_map(|s| s["region"].as_str().and_then(|n| sc.topology.find(n)))
                        .collect()
                })
                .unwrap_or_default();
            let nearest = |c: RegionId| {
                shifts
                    .iter()
                    .map(|&s| rtt(sc, c, s))
                    .fold(f64::MAX, f64::min)
            };
            let read = if t["read_from"] == "primary" {
                from_all(&nearest)
            } else {
                zero
            };
            Bounds {
                write: from_all(&nearest),
                read,
            }
        }
        "quorum" => {
            let set = region_ids(sc, &t["replicas"]);
            let q = |c: RegionId, n: usize| {
                nth_smallest(set.iter().map(|&s| rtt(sc, c, s)).collect(), n)
            };
            let (r, w) = (
                t["r"].as_u64().unwrap_or(0) as usize,
                t["w"].as_u64().unwrap_or(0) as usize,
            );
            Bounds {
                write: from_all(&|c| q(c, w)),
                read: from_all(&|c| q(c, r)),
            }
        }
        "consensus" => {
            let l = region("leader").expect("enumerated");
            let set = region_ids(sc, &t["members"]);
            let others: Vec<f64> = set
                .iter()
                .filter(|&&m| m != l)
                .map(|&m| rtt(sc, l, m))
                .collect();
            let commit = nth_smallest(others, set.len() / 2);
            let read = if t["reads"] == "lease" {
                from_all(&|c| rtt(sc, c, l))
            } else {
                zero
            };
            Bounds {
                write: from_all(&|c| rtt(sc, c, l) + commit),
                read,
            }
        }
        "edge-cache" => {
            let o = region("origin").expect("enumerated");
            Bounds {
                write: from_all(&|c| rtt(sc, c, o)),
                read: zero,
            }
        }
        _ => Bounds {
            write: zero.clone(),
            read: zero,
        },
    }
}

/// The first latency objective the candidate cannot meet whatever the simulation draws, as
/// a reason, or `None`. A latency objective holds in every client region it names (all of
/// them without `region`; `slo::evaluate`), and every operation of one client region has the
/// same fibre-floor lower bound, so if a region's bound exceeds the objective (by more than 2
/// %, `MARGIN`) every percentile of that region does too. An
/// objective over all operations takes the smaller of the read and write bounds.
pub fn floor_prune(sc: &Scenario, c: &Candidate) -> Option<String> {
    let b = bounds(sc, c);
    for o in &sc.slos {
        let Objective::Latency {
            op,
            percentile,
            max_ms,
            region,
        } = o
        else {
            continue;
        };
        let want = region.as_ref().and_then(|n| sc.topology.find(n));
        let mut seen: Vec<RegionId> = Vec::new();
        for g in &sc.workload.groups {
            if (region.is_some() && want != Some(g.region)) || seen.contains(&g.region) {
                continue;
            }
            let i = g.region as usize;
            let here = sc.workload.groups.iter().filter(|h| h.region == g.region);
            let (reads, writes): (f64, f64) = here.fold((0.0, 0.0), |(r, w), h| {
                (
                    r + h.rate_rps * h.read_fraction,
                    w + h.rate_rps * (1.0 - h.read_fraction),
                )
            });
            let bound = match op {
                Ops::Read if reads > 0.0 => b.read[i],
                Ops::Write if writes > 0.0 => b.write[i],
                Ops::All => b.read[i].min(b.write[i]),
                _ => continue,
            };
            seen.push(g.region);
            if bound > max_ms * MARGIN {
                let what = match op {
                    Ops::Read => "read",
                    Ops::Write => "write",
                    Ops::All => "all",
                };
                return Some(format!(
                    "fibre floor: {what} {percentile} in {} cannot be <= {max_ms} ms (its bound: {bound:.1} ms)",
                    sc.topology.region(g.region).name
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsets_are_all_combinations_in_order() {
        let s = subsets(&[0, 1, 2, 3], 2);
        assert_eq!(
            s,
            vec![
                vec![0, 1],
                vec![0, 2],
                vec![0, 3],
                vec![1, 2],
                vec![1, 3],
                vec![2, 3]
            ]
        );
        // C(6, 3) = 20 and C(8, 5) = 56, by the closed form n! / (k! (n-k)!).
        assert_eq!(subsets(&[0, 1, 2, 3, 4, 5], 3).len(), 20);
        assert_eq!(subsets(&[0, 1, 2, 3, 4, 5, 6, 7], 5).len(), 56);
        assert!(subsets(&[0, 1], 3).is_empty());
    }

    #[test]
    fn nth_smallest_counts_from_one() {
        assert_eq!(nth_smallest(vec![30.0, 10.0, 20.0], 2), 20.0);
        assert_eq!(nth_smallest(vec![30.0, 10.0, 20.0], 0), 0.0);
    }
}
