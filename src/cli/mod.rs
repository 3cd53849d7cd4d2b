//! Command-line interface of the `geosim` binary: argument parsing (clap derive), dispatch
//! to the library, printing, and exit codes (0 ok, 1 environment failure, 2 bad input).
//!
//! Owns every terminal write of geosim. Must not contain model logic: it calls the library.
//! Submodules: `out` (stdout that survives a reader going away), `verify` (`check`, `validate`), `regions`, `sweeps` (`sweep`, `merge`), `advise`
//! (`advise`, `matrix`), `limit` (the event limit: refusal and advice), `progress` (a long run's progress on stderr).

#[macro_use]
mod out;

mod advise;
mod limit;
mod progress;
mod regions;
mod sweeps;
mod verify;

use limit::{over_budget, over_budget_message, within_budget};
use regions::MatrixFormat;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

use geosim::sim::TraceSpec;
use geosim::{check, io, plot, render, report, scenario, Error};

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
        after_help = "Examples:\n  geosim run scenarios/three-regions.toml\n  geosim run scenarios/three-regions.toml --seed 7 --out /tmp/r\n  geosim run scenarios/aws-8-regions.toml --strategy mm\n\nWrites DIR/report.json (default DIR: results/<scenario file stem>/) atomically and prints a\ncomparison table; beside it charts/*.svg and a self-contained report.html (skip with\n--no-charts). Exit codes: 0 ok, 1 cannot write output, 2 bad scenario or arguments."
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
        /// Write report.json only: no charts/*.svg and no report.html.
        #[arg(long)]
        no_charts: bool,
        /// Run even when the run is estimated to take more than 1e9 events.
        #[arg(long)]
        force: bool,
        /// Print no progress (shown on stderr for runs estimated at 1e7 events or more: a bar
        /// on a terminal, else a line every 10 %).
        #[arg(long)]
        quiet: bool,
        /// Print, per strategy, client region and kind, the two biggest latency components of
        /// the slowest 1 % (what the p99 is made of).
        #[arg(long)]
        explain: bool,
        /// Print per-client-region p50/p99 of reads and writes (default: on with at most 6
        /// client regions).
        #[arg(long, overrides_with = "no_by_region")]
        by_region: bool,
        /// Do not print the per-client-region table.
        #[arg(long, overrides_with = "by_region")]
        no_by_region: bool,
        /// Write DIR/trace.json (Chrome trace event format, for Perfetto) with N operations
        /// per strategy, sampled deterministically (docs/trace.md).
        #[arg(long, value_name = "N")]
        trace: Option<usize>,
        /// Which operations to trace, comma-separated and all required: failed, reads, writes,
        /// region=NAME, fault (alive during a fault), slowest (the N slowest instead of a
        /// sample).
        #[arg(long, value_name = "LIST", requires = "trace")]
        trace_filter: Option<String>,
    },
    /// Check a scenario or sweep file and report every problem.
    #[command(
        after_help = "Examples:\n  geosim validate scenarios/three-regions.toml\n  geosim validate scenarios/three-regions.toml --format json\n  geosim validate scenarios/sweeps/lag-vs-rpo.toml\n\nA sweep file (one with `metrics`) is checked as `geosim sweep` checks it: the base, every\ngrid point's overrides and field paths, the metrics.\nExit codes: 0 valid, 2 invalid (file, field path and reason printed). With --format json,\nstdout holds one JSON object (format geosim-validate/1: valid, problems[] with field, line,\ncolumn, message) whatever the outcome; docs/ci.md."
    )]
    Validate {
        /// The scenario or sweep file (.toml or .json).
        scenario: PathBuf,
        /// Output format on stdout.
        #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
        format: ValidateFormat,
        /// Also list the region pairs whose links are derived from geography, not given
        /// (with a `[network] matrix`: the pairs the matrix leaves out).
        #[arg(long)]
        verbose: bool,
    },
    /// List the built-in region catalogue, the derived round trip between two regions, or the
    /// derived matrix of several.
    #[command(
        after_help = "Examples:\n  geosim regions\n  geosim regions --rtt aws:eu-west-1 gcp:europe-west3\n  geosim regions --matrix aws:us-east-1 aws:eu-west-1 aws:ap-northeast-1 --format csv\n\nRound trips use the default network model (docs/network.md): p50 is the model's median,\np99 is estimated from 200,000 seeded draws (deterministic).\nCatalogue names can be used in scenarios: [[regions]] name = \"aws:eu-west-1\", or\nregions = [\"aws:eu-west-1\", ...]."
    )]
    Regions {
        /// Print the geo-derived round trip between two catalogue regions.
        #[arg(long, num_args = 2, value_names = ["A", "B"], conflicts_with = "matrix")]
        rtt: Option<Vec<String>>,
        /// Export the derived round trips between every ordered pair of these catalogue
        /// regions.
        #[arg(long, num_args = 2.., value_name = "REGION")]
        matrix: Option<Vec<String>>,
        /// Format of `--matrix`: table (default), csv or json.
        #[arg(long, value_enum, default_value = "table", requires = "matrix")]
        format: MatrixFormat,
    },
    /// Run a parameter sweep: every grid point with several seeds, in parallel.
    #[command(
        after_help = "Examples:\n  geosim sweep scenarios/sweeps/conflicts-vs-rate.toml\n  geosim sweep scenarios/sweeps/lag-vs-rpo.toml --jobs 2 --out /tmp/lag\n  geosim sweep scenarios/sweeps/conflicts-vs-rate.toml --shard 2/4 --out shards/\n  geosim sweep scenarios/sweeps/conflicts-vs-rate.toml --shard auto/4 --out shards/\n  geosim sweep scenarios/sweeps/lag-vs-rpo.toml --dry-run\n\nWrites DIR/sweep.csv and DIR/sweep.json (default DIR: results/<sweep file stem>/), or with\n--shard only DIR/shard-I-of-N.json for `geosim merge`. Every point is built and checked\nbefore anything runs, and the output directory is checked before the first run (--dry-run:\nlist the points and stop). Format: docs/sweep.md; clusters: docs/cluster.md.\nExit codes: 0 ok, 1 cannot write output, 2 bad sweep file or arguments, 130 interrupted\n(Ctrl-C: runs in progress finish, nothing is written)."
    )]
    Sweep {
        /// The sweep file (.toml or .json).
        file: PathBuf,
        /// Worker threads (default: all cores).
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
        /// Output directory (default: results/<sweep file stem>/).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Run only shard I of N (1-based), or auto/N to take I from SLURM_ARRAY_TASK_ID or
        /// JOB_COMPLETION_INDEX; writes DIR/shard-I-of-N.json.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Print no progress.
        #[arg(long)]
        quiet: bool,
        /// Write sweep.csv and sweep.json only: no charts/*.svg and no sweep.html.
        #[arg(long)]
        no_charts: bool,
        /// Build and check every point, list the points and their estimated events per run,
        /// and stop: nothing runs and nothing is written.
        #[arg(long)]
        dry_run: bool,
        /// Run even when a point's run is estimated to take more than 1e9 events.
        #[arg(long)]
        force: bool,
    },
    /// Merge the shard files of a sweep (or of `geosim advise --shard`) into one result.
    #[command(
        after_help = "Examples:\n  geosim merge shards/shard-*-of-4.json --out results/conflicts-vs-rate\n\nThe output is byte for byte what an unsharded `geosim sweep` writes. Refuses shards of\ndifferent sweeps, a shard given twice and a missing shard (named).\nExit codes: 0 ok, 1 cannot write output, 2 bad or incomplete set of shards."
    )]
    Merge {
        /// The shard files (shard-I-of-N.json), all N of them, in any order.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Output directory (default: results/<sweep file stem>/).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Search candidate designs for a scenario: Pareto set, SLO and budget verdicts, winner.
    #[command(
        after_help = "Examples:\n  geosim advise scenarios/cost-vs-latency.toml --budget-usd-month 6000\n  geosim advise scenarios/cost-vs-latency.toml --regions aws:eu-west-1 --out /tmp/advice\n  geosim advise scenarios/cost-vs-latency.toml --shard 2/4 --out shards/   # then geosim merge\n\nEnumerates strategy kind x placement x replica set x knobs, prunes what residency or the fibre\nfloor rules out, simulates the rest on the scenario's workload and faults with its seed, and\nwrites DIR/advise.json, DIR/charts/advise.svg and DIR/winner.toml (docs/advise.md).\nExit codes: 0 ok, 1 cannot write output, 2 bad scenario or arguments."
    )]
    Advise {
        /// The scenario file (.toml or .json); its strategies are ignored.
        scenario: PathBuf,
        /// Monthly budget in USD: candidates above it are marked and cannot win.
        #[arg(long, value_name = "USD")]
        budget_usd_month: Option<f64>,
        /// Client regions whose p99 latency counts (comma-separated; default: all clients).
        #[arg(long, value_name = "R1,R2", value_delimiter = ',')]
        regions: Vec<String>,
        /// Worker threads (default: all cores).
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
        /// Output directory (default: results/<scenario file stem>-advise/).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Run only shard I of N of the full runs (1-based, or auto/N); writes
        /// DIR/advise-shard-I-of-N.json for `geosim merge`.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Run every candidate at full length (no successive halving).
        #[arg(long)]
        exhaustive: bool,
        /// Print no progress.
        #[arg(long)]
        quiet: bool,
    },
    /// Print the measured decision matrix of a scenario's strategies as Markdown.
    #[command(
        after_help = "Examples:\n  geosim matrix scenarios/strategy-zoo.toml > docs/decision-matrix.md\n\nRuns the scenario as it is, with one region down for the middle third of the run, and with\nits client groups as closed-loop sessions and its hottest keys checked for linearizability\n(the consistency class), and sets each strategy's figures beside the geo-distribution\npattern's ratings.\nExit codes: 0 ok, 2 bad scenario or arguments."
    )]
    Matrix {
        /// The scenario file (.toml or .json).
        scenario: PathBuf,
        /// The region taken down (default: the scenario's first region).
        #[arg(long, value_name = "REGION")]
        outage: Option<String>,
        /// Sessions per client group in the consistency run (default 20).
        #[arg(long, value_name = "N")]
        sessions: Option<u32>,
    },
    /// Print the JSON Schema of scenario files.
    #[command(after_help = "Examples:\n  geosim schema > scenario.schema.json")]
    Schema,
    /// Redraw the charts and the HTML page of a report.json or sweep.json.
    #[command(
        after_help = "Examples:\n  geosim plot results/three-regions/report.json\n  geosim plot results/sweep/sweep.json --out /tmp/charts\n\nWrites DIR/charts/*.svg and DIR/report.html (DIR/sweep.html for a sweep); DIR defaults to the\nresult file's directory. Exit codes: 0 ok, 1 cannot write, 2 unreadable or unknown result file."
    )]
    Plot {
        /// A report.json or sweep.json.
        result: PathBuf,
        /// Output directory (default: the result file's directory).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Compare a result with a baseline metric by metric; fail when something got worse.
    #[command(
        after_help = "Examples:\n  geosim check results/three-regions/report.json --baseline results/baselines/three-regions.json\n  geosim check target/ci/sweep/sweep.json --baseline baselines/sweep.json --tolerances tol.toml\n  geosim check new/sweep.json --baseline old/sweep.json --stat --alpha 0.01\n  geosim check results/three-regions/report.json --baseline b.json --format junit > check.xml\n  geosim check results/three-regions/report.json --baseline results/baselines/three-regions.json --update\n  geosim check candidate.toml --baseline scenarios/three-regions.toml --seeds 10\n\nPrints the metrics that changed (all with --all). With --seeds N, REPORT and --baseline are\nscenario files, each run under N seeds, and a metric regresses only when the confidence\ninterval of its difference lies beyond its tolerance. Tolerances, directions, the statistical\nmodes and the JSON / JUnit formats: docs/ci.md.\nExit codes: 0 nothing regressed beyond tolerance; 1 something did, or the comparison is\nincomplete (nothing compared, a strategy or metric in one file only), or the baseline could\nnot be written; 2 bad input: missing or unparseable file, different scenarios or seeds,\n--update over a baseline of another kind."
    )]
    #[command(group(clap::ArgGroup::new("statistical").args(["stat", "seeds"])))]
    Check {
        /// The current report.json or sweep.json (with --seeds: the candidate scenario).
        report: PathBuf,
        /// The baseline to compare with (same kind of file; with --seeds: a scenario).
        #[arg(long)]
        baseline: PathBuf,
        /// TOML file of tolerances: metric glob = { rel = 0.05, abs = 0.5, direction = "lower" }.
        #[arg(long)]
        tolerances: Option<PathBuf>,
        /// Rewrite the baseline with the report (atomically) instead of failing; refuses to
        /// overwrite a file that is not a result of the same kind.
        #[arg(long, conflicts_with_all = ["stat", "seeds", "format"])]
        update: bool,
        /// Show every metric, not only those that changed.
        #[arg(long)]
        all: bool,
        /// Strategies and metrics only in the baseline (intended removals) do not fail.
        #[arg(long)]
        allow_removed: bool,
        /// Strategies (sweeps: rows) only in the result (intended additions) do not fail.
        #[arg(long)]
        allow_new: bool,
        /// Statistical mode for two sweep.json files of several seeds per point: a row
        /// regresses only when Welch's t-test says it got worse beyond its tolerance.
        #[arg(long)]
        stat: bool,
        /// Run both scenarios (REPORT: the candidate, --baseline: the baseline) under N seeds
        /// each and compare every strategy and metric by the confidence interval of the
        /// difference (paired when both scenarios have the same `seed`).
        #[arg(long, value_name = "N")]
        seeds: Option<u32>,
        /// With --seeds: run even when a run is estimated to take more than 1e9 events.
        #[arg(long, requires = "seeds")]
        force: bool,
        /// Statistical modes: the false-failure rate of each row's test.
        #[arg(
            long,
            value_name = "A",
            default_value_t = 0.05,
            requires = "statistical"
        )]
        alpha: f64,
        /// Statistical modes: divide --alpha by the number of rows tested (Bonferroni), so
        /// the whole check fails falsely with probability at most --alpha.
        #[arg(long, requires = "statistical")]
        bonferroni: bool,
        /// Output format on stdout: a table, JSON (geosim-check/1) or JUnit XML.
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
    },
}

