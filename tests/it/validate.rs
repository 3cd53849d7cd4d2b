//! `geosim validate`: every problem of an invalid scenario listed at once, each with its
//! field path and, in a TOML file, the line and column of its key, in text and in JSON
//! (`--format json`); a JSON scenario's problems carry no position.

use std::process::Output;

use serde_json::{json, Value};

use crate::common::geosim;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn validate_json_lists_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let good = crate::common::shipped("three-regions.toml");
    let o = geosim(&["validate", good.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["format"], "geosim-validate/1");
    assert_eq!(v["valid"], true);
    assert_eq!(v["regions"], 3);
    assert_eq!(v["problems"], json!([]));

    let text = std::fs::read_to_string(&good).unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, text.replacen("seed = 42", "seed = \"x\"", 1)).unwrap();
    let o = geosim(&["validate", bad.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["exit_code"], 2);
    let p = &v["problems"][0];
    assert_eq!(p["field"], "seed", "{v}");
    assert!(p["line"].as_u64().is_some(), "{v}");

    // Every problem of an invalid file, each with its field path.
    let invalid = dir.path().join("invalid.toml");
    let text = text
        .replace("read_fraction = 0.9", "read_fraction = 2")
        .replacen("rate_rps = 400", "rate_rps = -1", 1);
    std::fs::write(&invalid, &text).unwrap();
    // Where each problem's key is written, counted here in the text (1-based line, column 1).
    let lines_of = |needle: &str| -> Vec<usize> {
        text.lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with(needle))
            .map(|(i, _)| i + 1)
            .collect()
    };
    let mut want_lines = lines_of("rate_rps = -1");
    want_lines.extend(lines_of("read_fraction = 2"));
    let o = geosim(&["validate", invalid.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let fields: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "workload.clients[0].rate_rps",
            "workload.clients[0].read_fraction",
            "workload.clients[1].read_fraction",
            "workload.clients[2].read_fraction"
        ],
        "{v}"
    );
    let at: Vec<(usize, usize)> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap() as usize,
                p["column"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    let want: Vec<(usize, usize)> = want_lines.iter().map(|&l| (l, 1)).collect();
    assert_eq!(at, want, "{v}");
    // The text output puts each at the front of its line.
    let o = geosim(&["validate", invalid.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "\n  {}:1: workload.clients[0].rate_rps: must be greater than 0",
            want_lines[0]
        )),
        "{err}"
    );
    // The same scenario as JSON: the same problems, with no positions (null).
    let json = dir.path().join("invalid.json");
    let value: Value = toml::from_str(&text).unwrap();
    std::fs::write(&json, value.to_string()).unwrap();
    let o = geosim(&["validate", json.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["problems"].as_array().unwrap().len(), 4, "{v}");
    assert!(
        v["problems"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["line"].is_null()),
        "{v}"
    );

    let syntax = dir.path().join("syntax.toml");
    std::fs::write(&syntax, "name = \n").unwrap();
    let o = geosim(&["validate", syntax.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["problems"][0]["line"], 1, "{v}");
}
