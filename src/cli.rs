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
    },
    /// Check a scenario file and report every problem.
    #[command(
        after_help = "Examples:\n  geosim validate scenarios/three-regions.toml\n\nExit codes: 0 valid, 2 invalid (file, field path and reason printed)."
    )]
    Validate {
        /// The scenario file (.toml or .json).
        scenario: PathBuf,
    },
    /// List the built-in region catalogue, or the derived round trip between two regions.
    #[command(
        after_help = "Examples:\n  geosim regions\n  geosim regions --rtt aws:eu-west-1 gcp:europe-west3\n\nCatalogue names can be used in scenarios: [[regions]] name = \"aws:eu-west-1\", or\nregions = [\"aws:eu-west-1\", ...]."
    )]
    Regions {
        /// Print the geo-derived round trip between two catalogue regions.
        #[arg(long, num_args = 2, value_names = ["A", "B"])]
        rtt: Option<Vec<String>>,
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
        after_help = "Examples:\n  geosim check results/three-regions/report.json --baseline results/baselines/three-regions.json\n  geosim check target/ci/sweep/sweep.json --baseline baselines/sweep.json --tolerances tol.toml\n  geosim check results/three-regions/report.json --baseline results/baselines/three-regions.json --update\n\nPrints the metrics that changed (all with --all). Tolerances and directions: docs/ci.md.\nExit codes: 0 nothing regressed beyond tolerance, 1 something did (or the baseline could\nnot be written), 2 bad input: missing or unparseable file, different scenarios or seeds."
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
        /// Rewrite the baseline with the report (atomically) instead of failing.
        #[arg(long)]
        update: bool,
        /// Show every metric, not only those that changed.
        #[arg(long)]
        all: bool,
    },
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
            no_charts,
        } => run(&scenario, seed, out, &strategies, no_charts),
        Command::Validate { scenario } => {
            let (sc, _) = io::load_scenario(&scenario)?;
            println!(
                "{}: ok ({} regions, {} client groups, {} strategies)",
                scenario.display(),
                sc.topology.len(),
                sc.workload.groups.len(),
                sc.strategies.len()
            );
            for w in &sc.warnings {
                let who = w
                    .strategy
                    .map_or(String::new(), |j| format!(" [{}]", sc.strategies[j].name));
                println!("warning: {}{who}: {}", w.field, w.message);
            }
            Ok(())
        }
        Command::Regions { rtt } => regions(rtt),
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
        } => check(&report, &baseline, tolerances.as_deref(), update, all),
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
) -> Result<(), Error> {
    let (sc, info) = io::load_scenario(path)?;
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
        println!("\nresilience ({faults} faults)\n");
        print!("{}", report::resilience_table(&report));
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
        println!("page:   {} ({} charts)", w.html.display(), w.charts.len());
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

fn check(
    report: &Path,
    baseline: &Path,
    tolerances: Option<&Path>,
    update: bool,
    all: bool,
) -> Result<(), Error> {
    let (current, _) = plot::read_result(report)?;
    let tol = match tolerances {
        Some(p) => check::Tolerances::from_toml(&io::read_text(p)?, p)?,
        None => check::Tolerances::default(),
    };
    if update {
        // Show what changes when the old baseline is comparable; write the new one anyway.
        if let Ok((old, _)) = plot::read_result(baseline) {
            if let Ok(cmp) = check::compare(&current, &old, &tol) {
                print!("{}", cmp.table(all));
            }
        }
        io::write_atomic(baseline, io::read_text(report)?.as_bytes())?;
        println!("baseline updated: {}", baseline.display());
        return Ok(());
    }
    let (old, _) = plot::read_result(baseline)?;
    let cmp = check::compare(&current, &old, &tol)?;
    print!("{}", cmp.table(all));
    match cmp.regressed() {
        Some(e) => Err(e),
        None => {
            println!("ok: nothing regressed beyond tolerance");
            Ok(())
        }
    }
}

fn regions(rtt: Option<Vec<String>>) -> Result<(), Error> {
    use geosim::catalogue::{find, CATALOGUE};
    use geosim::topology::{fibre_floor_ms, great_circle_km, NetworkModel};
    match rtt {
        Some(pair) => {
            let get = |n: &str| {
                find(n).ok_or_else(|| {
                    Error::Usage(format!(
                        "--rtt: `{n}` is not a catalogue region (see `geosim regions`)"
                    ))
                })
            };
            let (a, b) = (get(&pair[0])?, get(&pair[1])?);
            let km = great_circle_km(a.lat, a.lon, b.lat, b.lon);
            let model = NetworkModel::default();
            println!(
                "{} ({}) <-> {} ({}): {:.0} km, derived RTT {:.1} ms (fibre floor {:.1} ms; inflation {}, overhead {} ms one way)",
                a.name,
                a.city,
                b.name,
                b.city,
                km,
                2.0 * model.derived_ms(km),
                2.0 * fibre_floor_ms(km),
                model.route_inflation,
                model.overhead_ms
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
            format!(", shard {} of {}: {mine} runs", s.index, s.count)
        });
        eprintln!(
            "{}: {} points x {} seeds = {} runs{part}, {jobs} thread{}",
            file.display(),
            plan.points(),
            plan.header.seeds,
            plan.runs(),
            if jobs == 1 { "" } else { "s" }
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
        .map(|p| Ok((p.clone(), io::read_text(p)?)))
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
        println!("page:   {} ({} charts)", w.html.display(), w.charts.len());
    }
    Ok(())
}
