//! `geosim check`: a report passes against itself, fails (exit 1, naming the metric) when one
//! metric is worsened past its tolerance, passes when it improves or moves within tolerance,
//! and is refused (exit 2) against a baseline of another scenario or seed or a bad file.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

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
