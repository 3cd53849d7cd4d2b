//! The JSON Schema of scenario files (issue 13, item 13), checked by an independent validator
//! (the `jsonschema` crate): every shipped scenario and every sweep's base (TOML converted to
//! JSON) conforms, and values out of their documented bounds are flagged by the schema and
//! refused by `geosim validate` alike, while the bounds themselves pass both.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::common::root;

fn schema() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&geosim::scenario::json_schema()).unwrap();
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml" || x == "json") {
            out.push(p);
        }
    }
}

fn as_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    if path.extension().is_some_and(|x| x == "json") {
        serde_json::from_str(&text).unwrap()
    } else {
        toml::from_str(&text).unwrap()
    }
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn every_shipped_scenario_and_sweep_base_conforms_to_the_schema() {
    let v = schema();
    let mut all = Vec::new();
    files(&root().join("scenarios"), &mut all);
    let (mut scenarios, mut sweeps) = (0, 0);
    for p in &all {
        let doc = as_json(p);
        let base = if doc.get("metrics").is_some() {
            sweeps += 1;
            match (doc.get("scenario"), doc.get("base").and_then(Value::as_str)) {
                (Some(inline), _) => inline.clone(),
                (None, Some(rel)) => as_json(&p.parent().unwrap().join(rel)),
                _ => panic!("{}: a sweep without a base", p.display()),
            }
        } else {
            scenarios += 1;
            doc
        };
        let errs = errors(&v, &base);
        assert!(errs.is_empty(), "{}: {errs:#?}", p.display());
    }
    assert!(scenarios >= 10 && sweeps >= 3, "{scenarios} {sweeps}");
}

/// `three-regions.toml` as JSON with `edit` applied.
fn bent(edit: impl Fn(&mut Value)) -> Value {
    let mut doc = as_json(&root().join("scenarios/three-regions.toml"));
    edit(&mut doc);
    doc
}

/// `doc` with one more strategy.
fn push(doc: &mut Value, strategy: Value) {
    doc["strategies"].as_array_mut().unwrap().push(strategy);
}

/// `doc` with a circuit breaker on its first strategy (and a region with a capacity, without
/// which a breaker is refused: no call could fail).
fn breaker(doc: &mut Value, settings: Value) {
    doc["regions"][0]["capacity"] = json!({"servers": 4, "service_ms": 1});
    doc["strategies"][0]["circuit_breaker"] = settings;
}

/// Whether `geosim validate` accepts the document (written as JSON).
fn geosim_accepts(doc: &Value) -> bool {
    let text = serde_json::to_string(doc).unwrap();
    geosim::scenario::from_str(&text, geosim::scenario::Format::Json, Path::new("t.json")).is_ok()
}

