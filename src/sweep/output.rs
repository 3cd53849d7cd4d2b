//! The outputs of a sweep: `sweep.csv`, `sweep.json`, shard files and their merge.
//!
//! Owns `Header` (provenance, parameters, points and runs: the same for a whole sweep and every
//! shard of it), `Results` (every run's metric values by run index, summarised per point x
//! strategy x metric), the shard file format (`ShardFile`: the sweep's identity and the raw
//! values of its runs, as exact decimal strings) and `merge`, which checks that shards belong
//! together and rebuilds the same `Results` as an unsharded run. Numbers in the summaries are
//! rounded to 9 significant digits and printed in Rust's shortest form, so the bytes depend on
//! nothing but the values.
//!
//! Must not do I/O: callers read and write the files.

use std::path::PathBuf;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use super::stats::{summarize, Summary};
use super::{RunValues, Shard};
use crate::error::{Error, Result};
use crate::scenario::{self, Format};

/// A file and its SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    /// The path as given (`null` for an inline base scenario).
    pub path: Option<String>,
    /// SHA-256 of the file's bytes (of the inline table's canonical JSON), hex.
    pub sha256: String,
}

/// A swept parameter.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ParameterInfo {
    /// Its path as written (canonical form), also the CSV column name.
    pub path: String,
    /// Its zip group (`""` for `zip = true`), if zipped.
    pub zip: Option<String>,
    /// Its values, in order.
    pub values: Vec<Value>,
}

/// A grid point.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PointInfo {
    /// FNV-1a of its assignments, hex: the point's identity in seed derivation.
    pub hash: String,
    /// The value of every parameter, in parameter order.
    pub values: Vec<Value>,
    /// The strategies run at this point, in scenario order.
    pub strategies: Vec<String>,
}

/// A run: one replica of one point.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RunInfo {
    /// Point index (grid order).
    pub point: usize,
    /// Replica index, 0-based.
    pub replica: u32,
    /// The run seed: `derive_seed(sweep seed, [point hash, replica])`.
    pub seed: u64,
}

/// Everything that identifies a sweep and lays out its runs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// The geosim version that built the plan.
    pub geosim_version: String,
    /// The sweep file.
    pub sweep: FileRef,
    /// The base scenario.
    pub base: FileRef,
    /// Sweep seed.
    pub seed: u64,
    /// Replicas per point.
    pub seeds: u32,
    /// The parameters, in file order.
    pub parameters: Vec<ParameterInfo>,
    /// The strategy filter (empty: all).
    pub strategies: Vec<String>,
    /// The metric paths, in file order.
    pub metrics: Vec<String>,
    /// The grid points, in grid order.
    pub points: Vec<PointInfo>,
    /// Every run, by run index (point-major).
    pub runs: Vec<RunInfo>,
}

/// What two shards must share to be merged.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// geosim version.
    pub geosim_version: String,
    /// SHA-256 of the sweep file.
    pub sweep_sha256: String,
    /// SHA-256 of the base scenario.
    pub base_sha256: String,
    /// Sweep seed.
    pub seed: u64,
    /// Replicas per point.
    pub seeds: u32,
    /// Grid points.
    pub points: usize,
    /// Runs.
    pub runs: usize,
}

impl Header {
    /// The sweep's identity.
    pub fn identity(&self) -> Identity {
        Identity {
            geosim_version: self.geosim_version.clone(),
            sweep_sha256: self.sweep.sha256.clone(),
            base_sha256: self.base.sha256.clone(),
            seed: self.seed,
            seeds: self.seeds,
            points: self.points.len(),
            runs: self.runs.len(),
        }
    }

    /// Number of values a run of point `k` has (strategies x metrics).
    fn width(&self, k: usize) -> usize {
        self.points[k].strategies.len() * self.metrics.len()
    }
}

/// Rounds to 9 significant digits (and `-0` to `0`).
fn sig(x: f64) -> f64 {
    let r: f64 = format!("{x:.8e}").parse().unwrap_or(x);
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// A complete sweep's results: every run's values, by run index.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    /// The sweep.
    pub header: Header,
    values: Vec<RunValues>,
}