/// Output formats of `geosim validate`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ValidateFormat {
    /// One line for people.
    Text,
    /// A JSON object for CI systems.
    Json,
}

/// Output formats of `geosim check`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum CheckFormat {
    /// The diff table for people.
    Text,
    /// A JSON object for CI systems.
    Json,
    /// JUnit XML: a test case per metric.
    Junit,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(()) if out::failed() => ExitCode::from(1),
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Names in messages come from input files: no control character reaches the
            // terminal raw (multi-line messages keep their lines).
            let text = e.to_string();
            let lines: Vec<_> = text.lines().map(report::escape).collect();
            errln!("error: {}", lines.join("\n"));
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
            no_charts,
            force,
            explain,
            by_region,
            no_by_region,
            trace,
            trace_filter,
            quiet,
        } => {
            let show = Show {
                explain,
                by_region: (by_region || no_by_region).then_some(by_region),
                trace: trace.map(|n| (n, trace_filter.unwrap_or_default())),
            };
            let flags = RunFlags {
                no_charts,
                force,
                quiet,
            };
            run(&scenario, seed, out, &strategies, flags, show)
        }
        Command::Validate {
            scenario,
            format,
            verbose,
        } => verify::validate(&scenario, format, verbose),
        Command::Regions {
            rtt,
            matrix,
            format,
        } => regions::regions(rtt, matrix, format),
        Command::Schema => {
            out!("{}", scenario::json_schema());
            Ok(())
        }
        Command::Sweep {
            file,
            jobs,
            out,
            shard,
            quiet,
            no_charts,
            dry_run,
            force,
        } => sweeps::sweep(
            &file,
            jobs,
            out,
            shard.as_deref(),
            sweeps::Flags {
                quiet,
                no_charts,
                dry_run,
                force,
            },
        ),
        Command::Merge { shards, out } => match advise::is_advise_shard(&shards[0]) {
            true => advise::merge(&shards, out),
            false => sweeps::merge(&shards, out),
        },
        Command::Advise {
            scenario,
            budget_usd_month,
            regions,
            jobs,
            out,
            shard,
            exhaustive,
            quiet,
        } => advise::advise(
            &scenario,
            &geosim::advise::Options {
                budget_usd_month,
                regions,
                exhaustive,
            },
            advise::Run {
                jobs,
                out,
                shard: shard.as_deref(),
                quiet,
            },
        ),
        Command::Matrix {
            scenario,
            outage,
            sessions,
        } => {
            let mut command = format!("geosim matrix {}", scenario.display());
            if let Some(o) = &outage {
                command.push_str(&format!(" --outage {o}"));
            }
            if let Some(n) = sessions {
                command.push_str(&format!(" --sessions {n}"));
            }
            let how = geosim::advise::matrix::How {
                outage: outage.as_deref(),
                sessions: sessions.unwrap_or(geosim::advise::matrix::SESSIONS),
            };
            out!(
                "{}",
                geosim::advise::matrix::matrix(&scenario, how, &command)?
            );
            Ok(())
        }
        Command::Plot { result, out } => plot(&result, out),
        Command::Check {
            report,
            baseline,
            tolerances,
            update,
            all,
            allow_removed,
            allow_new,
            stat,
            seeds,
            force,
            alpha,
            bonferroni,
            format,
        } => {
            let options = check::Options {
                allow_removed,
                allow_new,
                stat: (stat || seeds.is_some()).then_some(check::StatOptions { alpha, bonferroni }),
            };
            let files = verify::CheckFiles {
                report: &report,
                baseline: &baseline,
                tolerances: tolerances.as_deref(),
                seeds,
                force,
            };
            if update {
                verify::check_update(&files, all)
            } else {
                verify::check(&files, &options, all, format)
            }
        }
    }
}

