//! Full distributions and per-region answers: the latency CDF chart draws hundreds of points
//! of the histogram, which follow the closed-form sojourn-time distribution of an M/M/1
//! queue; `geosim run` prints the per-client-region table by default with at most 6 client
//! regions, not above, and `--by-region` / `--no-by-region` force either way.

use geosim::plot;

use crate::common::{self, geosim};

/// One region (access latency 0) whose single server takes an exponential time of mean
/// 1 ms (mu = 1000/s), under Poisson reads at `rate`/s: an M/M/1 queue, no faults.
fn mm1(rate: f64, seconds: u32) -> String {
    format!(
        r#"
name = "mm1"
seed = 3
duration_s = {seconds}
drain_s = 60
[[regions]]
name = "q"
lat = 0
lon = 0
intra_ms = 0
capacity = {{ servers = 1, service_ms = {{ dist = "exponential", mean_ms = 1.0 }} }}
[[workload.clients]]
region = "q"
rate_rps = {rate}
read_fraction = 1.0
keys = 1
[[strategies]]
kind = "multi-master"
name = "mm"
"#
    )
}

/// In M/M/1 (FIFO) the sojourn time is exponential with rate mu - lambda:
/// P(T <= t) = 1 - exp(-(mu - lambda) t). The chart's curve (the points `plot::cdf_series`
/// gives the CDF chart, from the value `geosim run` draws) has hundreds of points, and at
/// each the share drawn is within 0.02 of the closed form at that latency (with 120,000
/// reads, Dvoretzky-Kiefer-Wolfowitz puts the sup distance of independent samples under
/// 0.01 with probability 1 - 2e-11; queueing correlates neighbours, which widens it a few
/// times). In the body and tail (shares 0.5 to 0.999) the latency drawn is within 8 % of the
/// closed-form quantile -ln(1 - p) / (mu - lambda). The five-point curve of a report.json
/// read back would fail the count; a histogram in the wrong unit or a curve through the
/// service time alone (rate mu) would fail the closed form by a factor 2.
#[test]
fn the_cdf_chart_draws_the_mm1_sojourn_time_distribution() {
    let (mu, lambda) = (1000.0, 500.0);
    let report = common::run(&mm1(lambda, 240));
    let value = geosim::render::report_value(&report, None).unwrap();
    let series = plot::cdf_series(&value, "read");
    assert_eq!(series.len(), 1);
    let s = &series[0];
    assert!(s.full);
    assert!(s.points.len() >= 100, "{} points", s.points.len());
    assert!(report.strategies[0].ops.reads > 110_000);
    let cdf = |ms: f64| 1.0 - (-(mu - lambda) * ms / 1e3).exp();
    let quantile = |p: f64| -(1.0 - p).ln() / (mu - lambda) * 1e3;
    let (mut worst_share, mut worst_rel) = (0.0f64, 0.0f64);
    for &(ms, p) in &s.points[..s.points.len() - 1] {
        worst_share = worst_share.max((cdf(ms) - p).abs());
        if (0.5..=0.999).contains(&p) {
            worst_rel = worst_rel.max((ms / quantile(p) - 1.0).abs());
        }
    }
    assert!(worst_share < 0.02, "share off by {worst_share}");
    assert!(worst_rel < 0.08, "quantile off by {worst_rel}");
    // The last point is the exact maximum, at share 1.
    let last = s.points.last().unwrap();
    assert_eq!(last.1, 1.0);
    assert!((last.0 - report.strategies[0].latency_ms.read.max.unwrap()).abs() <= 5e-4); // report: us
                                                                                         // report.json keeps its percentiles only: the curve is not written to it.
    assert!(!report.to_json().contains("latency_cdf"));
    // No writes: no write curve (not a curve of zeros).
    assert!(plot::cdf_series(&value, "write").is_empty());
}

/// A scenario whose clients are in `n` regions (one strategy, a second of load).
fn regions(n: usize) -> String {
    let mut text = String::from("name = \"many\"\nseed = 1\nduration_s = 1\ndrain_s = 1\n");
    for i in 0..n {
        text.push_str(&format!(
            "[[regions]]\nname = \"r{i}\"\nlat = {}\nlon = {}\nintra_ms = 1\n",
            i as f64 * 5.0,
            i as f64 * 10.0
        ));
    }
    for i in 0..n {
        text.push_str(&format!(
            "[[workload.clients]]\nregion = \"r{i}\"\nrate_rps = 20\nread_fraction = 0.5\nkeys = 10\n"
        ));
    }
    text.push_str("[[strategies]]\nkind = \"multi-master\"\nname = \"mm\"\n");
    text
}

/// The per-client-region table: on by default with 6 client regions, off with 7;
/// `--by-region` shows it with 7, `--no-by-region` hides it with 6.
#[test]
fn the_region_table_is_on_by_default_up_to_six_client_regions() {
    let dir = tempfile::tempdir().unwrap();
    let shown = |n: usize, flag: Option<&str>| -> bool {
        let sc = dir.path().join(format!("r{n}.toml"));
        std::fs::write(&sc, regions(n)).unwrap();
        let out = dir.path().join(format!("out{n}"));
        let mut args = vec![
            "run",
            sc.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-charts",
            "--quiet",
        ];
        args.extend(flag);
        let o = geosim(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = String::from_utf8(o.stdout).unwrap();
        let Some(at) = text.find("per client region") else {
            return false;
        };
        // The table names every client region.
        assert!(
            (0..n).all(|i| text[at..].contains(&format!("r{i} "))),
            "{text}"
        );
        true
    };
    assert!(shown(6, None));
    assert!(!shown(7, None));
    assert!(shown(7, Some("--by-region")));
    assert!(!shown(6, Some("--no-by-region")));
}
