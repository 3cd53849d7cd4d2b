//! `geosim check` and `geosim validate`: comparing a result with its baseline (text, JSON or
//! JUnit; `--update`) and checking a scenario (text or JSON, with its warnings).
//!
//! Owns their terminal output. Must not contain model logic: it calls `geosim::check` and
//! `geosim::io`.

use std::path::Path;

use geosim::{check, io, plot, report, scenario, sweep, Error};

use super::{over_budget, plural, sweeps, within_budget, CheckFormat, ValidateFormat};

/// The files of `geosim check`.
pub(super) struct CheckFiles<'a> {
    pub(super) report: &'a Path,
    pub(super) baseline: &'a Path,
    pub(super) tolerances: Option<&'a Path>,
    /// `--seeds N`: `report` and `baseline` are scenarios, run under N seeds each.
    pub(super) seeds: Option<u32>,
    /// `--force`: run the seeds even when a run is estimated over the event limit.
    pub(super) force: bool,
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
        if let Some(n) = self.seeds {
            let tol = self.tolerances()?;
            if !self.force {
                // Each of the 2N runs is one run of its scenario: the same limit as `run`.
                for p in [self.baseline, self.report] {
                    let (sc, _) = io::load_scenario(p)?;
                    within_budget(p, &sc, sc.strategies.len())?;
                }
            }
            let runs = geosim::seeds::run_seeds(self.baseline, self.report, n)?;
            return check::compare_seeds(
                &runs.candidate,
                &runs.baseline,
                runs.same_seeds,
                &tol,
                options,
            );
        }
        let (current, _) = plot::read_result(self.report)?;
        let tol = self.tolerances()?;
        let (old, _) = plot::read_result(self.baseline)?;
        check::compare(&current, &old, &tol, options)
    }
}

pub(super) fn check(
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
            out!("{}", check::error_json(&e));
            Err(e)
        }
        (CheckFormat::Junit, Err(e)) => {
            out!("{}", check::error_junit(&suite, &e));
            Err(e)
        }
        (format, Ok(cmp)) => {
            match format {
                CheckFormat::Text => out!("{}", cmp.table(all)),
                CheckFormat::Json => out!("{}", cmp.to_json()),
                CheckFormat::Junit => out!("{}", cmp.to_junit(&suite)),
            }
            match cmp.gate() {
                Some(e) => Err(e),
                None => {
                    if format == CheckFormat::Text {
                        outln!("ok: nothing regressed beyond tolerance");
                    }
                    Ok(())
                }
            }
        }
    }
}

/// `geosim check --update`: shows what changes, then rewrites the baseline, unless the file
/// there is not a result of the same kind (a sweep.json over a report.json, or something else).
pub(super) fn check_update(files: &CheckFiles, all: bool) -> Result<(), Error> {
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
                    out!("{}", cmp.table(all));
                }
            }
        }
    }
    io::write_atomic(
        files.baseline,
        io::read_result_text(files.report)?.as_bytes(),
    )?;
    outln!("baseline updated: {}", files.baseline.display());
    Ok(())
}

/// `validate --verbose`: the ordered pairs whose link is derived from geography, with the
/// median the path model gives them.
fn derived_pairs(sc: &geosim::scenario::Scenario) {
    let t = &sc.topology;
    let derived: Vec<_> = t.links().iter().filter(|l| !l.explicit).collect();
    let whose = match &sc.matrix {
        Some(m) => format!("not in the matrix {m}"),
        None => "without an explicit link".to_string(),
    };
    outln!(
        "{} {whose}: derived from geography (docs/network.md)",
        plural(derived.len(), "ordered pair")
    );
    for l in derived {
        outln!(
            "  {} -> {}: {:.1} ms one way (median)",
            report::escape(&t.region(l.from).name),
            report::escape(&t.region(l.to).name),
            l.latency.median_ms()
        );
    }
}

/// True when `path` holds a sweep file: a table with `metrics` or `parameters` (fields a
/// scenario does not have). Anything unreadable is left to the scenario loader to report.
fn is_sweep_file(path: &Path) -> bool {
    let Ok(format) = scenario::Format::of(path) else {
        return false;
    };
    let Ok(text) = io::read_text(path) else {
        return false;
    };
    scenario::parse_spec::<serde_json::Value>(&text, format, path).is_ok_and(|v| {
        v.as_object()
            .is_some_and(|o| o.contains_key("metrics") || o.contains_key("parameters"))
    })
}

