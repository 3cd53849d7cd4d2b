//! `geosim check --seeds N`: runs a baseline and a candidate scenario under N seeds each and
//! compares them with a confidence interval per strategy and metric (`check::compare_seeds`).
//!
//! Owns `SeedRuns`, `run_seeds` and `SEED_LIMIT`. Run `i` (1..=N) of a scenario uses the seed
//! `rng::derive_seed(s, [i])`, where `s` is the scenario's own `seed` (default 1): two scenarios
//! with the same `seed` run under the same N seeds (common random numbers: the comparison is
//! paired), a candidate that changes `seed` gets other streams (Welch's test). The 2N runs go
//! to rayon's pool and come back in seed order, so the result does not depend on the thread
//! count.
//!
//! Must not import the world, the CLI or the terminal; files only through `io`.

use std::path::Path;

use rayon::prelude::*;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::scenario::DEFAULT_SEED;

/// Most runs per side.
pub const SEED_LIMIT: u32 = 1000;

/// The reports of both sides, one JSON value per seed, in seed order.
#[derive(Debug, Clone)]
pub struct SeedRuns {
    /// The baseline scenario's reports.
    pub baseline: Vec<Value>,
    /// The candidate scenario's reports.
    pub candidate: Vec<Value>,
    /// Both sides ran under the same seeds (the scenarios have the same `seed`).
    pub same_seeds: bool,
}

/// The N seeds of a scenario whose own seed is `seed`.
pub fn seeds(seed: u64, n: u32) -> Vec<u64> {
    (1..=u64::from(n))
        .map(|i| crate::rng::derive_seed(seed, &[i]))
        .collect()
}

/// Loads both scenarios, then runs each under its N seeds (errors, exit code 2: a bad file, N
/// outside [2, `SEED_LIMIT`]).
pub fn run_seeds(baseline: &Path, candidate: &Path, n: u32) -> Result<SeedRuns> {
    if !(2..=SEED_LIMIT).contains(&n) {
        return Err(Error::Usage(format!(
            "--seeds must be between 2 and {SEED_LIMIT}, got {n}"
        )));
    }
    let base = crate::io::load_scenario(baseline)?;
    let cand = crate::io::load_scenario(candidate)?;
    let seed_of = |sc: &crate::scenario::Scenario| sc.seed.unwrap_or(DEFAULT_SEED);
    let (sb, sc) = (seeds(seed_of(&base.0), n), seeds(seed_of(&cand.0), n));
    let jobs: Vec<(bool, u64)> = sb
        .iter()
        .map(|&s| (false, s))
        .chain(sc.iter().map(|&s| (true, s)))
        .collect();
    let reports: Vec<Value> = jobs
        .par_iter()
        .with_max_len(1)
        .map(|&(is_candidate, seed)| {
            let (sc, info) = if is_candidate { &cand } else { &base };
            let report = crate::simulate(sc, info.clone(), Some(seed), &[])?;
            serde_json::to_value(&report).map_err(|e| Error::Usage(e.to_string()))
        })
        .collect::<Result<Vec<Value>>>()?;
    let mut reports = reports;
    let candidate = reports.split_off(n as usize);
    Ok(SeedRuns {
        baseline: reports,
        candidate,
        same_seeds: sb == sc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_derived_from_the_scenario_seed_and_the_run_number() {
        let s = seeds(1, 3);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0], crate::rng::derive_seed(1, &[1]));
        assert_eq!(s[2], crate::rng::derive_seed(1, &[3]));
        assert_ne!(seeds(2, 3), s);
        assert_eq!(seeds(1, 5)[..3], s[..]);
    }
}
