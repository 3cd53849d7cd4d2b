//! Hostile input: sizes, rates and files that used to crash geosim or make it allocate
//! without bound (issue 13, items 1-6). Each case must exit 2 within seconds, name the file and
//! the field, write nothing, and do so under a 1 GiB address-space limit (the binary runs
//! under `ulimit -v`), so a case that allocates by the input fails instead of passing slowly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::common::root;

/// Address-space limit for the binary, KiB (1 GiB).
pub(crate) const AS_LIMIT_KIB: u64 = 1 << 20;
/// Longest a refusal may take.
pub(crate) const QUICK: Duration = Duration::from_secs(10);

/// The valid scenario the cases bend: two regions, one client group, one strategy.
pub(crate) const BASE: &str = r#"duration_s = 10
[[regions]]
name = "a"
lat = 10.0
lon = 20.0
[[regions]]
name = "b"
lat = -10.0
lon = 40.0
[[workload.clients]]
region = "a"
rate_rps = 100
read_fraction = 0.5
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "a"
"#;

/// Runs the geosim binary with `args` under the address-space limit; returns its output and
/// wall time.
pub(crate) fn limited(args: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {AS_LIMIT_KIB} && exec \"$@\""))
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_geosim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("sh runs");
    (out, started.elapsed())
}

/// `run` on `text` (written to a file `name`) exits 2 at once within the memory limit,
/// writing nothing; returns its stderr (`validate` may accept such a file: over the event
/// limit, or anything else only a run can refuse).
pub(crate) fn refused_run(name: &str, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    let (o, took) = limited(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(took < QUICK, "{took:?}");
    assert!(!out.exists());
    err
}

/// `validate` and `run` on `file` both exit 2 quickly, within the memory limit, naming the
/// file and every needle; `run` writes nothing. Returns `validate`'s stderr.
fn refused_file(file: &Path, needles: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let f = file.to_str().unwrap();
    let mut first = None;
    for args in [
        vec!["validate", f],
        vec!["run", f, "--out", out.to_str().unwrap()],
    ] {
        let (o, took) = limited(&args);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(took < QUICK, "{args:?} took {took:?}");
        let name = file.file_name().unwrap().to_str().unwrap();
        assert!(err.contains(name), "message does not name the file: {err}");
        for n in needles {
            assert!(err.contains(n), "message lacks `{n}`: {err}");
        }
        assert!(!err.contains("panicked"), "{err}");
        first.get_or_insert(err);
    }
    assert!(!out.exists(), "output written for bad input");
    first.unwrap_or_default()
}

/// Writes `text` as `name` in a fresh directory and checks it is refused; returns
/// `validate`'s stderr.
fn refused(name: &str, text: &str, needles: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, text).unwrap();
    refused_file(&file, needles)
}

pub(crate) fn with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "BASE lacks {from}");
    BASE.replacen(from, to, 1)
}

#[test]
fn the_base_is_valid_under_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("base.toml");
    std::fs::write(&file, BASE).unwrap();
    let (o, _) = limited(&["validate", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("(2 regions, 1 client group, 1 strategy)"),
        "{text}"
    );
}

#[test]
fn a_huge_key_space_is_refused_before_anything_is_allocated() {
    for keys in ["10000000000", "1000000000", "2305843009213693952"] {
        refused(
            "keys.toml",
            &with("read_fraction = 0.5", &format!("keys = {keys}")),
            &["workload.clients[0].keys", "must not exceed 10000000"],
        );
    }
    // With data classes, the class of every key was a per-key vector too.
    let classes = with(
        "read_fraction = 0.5",
        "keys = 10000000000\ndata_class = \"eu\"",
    ) + "[[data_classes]]\nname = \"eu\"\nallowed_regions = [\"a\"]\n";
    refused(
        "classes.toml",
        &classes,
        &["workload.clients[0].keys", "must not exceed"],
    );
}

#[test]
fn a_key_offset_near_the_top_of_u64_is_refused_without_overflow() {
    refused(
        "offset.toml",
        &with(
            "read_fraction = 0.5",
            "key_offset = 4611686018427387904\nkeys = 4611686018427387904",
        ),
        &["workload.clients[0].key_offset", "must not exceed"],
    );
    refused(
        "offset-max.toml",
        &with(
            "read_fraction = 0.5",
            "key_offset = 18446744073709551615\nkeys = 18446744073709551615",
        ),
        &["workload.clients[0].key_offset"],
    );
}

