//! Errors inside the tagged arrays (`[[strategies]]`, `[[faults]]`, `[[slo]]`), located. Each
//! element is a tagged enum: serde buffers its table before it reads `kind`, so an error in
//! it loses the field's path and position (it names `strategies[i]`, at the array's first
//! line). `tagged_error` reads the failing element alone, with the position of each key, and
//! finds the field: a strategy's settings are deserialized as the type of its `kind` through
//! serde_path_to_error (`strategies[i].<path>` at that field's key); otherwise the key serde's
//! message names (an unknown or missing field), or the one key holding the value it names (an
//! unknown variant, a value of the wrong type). Failing that, the element's own first line.
//!
//! Must not import the engine, the world, metrics or report.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::spec::{
    ActiveActiveSpec, ActivePassiveSpec, ConsensusSpec, CustomSpec, EdgeCacheSpec,
    FollowTheSunSpec, FollowTheUserSpec, MultiMasterSpec, QuorumSpec,
};
use super::Format;
use crate::error::line_col;

/// An error in element `index` of a tagged array, located: its field path, its line and
/// column (TOML only; `None` for JSON, whose reader gives no positions here), and the message
/// (`None`: the one serde already gave).
#[derive(Debug, PartialEq)]
pub(super) struct Located {
    pub(super) field: String,
    pub(super) position: Option<(usize, usize)>,
    pub(super) message: Option<String>,
}

/// The arrays whose elements are tagged on `kind`.
const TAGGED: [&str; 3] = ["strategies", "faults", "slo"];

type Table<K, V> = Vec<BTreeMap<K, V>>;

/// The file's tagged arrays, each key with its span (TOML).
#[derive(Deserialize)]
struct TomlDoc {
    #[serde(default)]
    strategies: Table<toml::Spanned<String>, toml::Value>,
    #[serde(default)]
    faults: Table<toml::Spanned<String>, toml::Value>,
    #[serde(default)]
    slo: Table<toml::Spanned<String>, toml::Value>,
}

/// The file's tagged arrays (JSON).
#[derive(Deserialize)]
struct JsonDoc {
    #[serde(default)]
    strategies: Table<String, serde_json::Value>,
    #[serde(default)]
    faults: Table<String, serde_json::Value>,
    #[serde(default)]
    slo: Table<String, serde_json::Value>,
}

/// The array and index of a field path that is exactly `ARRAY[i]` of a tagged array.
pub(super) fn tagged_index(field: &str) -> Option<(&'static str, usize)> {
    let (name, rest) = field.split_once('[')?;
    let array = TAGGED.into_iter().find(|&a| a == name)?;
    Some((array, rest.strip_suffix(']')?.parse().ok()?))
}

/// One element as a JSON object and where each of its keys starts in the text (TOML).
type Element = (
    serde_json::Map<String, serde_json::Value>,
    BTreeMap<String, usize>,
);

fn element(text: &str, format: Format, array: &str, index: usize) -> Option<Element> {
    match format {
        Format::Toml => {
            let doc: TomlDoc = toml::from_str(text).ok()?;
            let entries = match array {
                "strategies" => doc.strategies,
                "faults" => doc.faults,
                _ => doc.slo,
            };
            let mut table = serde_json::Map::new();
            let mut keys = BTreeMap::new();
            for (k, v) in entries.into_iter().nth(index)? {
                keys.insert(k.get_ref().clone(), k.span().start);
                table.insert(k.into_inner(), serde_json::to_value(v).ok()?);
            }
            Some((table, keys))
        }
        Format::Json => {
            let doc: JsonDoc = serde_json::from_str(text).ok()?;
            let entries = match array {
                "strategies" => doc.strategies,
                "faults" => doc.faults,
                _ => doc.slo,
            };
            let table = entries.into_iter().nth(index)?.into_iter().collect();
            Some((table, BTreeMap::new()))
        }
    }
}

