//! Command-line interface of the `geosim` binary: argument parsing (clap derive), dispatch
//! to the library, printing, and exit codes (0 ok, 1 environment failure, 2 bad input).
//!
//! Owns every terminal write of geosim. Must not contain model logic: it calls the library.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use geosim::{check, io, plot, render, report, scenario, sweep, Error};

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
    },
    /// Check a scenario file and report every problem.
    #[command(
        after_help = "Examples:\n  geosim validate scenarios/three-regions.toml\n  geosim validate scenarios/three-regions.toml --format json\n\nExit codes: 0 valid, 2 invalid (file, field path and reason printed). With --format json,\nstdout holds one JSON object (format geosim-validate/1: valid, problems[] with field, line,\ncolumn, message) whatever the outcome; docs/ci.md."
    )]
    Validate {
        /// The scenario file (.toml or .json).
        scenario: PathBuf,
        /// Output format on stdout.
        #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
        format: ValidateFormat,
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
        after_help = "Examples:\n  geosim sweep scenarios/sweeps/conflicts-vs-rate.toml\n  geosim sweep scenarios/sweeps/lag-vs-rpo.toml --jobs 2 --out /tmp/lag\n  geosim sweep scenarios/sweeps/conflicts-vs-rate.toml --shard 2/4 --out shards/\n  geosim sweep scenarios/sweeps/conflicts-vs-rate.toml --shard auto/4 --out shards/\n\nWrites DIR/sweep.csv and DIR/sweep.json (default DIR: results/<sweep file stem>/), or with\n--shard only DIR/shard-I-of-N.json for `geosim merge`. Every point is built and checked\nbefore anything runs. Format: docs/sweep.md; clusters: docs/cluster.md.\nExit codes: 0 ok, 1 cannot write output, 2 bad sweep file or arguments, 130 interrupted\n(Ctrl-C: runs in progress finish, nothing is written)."
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
    },
    /// Merge the shard files of a sweep into sweep.csv and sweep.json.
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
        after_help = "Examples:\n  geosim check results/three-regions/report.json --baseline results/baselines/three-regions.json\n  geosim check target/ci/sweep/sweep.json --baseline baselines/sweep.json --tolerances tol.toml\n  geosim check new/sweep.json --baseline old/sweep.json --stat --alpha 0.01\n  geosim check results/three-regions/report.json --baseline b.json --format junit > check.xml\n  geosim check results/three-regions/report.json --baseline results/baselines/three-regions.json --update\n\nPrints the metrics that changed (all with --all). Tolerances, directions, the statistical\nmode and the JSON / JUnit formats: docs/ci.md.\nExit codes: 0 nothing regressed beyond tolerance; 1 something did, or the comparison is\nincomplete (nothing compared, a strategy or metric in one file only), or the baseline could\nnot be written; 2 bad input: missing or unparseable file, different scenarios or seeds,\n--update over a baseline of another kind."
    )]
    Check {
        /// The current report.json or sweep.json.
        report: PathBuf,
        /// The baseline to compare with (same kind of file).
        #[arg(long)]
        baseline: PathBuf,
        /// TOML file of tolerances: metric glob = { rel = 0.05, abs = 0.5, direction = "lower" }.
        #[arg(long)]
        tolerances: Option<PathBuf>,
        /// Rewrite the baseline with the report (atomically) instead of failing; refuses to
        /// overwrite a file that is not a result of the same kind.
        #[arg(long, conflicts_with_all = ["stat", "format"])]
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
        /// Statistical mode: the false-failure rate of each row's test.
        #[arg(long, value_name = "A", default_value_t = 0.05, requires = "stat")]
        alpha: f64,
        /// Statistical mode: divide --alpha by the number of rows tested (Bonferroni), so
        /// the whole check fails falsely with probability at most --alpha.
        #[arg(long, requires = "stat")]
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
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Names in messages come from input files: no control character reaches the
            // terminal raw (multi-line messages keep their lines).
            let text = e.to_string();
            let lines: Vec<_> = text.lines().map(report::escape).collect();
            eprintln!("error: {}", lines.join("\n"));
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
        } => run(&scenario, seed, out, &strategies, no_charts, force),
        Command::Validate { scenario, format } => validate(&scenario, format),
        Command::Regions {
            rtt,
            matrix,
            format,
        } => regions(rtt, matrix, format),
        Command::Schema => {
            print!("{}", scenario::json_schema());
            Ok(())
        }
        Command::Sweep {
            file,
            jobs,
            out,
            shard,
            quiet,
            no_charts,
        } => sweep(&file, jobs, out, shard.as_deref(), quiet, no_charts),
        Command::Merge { shards, out } => merge(&shards, out),
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
            alpha,
            bonferroni,
            format,
        } => {
            let options = check::Options {
                allow_removed,
                allow_new,
                stat: stat.then_some(check::StatOptions { alpha, bonferroni }),
            };
            let files = CheckFiles {
                report: &report,
                baseline: &baseline,
                tolerances: tolerances.as_deref(),
            };
            if update {
                check_update(&files, all)
            } else {
                check(&files, &options, all, format)
            }
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
    no_charts: bool,
    force: bool,
) -> Result<(), Error> {
    let (sc, info) = io::load_scenario(path)?;
    let selected = geosim::select(&sc, strategies)?.len();
    if !force {
        within_budget(path, &sc, selected)?;
    }
    let started = Instant::now();
    let report = geosim::simulate(&sc, info, seed, strategies)?;
    let wall = started.elapsed();
    let dir = out.unwrap_or_else(|| default_out(path));
    let file = dir.join("report.json");
    io::write_atomic(&file, report.to_json().as_bytes())?;
    let html = (!no_charts)
        .then(|| render::write_report(&dir, &report))
        .transpose()?;
    println!(
        "{} (seed {}, {} simulated s)\n",
        report.scenario.name, report.seed, report.duration_s
    );
    print!("{}", report::table(&report));
    if sc.has_faults() {
        let faults = report.strategies.first().map_or(0, |s| s.faults.len());
        println!("\nresilience ({})\n", plural(faults, "fault"));
        print!("{}", report::resilience_table(&report));
    }
    if let Some(t) = report::serving_table(&report) {
        println!("\nserving regions\n");
        print!("{t}");
    }
    println!("\ncost over {} simulated s\n", report.duration_s);
    print!("{}", report::cost_table(&report));
    if !report.warnings.is_empty() {
        println!(
            "\nwarnings: {} setting(s) had no effect\n",
            report.warnings.len()
        );
        print!("{}", report::warnings_list(&report));
    }
    println!("\nreport: {}", file.display());
    if let Some(w) = html {
        println!(
            "page:   {} ({})",
            w.html.display(),
            plural(w.charts.len(), "chart")
        );
    }
    let events: u64 = report.strategies.iter().map(|s| s.events).sum();
    eprintln!(
        "wall clock: {:.2} s, {} events, {:.2} M events/s",
        wall.as_secs_f64(),
        events,
        events as f64 / wall.as_secs_f64().max(1e-9) / 1e6
    );
    Ok(())
}

