//! Command-line interface of the `geosim` binary: argument parsing (clap derive), dispatch
//! to the library, printing, and exit codes (0 ok, 1 environment failure, 2 bad input).
//!
//! Owns every terminal write of geosim. Must not contain model logic: it calls the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

use geosim::{io, report, scenario, Error};

#[derive(Parser)]
#[command(
    name = "geosim",
    version,
    about = "Deterministic simulator of geo-distributed systems: compare geo-distribution strategies on your regions, traffic and failures.",
    after_help = "Examples:\n  geosim run scenarios/three-regions.toml\n  geosim validate scenarios/aws-8-regions.toml\n  geosim schema > scenario.schema.json"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every strategy of a scenario on the same workload and compare them.
    #[command(
        after_help = "Examples:\n  geosim run scenarios/three-regions.toml\n  geosim run scenarios/three-regions.toml --seed 7 --out /tmp/r\n  geosim run scenarios/aws-8-regions.toml --strategy mm\n\nWrites DIR/report.json (default DIR: results/<scenario file stem>/) atomically and prints a\ncomparison table. Exit codes: 0 ok, 1 cannot write output, 2 bad scenario or arguments."
    )]
    Run {
        /// The scenario file (.toml or .json).
        scenario: PathBuf,
        /// Run seed (overrides the file's `seed`; default 1 when neither is given).
        #[arg(long)]
        seed: Option<u64>,
        /// Output directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run only this strategy (repeatable; default: all).
        #[arg(long = "strategy", value_name = "NAME")]
        strategies: Vec<String>,
    },
    /// Check a scenario file and report every problem.
    #[command(
        after_help = "Examples:\n  geosim validate scenarios/three-regions.toml\n\nExit codes: 0 valid, 2 invalid (file, field path and reason printed)."
    )]
    Validate {
        /// The scenario file (.toml or .json).
        scenario: PathBuf,
    },
    /// Print the JSON Schema of scenario files.
    #[command(after_help = "Examples:\n  geosim schema > scenario.schema.json")]
    Schema,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn dispatch(command: Command) -> Result<(), Error> {
    match command {
        Command::Run {
            scenario,
            seed,
            out,
            strategies,
        } => run(&scenario, seed, out, &strategies),
        Command::Validate { scenario } => {
            let (sc, _) = io::load_scenario(&scenario)?;
            println!(
                "{}: ok ({} regions, {} client groups, {} strategies)",
                scenario.display(),
                sc.topology.len(),
                sc.workload.groups.len(),
                sc.strategies.len()
            );
            Ok(())
        }
        Command::Schema => {
            print!("{}", scenario::json_schema());
            Ok(())
        }
    }
}

fn default_out(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("scenario");
    Path::new("results").join(stem)
}

fn run(
    path: &Path,
    seed: Option<u64>,
    out: Option<PathBuf>,
    strategies: &[String],
) -> Result<(), Error> {
    let (sc, info) = io::load_scenario(path)?;
    let started = Instant::now();
    let report = geosim::simulate(&sc, info, seed, strategies)?;
    let wall = started.elapsed();
    let dir = out.unwrap_or_else(|| default_out(path));
    let file = dir.join("report.json");
    io::write_atomic(&file, report.to_json().as_bytes())?;
    println!(
        "{} (seed {}, {} simulated s)\n",
        report.scenario.name, report.seed, report.duration_s
    );
    print!("{}", report::table(&report));
    println!("\nreport: {}", file.display());
    let events: u64 = report.strategies.iter().map(|s| s.events).sum();
    eprintln!(
        "wall clock: {:.2} s, {} events, {:.2} M events/s",
        wall.as_secs_f64(),
        events,
        events as f64 / wall.as_secs_f64().max(1e-9) / 1e6
    );
    Ok(())
}
