//! Building a sweep plan: the sweep file and its base scenario become validated grid points,
//! or an error naming the sweep field at fault, before anything runs.
//!
//! Owns `load` / `from_str`, the application of parameter values to the base (as a JSON
//! tree, so any field can be swept and serde + validation decide what is valid), the
//! attribution of scenario errors to the parameter and value that caused them (through
//! `origin`, which applies the parameters), and the metric check against a dry run of each
//! distinct report shape. The plan keeps the files it was built from (`origin::Sources`) to
//! place a point's fields.
//!
//! Must not import the engine or the world; reads files only through `io`.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::origin::{apply, attribute, BaseSource, Param, Sources, Target};
use super::path::{self, FieldPath, Segment};
use super::spec::{self, Grid, SweepSpec};
use super::{fnv1a, point_hash, FileRef, Header, ParameterInfo, Plan, PointInfo, RunInfo};
use crate::error::{Error, Result};
use crate::io::{read_text, sha256_hex};
use crate::report::ScenarioInfo;
use crate::scenario::{self, Format, Scenario, ScenarioSpec, DEFAULT_SEED};
use crate::sim::custom::Registry;

/// Reads, builds and checks the sweep file at `path` (see `from_str`).
pub fn load(path: &Path) -> Result<Plan> {
    load_with(path, &Registry::new())
}

/// `load` for a program that registered custom strategies (`geosim::Simulation`): the
/// sweep's points may use them.
pub fn load_with(path: &Path, registry: &Registry) -> Result<Plan> {
    let format = Format::of(path)?;
    let text = read_text(path)?;
    from_str_with(&text, format, path, registry)
}

/// Builds and checks a sweep given as text: parses the file and the base scenario, expands
/// the parameters into grid points, applies each point to the base and validates it as a
/// scenario, and checks every metric path against a short dry run of each distinct report
/// shape. `path` locates a `base` file (relative to the sweep file) and names the file in
/// errors. Every error names the sweep field at fault (`parameters[1].path`, `metrics[0]`, ...).
pub fn from_str(text: &str, format: Format, path: &Path) -> Result<Plan> {
    from_str_with(text, format, path, &Registry::new())
}

