//! The network model against physics and measurement.

use geosim::io::load_scenario;
use geosim::latency::LatencyDist;
use geosim::rng::{stream, Stream};
use geosim::topology::{
    region, Derivation, NetworkModel, PathModel, PathParams, Topology, Unlinked, Variation,
    WanLink, FIBRE_US_PER_KM,
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
        hubs in any::<bool>(),
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
        let derivation = if hubs {
            Derivation::Hubs(PathParams::default())
        } else {
            Derivation::GreatCircle { route_inflation: inflation, overhead_ms: overhead }
        };
        let model = NetworkModel { derivation, unlinked: Unlinked::Geo, fifo: true, variation: Variation::Lognormal };
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

/// By default a derived link is lognormal: its median is the path model's, recomputed here
/// by hand along its path (Dublin region -> Dublin hub over land, the New York - Dublin
/// cable, New York hub -> Ashburn region over land: 2 x 1.5 ms per end + land km x fibre x
/// 1.5 + sea km x fibre x 1.15 + 2 ms per crossing, distances by the law of cosines), and its
/// p99 is the lognormal's through the fitted round-trip p90 (docs/network.md, "Variation":
/// sigma = sqrt 2 x ln(1.0145 + 1.4 ms / (2 x median)) / z90, recomputed here); the access
/// latency has median 1.5 ms and p99 4.09 x 1.5 ms. With
/// `variation = "constant"` every draw is the median.
#[test]
fn derived_links_and_access_vary_by_default() {
    let sc = dublin_ashburn("");
    let topo = &sc.topology;
    let (ash, dub, dub_hub, nyc_hub) = (
        (39.0458, -77.4874),
        (53.3498, -6.2603),
        (53.35, -6.26),
        (40.71, -74.01),
    );
    let ms = |a: (f64, f64), b: (f64, f64)| independent_floor_ns(a.0, a.1, b.0, b.1) / 1e6;
    let median =
        2.0 * 1.5 + (ms(ash, nyc_hub) + ms(dub_hub, dub)) * 1.5 + ms(nyc_hub, dub_hub) * 1.15 + 2.0;
    let via = &topo.derived_path(0, 1).unwrap().hubs;
    assert_eq!(via, &["New York", "Dublin"]);
    let mut rng = stream(7, Stream::Network(0, 1));
    let q = quantiles(200_000, || topo.sample_nanos(0, 1, &mut rng), &[0.5, 0.99]);
    assert!(
        (q[0] / median - 1.0).abs() < 0.003,
        "p50 {} vs {median}",
        q[0]
    );
    let (z90, z99) = (1.281_551_565_544_6_f64, 2.326_347_874_040_841_f64);
    let sigma = 2f64.sqrt() * (1.0145 + 1.4 / (2.0 * median)).ln() / z90;
    let p99 = median * (z99 * sigma).exp();
    assert!((q[1] / p99 - 1.0).abs() < 0.005, "p99 {} vs {p99}", q[1]);
    let mut rng = stream(7, Stream::Access(0));
    let q = quantiles(
        200_000,
        || topo.sample_access_nanos(0, &mut rng),
        &[0.5, 0.99],
    );
    assert!((q[0] / 1.5 - 1.0).abs() < 0.01, "access p50 {}", q[0]);
    assert!(
        (q[1] / (4.09 * 1.5) - 1.0).abs() < 0.03,
        "access p99 {}",
        q[1]
    );

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
        assert!(
            read.p99.unwrap() > read.p50.unwrap() * 1.2,
            "{}: {read:?}",
            s.name
        );
    }
}