pub(super) fn default_out(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("scenario");
    Path::new("results").join(stem)
}

/// The switches of `geosim run`.
struct RunFlags {
    no_charts: bool,
    force: bool,
    quiet: bool,
}

/// What `geosim run` prints beyond the comparison table.
struct Show {
    /// The tail explanations (`--explain`).
    explain: bool,
    /// The per-client-region table (`None`: on with at most 6 client regions).
    by_region: Option<bool>,
    /// `--trace N` and its `--trace-filter`.
    trace: Option<(usize, String)>,
}

/// The trace spec of `--trace N --trace-filter LIST` (region names from `sc`).
fn trace_spec(sc: &scenario::Scenario, n: usize, filter: &str) -> Result<TraceSpec, Error> {
    let mut spec = TraceSpec {
        count: n,
        ..TraceSpec::default()
    };
    for word in filter.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        match word {
            "failed" => spec.failed = true,
            "reads" => spec.kind = Some(geosim::workload::OpKind::Read),
            "writes" => spec.kind = Some(geosim::workload::OpKind::Write),
            "fault" => spec.during_fault = true,
            "slowest" => spec.slowest = true,
            _ => match word.strip_prefix("region=") {
                Some(name) => {
                    let r = sc.topology.find(name).ok_or_else(|| {
                        Error::Usage(format!("--trace-filter: no region named `{name}` in the scenario"))
                    })?;
                    spec.region = Some(r);
                }
                None => {
                    return Err(Error::Usage(format!(
                        "--trace-filter: unknown `{word}` (expected failed, reads, writes, region=NAME, fault, slowest)"
                    )))
                }
            },
        }
    }
    Ok(spec)
}

