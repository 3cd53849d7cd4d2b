//! Field paths into a JSON tree: `workload.clients[0].rate_rps`,
//! `strategies[name="ap-async"].replication`, `workload.clients[*].keys`.
//!
//! Owns the path syntax shared by sweep parameters (paths into a scenario) and sweep metrics
//! (paths into a strategy's entry of `report.json`), setting a value at a path (creating
//! tables and fields that the file leaves to their defaults), and reading one. Errors are
//! plain sentences naming the part of the path that does not exist, e.g.
//! ``no field `rate_rpz` in workload.clients[0]``.
//!
//! Must not import anything of geosim beyond this module: it knows JSON, not scenarios.

use std::fmt;

use serde_json::{Map, Value};

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// `.name`: a field of a table.
    Field(String),
    /// `[3]`: an entry of a list, 0-based.
    Index(usize),
    /// `[name="x"]`: the one entry of a list of tables whose field `key` is the string `value`.
    Match {
        /// The field compared.
        key: String,
        /// The string it must equal.
        value: String,
    },
    /// `[*]`: every entry of a list.
    All,
}

/// A parsed path: at least one segment, the first a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldPath {
    segments: Vec<Segment>,
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Field(name) => write!(f, ".{name}"),
            Segment::Index(i) => write!(f, "[{i}]"),
            Segment::Match { key, value } => write!(f, "[{key}=\"{value}\"]"),
            Segment::All => f.write_str("[*]"),
        }
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&prefix(&self.segments))
    }
}

/// The text of the first segments of a path (`(top level)` when there are none).
fn prefix(segments: &[Segment]) -> String {
    if segments.is_empty() {
        return "(top level)".to_string();
    }
    let mut s = String::new();
    for seg in segments {
        s.push_str(&seg.to_string());
    }
    s.strip_prefix('.').map(str::to_string).unwrap_or(s)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

impl FieldPath {
    /// Parses `text`; the error says what is wrong and where.
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        let chars: Vec<char> = text.chars().collect();
        let mut segments = Vec::new();
        let mut i = 0;
        let name = |i: &mut usize| -> String {
            let start = *i;
            while *i < chars.len() && is_name_char(chars[*i]) {
                *i += 1;
            }
            chars[start..*i].iter().collect()
        };
        if text.trim().is_empty() {
            return Err("empty path".to_string());
        }
        loop {
            let at = i;
            let field = name(&mut i);
            if field.is_empty() {
                return Err(format!(
                    "expected a field name at character {} of `{text}`",
                    at + 1
                ));
            }
            segments.push(Segment::Field(field));
            while i < chars.len() && chars[i] == '[' {
                let close = chars[i..]
                    .iter()
                    .position(|&c| c == ']')
                    .map(|p| p + i)
                    .ok_or_else(|| format!("unclosed `[` in `{text}`"))?;
                let inner: String = chars[i + 1..close].iter().collect();
                segments.push(selector(inner.trim(), text)?);
                i = close + 1;
            }
            if i == chars.len() {
                break;
            }
            if chars[i] != '.' {
                return Err(format!(
                    "unexpected `{}` at character {} of `{text}` (use `.field`, `[index]`, `[key=\"value\"]` or `[*]`)",
                    chars[i],
                    i + 1
                ));
            }
            i += 1;
        }
        Ok(FieldPath { segments })
    }

    /// The segments.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// True when the path has a `[*]` segment.
    pub fn has_wildcard(&self) -> bool {
        self.segments.contains(&Segment::All)
    }
}

fn selector(inner: &str, text: &str) -> Result<Segment, String> {
    if inner == "*" {
        return Ok(Segment::All);
    }
    if let Ok(i) = inner.parse::<usize>() {
        return Ok(Segment::Index(i));
    }
    if let Some((key, value)) = inner.split_once('=') {
        let key = key.trim();
        let value = value.trim();
        let quoted = value.len() >= 2
            && ((value.starts_with('"') && value.ends_with('"'))
                || (value.starts_with('\'') && value.ends_with('\'')));
        if !key.is_empty() && key.chars().all(is_name_char) && quoted {
            return Ok(Segment::Match {
                key: key.to_string(),
                value: value[1..value.len() - 1].to_string(),
            });
        }
    }
    Err(format!(
        "bad selector `[{inner}]` in `{text}` (use `[index]`, `[key=\"value\"]` or `[*]`)"
    ))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table",
    }
}

fn fields_of(map: &Map<String, Value>) -> String {
    map.keys().cloned().collect::<Vec<_>>().join(", ")
}

