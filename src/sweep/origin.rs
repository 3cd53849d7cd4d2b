//! Where a grid point's settings come from: the parameters (`Param`, what each does: `Target`)
//! applied to the base (`apply`), which parameter wrote a field (`attribute`, used by `plan` to
//! name the parameter value a scenario error comes from), and where a field of a point is
//! written, with its line and column (`Plan::place`): the value of the parameter that set it,
//! in the sweep file, else the base scenario's field (`BaseSource`: inline in the sweep file,
//! or in its own file).
//!
//! Must not import the engine or the world; reads no file (the plan keeps the texts).

use std::path::PathBuf;

use serde_json::Value;

use super::path::{self, FieldPath};
use super::spec::Grid;
use super::Plan;
use crate::error::Problem;
use crate::scenario::{self, Format};

/// What a parameter does to the scenario.
#[derive(Debug)]
pub(super) enum Target {
    /// Set the field at the path.
    Set(FieldPath),
    /// `len(path)`: keep the first n entries of the list at the path.
    Len(FieldPath),
}

impl Target {
    pub(super) fn parse(text: &str) -> std::result::Result<Target, String> {
        let t = text.trim();
        match t.strip_prefix("len(").and_then(|r| r.strip_suffix(')')) {
            Some(inner) => Ok(Target::Len(FieldPath::parse(inner.trim())?)),
            None => Ok(Target::Set(FieldPath::parse(t)?)),
        }
    }

    pub(super) fn path(&self) -> &FieldPath {
        match self {
            Target::Set(p) | Target::Len(p) => p,
        }
    }

    /// Applies `value`; returns the concrete paths touched.
    pub(super) fn apply(
        &self,
        root: &mut Value,
        value: &Value,
    ) -> std::result::Result<Vec<String>, String> {
        match self {
            Target::Set(p) => path::set(root, p, value),
            Target::Len(p) => path::truncate(root, p, value.as_u64().unwrap_or(0) as usize),
        }
    }
}

/// A parameter ready to apply.
#[derive(Debug)]
pub(super) struct Param {
    /// Canonical path text (the CSV column).
    pub(super) text: String,
    pub(super) target: Target,
    pub(super) values: Vec<Value>,
    pub(super) from_range: bool,
}

impl Param {
    /// The field naming value `j` of parameter `i` in errors.
    pub(super) fn value_field(&self, i: usize, j: usize) -> String {
        if self.from_range {
            format!("parameters[{i}].range (value {j})")
        } else {
            format!("parameters[{i}].values[{j}]")
        }
    }

    /// Where value `j` of parameter `i` is written in the sweep file (a range: the range).
    pub(super) fn value_path(&self, i: usize, j: usize) -> String {
        if self.from_range {
            format!("parameters[{i}].range")
        } else {
            format!("parameters[{i}].values[{j}]")
        }
    }
}

/// Where the base scenario's fields are written: its file (the sweep file for an inline base),
/// its text and format, and a prefix for an inline table.
#[derive(Debug)]
pub(super) struct BaseSource {
    pub(super) file: PathBuf,
    pub(super) prefix: &'static str,
    pub(super) text: String,
    pub(super) format: Format,
}

impl BaseSource {
    /// The path of the base's field `f` in its file.
    pub(super) fn field(&self, f: &str) -> String {
        match (self.prefix, f) {
            ("", f) => f.to_string(),
            (p, ".") => p.trim_end_matches('.').to_string(),
            (p, f) => format!("{p}{f}"),
        }
    }
}

/// Per parameter (by index), the concrete paths it wrote into a point's scenario.
pub(super) type Written = Vec<(usize, Vec<String>)>;

/// Where a field of a point's scenario is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The file: the sweep file, or the base scenario's own file.
    pub file: PathBuf,
    /// The path in that file: `parameters[i].values[j]` (or `parameters[i].range`),
    /// `scenario.<field>` for an inline base, `<field>` in a base file.
    pub field: String,
    /// 1-based line and column, when known (TOML files; the nearest written parent for a field
    /// left at its default, as for a scenario's problems).
    pub at: Option<(usize, usize)>,
}

/// The files a plan was built from and what it applied to them, kept to place its fields.
#[derive(Debug)]
pub(super) struct Sources {
    /// The sweep file, its text and format.
    pub(super) sweep: PathBuf,
    pub(super) text: String,
    pub(super) format: Format,
    /// The base scenario's source.
    pub(super) base: BaseSource,
    /// The base scenario as a JSON tree.
    pub(super) value: Value,
    pub(super) params: Vec<Param>,
    pub(super) grid: Grid,
}

