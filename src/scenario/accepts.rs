//! What a field accepts, for parse errors that say so in plain words. A whole number's range
//! is its type's (`u32`: 0 to 4294967295) narrowed by the bounds the scenario's JSON Schema
//! declares for it (`#[schemars(range(...))]` on the spec: `keys` from 1 to 10000000), so
//! `keys = -5` says the minimum is 1, not 0, and a value beyond the type says it is out of
//! range and gives the maximum rather than naming the parser's integer types. A value of
//! several forms (an untagged enum) lists them ("a whole number or a table").
//!
//! Must not import the engine, the world, metrics or report.

use std::sync::OnceLock;

use serde_json::Value;

/// What a field accepts, as far as known (`Default`: nothing beyond what serde names).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Accepts {
    /// The range of a whole number.
    pub whole: Option<Whole>,
    /// The forms of a value that takes several: "a whole number or a table".
    pub forms: Option<String>,
}

/// The whole numbers a field accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Whole {
    /// Smallest accepted.
    pub min: i128,
    /// Largest accepted.
    pub max: i128,
    /// The type's smallest (`min` is a real bound when it is above it, or for unsigned types).
    type_min: i128,
    /// The type's largest (`max` is shown when it is below it, or when a value exceeds it).
    type_max: i128,
}

impl Whole {
    /// The range of the integer type serde names (`u64`, `usize`, ...) or the JSON Schema
    /// formats (`uint64`, `uint`, ...).
    pub fn of_type(word: &str) -> Option<Whole> {
        let (min, max): (i128, i128) = match word {
            "u8" | "uint8" => (0, u8::MAX.into()),
            "u16" | "uint16" => (0, u16::MAX.into()),
            "u32" | "uint32" => (0, u32::MAX.into()),
            "u64" | "uint64" | "usize" | "uint" => (0, u64::MAX.into()),
            "i8" | "int8" => (i8::MIN.into(), i8::MAX.into()),
            "i16" | "int16" => (i16::MIN.into(), i16::MAX.into()),
            "i32" | "int32" => (i32::MIN.into(), i32::MAX.into()),
            "i64" | "int64" | "isize" | "int" => (i64::MIN.into(), i64::MAX.into()),
            _ => return None,
        };
        Some(Whole {
            min,
            max,
            type_min: min,
            type_max: max,
        })
    }

    /// Narrowed to `[min, max]` where given.
    pub fn within(self, min: Option<i128>, max: Option<i128>) -> Whole {
        Whole {
            min: min.map_or(self.min, |m| m.max(self.min)),
            max: max.map_or(self.max, |m| m.min(self.max)),
            ..self
        }
    }

    /// "a whole number >= 1", "a whole number from 1 to 10000000" (always with the maximum
    /// when `show_max`), "a whole number".
    pub fn expected(&self, show_max: bool) -> String {
        let lower = self.min > self.type_min || self.type_min == 0;
        let upper = show_max || self.max < self.type_max;
        match (lower, upper) {
            (true, true) => format!("a whole number from {} to {}", self.min, self.max),
            (true, false) => format!("a whole number >= {}", self.min),
            (false, true) => format!("a whole number <= {}", self.max),
            (false, false) => "a whole number".to_string(),
        }
    }

    /// `value` (as written) is outside the range: which bound it passes.
    fn out_of_range(&self, value: &str, above: bool) -> String {
        format!(
            "`{value}` is out of range: expected {}",
            self.expected(above)
        )
    }
}

/// serde's message about a whole-number field in plain words, with `whole` (the field's
/// range, when known; else the range of the type the message names). `value` is the text of
/// the value in the file, for a message that does not name it (toml's "integer number
/// overflowed" beyond 128 bits, serde_json's "number out of range" when a TOML integer beyond
/// 64 bits reaches a buffered table). `None`: the message is not about a whole number.
pub fn message(msg: &str, whole: Option<Whole>, value: Option<&str>) -> Option<String> {
    if msg == "JSON number out of range" || msg == "integer number overflowed" {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        let above = !value.starts_with('-');
        return Some(match whole {
            Some(w) => w.out_of_range(value, above),
            None => format!("`{value}` is out of range"),
        });
    }
    let (head, word) = msg.rsplit_once(", expected ")?;
    let w = whole.or_else(|| Whole::of_type(word))?;
    Whole::of_type(word)?;
    // `invalid value: integer `-5`` (within 64 bits) and `invalid type: integer `N` as i128`.
    let integer = head
        .strip_prefix("invalid value: integer `")
        .or_else(|| head.strip_prefix("invalid type: integer `"))
        .and_then(|rest| rest.split_once('`'))
        .map(|(v, _)| v);
    if let Some(v) = integer {
        let above = v.parse::<i128>().map_or(!v.starts_with('-'), |x| x > w.max);
        return Some(w.out_of_range(v, above));
    }
    // A float that is a whole number beyond the range: JSON reads 99999999999999999999 so.
    let float = head
        .strip_prefix("invalid type: floating point `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(v, _)| v);
    if let Some(v) = float {
        if let Ok(x) = v.parse::<f64>() {
            if x.is_finite() && x.fract() == 0.0 && (x < w.min as f64 || x > w.max as f64) {
                return Some(w.out_of_range(v, x > w.max as f64));
            }
        }
    }
    Some(format!("{head}, expected {}", w.expected(false)))
}

/// The scenario's JSON Schema, as a value.
fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::to_value(schemars::schema_for!(super::ScenarioSpec)).unwrap_or(Value::Null)
    })
}

