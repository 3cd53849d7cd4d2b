//! The event estimate (`src/scenario/budget.rs`) and the refusal built on it: every source of
//! events it counts (open-loop groups, closed-loop sessions, travelling users, probe reads,
//! retries forced by a timeout below the access round trip, heartbeats, faults), the advice
//! (which way to move each setting), the refusal's line and column (of a sweep point too:
//! where the point gets the setting), and `validate`'s report of a valid file too large to
//! run without --force. The cases beyond the open-loop rate started silently before the
//! estimate counted them.

use std::path::Path;

use geosim::scenario::{self, budget, Format};
use serde_json::Value;

use crate::hostile::{limited, refused_run, with, BASE};

fn estimate(text: &str) -> budget::Estimate {
    let sc = scenario::from_str(text, Format::Toml, Path::new("b.toml")).unwrap();
    budget::estimate(&sc, 1)
}

/// 20,000 operations per second for an hour, half writes: 7.2e7 operations, 3.6e8 events,
/// within the limit on their own.
fn hour() -> String {
    with("duration_s = 10", "duration_s = 3600").replacen("rate_rps = 100", "rate_rps = 20000", 1)
}

#[test]
fn closed_loop_sessions_count_by_think_time_and_round_trip() {
    // 10 sessions, a 98 ms think time and a 1 ms access leg each way: one operation per
    // 100 ms each, 1000 over 10 s, whatever rate_rps says: 1000 x (4 + 2 x 0.5) = 5000.
    let text = with("lon = 20.0", "lon = 20.0\nintra_ms = 1").replacen(
        "read_fraction = 0.5",
        "read_fraction = 0.5\nsessions = 10\nthink_time_ms = 98",
        1,
    );
    let e = estimate(&text);
    assert!((e.events - 5000.0).abs() < 1e-6, "{e:?}");
    assert_eq!(e.field, "workload.clients[0].sessions");
    // 100,000 sessions without think time for an hour: about 1.2e11 operations (a rate of
    // 100 ops/s before).
    let text = hour().replacen(
        "read_fraction = 0.5",
        "read_fraction = 0.5\nsessions = 100000\nthink_time_ms = 0",
        1,
    );
    let err = refused_run("sessions.toml", &text);
    assert!(
        err.contains("workload.clients[0].sessions: the run would take about")
            && err.contains("lower it or raise think_time_ms"),
        "{err}"
    );
}

#[test]
fn travelling_users_are_counted() {
    // 1e6 ops/s of users for an hour: 3.6e9 operations; the client group alone is 3.6e8
    // events.
    let text = format!(
        "{}[workload.users]\ncount = 10\nrate_rps = 1000000\nread_fraction = 0.5\nhomes = [\"a\"]\n",
        hour()
    );
    let e = estimate(&text);
    assert!((e.events - 3.6e8 - 3.6e9 * 5.0).abs() < 1.0, "{e:?}");
    assert_eq!(e.field, "workload.users.rate_rps");
    let err = refused_run("users.toml", &text);
    assert!(err.contains("workload.users.rate_rps"), "{err}");
}

#[test]
fn probe_reads_are_counted() {
    // 3.6e7 writes, each probed 32 times: 1.15e9 probe reads over 3.6e8 events.
    let delays: Vec<String> = (0..32).map(|d| d.to_string()).collect();
    let text = format!(
        "{}[consistency]\nprobes_ms = [{}]\nprobe_every = 1\n",
        hour(),
        delays.join(", ")
    );
    let e = estimate(&text);
    assert!((e.events - 3.6e8 - 3.6e7 * 32.0).abs() < 1.0, "{e:?}");
    assert_eq!(e.field, "consistency.probe_every");
    let err = refused_run("probes.toml", &text);
    assert!(
        err.contains("consistency.probe_every")
            && err.contains("raise it or list fewer consistency.probes_ms"),
        "{err}"
    );
    // Probing one write in 100 stays within the limit.
    let sparse = text.replace("probe_every = 1", "probe_every = 100");
    assert!(!estimate(&sparse).too_large());
}