impl Plan {
    /// Where `field` (a scenario field path such as `workload.clients[0].rate_rps`) of point
    /// `k` gets its value: the value of the parameter that wrote it or a table holding it
    /// (`len(...)` parameters write no value), else the base's field.
    pub fn place(&self, k: usize, field: &str) -> Place {
        let s = &self.sources;
        let coords = s.grid.coords(k, s.params.len());
        let set: Written = apply(&s.value, &s.params, &coords)
            .map(|(_, written)| written)
            .unwrap_or_default()
            .into_iter()
            .filter(|(i, _)| matches!(s.params[*i].target, Target::Set(_)))
            .collect();
        let (file, text, format, path) = match attribute(field, "", &set) {
            Some(i) => (
                &s.sweep,
                &s.text,
                s.format,
                s.params[i].value_path(i, coords[i]),
            ),
            None => (
                &s.base.file,
                &s.base.text,
                s.base.format,
                s.base.field(field),
            ),
        };
        let mut p = [Problem::new(path.clone(), "")];
        scenario::place(text, format, &mut p);
        Place {
            file: file.clone(),
            field: path,
            at: p[0].at,
        }
    }
}

/// Which parameter (of `written`: index and concrete paths) an error at `field` is about: one
/// whose path lies under the error's (an enum-tagged table reports its own path) or above it
/// (a value that is itself a table). When several lie under it, the one whose last field the
/// message names.
pub(super) fn attribute(
    field: &str,
    message: &str,
    written: &[(usize, Vec<String>)],
) -> Option<usize> {
    let under = |a: &str, b: &str| {
        a == b || (a.starts_with(b) && matches!(a.as_bytes().get(b.len()), Some(b'.' | b'[')))
    };
    let mut candidates = Vec::new();
    for (i, paths) in written {
        for c in paths {
            if field == "." || under(c, field) || under(field, c) {
                candidates.push((*i, c.as_str()));
            }
        }
    }
    let named = candidates.iter().find(|(_, c)| {
        let last = c.rsplit(['.', ']']).next().unwrap_or(c);
        !last.is_empty() && message.contains(&format!("`{last}`"))
    });
    named.or(candidates.first()).map(|(i, _)| *i)
}

/// Grid point `coords` (a value index per parameter) applied to `base`: the scenario value
/// and, per parameter, the concrete paths it wrote; the error is `(parameter, message)` for a
/// path that does not apply.
pub(super) fn apply(
    base: &Value,
    params: &[Param],
    coords: &[usize],
) -> std::result::Result<(Value, Written), (usize, String)> {
    let mut value = base.clone();
    let mut written = Vec::new();
    for (i, p) in params.iter().enumerate() {
        let w = p
            .target
            .apply(&mut value, &p.values[coords[i]])
            .map_err(|e| (i, e))?;
        written.push((i, w));
    }
    Ok((value, written))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_placed_at_the_value_that_set_it_else_in_the_base() {
        let text = "metrics = [\"latency_ms.read.p50\"]\n[[parameters]]\n\
                    path = \"workload.clients[*].rate_rps\"\nvalues = [10, 20]\n[scenario]\n\
                    duration_s = 2\nregions = [\"aws:eu-west-1\"]\n[[scenario.workload.clients]]\n\
                    region = \"aws:eu-west-1\"\nrate_rps = 5\n\
                    [[scenario.strategies]]\nkind = \"multi-master\"\nname = \"mm\"\n";
        let plan = super::super::from_str(text, Format::Toml, "s.toml".as_ref()).unwrap();
        let at = |k: usize, field: &str| {
            let p = plan.place(k, field);
            assert_eq!(p.file, PathBuf::from("s.toml"));
            (p.field, p.at)
        };
        assert_eq!(
            at(1, "workload.clients[0].rate_rps"),
            ("parameters[0].values[1]".into(), Some((4, 15)))
        );
        assert_eq!(
            at(1, "duration_s"),
            ("scenario.duration_s".into(), Some((6, 1)))
        );
        // Left at its default: the table that would hold it.
        assert_eq!(
            at(0, "detection.heartbeat_ms"),
            ("scenario.detection.heartbeat_ms".into(), Some((5, 2)))
        );
    }

    #[test]
    fn errors_are_attributed_to_the_parameter_that_wrote_the_field() {
        let written = vec![
            (0, vec!["workload.clients[0].rate_rps".to_string()]),
            (1, vec!["strategies[1].resolution".to_string()]),
            (2, vec!["strategies[1].name".to_string()]),
        ];
        // Exact, and an enum-tagged table reporting its own path (the message decides).
        assert_eq!(
            attribute("workload.clients[0].rate_rps", "", &written),
            Some(0)
        );
        assert_eq!(
            attribute("strategies[1]", "unknown variant `x`", &written),
            Some(1)
        );
        assert_eq!(attribute("strategies[1]", "bad `name`", &written), Some(2));
        // A value that is itself a table reports a path inside it.
        assert_eq!(
            attribute("workload.clients[0].rate_rps.x", "", &written),
            Some(0)
        );
        // `workload.clients[0].rate` is not a prefix of `...rate_rps` as a path.
        assert_eq!(attribute("workload.clients[0].rate", "", &written), None);
        assert_eq!(attribute("regions[0].lat", "", &written), None);
    }
}