/// One step of a field path: a field, or an index into a list.
enum Step<'a> {
    Field(&'a str),
    Index(usize),
}

/// `workload.clients[0].keys` as steps; `None` when it is not such a path.
fn steps(field: &str) -> Option<Vec<Step<'_>>> {
    let mut out = Vec::new();
    for part in field.split('.') {
        let (name, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if !name.is_empty() {
            out.push(Step::Field(name));
        }
        while let Some(r) = rest.strip_prefix('[') {
            let (i, after) = r.split_once(']')?;
            out.push(Step::Index(i.parse().ok()?));
            rest = after;
        }
        if !rest.is_empty() {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `node` and every schema it stands for (`$ref`, `anyOf`, `oneOf`, `allOf`), into `out`.
fn expand<'a>(root: &'a Value, node: &'a Value, depth: usize, out: &mut Vec<&'a Value>) {
    if depth > 16 {
        return;
    }
    let node = match node.get("$ref").and_then(Value::as_str) {
        Some(r) => match r.strip_prefix("#/$defs/") {
            Some(name) => &root["$defs"][name],
            None => return,
        },
        None => node,
    };
    out.push(node);
    for key in ["anyOf", "oneOf", "allOf"] {
        for n in node
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            expand(root, n, depth + 1, out);
        }
    }
}

/// A bound of a whole number: the schema's `key` (inclusive) or `exclusive` (moved in by one).
fn bound(node: &Value, key: &str, exclusive: &str, up: bool) -> Option<i128> {
    let inclusive =
        node.get(key)
            .and_then(Value::as_f64)
            .map(|x| if up { x.ceil() } else { x.floor() });
    let strict = node.get(exclusive).and_then(Value::as_f64).map(|x| {
        if up {
            x.floor() + 1.0
        } else {
            x.ceil() - 1.0
        }
    });
    let pick = |a: f64, b: f64| if up { a.max(b) } else { a.min(b) };
    let x = match (inclusive, strict) {
        (Some(a), Some(b)) => pick(a, b),
        (a, b) => a.or(b)?,
    };
    // Within i128 (an f64 bound beyond 64 bits is no bound of a 64-bit type anyway).
    (x.abs() < 1e30).then_some(x as i128)
}

/// The schemas of the scenario field at `field` (a serde path: `workload.clients[0].keys`),
/// every form it may take (`anyOf`, `oneOf` and `$ref` expanded); empty when there is none.
fn at(field: &str) -> Vec<&'static Value> {
    let root = schema();
    let mut here = Vec::new();
    expand(root, root, 0, &mut here);
    let Some(steps) = steps(field) else {
        return Vec::new();
    };
    for step in steps {
        let mut next = Vec::new();
        for node in here {
            let child = match step {
                Step::Field(name) => node
                    .get("properties")
                    .and_then(|p| p.get(name))
                    .or_else(|| node.get("additionalProperties").filter(|a| a.is_object())),
                Step::Index(i) => node
                    .get("prefixItems")
                    .and_then(|p| p.get(i))
                    .or_else(|| node.get("items").filter(|a| a.is_object())),
            };
            if let Some(child) = child {
                expand(root, child, 0, &mut next);
            }
        }
        here = next;
    }
    here
}

