//! The network model against physics and measurement.

use geosim::io::load_scenario;
use geosim::latency::LatencyDist;
use geosim::rng::{stream, Stream};
use geosim::topology::{
    great_circle_km, region, NetworkModel, Topology, Unlinked, Variation, WanLink, FIBRE_US_PER_KM,
};
use proptest::prelude::*;

use crate::common::shipped;

/// The fibre floor between two points, computed here independently of geosim: the central
/// angle from the spherical law of cosines times the mean Earth radius, over the speed of
/// light in fibre (c / 1.468).
fn independent_floor_ns(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dl = (lon2 - lon1).to_radians();
    let cos = (p1.sin() * p2.sin() + p1.cos() * p2.cos() * dl.cos()).clamp(-1.0, 1.0);
    let km = 6371.0088 * cos.acos();
    let c_fibre_km_per_ns = 299_792.458 / 1.468 / 1e9;
    km / c_fibre_km_per_ns
}

fn arb_dist() -> impl Strategy<Value = LatencyDist> {
    prop_oneof![
        (0.0f64..200.0).prop_map(LatencyDist::constant),
        (0.0f64..50.0, 0.0f64..50.0).prop_map(|(a, b)| LatencyDist::uniform(a, a + b)),
        (0.0f64..100.0, 0.1f64..50.0).prop_map(|(m, s)| LatencyDist::normal(m, s)),
        (0.1f64..100.0, 1.0f64..3.0).prop_map(|(p, k)| LatencyDist::lognormal(p, p * k)),
        (0.1f64..100.0).prop_map(|m| LatencyDist::exponential(m, 0.0)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// No message, over any route of derived or explicit links, arrives faster than light in
    /// fibre over the great-circle distance between its ends.
    #[test]
    fn no_delivery_beats_the_fibre_floor(
        coords in prop::collection::vec((-90.0f64..=90.0, -180.0f64..=180.0), 2..6),
        dists in prop::collection::vec(arb_dist(), 1..8),
        inflation in 1.0f64..3.0,
        overhead in 0.0f64..10.0,
        seed in any::<u64>(),
    ) {
        let n = coords.len();
        let regions: Vec<_> = coords
            .iter()
            .enumerate()
            .map(|(i, &(lat, lon))| region(&format!("r{i}"), lat, lon, "X"))
            .collect();
        // Some explicit links with arbitrary (even physically impossible) distributions.
        let links: Vec<WanLink> = dists
            .iter()
            .enumerate()
            .filter_map(|(i, d)| {
                let (a, b) = ((i % n) as u16, ((i * 7 + 1) % n) as u16);
                (a != b).then(|| WanLink { from: a, to: b, latency: d.clone(), explicit: true, fifo: true })
            })
            .collect();
        let model = NetworkModel { route_inflation: inflation, overhead_ms: overhead, unlinked: Unlinked::Geo, fifo: true, variation: Variation::Lognormal };
        let topo = Topology::new(regions, links, model).unwrap();
        for a in 0..n as u16 {
            for b in 0..n as u16 {
                if a == b { continue; }
                let (la, lo) = coords[a as usize];
                let (lb, lob) = coords[b as usize];
                let floor = independent_floor_ns(la, lo, lb, lob);
                let mut rng = stream(seed, Stream::Network(a as u32, b as u32));
                for _ in 0..20 {
                    let d = topo.sample_nanos(a, b, &mut rng) as f64;
                    // 1 ns of slack per hop for rounding, plus floating error of acos.
                    prop_assert!(d + 8.0 >= floor * (1.0 - 1e-9), "{a}->{b}: {d} ns < floor {floor} ns");
                }
            }
        }
    }
}

#[test]
fn fibre_constant_is_light_over_group_index() {
    let us_per_km = 1e6 / 299_792.458 * 1.468;
    assert!((FIBRE_US_PER_KM - us_per_km).abs() < 1e-3);
}

/// The calibrated defaults against the measured AWS round trips shipped in aws-8-regions:
/// the errors quoted in docs/network.md.
#[test]
fn calibrated_model_matches_measured_aws_latency() {
    let (sc, _) = load_scenario(&shipped("aws-8-regions.toml")).unwrap();
    let model = NetworkModel::default();
    let topo = &sc.topology;
    let mut errors = Vec::new();
    for a in 0..topo.len() as u16 {
        for b in (a + 1)..topo.len() as u16 {
            let measured = topo.median_rtt_ms(a, b) / 2.0;
            let (ra, rb) = (topo.region(a), topo.region(b));
            let km = great_circle_km(ra.lat, ra.lon, rb.lat, rb.lon);
            let derived = model.derived_ms(km);
            errors.push(((derived - measured) / measured).abs());
            // Every measured latency is above the floor (the data is physical).
            assert!(measured > km * FIBRE_US_PER_KM / 1000.0);
        }
    }
    errors.sort_by(f64::total_cmp);
    let median = (errors[13] + errors[14]) / 2.0;
    let worst = errors[errors.len() - 1];
    assert_eq!(errors.len(), 28);
    assert!(median < 0.11, "median relative error {median}");
    assert!(worst < 0.38, "worst relative error {worst}");
}

/// Dublin and Ashburn (us-east-1) as a two-region scenario with the default network, or with
/// `extra` lines in `[network]`.
fn dublin_ashburn(extra: &str) -> geosim::scenario::Scenario {
    crate::common::scenario(&format!(
        r#"
duration_s = 1
[network]
{extra}
[[regions]]
name = "ash"
lat = 39.0458
lon = -77.4874
[[regions]]
name = "dub"
lat = 53.3498
lon = -6.2603
[[workload.clients]]
region = "ash"
rate_rps = 1
[[strategies]]
kind = "multi-master"
name = "mm"
"#
    ))
}

/// The empirical `q` quantile of `n` draws of `f` (ns), in ms.
fn quantiles(n: usize, mut f: impl FnMut() -> u64, qs: &[f64]) -> Vec<f64> {
    let mut v: Vec<u64> = (0..n).map(|_| f()).collect();
    v.sort_unstable();
    qs.iter()
        .map(|q| v[((n as f64 * q) as usize).min(n - 1)] as f64 / 1e6)
        .collect()
}

/// By default a derived link is lognormal: its median is the model's (recomputed here from
/// the distance by the law of cosines, x 1.43 + 5.9 ms) and its p99 is 1.15 x the median;
/// the access latency has median 1.5 ms and p99 3.75 ms. With `variation = "constant"`
/// every draw is the median.
#[test]
fn derived_links_and_access_vary_by_default() {
    let sc = dublin_ashburn("");
    let topo = &sc.topology;
    let median = independent_floor_ns(39.0458, -77.4874, 53.3498, -6.2603) / 1e6 * 1.43 + 5.9;
    let mut rng = stream(7, Stream::Network(0, 1));
    let q = quantiles(200_000, || topo.sample_nanos(0, 1, &mut rng), &[0.5, 0.99]);
    assert!(
        (q[0] / median - 1.0).abs() < 0.003,
        "p50 {} vs {median}",
        q[0]
    );
    assert!((q[1] / (1.15 * median) - 1.0).abs() < 0.005, "p99 {}", q[1]);
    let mut rng = stream(7, Stream::Access(0));
    let q = quantiles(
        200_000,
        || topo.sample_access_nanos(0, &mut rng),
        &[0.5, 0.99],
    );
    assert!((q[0] / 1.5 - 1.0).abs() < 0.01, "access p50 {}", q[0]);
    assert!((q[1] / 3.75 - 1.0).abs() < 0.03, "access p99 {}", q[1]);

    let sc = dublin_ashburn("variation = \"constant\"");
    let topo = &sc.topology;
    let mut rng = stream(7, Stream::Network(0, 1));
    let q = quantiles(1000, || topo.sample_nanos(0, 1, &mut rng), &[0.0, 1.0]);
    assert_eq!(q[0], q[1]);
    assert!((q[0] / median - 1.0).abs() < 1e-4);
    let mut rng = stream(7, Stream::Access(0));
    assert_eq!(topo.sample_access_nanos(0, &mut rng), 1_500_000);
}

/// The shipped three-region scenario no longer prints a vertical CDF: reads (served
/// locally: two access legs) have p99 > p50 for every strategy.
#[test]
fn three_regions_reads_have_a_tail() {
    let (sc, _) = load_scenario(&shipped("three-regions.toml")).unwrap();
    let r = crate::common::run_scenario(&sc, Some(5));
    for s in &r.strategies {
        let read = &s.latency_ms.read;
        assert!(read.p99 > read.p50 * 1.2, "{}: {read:?}", s.name);
    }
}

/// `geosim regions --matrix`: every ordered pair once, the p50 the model's median round trip
/// (recomputed here by the law of cosines), the floor twice the fibre floor, and the p99 of
/// the sum of two independent lognormal legs (median m, sigma = ln 1.15 / z99) close to its
/// normal approximation 2m (1 + z99 sigma / sqrt 2), which is accurate to a few tenths of a
/// percent at this small sigma. JSON carries the same rows; an unknown name exits 2.
#[test]
fn regions_matrix_exports_the_derived_round_trips() {
    use geosim::catalogue::find;
    let names = ["aws:us-east-1", "aws:eu-west-1", "aws:ap-northeast-1"];
    let mut args = vec!["regions", "--matrix"];
    args.extend(names);
    args.extend(["--format", "csv"]);
    let out = crate::common::geosim(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("from,to,km,floor_rtt_ms,rtt_p50_ms,rtt_p99_ms")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 6);
    let z99 = 2.326_347_874_040_841;
    let sigma = 1.15f64.ln() / z99;
    for r in &rows {
        let (a, b) = (find(r[0]).unwrap(), find(r[1]).unwrap());
        assert_ne!(r[0], r[1]);
        let floor_ms = independent_floor_ns(a.lat, a.lon, b.lat, b.lon) / 1e6;
        let m = floor_ms * 1.43 + 5.9;
        let num = |i: usize| r[i].parse::<f64>().unwrap();
        assert!((num(3) - 2.0 * floor_ms).abs() < 0.01, "{r:?}");
        assert!((num(4) - 2.0 * m).abs() < 0.01, "{r:?}");
        let p99 = 2.0 * m * (1.0 + z99 * sigma / 2f64.sqrt());
        assert!((num(5) / p99 - 1.0).abs() < 0.01, "{r:?} vs {p99}");
    }
    let mut args = vec!["regions", "--matrix"];
    args.extend(names);
    args.extend(["--format", "json"]);
    let out = crate::common::geosim(&args);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 6);
    let out = crate::common::geosim(&["regions", "--matrix", "aws:us-east-1", "nowhere"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Leave-one-region-out cross-validation of the derived-link model on the measured AWS
/// round trips of aws-8-regions: for each region, refit `route_inflation` (1.00..2.00 by
/// 0.01) and `overhead_ms` (0..15 by 0.1) by least mean absolute relative error on the 21
/// pairs without it, then score its 7 pairs with the refit. Each pair is scored twice (held
/// out with either end): 56 errors. Today's model generalises to median 14.2 %, worst
/// 38.1 % (docs/network.md); a path model must beat these.
#[test]
fn leave_one_region_out_cross_validation_of_the_derived_model() {
    let (sc, _) = load_scenario(&shipped("aws-8-regions.toml")).unwrap();
    let topo = &sc.topology;
    let n = topo.len() as u16;
    // (a, b, fibre floor one way ms, measured one way ms)
    let mut pairs = Vec::new();
    for a in 0..n {
        for b in (a + 1)..n {
            let (ra, rb) = (topo.region(a), topo.region(b));
            let floor = great_circle_km(ra.lat, ra.lon, rb.lat, rb.lon) * FIBRE_US_PER_KM / 1e3;
            pairs.push((a, b, floor, topo.median_rtt_ms(a, b) / 2.0));
        }
    }
    let err = |inf: f64, ov: f64, p: &(u16, u16, f64, f64)| ((p.2 * inf + ov) - p.3).abs() / p.3;
    let mut errors = Vec::new();
    for out in 0..n {
        let (test, train): (Vec<_>, Vec<_>) = pairs.iter().partition(|p| p.0 == out || p.1 == out);
        let mut best = (f64::INFINITY, 0.0, 0.0);
        for i in 0..=100 {
            for o in 0..=150 {
                let (inf, ov) = (1.0 + i as f64 / 100.0, o as f64 / 10.0);
                let e: f64 = train.iter().map(|p| err(inf, ov, p)).sum::<f64>();
                if e < best.0 {
                    best = (e, inf, ov);
                }
            }
        }
        errors.extend(test.iter().map(|p| err(best.1, best.2, p)));
    }
    errors.sort_by(f64::total_cmp);
    assert_eq!(errors.len(), 56);
    let median = (errors[27] + errors[28]) / 2.0;
    let worst = errors[55];
    eprintln!("LOO-CV derived model: median {median:.4}, worst {worst:.4}");
    assert!(median < 0.15, "median {median}");
    assert!(worst < 0.39, "worst {worst}");
}
