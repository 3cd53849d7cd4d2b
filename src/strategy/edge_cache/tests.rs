//! Tests of `edge-cache`: the LRU arena (eviction order, slot reuse), hit ratio against the
//! TTL, the staleness bound, invalidation, reads at the origin, coalesced misses,
//! stale-if-error while the origin is down and a cache region that loses its cache.
//!
//! Test-only; may import the scenario parser, metrics and `sim` to run whole scenarios.

use super::*;
use crate::metrics::RunMetrics;
use crate::scenario::{self, Scenario};
use crate::strategy::tests::{extra, outage};

fn cfg(capacity: usize) -> EdgeCacheConfig {
    EdgeCacheConfig {
        origin: 0,
        ttl_ns: 1_000,
        capacity,
        invalidate: false,
    }
}

fn v(stamp: u64) -> Version {
    Version { stamp, origin: 0 }
}

/// Keys of `region`'s cache from most to least recently used, checking the links.
fn order(c: &EdgeCache, region: RegionId) -> Vec<Key> {
    let l = c.lru[region as usize];
    let mut out = Vec::new();
    let (mut i, mut prev) = (l.head, NIL);
    while i != NIL {
        let e = c.entries[i as usize];
        assert_eq!(e.prev, prev);
        assert_eq!(c.lookup(region, e.key), Some(i));
        out.push(e.key);
        prev = i;
        i = e.next;
    }
    assert_eq!(l.tail, prev);
    assert_eq!(out.len(), l.len as usize);
    out
}

#[test]
fn lru_evicts_the_least_recently_used_and_reuses_slots() {
    let mut c = EdgeCache::new(cfg(3), 3, 10);
    for k in [1, 2, 3] {
        c.install(1, k, v(k), SimTime(k));
    }
    assert_eq!(order(&c, 1), vec![3, 2, 1]);
    let i = c.lookup(1, 1).unwrap();
    c.touch(1, i);
    assert_eq!(order(&c, 1), vec![1, 3, 2]);
    c.install(1, 4, v(4), SimTime(5));
    assert_eq!(order(&c, 1), vec![4, 1, 3]);
    assert_eq!(c.evictions, 1);
    assert!(c.lookup(1, 2).is_none());
    // Refreshing an existing entry moves it to the front without evicting.
    c.install(1, 3, v(9), SimTime(6));
    assert_eq!(order(&c, 1), vec![3, 4, 1]);
    assert_eq!(c.entries[c.lookup(1, 3).unwrap() as usize].version, v(9));
    assert_eq!(c.evictions, 1);
    // Another region's cache is independent.
    c.install(2, 2, v(2), SimTime(7));
    assert_eq!(order(&c, 2), vec![2]);
    assert_eq!(order(&c, 1), vec![3, 4, 1]);
    // Dropped slots are reused before the arena grows.
    let arena = c.entries.len();
    c.drop_entry(1, 4);
    assert_eq!(order(&c, 1), vec![3, 1]);
    c.install(1, 7, v(7), SimTime(8));
    assert_eq!(order(&c, 1), vec![7, 3, 1]);
    assert_eq!(c.entries.len(), arena);
    assert_eq!(c.evictions, 1);
    // Dropping head and tail keeps the list consistent.
    c.drop_entry(1, 7);
    c.drop_entry(1, 1);
    assert_eq!(order(&c, 1), vec![3]);
    c.drop_entry(1, 3);
    assert_eq!(order(&c, 1), Vec::<Key>::new());
}

/// The fetches in flight live in a pool as large as the most ever in flight at once: ended
/// fetches free their slot for the next, an invalidation raises only its own key's floor, and
/// a cache that goes down leaves no fetch behind (its dense table back to all zeros).
#[test]
fn fetches_in_flight_share_a_pool_of_reused_slots() {
    let mut c = EdgeCache::new(cfg(3), 3, 10);
    let fetch = |head| Fetch {
        head,
        sent_at: SimTime(head),
        floor: Version::NONE,
    };
    for (region, key) in [(1, 4), (2, 4), (1, 7)] {
        let s = c.slot(region, key);
        c.begin_fetch(s, fetch(key));
    }
    assert_eq!(c.fetches.len(), 3);
    c.invalidated(1, 4, v(5));
    c.invalidated(1, 5, v(6));
    let f = c.end_fetch(1, 4).unwrap();
    assert_eq!((f.head, f.floor), (4, v(5)));
    assert!(c.end_fetch(1, 4).is_none());
    // The freed slot is reused before the pool grows; the other fetches kept their floor.
    let s = c.slot(1, 5);
    c.begin_fetch(s, fetch(5));
    assert_eq!(c.fetches.len(), 3);
    assert_eq!(c.end_fetch(1, 5).unwrap().floor, Version::NONE);
    assert_eq!(c.end_fetch(2, 4).unwrap().floor, Version::NONE);
    c.abandon_fetches(None, 1);
    assert!(c.end_fetch(1, 7).is_none());
    assert!(c.fetch_of.iter().all(|&f| f == 0));
    assert_eq!(c.fetch_free.len(), c.fetches.len());
}

