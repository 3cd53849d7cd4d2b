//! `[consistency] linearizability_keys`: the histories of the hottest keys, as clients saw
//! them, checked for linearizability (the checker itself is tested against a brute-force
//! search in `guarantees::linear`). A Raft-like leader with lease reads and majority commit
//! is linearizable on a contended workload; multi-master with last-writer-wins, which
//! acknowledges locally and replicates later, is not; without the setting the report has no
//! such section.

use crate::common::{run, THREE_REGIONS};

fn text(check: &str) -> String {
    let mut s = format!(
        "name = \"lin\"\nseed = 9\nduration_s = 30\ndrain_s = 10\n{check}\n{THREE_REGIONS}\n"
    );
    for r in ["us-east-1", "eu-west-1", "ap-northeast-1"] {
        s += &format!(
            "[[workload.clients]]\nregion = \"{r}\"\nrate_rps = 100\nread_fraction = 0.5\nkeys = 4\n"
        );
    }
    s + r#"[[strategies]]
kind = "consensus"
name = "raft"
leader = "us-east-1"
reads = "lease"
[[strategies]]
kind = "multi-master"
name = "mm"
resolution = "lww"
"#
}

#[test]
fn consensus_is_linearizable_and_lww_multi_master_is_not() {
    let r = run(&text("[consistency]\nlinearizability_keys = 4"));
    let raft = r
        .strategy("raft")
        .unwrap()
        .consistency
        .linearizability
        .clone()
        .unwrap();
    assert_eq!(raft.keys_checked, 4);
    assert!(raft.ops_checked > 4000, "{raft:?}");
    assert_eq!(raft.violations, 0, "{raft:?}");
    let mm = r
        .strategy("mm")
        .unwrap()
        .consistency
        .linearizability
        .clone()
        .unwrap();
    assert_eq!(mm.keys_checked, 4);
    assert!(mm.violations > 0, "{mm:?}");
    assert!(mm.first_violation.is_some());
    // Off by default: no section at all.
    let off = run(&text(""));
    assert!(off
        .strategies
        .iter()
        .all(|s| s.consistency.linearizability.is_none()));
    assert!(!off.to_json().contains("linearizability"));
}
