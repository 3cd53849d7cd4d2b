//! `geosim advise` and `geosim matrix`: the advice is the same bytes whatever `--jobs` and
//! however it is sharded, the winning scenario reproduces the advertised figures under
//! `geosim run`, the Pareto set equals a brute-force check written here, the fibre-floor
//! pruning never removes a candidate that simulation shows could meet the objective, and
//! docs/decision-matrix.md is what `geosim matrix` prints today.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{geosim, root};

fn dir(tag: &str) -> PathBuf {
    let d = root().join("target").join("it-advise").join(tag);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn ok(args: &[&str]) -> String {
    let o = geosim(args);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{args:?}: {err}");
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn json(p: &Path) -> Value {
    serde_json::from_slice(&read(p)).unwrap()
}

const COST: &str = r#"
[cost]
instance_usd_per_hour = 0.384
storage_usd_per_gb_month = 0.08
data_gb = 500
"#;

const SLOS: &str = r#"
[[slo]]
kind = "latency"
op = "read"
percentile = "p99"
max_ms = 200
[[slo]]
kind = "latency"
op = "write"
percentile = "p99"
max_ms = 400
[[slo]]
kind = "stale-reads"
max_rate = 0.05
"#;

fn groups(regions: &[&str], rate: f64) -> String {
    regions
        .iter()
        .map(|r| {
            format!("[[workload.clients]]\nregion = \"{r}\"\nrate_rps = {rate}\nread_fraction = 0.8\nkeys = 500\n")
        })
        .collect()
}

/// Four regions, three client groups, no faults: 83 candidates, more than 48 left after
/// pruning, so successive halving runs.
fn four_regions() -> String {
    format!(
        "name = \"adv4\"\nseed = 7\nduration_s = 8\ndrain_s = 5\nregions = [\"aws:us-east-1\", \"aws:us-west-2\", \"aws:eu-west-1\", \"aws:ap-southeast-1\"]\n{COST}{}{SLOS}",
        groups(&["aws:us-east-1", "aws:eu-west-1", "aws:ap-southeast-1"], 40.0)
    )
}

/// Three regions and an outage of the first: RPO and RTO are objectives; every candidate runs
/// at full length. One objective (stale reads), so that some candidate meets it.
fn three_with_outage() -> String {
    format!(
        "name = \"adv3\"\nseed = 11\nduration_s = 30\ndrain_s = 10\nregions = [\"aws:us-east-1\", \"aws:eu-west-1\", \"aws:ap-southeast-1\"]\n{COST}{}\n[[slo]]\nkind = \"stale-reads\"\nmax_rate = 0.05\n[[faults]]\nkind = \"region-outage\"\nregion = \"aws:us-east-1\"\nstart_s = 10\nduration_s = 8\n",
        groups(&["aws:us-east-1", "aws:eu-west-1", "aws:ap-southeast-1"], 30.0)
    )
}

fn write(d: &Path, name: &str, text: &str) -> String {
    let p = d.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// The figure of the report entry `s` that advise advertises under `name`.
fn report_figure(s: &Value, name: &str) -> Value {
    match name {
        "write_p99_ms" => s["latency_ms"]["write"]["p99"].clone(),
        "read_p99_ms" => s["latency_ms"]["read"]["p99"].clone(),
        "stale_read_rate" => s["consistency"]["stale_read_rate"].clone(),
        "rpo_s" => s["rpo"]["max_span_s"].clone(),
        "rto_s" => s["rto"]["max_s"].clone(),
        "cost_usd_month" => s["cost"]["monthly_usd"].clone(),
        "availability" => s["availability"]["overall"].clone(),
        _ => unreachable!(),
    }
}

/// Runs winner.toml with `geosim run` and compares every advertised figure.
fn winner_reproduces(out: &Path, faults: bool) {
    let advice = json(&out.join("advise.json"));
    let id = advice["winner"]["id"].as_u64().expect("a winner") as usize;
    let c = advice["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap();
    let run_dir = out.join("winner-run");
    ok(&[
        "run",
        out.join("winner.toml").to_str().unwrap(),
        "--out",
        run_dir.to_str().unwrap(),
        "--no-charts",
    ]);
    let report = json(&run_dir.join("report.json"));
    let s = &report["strategies"][0];
    let mut names = vec![
        "write_p99_ms",
        "read_p99_ms",
        "stale_read_rate",
        "cost_usd_month",
        "availability",
    ];
    if faults {
        names.extend(["rpo_s", "rto_s"]);
    }
    for n in names {
        assert_eq!(
            c["figures"][n],
            report_figure(s, n),
            "{n}: advertised {} but geosim run gives {}",
            c["figures"][n],
            report_figure(s, n)
        );
    }
    assert_eq!(c["meets_slos"], true);
    assert_eq!(
        s["slo"]["verdict"],
        report["strategies"][0]["slo"]["verdict"]
    );
}

/// Brute force, written here: a fully run candidate is in the Pareto set iff no other is
/// no worse in every objective and better in one (null or a never-recovered RTO: worst).
fn brute_force_pareto(advice: &Value) -> Vec<u64> {
    let objectives: Vec<String> = advice["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap().to_string())
        .collect();
    let full: Vec<&Value> = advice["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["full_run"] == true)
        .collect();
    let vecs: Vec<Vec<f64>> = full
        .iter()
        .map(|c| {
            objectives
                .iter()
                .map(|o| {
                    if o == "rto_s" && c["figures"]["rto_never"] == true {
                        return f64::INFINITY;
                    }
                    c["figures"][o].as_f64().unwrap_or(f64::INFINITY)
                })
                .collect()
        })
        .collect();
    let mut out = Vec::new();
    for (i, a) in vecs.iter().enumerate() {
        let dominated = vecs
            .iter()
            .any(|b| b.iter().zip(a).all(|(x, y)| x <= y) && b.iter().zip(a).any(|(x, y)| x < y));
        if !dominated {
            out.push(full[i]["id"].as_u64().unwrap());
        }
    }
    out
}

fn check_pareto_and_winner(advice: &Value) {
    let brute = brute_force_pareto(advice);
    let got: Vec<u64> = advice["pareto"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(got, brute);
    let full = advice["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["full_run"] == true)
        .count();
    assert!(got.len() < full, "a Pareto set of everything tests nothing");
    for c in advice["candidates"].as_array().unwrap() {
        let id = c["id"].as_u64().unwrap();
        assert_eq!(c["pareto"] == true, got.contains(&id));
    }
    // The winner: the cheapest fully run candidate meeting every SLO and the budget.
    let cheapest = advice["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["full_run"] == true && c["meets_slos"] == true && c["within_budget"] != false)
        .map(|c| c["figures"]["cost_usd_month"].as_f64().unwrap())
        .fold(f64::INFINITY, f64::min);
    let w = advice["winner"]["id"].as_u64().unwrap();
    let wc = advice["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == w)
        .unwrap();
    assert_eq!(wc["figures"]["cost_usd_month"].as_f64().unwrap(), cheapest);
}

#[test]
fn advice_is_the_same_bytes_for_any_jobs_and_shards_and_the_winner_reproduces() {
    let d = dir("four");
    let file = write(&d, "adv4.toml", &four_regions());
    let one = d.join("one");
    let two = d.join("two");
    let stdout = ok(&[
        "advise",
        &file,
        "--budget-usd-month",
        "6000",
        "--jobs",
        "1",
        "--quiet",
        "--out",
        one.to_str().unwrap(),
    ]);
    assert!(stdout.contains("Pareto set"), "{stdout}");
    ok(&[
        "advise",
        &file,
        "--budget-usd-month",
        "6000",
        "--jobs",
        "2",
        "--quiet",
        "--out",
        two.to_str().unwrap(),
    ]);
    assert_eq!(
        read(&one.join("advise.json")),
        read(&two.join("advise.json"))
    );
    assert_eq!(
        read(&one.join("winner.toml")),
        read(&two.join("winner.toml"))
    );
    let svg = read(&one.join("charts/advise.svg"));
    assert_eq!(svg, read(&two.join("charts/advise.svg")));
    let advice = json(&one.join("advise.json"));
    // The chart's legend holds one entry per strategy kind in the Pareto set.
    let mut kinds: Vec<&str> = advice["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["pareto"] == true)
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let svg = String::from_utf8(svg).unwrap();
    assert!(
        svg.contains(&format!(
            "data-chart=\"advise\" data-series=\"{}\"",
            kinds.len()
        )),
        "{kinds:?}"
    );
    // Successive halving: a short rung (2 s) for all, full runs (8 s) for a quarter.
    let simulated = advice["simulated"].as_array().unwrap();
    assert_eq!(simulated.len(), 2, "{simulated:?}");
    assert_eq!(simulated[0][0].as_f64(), Some(2.0));
    assert_eq!(simulated[1][0].as_f64(), Some(8.0));
    let n = advice["candidates"].as_array().unwrap().len();
    assert_eq!(simulated[0][1].as_u64(), Some(n as u64));
    assert_eq!(simulated[1][1].as_u64(), Some(n.div_ceil(4) as u64));
    check_pareto_and_winner(&advice);
    winner_reproduces(&one, false);

    // Shards of the full runs, merged: the unsharded bytes.
    let shards = d.join("shards");
    for i in 1..=3 {
        ok(&[
            "advise",
            &file,
            "--budget-usd-month",
            "6000",
            "--jobs",
            "2",
            "--quiet",
            "--shard",
            &format!("{i}/3"),
            "--out",
            shards.to_str().unwrap(),
        ]);
    }
    let merged = d.join("merged");
    let list: Vec<String> = (1..=3)
        .map(|i| {
            shards
                .join(format!("advise-shard-{i}-of-3.json"))
                .to_str()
                .unwrap()
                .to_string()
        })
        .collect();
    // A missing shard is named.
    let o = geosim(&[
        "merge",
        &list[0],
        &list[2],
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("shard 2 of 3"));
    ok(&[
        "merge",
        &list[2],
        &list[0],
        &list[1],
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(
        read(&one.join("advise.json")),
        read(&merged.join("advise.json"))
    );
    assert_eq!(
        read(&one.join("winner.toml")),
        read(&merged.join("winner.toml"))
    );
}

#[test]
fn under_faults_rpo_and_rto_are_objectives_and_the_winner_reproduces_them() {
    let d = dir("three");
    let file = write(&d, "adv3.toml", &three_with_outage());
    let out = d.join("out");
    ok(&["advise", &file, "--quiet", "--out", out.to_str().unwrap()]);
    let advice = json(&out.join("advise.json"));
    let objectives: Vec<&str> = advice["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    assert_eq!(
        objectives,
        [
            "write_p99_ms",
            "read_p99_ms",
            "stale_read_rate",
            "rpo_s",
            "rto_s",
            "cost_usd_month"
        ]
    );
    // With faults every candidate runs at full length.
    assert_eq!(advice["simulated"].as_array().unwrap().len(), 1);
    check_pareto_and_winner(&advice);
    winner_reproduces(&out, true);
}

#[test]
fn fibre_floor_pruning_removes_only_candidates_that_fail_in_simulation() {
    // Reads p99 <= 30 ms: reading from a primary an ocean away cannot meet it.
    let text = four_regions().replace("max_ms = 200", "max_ms = 30");
    let d = dir("floor");
    let file = write(&d, "floor.toml", &text);
    let plan = geosim::advise::load(Path::new(&file), &Default::default()).unwrap();
    let floor: Vec<&geosim::advise::Pruned> = plan
        .header
        .pruned
        .iter()
        .filter(|p| p.reason.starts_with("fibre floor: read p99"))
        .collect();
    assert!(!floor.is_empty(), "{:?}", plan.header.pruned);
    let mut checked = 0;
    for p in floor {
        // "fibre floor: read p99 in REGION cannot be <= 30 ms"
        let region = p
            .reason
            .split(" in ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap();
        for name in &p.examples {
            // Active-passive examples: ap/<primary>/<replication>/read-<from>.
            let parts: Vec<&str> = name.split('/').collect();
            if parts[0] != "ap" {
                continue;
            }
            let strategy = format!(
                "[[strategies]]\nkind = \"active-passive\"\nname = \"x\"\nprimary = \"{}\"\nreplication = \"{}\"\nread_from = \"{}\"\n",
                parts[1],
                parts[2],
                parts[3].trim_start_matches("read-")
            );
            let report = crate::common::run(&format!("{text}\n{strategy}"));
            let p99 = report.strategies[0]
                .region(region)
                .unwrap()
                .read
                .p99
                .unwrap();
            assert!(
                p99 > 30.0,
                "{name} was pruned but reads p99 in {region} = {p99} ms"
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
    // None of the evaluated candidates reads from a far primary.
    assert!(plan
        .header
        .candidates
        .iter()
        .all(|c| !(c.kind == "active-passive" && c.strategy["read_from"] == "primary")));
}

#[test]
fn residency_prunes_what_cannot_keep_data_in_its_class() {
    let text = four_regions()
        + "\n[[data_classes]]\nname = \"eu\"\nallowed_jurisdictions = [\"EU\"]\n"
        + "";
    let text = text.replacen("keys = 500\n", "keys = 500\ndata_class = \"eu\"\n", 1);
    let d = dir("residency");
    let file = write(&d, "res.toml", &text);
    let plan = geosim::advise::load(Path::new(&file), &Default::default()).unwrap();
    let residency: usize = plan
        .header
        .pruned
        .iter()
        .filter(|p| p.reason.starts_with("residency"))
        .map(|p| p.count)
        .sum();
    assert!(residency > 0, "{:?}", plan.header.pruned);
    // Every evaluated active-passive candidate has its primary in the EU region.
    for c in &plan.header.candidates {
        assert_eq!(c.strategy["residency"], "enforce");
        if c.kind == "active-passive" {
            assert_eq!(c.strategy["primary"], "aws:eu-west-1", "{}", c.name);
        }
    }
}

#[test]
fn decision_matrix_is_fresh() {
    let now = ok(&["matrix", "scenarios/strategy-zoo.toml"]);
    let file = std::fs::read_to_string(root().join("docs/decision-matrix.md")).unwrap();
    assert!(
        now == file,
        "docs/decision-matrix.md is stale: regenerate with `geosim matrix scenarios/strategy-zoo.toml > docs/decision-matrix.md`"
    );
}

#[test]
fn regions_make_the_latency_objectives_those_of_the_named_client_regions() {
    let d = dir("regions");
    let file = write(&d, "adv3.toml", &three_with_outage());
    let out = d.join("out");
    ok(&[
        "advise",
        &file,
        "--quiet",
        "--regions",
        "aws:eu-west-1",
        "--out",
        out.to_str().unwrap(),
    ]);
    let advice = json(&out.join("advise.json"));
    let id = advice["winner"]["id"].as_u64().unwrap();
    let c = advice["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap();
    let run_dir = out.join("winner-run");
    ok(&[
        "run",
        out.join("winner.toml").to_str().unwrap(),
        "--out",
        run_dir.to_str().unwrap(),
        "--no-charts",
    ]);
    let report = json(&run_dir.join("report.json"));
    let eu = report["strategies"][0]["per_region"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["region"] == "aws:eu-west-1")
        .unwrap();
    assert_eq!(
        c["figures"]["write_p99_ms"],
        eu["latency_ms"]["write"]["p99"]
    );
    assert_eq!(c["figures"]["read_p99_ms"], eu["latency_ms"]["read"]["p99"]);
    // A region without clients is refused with exit code 2, before any simulation.
    let o = geosim(&[
        "advise",
        &file,
        "--regions",
        "aws:us-west-2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a client region"));
}
