//! Tests of the topology: great-circle distances, lowest-median routes, unreachable pairs,
//! fibre-floor clamping, and the resolved draws against the route walk.
//!
//! Test-only.

use super::*;
use crate::rng::{stream, Stream};

#[test]
fn haversine_known_distances() {
    // London - New York is about 5570 km.
    let d = great_circle_km(51.5074, -0.1278, 40.7128, -74.0060);
    assert!((d - 5570.0).abs() < 15.0, "{d}");
    // A quarter meridian is pi/2 * R.
    let q = great_circle_km(0.0, 0.0, 90.0, 0.0);
    assert!((q - std::f64::consts::FRAC_PI_2 * EARTH_RADIUS_KM).abs() < 1e-6);
    assert_eq!(great_circle_km(10.0, 20.0, 10.0, 20.0), 0.0);
}

#[test]
fn routes_take_the_lowest_median_path() {
    let regions = vec![
        region("a", 0.0, 0.0, "X"),
        region("b", 0.0, 1.0, "X"),
        region("c", 0.0, 2.0, "X"),
    ];
    let link = |f: u16, t: u16, ms: f64| WanLink {
        from: f,
        to: t,
        latency: LatencyDist::constant(ms),
        explicit: true,
        fifo: true,
    };
    // a->c direct is slow (50 ms); a->b->c is 10 + 10.
    let links = vec![
        link(0, 1, 10.0),
        link(1, 0, 10.0),
        link(1, 2, 10.0),
        link(2, 1, 10.0),
        link(0, 2, 50.0),
        link(2, 0, 50.0),
    ];
    let model = NetworkModel {
        unlinked: Unlinked::Route,
        ..NetworkModel::default()
    };
    let t = Topology::new(regions, links, model).unwrap();
    assert_eq!(t.route_regions(0, 2), vec![0, 1, 2]);
    assert!((t.median_one_way_ms(0, 2) - 20.0).abs() < 1e-9);
    let mut rng = stream(1, Stream::Network(0, 2));
    assert_eq!(t.sample_nanos(0, 2, &mut rng), 20_000_000);
}

/// The resolved draws (`Fixed`, `LogNormal`, `Walk`) give what walking the route gives,
/// value for value, and leave the rng in the same state: constant and lognormal access,
/// single lognormal and constant hops, a two-hop lognormal route, a uniform hop.
#[test]
fn resolved_draws_are_the_route_walk() {
    use rand::RngExt;
    let mut regions = vec![
        region("a", 0.0, 0.0, "X"),
        region("b", 0.0, 20.0, "X"),
        region("c", 0.0, 40.0, "X"),
        region("d", 0.0, 60.0, "X"),
    ];
    regions[1].intra = LatencyDist::lognormal(1.5, 6.0);
    regions[2].intra = LatencyDist::uniform(1.0, 2.0);
    let link = |f: u16, t: u16, latency: LatencyDist| WanLink {
        from: f,
        to: t,
        latency,
        explicit: true,
        fifo: true,
    };
    let links = vec![
        link(0, 1, LatencyDist::lognormal(30.0, 60.0)),
        link(1, 0, LatencyDist::constant(31.0)),
        link(1, 2, LatencyDist::lognormal(0.5, 9.0)),
        link(2, 1, LatencyDist::uniform(20.0, 40.0)),
        link(2, 3, LatencyDist::constant(25.0)),
        link(3, 2, LatencyDist::constant(0.1)),
    ];
    let model = NetworkModel {
        unlinked: Unlinked::Route,
        ..NetworkModel::default()
    };
    let t = Topology::new(regions, links, model).unwrap();
    let kinds: Vec<&str> = t
        .draws
        .iter()
        .map(|d| match d {
            Draw::Fixed(_) => "fixed",
            Draw::LogNormal { .. } => "lognormal",
            Draw::Walk => "walk",
        })
        .collect();
    // a -> b lognormal, b -> a and d -> c constant, a -> c two hops, b's access lognormal.
    assert_eq!(kinds[1], "lognormal");
    assert_eq!(kinds[4], "fixed");
    assert_eq!(kinds[2], "walk");
    assert_eq!(kinds[5], "lognormal");
    assert_eq!(kinds[10], "walk");
    assert_eq!(kinds[3 * 4 + 2], "fixed");
    assert_eq!(kinds[3 * 4 + 1], "walk");
    for a in 0..4u16 {
        for b in 0..4u16 {
            let mut x = stream(9, Stream::Network(a as u32, b as u32));
            let mut y = stream(9, Stream::Network(a as u32, b as u32));
            for _ in 0..2000 {
                let fast = if a == b {
                    t.sample_access_nanos(a, &mut x)
                } else {
                    t.sample_nanos(a, b, &mut x)
                };
                assert_eq!(fast, t.walk(a, b, &mut y), "{a} -> {b}");
            }
            assert_eq!(x.random::<u64>(), y.random::<u64>(), "{a} -> {b}");
        }
    }
    // Filled in batches: the same values in the same order, and the stream left where the
    // single draws leave it (batches of 7 do not divide the 2,000 draws).
    for a in 0..4u16 {
        for b in 0..4u16 {
            let mut x = stream(11, Stream::Network(a as u32, b as u32));
            let mut y = stream(11, Stream::Network(a as u32, b as u32));
            let mut batch = [0u64; 7];
            for i in 0..2002 {
                if i % 7 == 0 {
                    t.fill_nanos(a, b, &mut y, &mut batch);
                }
                let single = if a == b {
                    t.sample_access_nanos(a, &mut x)
                } else {
                    t.sample_nanos(a, b, &mut x)
                };
                assert_eq!(single, batch[i % 7], "{a} -> {b}, draw {i}");
            }
            assert_eq!(x.random::<u64>(), y.random::<u64>(), "{a} -> {b}");
        }
    }
    // The 0.1 ms constant hop d -> c is clamped to its 2,200 km fibre floor.
    let mut r = stream(9, Stream::Network(3, 2));
    assert_eq!(t.sample_nanos(3, 2, &mut r), t.path_floor_nanos(3, 2));
}

#[test]
fn unreachable_pairs_are_reported() {
    let regions = vec![region("a", 0.0, 0.0, "X"), region("b", 0.0, 1.0, "X")];
    let model = NetworkModel {
        unlinked: Unlinked::Route,
        ..NetworkModel::default()
    };
    let err = Topology::new(regions, vec![], model).unwrap_err();
    assert_eq!(err, TopologyError::Unreachable { from: 0, to: 1 });
}

#[test]
fn samples_below_the_fibre_floor_are_clamped() {
    let regions = vec![
        region("ny", 40.7, -74.0, "US"),
        region("ldn", 51.5, -0.1, "UK"),
    ];
    let links = vec![WanLink {
        from: 0,
        to: 1,
        latency: LatencyDist::uniform(0.0, 1.0),
        explicit: true,
        fifo: true,
    }];
    let t = Topology::new(regions, links, NetworkModel::default()).unwrap();
    let floor = t.path_floor_nanos(0, 1);
    assert!(floor > 27_000_000, "{floor}");
    let mut rng = stream(3, Stream::Network(0, 1));
    for _ in 0..100 {
        assert_eq!(t.sample_nanos(0, 1, &mut rng), floor);
    }
}