/// `count` and `noun`, plural when `count` is not 1 ("1 region", "2 strategies").
fn plural(count: usize, noun: &str) -> String {
    match (count, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{count} {stem}ies"),
        _ => format!("{count} {noun}s"),
    }
}

/// Refuses a run estimated to take more than `budget::MAX_EVENTS` events, naming the setting
/// behind most of them (exit 2; `--force` skips this).
fn within_budget(path: &Path, sc: &scenario::Scenario, strategies: usize) -> Result<(), Error> {
    use scenario::budget::{estimate, MAX_EVENTS};
    let est = estimate(sc, strategies);
    if !est.too_large() {
        return Ok(());
    }
    Err(Error::Invalid {
        path: path.to_path_buf(),
        problems: vec![geosim::error::Problem {
            field: est.field.clone(),
            message: format!(
                "the run would take about {:.1e} events ({} % of them from this setting; limit \
                 {MAX_EVENTS:.0e}): lower it or duration_s, or pass --force to run anyway",
                est.events,
                (est.share * 100.0).round()
            ),
        }],
    })
}

fn plot(result: &Path, out: Option<PathBuf>) -> Result<(), Error> {
    let (value, kind) = plot::read_result(result)?;
    let dir = out.unwrap_or_else(|| match result.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    });
    let w = render::write_outputs(&dir, &value, kind)?;
    for c in &w.charts {
        println!("{}", c.display());
    }
    println!("{}", w.html.display());
    Ok(())
}