#[test]
fn capacity_one_keeps_only_the_last_key() {
    let mut c = EdgeCache::new(cfg(1), 2, 5);
    for k in 0..5 {
        c.install(1, k, v(k), SimTime(k));
        assert_eq!(order(&c, 1), vec![k]);
    }
    assert_eq!(c.evictions, 4);
    assert_eq!(c.entries.len(), 1);
}

/// Origin `o` (region 0), caches `b` (50 ms away) and `c` (80 ms away), constant
/// latencies everywhere (1.5 ms access).
fn scenario(clients: &str, strategies: &str) -> Scenario {
    let text = format!(
        r#"
duration_s = 20
drain_s = 2
[network]
variation = "constant"
[[regions]]
name = "o"
lat = 0.0
lon = 0.0
[[regions]]
name = "b"
lat = 0.0
lon = 1.0
[[regions]]
name = "c"
lat = 1.0
lon = 0.0
[[links]]
from = "o"
to = "b"
latency = 50
[[links]]
from = "o"
to = "c"
latency = 80
[[links]]
from = "b"
to = "c"
latency = 100
{clients}
{strategies}
"#
    );
    scenario::from_str(
        &text,
        scenario::Format::Toml,
        std::path::Path::new("t.toml"),
    )
    .expect("valid scenario")
}

fn edge(name: &str, ttl_s: f64, capacity: usize, invalidate: bool) -> String {
    format!(
        r#"
[[strategies]]
kind = "edge-cache"
name = "{name}"
origin = "o"
ttl_s = {ttl_s}
capacity = {capacity}
invalidate = {invalidate}
"#
    )
}

fn group(region: &str, rate: f64, read_fraction: f64, keys: u64, zipf: f64) -> String {
    format!(
        r#"
[[workload.clients]]
region = "{region}"
rate_rps = {rate}
read_fraction = {read_fraction}
keys = {keys}
zipf = {zipf}
value_bytes = 100
"#
    )
}

/// Clients in every region on a shared, Zipf-popular key space.
fn mixed(read_fraction: f64, keys: u64, zipf: f64) -> String {
    ["o", "b", "c"]
        .iter()
        .map(|r| group(r, 100.0, read_fraction, keys, zipf))
        .collect()
}

#[test]
fn hit_ratio_rises_with_ttl() {
    let strategies: String = [0.1, 1.0, 10.0]
        .iter()
        .enumerate()
        .map(|(i, &t)| edge(&format!("ttl{i}"), t, 1000, false))
        .collect();
    let sc = scenario(&mixed(0.9, 2000, 0.9), &strategies);
    let ratios: Vec<f64> = (0..3)
        .map(|i| {
            let m = run_check(&sc, i);
            let (h, mi) = (extra(&m, "cache_hits"), extra(&m, "cache_misses"));
            let r = extra(&m, "cache_hit_ratio");
            assert!((r - h / (h + mi)).abs() < 1e-12);
            r
        })
        .collect();
    assert!(
        ratios[0] < ratios[1] && ratios[1] < ratios[2],
        "hit ratios {ratios:?}"
    );
    assert!(ratios[0] > 0.0 && ratios[2] < 1.0, "hit ratios {ratios:?}");
}

/// Runs strategy `i` and checks what every run must satisfy.
fn run_check(sc: &Scenario, i: usize) -> RunMetrics {
    let m = crate::sim::run_strategy(sc, i, 7);
    assert_eq!(m.failed, 0, "every operation completes");
    assert_eq!(m.read.count() + m.write.count(), m.reads + m.writes);
    let (h, mi) = (extra(&m, "cache_hits"), extra(&m, "cache_misses"));
    assert!(extra(&m, "coalesced_misses") <= mi);
    // Reads at the caches are hits or misses; reads at the origin are neither.
    assert!(h + mi <= m.reads as f64);
    m
}

