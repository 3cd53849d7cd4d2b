//! `geosim sweep` and `geosim merge`: running a sweep (progress on stderr, Ctrl-C), merging
//! shards and writing `sweep.csv`, `sweep.json` and the charts.
//!
//! Owns their terminal output. Must not contain model logic: it calls `geosim::sweep`.

use std::path::{Path, PathBuf};

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use geosim::{io, render, report, sweep, Error};

use super::{default_out, over_budget_message, plural};

/// Set by Ctrl-C during a sweep: no new runs start.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Sweep progress on stderr: a bar on a terminal, a line every 10 % otherwise, or nothing.
pub(super) struct SweepProgress {
    what: &'static str,
    bar: Option<ProgressBar>,
    lines: bool,
    total: AtomicUsize,
    decile: AtomicUsize,
    started: Instant,
}

impl SweepProgress {
    pub(super) fn new(quiet: bool) -> SweepProgress {
        SweepProgress::named(quiet, "sweep")
    }

    /// `what` starts each progress line (`sweep`, `advise`).
    pub(super) fn named(quiet: bool, what: &'static str) -> SweepProgress {
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
            what,
            bar,
            lines: !quiet && !terminal,
            total: AtomicUsize::new(0),
            decile: AtomicUsize::new(0),
            started: Instant::now(),
        }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl geosim::sweep::Progress for SweepProgress {
    fn start(&self, runs: usize) {
        // A search with rungs (advise) starts again for each rung.
        self.total.store(runs, Ordering::Relaxed);
        self.decile.store(0, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.set_length(runs as u64);
            bar.set_position(0);
        }
    }

    fn advance(&self, done: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        } else if self.lines {
            let total = self.total.load(Ordering::Relaxed).max(1);
            let decile = done * 10 / total;
            if decile > self.decile.fetch_max(decile, Ordering::Relaxed) {
                errln!(
                    "{}: {:>3}% ({done}/{total} runs, {:.1} s)",
                    self.what,
                    decile * 10,
                    self.started.elapsed().as_secs_f64()
                );
            }
        }
    }
}

/// The switches of `geosim sweep`.
pub(super) struct Flags {
    pub(super) quiet: bool,
    pub(super) no_charts: bool,
    pub(super) dry_run: bool,
    pub(super) force: bool,
}

pub(super) fn sweep(
    file: &Path,
    jobs: Option<usize>,
    out: Option<PathBuf>,
    shard: Option<&str>,
    flags: Flags,
) -> Result<(), Error> {
    let Flags {
        quiet,
        no_charts,
        dry_run,
        force,
    } = flags;
    let shard = shard
        .map(|s| sweep::Shard::parse(s, |k| std::env::var(k).ok()))
        .transpose()?;
    let jobs = match jobs {
        Some(0) => return Err(Error::Usage("--jobs must be at least 1".into())),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let dir = out.unwrap_or_else(|| default_out(file));
    if !dry_run {
        // Before the plan (which dry-runs points) and long before the first run.
        let shard_name = shard.map(|s| s.file_name());
        let outputs: Vec<&str> = match &shard_name {
            Some(name) => vec![name.as_str()],
            None if no_charts => vec!["sweep.csv", "sweep.json"],
            None => vec!["sweep.csv", "sweep.json", "sweep.html", "charts/sweep.svg"],
        };
        io::check_output(&dir, &outputs)?;
    }
    let plan = sweep::load(file)?;
    if dry_run {
        out!("{}", point_list(&plan));
        return Ok(());
    }
    if !force {
        within_budget(&plan)?;
    }
    let mine = (0..plan.runs())
        .filter(|&r| shard.is_none_or(|s| s.contains(r)))
        .count();
    // First Ctrl-C: start no new run, write nothing, exit 130. Second: exit at once.
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        errln!("\ninterrupted: finishing the runs in progress (Ctrl-C again to quit now)");
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
        errln!(
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
            outln!("shard:  {}", path.display());
        }
        None => write_sweep(
            &sweep::Results::new(plan.header.clone(), values)?,
            &dir,
            !no_charts,
        )?,
    }
    if !quiet {
        errln!(
            "wall clock: {:.2} s, {mine} runs",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// `parameters[i] = value, ...` of point `k`.
fn assignments(plan: &sweep::Plan, k: usize) -> String {
    let h = &plan.header;
    let list: Vec<String> = h
        .parameters
        .iter()
        .zip(&h.points[k].values)
        .map(|(p, v)| format!("{} = {v}", p.path))
        .collect();
    list.join(", ")
}

/// The estimated events of one run of point `k` (all its selected strategies).
fn estimate(plan: &sweep::Plan, k: usize) -> geosim::scenario::budget::Estimate {
    geosim::scenario::budget::estimate(plan.scenario(k), plan.header.points[k].strategies.len())
}

/// Refuses a sweep with a point whose run is estimated to take more than
/// `budget::MAX_EVENTS` events, naming the point and the setting behind most of them, at the
/// line and column where the point gets that setting: the swept value when a parameter sets
/// it, else the base's field, in its own file for a `base` file (exit 2; `--force` skips this).
pub(super) fn within_budget(plan: &sweep::Plan) -> Result<(), Error> {
    for k in 0..plan.points() {
        let est = estimate(plan, k);
        if est.too_large() {
            let place = plan.place(k, &est.field);
            return Err(Error::Sweep {
                path: place.file,
                field: format!("grid point {k} ({})", assignments(plan, k)),
                at: place.at,
                message: format!("{}: {}", est.field, over_budget_message(&est)),
            });
        }
    }
    Ok(())
}

/// `geosim sweep --dry-run`: one line per point (index, hash, values, strategies, estimated
/// events per run) and the totals.
fn point_list(plan: &sweep::Plan) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for (k, p) in plan.header.points.iter().enumerate() {
        let est = estimate(plan, k);
        let flag = if est.too_large() {
            format!("  over the limit ({}; --force)", est.field)
        } else {
            String::new()
        };
        let values = assignments(plan, k);
        let _ = writeln!(
            out,
            "point {k:>4}  {}  {}  {}  ~{:.1e} events/run{flag}",
            p.hash,
            if values.is_empty() {
                "(base)".into()
            } else {
                report::escape(&values)
            },
            plural(p.strategies.len(), "strategy"),
            est.events
        );
    }
    let _ = writeln!(
        out,
        "{} x {} = {} (dry run: nothing ran, nothing written)",
        plural(plan.points(), "point"),
        plural(plan.header.seeds as usize, "seed"),
        plural(plan.runs(), "run")
    );
    out
}

pub(super) fn merge(shards: &[PathBuf], out: Option<PathBuf>) -> Result<(), Error> {
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

pub(super) fn write_sweep(results: &sweep::Results, dir: &Path, charts: bool) -> Result<(), Error> {
    let csv = dir.join("sweep.csv");
    let json = dir.join("sweep.json");
    let text = results.to_json();
    io::write_atomic(&csv, results.to_csv().as_bytes())?;
    io::write_atomic(&json, text.as_bytes())?;
    outln!("table:  {}", csv.display());
    outln!("sweep:  {}", json.display());
    if charts {
        let w = render::write_sweep_outputs(dir, &text)?;
        outln!(
            "page:   {} ({})",
            w.html.display(),
            plural(w.charts.len(), "chart")
        );
    }
    Ok(())
}
