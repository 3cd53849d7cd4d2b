//! Same scenario and seed: the same bytes, whatever the thread count; another seed: other
//! numbers.

use crate::common::{geosim_env, root};

fn report_bytes(seed: &str, threads: &str, tag: &str) -> Vec<u8> {
    let out = root().join("target").join("it-determinism").join(tag);
    let out_s = out.to_str().unwrap();
    let o = geosim_env(
        &[
            "run",
            "scenarios/three-regions.toml",
            "--seed",
            seed,
            "--out",
            out_s,
        ],
        &[("RAYON_NUM_THREADS", threads)],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read(out.join("report.json")).unwrap()
}

#[test]
fn byte_identical_across_runs_and_thread_counts() {
    let a = report_bytes("7", "1", "a");
    let b = report_bytes("7", "4", "b");
    let c = report_bytes("7", "2", "c");
    assert_eq!(a, b);
    assert_eq!(a, c);
    let d = report_bytes("8", "2", "d");
    assert_ne!(a, d);
    // No wall-clock figure in the report.
    let text = String::from_utf8(a).unwrap();
    assert!(!text.contains("wall"));
}

/// Every strategy, faults included: the same bytes on 1 and 3 threads.
#[test]
fn every_strategy_is_deterministic_across_thread_counts() {
    for scenario in [
        "strategy-zoo.toml",
        "region-outage.toml",
        "follow-the-user.toml",
    ] {
        let run = |threads: &str, tag: &str| {
            let out = root().join("target").join("it-determinism").join(tag);
            let o = geosim_env(
                &[
                    "run",
                    &format!("scenarios/{scenario}"),
                    "--seed",
                    "11",
                    "--no-charts",
                    "--out",
                    out.to_str().unwrap(),
                ],
                &[("RAYON_NUM_THREADS", threads)],
            );
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            std::fs::read(out.join("report.json")).unwrap()
        };
        let a = run("1", &format!("{scenario}-1"));
        let b = run("3", &format!("{scenario}-3"));
        assert!(a == b, "{scenario}: reports differ between 1 and 3 threads");
    }
}
