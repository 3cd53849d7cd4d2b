//! A statistic of an empty set is `null` (`n/a`), never 0 (docs/metrics.md#applicability):
//! latency, availability and rates of a kind of operation no client issued, checked in
//! report.json and in the terminal tables against a hand count.

use crate::common::{pair, run, run_cli, PAIR_AP};

/// Writes at `p` only, reads at `s` only (`PAIR_AP`: async active-passive, primary `p`,
/// constant 40 ms link, 1 ms access): `s` has no write and `p` no read, so their statistics
/// are `null`; the others are numbers from the hand count (a read from `s`: 1 + 40 + 40 + 1 =
/// 82 ms; an async write at the primary's region: 1 + 1 = 2 ms).
#[test]
fn a_read_only_group_has_null_write_stats_and_numeric_read_stats() {
    let text = pair("duration_s = 20\ndrain_s = 5", "", "", 40.0, PAIR_AP);
    let r = run(&text);
    let ap = r.strategy("ap").unwrap();
    let s = ap.region("s").unwrap();
    assert_eq!(s.write.count, 0);
    for stat in ["mean", "p50", "p90", "p99", "p999", "max"] {
        assert_eq!(s.write.stat(stat), None, "s write {stat}");
        assert_eq!(s.read.stat(stat), Some(82.0), "s read {stat}");
        assert_eq!(
            ap.region("p").unwrap().read.stat(stat),
            None,
            "p read {stat}"
        );
        assert_eq!(
            ap.region("p").unwrap().write.stat(stat),
            Some(2.0),
            "p write {stat}"
        );
    }
    assert!(s.read.count > 500, "{}", s.read.count);
    let av = |n: &str| {
        ap.availability
            .per_region
            .iter()
            .find(|a| a.region == n)
            .unwrap()
            .clone()
    };
    assert_eq!((av("s").read, av("s").write), (Some(1.0), None));
    assert_eq!((av("p").read, av("p").write), (None, Some(1.0)));
    // In report.json: `null`, and the count 0.
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    let region = json["strategies"][0]["per_region"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["region"] == "s")
        .unwrap()
        .clone();
    assert_eq!(region["latency_ms"]["write"]["count"], 0);
    assert!(region["latency_ms"]["write"]["p99"].is_null(), "{region}");
    assert!(region["latency_ms"]["write"]["mean"].is_null(), "{region}");
    assert_eq!(region["latency_ms"]["read"]["p99"], 82.0);
}

/// A run with no write at all: every write statistic, the write availability and the
/// conflict rate are `null` in report.json and `n/a` in the terminal tables (`--by-region`
/// included); the read figures are numbers (1 + 1 ms: reads served in the client's region).
#[test]
fn a_run_without_writes_prints_n_a_for_every_write_figure() {
    let dir = std::env::temp_dir().join(format!("geosim-no-samples-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("read-only.toml");
    let rest = r#"[[workload.clients]]
region = "p"
rate_rps = 50
read_fraction = 1.0
keys = 10
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "p"
read_from = "local"
"#;
    std::fs::write(
        &file,
        pair(
            "name = \"read-only\"\nduration_s = 10\ndrain_s = 2",
            "",
            "",
            40.0,
            rest,
        ),
    )
    .unwrap();
    let out = dir.join("out");
    let (text, json) = run_cli(&file, &out, &["--no-charts", "--by-region"]);
    let s = &json["strategies"][0];
    assert_eq!(s["ops"]["writes"], 0);
    for stat in ["mean", "p50", "p90", "p99", "p999", "max"] {
        assert!(s["latency_ms"]["write"][stat].is_null(), "write {stat}");
        assert_eq!(s["latency_ms"]["read"][stat], 2.0, "read {stat}");
    }
    assert!(s["availability"]["write"].is_null());
    assert_eq!(s["availability"]["read"], 1.0);
    assert!(s["consistency"]["conflict_rate"].is_null());
    assert_eq!(s["consistency"]["stale_read_rate"], 0.0);
    // The comparison table: read p50 and p99 are numbers, write p50 and p99 n/a; the
    // per-region table likewise.
    let rows: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| l.starts_with("ap "))
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert!(rows.len() >= 2, "{text}");
    let main = &rows[0];
    assert_eq!(&main[2..6], ["2.0 ms", "2.0 ms", "n/a", "n/a"], "{text}");
    let by_region = rows
        .iter()
        .find(|r| r.get(1) == Some(&"p"))
        .expect("by-region row");
    assert_eq!(
        &by_region[2..6],
        ["2.0 ms", "2.0 ms", "n/a", "n/a"],
        "{text}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// No operation issued (one group at 1e-9 operations a second for 60 s): the cost per
/// operation is `null` in report.json and `n/a` in the cost table, not $0, while the cost of
/// the window is a number: async active-passive runs a primary (4 instances) and a standby
/// (2) at the default $0.384 an instance-hour for 1/60 h: 6 x 0.384 / 60 = $0.0384.
#[test]
fn a_run_without_operations_has_no_cost_per_operation() {
    let dir = std::env::temp_dir().join(format!("geosim-no-ops-cost-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("no-ops.toml");
    let rest = r#"[[workload.clients]]
region = "s"
rate_rps = 0.000000001
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "p"
"#;
    let head = "name = \"no-ops\"\nduration_s = 60\ndrain_s = 2";
    std::fs::write(&file, pair(head, "", "", 40.0, rest)).unwrap();
    let out = dir.join("out");
    let (text, json) = run_cli(&file, &out, &["--no-charts"]);
    let s = &json["strategies"][0];
    assert_eq!(
        (s["ops"]["reads"].as_u64(), s["ops"]["writes"].as_u64()),
        (Some(0), Some(0))
    );
    assert!(s["cost"]["per_million_ops_usd"].is_null(), "{}", s["cost"]);
    assert_eq!(s["cost"]["compute_usd"], 0.0384);
    // The cost table's row: strategy, compute, storage, transfer, egress, total, $/M ops.
    let table = text.split("cost over").nth(1).expect("cost table");
    let row: Vec<&str> = table
        .lines()
        .find(|l| l.starts_with("ap "))
        .expect("cost row")
        .split_whitespace()
        .collect();
    assert_eq!(row[1], "$0.0384", "{table}");
    assert_eq!(row[6], "n/a", "{table}");
    std::fs::remove_dir_all(&dir).ok();
}
