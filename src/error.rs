//! The library's error type.
//!
//! Owns `Error`: every way loading a scenario, running it or writing its results can fail,
//! with the file, the field path or the line and column the user needs to fix it. Each variant
//! says whether it is the user's input (exit code 2) or the environment (exit code 1).
//!
//! Must not import any other geosim module.

use std::fmt;
use std::path::PathBuf;

/// One problem found while validating a file: the field path, where the field is written
/// (line and column, when known) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Field path, e.g. `links[2].latency.p99_ms`.
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// 1-based line and column of the field in the file (a TOML scenario's key, or the
    /// nearest enclosing one the file writes); `None` when unknown (JSON, a generated spec).
    pub at: Option<(usize, usize)>,
}

impl Problem {
    /// A problem at `field`, not yet located in the file.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            field: field.into(),
            message: message.into(),
            at: None,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((line, column)) = self.at {
            write!(f, "{line}:{column}: ")?;
        }
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Everything that can go wrong in geosim's library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read (missing, unreadable). Input error; the run cannot go on.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file's extension names no supported format. Input error.
    #[error("{}: unsupported file type (use .toml or .json)", path.display())]
    Format {
        /// The file.
        path: PathBuf,
    },
    /// The file is not valid TOML or JSON. Input error.
    #[error("{}:{line}:{column}: syntax error: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A value has the wrong type or an unknown or missing field. Input error.
    #[error("{}{}: {field}: {message}", path.display(), location(*line, *column))]
    Field {
        /// The file.
        path: PathBuf,
        /// Field path.
        field: String,
        /// 1-based line, when known.
        line: Option<usize>,
        /// 1-based column, when known.
        column: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// Values are well-typed but invalid (one line per problem). Input error.
    #[error("{}: invalid scenario:\n{}", path.display(), list(problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<Problem>,
    },
    /// A command-line argument names something the file does not have. Input error.
    #[error("{0}")]
    Usage(String),
    /// A sweep file's field (a parameter, a metric, the base) is wrong, or a grid point cannot
    /// run. Input error.
    #[error("{}{}: {field}: {message}", path.display(), location(at.map(|a| a.0), at.map(|a| a.1)))]
    Sweep {
        /// The sweep file (for a point over the event limit, the file `at` is in: the sweep
        /// file, or the base scenario's own file).
        path: PathBuf,
        /// The sweep field at fault, e.g. `parameters[1].path` or `metrics[0]`, or the grid
        /// point.
        field: String,
        /// 1-based line and column in `path`, when known (a point over the event limit).
        at: Option<(usize, usize)>,
        /// What is wrong.
        message: String,
    },
    /// Shard files do not make one whole sweep (different sweeps, a duplicate, a missing
    /// shard). Input error.
    #[error("cannot merge: {message}")]
    Merge {
        /// What is wrong, naming the files or the missing shard.
        message: String,
    },
    /// The user interrupted a sweep (Ctrl-C); nothing was written. Exit code 130.
    #[error("interrupted: no output written")]
    Interrupted,
    /// An output file could not be written. Environment error.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A chart could not be drawn (a bug in geosim, not the input). Exit code 1.
    #[error("cannot draw a chart: {0}")]
    Chart(String),
    /// `geosim check` failed: metrics regressed beyond tolerance, or the comparison was
    /// incomplete (nothing compared, a strategy or metric in one file only). Exit code 1.
    #[error("check failed: {}", problems.join("; "))]
    CheckFailed {
        /// Every reason, one sentence each (naming `strategy: metric`).
        problems: Vec<String>,
    },
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
    /// True when the user's input is at fault (exit code 2), false for the environment.
    pub fn is_input_error(&self) -> bool {
        !matches!(
            self,
            Error::Write { .. } | Error::Chart(_) | Error::CheckFailed { .. } | Error::Interrupted
        )
    }

    /// The process exit code for this error: 2 for bad input, 130 when interrupted, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        if matches!(self, Error::Interrupted) {
            130
        } else if self.is_input_error() {
            2
        } else {
            1
        }
    }
}

/// Shorthand for library results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// serde_json's message without its own " at line L column C" (the error shows them).
pub fn without_position(msg: &str) -> &str {
    msg.rfind(" at line ").map_or(msg, |i| &msg[..i])
}

/// 1-based line and column (in characters) of byte `offset` in `text`: the position a
/// syntax error names. The one helper every parser error goes through.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}
