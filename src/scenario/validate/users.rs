//! Travelling users (`[workload.users]`): rate, read share, homes, the seeded travel
//! settings and the listed trips (each user's in time order, not overlapping, inside the
//! run), every problem with its field path. The sizes (count, keys per user, trips) were
//! checked by `limits`.
//!
//! Must not import the engine, the world, metrics or report.

use super::{Checker, Known, MAX_RATE_RPS, MAX_SECONDS};
use crate::scenario::spec::ScenarioSpec;
use crate::time::secs_to_nanos;
use crate::topology::RegionId;
use crate::workload::{ClientGroup, Travel, Trip, Users};

/// The users section, `None` when absent or invalid (with problems).
pub(super) fn users(
    c: &mut Checker,
    spec: &ScenarioSpec,
    known: &Known,
    groups: &[ClientGroup],
    key_offset: u64,
) -> Option<Users> {
    let u = spec.workload.users.as_ref()?;
    let before = c.problems.len();
    let f = |n: &str| format!("workload.users.{n}");
    c.positive_max(&f("rate_rps"), u.rate_rps, MAX_RATE_RPS);
    c.range(&f("read_fraction"), u.read_fraction, 0.0, 1.0);
    let homes: Vec<RegionId> = match &u.homes {
        Some(list) => {
            if list.is_empty() {
                c.bad(f("homes"), "must list at least one region");
            }
            list.iter()
                .enumerate()
                .filter_map(|(i, h)| known.region_ref(c, f(&format!("homes[{i}]")), h))
                .collect()
        }
        None => {
            let mut seen = Vec::new();
            for g in groups {
                if !seen.contains(&g.region) {
                    seen.push(g.region);
                }
            }
            seen
        }
    };
    let all: Vec<RegionId> = (0..known.regions.len() as RegionId).collect();
    let travel = if u.travel_fraction != 0.0 || u.stay_s.is_some() || u.destinations.is_some() {
        let ok = c.range(&f("travel_fraction"), u.travel_fraction, 0.0, 1.0);
        if ok && u.travel_fraction == 0.0 {
            c.bad(
                f("travel_fraction"),
                "is 0: `stay_s` and `destinations` would have no effect (set a share of travellers or remove them)",
            );
        }
        let stay_ns = match u.stay_s {
            Some(s) if c.positive_max(&f("stay_s"), s, MAX_SECONDS) => secs_to_nanos(s).max(1),
            Some(_) => 0,
            None => {
                c.bad(f("stay_s"), "is required with travel_fraction > 0");
                0
            }
        };
        let mut destinations: Vec<RegionId> = match &u.destinations {
            Some(list) => {
                if list.is_empty() {
                    c.bad(f("destinations"), "must list at least one region");
                }
                list.iter()
                    .enumerate()
                    .filter_map(|(i, d)| known.region_ref(c, f(&format!("destinations[{i}]")), d))
                    .collect()
            }
            None => all.clone(),
        };
        destinations.sort_unstable();
        destinations.dedup();
        if destinations.len() == 1 && homes.iter().all(|&h| h == destinations[0]) {
            c.bad(
                f("destinations"),
                "holds only the users' home: nobody would travel",
            );
        }
        Some(Travel {
            fraction: u.travel_fraction,
            stay_ns,
            destinations,
        })
    } else {
        None
    };
    let count = u.count as usize;
    let home_of = |user: usize| homes.get(user % homes.len().max(1)).copied();
    let mut trips = Vec::with_capacity(u.trips.len());
    for (i, t) in u.trips.iter().enumerate() {
        let tf = |n: &str| f(&format!("trips[{i}].{n}"));
        let to = known.region_ref(c, tf("to"), &t.to);
        if t.user as usize >= count {
            c.bad(
                tf("user"),
                format!("must be below count ({count}), got {}", t.user),
            );
            continue;
        }
        let at_ok = c.non_negative_max(&tf("at_s"), t.at_s, MAX_SECONDS);
        if at_ok && t.at_s >= spec.duration_s {
            c.bad(
                tf("at_s"),
                format!(
                    "must be below duration_s ({}): the trip would have no effect",
                    spec.duration_s
                ),
            );
        }
        let back_ns = match t.back_s {
            Some(b) => {
                if c.non_negative_max(&tf("back_s"), b, MAX_SECONDS) && b <= t.at_s {
                    c.bad(tf("back_s"), format!("must be after at_s ({})", t.at_s));
                }
                secs_to_nanos(b)
            }
            None => u64::MAX,
        };
        if let (Some(to), Some(home)) = (to, home_of(t.user as usize)) {
            if to == home {
                c.bad(
                    tf("to"),
                    "is the user's home region: the trip would have no effect",
                );
            }
            trips.push((
                i,
                Trip {
                    user: t.user,
                    depart_ns: secs_to_nanos(t.at_s),
                    back_ns,
                    to,
                },
            ));
        }
    }
    trips.sort_by_key(|&(_, t)| t);
    for w in trips.windows(2) {
        let ((_, a), (j, b)) = (w[0], w[1]);
        if a.user == b.user && b.depart_ns < a.back_ns {
            c.bad(
                f(&format!("trips[{j}].at_s")),
                format!(
                    "user {}'s trips overlap: this one starts before the one at {} s ends",
                    b.user,
                    a.depart_ns as f64 / 1e9
                ),
            );
        }
    }
    if c.problems.len() != before || homes.is_empty() {
        return None;
    }
    Some(Users {
        keys_per_user: u.keys_per_user,
        key_offset,
        rate_rps: u.rate_rps,
        read_fraction: u.read_fraction,
        value_bytes: u.value_bytes,
        homes: (0..count).map(|user| homes[user % homes.len()]).collect(),
        trips: trips.into_iter().map(|(_, t)| t).collect(),
        travel,
    })
}
