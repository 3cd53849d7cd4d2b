//! The sweep file as written (serde types) and the expansion of its parameters into values
//! and grid points.
//!
//! Owns `SweepSpec` (documented in docs/sweep.md), range expansion (linear or log, by step or
//! by count), the normalisation of values (a float with an integral value becomes an integer,
//! so ranges can feed integer fields), and the grid order: the cartesian product of the
//! dimensions in file order, the last varying fastest, where a dimension is one parameter or a
//! zipped group of parameters that advance together.
//!
//! Must not import the engine, the world, metrics or report.

use serde::Deserialize;
use serde_json::{Number, Value};

use crate::scenario::accepts::{Accepts, Whole};
use crate::scenario::Format;

/// What a sweep field accepts where its type says less, for parse errors: `seeds = -1` and
/// `num = -1` state the minimum 1 (as `seeds = 0` does), a bad `zip` its forms.
pub fn accepts(field: &str) -> Accepts {
    let parameter = |f: &str| {
        field
            .strip_prefix("parameters[")
            .and_then(|r| r.split_once(']'))
            .is_some_and(|(i, rest)| i.parse::<usize>().is_ok() && rest == f)
    };
    let at_least_1 = |t: &str| Whole::of_type(t).map(|w| w.within(Some(1), None));
    Accepts {
        whole: match field {
            "seeds" => at_least_1("u32"),
            _ if parameter(".range.num") => at_least_1("usize"),
            _ => None,
        },
        forms: parameter(".zip").then(|| "true, false or a group name (a string)".to_string()),
    }
}

/// A whole sweep file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// Free text for readers of the file.
    #[serde(default)]
    pub description: Option<String>,
    /// Path of the base scenario, relative to the sweep file (or give `[scenario]`).
    #[serde(default)]
    pub base: Option<String>,
    /// The base scenario inline (or give `base`).
    #[serde(default)]
    pub scenario: Option<Value>,
    /// Sweep seed: every run's seed is derived from it (default 1).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Replicas (seeds) per point (>= 1, default 3).
    #[serde(default = "default_seeds")]
    pub seeds: u32,
    /// The parameters; the grid is their cartesian product (zipped ones advance together).
    #[serde(default)]
    pub parameters: Vec<ParameterSpec>,
    /// Metric paths relative to a strategy's entry in report.json.
    pub metrics: Vec<String>,
    /// Only these strategies (default: all), by name.
    #[serde(default)]
    pub strategies: Vec<String>,
}

fn default_seed() -> u64 {
    1
}
fn default_seeds() -> u32 {
    3
}

/// One swept parameter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterSpec {
    /// A scenario field path, or `len(path)` to keep the first n entries of a list.
    pub path: String,
    /// The values, in order.
    #[serde(default)]
    pub values: Option<Vec<Value>>,
    /// Or a range of numbers.
    #[serde(default)]
    pub range: Option<RangeSpec>,
    /// Advance together with the other parameters of the same group: `true` (the default
    /// group) or a group name.
    #[serde(default)]
    pub zip: Option<ZipSpec>,
}

/// A zip group: `true`, `false` or a name.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ZipSpec {
    /// `true`: the unnamed group; `false`: not zipped.
    Flag(bool),
    /// A named group.
    Group(String),
}

impl ParameterSpec {
    /// The zip group's name, if zipped.
    pub fn zip_group(&self) -> Option<String> {
        match &self.zip {
            None | Some(ZipSpec::Flag(false)) => None,
            Some(ZipSpec::Flag(true)) => Some(String::new()),
            Some(ZipSpec::Group(g)) => Some(g.clone()),
        }
    }
}

/// A range of numbers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeSpec {
    /// First value.
    pub start: f64,
    /// Last value (included when the steps land on it).
    pub stop: f64,
    /// Linear: the increment; log: the multiplier. Give `step` or `num`.
    #[serde(default)]
    pub step: Option<f64>,
    /// Number of values, evenly spaced (linear) or geometrically (log), both ends included.
    #[serde(default)]
    pub num: Option<usize>,
    /// `linear` (default) or `log`.
    #[serde(default)]
    pub scale: Scale,
}

/// Spacing of a range.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Scale {
    /// Equal differences.
    #[default]
    Linear,
    /// Equal ratios.
    Log,
}

/// Largest number of values one parameter may have.
pub const MAX_VALUES: usize = 100_000;