/// Element `index` of `array` in `text` redone alone, for serde's `message` about it (`None`:
/// keep the error as it was).
pub(super) fn tagged_error(
    text: &str,
    format: Format,
    (array, index): (&str, usize),
    message: &str,
) -> Option<Located> {
    let (table, keys) = element(text, format, array, index)?;
    let at = |key: &str| keys.get(key).map(|&start| line_col(text, start));
    if array == "strategies" {
        if let Some(l) = strategy_error(&table, &at, index) {
            return Some(l);
        }
    }
    let field = |key: &str| format!("{array}[{index}].{key}");
    // The element's own line: its first key.
    let first = keys.values().min().map(|&start| line_col(text, start));
    if let Some(key) = quoted_after(message, "unknown field `") {
        return Some(Located {
            field: field(&key),
            position: at(&key),
            message: None,
        });
    }
    if let Some(key) = quoted_after(message, "missing field `") {
        return Some(Located {
            field: field(&key),
            position: first,
            message: None,
        });
    }
    // The one key holding the value the message names.
    let holding: Vec<&String> = match named_value(message) {
        Some(named) => table
            .iter()
            .filter(|(_, x)| named.is(x))
            .map(|(k, _)| k)
            .collect(),
        None => Vec::new(),
    };
    Some(match holding.as_slice() {
        [key] => Located {
            field: field(key),
            position: at(key),
            message: None,
        },
        _ => Located {
            field: format!("{array}[{index}]"),
            position: first,
            message: None,
        },
    })
}

/// What a serde message says the offending value is.
enum Named {
    /// This value (a string, integer, float or boolean).
    Value(serde_json::Value),
    /// A list, or a table (serde names no value for those).
    List,
    Table,
}

impl Named {
    fn is(&self, v: &serde_json::Value) -> bool {
        match self {
            Named::Value(x) => x == v,
            Named::List => v.is_array(),
            Named::Table => v.is_object(),
        }
    }
}

/// The value a serde message names: an unknown variant (a string), or the value of an
/// invalid type or value (a string, integer, float, boolean, list or table).
fn named_value(message: &str) -> Option<Named> {
    if let Some(v) = quoted_after(message, "unknown variant `") {
        return Some(Named::Value(v.into()));
    }
    let rest = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))?;
    if let Some(s) = rest.strip_prefix("string \"") {
        return Some(Named::Value(s[..s.find('"')?].into()));
    }
    if rest.starts_with("sequence") {
        return Some(Named::List);
    }
    if rest.starts_with("map") {
        return Some(Named::Table);
    }
    let (_, quoted) = rest.split_once('`')?;
    let token = &quoted[..quoted.find('`')?];
    serde_json::from_str(token).ok().map(Named::Value)
}

/// A strategy's settings deserialized as the type of its `kind`, for the field of the error
/// (`None`: not found that way).
fn strategy_error(
    table: &serde_json::Map<String, serde_json::Value>,
    at: &dyn Fn(&str) -> Option<(usize, usize)>,
    index: usize,
) -> Option<Located> {
    let located = |path: String, key: &str, message: Option<String>| Located {
        field: format!("strategies[{index}].{path}"),
        position: at(key),
        message,
    };
    let mut settings = table.clone();
    let kind = match settings.remove("kind")? {
        serde_json::Value::String(k) => k,
        _ => return None,
    };
    let kind = match kind.strip_prefix("custom:") {
        Some(name) if !settings.contains_key("strategy") => {
            settings.insert("strategy".into(), name.into());
            "custom".to_string()
        }
        _ => kind,
    };
    let settings = serde_json::Value::Object(settings);
    let error = match kind.as_str() {
        "active-passive" => first_error::<ActivePassiveSpec>(settings),
        "multi-master" => first_error::<MultiMasterSpec>(settings),
        "active-active" => first_error::<ActiveActiveSpec>(settings),
        "follow-the-sun" => first_error::<FollowTheSunSpec>(settings),
        "follow-the-user" => first_error::<FollowTheUserSpec>(settings),
        "quorum" => first_error::<QuorumSpec>(settings),
        "consensus" => first_error::<ConsensusSpec>(settings),
        "edge-cache" => first_error::<EdgeCacheSpec>(settings),
        "custom" => first_error::<CustomSpec>(settings),
        // An unknown kind: the error (an unknown variant) is the `kind` key's.
        _ => return Some(located("kind".into(), "kind", None)),
    }?;
    let (path, message) = error;
    if path == "." {
        // At the table itself: an unknown field (at its key) or a missing one (at the
        // table's `kind`).
        if let Some(name) = quoted_after(&message, "unknown field `") {
            return Some(located(name.clone(), &name, Some(message)));
        }
        let name = quoted_after(&message, "missing field `")?;
        return Some(located(name, "kind", Some(message)));
    }
    // The key the error is under: the path's first segment.
    let key = path.split(['.', '[']).next().unwrap_or(&path).to_string();
    Some(located(path.clone(), &key, Some(message)))
}