#[test]
fn out_of_bound_values_are_flagged_by_the_schema_and_refused_by_geosim() {
    let v = schema();
    type Edit = fn(&mut Value);
    let base = bent(|_| {});
    assert!(errors(&v, &base).is_empty());
    assert!(geosim_accepts(&base));
    // (name, just outside the bound, on the bound)
    let cases: Vec<(&str, Edit, Edit)> = vec![
        (
            "read_fraction",
            |d| d["workload"]["clients"][0]["read_fraction"] = json!(1.5),
            |d| d["workload"]["clients"][0]["read_fraction"] = json!(1.0),
        ),
        (
            "lat",
            |d| d["regions"][0]["lat"] = json!(90.5),
            |d| d["regions"][0]["lat"] = json!(-90.0),
        ),
        (
            "lon",
            |d| d["regions"][0]["lon"] = json!(-180.5),
            |d| d["regions"][0]["lon"] = json!(180.0),
        ),
        (
            "rate_rps > 0",
            |d| d["workload"]["clients"][0]["rate_rps"] = json!(0),
            |d| d["workload"]["clients"][0]["rate_rps"] = json!(0.001),
        ),
        (
            "rate_rps <= 1e6",
            |d| d["workload"]["clients"][0]["rate_rps"] = json!(1_000_001),
            |d| d["workload"]["clients"][0]["rate_rps"] = json!(1_000_000),
        ),
        (
            "keys",
            |d| d["workload"]["clients"][0]["keys"] = json!(10_000_001),
            |d| d["workload"]["clients"][0]["keys"] = json!(10_000_000),
        ),
        (
            "duration_s",
            |d| d["duration_s"] = json!(0),
            |d| d["duration_s"] = json!(31_536_000),
        ),
        (
            "start_utc_h",
            |d| d["start_utc_h"] = json!(24),
            |d| d["start_utc_h"] = json!(23.99),
        ),
        (
            "heartbeat_ms",
            |d| d["detection"] = json!({"heartbeat_ms": 0.5}),
            |d| d["detection"] = json!({"heartbeat_ms": 1, "timeout_ms": 2}),
        ),
        (
            "timeout_ms",
            |d| d["clients"] = json!({"timeout_ms": 0.0001}),
            |d| d["clients"] = json!({"timeout_ms": 0.001}),
        ),
        (
            "retries",
            |d| d["clients"] = json!({"retries": 101}),
            |d| d["clients"] = json!({"retries": 100}),
        ),
        (
            "region_mtbf_s",
            |d| d["random_faults"] = json!({"region_mtbf_s": 0.5}),
            |d| d["random_faults"] = json!({"region_mtbf_s": 1}),
        ),
        (
            "diurnal.profile",
            |d| {
                d["workload"]["clients"][0]["diurnal"] =
                    json!({"utc_offset_h": 0, "profile": vec![1; 23]})
            },
            |d| {
                d["workload"]["clients"][0]["diurnal"] =
                    json!({"utc_offset_h": 14, "profile": vec![1; 24]})
            },
        ),
        (
            "utc_offset_h",
            |d| {
                d["workload"]["clients"][0]["diurnal"] =
                    json!({"utc_offset_h": -12.5, "profile": vec![1; 24]})
            },
            |d| {
                d["workload"]["clients"][0]["diurnal"] =
                    json!({"utc_offset_h": -12, "profile": vec![1; 24]})
            },
        ),
        (
            "sync_quorum.any",
            |d| {
                d["strategies"][0]["replication"] = json!("sync");
                d["strategies"][0]["sync_quorum"] = json!({"any": 0, "of": ["eu-west-1"]});
            },
            |d| {
                d["strategies"][0]["replication"] = json!("sync");
                d["strategies"][0]["sync_quorum"] = json!({"any": 1, "of": ["eu-west-1"]});
            },
        ),
        (
            "quorum r",
            |d| push(d, json!({"kind": "quorum", "name": "q", "r": 0})),
            |d| push(d, json!({"kind": "quorum", "name": "q", "r": 1})),
        ),
        (
            "edge-cache capacity",
            |d| {
                push(
                    d,
                    json!({"kind": "edge-cache", "name": "e", "origin": "us-east-1", "capacity": 0}),
                )
            },
            |d| {
                push(
                    d,
                    json!({"kind": "edge-cache", "name": "e", "origin": "us-east-1", "capacity": 1}),
                )
            },
        ),
        (
            "capacity.servers",
            |d| d["regions"][0]["capacity"] = json!({"servers": 0, "service_ms": 1}),
            |d| d["regions"][0]["capacity"] = json!({"servers": 1, "service_ms": 1}),
        ),
        (
            "probe_every",
            |d| d["consistency"] = json!({"probes_ms": [10], "probe_every": 0}),
            |d| d["consistency"] = json!({"probes_ms": [10], "probe_every": 1}),
        ),
        (
            "window_calls",
            |d| breaker(d, json!({"window_calls": 10_001, "min_calls": 1})),
            |d| breaker(d, json!({"window_calls": 10_000})),
        ),
        (
            "half_open_calls",
            |d| breaker(d, json!({"half_open_calls": 0})),
            |d| breaker(d, json!({"half_open_calls": 1})),
        ),
    ];
    for (name, outside, on) in cases {
        let bad = bent(outside);
        assert!(
            !errors(&v, &bad).is_empty(),
            "{name}: the schema accepts {bad}"
        );
        assert!(!geosim_accepts(&bad), "{name}: geosim accepts {bad}");
        let good = bent(on);
        let errs = errors(&v, &good);
        assert!(
            errs.is_empty(),
            "{name}: the schema flags the bound: {errs:?}"
        );
        assert!(geosim_accepts(&good), "{name}: geosim refuses the bound");
    }
}