/// The files of `geosim check`.
struct CheckFiles<'a> {
    report: &'a Path,
    baseline: &'a Path,
    tolerances: Option<&'a Path>,
}

impl CheckFiles<'_> {
    fn tolerances(&self) -> Result<check::Tolerances, Error> {
        match self.tolerances {
            Some(p) => check::Tolerances::from_toml(&io::read_text(p)?, p),
            None => Ok(check::Tolerances::default()),
        }
    }

    fn compare(&self, options: &check::Options) -> Result<check::Comparison, Error> {
        if let Some(s) = options.stat {
            if !(s.alpha > 0.0 && s.alpha < 0.5) {
                return Err(Error::Usage(format!(
                    "--alpha must be in (0, 0.5), not {}",
                    s.alpha
                )));
            }
        }
        let (current, _) = plot::read_result(self.report)?;
        let tol = self.tolerances()?;
        let (old, _) = plot::read_result(self.baseline)?;
        check::compare(&current, &old, &tol, options)
    }
}

fn check(
    files: &CheckFiles,
    options: &check::Options,
    all: bool,
    format: CheckFormat,
) -> Result<(), Error> {
    let outcome = files.compare(options);
    let suite = files.report.display().to_string();
    match (format, outcome) {
        (CheckFormat::Text, Err(e)) => Err(e),
        (CheckFormat::Json, Err(e)) => {
            print!("{}", check::error_json(&e));
            Err(e)
        }
        (CheckFormat::Junit, Err(e)) => {
            print!("{}", check::error_junit(&suite, &e));
            Err(e)
        }
        (format, Ok(cmp)) => {
            match format {
                CheckFormat::Text => print!("{}", cmp.table(all)),
                CheckFormat::Json => print!("{}", cmp.to_json()),
                CheckFormat::Junit => print!("{}", cmp.to_junit(&suite)),
            }
            match cmp.gate() {
                Some(e) => Err(e),
                None => {
                    if format == CheckFormat::Text {
                        println!("ok: nothing regressed beyond tolerance");
                    }
                    Ok(())
                }
            }
        }
    }
}

/// `geosim check --update`: shows what changes, then rewrites the baseline, unless the file
/// there is not a result of the same kind (a sweep.json over a report.json, or something else).
fn check_update(files: &CheckFiles, all: bool) -> Result<(), Error> {
    let (current, kind) = plot::read_result(files.report)?;
    let tol = files.tolerances()?;
    if files.baseline.exists() {
        let refuse = |why: String| {
            Err(Error::Usage(format!(
                "--update refuses to overwrite {}: {why} (delete it first if this is intended)",
                files.baseline.display()
            )))
        };
        let name = |k: plot::ResultKind| match k {
            plot::ResultKind::Report => "a report.json",
            plot::ResultKind::Sweep => "a sweep.json",
        };
        match plot::read_result(files.baseline) {
            Err(e) => return refuse(format!("it is not a geosim result ({e})")),
            Ok((_, old_kind)) if old_kind != kind => {
                return refuse(format!(
                    "it is {} baseline but {} is {}",
                    name(old_kind),
                    files.report.display(),
                    name(kind)
                ))
            }
            Ok((old, _)) => {
                let options = check::Options {
                    allow_removed: true,
                    allow_new: true,
                    stat: None,
                };
                if let Ok(cmp) = check::compare(&current, &old, &tol, &options) {
                    print!("{}", cmp.table(all));
                }
            }
        }
    }
    io::write_atomic(
        files.baseline,
        io::read_result_text(files.report)?.as_bytes(),
    )?;
    println!("baseline updated: {}", files.baseline.display());
    Ok(())
}

