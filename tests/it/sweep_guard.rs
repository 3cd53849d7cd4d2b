//! Sweeps refused before their first run (issue 13, item 11): outputs that cannot be written
//! (exit 2 at once, nothing run), a grid too large to allocate (bounded before anything sized by
//! it exists, overflow-safe), a point whose run would exceed the event limit (named, `--force`
//! to override); `geosim validate` of sweep files and `geosim sweep --dry-run`.

use std::path::Path;

use crate::common::{geosim, root};
use crate::hostile::{limited, BASE, QUICK};

/// A sweep of the hostile base (two regions, 100 ops/s for 10 s) over the rate; `extra` is
/// appended to the top level (before `[scenario]`).
fn sweep_text(rates: &str, extra: &str) -> String {
    let base: String = BASE
        .lines()
        .map(|l| {
            if let Some(t) = l.strip_prefix("[[") {
                format!("[[scenario.{t}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        "seeds = 2\nmetrics = [\"latency_ms.read.p50\"]\n{extra}\n[[parameters]]\npath = \
         \"workload.clients[0].rate_rps\"\nvalues = {rates}\n\n[scenario]\n{base}\n"
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn unwritable_outputs_are_refused_before_the_first_run() {
    let d = tempfile::tempdir().unwrap();
    let file = write(d.path(), "s.toml", &sweep_text("[50, 100]", ""));
    let regular = write(d.path(), "taken", "x");
    let busy = d.path().join("busy");
    std::fs::create_dir_all(busy.join("sweep.csv")).unwrap();
    std::fs::create_dir_all(busy.join("shard-1-of-2.json")).unwrap();
    let under = format!("{regular}/sub");
    let busy = busy.to_str().unwrap();
    let cases: [(Vec<&str>, &str); 4] = [
        (vec!["--out", &regular], "taken: is not a directory"),
        (vec!["--out", &under], "taken: is not a directory"),
        (
            vec!["--out", busy],
            "sweep.csv: exists and is not a regular file",
        ),
        (
            vec!["--out", busy, "--shard", "1/2"],
            "shard-1-of-2.json: exists and is not a regular file",
        ),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["sweep", file.as_str()];
        args.extend(extra);
        let (o, took) = limited(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(took < QUICK, "{took:?}");
        assert!(err.contains(needle), "lacks `{needle}`: {err}");
        // The header line comes before the first run: it was never printed.
        assert!(!err.contains("runs,") && !err.contains("sweep:"), "{err}");
    }
    // The regular file is untouched.
    assert_eq!(std::fs::read_to_string(&regular).unwrap(), "x");
}

#[test]
fn grids_are_bounded_before_they_are_allocated() {
    let d = tempfile::tempdir().unwrap();
    let axis = |path: &str| {
        format!(
            "[[parameters]]\npath = \"{path}\"\nrange = {{ start = 1, stop = 2, num = 100000 }}\n"
        )
    };
    // 1e5 x 1e5 = 1e10 points; five axes overflow a u64 (1e25).
    let two = axis("duration_s") + &axis("drain_s");
    let five = two.clone() + &axis("start_utc_h") + &axis("seed_x") + &axis("seed_y");
    for (name, axes, needle) in [
        (
            "two.toml",
            two,
            "100000 x 100000 x 1 points; the limit is 10000",
        ),
        ("five.toml", five, "the limit is 10000"),
    ] {
        let file = write(d.path(), name, &sweep_text("[50]", &axes));
        let out = d.path().join("out");
        let out = out.to_str().unwrap();
        for args in [vec!["sweep", &file, "--out", out], vec!["validate", &file]] {
            let (o, took) = limited(&args);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
            assert!(took < QUICK, "{took:?}");
            assert!(err.contains("parameters: the grid has"), "{err}");
            assert!(err.contains(needle), "{err}");
        }
    }
    // Points x seeds is bounded too.
    let seeds = sweep_text("[50, 100]", "").replace("seeds = 2", "seeds = 4294967295");
    let file = write(d.path(), "seeds.toml", &seeds);
    let (o, took) = limited(&["validate", &file]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(took < QUICK);
    assert!(
        err.contains("seeds: 2 points x 4294967295 seeds is more than 1000000 runs"),
        "{err}"
    );
}

#[test]
fn a_point_beyond_the_event_limit_is_named_and_needs_force() {
    let d = tempfile::tempdir().unwrap();
    // Point 1: 1e6 ops/s for 1e4 s, about 5e10 events; point 0 is small.
    let text = sweep_text("[100, 1000000]", "").replace("duration_s = 10", "duration_s = 10000");
    let file = write(d.path(), "big.toml", &text);
    let out = d.path().join("out");
    let (o, took) = limited(&["sweep", &file, "--out", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(took < QUICK, "{took:?}");
    for n in [
        "big.toml",
        "grid point 1 (workload.clients[0].rate_rps = 1000000)",
        "workload.clients[0].rate_rps: the run would take about 5.0e10 events",
        "--force",
    ] {
        assert!(err.contains(n), "lacks `{n}`: {err}");
    }
    assert!(!err.contains("grid point 0"), "{err}");
    assert!(!out.exists());
    // The dry run shows which point is over; validate accepts the file and warns.
    let o = geosim(&["sweep", &file, "--dry-run"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    let lines: Vec<&str> = text.lines().collect();
    assert!(!lines[0].contains("over the limit"), "{text}");
    assert!(
        lines[1].contains("over the limit (workload.clients[0].rate_rps; --force)"),
        "{text}"
    );
    let o = geosim(&["validate", &file]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("warning:"));
}

#[test]
fn validate_accepts_every_shipped_sweep_and_names_a_bad_override() {
    let dir = root().join("scenarios/sweeps");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "toml" || e == "json") {
            let o = geosim(&["validate", p.to_str().unwrap()]);
            let text = String::from_utf8_lossy(&o.stdout);
            assert!(
                o.status.success(),
                "{}: {}",
                p.display(),
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(text.contains(": ok (sweep: "), "{text}");
            seen += 1;
        }
    }
    assert!(seen >= 3, "{seen}");
    let d = tempfile::tempdir().unwrap();
    let bad = sweep_text("[50]", "").replace(
        "workload.clients[0].rate_rps",
        "workload.clients[0].rate_rsp",
    );
    let file = write(d.path(), "bad.toml", &bad);
    let o = geosim(&["validate", &file]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("parameters[0].path") && err.contains("rate_rsp"),
        "{err}"
    );
    let o = geosim(&["validate", &file, "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["kind"], "sweep");
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["problems"][0]["field"], "parameters[0].path");
    // An out-of-bound value at a point is named by its parameter value.
    let file = write(d.path(), "neg.toml", &sweep_text("[50, -1]", ""));
    let o = geosim(&["validate", &file]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("parameters[0].values[1]"), "{err}");
}

#[test]
fn dry_run_lists_every_point_and_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let file = write(d.path(), "s.toml", &sweep_text("[50, 100, 200]", ""));
    let out = d.path().join("out");
    let o = geosim(&["sweep", &file, "--dry-run", "--out", out.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let points: Vec<&str> = text.lines().filter(|l| l.starts_with("point ")).collect();
    assert_eq!(points.len(), 3, "{text}");
    for (k, rate) in ["50", "100", "200"].iter().enumerate() {
        assert!(
            points[k].contains(&format!("workload.clients[0].rate_rps = {rate}")),
            "{text}"
        );
    }
    // 50 ops/s for 10 s, half writes, two regions: 500 x (4 + 1) = 2500 events.
    assert!(points[0].contains("~2.5e3 events/run"), "{text}");
    assert!(
        text.contains("3 points x 2 seeds = 6 runs (dry run"),
        "{text}"
    );
    assert!(!out.exists());
}
