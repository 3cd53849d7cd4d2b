//! Where a field path is written in a TOML scenario: the line and column that stage-2
//! problems (values that parse but are invalid, found by `validate`) are shown at, as parse
//! errors are. A path such as `workload.clients[1].rate_rps` or
//! `strategies[0].shifts[2].region` is followed through the parsed document (`toml`'s spanned
//! `DeTable`): each name to its key, each index to the element of an array or of an array of
//! tables; the problem is placed at the last key (or element) of the path the file writes,
//! so a field left at its default is shown at the table that would hold it. A path the file
//! does not write at all (`(top level)`, a derived name) stays unplaced.
//!
//! Must not import the engine, the world, metrics or report.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::error::{line_col, Problem};

/// One step of a field path: a table key or an array index.
#[derive(Debug, PartialEq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The steps of `path` (`a.b[2].c` -> a, b, 2, c); `None` for a path that is not one
/// (spaces, an unclosed bracket).
fn steps(path: &str) -> Option<Vec<Step<'_>>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() || name.contains(' ') {
            return None;
        }
        out.push(Step::Key(name));
        while let Some(inner) = rest.strip_prefix('[') {
            let end = inner.find(']')?;
            out.push(Step::Index(inner[..end].parse().ok()?));
            rest = &inner[end + 1..];
        }
        if !rest.is_empty() {
            return None;
        }
    }
    Some(out)
}

/// The byte offset of the deepest key or element of `path` that `doc` writes.
fn offset(doc: &DeTable<'_>, path: &[Step<'_>]) -> Option<usize> {
    let mut table = doc;
    let mut value: Option<&Spanned<DeValue<'_>>> = None;
    let mut best = None;
    for step in path {
        match step {
            Step::Key(name) => {
                let t = match value.map(|v| v.get_ref()) {
                    None => table,
                    Some(DeValue::Table(t)) => t,
                    Some(_) => break,
                };
                let Some((key, v)) = t.iter().find(|(k, _)| k.get_ref() == name) else {
                    break;
                };
                best = Some(key.span().start);
                table = t;
                value = Some(v);
            }
            Step::Index(i) => {
                let Some(DeValue::Array(items)) = value.map(|v| v.get_ref()) else {
                    break;
                };
                let Some(item) = items.get(*i) else {
                    break;
                };
                // An element of an array of tables is placed at its first key (its header
                // line holds the array's name, shared by every element).
                best = match item.get_ref() {
                    DeValue::Table(t) => t
                        .keys()
                        .map(|k| k.span().start)
                        .min()
                        .or(Some(item.span().start)),
                    _ => Some(item.span().start),
                };
                value = Some(item);
            }
        }
    }
    best
}

/// Gives every problem of `problems` whose field `text` (a TOML scenario) writes its line and
/// column; leaves the others, and every problem when the text does not parse.
pub(super) fn place(text: &str, problems: &mut [Problem]) {
    let Ok(doc) = DeTable::parse(text) else {
        return;
    };
    for p in problems.iter_mut().filter(|p| p.at.is_none()) {
        let Some(path) = steps(&p.field) else {
            continue;
        };
        if let Some(at) = offset(doc.get_ref(), &path) {
            p.at = Some(line_col(text, at));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name = \"x\"\nregions = [\"a\", \"b\"]\n\n[[workload.clients]]\nregion = \"a\"\nrate_rps = 10\n\n[[workload.clients]]\nregion = \"b\"\n  rate_rps = -3\n\n[[strategies]]\nkind = \"follow-the-sun\"\nshifts = [{ region = \"a\", start_utc_h = 0 }, { region = \"c\", start_utc_h = 8 }]\n";

    fn at(field: &str) -> Option<(usize, usize)> {
        let mut p = [Problem::new(field, "wrong")];
        place(TEXT, &mut p);
        p[0].at
    }

    #[test]
    fn a_field_path_is_placed_at_its_key() {
        assert_eq!(at("workload.clients[1].rate_rps"), Some((10, 3)));
        assert_eq!(at("workload.clients[0].region"), Some((5, 1)));
        assert_eq!(at("regions[1]"), Some((2, 17)));
        assert_eq!(at("strategies[0].shifts[1].region"), Some((14, 48)));
        assert_eq!(at("name"), Some((1, 1)));
    }

    #[test]
    fn a_field_the_file_leaves_out_is_placed_at_its_nearest_written_parent() {
        // A default value: the element that would hold it (its first key).
        assert_eq!(at("workload.clients[1].keys"), Some((9, 1)));
        assert_eq!(at("strategies[0].primary"), Some((13, 1)));
        // A string region has no `name` key: the string itself.
        assert_eq!(at("regions[0].name"), Some((2, 12)));
        assert_eq!(at("(top level)"), None);
        assert_eq!(at("duration_s"), None);
    }

    #[test]
    fn steps_parse_names_and_indices() {
        assert_eq!(
            steps("a.b[2][3].c"),
            Some(vec![
                Step::Key("a"),
                Step::Key("b"),
                Step::Index(2),
                Step::Index(3),
                Step::Key("c")
            ])
        );
        assert_eq!(steps("(top level)"), None);
        assert_eq!(steps("a[x]"), None);
        assert_eq!(steps("a[1"), None);
    }

    #[test]
    fn an_unparsable_text_places_nothing() {
        let mut p = [Problem::new("name", "wrong")];
        place("name = ", &mut p);
        assert_eq!(p[0].at, None);
    }
}
