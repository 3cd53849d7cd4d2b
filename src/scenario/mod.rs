//! Scenarios: parsing a TOML or JSON file and validating it once into domain types.
//!
//! Owns the two-stage load: text -> `spec::ScenarioSpec` (serde, with field paths from
//! serde_path_to_error and line/column for syntax errors) -> `Scenario` (domain types that
//! know nothing of serde), collecting every invalid value with its field path. Also owns the
//! JSON Schema of the file format.
//!
//! Must not import the engine, the world, metrics or report, and does no file I/O (`io` reads
//! the file and hands the text here).

pub mod accepts;
pub mod budget;
mod locate;
pub mod matrix;
mod position;
pub mod spec;
pub mod suggest;
mod validate;

use std::path::Path;

use crate::cost::CostModel;
use crate::error::{Error, Result};
use crate::faults::{Capacity, ClientPolicy, Detection, Fault, RandomFaults};
use crate::objective::Objective;
use crate::residency::Residency;
use crate::strategy::NamedStrategy;
use crate::topology::Topology;
use crate::workload::{ProbePlan, Workload};

pub use accepts::Accepts;
pub use spec::ScenarioSpec;

/// The default run seed when neither the file nor the command line gives one.
pub const DEFAULT_SEED: u64 = 1;

/// A validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Name (from the file, or its stem).
    pub name: String,
    /// Seed from the file, if any.
    pub seed: Option<u64>,
    /// How long clients issue operations, in ns.
    pub duration_ns: u64,
    /// Extra time to finish in-flight work, in ns.
    pub drain_ns: u64,
    /// Regions and links.
    pub topology: Topology,
    /// Client groups.
    pub workload: Workload,
    /// Strategies in file order.
    pub strategies: Vec<NamedStrategy>,
    /// Listed faults, in file order.
    pub faults: Vec<Fault>,
    /// Random fault generator, if any.
    pub random_faults: Option<RandomFaults>,
    /// Client timeouts and retries.
    pub clients: ClientPolicy,
    /// Failure detector settings.
    pub detection: Detection,
    /// Serving capacity per region (None: unlimited).
    pub capacity: Vec<Option<Capacity>>,
    /// Prices and sizes for the cost model.
    pub cost: CostModel,
    /// Data classes and the class of every key.
    pub residency: Residency,
    /// Service-level objectives.
    pub slos: Vec<Objective>,
    /// Opt-in probe reads for the exact staleness curve (`[consistency]`).
    pub probes: Option<ProbePlan>,
    /// Keys `0..n` whose histories are checked for linearizability (0: none).
    pub linearizability_keys: u64,
    /// Settings that validate but would have no effect, in scenario order (copied into the
    /// report's `warnings`).
    pub warnings: Vec<Warning>,
    /// The `[network] matrix` file, when the scenario names one (its pairs are explicit
    /// links; the others are derived: `geosim validate --verbose` lists them).
    pub matrix: Option<String>,
}

/// A setting that is valid but has no effect (or almost none) on the run: listed in the
/// report's `warnings` and printed under the tables, never silently ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Field path, e.g. `faults[1].start_s`.
    pub field: String,
    /// The strategy it concerns (index in the scenario), when it concerns only one.
    pub strategy: Option<usize>,
    /// What has no effect, and why.
    pub message: String,
}

impl Scenario {
    /// True when anything can go wrong (listed or random faults).
    pub fn has_faults(&self) -> bool {
        !self.faults.is_empty() || self.random_faults.is_some()
    }
}

impl Scenario {
    /// The index of the strategy called `name`.
    pub fn strategy_index(&self, name: &str) -> Option<usize> {
        self.strategies.iter().position(|s| s.name == name)
    }
}

/// File formats, chosen by extension.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Format {
    /// `.toml`
    Toml,
    /// `.json`
    Json,
}

impl Format {
    /// The format for a path's extension.
    pub fn of(path: &Path) -> Result<Format> {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("toml") => Ok(Format::Toml),
            Some(e) if e.eq_ignore_ascii_case("json") => Ok(Format::Json),
            _ => Err(Error::Format {
                path: path.to_path_buf(),
            }),
        }
    }
}