#[test]
fn strategy_names_are_short_and_printable() {
    let long = "x".repeat(65_536);
    refused(
        "long-name.toml",
        &with("name = \"ap\"", &format!("name = \"{long}\"")),
        &["strategies[0].name", "at most 128 characters, got 65536"],
    );
    refused(
        "bell.toml",
        &with("name = \"ap\"", "name = \"a\\u0007p\""),
        &["strategies[0].name", "control characters"],
    );
    refused(
        "region-name.toml",
        &BASE.replace("\"b\"", &format!("\"{}\"", "b".repeat(200))),
        &["regions[1].name", "at most 128 characters"],
    );
}

#[test]
fn too_many_regions_are_counted_before_anything_is_built() {
    for n in [10_000, 40_000] {
        let mut text = BASE.to_string();
        for i in 0..n {
            text.push_str(&format!(
                "[[regions]]\nname = \"r{i}\"\nlat = 0.0\nlon = {}\n",
                (i % 360) as f64 - 180.0
            ));
        }
        refused(
            "regions.toml",
            &text,
            &[
                "regions",
                &format!("at most 64 regions are supported, got {}", n + 2),
            ],
        );
    }
}

#[test]
fn rates_and_periods_beyond_physical_bounds_are_refused() {
    let cases: [(&str, &str, &[&str]); 5] = [
        (
            "[random_faults]\nregion_mtbf_s = 1e-6\nregion_mttr_s = 1e-6\n",
            "",
            &[
                "random_faults.region_mtbf_s: must be at least 1",
                "random_faults.region_mttr_s: must be at least 0.001",
            ],
        ),
        (
            "[detection]\nheartbeat_ms = 1e-6\n",
            "",
            &["detection.heartbeat_ms: must be in [1, 86400000]"],
        ),
        (
            "[clients]\ntimeout_ms = 1e-6\nretries = 4294967295\n",
            "",
            &[
                "clients.timeout_ms: must be in [0.001, 86400000]",
                "clients.retries: must be at most 100, got 4294967295",
            ],
        ),
        (
            "",
            "rate_rps = 2e8",
            &["workload.clients[0].rate_rps: must be at most 1000000, got 200000000"],
        ),
        (
            "[[faults]]\nkind = \"link-degradation\"\nfrom = \"a\"\nto = \"b\"\nretransmit_ms = 1e-9\nstart_s = 0\n",
            "",
            &["faults[0].retransmit_ms: must be in [0.001, 86400000]"],
        ),
    ];
    for (i, (extra, rate, needles)) in cases.iter().enumerate() {
        let text = if rate.is_empty() {
            format!("{BASE}{extra}")
        } else {
            with("rate_rps = 100", rate)
        };
        refused(&format!("bounds-{i}.toml"), &text, needles);
    }
    refused(
        "duration.toml",
        &with("duration_s = 10", "duration_s = 1e12"),
        &["duration_s: must be at most 31536000"],
    );
}

