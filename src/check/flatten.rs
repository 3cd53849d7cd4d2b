//! A strategy's entry of `report.json` as a list of (metric path, figure): `flatten`, and the
//! path segment of each entry of an array (`entry_keys`).
//!
//! Every number, boolean and `null` gets exactly one path, unique within the entry, so that the
//! comparison pairs each figure with the same figure on the other side. Arrays of objects are
//! keyed by the entry's name (its first field among `ENTRY_KEYS`), which stays the path when
//! the name is unique in its array (always so for `per_region`, `serving`, `t_visibility`,
//! `slo.objectives`). A name repeated in one array (a leadership list A -> B -> A) keeps its
//! plain path for its first entry and gets `#n` for its n-th (`leadership.A#2.t_s`); an entry
//! with no name is keyed by its 1-based position (`#3`).
//!
//! Must not import anything of geosim beyond `Figure`; does no I/O.

use std::collections::BTreeSet;

use serde_json::Value;

use super::Figure;

/// Keys that name an entry of an array of objects (`per_region[].region`), first match wins.
const ENTRY_KEYS: [&str; 6] = ["region", "t_ms", "name", "objective", "metric", "strategy"];

/// Fields of a strategy's entry that are not metrics.
const NOT_METRICS: [&str; 3] = ["timeline", "faults", "latency_breakdown"];

/// The name of an array entry: its first field of `ENTRY_KEYS` that is a string or a number.
fn entry_name(item: &Value) -> Option<String> {
    ENTRY_KEYS.iter().find_map(|k| match item.get(*k)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// The path segment of every entry of `items`, unique within the array: the entry's name the
/// first time it occurs, `name#n` the n-th time, `#i` (1-based position) for an entry with no
/// name. A generated segment never takes a name that an entry of the array has, so
/// `[A, A, "A#2"]` gives `A`, `A#3`, `A#2`.
pub(super) fn entry_keys(items: &[Value]) -> Vec<String> {
    let names: Vec<Option<String>> = items.iter().map(entry_name).collect();
    let taken: BTreeSet<&str> = names.iter().flatten().map(String::as_str).collect();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, name) in names.iter().enumerate() {
        let key = match name {
            Some(name) if !used.contains(name) => name.clone(),
            _ => {
                let stem = name.as_deref().unwrap_or("");
                let mut n = if name.is_some() {
                    // The occurrence: 2 for the second entry of this name.
                    names[..i].iter().filter(|m| m == &name).count() + 1
                } else {
                    i + 1
                };
                loop {
                    let key = format!("{stem}#{n}");
                    if !used.contains(&key) && !taken.contains(key.as_str()) {
                        break key;
                    }
                    n += 1;
                }
            }
        };
        used.insert(key.clone());
        out.push(key);
    }
    out
}

/// Every metric of a strategy entry as (dotted path, figure), each path once: the fields of
/// an object in the order of the JSON value, the entries of an array in their order. Arrays are keyed by `entry_keys` (`per_region.eu-west-1.latency_ms.read.p99`,
/// `leadership.A#2.t_s`); the timeline, the fault list and the latency breakdown are not
/// metrics.
pub fn flatten(v: &Value) -> Vec<(String, Figure)> {
    fn walk(v: &Value, prefix: &str, out: &mut Vec<(String, Figure)>) {
        let join = |k: &str| {
            if prefix.is_empty() {
                k.to_string()
            } else {
                format!("{prefix}.{k}")
            }
        };
        match v {
            Value::Number(n) => {
                out.push((prefix.to_string(), Figure::Num(n.as_f64().unwrap_or(0.0))))
            }
            Value::Bool(b) => out.push((prefix.to_string(), Figure::Num(f64::from(u8::from(*b))))),
            Value::Null => out.push((prefix.to_string(), Figure::Null)),
            Value::Object(m) => {
                for (k, v) in m {
                    if prefix.is_empty() && NOT_METRICS.contains(&k.as_str()) {
                        continue;
                    }
                    walk(v, &join(k), out);
                }
            }
            Value::Array(items) => {
                for (item, key) in items.iter().zip(entry_keys(items)) {
                    walk(item, &join(&key), out);
                }
            }
            Value::String(_) => {}
        }
    }
    let mut out = Vec::new();
    walk(v, "", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(v: &Value) -> Vec<String> {
        flatten(v).into_iter().map(|(p, _)| p).collect()
    }

    #[test]
    fn flatten_keys_arrays_by_entry_name() {
        let v = json!({"name": "x", "per_region": [{"region": "eu", "p": 1}], "timeline": {"a": [1]}, "rto": {"max_s": null}});
        let f = flatten(&v);
        assert_eq!(
            f,
            vec![
                ("per_region.eu.p".to_string(), Figure::Num(1.0)),
                ("rto.max_s".to_string(), Figure::Null)
            ]
        );
    }

    #[test]
    fn a_repeated_name_keeps_its_first_path_and_numbers_the_others() {
        let v = json!({"leadership": [
            {"t_s": 0.0, "region": "A", "reason": "start"},
            {"t_s": 28.0, "region": "B", "reason": "failover"},
            {"t_s": 41.5, "region": "A", "reason": "failback"},
            {"t_s": 50.0, "region": "A", "reason": "failover"},
        ]});
        assert_eq!(
            flatten(&v),
            vec![
                ("leadership.A.t_s".to_string(), Figure::Num(0.0)),
                ("leadership.B.t_s".to_string(), Figure::Num(28.0)),
                ("leadership.A#2.t_s".to_string(), Figure::Num(41.5)),
                ("leadership.A#3.t_s".to_string(), Figure::Num(50.0)),
            ]
        );
    }

    #[test]
    fn every_path_is_unique_even_when_a_name_looks_generated() {
        let items = [
            json!({"region": "A"}),
            json!({"region": "A"}),
            json!({"region": "A#2"}),
            json!({"p": 1}),
            json!({"region": "#4"}),
            json!({"t_ms": 5}),
            json!({"region": "A"}),
        ];
        assert_eq!(
            entry_keys(&items),
            ["A", "A#3", "A#2", "#5", "#4", "5", "A#4"]
        );
        // And in a whole entry: no path twice, every figure kept.
        let v = json!({"xs": items.iter().enumerate().map(|(i, x)| {
            let mut x = x.clone();
            x["v"] = json!(i);
            x
        }).collect::<Vec<_>>()});
        let p = paths(&v);
        let unique: BTreeSet<&String> = p.iter().collect();
        assert_eq!(p.len(), 9, "{p:?}");
        assert_eq!(unique.len(), p.len(), "{p:?}");
    }

    #[test]
    fn unnamed_entries_are_keyed_by_position_and_only_top_level_non_metrics_are_skipped() {
        let v = json!({
            "faults": [{"region": "A", "n": 1}],
            "extra": {"hist": [3, {"n": 4}], "faults": [{"region": "B", "n": 2}]},
        });
        assert_eq!(
            flatten(&v),
            vec![
                ("extra.faults.B.n".to_string(), Figure::Num(2.0)),
                ("extra.hist.#1".to_string(), Figure::Num(3.0)),
                ("extra.hist.#2.n".to_string(), Figure::Num(4.0)),
            ]
        );
    }
}
