//! `geosim check`: a report passes against itself, fails (exit 1, naming the metric) when one
//! metric is worsened past its tolerance, passes when it improves or moves within tolerance,
//! and is refused (exit 2) against a baseline of another scenario or seed or a bad file. It
//! never passes on an incomplete comparison (nothing compared, a strategy or metric in one
//! file only); `--update` keeps baselines of another kind. The statistical mode is tested on
//! synthetic sweeps drawn here (identical distributions pass, a 5 sigma shift fails, and the
//! false-failure rate on identical distributions matches alpha in a Monte Carlo); the JSON and
//! JUnit outputs are parsed (serde_json, roxmltree).

use std::path::{Path, PathBuf};
use std::process::Output;

use geosim::check::{self, Options, StatOptions, Tolerances};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde_json::{json, Value};

use crate::charts::{report_value, sweep_value};
use crate::common::geosim;

struct Files {
    _dir: tempfile::TempDir,
    baseline: PathBuf,
    dir: PathBuf,
}

fn write(path: &Path, v: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap() + "\n").unwrap();
}

fn setup(v: &Value) -> Files {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    write(&baseline, v);
    Files {
        dir: dir.path().to_path_buf(),
        _dir: dir,
        baseline,
    }
}

/// Writes `v` as the current report and checks it against the baseline.
fn check(f: &Files, v: &Value, extra: &[&str]) -> Output {
    let current = f.dir.join("report.json");
    write(&current, v);
    let mut args = vec![
        "check",
        current.to_str().unwrap(),
        "--baseline",
        f.baseline.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    geosim(&args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn scale(v: &mut Value, pointer: &str, factor: f64) {
    let x = v.pointer_mut(pointer).unwrap();
    *x = Value::from(x.as_f64().unwrap() * factor);
}

const WRITE_P99: &str = "/strategies/1/latency_ms/write/p99";

#[test]
fn a_report_passes_against_itself() {
    let base = report_value();
    let f = setup(&base);
    let o = check(&f, &base, &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("no metric changed"), "{}", stdout(&o));
}

/// A leadership list that returns to a region (a -> b -> a) has one path per entry: the
/// report passes against itself with every metric the same, and a change in the repeated
/// entry is reported on its own path (`a#2`), not on the first entry's.
#[test]
fn a_region_repeated_in_leadership_is_compared_entry_by_entry() {
    let mut base = report_value();
    base["strategies"][0]["leadership"] = json!([
        {"t_s": 0.0, "region": "a", "reason": "start"},
        {"t_s": 20.0, "region": "b", "reason": "failover"},
        {"t_s": 40.0, "region": "a", "reason": "failback"},
    ]);
    let f = setup(&base);
    let rows = |o: &Output| -> Vec<Value> {
        let v: Value = serde_json::from_str(&stdout(o)).unwrap();
        v["rows"].as_array().unwrap().clone()
    };
    let o = check(&f, &base, &["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let all = rows(&o);
    assert!(all.iter().all(|r| r["verdict"] == "same"), "{all:?}");
    let leadership: Vec<&Value> = all
        .iter()
        .filter(|r| r["metric"].as_str().unwrap().starts_with("leadership."))
        .collect();
    let names: Vec<&str> = leadership
        .iter()
        .map(|r| r["metric"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["leadership.a.t_s", "leadership.b.t_s", "leadership.a#2.t_s"]
    );
    let o = check(&f, &base, &[]);
    assert!(stdout(&o).contains("no metric changed"), "{}", stdout(&o));

    let mut later = base.clone();
    later["strategies"][0]["leadership"][2]["t_s"] = json!(45.0);
    let o = check(&f, &later, &["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let changed: Vec<Value> = rows(&o)
        .into_iter()
        .filter(|r| r["verdict"] != "same")
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0]["metric"], "leadership.a#2.t_s");
    assert_eq!(changed[0]["baseline"], 40.0);
    assert_eq!(changed[0]["current"], 45.0);
}

#[test]
fn a_metric_worsened_past_tolerance_fails_and_is_named() {
    let base = report_value();
    let f = setup(&base);
    let mut worse = base.clone();
    scale(&mut worse, WRITE_P99, 1.5);
    let o = check(&f, &worse, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("latency_ms.write.p99"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("WORSE"));
    assert!(
        stderr(&o).contains("mm: latency_ms.write.p99"),
        "{}",
        stderr(&o)
    );

    // Availability is better when higher: a drop regresses.
    let mut less = base.clone();
    let a = less
        .pointer_mut("/strategies/0/availability/overall")
        .unwrap();
    *a = Value::from(a.as_f64().unwrap() - 0.01);
    let o = check(&f, &less, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("ap: availability.overall"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn improvements_and_changes_within_tolerance_pass() {
    let base = report_value();
    let f = setup(&base);
    let mut better = base.clone();
    scale(&mut better, WRITE_P99, 0.5);
    let o = check(&f, &better, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("better"));

    let mut slightly = base.clone();
    scale(&mut slightly, WRITE_P99, 1.03);
    let o = check(&f, &slightly, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("within tolerance"));

    // Counts of events are informational: a change is shown, not gated.
    let mut busier = base.clone();
    scale(&mut busier, "/strategies/0/events", 2.0);
    let o = check(&f, &busier, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("info"));
}

#[test]
fn a_tolerances_file_loosens_or_tightens_a_metric() {
    let base = report_value();
    let f = setup(&base);
    let mut worse = base.clone();
    scale(&mut worse, WRITE_P99, 1.5);
    let loose = f.dir.join("loose.toml");
    std::fs::write(&loose, "\"*.write.p99\" = { rel = 0.6 }\n").unwrap();
    let o = check(&f, &worse, &["--tolerances", loose.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    let bad = f.dir.join("bad.toml");
    std::fs::write(&bad, "\"*.p99\" = { rel = \"lots\" }\n").unwrap();
    let o = check(&f, &worse, &["--tolerances", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("rel"), "{}", stderr(&o));
}

#[test]
fn different_scenarios_seeds_or_bad_files_are_refused() {
    let base = report_value();
    let f = setup(&base);
    let mut other = base.clone();
    other["scenario"]["name"] = Value::from("another");
    let o = check(&f, &other, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("scenario.name"), "{}", stderr(&o));

    let mut reseeded = base.clone();
    reseeded["seed"] = Value::from(8);
    let o = check(&f, &reseeded, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("seed"), "{}", stderr(&o));

    let mut edited = base.clone();
    edited["scenario"]["sha256"] = Value::from("00");
    let mut b = base.clone();
    b["scenario"]["sha256"] = Value::from("11");
    write(&f.baseline, &b);
    let o = check(&f, &edited, &[]);
    assert_eq!(o.status.code(), Some(2));
    write(&f.baseline, &base);

    // A missing baseline, an unparseable report, a sweep against a report.
    let current = f.dir.join("report.json");
    write(&current, &base);
    let missing = f.dir.join("nope.json");
    let o = geosim(&[
        "check",
        current.to_str().unwrap(),
        "--baseline",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::write(&current, "{ not json").unwrap();
    let o = geosim(&[
        "check",
        current.to_str().unwrap(),
        "--baseline",
        f.baseline.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(":1:"),
        "line and column: {}",
        stderr(&o)
    );
    let o = check(&f, &sweep_value(), &[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn update_rewrites_the_baseline() {
    let base = report_value();
    let f = setup(&base);
    let mut worse = base.clone();
    scale(&mut worse, WRITE_P99, 1.5);
    let o = check(&f, &worse, &["--update"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let current = std::fs::read(f.dir.join("report.json")).unwrap();
    assert_eq!(std::fs::read(&f.baseline).unwrap(), current);
    let o = check(&f, &worse, &[]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn sweeps_compare_row_by_row() {
    let base = sweep_value();
    let f = setup(&base);
    let o = check(&f, &base, &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let mut worse = base.clone();
    // The first row is `lww`'s conflict rate at rate 100, keys 1000: 0.1 -> 0.2.
    scale(&mut worse, "/rows/0/mean", 2.0);
    let o = check(&f, &worse, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("lww: consistency.conflict_rate @"),
        "{}",
        stderr(&o)
    );
}

/// The failure message `geosim check` ends with must say why; exit code 1.
fn fails_with(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(o), stderr(o));
    assert!(stderr(o).contains(needle), "{needle}: {}", stderr(o));
}

#[test]
fn nothing_compared_fails() {
    let base = report_value();
    // A baseline with no strategies.
    let mut empty = base.clone();
    empty["strategies"] = json!([]);
    let f = setup(&empty);
    fails_with(&check(&f, &base, &[]), "the baseline has no strategies");
    fails_with(
        &check(&f, &base, &["--allow-removed", "--allow-new"]),
        "nothing compared",
    );
    // A baseline whose strategy names all differ.
    let mut renamed = base.clone();
    for s in renamed["strategies"].as_array_mut().unwrap() {
        let n = s["name"].as_str().unwrap().to_string();
        s["name"] = Value::from(format!("old-{n}"));
    }
    let f = setup(&renamed);
    let o = check(&f, &base, &["--allow-removed", "--allow-new"]);
    fails_with(&o, "nothing compared");
    assert!(stdout(&o).contains("0 metrics compared"), "{}", stdout(&o));
    // A sweep baseline with no rows.
    let mut no_rows = sweep_value();
    no_rows["rows"] = json!([]);
    let f = setup(&no_rows);
    fails_with(&check(&f, &sweep_value(), &[]), "no rows");
}

#[test]
fn a_strategy_missing_on_either_side_fails_unless_allowed() {
    let base = report_value();
    let f = setup(&base);
    let mut fewer = base.clone();
    fewer["strategies"].as_array_mut().unwrap().remove(0);
    fails_with(
        &check(&f, &fewer, &[]),
        "strategy ap is only in the baseline",
    );
    let o = check(&f, &fewer, &["--allow-removed"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("removal allowed"), "{}", stdout(&o));

    let mut more = base.clone();
    let mut extra = more["strategies"][0].clone();
    extra["name"] = Value::from("ap2");
    more["strategies"].as_array_mut().unwrap().push(extra);
    fails_with(&check(&f, &more, &[]), "strategy ap2 is only in the result");
    let o = check(&f, &more, &["--allow-new"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_metric_missing_from_the_result_fails_unless_allowed() {
    let base = report_value();
    let f = setup(&base);
    let mut less = base.clone();
    less["strategies"][1]["latency_ms"]["write"]
        .as_object_mut()
        .unwrap()
        .remove("p99");
    let o = check(&f, &less, &[]);
    fails_with(&o, "missing from the result");
    assert!(
        stderr(&o).contains("mm: latency_ms.write.p99"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("removed"), "{}", stdout(&o));
    let o = check(&f, &less, &["--allow-removed"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // A sweep row missing from the result, or only in it.
    let sweep = sweep_value();
    let f = setup(&sweep);
    let mut fewer = sweep.clone();
    fewer["rows"].as_array_mut().unwrap().remove(0);
    fails_with(&check(&f, &fewer, &[]), "lww: consistency.conflict_rate @");
    assert_eq!(
        check(&f, &fewer, &["--allow-removed"]).status.code(),
        Some(0)
    );
    let f = setup(&fewer);
    fails_with(&check(&f, &sweep, &[]), "only in the result");
    assert_eq!(check(&f, &sweep, &["--allow-new"]).status.code(), Some(0));
}

#[test]
fn update_refuses_a_baseline_of_another_kind() {
    let report = report_value();
    let f = setup(&report);
    let before = std::fs::read(&f.baseline).unwrap();
    let o = check(&f, &sweep_value(), &["--update"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is a report.json baseline"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(&f.baseline).unwrap(), before, "kept");

    // Nor over a file that is not a result at all; a missing baseline is created.
    std::fs::write(&f.baseline, "name = \"a scenario\"\n").unwrap();
    let o = check(&f, &report, &["--update"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    std::fs::remove_file(&f.baseline).unwrap();
    let o = check(&f, &report, &["--update"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(f.baseline.exists());
}

/// `n` draws of N(mean, sd) and their sample mean and standard deviation, computed here.
fn sample(rng: &mut ChaCha8Rng, n: usize, mean: f64, sd: f64) -> (f64, f64) {
    let d = Normal::new(mean, sd).unwrap();
    let xs: Vec<f64> = (0..n).map(|_| d.sample(rng)).collect();
    let m = xs.iter().sum::<f64>() / n as f64;
    let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64;
    (m, var.sqrt())
}

/// A sweep.json of `points` points (parameter `p` = 0, 1, ...), one strategy `s` and one
/// metric, `seeds` replicas per point drawn from N(mean, sd).
fn synthetic_sweep(rng: &mut ChaCha8Rng, points: usize, seeds: usize, mean: f64, sd: f64) -> Value {
    let rows: Vec<Value> = (0..points)
        .map(|p| {
            let (m, s) = sample(rng, seeds, mean, sd);
            json!({"point": p, "parameters": {"p": p}, "strategy": "s",
                   "metric": "latency_ms.read.p99", "n": seeds, "mean": m, "std": s})
        })
        .collect();
    json!({"geosim_version": "0.1.0",
        "sweep": {"path": "synthetic.toml", "sha256": "ab"},
        "base": {"path": null, "sha256": "cd"},
        "seed": 1, "seeds": seeds, "strategies": ["s"],
        "metrics": ["latency_ms.read.p99"], "rows": rows})
}

fn zero_tolerance() -> Tolerances {
    Tolerances::from_toml("\"*\" = { rel = 0, abs = 0 }\n", Path::new("t.toml")).unwrap()
}

#[test]
fn the_statistical_mode_passes_noise_and_fails_a_shift() {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let base = synthetic_sweep(&mut rng, 4, 10, 100.0, 10.0);
    let f = setup(&base);
    let tol = f.dir.join("zero.toml");
    std::fs::write(&tol, "\"*\" = { rel = 0, abs = 0 }\n").unwrap();
    let args = [
        "--stat",
        "--bonferroni",
        "--tolerances",
        tol.to_str().unwrap(),
    ];
    // Other seeds, same distribution: the means differ, the test passes.
    let same = synthetic_sweep(&mut rng, 4, 10, 100.0, 10.0);
    let o = check(&f, &same, &args);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("Welch"), "{}", stdout(&o));
    // The exact mode fails the same files: any move of a mean beyond zero tolerance.
    let o = check(&f, &same, &["--tolerances", tol.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    // Shifted by 5 standard deviations of one run: fails, naming the rows.
    let shifted = synthetic_sweep(&mut rng, 4, 10, 150.0, 10.0);
    let o = check(&f, &shifted, &args);
    fails_with(&o, "s: latency_ms.read.p99 @ p=0");
    // ... and improves when shifted the other way.
    let better = synthetic_sweep(&mut rng, 4, 10, 50.0, 10.0);
    let o = check(&f, &better, &args);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("better"), "{}", stdout(&o));

    // Reports, one seed per point, or a bad alpha: refused.
    let r = report_value();
    let f2 = setup(&r);
    let o = check(&f2, &r, &["--stat"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let mut one = synthetic_sweep(&mut rng, 4, 10, 100.0, 10.0);
    one["seeds"] = Value::from(1);
    let o = check(&f, &one, &["--stat"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("at least 2 seeds"), "{}", stderr(&o));
    let o = check(&f, &same, &["--stat", "--alpha", "0.7"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn the_statistical_false_failure_rate_is_alpha() {
    // Monte Carlo: 4000 independent points, 5 replicas a side, identical N(50, 7) on both
    // sides; each point is one trial of the one-sided test at alpha. The failing fraction is
    // Binomial(4000, alpha) / 4000: within 4 standard deviations of alpha.
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let trials = 4000;
    let tol = zero_tolerance();
    for alpha in [0.05, 0.01] {
        let base = synthetic_sweep(&mut rng, trials, 5, 50.0, 7.0);
        let cur = synthetic_sweep(&mut rng, trials, 5, 50.0, 7.0);
        let options = Options {
            stat: Some(StatOptions {
                alpha,
                bonferroni: false,
            }),
            ..Options::default()
        };
        let cmp = check::compare(&cur, &base, &tol, &options).unwrap();
        assert_eq!(cmp.rows.iter().filter(|r| r.stat.is_some()).count(), trials);
        let rate = cmp.regressions().len() as f64 / trials as f64;
        let sd = (alpha * (1.0 - alpha) / trials as f64).sqrt();
        assert!(
            (rate - alpha).abs() < 4.0 * sd,
            "false-failure rate {rate} vs alpha {alpha} (sd {sd})"
        );
        // With Bonferroni the whole check fails falsely with probability <= alpha: here,
        // one check of 4000 rows, it passes.
        let options = Options {
            stat: Some(StatOptions {
                alpha,
                bonferroni: true,
            }),
            ..Options::default()
        };
        let cmp = check::compare(&cur, &base, &tol, &options).unwrap();
        assert!(cmp.gate().is_none(), "{:?}", cmp.failures());
    }
    // Power: a shift of 5 standard deviations of one run fails every one of 200 points.
    let base = synthetic_sweep(&mut rng, 200, 5, 50.0, 7.0);
    let cur = synthetic_sweep(&mut rng, 200, 5, 85.0, 7.0);
    let options = Options {
        stat: Some(StatOptions {
            alpha: 0.05,
            bonferroni: false,
        }),
        ..Options::default()
    };
    let cmp = check::compare(&cur, &base, &tol, &options).unwrap();
    assert_eq!(cmp.regressions().len(), 200);
}

#[test]
fn json_output_parses_and_says_why() {
    let base = report_value();
    let f = setup(&base);
    let o = check(&f, &base, &["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["format"], "geosim-check/1");
    assert_eq!(v["ok"], true);
    assert_eq!(v["mode"], "exact");
    assert!(v["compared"].as_u64().unwrap() > 100);
    assert_eq!(v["counts"]["same"], v["compared"]);
    assert_eq!(
        v["rows"].as_array().unwrap().len() as u64,
        v["compared"].as_u64().unwrap()
    );

    let mut worse = base.clone();
    scale(&mut worse, WRITE_P99, 1.5);
    let o = check(&f, &worse, &["--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["exit_code"], 1);
    assert_eq!(v["counts"]["worse"], 1);
    let row = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["verdict"] == "worse")
        .unwrap();
    assert_eq!(row["strategy"], "mm");
    assert_eq!(row["metric"], "latency_ms.write.p99");
    assert_eq!(row["rule"]["direction"], "lower");
    let b = row["baseline"].as_f64().unwrap();
    assert!((row["current"].as_f64().unwrap() - 1.5 * b).abs() < 1e-9);
    assert!(v["failures"][0]
        .as_str()
        .unwrap()
        .contains("mm: latency_ms.write.p99"));

    // A check that cannot run still answers in JSON, exit code 2.
    let o = check(&f, &sweep_value(), &["--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["exit_code"], 2);
    assert!(v["error"].as_str().unwrap().contains("not comparable"));

    // The statistical mode carries the test's figures.
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let sb = synthetic_sweep(&mut rng, 2, 6, 10.0, 1.0);
    let sc = synthetic_sweep(&mut rng, 2, 6, 20.0, 1.0);
    let f = setup(&sb);
    let o = check(&f, &sc, &["--stat", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["mode"], "statistical");
    let stat = &v["rows"][0]["stat"];
    assert_eq!(stat["n_baseline"], 6);
    assert!(stat["p"].as_f64().unwrap() < 0.001);
    assert!(stat["ci_low"].as_f64().unwrap() > 0.0);
}

#[test]
fn junit_output_parses_with_a_failure_per_regression() {
    let base = report_value();
    let f = setup(&base);
    let mut worse = base.clone();
    scale(&mut worse, WRITE_P99, 1.5);
    // A strategy name with markup and a control character must not break the XML.
    worse["strategies"][0]["name"] = Value::from("a<b>&\"\u{1b}");
    let mut b2 = base.clone();
    b2["strategies"][0]["name"] = Value::from("a<b>&\"\u{1b}");
    write(&f.baseline, &b2);
    let o = check(&f, &worse, &["--format", "junit"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = stdout(&o);
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(
        suite.attribute("tests").unwrap().parse::<usize>().unwrap(),
        cases.len()
    );
    assert_eq!(suite.attribute("failures"), Some("1"));
    let failed: Vec<_> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].attribute("classname"), Some("geosim.check.mm"));
    assert_eq!(failed[0].attribute("name"), Some("latency_ms.write.p99"));
    assert!(cases
        .iter()
        .any(|c| c.attribute("classname") == Some("geosim.check.a<b>&\"\\u{1b}")));

    // An incomplete comparison fails the `comparison` test case; an error is an <error>.
    let mut fewer = base.clone();
    fewer["strategies"].as_array_mut().unwrap().remove(0);
    write(&f.baseline, &base);
    let o = check(&f, &fewer, &["--format", "junit"]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    let doc = roxmltree::Document::parse(&text).unwrap();
    let comparison = doc
        .descendants()
        .find(|n| n.attribute("name") == Some("comparison"))
        .unwrap();
    let failure = comparison
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert!(failure
        .attribute("message")
        .unwrap()
        .contains("strategy ap"));
    let o = check(&f, &sweep_value(), &["--format", "junit"]);
    assert_eq!(o.status.code(), Some(2));
    let text = stdout(&o);
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert!(doc.descendants().any(|n| n.has_tag_name("error")));
}

#[test]
fn control_characters_in_names_never_reach_the_terminal_raw() {
    let base = report_value();
    let mut evil = base.clone();
    evil["strategies"][0]["name"] = Value::from("evil\u{1b}[2J\u{7}");
    let f = setup(&evil);
    let o = check(&f, &base, &["--allow-new"]);
    fails_with(&o, "strategy evil\\u{1b}[2J\\u{7} is only in the baseline");
    for text in [stdout(&o), stderr(&o)] {
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
    }
}
