//! Tests of `active-passive`: a witness votes but receives no log entries, a standby does.
//! Whole runs through `sim::run_strategy`.
//!
//! Test-only; may import the scenario parser and `sim` to run whole scenarios.

use std::path::Path;

use crate::scenario::{from_str, Format};
use crate::sim::run_strategy;

#[test]
fn a_witness_gets_no_data_but_a_standby_does() {
    let text = r#"
duration_s = 20
[[regions]]
name = "p"
lat = 0.0
lon = 0.0
[[regions]]
name = "s"
lat = 0.0
lon = 5.0
[[regions]]
name = "w"
lat = 5.0
lon = 0.0
[[workload.clients]]
region = "p"
rate_rps = 100
read_fraction = 0.0
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "p"
split_brain = "fencing"
witness = "w"
"#;
    let sc = from_str(text, Format::Toml, Path::new("t.toml")).unwrap();
    let m = run_strategy(&sc, 0, 1);
    assert!(m.writes > 1000);
    assert!(m.bytes_matrix[1] > 0, "p -> s carries the log");
    assert_eq!(m.bytes_matrix[2], 0, "p -> w carries nothing");
    assert_eq!(
        m.lag.count(),
        m.writes,
        "one application per write, at s only"
    );
}