/// The entries of list `items` (at `at`) that `seg` selects, by index.
fn select(items: &[Value], seg: &Segment, at: &str) -> Result<Vec<usize>, String> {
    match seg {
        Segment::Index(i) if *i < items.len() => Ok(vec![*i]),
        Segment::Index(i) => Err(format!(
            "index {i} is out of range: {at} has {} entries",
            items.len()
        )),
        Segment::All => Ok((0..items.len()).collect()),
        Segment::Match { key, value } => {
            let hits: Vec<usize> = items
                .iter()
                .enumerate()
                .filter(|(_, v)| v.get(key).and_then(Value::as_str) == Some(value.as_str()))
                .map(|(i, _)| i)
                .collect();
            match hits.len() {
                1 => Ok(hits),
                0 => {
                    let have: Vec<&str> = items
                        .iter()
                        .filter_map(|v| v.get(key).and_then(Value::as_str))
                        .collect();
                    Err(format!(
                        "no entry of {at} has {key} = \"{value}\" (it has: {})",
                        if have.is_empty() {
                            "none".to_string()
                        } else {
                            have.join(", ")
                        }
                    ))
                }
                n => Err(format!(
                    "{n} entries of {at} have {key} = \"{value}\"; use an index"
                )),
            }
        }
        Segment::Field(_) => unreachable!("fields are not list selectors"),
    }
}

/// Sets `value` at `path` in `root` and returns the concrete paths written (one per entry a
/// `[*]` matched), with list selectors resolved to indices. A missing last field is added (the
/// scenario's own validation rejects it if it is not a field), as is a missing table on the
/// way (`network.route_inflation` when the file has no `[network]`).
pub fn set(root: &mut Value, path: &FieldPath, value: &Value) -> Result<Vec<String>, String> {
    let mut written = Vec::new();
    set_at(root, path.segments(), 0, String::new(), value, &mut written)?;
    Ok(written)
}

fn set_at(
    node: &mut Value,
    segs: &[Segment],
    depth: usize,
    concrete: String,
    value: &Value,
    written: &mut Vec<String>,
) -> Result<(), String> {
    if depth == segs.len() {
        *node = value.clone();
        written.push(concrete);
        return Ok(());
    }
    let at = prefix(&segs[..depth]);
    match &segs[depth] {
        Segment::Field(name) => {
            let Value::Object(map) = node else {
                return Err(format!(
                    "{at} is {}, not a table, so it has no field `{name}`",
                    kind(node)
                ));
            };
            let last = depth + 1 == segs.len();
            if !map.contains_key(name) {
                if last {
                    map.insert(name.clone(), Value::Null);
                } else if matches!(segs[depth + 1], Segment::Field(_)) {
                    map.insert(name.clone(), Value::Object(Map::new()));
                } else {
                    return Err(format!("no field `{name}` in {at}"));
                }
            }
            let child = map.get_mut(name).expect("present");
            let next = if concrete.is_empty() {
                name.clone()
            } else {
                format!("{concrete}.{name}")
            };
            set_at(child, segs, depth + 1, next, value, written)
        }
        seg => {
            let Value::Array(items) = node else {
                return Err(format!("{at} is {}, not a list", kind(node)));
            };
            for i in select(items, seg, &at)? {
                let next = format!("{concrete}[{i}]");
                set_at(&mut items[i], segs, depth + 1, next, value, written)?;
            }
            Ok(())
        }
    }
}

/// Reads the value at `path` in `root` (the first match of a `[*]`).
pub fn get<'a>(root: &'a Value, path: &FieldPath) -> Result<&'a Value, String> {
    let segs = path.segments();
    let mut node = root;
    for (depth, seg) in segs.iter().enumerate() {
        let at = prefix(&segs[..depth]);
        node = match seg {
            Segment::Field(name) => match node {
                Value::Object(map) => map.get(name).ok_or_else(|| {
                    format!("no field `{name}` in {at} (it has: {})", fields_of(map))
                })?,
                other => {
                    return Err(format!(
                        "{at} is {}, not a table, so it has no field `{name}`",
                        kind(other)
                    ))
                }
            },
            seg => match node {
                Value::Array(items) => {
                    let i = *select(items, seg, &at)?
                        .first()
                        .ok_or_else(|| format!("{at} is empty"))?;
                    &items[i]
                }
                other => return Err(format!("{at} is {}, not a list", kind(other))),
            },
        };
    }
    Ok(node)
}

/// Reads a number (or `null`, as `None`) at `path`; anything else is an error naming what the
/// path holds instead.
pub fn get_number(root: &Value, path: &FieldPath) -> Result<Option<f64>, String> {
    match get(root, path)? {
        Value::Number(n) => Ok(n.as_f64()),
        Value::Null => Ok(None),
        Value::Object(map) => Err(format!(
            "{path} is a table, not a number (it has: {})",
            fields_of(map)
        )),
        other => Err(format!("{path} is {}, not a number", kind(other))),
    }
}

/// Truncates the list at `path` to its first `len` entries; returns the concrete paths.
pub fn truncate(root: &mut Value, path: &FieldPath, len: usize) -> Result<Vec<String>, String> {
    let mut written = Vec::new();
    truncate_at(root, path.segments(), 0, String::new(), len, &mut written)?;
    Ok(written)
}