/// `from_str` with custom strategies registered.
pub fn from_str_with(text: &str, format: Format, path: &Path, registry: &Registry) -> Result<Plan> {
    let spec: SweepSpec = scenario::parse_spec_with(text, format, path, spec::accepts).map_err(|e| match e {
        Error::Field {
            path,
            field,
            line,
            column,
            message,
        } if spec::looks_like_a_scenario(text, format) => Error::Field {
            path,
            field,
            line,
            column,
            message: format!(
                "{message}; this looks like a scenario file, not a sweep: `geosim run` runs it, and \
                 a sweep file names it with `base` (docs/sweep.md)"
            ),
        },
        e => e,
    })?;
    let mut b = Builder::new(&spec, path, text, format)?;
    b.registry = registry.clone();
    let groups: Vec<Option<String>> = spec.parameters.iter().map(|p| p.zip_group()).collect();
    let counts: Vec<usize> = b.params.iter().map(|p| p.values.len()).collect();
    let grid = Grid::new(&groups, &counts).map_err(|(i, m)| {
        let field = if b.params[i].from_range {
            "range"
        } else {
            "values"
        };
        b.bad(format!("parameters[{i}].{field}"), m)
    })?;
    // Bound the grid before anything sized by it is allocated or built.
    let too_many = |what: String| b.bad("parameters".into(), what);
    let points = grid
        .checked_points()
        .filter(|&n| n <= spec::MAX_POINTS)
        .ok_or_else(|| {
            let lens: Vec<String> = grid.lens.iter().map(usize::to_string).collect();
            too_many(format!(
                "the grid has {} points; the limit is {} (split the sweep into several files)",
                lens.join(" x "),
                spec::MAX_POINTS
            ))
        })?;
    if points.saturating_mul(spec.seeds as usize) > spec::MAX_RUNS {
        return Err(b.bad(
            "seeds".into(),
            format!(
                "{points} points x {} seeds is more than {} runs (use fewer seeds or points)",
                spec.seeds,
                spec::MAX_RUNS
            ),
        ));
    }
    b.check_values_alone()?;

    let mut scenarios = Vec::with_capacity(points);
    let mut points = Vec::with_capacity(points);
    let mut shapes = BTreeSet::new();
    for k in 0..grid.points() {
        let Point {
            value,
            spec: point_spec,
            scenario: sc,
            assignments,
        } = b.point(k, &grid.coords(k, b.params.len()))?;
        let selected = crate::select(&sc, &spec.strategies)
            .map_err(|e| b.bad("strategies".into(), e.to_string()))?;
        if shapes.insert(shape(&value)) {
            b.check_metrics(&point_spec, &sc)?;
        }
        points.push(PointInfo {
            hash: format!("{:016x}", point_hash(&assignments)),
            values: assignments.into_iter().map(|(_, v)| v).collect(),
            strategies: selected
                .into_iter()
                .map(|i| sc.strategies[i].name.clone())
                .collect(),
        });
        scenarios.push(sc);
    }

    let mut runs = Vec::with_capacity(points.len() * spec.seeds as usize);
    for (k, p) in points.iter().enumerate() {
        let hash = u64::from_str_radix(&p.hash, 16).expect("hex");
        for replica in 0..spec.seeds {
            runs.push(RunInfo {
                point: k,
                replica,
                seed: crate::rng::derive_seed(spec.seed, &[hash, replica as u64]),
            });
        }
    }
    let info = ScenarioInfo {
        name: String::new(),
        path: b
            .base_ref
            .path
            .clone()
            .unwrap_or_else(|| path.display().to_string()),
        sha256: b.base_ref.sha256.clone(),
    };
    let header = Header {
        geosim_version: env!("CARGO_PKG_VERSION").to_string(),
        sweep: FileRef {
            path: Some(path.display().to_string()),
            sha256: sha256_hex(text.as_bytes()),
        },
        base: b.base_ref.clone(),
        seed: spec.seed,
        seeds: spec.seeds,
        parameters: b
            .params
            .iter()
            .zip(groups)
            .map(|(p, zip)| ParameterInfo {
                path: p.text.clone(),
                zip,
                values: p.values.clone(),
            })
            .collect(),
        strategies: spec.strategies.clone(),
        metrics: spec.metrics.clone(),
        points,
        runs,
    };
    Ok(Plan {
        header,
        scenarios,
        only: spec.strategies.clone(),
        metrics: b.metrics,
        info,
        sources: Sources {
            sweep: path.to_path_buf(),
            text: text.to_string(),
            format,
            base: b.source,
            value: b.base,
            params: b.params,
            grid,
        },
    })
}

/// A grid point, built.
struct Point {
    /// The scenario as JSON.
    value: Value,
    /// The scenario as a spec.
    spec: ScenarioSpec,
    /// The validated scenario.
    scenario: Scenario,
    /// The point's `(parameter path, value)` pairs, in parameter order.
    assignments: Vec<(String, Value)>,
}

/// The sweep file, parsed, with its base scenario loaded and checked.
struct Builder<'a> {
    path: &'a Path,
    registry: Registry,
    only: &'a [String],
    base: Value,
    base_ref: FileRef,
    source: BaseSource,
    params: Vec<Param>,
    metrics: Vec<FieldPath>,
}

