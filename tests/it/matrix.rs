//! `[network] matrix`: a measured latency matrix as input (docs/network.md, "Measured
//! matrices"). The expected figures are the file's own numbers halved, and quantiles of the
//! fitted distributions against the percentiles written in the file.

use std::path::Path;

use geosim::io::load_scenario;

use crate::common::{geosim, shipped};

/// Writes a scenario (with `[network] matrix = "m.csv"`) and the matrix into a temporary
/// directory; returns the directory and the scenario's path.
fn with_matrix(regions: &str, matrix: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let sc = format!(
        r#"
duration_s = 1
regions = [{regions}]
[network]
matrix = "m.csv"
[[workload.clients]]
region = "aws:us-east-1"
rate_rps = 1
[[strategies]]
kind = "multi-master"
name = "mm"
"#
    );
    std::fs::write(dir.path().join("s.toml"), sc).unwrap();
    std::fs::write(dir.path().join("m.csv"), matrix).unwrap();
    let p = dir.path().join("s.toml");
    (dir, p)
}

/// Rows between regions of the scenario are directed links with one way = round trip / 2;
/// a row with p90 and p99 is a distribution through the halved percentiles; the diagonal
/// sets the access latency; rows naming catalogue regions the scenario does not use are
/// left out; a pair the matrix leaves out keeps its derived link, which `validate
/// --verbose` lists.
#[test]
fn a_matrix_file_drives_the_links() {
    let (_d, path) = with_matrix(
        r#""aws:us-east-1", "aws:eu-west-1", "aws:ap-northeast-1""#,
        "from,to,rtt_p50_ms,rtt_p90_ms,rtt_p99_ms\n\
         aws:us-east-1,aws:eu-west-1,70,74,90\n\
         aws:eu-west-1,aws:us-east-1,72,76,95\n\
         aws:us-east-1,aws:us-east-1,5,6,9\n\
         aws:us-east-1,aws:sa-east-1,115,120,140\n",
    );
    let (sc, _) = load_scenario(&path).unwrap();
    let t = &sc.topology;
    let link = |a: u16, b: u16| t.links().iter().find(|l| l.from == a && l.to == b).unwrap();
    let close = |x: f64, y: f64| (x - y).abs() < 1e-9;
    let ab = &link(0, 1).latency;
    assert!(link(0, 1).explicit);
    assert!(close(ab.quantile(0.5), 35.0) && close(ab.quantile(0.9), 37.0));
    assert!(close(ab.quantile(0.99), 45.0));
    assert!(close(link(1, 0).latency.quantile(0.99), 47.5));
    assert!(close(t.median_rtt_ms(0, 1), 71.0));
    assert!(close(t.region(0).intra.quantile(0.99), 4.5));
    // Tokyo is not in the matrix: derived.
    assert!(!link(0, 2).explicit && !link(2, 1).explicit);
    assert_eq!(t.links().len(), 6);
    assert_eq!(
        sc.matrix.as_deref().map(|m| m.ends_with("m.csv")),
        Some(true)
    );
    let out = geosim(&["validate", path.to_str().unwrap(), "--verbose"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("4 ordered pairs not in the matrix"), "{text}");
    assert!(
        text.contains("aws:ap-northeast-1 -> aws:eu-west-1"),
        "{text}"
    );
    assert!(!text.contains("aws:us-east-1 -> aws:eu-west-1"), "{text}");
}

/// Each bad row is an input error (exit 2) naming the file and line and the reason.
#[test]
fn bad_matrix_rows_exit_2_with_file_and_line() {
    let head = "from,to,rtt_p50_ms,rtt_p90_ms,rtt_p99_ms\naws:us-east-1,aws:eu-west-1,70,74,90\n";
    let cases = [
        (
            "aws:us-east-1,aws:nowhere-9,70,74,90\n",
            "unknown region `aws:nowhere-9`",
        ),
        // Ashburn - Dublin is 5,461 km: a 40 ms round trip beats light in fibre (53.5 ms).
        (
            "aws:eu-west-1,aws:us-east-1,40,44,50\n",
            "below the fibre floor",
        ),
        ("aws:eu-west-1,aws:us-east-1,70,74,60\n", "p99 < p50"),
        ("aws:us-east-1,aws:eu-west-1,71,75,91\n", "duplicate row"),
        ("aws:eu-west-1,aws:us-east-1,70,74\n", "4 fields"),
        ("aws:eu-west-1,aws:us-east-1,70,,90\n", "is not a number"),
    ];
    for (row, why) in cases {
        let (_d, path) = with_matrix(
            r#""aws:us-east-1", "aws:eu-west-1""#,
            &format!("{head}{row}"),
        );
        let out = geosim(&["validate", path.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{row}: {err}");
        assert!(err.contains("m.csv:3:"), "{row}: {err}");
        assert!(err.contains(why), "{row}: {err}");
        assert!(err.contains("network.matrix"), "{row}: {err}");
    }
    // Missing, or not a regular file: an input error too, never a hang.
    let (d, path) = with_matrix(r#""aws:us-east-1""#, "");
    std::fs::remove_file(d.path().join("m.csv")).unwrap();
    std::fs::create_dir(d.path().join("m.csv")).unwrap();
    let out = geosim(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));
}

/// The shipped scenario: the measured pairs are the file's round trips halved (read here
/// from data/aws-rtt.csv), Sydney's pairs are derived, and it runs.
#[test]
fn the_shipped_matrix_scenario_uses_the_measured_round_trips() {
    let path = shipped("aws-matrix.toml");
    let (sc, _) = load_scenario(&path).unwrap();
    let t = &sc.topology;
    let data =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/aws-rtt.csv"))
            .unwrap();
    let rtt = |a: &str, b: &str| -> f64 {
        data.lines()
            .find(|l| l.starts_with(&format!("{a},{b},")))
            .unwrap()
            .rsplit(',')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (us, eu, syd) = (
        t.find("aws:us-east-1").unwrap(),
        t.find("aws:eu-west-1").unwrap(),
        t.find("aws:ap-southeast-2").unwrap(),
    );
    let want =
        (rtt("aws:us-east-1", "aws:eu-west-1") + rtt("aws:eu-west-1", "aws:us-east-1")) / 2.0;
    assert!((t.median_rtt_ms(us, eu) - want).abs() < 1e-9);
    assert!(
        (t.region(us).intra.median_ms() - rtt("aws:us-east-1", "aws:us-east-1") / 2.0).abs() < 1e-9
    );
    assert!(t.derived_path(us, syd).is_some());
    let r = crate::common::run_scenario(&sc, Some(3));
    assert!(r
        .strategies
        .iter()
        .all(|s| s.latency_ms.read.p50.is_some_and(f64::is_finite)));
}