fn validate(path: &Path, format: ValidateFormat) -> Result<(), Error> {
    let loaded = io::load_scenario(path);
    if format == ValidateFormat::Text {
        let (sc, _) = loaded?;
        println!(
            "{}: ok ({}, {}, {})",
            path.display(),
            plural(sc.topology.len(), "region"),
            plural(sc.workload.groups.len(), "client group"),
            plural(sc.strategies.len(), "strategy"),
        );
        for w in &sc.warnings {
            let who = w
                .strategy
                .map_or(String::new(), |j| format!(" [{}]", sc.strategies[j].name));
            println!(
                "warning: {}{}: {}",
                report::escape(&w.field),
                report::escape(&who),
                report::escape(&w.message)
            );
        }
        if let Err(e) = within_budget(path, &sc, sc.strategies.len()) {
            eprintln!("warning: {e}");
        }
        return Ok(());
    }
    let problem = |field: Option<&str>,
                   line: Option<usize>,
                   column: Option<usize>,
                   message: &str| {
        serde_json::json!({"field": field, "line": line, "column": column, "message": message})
    };
    let warnings: Vec<serde_json::Value> = match &loaded {
        Ok((sc, _)) => sc
            .warnings
            .iter()
            .map(|w| {
                serde_json::json!({
                    "field": w.field,
                    "strategy": w.strategy.map(|j| sc.strategies[j].name.clone()),
                    "message": w.message,
                })
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let (counts, problems, result) = match loaded {
        Ok((sc, _)) => (
            Some((
                sc.topology.len(),
                sc.workload.groups.len(),
                sc.strategies.len(),
            )),
            Vec::new(),
            Ok(()),
        ),
        Err(e) => {
            let problems = match &e {
                Error::Invalid { problems, .. } => problems
                    .iter()
                    .map(|p| problem(Some(&p.field), None, None, &p.message))
                    .collect(),
                Error::Field {
                    field,
                    line,
                    column,
                    message,
                    ..
                } => vec![problem(Some(field), *line, *column, message)],
                Error::Syntax {
                    line,
                    column,
                    message,
                    ..
                } => vec![problem(None, Some(*line), Some(*column), message)],
                other => vec![problem(None, None, None, &other.to_string())],
            };
            (None, problems, Err(e))
        }
    };
    let doc = serde_json::json!({
        "format": "geosim-validate/1",
        "file": path.display().to_string(),
        "valid": result.is_ok(),
        "exit_code": result.as_ref().map_or_else(|e| e.exit_code(), |_| 0),
        "regions": counts.map(|c| c.0),
        "client_groups": counts.map(|c| c.1),
        "strategies": counts.map(|c| c.2),
        "problems": problems,
        "warnings": warnings,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&doc).expect("serialises")
    );
    result
}

/// Output format of `geosim regions --matrix`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum MatrixFormat {
    /// An aligned table.
    Table,
    /// `from,to,km,floor_rtt_ms,rtt_p50_ms,rtt_p99_ms`.
    Csv,
    /// An array of objects with the CSV's fields.
    Json,
}

/// Writes `text` to stdout; a closed pipe (`| head`) is not an error.
fn print_quietly(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Draws behind the p99 printed by `geosim regions`.
const RTT_DRAWS: usize = 200_000;

/// The catalogue regions named, as a topology under the default network model.
fn catalogue_topology(names: &[String], flag: &str) -> Result<geosim::topology::Topology, Error> {
    use geosim::catalogue::find;
    use geosim::topology::{region, NetworkModel, Topology};
    let mut regions = Vec::new();
    for n in names {
        let r = find(n).ok_or_else(|| {
            Error::Usage(format!(
                "{flag}: `{n}` is not a catalogue region (see `geosim regions`)"
            ))
        })?;
        if regions
            .iter()
            .any(|x: &geosim::topology::Region| x.name == r.name)
        {
            return Err(Error::Usage(format!("{flag}: `{n}` is given twice")));
        }
        regions.push(region(r.name, r.lat, r.lon, r.jurisdiction));
    }
    Topology::new(regions, vec![], NetworkModel::default())
        .map_err(|e| Error::Usage(format!("{flag}: {e:?}")))
}

/// One ordered pair of the derived matrix.
#[derive(serde::Serialize)]
struct RttRow {
    from: String,
    to: String,
    km: f64,
    floor_rtt_ms: f64,
    rtt_p50_ms: f64,
    rtt_p99_ms: f64,
    route: Vec<String>,
}

fn rtt_row(t: &geosim::topology::Topology, a: u16, b: u16) -> RttRow {
    let r3 = |v: f64| (v * 1e3).round() / 1e3;
    let p99 = t.rtt_quantiles_ms(a, b, &[0.99], RTT_DRAWS, 1)[0];
    RttRow {
        from: t.region(a).name.clone(),
        to: t.region(b).name.clone(),
        km: r3(t.distance_km(a, b)),
        floor_rtt_ms: r3((t.path_floor_nanos(a, b) + t.path_floor_nanos(b, a)) as f64 / 1e6),
        rtt_p50_ms: r3(t.median_rtt_ms(a, b)),
        rtt_p99_ms: r3(p99),
        route: t
            .route_regions(a, b)
            .into_iter()
            .map(|r| t.region(r).name.clone())
            .collect(),
    }
}

fn regions(
    rtt: Option<Vec<String>>,
    matrix: Option<Vec<String>>,
    format: MatrixFormat,
) -> Result<(), Error> {
    use geosim::catalogue::{find, CATALOGUE};
    if let Some(names) = matrix {
        let t = catalogue_topology(&names, "--matrix")?;
        let n = t.len() as u16;
        let rows: Vec<RttRow> = (0..n)
            .flat_map(|a| (0..n).filter(move |&b| b != a).map(move |b| (a, b)))
            .map(|(a, b)| rtt_row(&t, a, b))
            .collect();
        match format {
            MatrixFormat::Json => {
                let text = serde_json::to_string_pretty(&rows)
                    .map_err(|e| Error::Usage(format!("--matrix: {e}")))?;
                print_quietly(&format!("{text}\n"));
            }
            MatrixFormat::Csv => {
                let mut text = String::from("from,to,km,floor_rtt_ms,rtt_p50_ms,rtt_p99_ms\n");
                for r in &rows {
                    text.push_str(&format!(
                        "{},{},{},{},{},{}\n",
                        r.from, r.to, r.km, r.floor_rtt_ms, r.rtt_p50_ms, r.rtt_p99_ms
                    ));
                }
                print_quietly(&text);
            }
            MatrixFormat::Table => {
                let mut table = vec![[
                    "from",
                    "to",
                    "km",
                    "floor RTT ms",
                    "RTT p50 ms",
                    "RTT p99 ms",
                ]
                .map(String::from)
                .to_vec()];
                for r in &rows {
                    table.push(vec![
                        r.from.clone(),
                        r.to.clone(),
                        format!("{:.0}", r.km),
                        format!("{:.1}", r.floor_rtt_ms),
                        format!("{:.1}", r.rtt_p50_ms),
                        format!("{:.1}", r.rtt_p99_ms),
                    ]);
                }
                print_quietly(&report::render(&table));
            }
        }
        return Ok(());
    }
    match rtt {
        Some(pair) => {
            let t = catalogue_topology(&pair, "--rtt")?;
            let r = rtt_row(&t, 0, 1);
            let (a, b) = (
                find(&pair[0]).expect("checked"),
                find(&pair[1]).expect("checked"),
            );
            let model = t.model();
            let route = if r.route.len() <= 2 {
                "direct (derived link, great circle)".to_string()
            } else {
                r.route.join(" -> ")
            };
            println!(
                "{} ({}) <-> {} ({}): {:.0} km\n  derived RTT p50 {:.1} ms, p99 {:.1} ms\n  route: {}\n  fibre floor RTT {:.1} ms\n  model: inflation {}, overhead {} ms one way, variation {:?}",
                a.name,
                a.city,
                b.name,
                b.city,
                r.km,
                r.rtt_p50_ms,
                r.rtt_p99_ms,
                route,
                r.floor_rtt_ms,
                model.route_inflation,
                model.overhead_ms,
                model.variation,
            );
        }
        None => {
            let mut rows = vec![vec![
                "name".to_string(),
                "city".to_string(),
                "jurisdiction".to_string(),
                "lat".to_string(),
                "lon".to_string(),
                "inter-region $/GB".to_string(),
                "internet $/GB".to_string(),
            ]];
            for r in CATALOGUE {
                rows.push(vec![
                    r.name.to_string(),
                    r.city.to_string(),
                    r.jurisdiction.to_string(),
                    format!("{:.4}", r.lat),
                    format!("{:.4}", r.lon),
                    format!("{}", r.inter_region_usd_per_gb),
                    format!("{}", r.internet_usd_per_gb),
                ]);
            }
            print!("{}", report::render(&rows));
        }
    }
    Ok(())
}

/// Set by Ctrl-C during a sweep: no new runs start.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Sweep progress on stderr: a bar on a terminal, a line every 10 % otherwise, or nothing.
struct SweepProgress {
    bar: Option<ProgressBar>,
    lines: bool,
    total: AtomicUsize,
    decile: AtomicUsize,
    started: Instant,
}

impl SweepProgress {
    fn new(quiet: bool) -> SweepProgress {
        let terminal = std::io::stderr().is_terminal();
        let bar = (!quiet && terminal).then(|| {
            let style = ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} runs  {per_sec}  ETA {eta}",
            )
            .expect("valid template")
            .progress_chars("=> ");
            ProgressBar::new(0).with_style(style)
        });
        SweepProgress {
            bar,
            lines: !quiet && !terminal,
            total: AtomicUsize::new(0),
            decile: AtomicUsize::new(0),
            started: Instant::now(),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl geosim::sweep::Progress for SweepProgress {
    fn start(&self, runs: usize) {
        self.total.store(runs, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.set_length(runs as u64);
        }
    }

    fn advance(&self, done: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        } else if self.lines {
            let total = self.total.load(Ordering::Relaxed).max(1);
            let decile = done * 10 / total;
            if decile > self.decile.fetch_max(decile, Ordering::Relaxed) {
                eprintln!(
                    "sweep: {:>3}% ({done}/{total} runs, {:.1} s)",
                    decile * 10,
                    self.started.elapsed().as_secs_f64()
                );
            }
        }
    }
}

fn sweep(
    file: &Path,
    jobs: Option<usize>,
    out: Option<PathBuf>,
    shard: Option<&str>,
    quiet: bool,
    no_charts: bool,
) -> Result<(), Error> {
    let shard = shard
        .map(|s| sweep::Shard::parse(s, |k| std::env::var(k).ok()))
        .transpose()?;
    let jobs = match jobs {
        Some(0) => return Err(Error::Usage("--jobs must be at least 1".into())),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let plan = sweep::load(file)?;
    let dir = out.unwrap_or_else(|| default_out(file));
    let mine = (0..plan.runs())
        .filter(|&r| shard.is_none_or(|s| s.contains(r)))
        .count();
    // First Ctrl-C: start no new run, write nothing, exit 130. Second: exit at once.
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\ninterrupted: finishing the runs in progress (Ctrl-C again to quit now)");
    });
    if !quiet {
        let part = shard.map_or(String::new(), |s| {
            format!(
                ", shard {} of {}: {}",
                s.index,
                s.count,
                plural(mine, "run")
            )
        });
        eprintln!(
            "{}: {} x {} = {}{part}, {}",
            file.display(),
            plural(plan.points(), "point"),
            plural(plan.header.seeds as usize, "seed"),
            plural(plan.runs(), "run"),
            plural(jobs, "thread")
        );
    }
    let progress = SweepProgress::new(quiet);
    let started = Instant::now();
    let values = sweep::run(&plan, jobs, shard, &INTERRUPTED, &progress);
    progress.finish();
    let values = values?;
    match shard {
        Some(s) => {
            let path = dir.join(s.file_name());
            let text = sweep::ShardFile::new(&plan.header, s, &values).to_json();
            io::write_atomic(&path, text.as_bytes())?;
            println!("shard:  {}", path.display());
        }
        None => write_sweep(
            &sweep::Results::new(plan.header.clone(), values)?,
            &dir,
            !no_charts,
        )?,
    }
    if !quiet {
        eprintln!(
            "wall clock: {:.2} s, {mine} runs",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn merge(shards: &[PathBuf], out: Option<PathBuf>) -> Result<(), Error> {
    let files = shards
        .iter()
        .map(|p| Ok((p.clone(), io::read_result_text(p)?)))
        .collect::<Result<Vec<_>, Error>>()?;
    let results = sweep::merge(&files)?;
    let dir = out.unwrap_or_else(|| {
        let sweep_file = results.header.sweep.path.as_deref().unwrap_or("sweep");
        default_out(Path::new(sweep_file))
    });
    write_sweep(&results, &dir, true)
}

fn write_sweep(results: &sweep::Results, dir: &Path, charts: bool) -> Result<(), Error> {
    let csv = dir.join("sweep.csv");
    let json = dir.join("sweep.json");
    let text = results.to_json();
    io::write_atomic(&csv, results.to_csv().as_bytes())?;
    io::write_atomic(&json, text.as_bytes())?;
    println!("table:  {}", csv.display());
    println!("sweep:  {}", json.display());
    if charts {
        let w = render::write_sweep_outputs(dir, &text)?;
        println!(
            "page:   {} ({})",
            w.html.display(),
            plural(w.charts.len(), "chart")
        );
    }
    Ok(())
}