#[test]
fn retries_forced_by_a_timeout_below_the_access_round_trip_are_counted() {
    // A 1 µs timeout: every attempt times out, every operation takes 101 attempts.
    let text = format!("{}[clients]\ntimeout_ms = 0.001\nretries = 100\n", hour());
    let e = estimate(&text);
    assert!(e.events > 7.2e7 * 100.0 * 4.0 * 0.99, "{e:?}");
    assert_eq!(e.field, "clients.timeout_ms");
    let err = refused_run("retries.toml", &text);
    assert!(
        err.contains("raise it above the access round trip or lower clients.retries"),
        "{err}"
    );
    // The default timeout (5 s) forces none.
    assert_eq!(estimate(&hour()).events, 3.6e8);
}

/// Two regions, a listed fault and a 1 ms heartbeat for a year: 1.3e11 heartbeat messages.
fn heartbeats() -> String {
    with("duration_s = 10", "duration_s = 31536000")
        .replacen("rate_rps = 100", "rate_rps = 0.001", 1)
        + "[detection]\nheartbeat_ms = 1\ntimeout_ms = 10\n[[faults]]\nkind = \"region-outage\"\nregion = \"b\"\nstart_s = 10\nduration_s = 10\n"
}

#[test]
fn a_too_short_heartbeat_is_told_to_rise_at_its_line_and_column() {
    let text = heartbeats();
    let line = text
        .lines()
        .position(|l| l.starts_with("heartbeat_ms"))
        .unwrap()
        + 1;
    let err = refused_run("hb.toml", &text);
    let at = format!("{line}:1: detection.heartbeat_ms: the run would take about");
    assert!(err.contains(&at), "lacks `{at}`: {err}");
    assert!(
        err.contains("raise it (a longer period sends fewer heartbeats)"),
        "{err}"
    );
    assert!(!err.contains("lower it"), "{err}");
}

#[test]
fn every_large_share_is_named_with_its_direction() {
    // Four regions, the default heartbeat (1 s) and a partition of each pair drawn every
    // second, over a year: 7.6e8 heartbeat messages, then 3.8e8 partition starts and ends,
    // each told to rise.
    let text = heartbeats().replace("[detection]\nheartbeat_ms = 1\ntimeout_ms = 10\n", "")
        + "[random_faults]\nlink_mtbf_s = 1\nlink_mttr_s = 0.001\n"
        + "[[regions]]\nname = \"c\"\nlat = 0.0\nlon = 0.0\n"
        + "[[regions]]\nname = \"d\"\nlat = 0.0\nlon = 60.0\n";
    let e = estimate(&text);
    assert_eq!(e.field, "detection.heartbeat_ms");
    assert_eq!(e.shares[1].0, "random_faults.link_mtbf_s");
    let err = refused_run("shares.toml", &text);
    assert!(
        err.contains("% from random_faults.link_mtbf_s: raise it (a longer mean time between faults draws fewer)"),
        "{err}"
    );
}

