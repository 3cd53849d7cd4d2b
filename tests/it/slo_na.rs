//! An SLO objective whose figure could not be measured (no sample) is `n/a`: kept in the
//! results, never met, and counted in the verdict, so a strategy whose every operation failed
//! never "meets all" its latency objectives (docs/cost.md#service-level-objectives).

use crate::common::{run, run_cli};

/// Two regions, clients in us-east-1 only, active-passive with its primary in eu-west-1.
fn scenario(clients: &str, slos: &str) -> String {
    format!(
        r#"duration_s = 10
regions = ["aws:eu-west-1", "aws:us-east-1"]
{clients}
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "aws:eu-west-1"
read_from = "primary"
{slos}"#
    )
}

const LATENCY_SLOS: &str = r#"
[[slo]]
kind = "latency"
op = "read"
percentile = "p99"
max_ms = 10
[[slo]]
kind = "latency"
op = "write"
percentile = "p99"
max_ms = 10
"#;

/// `timeout_ms = 1` against a primary an ocean away: every attempt times out, every operation
/// fails, no latency is measured. Both latency objectives are n/a (not dropped: before, the
/// verdict read `meets all 0` and the table `PASS 0/0`), and the verdict says so.
#[test]
fn objectives_of_a_strategy_whose_every_operation_failed_are_na_not_met() {
    let clients = "[clients]\ntimeout_ms = 1\n[[workload.clients]]\n\
                   region = \"aws:us-east-1\"\nrate_rps = 50";
    let r = run(&scenario(clients, LATENCY_SLOS));
    let s = r.strategy("ap").unwrap();
    assert!(s.ops.failed > 0 && s.ops.failed == s.ops.reads + s.ops.writes);
    let slo = s.slo.as_ref().unwrap();
    assert_eq!(
        (slo.met, slo.total, slo.not_applicable),
        (0, 2, 2),
        "{slo:?}"
    );
    for (o, op) in slo.objectives.iter().zip(["read", "write"]) {
        assert_eq!(o.objective, format!("p99 {op} in aws:us-east-1 <= 10 ms"));
        assert!(o.not_applicable && !o.pass && o.measured.is_none(), "{o:?}");
        assert!(o.detail.contains(&format!("no successful {op}")), "{o:?}");
    }
    assert!(
        slo.verdict
            .starts_with("meets 0 of 2 (2 n/a): p99 read in aws:us-east-1 is n/a"),
        "{}",
        slo.verdict
    );
    // The same objectives against a working strategy are measured (and met or failed).
    let ok = run(&scenario(
        "[[workload.clients]]\nregion = \"aws:us-east-1\"\nrate_rps = 50",
        LATENCY_SLOS,
    ));
    let ok = ok.strategy("ap").unwrap().slo.clone().unwrap();
    assert_eq!((ok.total, ok.not_applicable), (2, 0), "{ok:?}");
    assert!(ok.objectives.iter().all(|o| o.measured.is_some()));
}

/// `read_fraction = 1`: no write is issued, so a write-latency and a write-availability
/// objective are n/a (before, they vanished: `meets all 2` for 4 declared objectives), while
/// the read objective is judged. In the printed table the strategy is `N/A 1/3`, never PASS.
#[test]
fn write_objectives_of_a_read_only_workload_are_na_in_report_and_table() {
    let slos = r#"
[[slo]]
kind = "latency"
op = "read"
percentile = "p99"
max_ms = 1000
[[slo]]
kind = "latency"
op = "write"
percentile = "p99"
max_ms = 10
[[slo]]
kind = "availability"
op = "write"
min = 0.99
"#;
    let clients = "[[workload.clients]]\nregion = \"aws:us-east-1\"\nrate_rps = 50\n\
                   read_fraction = 1";
    let text = scenario(clients, slos);
    let r = run(&text);
    let s = r.strategy("ap").unwrap();
    assert_eq!(s.ops.writes, 0);
    let slo = s.slo.as_ref().unwrap();
    assert_eq!(
        (slo.met, slo.total, slo.not_applicable),
        (1, 3, 2),
        "{slo:?}"
    );
    let names: Vec<&str> = slo
        .objectives
        .iter()
        .map(|o| o.objective.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "p99 read in aws:us-east-1 <= 1000 ms",
            "p99 write <= 10 ms",
            "write availability >= 0.99"
        ]
    );
    assert!(slo.objectives[0].pass && !slo.objectives[0].not_applicable);
    for o in &slo.objectives[1..] {
        assert!(o.not_applicable && !o.pass, "{o:?}");
        assert!(o.detail.ends_with("is n/a: no write was issued"), "{o:?}");
    }
    assert_eq!(
        slo.verdict,
        "meets 1 of 3 (2 n/a): p99 write is n/a: no write was issued"
    );
    // The command line: the SLO column and the verdict line, and the field in report.json.
    let dir = std::env::temp_dir().join(format!("geosim-slo-na-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("read-only.toml");
    std::fs::write(&file, &text).unwrap();
    let out = dir.join("out");
    let (stdout, json) = run_cli(&file, &out, &[]);
    assert!(stdout.contains("N/A 1/3"), "{stdout}");
    assert!(!stdout.contains("PASS"), "{stdout}");
    assert!(stdout.contains("ap: meets 1 of 3 (2 n/a)"), "{stdout}");
    let slo = &json["strategies"][0]["slo"];
    assert_eq!(slo["not_applicable"], 2);
    assert_eq!(slo["objectives"][1]["not_applicable"], true);
    assert!(slo["objectives"][0].get("not_applicable").is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A latency objective without `region` is judged only in the client regions whose clients
/// issue its kind: a region of readers is not an n/a write objective (`PAIR_AP`-like: writes
/// at one region, reads at the other).
#[test]
fn a_region_whose_clients_issue_no_writes_is_not_a_write_objective() {
    let clients = "[[workload.clients]]\nregion = \"aws:us-east-1\"\nrate_rps = 50\n\
                   read_fraction = 1\n[[workload.clients]]\nregion = \"aws:eu-west-1\"\n\
                   rate_rps = 50\nread_fraction = 0";
    let slos = "[[slo]]\nkind = \"latency\"\nop = \"write\"\npercentile = \"p99\"\nmax_ms = 1000";
    let r = run(&scenario(clients, slos));
    let slo = r.strategy("ap").unwrap().slo.clone().unwrap();
    assert_eq!(
        (slo.met, slo.total, slo.not_applicable),
        (1, 1, 0),
        "{slo:?}"
    );
    assert_eq!(
        slo.objectives[0].objective,
        "p99 write in aws:eu-west-1 <= 1000 ms"
    );
    assert_eq!(slo.verdict, "meets all 1");
}
