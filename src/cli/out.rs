//! The command's standard output. Owns every write to stdout (`out!`, `outln!`): a reader
//! that goes away early (`geosim run ... | head`) is not an error of the command, so the run
//! still writes its reports and exits as it would have, its further output dropped quietly;
//! any other failed write (a full disk behind `>`) is reported once on stderr and makes the
//! command exit 1 (an environment failure). Rust's `println!` would panic in both cases.
//!
//! Stderr (`errln!`: messages, progress) is written the same way, minus the report: when
//! its reader is gone there is no one left to tell.
//!
//! Must not import the library: it only moves text.

use std::fmt;
use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout failed: nothing more is written to it.
static CLOSED: AtomicBool = AtomicBool::new(false);
/// Set when stdout failed for a reason other than its reader going away.
static FAILED: AtomicBool = AtomicBool::new(false);

/// Writes `args` to stdout, unless an earlier write failed.
pub fn write(args: fmt::Arguments<'_>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != ErrorKind::BrokenPipe {
            FAILED.store(true, Ordering::Relaxed);
            write_err(format_args!(
                "error: cannot write to standard output: {e}\n"
            ));
        }
    }
}

/// Writes `args` to stderr; a failure is ignored (there is no one left to tell).
pub fn write_err(args: fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(args);
}

/// Whether a write to stdout failed other than by its reader going away.
pub fn failed() -> bool {
    FAILED.load(Ordering::Relaxed)
}

/// `print!` that survives a closed or failing stdout (see the module header).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::out::write(format_args!($($arg)*))
    };
}

/// `println!` that survives a closed or failing stdout (see the module header).
macro_rules! outln {
    () => {
        $crate::cli::out::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::out::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprintln!` that survives a closed stderr (see the module header).
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::out::write_err(format_args!("{}\n", format_args!($($arg)*)))
    };
}
