//! `geosim check --seeds N CANDIDATE --baseline BASE`: both scenarios run under N seeds, each
//! metric judged by the confidence interval of the difference (docs/ci.md). Checked against a
//! confidence interval computed here from a t table, a candidate that changes nothing or only
//! its seed (passes), an obvious regression (fails naming the metric) and bad input (exit 2).

use std::path::{Path, PathBuf};

use geosim::check::{paired, Direction, Verdict};
use serde_json::Value;

use crate::common::{geosim, pair, PAIR_AP, THREE_REGIONS};

/// The paired interval of a hand-made set: differences 1, 2, 0.5, 2, 1 (mean 1.3, squared
/// deviations 0.09 + 0.49 + 0.64 + 0.49 + 0.09 = 1.8, sample variance 0.45, se =
/// sqrt(0.45 / 5) = 0.3) with t(0.95, 4) = 2.131847 from a t table: [1.3 - 0.639554, 1.3 +
/// 0.639554]. Lower is better: worse by 1.3 beyond a tolerance of 0.6 is significant at 5 %
/// (0.6 < 1.3 - 0.6396), not beyond a tolerance of 0.7.
#[test]
fn the_paired_interval_matches_a_t_table() {
    let b = [10.0, 12.0, 11.0, 13.0, 9.0];
    let c = [11.0, 14.0, 11.5, 15.0, 10.0];
    let w = paired(&b, &c, Direction::Lower, 0.0, 0.05).unwrap();
    let half = 2.131_847 * (0.45f64 / 5.0).sqrt();
    assert!((w.diff - 1.3).abs() < 1e-12, "{w:?}");
    assert!((w.se - 0.3).abs() < 1e-12, "{w:?}");
    assert_eq!(w.df, 4.0);
    assert!(
        (w.low - (1.3 - half)).abs() < 1e-5,
        "{} vs {}",
        w.low,
        1.3 - half
    );
    assert!(
        (w.high - (1.3 + half)).abs() < 1e-5,
        "{} vs {}",
        w.high,
        1.3 + half
    );
    assert!(w.paired);
    assert_eq!(
        paired(&b, &c, Direction::Lower, 0.6, 0.05)
            .unwrap()
            .verdict(),
        Verdict::Worse
    );
    assert_eq!(
        paired(&b, &c, Direction::Lower, 0.7, 0.05)
            .unwrap()
            .verdict(),
        Verdict::Within
    );
    // Higher is better: the same change is an improvement.
    assert_eq!(
        paired(&b, &c, Direction::Higher, 0.0, 0.05)
            .unwrap()
            .verdict(),
        Verdict::Better
    );
}

fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("geosim-check-seeds-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Three regions on derived (jittered) links, multi-master and async active-passive.
fn noisy(seed: u64) -> String {
    format!(
        r#"name = "noisy"
seed = {seed}
duration_s = 10
drain_s = 2
{THREE_REGIONS}
[[workload.clients]]
region = "us-east-1"
rate_rps = 40
read_fraction = 0.7
keys = 50
[[workload.clients]]
region = "eu-west-1"
rate_rps = 40
read_fraction = 0.7
keys = 50
[[strategies]]
kind = "multi-master"
name = "mm"
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "us-east-1"
replication = "async"
"#
    )
}

fn run_check(d: &Path, base: &str, cand: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let (b, c) = (d.join("base.toml"), d.join("cand.toml"));
    std::fs::write(&b, base).unwrap();
    std::fs::write(&c, cand).unwrap();
    let mut args = vec![
        "check",
        c.to_str().unwrap(),
        "--baseline",
        b.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = geosim(&args);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_candidate_that_changes_nothing_or_only_its_seed_passes() {
    let d = dir("same");
    // The same scenario: every paired difference is 0.
    let (code, out, err) = run_check(&d, &noisy(1), &noisy(1), &["--seeds", "4", "--all"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("regressed"), "{out}");
    assert!(!out.contains("WORSE"), "{out}");
    // Only the seed changes: other random streams, unpaired, within the seed noise (the
    // family of tests at 5 % with Bonferroni).
    let (code, out, err) = run_check(
        &d,
        &noisy(1),
        &noisy(2),
        &["--seeds", "6", "--bonferroni", "--format", "json"],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["mode"], "statistical");
    let tested: Vec<&Value> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["stat"].is_null())
        .collect();
    assert!(tested.len() > 10, "{out}");
    assert!(tested.iter().all(|r| r["stat"]["test"] == "welch"), "{out}");
    assert!(v["notes"].to_string().contains("not paired"), "{out}");
    std::fs::remove_dir_all(&d).ok();
}

/// +40 ms each way on the only link (constant latencies): reads at `s` served by the primary
/// at `p` go from 1 + 40 + 40 + 1 = 82 ms to 162 ms under every seed; the check fails (exit
/// 1) naming the read latency; the same candidate as baseline passes.
#[test]
fn an_obvious_regression_fails_naming_the_metric() {
    let d = dir("worse");
    let head = "name = \"pair\"\nduration_s = 10\ndrain_s = 2";
    let (base, cand) = (
        pair(head, "", "", 40.0, PAIR_AP),
        pair(head, "", "", 80.0, PAIR_AP),
    );
    let (code, out, err) = run_check(&d, &base, &cand, &["--seeds", "3"]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("latency_ms.read.p99"), "{out}");
    assert!(err.contains("regressed beyond tolerance"), "{err}");
    assert!(err.contains("ap: latency_ms.read.p50"), "{err}");
    // JUnit names the failing metric too.
    let (code, out, _) = run_check(&d, &base, &cand, &["--seeds", "3", "--format", "junit"]);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("<failure") && out.contains("latency_ms.read.p99"),
        "{out}"
    );
    // Reversed, it is an improvement.
    let (code, out, err) = run_check(&d, &cand, &base, &["--seeds", "3"]);
    assert_eq!(code, Some(0), "{out}{err}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn bad_input_to_check_seeds_exits_2() {
    let d = dir("bad");
    let good = noisy(1);
    // Too few seeds.
    let (code, _, err) = run_check(&d, &good, &good, &["--seeds", "1"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--seeds must be between 2 and 1000"), "{err}");
    // A bad scenario: file and field named.
    let bad = good.replace("rate_rps = 40", "rate_rps = -1");
    let (code, _, err) = run_check(&d, &good, &bad, &["--seeds", "2"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("cand.toml") && err.contains("rate_rps"),
        "{err}"
    );
    // A run over the event limit is refused before any run, as `geosim run` refuses it:
    // 1e6 operations per second for 1e4 s.
    let big = good
        .replace("duration_s = 10\n", "duration_s = 10000\n")
        .replacen("rate_rps = 40", "rate_rps = 1000000", 1);
    let (code, _, err) = run_check(&d, &good, &big, &["--seeds", "2"]);
    assert_eq!(code, Some(2), "{err}");
    for n in [
        "cand.toml",
        "workload.clients[0].rate_rps",
        "events",
        "--force",
    ] {
        assert!(err.contains(n), "message lacks `{n}`: {err}");
    }
    // --seeds with --stat or --update: a usage error.
    for other in ["--stat", "--update"] {
        let (code, _, err) = run_check(&d, &good, &good, &["--seeds", "2", other]);
        assert_eq!(code, Some(2), "{other}: {err}");
    }
    // A baseline that is not a scenario.
    std::fs::write(d.join("x.json"), "{}").unwrap();
    let o = geosim(&[
        "check",
        d.join("cand.toml").to_str().unwrap(),
        "--baseline",
        d.join("missing.toml").to_str().unwrap(),
        "--seeds",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_dir_all(&d).ok();
}