/// One summary row: a point, a strategy, a metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<'a> {
    /// Point index.
    pub point: usize,
    /// Strategy name.
    pub strategy: &'a str,
    /// Metric path.
    pub metric: &'a str,
    /// Statistics over the replicas that had a value (`None`: none had).
    pub summary: Option<Summary>,
}

/// A point's parameter values as a JSON object in parameter order.
struct Assignments<'a>(&'a [ParameterInfo], &'a [Value]);

impl Serialize for Assignments<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (p, v) in self.0.iter().zip(self.1) {
            map.serialize_entry(&p.path, v)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct JsonRow<'a> {
    point: usize,
    parameters: Assignments<'a>,
    strategy: &'a str,
    metric: &'a str,
    n: usize,
    mean: Option<f64>,
    std: Option<f64>,
    ci95_low: Option<f64>,
    ci95_high: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
}

#[derive(Serialize)]
struct JsonRun<'a> {
    point: usize,
    replica: u32,
    seed: u64,
    /// Per strategy, per metric.
    values: Vec<&'a [Option<f64>]>,
}

#[derive(Serialize)]
struct SweepJson<'a> {
    geosim_version: &'a str,
    sweep: &'a FileRef,
    base: &'a FileRef,
    seed: u64,
    seeds: u32,
    parameters: &'a [ParameterInfo],
    strategies: &'a [String],
    metrics: &'a [String],
    points: &'a [PointInfo],
    runs: Vec<JsonRun<'a>>,
    rows: Vec<JsonRow<'a>>,
}

impl Results {
    /// Results from every run's values (`(run index, values)`, any order); an error if a run
    /// is missing or has the wrong number of values.
    pub fn new(header: Header, runs: Vec<(usize, RunValues)>) -> Result<Results> {
        let mut values: Vec<Option<RunValues>> = vec![None; header.runs.len()];
        for (r, v) in runs {
            let slot = values
                .get_mut(r)
                .ok_or_else(|| merge_err(format!("run {r} is not in the sweep")))?;
            let want = header.width(header.runs[r].point);
            if v.len() != want {
                return Err(merge_err(format!(
                    "run {r} has {} values, expected {want}",
                    v.len()
                )));
            }
            *slot = Some(v);
        }
        let values = values
            .into_iter()
            .enumerate()
            .map(|(r, v)| v.ok_or_else(|| merge_err(format!("run {r} has no values"))))
            .collect::<Result<Vec<_>>>()?;
        Ok(Results { header, values })
    }

    /// The summary rows: grid order, then strategy order, then metric order.
    pub fn rows(&self) -> Vec<Row<'_>> {
        let h = &self.header;
        let seeds = h.seeds as usize;
        let mut rows = Vec::new();
        for (k, point) in h.points.iter().enumerate() {
            let runs = &self.values[k * seeds..(k + 1) * seeds];
            for (s, strategy) in point.strategies.iter().enumerate() {
                for (m, metric) in h.metrics.iter().enumerate() {
                    let i = s * h.metrics.len() + m;
                    let xs: Vec<f64> = runs.iter().filter_map(|v| v[i]).collect();
                    rows.push(Row {
                        point: k,
                        strategy,
                        metric,
                        summary: summarize(&xs),
                    });
                }
            }
        }
        rows
    }

    /// `sweep.csv`: a header line, then one line per row.
    pub fn to_csv(&self) -> String {
        let h = &self.header;
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut head: Vec<String> = h.parameters.iter().map(|p| text_cell(&p.path)).collect();
        for c in [
            "strategy",
            "metric",
            "n",
            "mean",
            "std",
            "ci95_low",
            "ci95_high",
            "min",
            "max",
        ] {
            head.push(c.to_string());
        }
        w.write_record(&head).expect("writes to memory");
        for row in self.rows() {
            let mut rec: Vec<String> = h.points[row.point].values.iter().map(cell).collect();
            rec.push(text_cell(row.strategy));
            rec.push(text_cell(row.metric));
            match row.summary {
                Some(s) => {
                    rec.push(s.n.to_string());
                    for x in [s.mean, s.std, s.ci95_low, s.ci95_high, s.min, s.max] {
                        rec.push(sig(x).to_string());
                    }
                }
                None => {
                    rec.push("0".to_string());
                    rec.extend(std::iter::repeat_n(String::new(), 6));
                }
            }
            w.write_record(&rec).expect("writes to memory");
        }
        String::from_utf8(w.into_inner().expect("flushes")).expect("utf-8")
    }

    /// `sweep.json`: the header, every run with its values, and the rows.
    pub fn to_json(&self) -> String {
        let h = &self.header;
        let m = h.metrics.len().max(1);
        let rows = self
            .rows()
            .into_iter()
            .map(|row| {
                let s = row.summary;
                let f = |g: fn(&Summary) -> f64| s.as_ref().map(|s| sig(g(s)));
                JsonRow {
                    point: row.point,
                    parameters: Assignments(&h.parameters, &h.points[row.point].values),
                    strategy: row.strategy,
                    metric: row.metric,
                    n: s.map_or(0, |s| s.n),
                    mean: f(|s| s.mean),
                    std: f(|s| s.std),
                    ci95_low: f(|s| s.ci95_low),
                    ci95_high: f(|s| s.ci95_high),
                    min: f(|s| s.min),
                    max: f(|s| s.max),
                }
            })
            .collect();
        let doc = SweepJson {
            geosim_version: &h.geosim_version,
            sweep: &h.sweep,
            base: &h.base,
            seed: h.seed,
            seeds: h.seeds,
            parameters: &h.parameters,
            strategies: &h.strategies,
            metrics: &h.metrics,
            points: &h.points,
            runs: h
                .runs
                .iter()
                .zip(&self.values)
                .map(|(run, v)| JsonRun {
                    point: run.point,
                    replica: run.replica,
                    seed: run.seed,
                    values: v.chunks(m).collect(),
                })
                .collect(),
            rows,
        };
        serde_json::to_string_pretty(&doc).expect("serialises") + "\n"
    }
}