/// Largest number of grid points a sweep may have (the product of its dimensions' lengths),
/// checked before anything sized by the grid is allocated.
pub const MAX_POINTS: usize = 10_000;

/// Largest number of runs a sweep may have (grid points x seeds).
pub const MAX_RUNS: usize = 1_000_000;

/// Rounds to 12 significant digits, so `0.1 * 3` is `0.3`.
fn tidy(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

impl RangeSpec {
    /// The values of the range, or why there are none.
    pub fn values(&self) -> Result<Vec<Value>, String> {
        let (a, b) = (self.start, self.stop);
        if !a.is_finite() || !b.is_finite() {
            return Err("start and stop must be finite numbers".to_string());
        }
        let xs: Vec<f64> = match (self.scale, self.step, self.num) {
            (_, Some(_), Some(_)) | (_, None, None) => {
                return Err("give either `step` or `num`".to_string())
            }
            (_, None, Some(0)) => return Err("`num` must be at least 1".to_string()),
            (_, None, Some(1)) => vec![a],
            (_, None, Some(n)) if n > MAX_VALUES => {
                return Err(format!("`num` must be at most {MAX_VALUES}"))
            }
            (Scale::Linear, None, Some(n)) => (0..n)
                .map(|i| a + (b - a) * i as f64 / (n - 1) as f64)
                .collect(),
            (Scale::Log, None, Some(n)) => {
                positive_ends(a, b)?;
                (0..n)
                    .map(|i| a * (b / a).powf(i as f64 / (n - 1) as f64))
                    .collect()
            }
            (Scale::Linear, Some(step), None) => {
                if !step.is_finite() || step == 0.0 {
                    return Err("`step` must be a non-zero number".to_string());
                }
                let count = steps((b - a) / step)?;
                (0..count).map(|i| a + step * i as f64).collect()
            }
            (Scale::Log, Some(m), None) => {
                positive_ends(a, b)?;
                if !m.is_finite() || m <= 0.0 || m == 1.0 {
                    return Err(
                        "`step` of a log range is a multiplier: a positive number other than 1"
                            .to_string(),
                    );
                }
                let count = steps((b / a).ln() / m.ln())?;
                (0..count).map(|i| a * m.powi(i as i32)).collect()
            }
        };
        Ok(xs.into_iter().map(|x| number(tidy(x))).collect())
    }
}

fn positive_ends(a: f64, b: f64) -> Result<(), String> {
    if a > 0.0 && b > 0.0 {
        Ok(())
    } else {
        Err("a log range needs start > 0 and stop > 0".to_string())
    }
}

/// The number of values for `span` steps (start included, stop included if reached).
fn steps(span: f64) -> Result<usize, String> {
    if span < -1e-9 {
        return Err("`step` goes away from `stop`".to_string());
    }
    let n = (span + 1e-9).floor() + 1.0;
    if n > MAX_VALUES as f64 {
        return Err(format!("the range has more than {MAX_VALUES} values"));
    }
    Ok(n as usize)
}

/// A JSON number: an integer when `x` is integral (and exact), else a float.
fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.007_199_254_740_992e15 {
        if x >= 0.0 {
            Value::Number(Number::from(x as u64))
        } else {
            Value::Number(Number::from(x as i64))
        }
    } else {
        Number::from_f64(x).map_or(Value::Null, Value::Number)
    }
}

/// `v` with every integral float turned into an integer (recursively), so that `1000.0`
/// feeds an integer field and a point's identity does not depend on how a number was written.
pub fn normalize(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => number(n.as_f64().expect("f64")),
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), normalize(v))).collect())
        }
        other => other.clone(),
    }
}

/// The grid: dimensions (each a list of parameter indices that advance together, all with
/// `len` values) in file order of their first parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    /// Parameter indices per dimension.
    pub dims: Vec<Vec<usize>>,
    /// Number of values per dimension.
    pub lens: Vec<usize>,
}

