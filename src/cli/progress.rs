//! Progress of one long `geosim run` on stderr: a bar on a terminal, otherwise a line every
//! 10 %; nothing for a short run or with `--quiet`.
//!
//! Owns `RunBar` (the `sim::RunProgress` the command line gives `simulate_observed`) and the
//! rule for when a run is long enough to show it. Progress goes to stderr only and never into
//! a report; it observes the runs without touching them, so outputs are the same with or
//! without it. Must not contain model logic.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use geosim::scenario::budget;

/// Runs estimated below this many events finish within seconds: no progress is shown.
pub(super) const PROGRESS_MIN_EVENTS: f64 = 1e7;

/// Progress of the strategies' runs of one `geosim run`.
pub(super) struct RunBar {
    bar: Option<ProgressBar>,
    lines: bool,
    /// Simulated ns reached, per run slot.
    now: Vec<AtomicU64>,
    /// Last decile printed (lines mode).
    decile: AtomicUsize,
    started: Instant,
}

impl RunBar {
    /// Progress for `runs` runs of estimate `est`: shown when not `quiet` and the estimate
    /// reaches `PROGRESS_MIN_EVENTS`; a bar when stderr is a terminal, else lines.
    pub(super) fn new(runs: usize, est: &budget::Estimate, quiet: bool) -> RunBar {
        let show = !quiet && est.events >= PROGRESS_MIN_EVENTS;
        let terminal = std::io::stderr().is_terminal();
        let bar = (show && terminal).then(|| {
            let style = ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {percent:>3}% simulated  ETA {eta}",
            )
            .expect("valid template")
            .progress_chars("=> ");
            ProgressBar::new(1000).with_style(style)
        });
        RunBar {
            bar,
            lines: show && !terminal,
            now: (0..runs).map(|_| AtomicU64::new(0)).collect(),
            decile: AtomicUsize::new(0),
            started: Instant::now(),
        }
    }

    /// Clears the bar.
    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl geosim::sim::RunProgress for RunBar {
    fn advance(&self, slot: usize, now_ns: u64, horizon_ns: u64) {
        if self.bar.is_none() && !self.lines {
            return;
        }
        if let Some(a) = self.now.get(slot) {
            a.store(now_ns.min(horizon_ns), Ordering::Relaxed);
        }
        let done: f64 = self
            .now
            .iter()
            .map(|a| a.load(Ordering::Relaxed) as f64)
            .sum();
        let fraction = done / (horizon_ns.max(1) as f64 * self.now.len().max(1) as f64);
        if let Some(bar) = &self.bar {
            bar.set_position((fraction * 1000.0) as u64);
        } else {
            let decile = ((fraction * 10.0) as usize).min(10);
            if decile > self.decile.fetch_max(decile, Ordering::Relaxed) {
                errln!(
                    "run: {:>3}% ({:.1} s)",
                    decile * 10,
                    self.started.elapsed().as_secs_f64()
                );
            }
        }
    }
}