/// The JSON types a schema allows.
fn types(node: &Value) -> Vec<&str> {
    match node.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// What the scenario field at `field` accepts, from the schema.
pub fn of_field(field: &str) -> Accepts {
    let forms = at(field);
    Accepts {
        whole: whole(&forms),
        forms: words(&forms),
    }
}

/// The range of the whole number among `forms`; `None` when there is none, or several with
/// different ranges (the same field of two strategy kinds).
fn whole(forms: &[&Value]) -> Option<Whole> {
    let mut found = forms
        .iter()
        .filter(|n| types(n).contains(&"integer"))
        .map(|n| {
            let w = Whole::of_type(n.get("format").and_then(Value::as_str).unwrap_or("int64"))?;
            Some(w.within(
                bound(n, "minimum", "exclusiveMinimum", true),
                bound(n, "maximum", "exclusiveMaximum", false),
            ))
        });
    let first = found.next()??;
    found.all(|w| w == Some(first)).then_some(first)
}

/// The forms among `forms` in words, when there are several: "a whole number or a table".
fn words(forms: &[&Value]) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    for n in forms {
        for t in types(n) {
            let word = match t {
                "integer" => match whole(&[n]) {
                    Some(w) => w.expected(false),
                    None => "a whole number".to_string(),
                },
                "number" => "a number".to_string(),
                "string" => "a string".to_string(),
                "boolean" => "true or false".to_string(),
                "array" => "an array".to_string(),
                "object" => "a table".to_string(),
                _ => continue,
            };
            if !out.contains(&word) {
                out.push(word);
            }
        }
    }
    match out.as_slice() {
        [] | [_] => None,
        [init @ .., last] => Some(format!("{} or {last}", init.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_gets_its_declared_range_within_its_type() {
        let w = |f: &str| of_field(f).whole.map(|w| (w.min, w.max));
        assert_eq!(w("seed"), Some((0, u64::MAX.into())));
        assert_eq!(w("workload.clients[3].keys"), Some((1, 10_000_000)));
        assert_eq!(
            w("strategies[1].sync_quorum.any"),
            Some((1, u32::MAX.into()))
        );
        assert_eq!(w("consistency.linearizability_keys"), Some((0, 1000)));
        assert_eq!(w("data_classes[0].keys[2][1]"), Some((0, u64::MAX.into())));
        // Not whole numbers, or no such field.
        assert_eq!(w("duration_s"), None);
        assert_eq!(w("workload.clients[0].nope"), None);
        assert_eq!(w("(top level)"), None);
        assert_eq!(w("workload.clients[x].keys"), None);
    }

    #[test]
    fn a_field_of_several_forms_lists_them() {
        assert_eq!(
            of_field("strategies[0].replicas_per_region")
                .forms
                .as_deref(),
            Some("a whole number >= 0 or a table")
        );
        assert_eq!(of_field("seed").forms, None);
        assert_eq!(of_field("nope").forms, None);
    }

    #[test]
    fn messages_state_the_range_and_never_a_type_name() {
        let keys = of_field("workload.clients[0].keys").whole;
        assert_eq!(
            message("invalid value: integer `-5`, expected u64", keys, None).unwrap(),
            "`-5` is out of range: expected a whole number from 1 to 10000000"
        );
        assert_eq!(
            message(
                "invalid type: integer `99999999999999999999` as i128, expected u64",
                None,
                None
            )
            .unwrap(),
            "`99999999999999999999` is out of range: expected a whole number from 0 to 18446744073709551615"
        );
        let any = of_field("strategies[0].sync_quorum.any").whole;
        assert_eq!(
            message("invalid type: string \"1\", expected u32", any, None).unwrap(),
            "invalid type: string \"1\", expected a whole number >= 1"
        );
        assert_eq!(
            message(
                "invalid type: floating point `1e+20`, expected u64",
                None,
                None
            )
            .unwrap(),
            "`1e+20` is out of range: expected a whole number from 0 to 18446744073709551615"
        );
        assert_eq!(
            message(
                "invalid type: floating point `1.5`, expected u32",
                None,
                None
            )
            .unwrap(),
            "invalid type: floating point `1.5`, expected a whole number >= 0"
        );
        assert_eq!(
            message(
                "JSON number out of range",
                of_field("strategies[2].n").whole,
                Some("99999999999999999999")
            )
            .unwrap(),
            "`99999999999999999999` is out of range: expected a whole number from 1 to 18446744073709551615"
        );
        assert_eq!(
            message("invalid type: string \"x\", expected i64", None, None).unwrap(),
            "invalid type: string \"x\", expected a whole number"
        );
        // Not about whole numbers.
        assert_eq!(
            message("invalid type: string \"x\", expected f64", None, None),
            None
        );
        let huge = "9".repeat(45);
        assert_eq!(
            message("integer number overflowed", None, Some(&huge)).unwrap(),
            format!("`{huge}` is out of range")
        );
        assert_eq!(message("integer number overflowed", None, None), None);
    }
}