impl<'a> Builder<'a> {
    fn new(spec: &'a SweepSpec, path: &'a Path, text: &str, format: Format) -> Result<Builder<'a>> {
        let bad = |field: &str, message: &str| Error::Sweep {
            path: path.to_path_buf(),
            field: field.to_string(),
            at: None,
            message: message.to_string(),
        };
        let (base, base_ref, source) =
            match (&spec.base, &spec.scenario) {
                (Some(rel), None) => {
                    let file = path.parent().unwrap_or(Path::new("")).join(rel);
                    let base_format = Format::of(&file)?;
                    let base_text = read_text(&file)?;
                    let value: Value = scenario::parse_spec(&base_text, base_format, &file)?;
                    let r = FileRef {
                        path: Some(rel.clone()),
                        sha256: sha256_hex(base_text.as_bytes()),
                    };
                    let source = BaseSource {
                        file,
                        prefix: "",
                        text: base_text,
                        format: base_format,
                    };
                    (value, r, source)
                }
                (None, Some(value)) => {
                    let canonical = serde_json::to_string(value).expect("value serialises");
                    let r = FileRef {
                        path: None,
                        sha256: sha256_hex(canonical.as_bytes()),
                    };
                    let file = path.to_path_buf();
                    (
                        value.clone(),
                        r,
                        BaseSource {
                            file,
                            prefix: "scenario.",
                            text: text.to_string(),
                            format,
                        },
                    )
                }
                _ => return Err(bad(
                    "base",
                    "give exactly one of `base = \"scenario file\"` and an inline [scenario] table",
                )),
            };
        // The base must be a valid scenario on its own; its errors name its own fields.
        let base_spec = deserialize(&base).map_err(|(field, message)| Error::Field {
            path: source.file.clone(),
            field: source.field(&field),
            line: None,
            column: None,
            message,
        })?;
        scenario::from_spec(&base_spec, &source.file).map_err(|e| match e {
            Error::Invalid { path, mut problems } => {
                for p in &mut problems {
                    p.field = source.field(&p.field);
                }
                Error::Invalid { path, problems }
            }
            other => other,
        })?;
        if spec.seeds == 0 {
            return Err(bad("seeds", "must be at least 1"));
        }
        if spec.metrics.is_empty() {
            return Err(bad(
                "metrics",
                "list at least one metric, e.g. \"latency_ms.write.p99\"",
            ));
        }
        let metrics = spec
            .metrics
            .iter()
            .enumerate()
            .map(|(i, m)| FieldPath::parse(m).map_err(|e| bad(&format!("metrics[{i}]"), &e)))
            .collect::<Result<Vec<_>>>()?;
        let mut b = Builder {
            path,
            registry: Registry::new(),
            only: &spec.strategies,
            base,
            base_ref,
            source,
            params: Vec::new(),
            metrics,
        };
        b.params = b.parameters(spec)?;
        Ok(b)
    }

    fn bad(&self, field: String, message: String) -> Error {
        Error::Sweep {
            path: self.path.to_path_buf(),
            field,
            at: None,
            message,
        }
    }

    /// The parameters of `spec`, parsed and expanded.
    fn parameters(&self, spec: &SweepSpec) -> Result<Vec<Param>> {
        let mut params: Vec<Param> = Vec::new();
        for (i, p) in spec.parameters.iter().enumerate() {
            let field = |f: &str| format!("parameters[{i}].{f}");
            let target = Target::parse(&p.path).map_err(|e| self.bad(field("path"), e))?;
            if target.path().to_string() == "seed" {
                return Err(self.bad(
                    field("path"),
                    "run seeds come from the sweep's `seed` and `seeds`; `seed` cannot be a \
                     parameter"
                        .into(),
                ));
            }
            let text = match &target {
                Target::Set(p) => p.to_string(),
                Target::Len(p) => format!("len({p})"),
            };
            if let Some(j) = params.iter().position(|q| q.text == text) {
                return Err(self.bad(
                    field("path"),
                    format!("`{text}` is already swept by parameters[{j}]"),
                ));
            }
            let (values, from_range) = match (&p.values, &p.range) {
                (Some(v), None) if !v.is_empty() => {
                    (v.iter().map(spec::normalize).collect(), false)
                }
                (Some(_), None) => {
                    return Err(self.bad(field("values"), "list at least one value".into()))
                }
                (None, Some(r)) => (r.values().map_err(|e| self.bad(field("range"), e))?, true),
                _ => {
                    return Err(self.bad(
                        format!("parameters[{i}]"),
                        "give exactly one of `values` and `range`".into(),
                    ))
                }
            };
            let param = Param {
                text,
                target,
                values,
                from_range,
            };
            if let Target::Len(_) = param.target {
                if let Some(j) = param.values.iter().position(|v| v.as_u64().is_none()) {
                    return Err(self.bad(
                        param.value_field(i, j),
                        format!(
                            "{}: len() takes a number of entries (an integer >= 0)",
                            param.values[j]
                        ),
                    ));
                }
            }
            params.push(param);
        }
        Ok(params)
    }

    /// Applies each value alone to the base: a wrong path or a value of the wrong type is
    /// named exactly, whatever the other parameters do.
    fn check_values_alone(&self) -> Result<()> {
        for (i, p) in self.params.iter().enumerate() {
            for (j, v) in p.values.iter().enumerate() {
                let mut value = self.base.clone();
                let written = p.target.apply(&mut value, v).map_err(|e| {
                    let list = path::get(&self.base, p.target.path()).is_ok_and(Value::is_array);
                    match p.target {
                        Target::Len(_) if list => self.bad(p.value_field(i, j), e),
                        _ => self.bad(format!("parameters[{i}].path"), e),
                    }
                })?;
                if let Err((field, message)) = deserialize(&value) {
                    let written = [(i, written)];
                    if attribute(&field, &message, &written).is_some() {
                        return Err(self.type_error(i, j, &field, &message, &written[0].1));
                    }
                }
            }
        }
        Ok(())
    }

    /// Grid point `k`, given its value index per parameter in `coords`.
    fn point(&self, k: usize, coords: &[usize]) -> Result<Point> {
        let (value, written) = apply(&self.base, &self.params, coords)
            .map_err(|(i, e)| self.bad(format!("parameters[{i}].path"), e))?;
        let assignments: Vec<(String, Value)> = (self.params.iter().zip(coords))
            .map(|(p, &j)| (p.text.clone(), p.values[j].clone()))
            .collect();
        let at_point = || {
            let list: Vec<String> = assignments
                .iter()
                .map(|(p, v)| format!("{p} = {v}"))
                .collect();
            format!("grid point {k} ({})", list.join(", "))
        };
        let spec = deserialize(&value).map_err(|(field, message)| {
            match attribute(&field, &message, &written) {
                Some(i) => self.type_error(i, coords[i], &field, &message, &written[i].1),
                None => self.bad(at_point(), format!("{field}: {message}")),
            }
        })?;
        let sc = scenario::from_spec(&spec, &self.source.file).map_err(|e| match e {
            Error::Invalid { problems, .. } => {
                let first = &problems[0];
                match attribute(&first.field, &first.message, &written) {
                    Some(i) => {
                        let (p, j) = (&self.params[i], coords[i]);
                        self.bad(
                            p.value_field(i, j),
                            format!("{} = {}: {}", first.field, p.values[j], first.message),
                        )
                    }
                    None => {
                        let all: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
                        self.bad(at_point(), all.join("; "))
                    }
                }
            }
            other => other,
        })?;
        let mut sc = sc;
        self.registry.attach(&mut sc, &self.source.file)?;
        Ok(Point {
            value,
            spec,
            scenario: sc,
            assignments,
        })
    }

    /// The error for value `j` of parameter `i` that the scenario rejected while
    /// deserialising (`concrete`: the paths it wrote): an unknown field is a bad path,
    /// anything else a bad value.
    fn type_error(
        &self,
        i: usize,
        j: usize,
        field: &str,
        message: &str,
        concrete: &[String],
    ) -> Error {
        let p = &self.params[i];
        if let Some(rest) = message.strip_prefix("unknown field `") {
            let name = rest.split('`').next().unwrap_or("");
            let segs = p.target.path().segments();
            let at = segs
                .iter()
                .rposition(|s| *s == Segment::Field(name.to_string()))
                .unwrap_or(segs.len().saturating_sub(1));
            let parent = if at == 0 {
                "(top level)".to_string()
            } else {
                let text: String = segs[..at].iter().map(|s| s.to_string()).collect();
                text.trim_start_matches('.').to_string()
            };
            let expected = message
                .split_once("expected one of ")
                .map(|(_, e)| format!(" (fields: {e})"))
                .unwrap_or_default();
            return self.bad(
                format!("parameters[{i}].path"),
                format!("no field `{name}` in {parent}{expected}"),
            );
        }
        // An enum-tagged table reports its own path: show the parameter's.
        let at = concrete
            .iter()
            .find(|c| field == "." || c.starts_with(field))
            .map_or(field, String::as_str);
        self.bad(
            p.value_field(i, j),
            format!("{at} = {}: {message}", p.values[j]),
        )
    }

    /// Checks every metric path against the report of a dry run (at most one simulated
    /// second and one of drain) of a point: each must be a number (or `null`) in at least one
    /// selected strategy, and nothing else in any.
    fn check_metrics(&self, spec: &ScenarioSpec, full: &Scenario) -> Result<()> {
        let mut short = spec.clone();
        short.duration_s = short.duration_s.min(1.0);
        short.drain_s = short.drain_s.min(1.0);
        let mut short =
            scenario::from_spec(&short, &self.source.file).unwrap_or_else(|_| full.clone());
        self.registry.attach(&mut short, &self.source.file)?;
        let info = ScenarioInfo {
            name: short.name.clone(),
            path: self.source.file.display().to_string(),
            sha256: String::new(),
        };
        let report = crate::simulate(&short, info, Some(DEFAULT_SEED), self.only)?;
        let entries: Vec<Value> = report
            .strategies
            .iter()
            .map(|s| serde_json::to_value(s).expect("report serialises"))
            .collect();
        for (i, m) in self.metrics.iter().enumerate() {
            let mut found = false;
            let mut missing = None;
            for (s, entry) in report.strategies.iter().zip(&entries) {
                match path::get(entry, m) {
                    Ok(_) => {
                        path::get_number(entry, m).map_err(|e| {
                            self.bad(
                                format!("metrics[{i}]"),
                                format!("{e} (strategy {})", s.name),
                            )
                        })?;
                        found = true;
                    }
                    Err(e) => missing = missing.or(Some(e)),
                }
            }
            if !found {
                let why = missing.unwrap_or_else(|| "no strategy selected".to_string());
                return Err(self.bad(
                    format!("metrics[{i}]"),
                    format!("`{m}` is not in the report: {why}"),
                ));
            }
        }
        Ok(())
    }
}

