//! The network model against physics and measurement.

use geosim::io::load_scenario;
use geosim::latency::LatencyDist;
use geosim::rng::{stream, Stream};
use geosim::topology::{
    great_circle_km, region, NetworkModel, Topology, Unlinked, WanLink, FIBRE_US_PER_KM,
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
        let model = NetworkModel { route_inflation: inflation, overhead_ms: overhead, unlinked: Unlinked::Geo, fifo: true };
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