/// A CSV cell for a parameter value: strings bare (neutralised, `text_cell`), numbers as
/// written, anything else as JSON.
fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => text_cell(s),
        Value::Number(n) => n.to_string(),
        other => text_cell(&other.to_string()),
    }
}

/// A text cell a spreadsheet will not run as a formula: one that begins with `=`, `+`, `-`,
/// `@`, a tab or a carriage return gets a `'` in front (OWASP, "CSV Injection"), unless it
/// is a finite number as written (`-1.5`, `+3e8`), which a spreadsheet reads as a number.
fn text_cell(s: &str) -> String {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !s.parse::<f64>().is_ok_and(f64::is_finite) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

fn merge_err(message: String) -> Error {
    Error::Merge { message }
}

/// The format tag of shard files.
pub const SHARD_FORMAT: &str = "geosim-sweep-shard/1";

/// One run's values in a shard file: decimal strings (Rust's shortest round-trip form), so
/// they parse back to the very same numbers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ShardRun {
    /// Run index.
    pub run: usize,
    /// Per strategy, per metric, flattened; `null` where the report had no number.
    pub values: Vec<Option<String>>,
}

/// A shard file, `shard-I-of-N.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ShardFile {
    /// Always `geosim-sweep-shard/1`.
    pub format: String,
    /// 1-based shard index.
    pub shard: usize,
    /// Number of shards.
    pub of: usize,
    /// What shards must share to be merged.
    pub identity: Identity,
    /// The whole sweep's header.
    pub header: Header,
    /// This shard's runs, by run index.
    pub runs: Vec<ShardRun>,
}

impl ShardFile {
    /// The shard file of `shard` from its runs' values.
    pub fn new(header: &Header, shard: Shard, runs: &[(usize, RunValues)]) -> ShardFile {
        ShardFile {
            format: SHARD_FORMAT.to_string(),
            shard: shard.index,
            of: shard.count,
            identity: header.identity(),
            header: header.clone(),
            runs: runs
                .iter()
                .map(|(r, v)| ShardRun {
                    run: *r,
                    values: v.iter().map(|x| x.map(|x| x.to_string())).collect(),
                })
                .collect(),
        }
    }

    /// The file's text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("serialises") + "\n"
    }
}