#[test]
fn staleness_is_bounded_by_ttl_plus_one_way_latency() {
    let ttl_s = 1.0;
    let sc = scenario(
        &mixed(0.8, 20, 0.5),
        &(edge("plain", ttl_s, 1000, false) + &edge("inv", ttl_s, 1000, true)),
    );
    let d_max = (1..3)
        .map(|r| sc.topology.median_one_way_ms(0, r))
        .fold(0.0, f64::max);
    assert_eq!(d_max, 80.0);
    for i in 0..2 {
        let m = run_check(&sc, i);
        assert!(
            m.stale_reads > 0,
            "strategy {i}: the workload produces stale hits"
        );
        assert!(
            m.staleness.max_ms() <= ttl_s * 1000.0 + d_max,
            "strategy {i}: staleness max {} ms > ttl + one-way {} ms",
            m.staleness.max_ms(),
            ttl_s * 1000.0 + d_max
        );
    }
}

#[test]
fn invalidation_reduces_stale_reads_and_measures_lag() {
    let sc = scenario(
        &mixed(0.8, 100, 0.9),
        &(edge("plain", 5.0, 1000, false) + &edge("inv", 5.0, 1000, true)),
    );
    let plain = run_check(&sc, 0);
    let inv = run_check(&sc, 1);
    assert!(
        inv.stale_reads < plain.stale_reads,
        "invalidate {} vs plain {} stale reads",
        inv.stale_reads,
        plain.stale_reads
    );
    // No replication without invalidation; one lag sample per write per cache with it,
    // each the one-way latency origin -> cache (50 or 80 ms).
    assert_eq!(plain.lag.count(), 0);
    assert_eq!(inv.lag.count(), 2 * inv.writes);
    assert!(inv.lag.max_ms() <= 80.0 + 1e-9);
    assert!(inv.lag.quantile_ms(0.0) >= 50.0 - 0.1);
    // With constant latencies a stale hit needs an invalidation still in flight.
    assert!(inv.staleness.max_ms() <= 80.0, "{}", inv.staleness.max_ms());
}

#[test]
fn reads_at_the_origin_are_never_stale() {
    // Only the origin's clients read; the caches' clients write the same hot keys.
    let clients = group("o", 200.0, 1.0, 20, 0.5)
        + &group("b", 100.0, 0.0, 20, 0.5)
        + &group("c", 100.0, 0.0, 20, 0.5);
    let sc = scenario(&clients, &edge("ec", 10.0, 1000, false));
    let m = run_check(&sc, 0);
    assert!(m.read.count() > 1000 && m.write.count() > 1000);
    assert_eq!(m.stale_reads, 0);
    assert_eq!(extra(&m, "cache_hits") + extra(&m, "cache_misses"), 0.0);
    // The same keys read at the caches are stale: the check above can fail.
    let clients = group("o", 200.0, 0.0, 20, 0.5) + &group("b", 200.0, 0.9, 20, 0.5);
    let sc = scenario(&clients, &edge("ec", 10.0, 1000, false));
    assert!(run_check(&sc, 0).stale_reads > 0);
}

#[test]
fn a_one_entry_cache_over_many_keys_mostly_misses() {
    let sc = scenario(
        &mixed(1.0, 1000, 0.0),
        &(edge("tiny", 10.0, 1, false) + &edge("big", 10.0, 1000, false)),
    );
    let tiny = run_check(&sc, 0);
    let big = run_check(&sc, 1);
    let ratio = extra(&tiny, "cache_hit_ratio");
    assert!(ratio < 0.05, "hit ratio {ratio}");
    assert!(extra(&tiny, "evictions") > 0.0);
    assert!(extra(&big, "cache_hit_ratio") > 10.0 * ratio.max(0.01));
    assert_eq!(extra(&big, "evictions"), 0.0);
    // Read-only: nothing is ever stale, and misses are fresh.
    assert_eq!(tiny.stale_reads + big.stale_reads, 0);
}

