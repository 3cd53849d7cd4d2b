//! Progress of a long `geosim run` (issue 13, item 5): a line every 10 % on stderr when it is
//! not a terminal, nothing for a short run or with `--quiet`, never on stdout or in a report,
//! and the report byte-identical with and without it.

use crate::common::geosim;
use crate::hostile::BASE;

/// The hostile base at 100,000 operations per second for 20 s: estimated at
/// 2e6 x (4 + 2 x 1 x 0.5) = 1e7 events, the least at which progress shows.
fn long_run() -> String {
    BASE.replacen("duration_s = 10", "duration_s = 20\ndrain_s = 1", 1)
        .replacen("rate_rps = 100", "rate_rps = 100000", 1)
}

fn progress_lines(stderr: &str) -> Vec<usize> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("run: "))
        .map(|l| l.split('%').next().unwrap().trim().parse().unwrap())
        .collect()
}

#[test]
fn a_long_run_prints_a_line_every_ten_percent_and_the_report_does_not_change() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("long.toml");
    std::fs::write(&file, long_run()).unwrap();
    let f = file.to_str().unwrap();
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    let o = geosim(&["run", f, "--out", a.to_str().unwrap(), "--no-charts"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    // Every decile once, in order, ending at 100 %; none on stdout.
    assert_eq!(
        progress_lines(&err),
        (1..=10).map(|d| d * 10).collect::<Vec<_>>(),
        "{err}"
    );
    assert!(!String::from_utf8_lossy(&o.stdout).contains("run: "));
    let q = geosim(&[
        "run",
        f,
        "--out",
        b.to_str().unwrap(),
        "--no-charts",
        "--quiet",
    ]);
    assert!(q.status.success());
    assert!(progress_lines(&String::from_utf8_lossy(&q.stderr)).is_empty());
    // The same stdout but for the report's path on its last line.
    let head = |b: &[u8]| {
        let t = String::from_utf8_lossy(b).to_string();
        t.lines()
            .filter(|l| !l.starts_with("report: "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(head(&o.stdout), head(&q.stdout));
    let report = |dir: &std::path::Path| std::fs::read(dir.join("report.json")).unwrap();
    assert_eq!(report(&a), report(&b));
}

#[test]
fn a_short_run_prints_no_progress() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("short.toml");
    std::fs::write(&file, BASE).unwrap();
    let out = d.path().join("o");
    let o = geosim(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-charts",
    ]);
    assert!(o.status.success());
    assert!(progress_lines(&String::from_utf8_lossy(&o.stderr)).is_empty());
}
