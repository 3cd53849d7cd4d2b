//! `geosim run --trace N`: trace.json is a valid Chrome trace event document (required
//! fields, matching complete events, microsecond timestamps, every track monotone), and each
//! traced operation's spans add up to its latency.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::{geosim, THREE_REGIONS};

fn traced(filter: &[&str]) -> (Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("t.toml");
    let text = format!(
        r#"name = "traced"
seed = 5
duration_s = 40
drain_s = 10
[clients]
timeout_ms = 500
retries = 3
backoff_ms = 50
reroute_after_s = 2
[detection]
heartbeat_ms = 200
timeout_ms = 600
{THREE_REGIONS}
[[workload.clients]]
region = "eu-west-1"
rate_rps = 100
read_fraction = 0.5
keys = 100
[[workload.clients]]
region = "us-east-1"
rate_rps = 50
read_fraction = 0.5
keys = 100
[[faults]]
kind = "region-outage"
region = "us-east-1"
start_s = 10
duration_s = 10
[[strategies]]
kind = "active-passive"
name = "ap-sync"
primary = "us-east-1"
replication = "sync"
read_from = "primary"
promotion_delay_s = 1
[[strategies]]
kind = "consensus"
name = "raft"
leader = "us-east-1"
"#
    );
    std::fs::write(&sc, text).unwrap();
    let out = dir.path().join("out");
    let mut args = vec![
        "run",
        sc.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--trace",
        "25",
    ];
    args.extend_from_slice(filter);
    let o = geosim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(out.join("trace.json")).unwrap();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("href=\"trace.json\""));
    (serde_json::from_str(&text).unwrap(), text)
}

/// (strategy, operation id).
type OpKey = (String, u64);
/// (ns, start us, end us).
type Span = (u64, f64, f64);

fn check(doc: &Value) -> usize {
    let events = doc["traceEvents"].as_array().unwrap();
    let mut last: BTreeMap<(u64, u64), f64> = BTreeMap::new();
    let mut ops: BTreeMap<OpKey, Span> = BTreeMap::new();
    let mut parts: BTreeMap<OpKey, Vec<Span>> = BTreeMap::new();
    let mut flows: BTreeMap<u64, Vec<(String, f64)>> = BTreeMap::new();
    for e in events {
        // Required fields of every event.
        let ph = e["ph"].as_str().expect("ph");
        assert!(e["name"].is_string(), "{e}");
        let (pid, tid) = (
            e["pid"].as_u64().expect("pid"),
            e["tid"].as_u64().expect("tid"),
        );
        let ts = e["ts"].as_f64().expect("ts");
        assert!(ts >= 0.0);
        // Monotone per track.
        let prev = last.entry((pid, tid)).or_insert(0.0);
        assert!(ts >= *prev, "track ({pid}, {tid}) goes back: {e}");
        *prev = ts;
        match ph {
            "M" => assert!(e["args"]["name"].is_string()),
            "X" => {
                let dur = e["dur"].as_f64().expect("dur of a complete event");
                assert!(dur >= 0.0);
                let ns = e["args"]["ns"].as_u64().unwrap();
                // Microseconds: dur * 1000 is the span's length in ns.
                assert!((dur * 1e3 - ns as f64).abs() < 0.5, "{e}");
                let op = (
                    e["args"]["strategy"].as_str().unwrap().to_string(),
                    e["args"]["op"].as_u64().unwrap(),
                );
                match e["cat"].as_str().unwrap() {
                    "op" => {
                        assert!(ops.insert(op, (ns, ts, ts + dur)).is_none());
                    }
                    "part" => parts.entry(op).or_default().push((ns, ts, ts + dur)),
                    "earlier attempt" => {}
                    c => panic!("category {c}"),
                }
            }
            "i" => assert!(e["s"].is_string()),
            "s" | "f" => flows
                .entry(e["id"].as_u64().unwrap())
                .or_default()
                .push((ph.to_string(), ts)),
            p => panic!("phase {p}"),
        }
    }
    for (op, (ns, start, end)) in &ops {
        // The spans of an operation add up to its latency exactly, and lie inside it.
        let p = parts.get(op).cloned().unwrap_or_default();
        assert_eq!(p.iter().map(|x| x.0).sum::<u64>(), *ns, "op {op:?}");
        for (_, a, b) in p {
            assert!(a >= start - 1e-3 && b <= end + 1e-3, "op {op:?}");
        }
    }
    for (id, f) in &flows {
        // Every flow has one start and one end, in time order.
        assert_eq!(f.len(), 2, "flow {id}");
        let s = f.iter().find(|x| x.0 == "s").unwrap().1;
        let e = f.iter().find(|x| x.0 == "f").unwrap().1;
        assert!(s <= e);
    }
    ops.len()
}

#[test]
fn trace_json_is_a_valid_chrome_trace_whose_spans_add_up() {
    let (doc, _) = traced(&[]);
    // 25 per strategy.
    assert_eq!(check(&doc), 50);
    let events = doc["traceEvents"].as_array().unwrap();
    assert!(events.iter().any(|e| e["cat"] == "fault"));
    assert!(events.iter().any(|e| e["cat"] == "flow"));
    assert!(events.iter().any(|e| e["cat"] == "leader"));
}

#[test]
fn trace_filters_pick_failed_slowest_and_one_region_deterministically() {
    let (doc, text) = traced(&["--trace-filter", "writes,region=eu-west-1,slowest"]);
    check(&doc);
    let ops: Vec<&Value> = doc["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["cat"] == "op")
        .collect();
    assert!(!ops.is_empty());
    assert!(ops.iter().all(|e| e["name"]
        .as_str()
        .unwrap()
        .starts_with("write from eu-west-1")));
    let (_, again) = traced(&["--trace-filter", "writes,region=eu-west-1,slowest"]);
    assert_eq!(text, again);
    let (doc, _) = traced(&["--trace-filter", "failed"]);
    check(&doc);
    let failed = doc["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["cat"] == "op");
    assert!(failed.clone().count() > 0);
    assert!(failed.into_iter().all(|e| e["args"]["failed"] == true));
}