/// `geosim regions --matrix`: every ordered pair once, the p50 twice the path model's median
/// one way, the floor twice the fibre floor (law of cosines, here), and the p99 of
/// the sum of two independent lognormal legs (median m, sigma = sqrt 2 x ln(1.0145 + 1.4 ms /
/// 2m) / z90, docs/network.md "Variation") close to its normal approximation
/// 2m (1 + z99 sigma / sqrt 2), which is accurate to a few tenths of a percent at these
/// small sigmas (0.02-0.03 for these long pairs). JSON carries the same rows; an unknown name exits 2.
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
        Some("from,to,km,path_km,floor_rtt_ms,rtt_p50_ms,rtt_p99_ms,via")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 6);
    let (z90, z99) = (1.281_551_565_544_6_f64, 2.326_347_874_040_841_f64);
    for r in &rows {
        let (a, b) = (find(r[0]).unwrap(), find(r[1]).unwrap());
        assert_ne!(r[0], r[1]);
        let floor_ms = independent_floor_ns(a.lat, a.lon, b.lat, b.lon) / 1e6;
        let path = PathModel::default().route((a.lat, a.lon), (b.lat, b.lon));
        let m = path.one_way_ms;
        let num = |i: usize| r[i].parse::<f64>().unwrap();
        assert!((num(3) - path.km).abs() < 0.01, "{r:?}");
        assert!(num(3) >= num(2), "{r:?}");
        assert!((num(4) - 2.0 * floor_ms).abs() < 0.01, "{r:?}");
        assert!((num(5) - 2.0 * m).abs() < 0.01, "{r:?}");
        let sigma = 2f64.sqrt() * (1.0145 + 1.4 / (2.0 * m)).ln() / z90;
        let p99 = 2.0 * m * (1.0 + z99 * sigma / 2f64.sqrt());
        assert!((num(6) / p99 - 1.0).abs() < 0.01, "{r:?} vs {p99}");
        assert_eq!(r[7], path.hubs.join(" - "), "{r:?}");
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

/// `route_inflation` and `overhead_ms` only mean something to the great-circle model: with
/// the default path model they are rejected (field path named); with `path =
/// "great-circle"` the derived Dublin - Ashburn median is floor x inflation + overhead (law
/// of cosines here).
#[test]
fn route_inflation_needs_the_great_circle_model() {
    use geosim::scenario::{from_str, Format};
    let text = |extra: &str| {
        format!(
            "duration_s = 1\n[network]\n{extra}\n[[regions]]\nname = \"ash\"\nlat = 39.0458\nlon = -77.4874\n[[regions]]\nname = \"dub\"\nlat = 53.3498\nlon = -6.2603\n[[workload.clients]]\nregion = \"ash\"\nrate_rps = 1\n[[strategies]]\nkind = \"multi-master\"\nname = \"mm\"\n"
        )
    };
    let p = std::path::Path::new("t.toml");
    let err = from_str(&text("route_inflation = 1.2"), Format::Toml, p).unwrap_err();
    assert!(err.to_string().contains("network.route_inflation"), "{err}");
    let sc = from_str(
        &text("path = \"great-circle\"\nroute_inflation = 1.2\noverhead_ms = 3\nvariation = \"constant\""),
        Format::Toml,
        p,
    )
    .unwrap();
    let want = independent_floor_ns(39.0458, -77.4874, 53.3498, -6.2603) / 1e6 * 1.2 + 3.0;
    let got = sc.topology.median_one_way_ms(0, 1);
    // 1e-4: geosim rounds light in fibre to 4.897 us/km (c / 1.468 = 4.89678).
    assert!((got / want - 1.0).abs() < 1e-4, "{got} vs {want}");
}

/// `geosim regions --rtt` prints the path through the hubs (Frankfurt - Tokyo crosses the
/// Atlantic and the US, not Russia) and the fibre floor of the pair (2 x the law-of-cosines
/// floor, here).
#[test]
fn regions_rtt_prints_the_path_and_the_floor() {
    use geosim::catalogue::find;
    let out =
        crate::common::geosim(&["regions", "--rtt", "aws:eu-central-1", "aws:ap-northeast-1"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let path = text
        .lines()
        .find(|l| l.trim_start().starts_with("path:"))
        .unwrap();
    assert!(
        path.contains("New York") && path.contains("Seattle"),
        "{text}"
    );
    assert!(
        path.trim_start().starts_with("path: Frankfurt ->") && path.contains("-> Tokyo ("),
        "{text}"
    );
    let (a, b) = (
        find("aws:eu-central-1").unwrap(),
        find("aws:ap-northeast-1").unwrap(),
    );
    let floor = 2.0 * independent_floor_ns(a.lat, a.lon, b.lat, b.lon) / 1e6;
    assert!(
        text.contains(&format!("fibre floor RTT {floor:.1} ms")),
        "{floor}: {text}"
    );
}
