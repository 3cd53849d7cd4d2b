//! Errors inside `[[strategies]]`, located. A strategy is a tagged enum: serde buffers its
//! table before it reads `kind`, so an error in its settings loses the field's path and
//! position (it names `strategies[i]`, at the array's first line). `strategy_error` redoes the
//! failing strategy alone: it reads the file's strategies with the position of each key,
//! deserializes the failing table's settings as the type of its `kind` through
//! serde_path_to_error, and names `strategies[i].<field>` at the line of that field's key.
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

/// An error in strategy `index`, located: the field path under `strategies[index]`, its line
/// and column (TOML only; `None` for JSON, whose reader gives no positions here), and serde's
/// message (`None`: the one already reported, for an unknown `kind`).
#[derive(Debug, PartialEq)]
pub(super) struct Located {
    pub(super) field: String,
    pub(super) position: Option<(usize, usize)>,
    pub(super) message: Option<String>,
}

/// The file's strategies, each key with the span of its key and of its value (TOML).
#[derive(Deserialize)]
struct TomlDoc {
    #[serde(default)]
    strategies: Vec<BTreeMap<toml::Spanned<String>, toml::Spanned<toml::Value>>>,
}

/// The file's strategies (JSON).
#[derive(Deserialize)]
struct JsonDoc {
    #[serde(default)]
    strategies: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// The index `i` of a field path that is exactly `strategies[i]`.
pub(super) fn strategy_index(field: &str) -> Option<usize> {
    field
        .strip_prefix("strategies[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// Strategy `index` of `text` redone alone, if that finds the error (else `None`: keep the
/// error as it was).
pub(super) fn strategy_error(text: &str, format: Format, index: usize) -> Option<Located> {
    // The table as a JSON object (what the strategy's own deserializer reads), and where each
    // of its keys starts in the text.
    let (table, keys): (
        serde_json::Map<String, serde_json::Value>,
        BTreeMap<String, usize>,
    ) = match format {
        Format::Toml => {
            let doc: TomlDoc = toml::from_str(text).ok()?;
            let entry = doc.strategies.into_iter().nth(index)?;
            let mut table = serde_json::Map::new();
            let mut keys = BTreeMap::new();
            for (k, v) in entry {
                keys.insert(k.get_ref().clone(), k.span().start);
                table.insert(k.into_inner(), serde_json::to_value(v.into_inner()).ok()?);
            }
            (table, keys)
        }
        Format::Json => {
            let doc: JsonDoc = serde_json::from_str(text).ok()?;
            (doc.strategies.into_iter().nth(index)?, BTreeMap::new())
        }
    };
    let at = |key: &str| keys.get(key).map(|&start| line_col(text, start));
    let located = |path: String, key: &str, message: Option<String>| Located {
        field: format!("strategies[{index}].{path}"),
        position: at(key),
        message,
    };
    let mut settings = table;
    let kind = match settings.remove("kind") {
        Some(serde_json::Value::String(k)) => k,
        Some(_) => return None,
        None => {
            // No `kind`: named at the table's first key (the table's own line).
            let first = keys.values().min().map(|&start| line_col(text, start));
            return Some(Located {
                field: format!("strategies[{index}].kind"),
                position: first,
                message: None,
            });
        }
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

    fn located(text: &str, index: usize) -> Option<Located> {
        strategy_error(text, Format::Toml, index)
    }

    #[test]
    fn an_unknown_field_of_the_second_strategy_is_named_at_its_own_line() {
        let text = TWO.replace("resolution = ", "resolutoin = ");
        let l = located(&text, 1).expect("located");
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
        let l = located(&text, 0).expect("located");
        assert_eq!(l.field, "strategies[0].replication");
        assert_eq!(l.position, Some((7, 1)));
        let message = l.message.expect("a message");
        assert!(message.contains("unknown variant `asnyc`"), "{message}");
    }

    #[test]
    fn a_missing_field_is_named_at_its_tables_kind() {
        let text = TWO.replace("primary = \"a\"\n", "");
        let l = located(&text, 0).expect("located");
        assert_eq!(
            (l.field.as_str(), l.position),
            ("strategies[0].primary", Some((4, 1)))
        );
    }

    #[test]
    fn a_missing_kind_is_named_at_the_tables_first_key() {
        let text = TWO.replace("kind = \"multi-master\"\n", "kin = \"multi-master\"\n");
        let l = located(&text, 1).expect("located");
        assert_eq!(
            (l.field.as_str(), l.position),
            ("strategies[1].kind", Some((10, 1)))
        );
        assert_eq!(l.message, None, "serde's missing-field message stands");
    }

    #[test]
    fn an_unknown_kind_is_the_kind_keys() {
        let text = TWO.replace("\"multi-master\"", "\"multimaster\"");
        let l = located(&text, 1).expect("located");
        assert_eq!(
            (l.field.as_str(), l.position),
            ("strategies[1].kind", Some((10, 1)))
        );
        assert_eq!(l.message, None, "the unknown-variant message stands");
    }

    /// Every kind serde knows (the list its unknown-variant message gives) has its arm here:
    /// a bogus field in a table of that kind is named at its line.
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
            let l = located(&text, 0).unwrap_or_else(|| panic!("{kind} not located"));
            assert_eq!(
                (l.field.as_str(), l.position),
                ("strategies[0].bogus", Some((4, 1))),
                "{kind}"
            );
        }
    }

    #[test]
    fn json_names_the_field_without_a_position_and_a_valid_table_finds_nothing() {
        let json = r#"{"strategies": [{"kind": "quorum", "name": "q", "n": "three"}]}"#;
        let l = strategy_error(json, Format::Json, 0).expect("located");
        assert_eq!((l.field.as_str(), l.position), ("strategies[0].n", None));
        assert_eq!(located(TWO, 1), None);
        assert_eq!(strategy_index("strategies[12]"), Some(12));
        assert_eq!(strategy_index("strategies[1].name"), None);
    }
}
