//! The event limit on the command line: refusing a run whose estimate
//! (`geosim::scenario::budget`) exceeds `MAX_EVENTS`, placed at the field behind most of the
//! events, and the message that says which way to move each setting behind them.
//!
//! Must not contain model logic: the estimate and the advice are the library's.

use std::path::Path;

use geosim::{io, scenario, Error};

/// Refuses a run estimated to take more than `budget::MAX_EVENTS` events, naming the setting
/// behind most of them at its line and column (exit 2; `--force` skips this).
pub(super) fn within_budget(
    path: &Path,
    sc: &scenario::Scenario,
    strategies: usize,
) -> Result<(), Error> {
    match over_budget(path, sc, strategies) {
        Some(p) => Err(Error::Invalid {
            path: path.to_path_buf(),
            problems: vec![p],
        }),
        None => Ok(()),
    }
}

/// The problem of a run estimated to take more than `budget::MAX_EVENTS` events, placed at the
/// field behind most of them as validation places its problems; `None` within the limit.
pub(super) fn over_budget(
    path: &Path,
    sc: &scenario::Scenario,
    strategies: usize,
) -> Option<geosim::error::Problem> {
    let est = scenario::budget::estimate(sc, strategies);
    if !est.too_large() {
        return None;
    }
    let mut problems = [geosim::error::Problem::new(
        est.field.clone(),
        over_budget_message(&est),
    )];
    // The file was read a moment ago to load the scenario; unreadable now, it stays unplaced.
    if let (Ok(format), Ok(text)) = (scenario::Format::of(path), io::read_text(path)) {
        scenario::place(&text, format, &mut problems);
    }
    let [p] = problems;
    Some(p)
}

/// Why an estimate is over the limit, and which way to move each setting behind it.
pub(super) fn over_budget_message(est: &scenario::budget::Estimate) -> String {
    use scenario::budget::advice;
    let pct = |s: f64| (s * 100.0).round();
    let mut others = String::new();
    for (field, share) in est.shares.iter().skip(1) {
        others.push_str(&format!(
            "; {} % from {field}: {}",
            pct(*share),
            advice(field)
        ));
    }
    let duration = if est.field == "duration_s" {
        ""
    } else {
        ", or lower duration_s"
    };
    format!(
        "the run would take about {:.1e} events ({} % of them from this setting; limit {:.0e}): \
         {}{others}{duration}, or pass --force to run anyway",
        est.events,
        pct(est.share),
        scenario::budget::MAX_EVENTS,
        advice(&est.field),
    )
}
