//! `geosim advise` and the merge of its shards: progress on stderr, the summary table on
//! stdout, and `advise.json`, the chart and `winner.toml` written.
//!
//! Owns their terminal output. Must not contain model logic: it calls `geosim::advise`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use geosim::{advise, io, plot, sweep, Error};

use super::plural;
use super::sweeps::SweepProgress;

/// Set by Ctrl-C during a search: no new runs start.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// How to run the search.
pub(super) struct Run<'a> {
    pub(super) jobs: Option<usize>,
    pub(super) out: Option<PathBuf>,
    pub(super) shard: Option<&'a str>,
    pub(super) quiet: bool,
}

fn default_out(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("scenario");
    Path::new("results").join(format!("{stem}-advise"))
}

/// True when the file is an advise shard (`geosim merge` dispatches on it).
pub(super) fn is_advise_shard(path: &Path) -> bool {
    io::read_result_text(path).is_ok_and(|t| t.contains(advise::SHARD_FORMAT))
}

pub(super) fn advise(file: &Path, options: &advise::Options, run: Run) -> Result<(), Error> {
    let shard = run
        .shard
        .map(|s| sweep::Shard::parse(s, |k| std::env::var(k).ok()))
        .transpose()?;
    let jobs = match run.jobs {
        Some(0) => return Err(Error::Usage("--jobs must be at least 1".into())),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let started = Instant::now();
    let plan = advise::load(file, options)?;
    let dir = run.out.unwrap_or_else(|| default_out(file));
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        errln!("\ninterrupted: finishing the runs in progress (Ctrl-C again to quit now)");
    });
    let h = &plan.header;
    if !run.quiet {
        let pruned: usize = h.pruned.iter().map(|p| p.count).sum();
        let search = match h.short_duration_s {
            Some(s) => format!(
                "successive halving: all for {s} s, the best 1/{} for {} s",
                advise::ETA,
                h.duration_s
            ),
            None => format!("all for {} s", h.duration_s),
        };
        errln!(
            "{}: {} enumerated, {pruned} pruned, {} to simulate ({search}), {}",
            file.display(),
            plural(h.enumerated, "candidate"),
            h.candidates.len(),
            plural(jobs, "thread")
        );
    }
    let progress = SweepProgress::named(run.quiet, "advise");
    let runs = advise::run(&plan, jobs, shard, &INTERRUPTED, &progress);
    progress.finish();
    let runs = runs?;
    let simulated = runs.short.as_ref().map_or(0, Vec::len) + runs.full.len();
    match shard {
        Some(s) => {
            let path = dir.join(format!("advise-{}", s.file_name()));
            let text = advise::shard_file(&plan, s, &runs).to_json();
            io::write_atomic(&path, text.as_bytes())?;
            outln!("shard:  {}", path.display());
        }
        None => {
            let advice = advise::Advice::new(plan.header.clone(), runs.figures());
            write_advice(&advice, &plan.base, &dir)?;
        }
    }
    if !run.quiet {
        errln!(
            "wall clock: {:.2} s, {simulated} simulations",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

pub(super) fn merge(shards: &[PathBuf], out: Option<PathBuf>) -> Result<(), Error> {
    let files = shards
        .iter()
        .map(|p| Ok((p.clone(), io::read_result_text(p)?)))
        .collect::<Result<Vec<_>, Error>>()?;
    let (advice, base) = advise::merge(&files)?;
    let dir = out.unwrap_or_else(|| default_out(Path::new(&advice.header.scenario_path)));
    write_advice(&advice, &base, &dir)
}

fn write_advice(
    advice: &advise::Advice,
    base: &serde_json::Value,
    dir: &Path,
) -> Result<(), Error> {
    out!("{}", advice.table());
    let json = advice.to_json();
    io::write_atomic(&dir.join("advise.json"), json.as_bytes())?;
    outln!("advice: {}", dir.join("advise.json").display());
    let chart = plot::advise_chart(&json)?;
    let svg = dir.join("charts").join(format!("{}.svg", chart.name));
    io::write_atomic(&svg, chart.svg.as_bytes())?;
    outln!("chart:  {}", svg.display());
    if let Some(toml) = advise::winner_toml(advice, base) {
        let path = dir.join("winner.toml");
        io::write_atomic(&path, toml.as_bytes())?;
        outln!(
            "winner: {} (geosim run {} reproduces its figures)",
            path.display(),
            path.display()
        );
    }
    Ok(())
}