fn run(
    path: &Path,
    seed: Option<u64>,
    out: Option<PathBuf>,
    strategies: &[String],
    flags: RunFlags,
    show: Show,
) -> Result<(), Error> {
    let RunFlags {
        no_charts,
        force,
        quiet,
    } = flags;
    let (sc, info) = io::load_scenario(path)?;
    let selected = geosim::select(&sc, strategies)?.len();
    if !force {
        within_budget(path, &sc, selected)?;
    }
    let spec = match &show.trace {
        Some((n, filter)) => Some(trace_spec(&sc, *n, filter)?),
        None => None,
    };
    let dir = out.unwrap_or_else(|| default_out(path));
    let mut outputs = vec!["report.json"];
    if spec.is_some() {
        outputs.push("trace.json");
    }
    if !no_charts {
        outputs.extend(["report.html", "charts/latency.svg"]);
    }
    io::check_output(&dir, &outputs)?;
    let started = Instant::now();
    let bar = progress::RunBar::new(selected, &scenario::budget::estimate(&sc, selected), quiet);
    let result = geosim::simulate_with(&sc, info, seed, strategies, spec.as_ref(), Some(&bar));
    bar.finish();
    let (report, traces) = result?;
    let wall = started.elapsed();
    let file = dir.join("report.json");
    io::write_atomic(&file, report.to_json().as_bytes())?;
    let trace_file = dir.join("trace.json");
    if spec.is_some() {
        let doc = report::trace_json(&report, &sc.topology, &traces);
        io::write_atomic(&trace_file, doc.to_string().as_bytes())?;
    }
    let link = spec.is_some().then_some("trace.json");
    let html = (!no_charts)
        .then(|| render::write_report_linking(&dir, &report, link))
        .transpose()?;
    outln!(
        "{} (seed {}, {} simulated s)\n",
        report.scenario.name,
        report.seed,
        report.duration_s
    );
    out!("{}", report::table(&report));
    let client_regions = report.strategies.first().map_or(0, |s| s.per_region.len());
    if show.by_region.unwrap_or(client_regions <= 6) {
        outln!("\nper client region\n");
        out!("{}", report::region_table(&report));
    }
    if show.explain {
        outln!("\nwhat the p99 is made of (slowest 1 % of each client region and kind)\n");
        out!("{}", report::explanations(&report));
    }
    if sc.has_faults() {
        let faults = report.strategies.first().map_or(0, |s| s.faults.len());
        outln!("\nresilience ({})\n", plural(faults, "fault"));
        out!("{}", report::resilience_table(&report));
    }
    if let Some(t) = report::attempts_table(&report) {
        outln!("\nattempts, and failed operations by cause\n");
        out!("{t}");
    }
    if let Some(t) = report::serving_table(&report) {
        outln!("\nserving regions\n");
        out!("{t}");
    }
    if let Some(t) = report::migration_table(&report) {
        outln!("\nmigrations of travelling users' data\n");
        out!("{t}");
    }
    outln!("\ncost over {} simulated s\n", report.duration_s);
    out!("{}", report::cost_table(&report));
    if !report.warnings.is_empty() {
        outln!(
            "\nwarnings: {} setting(s) to check (no effect, or timeouts without faults)\n",
            report.warnings.len()
        );
        out!("{}", report::warnings_list(&report));
    }
    outln!("\nreport: {}", file.display());
    if spec.is_some() {
        let n: usize = traces.iter().map(Vec::len).sum();
        outln!(
            "trace:  {} ({})",
            trace_file.display(),
            plural(n, "operation")
        );
    }
    if let Some(w) = html {
        outln!(
            "page:   {} ({})",
            w.html.display(),
            plural(w.charts.len(), "chart")
        );
    }
    let events: u64 = report.strategies.iter().map(|s| s.events).sum();
    errln!(
        "wall clock: {:.2} s, {} events, {:.2} M events/s",
        wall.as_secs_f64(),
        events,
        events as f64 / wall.as_secs_f64().max(1e-9) / 1e6
    );
    Ok(())
}

/// `count` and `noun`, plural when `count` is not 1 ("1 region", "2 strategies").
pub(super) fn plural(count: usize, noun: &str) -> String {
    match (count, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{count} {stem}ies"),
        _ => format!("{count} {noun}s"),
    }
}

fn plot(result: &Path, out: Option<PathBuf>) -> Result<(), Error> {
    let (value, kind) = plot::read_result(result)?;
    let dir = out.unwrap_or_else(|| match result.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    });
    let w = render::write_outputs(&dir, &value, kind)?;
    for c in &w.charts {
        outln!("{}", c.display());
    }
    outln!("{}", w.html.display());
    Ok(())
}
