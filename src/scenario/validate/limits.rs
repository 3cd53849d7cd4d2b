//! Size limits, checked first: the number of regions, the key space, the dense per-(region,
//! key) store and the length of names. Every later section allocates by these sizes (per-key vectors,
//! region-pair matrices, table columns), so `validate` runs these checks on the raw spec and
//! stops when one fails: nothing is ever sized by an unchecked number.
//!
//! Must not import the engine, the world, metrics or report.

use super::{Checker, MAX_KEYS, MAX_REGIONS};
use crate::scenario::spec::ScenarioSpec;

/// Longest name (scenario, region, strategy, data class) in characters.
pub const MAX_NAME_CHARS: usize = 128;

/// Largest dense store: key space x regions cells (`RegionStore`, one cell of 16 to 24 bytes
/// per region and key: at most about 1.5 GB per strategy run). Version vectors are sparse
/// (pooled, `VvArena`), so nothing grows with the square of the regions any more.
pub const MAX_STORE_CELLS: u64 = 64_000_000;

/// Checks every size limit of `spec` without allocating anything sized by it; true when all
/// hold.
pub(super) fn limits(c: &mut Checker, spec: &ScenarioSpec) -> bool {
    let before = c.problems.len();
    let n_regions = spec.regions.len();
    if n_regions > MAX_REGIONS {
        c.bad(
            "regions",
            format!("at most {MAX_REGIONS} regions are supported, got {n_regions}"),
        );
    }
    let mut key_space = 0u64;
    let mut keys_ok = true;
    for (i, g) in spec.workload.clients.iter().enumerate() {
        match g.key_offset.checked_add(g.keys) {
            Some(end) if end <= MAX_KEYS => key_space = key_space.max(end),
            _ => {
                keys_ok = false;
                let field = if g.key_offset >= MAX_KEYS {
                    "key_offset"
                } else {
                    "keys"
                };
                c.bad(
                    format!("workload.clients[{i}].{field}"),
                    format!(
                        "key_offset + keys must not exceed {MAX_KEYS}, got {} + {}",
                        g.key_offset, g.keys
                    ),
                );
            }
        }
    }
    if let Some(u) = &spec.workload.users {
        use crate::workload::users::{MAX_KEYS_PER_USER, MAX_TRIPS, MAX_USERS};
        let f = |n: &str| format!("workload.users.{n}");
        if u.count == 0 || u.count > MAX_USERS {
            keys_ok = false;
            c.bad(
                f("count"),
                format!("must be in [1, {MAX_USERS}], got {}", u.count),
            );
        }
        if u.keys_per_user == 0 || u.keys_per_user > MAX_KEYS_PER_USER {
            keys_ok = false;
            c.bad(
                f("keys_per_user"),
                format!(
                    "must be in [1, {MAX_KEYS_PER_USER}], got {}",
                    u.keys_per_user
                ),
            );
        }
        if u.trips.len() > MAX_TRIPS {
            c.bad(
                f("trips"),
                format!("at most {MAX_TRIPS} trips, got {}", u.trips.len()),
            );
        }
        if keys_ok {
            // The users' keys follow every group's range.
            let end = key_space + u.count as u64 * u.keys_per_user as u64;
            if end > MAX_KEYS {
                keys_ok = false;
                c.bad(
                    f("count"),
                    format!(
                        "the groups' {key_space} keys + count x keys_per_user must not exceed {MAX_KEYS}, got {end}"
                    ),
                );
            }
            key_space = end;
        }
    }
    if keys_ok && n_regions <= MAX_REGIONS {
        let n = n_regions as u64;
        if key_space.saturating_mul(n) > MAX_STORE_CELLS {
            c.bad(
                "workload.clients",
                format!(
                    "key space {key_space} x {n} regions is too large: every region holds a copy of every key (limit {MAX_STORE_CELLS} key copies)"
                ),
            );
        }
    }
    if let Some(name) = &spec.name {
        name_ok(c, "name", name);
    }
    for (i, r) in spec.regions.iter().take(MAX_REGIONS + 1).enumerate() {
        name_ok(c, &format!("regions[{i}].name"), &r.name);
    }
    for (i, s) in spec.strategies.iter().enumerate() {
        name_ok(c, &format!("strategies[{i}].name"), s.name());
    }
    for (i, d) in spec.data_classes.iter().enumerate() {
        name_ok(c, &format!("data_classes[{i}].name"), &d.name);
    }
    c.problems.len() == before
}

/// A name: at most `MAX_NAME_CHARS` characters, none of them a control character (they would
/// reach terminals, tables and file names raw).
fn name_ok(c: &mut Checker, field: &str, name: &str) {
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        c.bad(
            field,
            format!("must be at most {MAX_NAME_CHARS} characters, got {chars}"),
        );
    } else if let Some(ch) = name.chars().find(|ch| ch.is_control()) {
        c.bad(
            field,
            format!("must not contain control characters, found {ch:?}"),
        );
    }
}