/// Deserialises a scenario value; the error is `(field path, message)`.
fn deserialize(value: &Value) -> std::result::Result<ScenarioSpec, (String, String)> {
    serde_path_to_error::deserialize(value)
        .map_err(|e| (e.path().to_string(), e.inner().to_string()))
}

/// A signature of the report's shape for a point: its scenario with every number zeroed (list
/// lengths, names and kinds are what decide which report fields exist).
fn shape(value: &Value) -> u64 {
    fn zero(v: &Value) -> Value {
        match v {
            Value::Number(_) => Value::from(0),
            Value::Array(items) => Value::Array(items.iter().map(zero).collect()),
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), zero(v))).collect())
            }
            other => other.clone(),
        }
    }
    let text = serde_json::to_string(&zero(value)).expect("serialises");
    fnv1a(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_ignore_numbers_but_not_lengths_or_names() {
        let a = serde_json::json!({"regions": [{"name": "a", "lat": 1}], "d": 5});
        let b = serde_json::json!({"regions": [{"name": "a", "lat": 2}], "d": 7.5});
        let c = serde_json::json!({"regions": [{"name": "b", "lat": 1}], "d": 5});
        let d = serde_json::json!({"regions": [], "d": 5});
        assert_eq!(shape(&a), shape(&b));
        assert_ne!(shape(&a), shape(&c));
        assert_ne!(shape(&a), shape(&d));
    }
}