#[test]
fn validate_says_a_valid_file_is_too_large_to_run_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hb.toml");
    std::fs::write(&file, heartbeats()).unwrap();
    let f = file.to_str().unwrap();
    let line = heartbeats()
        .lines()
        .position(|l| l.starts_with("heartbeat_ms"))
        .unwrap()
        + 1;
    let (o, _) = limited(&["validate", f]);
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    // Valid (exit 0): `run` refuses it with exit 2 unless --force.
    assert!(o.status.success(), "{err}");
    assert!(
        out.contains("hb.toml: ok (2 regions, 1 client group, 1 strategy); too large for `geosim run` without --force"),
        "{out}"
    );
    assert!(
        err.starts_with(&format!("warning: {line}:1: detection.heartbeat_ms: ")),
        "{err}"
    );
    assert!(!err.contains("invalid scenario"), "{err}");
    let (o, _) = limited(&["validate", f, "--format", "json"]);
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["exit_code"], 0);
    assert_eq!(v["over_event_limit"], true);
    let w = v["warnings"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(w["field"], "detection.heartbeat_ms");
    assert_eq!(
        (w["line"].clone(), w["column"].clone()),
        (line.into(), 1.into())
    );
    // A file within the limit says nothing of it.
    std::fs::write(&file, BASE).unwrap();
    let (o, _) = limited(&["validate", f, "--format", "json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["over_event_limit"], false);
}

/// A sweep point over the limit is refused at the line and column where that point gets the
/// setting behind most of its events: the swept value (a list entry, or the range) in the
/// sweep file; else the base's field, inline in the sweep file or in the base's own file.
#[test]
fn an_over_limit_sweep_point_is_placed_where_it_gets_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    // 1e4 s: 100 ops/s is 5e6 events, 1e6 ops/s 5e10.
    let long = with("duration_s = 10", "duration_s = 10000");
    let heavy = long.replacen("rate_rps = 100", "rate_rps = 1000000", 1);
    let inline = |base: &str| -> String {
        let lines: Vec<String> = base
            .lines()
            .map(|l| match l.strip_prefix("[[") {
                Some(t) => format!("[[scenario.{t}"),
                None => l.to_string(),
            })
            .collect();
        format!("[scenario]\n{}\n", lines.join("\n"))
    };
    let sweep = |param: &str, base: &str| {
        format!("seeds = 1\nmetrics = [\"latency_ms.read.p50\"]\n{base}\n[[parameters]]\n{param}\n")
    };
    let rate = "path = \"workload.clients[0].rate_rps\"";
    let share = "path = \"workload.clients[0].read_fraction\"\nvalues = [0.5]";
    // `needle`'s line and column in `text`.
    let at = |text: &str, needle: &str| -> (usize, usize) {
        let (i, l) = (text.lines().enumerate())
            .find(|(_, l)| l.contains(needle))
            .unwrap();
        (i + 1, l.find(needle).unwrap() + 1)
    };
    let cases = [
        (
            "values.toml",
            sweep(&format!("{rate}\nvalues = [100, 1000000]"), "") + &inline(&long),
            "1000000]",
            "grid point 1 (workload.clients[0].rate_rps = 1000000)",
        ),
        (
            "range.toml",
            sweep(
                &format!("{rate}\nrange = {{ start = 100, stop = 1000000, num = 2 }}"),
                "",
            ) + &inline(&long),
            "range =",
            "grid point 1 (workload.clients[0].rate_rps = 1000000)",
        ),
        (
            "inline.toml",
            sweep(share, "") + &inline(&heavy),
            "rate_rps = 1000000",
            "grid point 0 (workload.clients[0].read_fraction = 0.5)",
        ),
        (
            "external.toml",
            sweep(share, "base = \"base.toml\""),
            "rate_rps = 1000000",
            "grid point 0 (workload.clients[0].read_fraction = 0.5)",
        ),
    ];
    std::fs::write(dir.path().join("base.toml"), &heavy).unwrap();
    for (name, text, needle, point) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, &text).unwrap();
        // The field behind the events is in the sweep file, or in the base file.
        let (shown, (line, column)) = if name == "external.toml" {
            (dir.path().join("base.toml"), at(&heavy, needle))
        } else {
            (file.clone(), at(&text, needle))
        };
        let expected = format!(
            "{}:{line}:{column}: {point}: workload.clients[0].rate_rps: the run would take about 5.0e10 events",
            shown.display()
        );
        let out = dir.path().join("out");
        let f = file.to_str().unwrap();
        let (o, _) = limited(&["sweep", f, "--out", out.to_str().unwrap(), "--quiet"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.starts_with(&format!("error: {expected}")),
            "{name}: lacks `{expected}`: {err}"
        );
        assert!(!out.exists());
        let (o, _) = limited(&["validate", f]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{err}");
        assert!(
            err.starts_with(&format!("warning: {expected}")),
            "{name}: {err}"
        );
    }
}