/// The field path and message of the first error deserializing `settings` as `T` (`None` if
/// it deserializes).
fn first_error<T: DeserializeOwned>(settings: serde_json::Value) -> Option<(String, String)> {
    match serde_path_to_error::deserialize::<_, T>(settings) {
        Ok(_) => None,
        Err(e) => Some((e.path().to_string(), e.into_inner().to_string())),
    }
}

/// The name in a serde message that starts with `prefix` ("unknown field `" or "missing
/// field `") and the name in backquotes.
fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    Some(rest[..rest.find('`')?].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = "name = \"t\"\n\n[[strategies]]\nkind = \"active-passive\"\nname = \"ap\"\n\
        primary = \"a\"\nreplication = \"async\"\n\n[[strategies]]\nkind = \"multi-master\"\n\
        name = \"mm\"\nresolution = \"lww\"\n";

    /// Strategy `index` of `text` located, for serde's `message` about it.
    fn located(text: &str, index: usize, message: &str) -> Located {
        tagged_error(text, Format::Toml, ("strategies", index), message).expect("located")
    }

    #[test]
    fn an_unknown_field_of_the_second_strategy_is_named_at_its_own_line() {
        let text = TWO.replace("resolution = ", "resolutoin = ");
        let l = located(&text, 1, "");
        assert_eq!(l.field, "strategies[1].resolutoin");
        assert_eq!(l.position, Some((12, 1)));
        let message = l.message.expect("a message");
        assert!(
            message.starts_with("unknown field `resolutoin`"),
            "{message}"
        );
    }

    #[test]
    fn a_bad_value_is_named_by_its_field_at_its_line() {
        let text = TWO.replace("\"async\"", "\"asnyc\"");
        let l = located(&text, 0, "");
        assert_eq!(l.field, "strategies[0].replication");
        assert_eq!(l.position, Some((7, 1)));
        let message = l.message.expect("a message");
        assert!(message.contains("unknown variant `asnyc`"), "{message}");
    }

    #[test]
    fn a_missing_field_is_named_at_its_tables_kind() {
        let text = TWO.replace("primary = \"a\"\n", "");
        let l = located(&text, 0, "");
        assert_eq!(
            (l.field.as_str(), l.position),
            ("strategies[0].primary", Some((4, 1)))
        );
    }

    #[test]
    fn a_missing_kind_is_named_at_the_tables_first_key() {
        let text = TWO.replace("kind = \"multi-master\"\n", "kin = \"multi-master\"\n");
        let l = located(&text, 1, "missing field `kind`");
        assert_eq!(
            (l.field.as_str(), l.position),
            ("strategies[1].kind", Some((10, 1)))
        );
        assert_eq!(l.message, None, "serde's missing-field message stands");
    }

    #[test]
    fn an_unknown_kind_is_the_kind_keys() {
        let text = TWO.replace("\"multi-master\"", "\"multimaster\"");
        let l = located(
            &text,
            1,
            "unknown variant `multimaster`, expected one of ...",
        );
        assert_eq!(
            (l.field.as_str(), l.position),
            ("strategies[1].kind", Some((10, 1)))
        );
        assert_eq!(l.message, None, "the unknown-variant message stands");
    }

    /// Every kind serde knows (the list its unknown-variant message gives) has its arm here:
    /// a bogus field in a table of that kind is named at its line, through the kind's type.
    #[test]
    fn every_kind_is_located() {
        let e = serde_json::from_str::<crate::scenario::spec::StrategySpec>(r#"{"kind": "?"}"#)
            .expect_err("no such kind")
            .to_string();
        let list = &e[e.find("expected one of").expect("the kinds")..];
        let kinds: Vec<&str> = list.split('`').skip(1).step_by(2).collect();
        assert!(
            kinds.len() >= 9 && kinds.contains(&"edge-cache"),
            "{kinds:?}"
        );
        for kind in kinds {
            let text = format!("[[strategies]]\nkind = \"{kind}\"\nname = \"s\"\nbogus = 1\n");
            let l = located(&text, 0, "");
            assert_eq!(
                (l.field.as_str(), l.position),
                ("strategies[0].bogus", Some((4, 1))),
                "{kind}"
            );
            assert!(l.message.is_some(), "{kind}: found through its type");
        }
    }

    /// Faults and SLOs (no type per kind): the key serde's message names, or the one key
    /// holding the value it names; else the element's first line.
    #[test]
    fn faults_and_slos_are_located_by_what_the_message_names() {
        let text = "name = \"t\"\n[[faults]]\nkind = \"region-outage\"\nregion = \"a\"\n\
            recover = \"durabel\"\nstart_s = \"soon\"\nduraton_s = 3\n\n[[slo]]\n\
            kind = \"latency\"\nop = \"read\"\nmax_ms = -1\n";
        let at = |array: &str, message: &str| {
            let l = tagged_error(text, Format::Toml, (array, 0), message).expect("located");
            assert_eq!(l.message, None, "serde's message stands");
            (l.field, l.position)
        };
        let field = |f: &str, line: usize| (f.to_string(), Some((line, 1)));
        assert_eq!(
            at("faults", "unknown field `duraton_s`, expected one of ..."),
            field("faults[0].duraton_s", 7)
        );
        assert_eq!(
            at(
                "faults",
                "unknown variant `durabel`, expected `durable` or `empty`"
            ),
            field("faults[0].recover", 5)
        );
        assert_eq!(
            at("faults", "invalid type: string \"soon\", expected a number"),
            field("faults[0].start_s", 6)
        );
        assert_eq!(
            at("slo", "invalid value: integer `-1`, expected a number >= 0"),
            field("slo[0].max_ms", 12)
        );
        assert_eq!(
            at("slo", "missing field `percentile`"),
            field("slo[0].percentile", 10)
        );
        let list =
            "name = \"t\"\n[[faults]]\nkind = \"region-outage\"\nregion = \"a\"\nstart_s = [1]\n";
        let l = tagged_error(
            list,
            Format::Toml,
            ("faults", 0),
            "invalid type: sequence, expected a number",
        );
        assert_eq!(
            l.map(|l| (l.field, l.position)),
            Some(field("faults[0].start_s", 5))
        );
        // A value no key holds: the element's first line.
        assert_eq!(at("faults", "something else"), field("faults[0]", 3));
    }

    #[test]
    fn json_names_the_field_without_a_position_and_a_valid_table_finds_no_field() {
        let json = r#"{"strategies": [{"kind": "quorum", "name": "q", "n": "three"}]}"#;
        let l = tagged_error(json, Format::Json, ("strategies", 0), "").expect("located");
        assert_eq!((l.field.as_str(), l.position), ("strategies[0].n", None));
        let l = located(TWO, 1, "");
        assert_eq!(
            (l.field.as_str(), l.position),
            ("strategies[1]", Some((10, 1)))
        );
        assert_eq!(tagged_index("strategies[12]"), Some(("strategies", 12)));
        assert_eq!(tagged_index("faults[0]"), Some(("faults", 0)));
        assert_eq!(tagged_index("slo[3]"), Some(("slo", 3)));
        assert_eq!(tagged_index("strategies[1].name"), None);
        assert_eq!(tagged_index("regions[1]"), None);
    }
}