fn truncate_at(
    node: &mut Value,
    segs: &[Segment],
    depth: usize,
    concrete: String,
    len: usize,
    written: &mut Vec<String>,
) -> Result<(), String> {
    let at = prefix(&segs[..depth]);
    if depth == segs.len() {
        let Value::Array(items) = node else {
            return Err(format!("{at} is {}, not a list", kind(node)));
        };
        if len > items.len() {
            return Err(format!(
                "{at} has {} entries, cannot keep {len}",
                items.len()
            ));
        }
        items.truncate(len);
        written.push(concrete);
        return Ok(());
    }
    match &segs[depth] {
        Segment::Field(name) => {
            let Value::Object(map) = node else {
                return Err(format!(
                    "{at} is {}, not a table, so it has no field `{name}`",
                    kind(node)
                ));
            };
            let child = map
                .get_mut(name)
                .ok_or_else(|| format!("no field `{name}` in {at}"))?;
            let next = if concrete.is_empty() {
                name.clone()
            } else {
                format!("{concrete}.{name}")
            };
            truncate_at(child, segs, depth + 1, next, len, written)
        }
        seg => {
            let Value::Array(items) = node else {
                return Err(format!("{at} is {}, not a list", kind(node)));
            };
            for i in select(items, seg, &at)? {
                let next = format!("{concrete}[{i}]");
                truncate_at(&mut items[i], segs, depth + 1, next, len, written)?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(s: &str) -> FieldPath {
        FieldPath::parse(s).unwrap()
    }

    #[test]
    fn parses_and_prints_every_selector() {
        for s in [
            "duration_s",
            "workload.clients[0].rate_rps",
            "strategies[name=\"ap-async\"].replication",
            "workload.clients[*].keys",
            "links[0].latency.p99_ms",
        ] {
            assert_eq!(p(s).to_string(), s);
        }
        assert_eq!(
            p("strategies[name='ap'].replication").to_string(),
            "strategies[name=\"ap\"].replication"
        );
        for bad in ["", "a..b", "a[", "a[x]", "a]b", ".a", "a[name=ap]"] {
            assert!(FieldPath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sets_existing_missing_and_matched_fields() {
        let mut v = json!({
            "workload": {"clients": [{"region": "a", "rate_rps": 1}, {"region": "b"}]},
            "strategies": [{"name": "ap"}, {"name": "mm"}]
        });
        assert_eq!(
            set(&mut v, &p("workload.clients[1].rate_rps"), &json!(5)).unwrap(),
            ["workload.clients[1].rate_rps"]
        );
        assert_eq!(
            set(
                &mut v,
                &p("strategies[name=\"mm\"].resolution"),
                &json!("crdt")
            )
            .unwrap(),
            ["strategies[1].resolution"]
        );
        assert_eq!(
            set(&mut v, &p("workload.clients[*].keys"), &json!(7))
                .unwrap()
                .len(),
            2
        );
        set(&mut v, &p("network.overhead_ms"), &json!(2)).unwrap();
        assert_eq!(v["workload"]["clients"][1]["rate_rps"], json!(5));
        assert_eq!(v["strategies"][1]["resolution"], json!("crdt"));
        assert_eq!(v["workload"]["clients"][0]["keys"], json!(7));
        assert_eq!(v["network"]["overhead_ms"], json!(2));
    }

    #[test]
    fn names_what_does_not_exist() {
        let mut v = json!({"workload": {"clients": [{"region": "a"}]}, "strategies": []});
        let e = set(&mut v, &p("workload.clientz[0].rate_rps"), &json!(1)).unwrap_err();
        assert_eq!(e, "no field `clientz` in workload");
        let e = set(&mut v, &p("workload.clients[3].rate_rps"), &json!(1)).unwrap_err();
        assert_eq!(e, "index 3 is out of range: workload.clients has 1 entries");
        let e = set(&mut v, &p("strategies[name=\"x\"].w"), &json!(1)).unwrap_err();
        assert!(
            e.starts_with("no entry of strategies has name = \"x\""),
            "{e}"
        );
        let e = set(&mut v, &p("workload.clients.rate_rps"), &json!(1)).unwrap_err();
        assert_eq!(
            e,
            "workload.clients is a list, not a table, so it has no field `rate_rps`"
        );
        let r = json!({"latency_ms": {"write": {"p50": 1.0, "p99": 2.0}}, "rto": {"max_s": null}});
        let e = get_number(&r, &p("latency_ms.write.p98")).unwrap_err();
        assert_eq!(e, "no field `p98` in latency_ms.write (it has: p50, p99)");
        let e = get_number(&r, &p("latency_ms.write")).unwrap_err();
        assert!(e.contains("is a table, not a number"), "{e}");
        assert_eq!(get_number(&r, &p("latency_ms.write.p99")), Ok(Some(2.0)));
        assert_eq!(get_number(&r, &p("rto.max_s")), Ok(None));
    }

    #[test]
    fn truncates_lists() {
        let mut v = json!({"regions": [1, 2, 3]});
        truncate(&mut v, &p("regions"), 2).unwrap();
        assert_eq!(v, json!({"regions": [1, 2]}));
        assert!(truncate(&mut v, &p("regions"), 3).is_err());
    }
}
