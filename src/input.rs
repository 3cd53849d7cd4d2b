//! Reading input files under the hostile-input rules: regular files only (never a FIFO, a
//! device or a directory), a size limit, UTF-8 text. `io` re-exports these; the scenario
//! reads a `[network] matrix` file through them.
//!
//! Must not import anything from the crate but `error`.

use crate::error::{Error, Result};
use std::path::Path;

/// Largest scenario, sweep or tolerance file read, in bytes (16 MiB).
pub const MAX_INPUT_BYTES: u64 = 16 << 20;
/// Largest result file (report.json, sweep.json, shard) read, in bytes (1 GiB).
pub const MAX_RESULT_BYTES: u64 = 1 << 30;

/// Reads an input file (scenario, sweep, tolerances) as UTF-8 text: a regular file of at most
/// `MAX_INPUT_BYTES`.
pub fn read_text(path: &Path) -> Result<String> {
    read_text_limited(path, MAX_INPUT_BYTES)
}

/// Reads a result file (report.json, sweep.json, shard) as UTF-8 text: a regular file of at
/// most `MAX_RESULT_BYTES`.
pub fn read_result_text(path: &Path) -> Result<String> {
    read_text_limited(path, MAX_RESULT_BYTES)
}

/// Reads a regular file of at most `max` bytes as UTF-8 text. A FIFO, a device (`/dev/zero`)
/// or a directory is refused before anything is read (it could block or never end), and a
/// file that grows past `max` while being read is refused too.
fn read_text_limited(path: &Path, max: u64) -> Result<String> {
    use std::io::Read;
    let err = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let invalid = |m: String| err(std::io::Error::new(std::io::ErrorKind::InvalidData, m));
    // Metadata of what the path points to, without opening it (opening a FIFO blocks).
    let meta = std::fs::metadata(path).map_err(err)?;
    if !meta.is_file() {
        return Err(invalid(
            "not a regular file (a directory, FIFO or device cannot be an input)".to_string(),
        ));
    }
    let too_big = |n: u64| invalid(format!("the file is {n} bytes; the limit is {max} bytes"));
    if meta.len() > max {
        return Err(too_big(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(err)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1).read_to_end(&mut bytes).map_err(err)?;
    if bytes.len() as u64 > max {
        return Err(too_big(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| invalid(format!("not UTF-8 text ({})", e.utf8_error())))
}
