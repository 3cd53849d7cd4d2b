//! The library's only file I/O: reading scenario files and writing results atomically.
//!
//! Owns `load_scenario` (read, hash, parse, validate), `sha256_hex` and `write_atomic` (a
//! temporary file in the destination directory, flushed, then renamed over the target, so a
//! reader never sees a half-written file).
//!
//! Must not import the engine, the world or strategies.

use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::report::ScenarioInfo;
use crate::scenario::{self, Format, Scenario};

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub use crate::input::{read_result_text, read_text, MAX_INPUT_BYTES, MAX_RESULT_BYTES};

/// Reads, parses and validates a scenario file; returns it with its provenance.
pub fn load_scenario(path: &Path) -> Result<(Scenario, ScenarioInfo)> {
    let format = Format::of(path)?;
    let text = read_text(path)?;
    let sc = scenario::from_str(&text, format, path)?;
    let info = ScenarioInfo {
        name: sc.name.clone(),
        path: path.display().to_string(),
        sha256: sha256_hex(text.as_bytes()),
    };
    Ok((sc, info))
}

/// Writes `bytes` to `path` atomically, creating parent directories.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".geosim-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    // Temporary files are created private (0600); results are ordinary files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::Permissions::from_mode(0o644);
        tmp.as_file().set_permissions(mode).map_err(err)?;
    }
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// Checks, before anything runs, that `files` (relative paths) can be written under `dir`:
/// every existing component of `dir` is a directory, no output file is taken by something
/// other than a regular file (a directory, a FIFO), and the nearest existing ancestor of each
/// accepts a new file (a temporary file is created there and removed). Creates nothing.
///
/// A path of the wrong kind is an input error (`Error::Usage`, exit 2); a directory that
/// refuses files (permissions, a read-only disk) is `Error::Write` (exit 1).
pub fn check_output(dir: &Path, files: &[&str]) -> Result<()> {
    let usage = |p: &Path, m: &str| Error::Usage(format!("output {}: {m}", p.display()));
    let mut probed: Vec<std::path::PathBuf> = Vec::new();
    for f in files {
        let target = dir.join(f);
        if let Ok(meta) = std::fs::symlink_metadata(&target) {
            let meta = if meta.file_type().is_symlink() {
                std::fs::metadata(&target).unwrap_or(meta)
            } else {
                meta
            };
            if !meta.is_file() {
                return Err(usage(
                    &target,
                    "exists and is not a regular file (a directory, FIFO or device)",
                ));
            }
        }
        // The nearest existing ancestor of the file must be a directory that takes files.
        let mut at = target.parent().map(Path::to_path_buf);
        while let Some(p) = at {
            let p = if p.as_os_str().is_empty() {
                std::path::PathBuf::from(".")
            } else {
                p
            };
            match std::fs::metadata(&p) {
                Ok(meta) if meta.is_dir() => {
                    if !probed.contains(&p) {
                        tempfile::Builder::new()
                            .prefix(".geosim-probe-")
                            .tempfile_in(&p)
                            .map_err(|e| Error::Write {
                                path: p.clone(),
                                // The OS's reason alone: tempfile's message ends by naming
                                // its probe file, which the user never asked for.
                                source: {
                                    let m = e.to_string();
                                    let m = m.rfind(" at path ").map_or(&*m, |i| &m[..i]);
                                    std::io::Error::new(e.kind(), m.to_string())
                                },
                            })?;
                        probed.push(p);
                    }
                    break;
                }
                Ok(_) => return Err(usage(&p, "is not a directory")),
                Err(_) => at = p.parent().map(Path::to_path_buf),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    /// A directory that refuses new files (Linux's /proc) is reported by its own name and
    /// the OS's reason, not by the name of the probe file tried there.
    #[test]
    fn a_refusing_directory_is_named_without_the_probe() {
        if !Path::new("/proc/self").is_dir() {
            return;
        }
        let e = check_output(Path::new("/proc/nope"), &["report.json"]).expect_err("refused");
        let m = e.to_string();
        assert!(m.starts_with("/proc: cannot write"), "{m}");
        assert!(!m.contains("geosim-probe"), "{m}");
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/out.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1);
    }
}
