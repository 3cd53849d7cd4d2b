//! Parameter sweeps: the same bytes for any `--jobs` and any shard split, a point's numbers
//! independent of the other points, a one-point sweep equal to `geosim run` with the derived
//! seed, statistics that match a hand computation, bad parameters and metrics rejected with
//! the field named (exit code 2, nothing written), a named missing shard, and Ctrl-C.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;

use geosim::sweep;
use serde_json::Value;

use crate::common::{geosim, geosim_env, root};

/// A small sweep: 2 rates x 2 resolutions = 4 points, 2 seeds, 2 simulated seconds.
const SWEEP: &str = r#"
seed = 7
seeds = 2
metrics = ["consistency.conflict_rate", "latency_ms.write.p99", "wan_bytes", "rto.max_s"]

[[parameters]]
path = "workload.clients[*].rate_rps"
values = [40, 80]

[[parameters]]
path = 'strategies[name="mm"].resolution'
values = ["lww", "crdt"]

[scenario]
duration_s = 2
drain_s = 1

[[scenario.regions]]
name = "a"
lat = 40.0
lon = -75.0

[[scenario.regions]]
name = "b"
lat = 50.0
lon = 0.0

[[scenario.workload.clients]]
region = "a"
rate_rps = 40
read_fraction = 0.5
keys = 50

[[scenario.workload.clients]]
region = "b"
rate_rps = 40
read_fraction = 0.5
keys = 50

[[scenario.strategies]]
kind = "multi-master"
name = "mm"

[[scenario.strategies]]
kind = "active-passive"
name = "ap"
primary = "a"
"#;