/// `geosim validate` of a sweep file: builds the plan (base, every point, metrics) as
/// `geosim sweep` does, without running it.
fn validate_sweep(path: &Path, format: ValidateFormat) -> Result<(), Error> {
    let plan = sweep::load(path);
    let over = plan
        .as_ref()
        .ok()
        .and_then(|p| sweeps::within_budget(p).err());
    if format == ValidateFormat::Text {
        let plan = plan?;
        outln!(
            "{}: ok (sweep: {} x {} = {})",
            path.display(),
            plural(plan.points(), "point"),
            plural(plan.header.seeds as usize, "seed"),
            plural(plan.runs(), "run"),
        );
        if let Some(e) = over {
            errln!("warning: {e}");
        }
        return Ok(());
    }
    let (problems, result) = match &plan {
        Ok(_) => (Vec::new(), Ok(())),
        Err(e) => (problems_json(e), Err(())),
    };
    let doc = serde_json::json!({
        "format": "geosim-validate/1",
        "file": path.display().to_string(),
        "kind": "sweep",
        "valid": result.is_ok(),
        "exit_code": plan.as_ref().map_or_else(|e| e.exit_code(), |_| 0),
        "points": plan.as_ref().ok().map(|p| p.points()),
        "runs": plan.as_ref().ok().map(|p| p.runs()),
        "problems": problems,
        "warnings": over.map(|e| vec![serde_json::json!({"field": null, "message": e.to_string()})]).unwrap_or_default(),
    });
    outln!(
        "{}",
        serde_json::to_string_pretty(&doc).expect("serialises")
    );
    plan.map(|_| ())
}

/// The problems of a failed validation as JSON objects (field, line, column, message).
fn problems_json(e: &Error) -> Vec<serde_json::Value> {
    let problem = |field: Option<&str>,
                   line: Option<usize>,
                   column: Option<usize>,
                   message: &str| {
        serde_json::json!({"field": field, "line": line, "column": column, "message": message})
    };
    match e {
        Error::Invalid { problems, .. } => problems
            .iter()
            .map(|p| {
                let (line, column) = (p.at.map(|a| a.0), p.at.map(|a| a.1));
                problem(Some(&p.field), line, column, &p.message)
            })
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
        Error::Sweep {
            field, message, at, ..
        } => vec![problem(
            Some(field),
            at.map(|a| a.0),
            at.map(|a| a.1),
            message,
        )],
        other => vec![problem(None, None, None, &other.to_string())],
    }
}

pub(super) fn validate(path: &Path, format: ValidateFormat, verbose: bool) -> Result<(), Error> {
    if is_sweep_file(path) {
        return validate_sweep(path, format);
    }
    let loaded = io::load_scenario(path);
    // Valid but estimated over the event limit: `run` refuses it (exit 2) without --force.
    let over = loaded
        .as_ref()
        .ok()
        .and_then(|(sc, _)| over_budget(path, sc, sc.strategies.len()));
    if format == ValidateFormat::Text {
        let (sc, _) = loaded?;
        outln!(
            "{}: ok ({}, {}, {}){}",
            path.display(),
            plural(sc.topology.len(), "region"),
            plural(sc.workload.groups.len(), "client group"),
            plural(sc.strategies.len(), "strategy"),
            if over.is_some() {
                "; too large for `geosim run` without --force"
            } else {
                ""
            },
        );
        if verbose {
            derived_pairs(&sc);
        }
        for w in &sc.warnings {
            let who = w
                .strategy
                .map_or(String::new(), |j| format!(" [{}]", sc.strategies[j].name));
            outln!(
                "warning: {}{}: {}",
                report::escape(&w.field),
                report::escape(&who),
                report::escape(&w.message)
            );
        }
        if let Some(p) = &over {
            errln!("warning: {p}");
        }
        return Ok(());
    }
    let mut warnings: Vec<serde_json::Value> = match &loaded {
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
    if let Some(p) = &over {
        warnings.push(serde_json::json!({
            "field": p.field,
            "strategy": null,
            "line": p.at.map(|a| a.0),
            "column": p.at.map(|a| a.1),
            "message": p.message,
        }));
    }
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
        Err(e) => (None, problems_json(&e), Err(e)),
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
        "over_event_limit": over.is_some(),
    });
    outln!(
        "{}",
        serde_json::to_string_pretty(&doc).expect("serialises")
    );
    result
}