pub use crate::error::line_col;

/// Parses text in `format` into a spec; `path` is only used in error messages.
pub fn parse_spec<T: serde::de::DeserializeOwned>(
    text: &str,
    format: Format,
    path: &Path,
) -> Result<T> {
    parse_spec_with(text, format, path, |_| Accepts::default())
}

/// What a field accepts, by its path, for the messages of parse errors (`accepts::of_field`
/// for scenarios).
pub type FieldAccepts = fn(&str) -> Accepts;

/// `parse_spec`, its errors saying what each field accepts by `accepts`.
pub fn parse_spec_with<T: serde::de::DeserializeOwned>(
    text: &str,
    format: Format,
    path: &Path,
    accepts: FieldAccepts,
) -> Result<T> {
    match format {
        Format::Toml => {
            let de = toml::de::Deserializer::parse(text).map_err(|e| toml_error(e, text, path))?;
            serde_path_to_error::deserialize(de).map_err(|e| {
                let field = e.path().to_string();
                let inner = e.into_inner();
                let (line, column) = match inner.span() {
                    Some(s) => {
                        let (l, c) = line_col(text, s.start);
                        (Some(l), Some(c))
                    }
                    None => (None, None),
                };
                if field == "." && !inner.message().contains("field") {
                    // No path: the document itself is malformed.
                    return toml_error(inner, text, path);
                }
                let field = if field == "." {
                    "(top level)".to_string()
                } else {
                    field
                };
                let value = inner.span().and_then(|s| text.get(s));
                let e = Error::Field {
                    path: path.to_path_buf(),
                    field,
                    line,
                    column,
                    message: inner.message().trim().to_string(),
                };
                plain(locate_tagged(e, text, Format::Toml), accepts, value)
            })
        }
        Format::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let field = e.path().to_string();
                let e = locate_tagged(json_error(field, e.into_inner(), path), text, Format::Json);
                plain(e, accepts, None)
            })?;
            de.end()
                .map_err(|e| plain(json_error(".".to_string(), e, path), accepts, None))?;
            Ok(value)
        }
    }
}

/// A field error's serde message in plain words (`suggest::message_in`), with what its field
/// accepts; `value`: the text of the value in the file, when known.
fn plain(e: Error, accepts: FieldAccepts, value: Option<&str>) -> Error {
    match e {
        Error::Field {
            path,
            field,
            line,
            column,
            message,
        } => Error::Field {
            message: suggest::message_in(message.trim(), &accepts(&field), value),
            path,
            field,
            line,
            column,
        },
        e => e,
    }
}

/// An error serde reported at a whole element of a tagged array (`strategies[i]`, `faults[i]`,
/// `slo[i]`, at the array's first line) named by the field inside it and, in TOML, at that
/// field's line (`locate`); any other error as it is. Messages stay serde's (`plain` words
/// them once the field is known).
fn locate_tagged(e: Error, text: &str, format: Format) -> Error {
    let Error::Field {
        path,
        field,
        line,
        column,
        message: shown,
    } = e
    else {
        return e;
    };
    let located =
        locate::tagged_index(&field).and_then(|at| locate::tagged_error(text, format, at, &shown));
    let Some(l) = located else {
        return Error::Field {
            path,
            field,
            line,
            column,
            message: shown,
        };
    };
    let (line, column) = match l.position {
        Some((a, b)) => (Some(a), Some(b)),
        None => (line, column),
    };
    Error::Field {
        path,
        field: l.field,
        line,
        column,
        message: l.message.unwrap_or(shown),
    }
}

/// A JSON error: a syntax error (its message in plain words), or a field error (with serde's
/// message, for `plain`).
fn json_error(field: String, inner: serde_json::Error, path: &Path) -> Error {
    let message = crate::error::without_position(&inner.to_string()).to_string();
    if inner.is_syntax() || inner.is_eof() {
        Error::Syntax {
            path: path.to_path_buf(),
            line: inner.line(),
            column: inner.column(),
            message: suggest::message(&message),
        }
    } else {
        Error::Field {
            path: path.to_path_buf(),
            field: if field == "." {
                "(top level)".to_string()
            } else {
                field
            },
            line: Some(inner.line()),
            column: Some(inner.column()),
            message,
        }
    }
}