#[test]
fn a_run_estimated_beyond_the_event_limit_needs_force() {
    // 1e6 operations per second for 1e4 s: 1e10 operations, beyond 1e9 events.
    let text = with("duration_s = 10", "duration_s = 10000").replacen(
        "rate_rps = 100",
        "rate_rps = 1000000",
        1,
    );
    let err = refused_run("big.toml", &text);
    for n in [
        "big.toml",
        "workload.clients[0].rate_rps",
        "would take about 5.0e10 events",
        "--force",
    ] {
        assert!(err.contains(n), "message lacks `{n}`: {err}");
    }
    // `validate` accepts the file (every value is within bounds) and warns.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.toml");
    std::fs::write(&file, &text).unwrap();
    let (o, _) = limited(&["validate", file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("warning:") && err.contains("--force"), "{err}");
}

#[test]
fn the_event_estimate_matches_a_hand_count() {
    use geosim::scenario::{self, budget, Format};
    // 100 ops/s for 10 s, half writes, two regions: per op 4 events, per write one message
    // to the other region and one back: 1000 x (4 + 2 x 1 x 0.5) = 5000.
    let sc = scenario::from_str(BASE, Format::Toml, Path::new("b.toml")).unwrap();
    let e = budget::estimate(&sc, 1);
    assert_eq!(e.events, 5000.0);
    assert_eq!(e.field, "workload.clients[0].rate_rps");
    assert_eq!(budget::estimate(&sc, 3).events, 15000.0);
    // A listed fault turns the detector on: heartbeats every 1000 ms over 10 s + 60 s drain,
    // one message each way per ordered pair (2 x 2 x 1 x 70 = 280), plus the fault's start
    // and end (2).
    let faulty = format!(
        "{BASE}[[faults]]\nkind = \"region-outage\"\nregion = \"b\"\nstart_s = 1\nduration_s = 1\n"
    );
    let sc = scenario::from_str(&faulty, Format::Toml, Path::new("f.toml")).unwrap();
    assert_eq!(budget::estimate(&sc, 1).events, 5000.0 + 280.0 + 2.0);
}

/// A path under a fresh directory, kept alive by the returned guard.
fn temp_path(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    (dir, p)
}

#[cfg(unix)]
#[test]
fn a_device_or_fifo_is_not_read() {
    let (_d, zero) = temp_path("zero.toml");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    refused_file(&zero, &["cannot read", "not a regular file"]);
    let (_d, fifo) = temp_path("fifo.toml");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        refused_file(&fifo, &["cannot read", "not a regular file"]);
        // A sweep file and a sweep's `base` are read the same way.
        let (o, took) = limited(&["sweep", fifo.to_str().unwrap(), "--quiet"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(took < QUICK);
        let (_d, sweep) = temp_path("sweep.toml");
        std::fs::write(
            &sweep,
            format!(
                "metrics = [\"latency_ms.read.p50\"]\nbase = \"{}\"\n",
                zero.display()
            ),
        )
        .unwrap();
        let (o, took) = limited(&["sweep", sweep.to_str().unwrap(), "--quiet"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(took < QUICK);
        assert!(
            err.contains("zero.toml") && err.contains("not a regular file"),
            "{err}"
        );
    } else {
        eprintln!("skipped the FIFO case: mkfifo not available");
    }
}

#[test]
fn an_oversized_file_is_refused() {
    let (_d, big) = temp_path("big.toml");
    let mut text = BASE.to_string();
    text.push_str(&format!("description = \"{}\"\n", "x".repeat(17 << 20)));
    std::fs::write(&big, text).unwrap();
    refused_file(&big, &["cannot read", "the limit is 16777216 bytes"]);
}

#[test]
fn a_table_cell_wider_than_65535_characters_is_padded_not_a_panic() {
    // A report.json edited by hand (names are bounded at validation) reaches `check --all`.
    let long = "x".repeat(70_000);
    let rows = vec![
        vec!["name".to_string(), "value".to_string()],
        vec![long.clone(), "1".to_string()],
    ];
    let text = geosim::report::render(&rows);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0].chars().count(), 70_000 + 2 + 5);
    assert_eq!(lines[0], format!("name{}  value", " ".repeat(70_000 - 4)));
    assert_eq!(lines[2], format!("{long}      1"));
}

#[test]
fn a_huge_duration_with_a_fault_is_refused_without_overflow() {
    // Found by the fuzzer (debug assertions on): `duration_s + drain_s` in nanoseconds
    // overflowed while checking that a listed fault starts within the run.
    use geosim::scenario::{self, Format};
    let text = with("duration_s = 10", "duration_s = 1e300\ndrain_s = 1e300")
        + "[[faults]]\nkind = \"region-outage\"\nregion = \"b\"\nstart_s = 1\nduration_s = 1\n";
    let err = scenario::from_str(&text, Format::Toml, Path::new("huge.toml")).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("duration_s: must be at most 31536000"),
        "{msg}"
    );
    assert!(msg.contains("drain_s: must be at most 31536000"), "{msg}");
}

#[test]
fn more_than_1000_linearizability_keys_are_refused() {
    let text = format!("{BASE}[consistency]\nlinearizability_keys = 1001\n");
    refused(
        "lin.toml",
        &text,
        &["consistency.linearizability_keys", "at most 1000, got 1001"],
    );
    // The bound itself is accepted.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lin.toml");
    std::fs::write(&file, text.replace("1001", "1000")).unwrap();
    let (o, _) = limited(&["validate", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Every region holds a copy of every key: key space x regions is bounded (6.4e7 copies), not
/// the square of the regions (version vectors are sparse). 64 regions x 2,000,000 keys is
/// refused; 64 regions x 200,000 keys (refused by the old regions-squared bound: 8.2e8 > 4e8)
/// validates, within the memory limit.
#[test]
fn the_key_space_is_bounded_by_copies_not_by_regions_squared() {
    let mut regions = BASE.to_string();
    for i in 0..62 {
        regions.push_str(&format!(
            "[[regions]]\nname = \"r{i}\"\nlat = 0.0\nlon = {}\n",
            (i * 5) as f64 - 170.0
        ));
    }
    refused(
        "copies.toml",
        &regions.replacen(
            "read_fraction = 0.5",
            "read_fraction = 0.5\nkeys = 2000000",
            1,
        ),
        &[
            "workload.clients",
            "key space 2000000 x 64 regions is too large",
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copies.toml");
    std::fs::write(
        &file,
        regions.replacen(
            "read_fraction = 0.5",
            "read_fraction = 0.5\nkeys = 200000",
            1,
        ),
    )
    .unwrap();
    let (o, _) = limited(&["validate", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// A reader that goes away (`geosim run ... | head -1`, stdout and stderr both piped) is not
/// an error: the run still writes its whole report and exits 0 (it used to panic, exit 101);
/// a failing stdout of another kind (a full device) exits 1 with a message.
#[test]
fn a_closed_pipe_is_not_a_panic_and_a_full_device_exits_1() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_geosim"))
        .args([
            "run",
            "scenarios/aws-8-regions.toml",
            "--no-charts",
            "--out",
        ])
        .arg(&out)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert!(first.starts_with("aws-8-regions"), "{first}");
    assert_eq!(status.code(), Some(0));
    let report = std::fs::read_to_string(out.join("report.json")).unwrap();
    assert!(report.contains("\"strategies\""));
    if std::path::Path::new("/dev/full").exists() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_geosim"))
            .args(["regions"])
            .current_dir(root())
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&o.stderr).contains("cannot write to standard output"));
    }
}

#[test]
fn breaker_windows_losses_and_periods_without_bound_are_refused() {
    // A breaker keeps a bit per call of its window, one per (client, serving) region pair:
    // 2^32 calls took gigabytes. A loss near 1 is drawn one retransmission at a time, without
    // bound. Periods and latencies have the bounds of timeouts (a day) or of a run (a year),
    // and a value too large to print as written is shown in scientific notation.
    let outage =
        "[[faults]]\nkind = \"region-outage\"\nregion = \"b\"\nstart_s = 1\nduration_s = 1\n";
    let cases: [(String, &[&str]); 5] = [
        (
            with(
                "name = \"ap\"",
                "name = \"ap\"\ncircuit_breaker = { window_calls = 4294967295, half_open_calls = 4294967295 }",
            ) + outage,
            &[
                "strategies[0].circuit_breaker.window_calls: must be at most 10000, got 4294967295",
                "strategies[0].circuit_breaker.half_open_calls: must be at most 10000",
            ],
        ),
        (
            format!("{BASE}[[faults]]\nkind = \"link-degradation\"\nfrom = \"a\"\nto = \"b\"\nloss = 0.9999999999\nstart_s = 0\n"),
            &["faults[0].loss: must be at most 0.99"],
        ),
        (
            with("name = \"ap\"", "name = \"ap\"\npromotion_delay_s = 1e300") + outage,
            &["strategies[0].promotion_delay_s: must be at most 31536000, got 1e300"],
        ),
        (
            with("lon = 20.0", "lon = 20.0\nintra_ms = 1e300"),
            &["regions[0].intra_ms: must be at most 86400000, got 1e300"],
        ),
        (
            with("duration_s = 10", "duration_s = 1e300"),
            &["duration_s: must be at most 31536000, got 1e300"],
        ),
    ];
    for (i, (text, needles)) in cases.iter().enumerate() {
        refused(&format!("unbounded-{i}.toml"), text, needles);
    }
}

/// Words of the parser's types that a message must not show.
const INTERNAL: [&str; 8] = [
    "i128",
    "u64",
    "u32",
    "usize",
    "Spec",
    "struct",
    "sequence",
    "JSON number",
];

/// Parse errors say what the field accepts in plain words, at the file, line:column and field
/// path: a whole number's real range (the bounds the schema declares within its type's, with
/// the maximum when the value is beyond it), a duplicate key by its name, a table as a table;
/// never a type of the parser (`i128`, `NetworkSpec`).
#[test]
fn parse_errors_state_the_real_bound_and_name_no_internal_type() {
    let huge = "9".repeat(45);
    let cases: Vec<(&str, String, String)> = vec![
        (
            "bigseed.toml",
            format!("seed = 99999999999999999999\n{BASE}"),
            "bigseed.toml:1:8: seed: `99999999999999999999` is out of range: expected a whole number from 0 to 18446744073709551615".into(),
        ),
        (
            "hugeseed.toml",
            format!("seed = {huge}\n{BASE}"),
            format!("hugeseed.toml:1:8: seed: `{huge}` is out of range: expected a whole number from 0 to 18446744073709551615"),
        ),
        (
            "neg.toml",
            with("read_fraction = 0.5", "read_fraction = 0.5\nkeys = -5"),
            "neg.toml:14:8: workload.clients[0].keys: `-5` is out of range: expected a whole number from 1 to 10000000".into(),
        ),
        (
            "float.toml",
            with("read_fraction = 0.5", "read_fraction = 0.5\nkeys = 1.5"),
            "float.toml:14:8: workload.clients[0].keys: invalid type: floating point `1.5`, expected a whole number from 1 to 10000000".into(),
        ),
        (
            "syncq.toml",
            with("primary = \"a\"", "primary = \"a\"\nreplication = \"sync\"\nsync_quorum = { any = \"1\", of = [\"b\"] }"),
            "syncq.toml:19:1: strategies[0].sync_quorum.any: invalid type: string \"1\", expected a whole number >= 1".into(),
        ),
        (
            "quorum.toml",
            format!("{BASE}[[strategies]]\nkind = \"quorum\"\nname = \"q\"\nn = 99999999999999999999\n"),
            "quorum.toml:21:5: strategies[1].n: `99999999999999999999` is out of range: expected a whole number from 1 to 18446744073709551615".into(),
        ),
        (
            "dup.toml",
            with("duration_s = 10", "duration_s = 10\nduration_s = 20"),
            "dup.toml:2:1: syntax error: duplicate key `duration_s`".into(),
        ),
        (
            "dup-in-strategy.toml",
            with("primary = \"a\"", "primary = \"a\"\n\"primary\" = \"b\""),
            "dup-in-strategy.toml:18:1: syntax error: duplicate key `primary`".into(),
        ),
        (
            "table.toml",
            format!("network = \"constant\"\n{BASE}"),
            "table.toml:1:11: network: invalid type: string \"constant\", expected a table".into(),
        ),
        (
            "forms.toml",
            format!("{BASE}[[strategies]]\nkind = \"quorum\"\nname = \"q\"\nreplicas_per_region = \"x\"\n"),
            "forms.toml:21:1: strategies[1].replicas_per_region: invalid value: expected a whole number >= 0 or a table".into(),
        ),
    ];
    for (name, text, needle) in &cases {
        let err = refused(name, text, &[needle]);
        for word in INTERNAL {
            assert!(!err.contains(word), "{name}: `{word}` in {err}");
        }
    }
    // JSON reads an integer beyond 64 bits as a float: still out of range, with the maximum.
    let json = r#"{"duration_s": 10, "seed": 99999999999999999999, "regions": [{"name": "a", "lat": 1, "lon": 2}],
        "workload": {"clients": [{"region": "a", "rate_rps": 1}]},
        "strategies": [{"kind": "active-passive", "name": "ap", "primary": "a"}]}"#;
    let err = refused(
        "big.json",
        json,
        &["big.json:1:47: seed: `1e+20` is out of range: expected a whole number from 0 to 18446744073709551615"],
    );
    assert!(!err.contains("floating point"), "{err}");
    // A sweep states its own fields' bounds: `seeds = 0` and `seeds = -1` both say at least 1.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("base.toml"), BASE).unwrap();
    let sweep = dir.path().join("seeds.toml");
    std::fs::write(
        &sweep,
        "base = \"base.toml\"\nseeds = -1\nmetrics = [\"latency_ms.read.p99\"]\n",
    )
    .unwrap();
    let (o, _) = limited(&["sweep", sweep.to_str().unwrap(), "--dry-run"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("seeds.toml:2:9: seeds: `-1` is out of range: expected a whole number >= 1"),
        "{err}"
    );
}