/// Merges shard files (path and text) into the results of the whole sweep. Refuses files of
/// different sweeps or shard counts, a shard given twice, a missing shard (naming it), and
/// shards whose runs are not exactly theirs.
pub fn merge(files: &[(PathBuf, String)]) -> Result<Results> {
    if files.is_empty() {
        return Err(merge_err("no shard files given".to_string()));
    }
    let mut shards: Vec<(PathBuf, ShardFile)> = Vec::new();
    for (path, text) in files {
        let shard: ShardFile = scenario::parse_spec(text, Format::Json, path)?;
        if shard.format != SHARD_FORMAT {
            return Err(merge_err(format!(
                "{}: not a geosim shard file (format `{}`, expected `{SHARD_FORMAT}`)",
                path.display(),
                shard.format
            )));
        }
        shards.push((path.clone(), shard));
    }
    let (first_path, first) = &shards[0];
    let count = first.of;
    let mut by_index: Vec<Option<&PathBuf>> = vec![None; count];
    for (path, s) in &shards {
        let here = || format!("{} (shard {} of {})", path.display(), s.shard, s.of);
        if s.identity != first.identity || s.identity != s.header.identity() {
            return Err(merge_err(format!(
                "{} is from a different sweep than {}: {:?} vs {:?}",
                here(),
                first_path.display(),
                s.identity,
                first.identity
            )));
        }
        let mut a = s.header.clone();
        a.sweep.path = first.header.sweep.path.clone();
        if a != first.header {
            return Err(merge_err(format!(
                "{} and {} have the same identity but different grids",
                here(),
                first_path.display()
            )));
        }
        if s.of != count {
            return Err(merge_err(format!(
                "{} but {} is one of {count}",
                here(),
                first_path.display()
            )));
        }
        if s.shard < 1 || s.shard > count {
            return Err(merge_err(format!("{}: bad shard index", here())));
        }
        if let Some(other) = by_index[s.shard - 1] {
            return Err(merge_err(format!(
                "shard {} of {count} given twice: {} and {}",
                s.shard,
                other.display(),
                path.display()
            )));
        }
        by_index[s.shard - 1] = Some(path);
        let spec = Shard {
            index: s.shard,
            count,
        };
        let want: Vec<usize> = (0..s.header.runs.len())
            .filter(|&r| spec.contains(r))
            .collect();
        let have: Vec<usize> = s.runs.iter().map(|r| r.run).collect();
        if have != want {
            return Err(merge_err(format!(
                "{} does not hold exactly its runs (incomplete or edited)",
                here()
            )));
        }
    }
    let missing: Vec<String> = (1..=count)
        .filter(|i| by_index[i - 1].is_none())
        .map(|i| format!("shard {i} of {count} (shard-{i}-of-{count}.json)"))
        .collect();
    if !missing.is_empty() {
        return Err(merge_err(format!("missing {}", missing.join(", "))));
    }
    let mut runs = Vec::with_capacity(first.header.runs.len());
    for (path, s) in &shards {
        for r in &s.runs {
            let values = r
                .values
                .iter()
                .map(|v| match v {
                    None => Ok(None),
                    Some(t) => t.parse::<f64>().map(Some).map_err(|_| {
                        merge_err(format!(
                            "{}: run {}: `{t}` is not a number",
                            path.display(),
                            r.run
                        ))
                    }),
                })
                .collect::<Result<Vec<_>>>()?;
            runs.push((r.run, values));
        }
    }
    Results::new(first.header.clone(), runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_text_cells_cannot_start_a_formula() {
        for (raw, cell) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+cmd", "'+cmd"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("-inf", "'-inf"),
            ("-1.5", "-1.5"),
            ("+3e8", "+3e8"),
            ("lww", "lww"),
            ("eu-west-1", "eu-west-1"),
        ] {
            assert_eq!(text_cell(raw), cell, "{raw}");
        }
        assert_eq!(cell(&Value::from(-1.5)), "-1.5");
        assert_eq!(cell(&Value::from("=1+1")), "'=1+1");
        assert_eq!(cell(&Value::from("-3")), "-3");
    }

    #[test]
    fn significant_digits_are_stable() {
        assert_eq!(sig(1.290_994_448_735_806).to_string(), "1.29099445");
        assert_eq!(sig(0.1 + 0.2).to_string(), "0.3");
        assert_eq!(sig(171_667_712.0).to_string(), "171667712");
        assert_eq!(sig(-0.0).to_string(), "0");
    }
}