#[test]
fn concurrent_misses_are_coalesced() {
    // One hot key read often at a cache 80 ms away: many misses join a fetch in flight.
    let clients = group("c", 500.0, 1.0, 1, 0.0) + &group("o", 50.0, 0.0, 1, 0.0);
    let sc = scenario(&clients, &edge("ec", 0.1, 10, true));
    let m = run_check(&sc, 0);
    let (mi, co) = (extra(&m, "cache_misses"), extra(&m, "coalesced_misses"));
    assert!(co > 0.0 && co < mi, "{co} coalesced of {mi} misses");
    // One fetch (64 bytes) and one answer (64 + 100 bytes at most) per uncoalesced miss,
    // plus 64 bytes per invalidation to each of the two caches.
    let fetches = (mi - co) as u64;
    let inv = 2 * 64 * m.writes;
    assert!(m.wan_bytes >= inv + fetches * 128 && m.wan_bytes <= inv + fetches * 228);
}

/// The regions of `scenario` for 80 s, a fast detector, clients that retry and reroute
/// after 5 s, and `faults`.
fn faulty(clients: &str, strategies: &str, faults: &str) -> Scenario {
    let text = format!(
        r#"
duration_s = 80
drain_s = 10
seed = 4
[clients]
timeout_ms = 1000
retries = 3
reroute_after_s = 5
[detection]
heartbeat_ms = 500
timeout_ms = 2000
[network]
variation = "constant"
[[regions]]
name = "o"
lat = 0.0
lon = 0.0
[[regions]]
name = "b"
lat = 0.0
lon = 1.0
[[regions]]
name = "c"
lat = 1.0
lon = 0.0
[[links]]
from = "o"
to = "b"
latency = 50
[[links]]
from = "o"
to = "c"
latency = 80
[[links]]
from = "b"
to = "c"
latency = 100
{clients}
{strategies}
{faults}
"#
    );
    scenario::from_str(
        &text,
        scenario::Format::Toml,
        std::path::Path::new("t.toml"),
    )
    .expect("valid scenario")
}

#[test]
fn caches_serve_stale_entries_while_the_origin_is_down() {
    // The origin is down from 20 s to 50 s; entries live 5 s.
    let clients = group("b", 100.0, 0.9, 50, 0.5) + &group("c", 100.0, 0.9, 50, 0.5);
    let sc = faulty(
        &clients,
        &edge("ec", 5.0, 1000, false),
        &outage("o", 20, 30),
    );
    let m = crate::sim::run_strategy(&sc, 0, 3);
    let served = extra(&m, "stale_if_error");
    assert!(served > 1000.0, "{served}");
    for r in [1, 2] {
        let a = &m.availability[r];
        // Writes fail fast during the outage; reads are served from the caches.
        assert!(a.succeeded[1] < a.attempted[1], "{a:?}");
        assert!(
            a.succeeded[0] as f64 > 0.98 * a.attempted[0] as f64,
            "{a:?}"
        );
    }
    // Reads at the caches are hits, stale-if-error or misses (some of which failed).
    let (h, mi) = (extra(&m, "cache_hits"), extra(&m, "cache_misses"));
    let ok = m.read.count() as f64;
    assert!(
        h + served <= ok && ok <= h + mi + served,
        "{h} {mi} {served} {ok}"
    );
    // After the origin is back, everything succeeds.
    let first = (55 * 1_000_000_000 / m.bucket_ns) as usize;
    for b in &m.timeline[first..] {
        assert_eq!(b.succeeded, b.attempted);
    }
}

#[test]
fn a_cache_region_that_goes_down_loses_its_cache() {
    // b's clients read 50 keys; entries outlive the run unless b loses them (down from
    // 20 s to 30 s; its clients come back at 35 s and refill the cache).
    let clients = group("b", 100.0, 1.0, 50, 0.0);
    let strategies = edge("ec", 100.0, 1000, false);
    let calm = crate::sim::run_strategy(&faulty(&clients, &strategies, ""), 0, 3);
    let m = crate::sim::run_strategy(&faulty(&clients, &strategies, &outage("b", 20, 10)), 0, 3);
    let (before, after) = (extra(&calm, "cache_misses"), extra(&m, "cache_misses"));
    assert!(before <= 60.0, "{before}");
    assert!(after >= before + 40.0, "{after} vs {before}");
    assert_eq!(m.stale_reads, 0);
    assert_eq!(extra(&m, "stale_if_error"), 0.0);
}