/// A fresh directory under target/ for one test.
fn dir(tag: &str) -> PathBuf {
    let d = root().join("target").join("it-sweep").join(tag);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn ok(args: &[&str]) -> String {
    let o = geosim(args);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{args:?}: {err}");
    err
}

fn fails(args: &[&str]) -> String {
    let o = geosim(args);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

#[test]
fn jobs_do_not_change_the_bytes() {
    let d = dir("jobs");
    let f = write(&d, "s.toml", SWEEP);
    let (a, b) = (d.join("a"), d.join("b"));
    ok(&[
        "sweep",
        &f,
        "--jobs",
        "1",
        "--quiet",
        "--out",
        a.to_str().unwrap(),
    ]);
    ok(&[
        "sweep",
        &f,
        "--jobs",
        "4",
        "--quiet",
        "--out",
        b.to_str().unwrap(),
    ]);
    for name in ["sweep.csv", "sweep.json"] {
        assert_eq!(read(&a, name), read(&b, name), "{name} differs");
    }
    let csv = String::from_utf8(read(&a, "sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "workload.clients[*].rate_rps,\"strategies[name=\"\"mm\"\"].resolution\",strategy,metric,n,mean,std,ci95_low,ci95_high,min,max"
    );
    // 4 points x 2 strategies x 4 metrics, in grid, strategy, metric order.
    assert_eq!(lines.len(), 1 + 4 * 2 * 4);
    assert!(
        lines[1].starts_with("40,lww,mm,consistency.conflict_rate,2,"),
        "{}",
        lines[1]
    );
    assert!(
        lines[5].starts_with("40,lww,ap,consistency.conflict_rate,2,"),
        "{}",
        lines[5]
    );
    assert!(lines[9].starts_with("40,crdt,mm,"), "{}", lines[9]);
    assert!(lines[17].starts_with("80,lww,mm,"), "{}", lines[17]);
}

#[test]
fn shards_merge_into_the_unsharded_run_and_missing_ones_are_named() {
    let d = dir("shards");
    let f = write(&d, "s.toml", SWEEP);
    let (whole, shards, merged) = (d.join("whole"), d.join("shards"), d.join("merged"));
    let s = shards.to_str().unwrap();
    ok(&["sweep", &f, "--quiet", "--out", whole.to_str().unwrap()]);
    // Shard 1 by argument, 2 from a Slurm array `--array=1-3` (task 2), 3 from Kubernetes'
    // 0-based index.
    ok(&["sweep", &f, "--quiet", "--shard", "1/3", "--out", s]);
    let env = |args: &[&str], vars: &[(&str, &str)]| {
        let o = geosim_env(args, vars);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let auto = ["sweep", &f, "--quiet", "--shard", "auto/3", "--out", s];
    let slurm = [
        ("SLURM_ARRAY_TASK_ID", "2"),
        ("SLURM_ARRAY_TASK_MIN", "1"),
        ("SLURM_ARRAY_TASK_MAX", "3"),
        ("SLURM_ARRAY_TASK_COUNT", "3"),
    ];
    env(&auto, &slurm);
    env(&auto, &[("JOB_COMPLETION_INDEX", "2")]);
    // A lone resubmitted task (`--array=2`) is refused rather than run as shard 1.
    let o = geosim_env(
        &auto,
        &[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "2"),
            ("SLURM_ARRAY_TASK_MAX", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "1"),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--shard I/3"));
    let shard = |i: usize| shards.join(format!("shard-{i}-of-3.json"));
    let (s1, s2, s3) = (shard(1), shard(2), shard(3));
    let (p1, p2, p3) = (
        s1.to_str().unwrap(),
        s2.to_str().unwrap(),
        s3.to_str().unwrap(),
    );
    // Shards hold disjoint, balanced parts: 8 runs -> 3, 3, 2.
    for (p, n) in [(&s1, 3), (&s2, 3), (&s3, 2)] {
        let v: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        assert_eq!(v["runs"].as_array().unwrap().len(), n, "{}", p.display());
    }
    ok(&["merge", p3, p1, p2, "--out", merged.to_str().unwrap()]);
    for name in ["sweep.csv", "sweep.json"] {
        assert_eq!(read(&whole, name), read(&merged, name), "{name} differs");
    }

    let nowhere = d.join("nowhere");
    let no = nowhere.to_str().unwrap();
    let err = fails(&["merge", p1, p3, "--out", no]);
    assert!(err.contains("missing shard 2 of 3"), "{err}");
    let err = fails(&["merge", p1, p2, p1, p3, "--out", no]);
    assert!(err.contains("shard 1 of 3 given twice"), "{err}");
    // A shard of another sweep (another seed) is refused.
    let g = write(&d, "other.toml", &SWEEP.replace("seed = 7", "seed = 8"));
    let other = d.join("other");
    ok(&[
        "sweep",
        &g,
        "--quiet",
        "--shard",
        "2/3",
        "--out",
        other.to_str().unwrap(),
    ]);
    let o2 = other.join("shard-2-of-3.json");
    let err = fails(&["merge", p1, o2.to_str().unwrap(), p3, "--out", no]);
    assert!(err.contains("different sweep"), "{err}");
    assert!(
        !nowhere.exists(),
        "merge wrote output for a bad set of shards"
    );
}

fn plan(text: &str) -> sweep::Plan {
    sweep::from_str(text, geosim::scenario::Format::Toml, Path::new("test.toml"))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn results(plan: &sweep::Plan) -> sweep::Results {
    let values = sweep::run(plan, 2, None, &AtomicBool::new(false), &()).unwrap();
    sweep::Results::new(plan.header.clone(), values).unwrap()
}

#[test]
fn a_points_numbers_do_not_depend_on_the_other_points() {
    let small = results(&plan(SWEEP));
    let big = results(&plan(
        &SWEEP.replace("values = [40, 80]", "values = [40, 60, 80]"),
    ));
    let csv = |r: &sweep::Results| r.to_csv().lines().map(str::to_string).collect::<Vec<_>>();
    let (small, big) = (csv(&small), csv(&big));
    assert_eq!(big.len(), 1 + 6 * 8);
    for line in &small {
        assert!(big.contains(line), "not in the bigger sweep: {line}");
    }
    // And the new point is not a copy of its neighbours.
    assert!(big
        .iter()
        .filter(|l| l.starts_with("60,"))
        .all(|l| !small.contains(l)));
}

#[test]
fn one_point_one_seed_equals_geosim_run_with_the_derived_seed() {
    let d = dir("one-point");
    let base = SWEEP
        .split("[scenario]\n")
        .nth(1)
        .unwrap()
        .replace("[[scenario.", "[[");
    let base = format!("name = \"one\"\nseed = 99\n{base}");
    write(&d, "base.toml", &base);
    let sweep_text = r#"
base = "base.toml"
seed = 5
seeds = 1
metrics = ["consistency.conflict_rate", "latency_ms.write.p99", "latency_ms.read.mean", "wan_bytes"]
[[parameters]]
path = "workload.clients[1].rate_rps"
values = [65]
"#;
    let f = write(&d, "s.toml", sweep_text);
    let out = d.join("sweep");
    ok(&["sweep", &f, "--quiet", "--out", out.to_str().unwrap()]);
    let sj: Value = serde_json::from_slice(&read(&out, "sweep.json")).unwrap();
    let runs = sj["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let seed = runs[0]["seed"].as_u64().unwrap();
    assert_ne!(seed, 99, "the sweep seed, not the file's, decides");
    assert_eq!(sj["base"]["path"], "base.toml");

    // The same scenario by hand: client group 1 at 65 operations per second.
    let mut parts = base.splitn(3, "rate_rps = 40");
    let by_hand = format!(
        "{}rate_rps = 40{}rate_rps = 65{}",
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap()
    );
    let g = write(&d, "by-hand.toml", &by_hand);
    let run_out = d.join("run");
    ok(&[
        "run",
        &g,
        "--seed",
        &seed.to_string(),
        "--out",
        run_out.to_str().unwrap(),
    ]);
    let report: Value = serde_json::from_slice(&read(&run_out, "report.json")).unwrap();
    let rows = sj["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2 * 4);
    for row in rows {
        let strategy = report["strategies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == row["strategy"])
            .unwrap();
        let mut v = strategy;
        for key in row["metric"].as_str().unwrap().split('.') {
            v = &v[key];
        }
        let (want, got) = (v.as_f64().unwrap(), row["mean"].as_f64().unwrap());
        assert!(
            (want - got).abs() <= 1e-8 * want.abs(),
            "{row}: run gives {want}"
        );
        assert_eq!(row["n"], 1);
        assert_eq!(row["std"], 0.0);
        assert_eq!(
            (&row["ci95_low"], &row["ci95_high"]),
            (&row["mean"], &row["mean"])
        );
    }
}

#[test]
fn summaries_match_a_hand_computation_from_the_raw_runs() {
    let text = SWEEP.replace("seeds = 2", "seeds = 4");
    let r = results(&plan(&text));
    let sj: Value = serde_json::from_str(&r.to_json()).unwrap();
    let runs = sj["runs"].as_array().unwrap();
    let row = &sj["rows"][0]; // point 0, mm, conflict rate
    assert_eq!(row["metric"], "consistency.conflict_rate");
    let xs: Vec<f64> = runs
        .iter()
        .filter(|r| r["point"] == 0)
        .map(|r| r["values"][0][0].as_f64().unwrap())
        .collect();
    assert_eq!(xs.len(), 4);
    let mean = xs.iter().sum::<f64>() / 4.0;
    let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 3.0).sqrt();
    assert!(sd > 0.0, "seeds should differ: {xs:?}");
    let half = 3.182_446_305_284_263 * sd / 2.0; // t(0.975, 3 dof)
    let close = |k: &str, want: f64| {
        let got = row[k].as_f64().unwrap();
        assert!(
            (got - want).abs() <= 1e-8 * want.abs().max(1e-12),
            "{k}: {got} vs {want}"
        );
    };
    close("mean", mean);
    close("std", sd);
    close("ci95_low", mean - half);
    close("ci95_high", mean + half);
    close("min", xs.iter().copied().fold(f64::INFINITY, f64::min));
    close("max", xs.iter().copied().fold(f64::NEG_INFINITY, f64::max));
}

#[test]
fn bad_parameters_and_metrics_are_named_with_exit_code_2_and_nothing_written() {
    let d = dir("bad");
    let out = d.join("out");
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "path = \"workload.clients[*].rate_rps\"",
            "path = \"workload.clients[0].rate_rpz\"",
            &[
                "parameters[0].path",
                "no field `rate_rpz` in workload.clients[0]",
            ],
        ),
        (
            "path = \"workload.clients[*].rate_rps\"",
            "path = \"workload.clients[5].rate_rps\"",
            &["parameters[0].path", "index 5 is out of range"],
        ),
        (
            "path = 'strategies[name=\"mm\"].resolution'",
            "path = 'strategies[name=\"xx\"].resolution'",
            &[
                "parameters[1].path",
                "no entry of strategies has name = \"xx\"",
            ],
        ),
        (
            "values = [40, 80]",
            "values = [40, \"fast\"]",
            &[
                "parameters[0].values[1]",
                "workload.clients[0].rate_rps = \"fast\"",
                "invalid type",
            ],
        ),
        (
            "values = [\"lww\", \"crdt\"]",
            "values = [\"lww\", \"merge\"]",
            &["parameters[1].values[1]", "unknown variant `merge`"],
        ),
        (
            "values = [40, 80]",
            "values = [40, -1]",
            &["parameters[0].values[1]", "must be greater than 0"],
        ),
        (
            "\"wan_bytes\"",
            "\"wan_bytez\"",
            &["metrics[2]", "no field `wan_bytez`"],
        ),
        (
            "\"latency_ms.write.p99\"",
            "\"latency_ms.write\"",
            &["metrics[1]", "is a table, not a number"],
        ),
        ("seeds = 2", "seeds = 0", &["seeds", "at least 1"]),
    ];
    for (from, to, needles) in cases {
        assert!(SWEEP.contains(from), "fixture lacks {from}");
        let f = write(&d, "bad.toml", &SWEEP.replacen(from, to, 1));
        let err = fails(&["sweep", &f, "--quiet", "--out", out.to_str().unwrap()]);
        assert!(err.contains("bad.toml"), "the file is not named: {err}");
        for n in *needles {
            assert!(err.contains(n), "`{to}`: message lacks `{n}`: {err}");
        }
    }
    assert!(!out.exists(), "output was written for a bad sweep");
}

#[test]
fn shipped_sweeps_build_and_check() {
    for name in ["conflicts-vs-rate", "lag-vs-rpo", "regions-vs-cost"] {
        let path = root().join("scenarios/sweeps").join(format!("{name}.toml"));
        let plan = sweep::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(plan.runs() >= 15, "{name}: {} runs", plan.runs());
    }
}

#[test]
fn interruption_stops_without_writing() {
    // Library: a raised flag means no run starts.
    let p = plan(SWEEP);
    let r = sweep::run(&p, 1, None, &AtomicBool::new(true), &());
    assert!(matches!(r, Err(geosim::Error::Interrupted)));

    // Command line: SIGINT once the sweep has started: exit 130 and no output.
    let d = dir("interrupt");
    let long = SWEEP.replace("seeds = 2", "seeds = 2000");
    let f = write(&d, "long.toml", &long);
    let out = d.join("out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_geosim"))
        .args(["sweep", &f, "--jobs", "1", "--out", out.to_str().unwrap()])
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(first.contains("8000 runs"), "{first}");
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{first}{rest}");
    assert!(rest.contains("interrupted"), "{rest}");
    assert!(!out.join("sweep.csv").exists() && !out.join("sweep.json").exists());
}

/// docs/cluster.md shows the Slurm scripts CI runs (`scripts/slurm-ci.sh`), not a copy that
/// can drift: each shipped `.sbatch` file appears in it verbatim, and every script runs a
/// shard through `--shard` and the merge through `geosim merge`.
#[test]
fn cluster_docs_quote_the_slurm_scripts_ci_runs() {
    let docs = std::fs::read_to_string(root().join("docs/cluster.md")).unwrap();
    for name in ["sweep-array.sbatch", "sweep-merge.sbatch"] {
        let script = std::fs::read_to_string(root().join("scripts/slurm").join(name)).unwrap();
        assert!(
            docs.contains(&format!("```bash\n{script}```")),
            "docs/cluster.md does not quote scripts/slurm/{name} verbatim"
        );
    }
    let ci = std::fs::read_to_string(root().join("scripts/slurm-ci.sh")).unwrap();
    assert!(ci.contains("scripts/slurm/sweep-array.sbatch") && ci.contains("--array=\"0-"));
    let run = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(
        run.contains("scripts/slurm-ci.sh"),
        ".ci/run does not run the Slurm check"
    );
}

/// The example column of docs/sweep.md's path table: every path builds a sweep whose points
/// all validate over `scenarios/region-outage.toml` (a documented example that does not
/// validate, like `network.route_inflation` under the default path model, fails here).
#[test]
fn doc_path_examples_build_valid_points() {
    let docs = std::fs::read_to_string(root().join("docs/sweep.md")).unwrap();
    let table: Vec<&str> = docs
        .lines()
        .skip_while(|l| !l.starts_with("| syntax | selects | example |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert_eq!(table.len(), 5, "{table:?}");
    // A value for every documented example, by path.
    let value = |path: &str| match path {
        "network.path" => r#"["hubs", "great-circle"]"#,
        "regions[1].lat" => "[40.0, 50.0]",
        p if p.ends_with(".replication") => r#"["sync", "async"]"#,
        p if p.ends_with(".duration_s") => "[30, 60]",
        p if p.ends_with(".rate_rps") => "[50, 100]",
        "len(regions)" => "[3]",
        p => panic!("docs/sweep.md gives an example path this test has no value for: {p}"),
    };
    let base = root().join("scenarios/region-outage.toml");
    let mut checked = 0;
    for row in table {
        let example = row.rsplit('|').nth(1).unwrap();
        for path in example.split('`').skip(1).step_by(2) {
            let text = format!(
                "seeds = 1\nmetrics = [\"latency_ms.write.p99\"]\nbase = {:?}\n[[parameters]]\npath = '{path}'\nvalues = {}\n",
                base.to_str().unwrap(),
                value(path)
            );
            sweep::from_str(&text, geosim::scenario::Format::Toml, Path::new("doc.toml"))
                .unwrap_or_else(|e| panic!("docs/sweep.md example `{path}`: {e}"));
            checked += 1;
        }
    }
    assert_eq!(checked, 7);
}