impl Grid {
    /// Groups parameters (given their zip groups and value counts) into dimensions; the error
    /// names the parameter whose count does not match its group, as `(index, message)`.
    pub fn new(groups: &[Option<String>], counts: &[usize]) -> Result<Grid, (usize, String)> {
        let mut dims: Vec<Vec<usize>> = Vec::new();
        let mut names: Vec<Option<String>> = Vec::new();
        for (i, g) in groups.iter().enumerate() {
            match g
                .as_ref()
                .and_then(|g| names.iter().position(|n| n.as_deref() == Some(g.as_str())))
            {
                Some(d) => {
                    let first = dims[d][0];
                    if counts[i] != counts[first] {
                        return Err((
                            i,
                            format!(
                                "zipped with parameters[{first}], which has {} values, but has {}",
                                counts[first], counts[i]
                            ),
                        ));
                    }
                    dims[d].push(i);
                }
                None => {
                    dims.push(vec![i]);
                    names.push(g.clone());
                }
            }
        }
        let lens = dims.iter().map(|d| counts[d[0]]).collect();
        Ok(Grid { dims, lens })
    }

    /// Number of points (saturating at `usize::MAX`; see `checked_points`).
    pub fn points(&self) -> usize {
        self.checked_points().unwrap_or(usize::MAX)
    }

    /// Number of points, or `None` when the product of the dimensions' lengths overflows.
    pub fn checked_points(&self) -> Option<usize> {
        self.lens
            .iter()
            .try_fold(1usize, |acc, &n| acc.checked_mul(n))
    }

    /// The value index of every parameter at point `k` (row-major: the last dimension varies
    /// fastest).
    pub fn coords(&self, mut k: usize, parameters: usize) -> Vec<usize> {
        let mut out = vec![0; parameters];
        for (d, &len) in self.dims.iter().zip(&self.lens).rev() {
            let c = k % len;
            k /= len;
            for &p in d {
                out[p] = c;
            }
        }
        out
    }
}

/// Whether `text` reads as a scenario (a top-level `workload` table and no `base` or
/// `scenario` key): handed to `geosim sweep` by mistake.
pub(super) fn looks_like_a_scenario(text: &str, format: Format) -> bool {
    let keys: Vec<String> = match format {
        Format::Toml => toml::from_str::<toml::Table>(text)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default(),
        Format::Json => serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default(),
    };
    let has = |k: &str| keys.iter().any(|x| x == k);
    has("workload") && !has("base") && !has("scenario")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn range(start: f64, stop: f64, step: Option<f64>, num: Option<usize>, scale: Scale) -> Value {
        Value::Array(
            RangeSpec {
                start,
                stop,
                step,
                num,
                scale,
            }
            .values()
            .unwrap(),
        )
    }

    #[test]
    fn ranges_expand_cleanly() {
        use Scale::*;
        assert_eq!(
            range(0.1, 0.5, Some(0.1), None, Linear),
            json!([0.1, 0.2, 0.3, 0.4, 0.5])
        );
        assert_eq!(
            range(100.0, 400.0, Some(100.0), None, Linear),
            json!([100, 200, 300, 400])
        );
        assert_eq!(range(1.0, 2.0, None, Some(3), Linear), json!([1, 1.5, 2]));
        assert_eq!(
            range(50.0, 800.0, Some(2.0), None, Log),
            json!([50, 100, 200, 400, 800])
        );
        assert_eq!(
            range(10.0, 10000.0, None, Some(4), Log),
            json!([10, 100, 1000, 10000])
        );
        assert_eq!(range(5.0, 1.0, Some(-2.0), None, Linear), json!([5, 3, 1]));
        let bad = RangeSpec {
            start: 1.0,
            stop: 5.0,
            step: Some(-1.0),
            num: None,
            scale: Linear,
        };
        assert!(bad.values().is_err());
    }

    #[test]
    fn normalizes_integral_floats() {
        assert_eq!(
            normalize(&json!([1.0, 2.5, {"a": -3.0}])),
            json!([1, 2.5, {"a": -3}])
        );
    }

    #[test]
    fn grid_is_row_major_with_zipped_groups() {
        let groups = [None, Some("g".to_string()), Some("g".to_string())];
        let grid = Grid::new(&groups, &[2, 3, 3]).unwrap();
        assert_eq!(grid.points(), 6);
        assert_eq!(grid.coords(0, 3), [0, 0, 0]);
        assert_eq!(grid.coords(1, 3), [0, 1, 1]);
        assert_eq!(grid.coords(3, 3), [1, 0, 0]);
        assert_eq!(grid.coords(5, 3), [1, 2, 2]);
        let err = Grid::new(&groups, &[2, 3, 4]).unwrap_err();
        assert_eq!(err.0, 2);
    }
}