/// A TOML syntax error at its line and column; a duplicate key is named (toml says only
/// "duplicate key", at the second one).
fn toml_error(e: toml::de::Error, text: &str, path: &Path) -> Error {
    let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
    let mut message = e.message().trim().to_string();
    if message == "duplicate key" {
        let key = e.span().and_then(|s| text.get(s)).map(key_name);
        if let Some(key) = key.filter(|k| !k.is_empty()) {
            message = format!("duplicate key `{key}`: a key may be set only once in a table");
        }
    }
    Error::Syntax {
        path: path.to_path_buf(),
        line,
        column,
        message,
    }
}

/// A TOML key as written (`"fifo"`, `'fifo'`, `fifo`), without its quotes.
fn key_name(written: &str) -> String {
    let k = written.trim();
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|q| k.strip_prefix(*q).and_then(|r| r.strip_suffix(*q)));
    unquoted.unwrap_or(k).to_string()
}

/// Parses and validates a scenario. `path` names the file in errors; its stem is the default
/// scenario name.
pub fn from_str(text: &str, format: Format, path: &Path) -> Result<Scenario> {
    let spec: ScenarioSpec = parse_spec_with(text, format, path, accepts::of_field)?;
    from_spec(&spec, path).map_err(|e| match (e, format) {
        // Each invalid value at its line and column, as a parse error is.
        (Error::Invalid { path, mut problems }, Format::Toml) => {
            position::place(text, &mut problems);
            Error::Invalid { path, problems }
        }
        (e, _) => e,
    })
}

/// Gives every problem of `problems` whose field a TOML scenario's `text` writes its line and
/// column, as validation does (a problem found later, such as the event estimate's); leaves
/// JSON problems unplaced, as validation does.
pub fn place(text: &str, format: Format, problems: &mut [crate::error::Problem]) {
    if format == Format::Toml {
        position::place(text, problems);
    }
}

/// Validates a parsed spec into a scenario.
pub fn from_spec(spec: &ScenarioSpec, path: &Path) -> Result<Scenario> {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("scenario");
    let matrix = match &spec.network.matrix {
        Some(name) => Some(read_matrix(path, name)?),
        None => None,
    };
    validate::validate(spec, stem, matrix.as_ref()).map_err(|problems| Error::Invalid {
        path: path.to_path_buf(),
        problems,
    })
}

/// Reads and parses the `[network] matrix` file `name`, relative to the scenario at `path`
/// (a regular file within the input size limit; `.json` is JSON, anything else CSV).
fn read_matrix(path: &Path, name: &str) -> Result<matrix::Matrix> {
    let file = path.parent().unwrap_or(Path::new("")).join(name);
    let shown = file.display().to_string();
    // A file that cannot be read is a problem of the scenario's `network.matrix` field.
    let text = crate::input::read_text(&file).map_err(|e| {
        let why = match e {
            Error::Read { source, .. } => format!("{shown}: cannot read: {source}"),
            other => format!("{shown}: {other}"),
        };
        Error::Invalid {
            path: path.to_path_buf(),
            problems: vec![crate::error::Problem::new("network.matrix", why)],
        }
    })?;
    let json = file.extension().is_some_and(|e| e == "json");
    matrix::parse(&shown, &text, json).map_err(|errors| Error::Invalid {
        path: path.to_path_buf(),
        problems: errors
            .into_iter()
            .map(|(line, message)| {
                crate::error::Problem::new("network.matrix", format!("{shown}:{line}: {message}"))
            })
            .collect(),
    })
}

/// The JSON Schema of scenario files, pretty-printed.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(ScenarioSpec);
    serde_json::to_string_pretty(&schema).expect("schema serialises") + "\n"
}
