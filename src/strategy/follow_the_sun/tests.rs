//! Tests of `follow-the-sun`: the schedule, writes and reads around the primary, handoffs
//! (wait or fail, rapid rotations, a lost handoff retried), a region skipped at its shift and
//! failover from a lost primary, and the catch-up at a gap in the log positions (a cut no one
//! noticed).
//!
//! Test-only; may import the scenario parser, metrics and `sim` to run whole scenarios.

use super::*;
use crate::scenario::{self, Format, Scenario};
use crate::sim::run_strategy;
use crate::strategy::tests::{all_succeed_from, caught_up_by_one_snapshot, extra, outage};
use std::path::Path;

const H: u64 = 3_600_000_000_000;

/// Tokyo, Dublin and Oregon; shifts follow their office hours (00, 08 and 16 UTC).
const REGIONS: &str = r#"
[[regions]]
name = "ap-northeast-1"
lat = 35.6762
lon = 139.6503
[[regions]]
name = "eu-west-1"
lat = 53.3498
lon = -6.2603
[[regions]]
name = "us-west-2"
lat = 45.5152
lon = -122.6784
"#;

/// (region, UTC offset in hours, shift start UTC hour).
const ZONES: [(&str, i64, u64); 3] = [
    ("ap-northeast-1", 9, 0),
    ("eu-west-1", 1, 8),
    ("us-west-2", -8, 16),
];

fn strategy(name: &str, during: &str, read_from: &str) -> String {
    let mut s = format!(
        "[[strategies]]\nkind = \"follow-the-sun\"\nname = \"{name}\"\n\
         during_handoff = \"{during}\"\nread_from = \"{read_from}\"\n"
    );
    for (r, _, start) in ZONES {
        s += &format!("[[strategies.shifts]]\nregion = \"{r}\"\nstart_utc_h = {start}\n");
    }
    s
}

/// Clients in every region; with `office`, a diurnal profile at full rate during the
/// region's shift (its office hours) and `off` outside it.
fn clients(rate: f64, read_fraction: f64, office: Option<f64>) -> String {
    let mut s = String::new();
    for (r, offset, start) in ZONES {
        s += &format!(
            "[[workload.clients]]\nregion = \"{r}\"\nrate_rps = {rate}\n\
             read_fraction = {read_fraction}\nkeys = 100\nvalue_bytes = 256\n"
        );
        if let Some(off) = office {
            let profile: Vec<String> = (0..24i64)
                .map(|local| {
                    let utc = (local - offset).rem_euclid(24) as u64;
                    let on = utc >= start && utc < start + 8;
                    (if on { 1.0 } else { off }).to_string()
                })
                .collect();
            s += &format!(
                "[workload.clients.diurnal]\nutc_offset_h = {offset}\nprofile = [{}]\n",
                profile.join(", ")
            );
        }
    }
    s
}

/// Explicit links with heavy-tailed latency (p99 four times the median), so that
/// replication messages can arrive after the handoff.
const JITTERY_LINKS: &str = r#"
[[links]]
from = "ap-northeast-1"
to = "eu-west-1"
latency = { dist = "lognormal", p50_ms = 110.0, p99_ms = 440.0 }
[[links]]
from = "ap-northeast-1"
to = "us-west-2"
latency = { dist = "lognormal", p50_ms = 50.0, p99_ms = 200.0 }
[[links]]
from = "eu-west-1"
to = "us-west-2"
latency = { dist = "lognormal", p50_ms = 70.0, p99_ms = 280.0 }
"#;

fn scenario(start_h: f64, duration_s: f64, clients: &str, strategies: &str) -> Scenario {
    jittery_scenario(start_h, duration_s, clients, strategies, false)
}

/// A scenario whose clients do not retry, so every write failed by a handoff counts.
fn jittery_scenario(
    start_h: f64,
    duration_s: f64,
    clients: &str,
    strategies: &str,
    jitter: bool,
) -> Scenario {
    let links = if jitter { JITTERY_LINKS } else { "" };
    let text = format!(
        "name = \"t\"\nseed = 5\nduration_s = {duration_s}\ndrain_s = 10\n\
         start_utc_h = {start_h}\n{REGIONS}\n{links}\n{clients}\n{strategies}\n\
         [clients]\nretries = 0\n"
    );
    scenario::from_str(&text, Format::Toml, Path::new("t.toml")).unwrap()
}

fn config(start_utc_ns: u64, starts: &[(RegionId, u64)]) -> FollowTheSunConfig {
    FollowTheSunConfig {
        shifts: starts
            .iter()
            .map(|&(region, h)| Shift {
                region,
                start_utc_ns: h * H,
            })
            .collect(),
        during_handoff: HandoffPolicy::Wait,
        read_from: ReadFrom::Local,
        start_utc_ns,
    }
}

#[test]
fn the_primary_follows_the_schedule() {
    let at = |s: &FollowTheSun, h: u64| s.primary_at(SimTime(h * H));
    // Three 8-hour shifts from 00:00 UTC, starting at midnight.
    let s = FollowTheSun::new(config(0, &[(0, 0), (1, 8), (2, 16)]), 3, 1);
    for h in 0..48 {
        assert_eq!(at(&s, h), ((h % 24) / 8) as RegionId, "hour {h}");
    }
    assert_eq!(s.primary_at(SimTime(8 * H - 1)), 0);
    assert_eq!(s.primary_at(SimTime(24 * H - 1)), 2);
    assert_eq!(s.to_next_boundary(SimTime::ZERO), 8 * H);
    assert_eq!(s.to_next_boundary(SimTime(20 * H)), 4 * H);
    // Starting at 20:00 UTC: the third shift, then the first after 4 hours.
    let s = FollowTheSun::new(config(20 * H, &[(0, 0), (1, 8), (2, 16)]), 3, 1);
    let expect = |h: u64| (((h + 20) % 24) / 8) as RegionId;
    for h in 0..48 {
        assert_eq!(at(&s, h), expect(h), "hour {h}");
    }
    assert_eq!(s.to_next_boundary(SimTime::ZERO), 4 * H);
    // The first shift starts at 06:00: before it, the last shift (from 22:00) still runs.
    let s = FollowTheSun::new(config(0, &[(2, 6), (0, 14), (1, 22)]), 3, 1);
    for (h, r) in [
        (0, 1),
        (5, 1),
        (6, 2),
        (13, 2),
        (14, 0),
        (21, 0),
        (22, 1),
        (30, 2),
    ] {
        assert_eq!(at(&s, h), r, "hour {h}");
    }
    assert_eq!(s.to_next_boundary(SimTime::ZERO), 6 * H);
    assert_eq!(s.to_next_boundary(SimTime(23 * H)), 7 * H);
    // A single shift never hands over; its boundary comes once a day.
    let s = FollowTheSun::new(config(3 * H, &[(1, 5)]), 3, 1);
    assert!((0..30).all(|h| at(&s, h) == 1));
    assert_eq!(s.to_next_boundary(SimTime::ZERO), 2 * H);
    assert_eq!(s.to_next_boundary(SimTime(2 * H)), 24 * H);
}

#[test]
fn writes_are_local_at_the_primary_and_pay_the_round_trip_elsewhere() {
    // 10:00 to 10:01 UTC: Dublin's shift.
    let strategies = strategy("fts", "wait", "local") + &strategy("fts-p", "fail", "primary");
    let sc = scenario(10.0, 60.0, &clients(30.0, 0.5, None), &strategies);
    let eu = sc.topology.find("eu-west-1").unwrap();
    for i in 0..2 {
        let m = run_strategy(&sc, i, 1);
        assert_eq!(m.failed, 0);
        assert_eq!(m.conflicts, 0);
        assert_eq!(extra(&m, "handoffs"), 0.0);
        for r in 0..3u16 {
            let w = m.per_region[r as usize][1].quantile_ms(0.5);
            if r == eu {
                assert!(w < 10.0, "primary's write p50 {w}");
            } else {
                let rtt = sc.topology.median_rtt_ms(r, eu);
                assert!(w >= rtt, "region {r}: write p50 {w} < round trip {rtt}");
            }
        }
        // Replication to the two other regions.
        assert_eq!(m.lag.count(), 2 * m.writes);
    }
}

#[test]
fn a_day_of_office_hours_rotates_the_primary() {
    // Each region writes mostly in its own office hours, when it is the primary.
    let sc = scenario(
        0.0,
        86_400.0,
        &clients(1.0, 0.5, Some(0.05)),
        &strategy("fts", "wait", "local"),
    );
    let m = run_strategy(&sc, 0, 2);
    assert!(m.writes > 30_000, "{}", m.writes);
    assert_eq!(m.failed, 0);
    assert_eq!(m.conflicts, 0);
    assert_eq!(m.lost_updates, 0);
    // Boundaries at 08:00, 16:00 and 24:00 (the end of the run; the drain covers it).
    assert_eq!(extra(&m, "handoffs"), 3.0);
    let mean = extra(&m, "handoff_mean_ms");
    assert!(mean > 10.0 && mean < 1_000.0, "handoff mean {mean} ms");
    for r in 0..3 {
        let w = m.per_region[r][1].quantile_ms(0.5);
        assert!(w < 10.0, "region {r}: write p50 {w}");
        // Writes outside the shift (5 % of the peak rate) go to a remote primary.
        assert!(m.per_region[r][1].quantile_ms(0.99) > 50.0);
    }
}

#[test]
fn handoffs_fail_or_delay_writes_only_around_boundaries() {
    let strategies = strategy("fail", "fail", "local") + &strategy("wait", "wait", "primary");
    let load = clients(150.0, 0.5, None);
    // 07:59:30 to 08:00:30 UTC: Tokyo hands over to Dublin 30 s in.
    let sc = jittery_scenario(7.0 + 59.5 / 60.0, 60.0, &load, &strategies, true);
    let fail = run_strategy(&sc, 0, 4);
    assert_eq!(extra(&fail, "handoffs"), 1.0);
    assert!(fail.failed > 0);
    assert_eq!(fail.failed as f64, extra(&fail, "handoff_failed_writes"));
    // Only writes within about a second of the boundary fail (225 writes per second).
    assert!(fail.failed < 300, "{}", fail.failed);
    assert_eq!(fail.conflicts, 0);
    let wait = run_strategy(&sc, 1, 4);
    assert_eq!(extra(&wait, "handoffs"), 1.0);
    assert_eq!(wait.failed, 0);
    assert!(extra(&wait, "handoff_queued_writes") > 0.0);
    // Dublin waited for replication messages that the handoff overtook.
    assert!(extra(&wait, "handoff_mean_ms") > 200.0);
    assert_eq!(wait.stale_reads, 0, "primary reads across a handoff");
    assert_eq!(wait.conflicts, 0);
    // Without a boundary in the run nothing fails.
    let sc = scenario(8.5, 60.0, &load, &strategies);
    let fail = run_strategy(&sc, 0, 4);
    assert_eq!(extra(&fail, "handoffs"), 0.0);
    assert_eq!(fail.failed, 0);
}

/// A rotation through the three regions with a shift every `every_s` seconds, from
/// 00:00 UTC.
fn rapid(name: &str, during: &str, every_s: f64, shifts: usize) -> String {
    let mut s = format!(
        "[[strategies]]\nkind = \"follow-the-sun\"\nname = \"{name}\"\n\
         during_handoff = \"{during}\"\nread_from = \"primary\"\n"
    );
    for i in 0..shifts {
        let (r, _, _) = ZONES[i % 3];
        let h = i as f64 * every_s / 3600.0;
        s += &format!("[[strategies.shifts]]\nregion = \"{r}\"\nstart_utc_h = {h}\n");
    }
    s
}

#[test]
fn rapid_handoffs_keep_primary_reads_fresh() {
    // A handoff every second (and every 0.2 s, shorter than some handoffs take) over
    // links whose replication messages often arrive after the handoff.
    let strategies = rapid("wait", "wait", 1.0, 30)
        + &rapid("fail", "fail", 1.0, 30)
        + &rapid("wait-fast", "wait", 0.2, 100);
    let sc = jittery_scenario(0.0, 15.0, &clients(100.0, 0.5, None), &strategies, true);
    for i in 0..3 {
        let m = run_strategy(&sc, i, 8);
        let name = &sc.strategies[i].name;
        let handoffs = extra(&m, "handoffs");
        assert_eq!(m.stale_reads, 0, "{name}");
        assert_eq!(m.conflicts, 0, "{name}");
        assert!(m.read.count() > 1_000, "{name}");
        if i == 1 {
            assert!(m.failed > 0, "{name}");
            assert_eq!(m.failed as f64, extra(&m, "handoff_failed_writes"));
        } else if i == 0 {
            assert_eq!(m.failed, 0, "{name}");
        } else {
            // Handoffs every 0.2 s chain up: some writes wait beyond the clients' 5 s timeout
            // (no retries) and fail; none completes after its client gave up.
            assert!(m.failed > 0, "{name}");
        }
        let timeout_ms = sc.clients.timeout_ns as f64 / 1e6;
        assert!(
            m.write.max_ms() < timeout_ms,
            "{name}: {}",
            m.write.max_ms()
        );
        assert!(m.read.max_ms() < timeout_ms, "{name}: {}", m.read.max_ms());
        if i < 2 {
            // Boundaries every second until the drain ends (15 s of load + 10 s).
            assert!((23.0..=25.0).contains(&handoffs), "{name}: {handoffs}");
        } else {
            // Boundaries that pass during a handoff are taken when it completes.
            assert!((20.0..99.0).contains(&handoffs), "{name}: {handoffs}");
        }
    }
}

/// Clients in the three regions (half writes), the rotation, a fast detector, clients
/// that retry and reroute after 5 s, starting at `start_h` UTC, with `faults`.
fn faulty(start_h: f64, duration_s: f64, faults: &str) -> Scenario {
    let text = format!(
        "name = \"f\"\nseed = 6\nduration_s = {duration_s}\ndrain_s = 20\n\
         start_utc_h = {start_h}\n\
         [clients]\ntimeout_ms = 1000\nretries = 3\nreroute_after_s = 5\n\
         [detection]\nheartbeat_ms = 500\ntimeout_ms = 2000\n\
         {REGIONS}\n{}\n{}\n{faults}",
        clients(50.0, 0.5, None),
        strategy("fts", "wait", "primary"),
    );
    scenario::from_str(&text, Format::Toml, Path::new("t.toml")).unwrap()
}

#[test]
fn a_region_down_at_its_shift_is_skipped() {
    // 07:59 UTC: Tokyo hands over at 60 s, but Dublin is down from 20 s to 140 s, so
    // Oregon takes the shift; Dublin gets it back when it returns.
    let sc = faulty(7.0 + 59.0 / 60.0, 200.0, &outage("eu-west-1", 20, 120));
    let m = run_strategy(&sc, 0, 3);
    assert_eq!(extra(&m, "skipped_regions"), 1.0);
    assert_eq!(extra(&m, "failovers"), 0.0);
    // Tokyo -> Oregon at the boundary, Oregon -> Dublin after Dublin is back.
    assert_eq!(extra(&m, "handoffs"), 2.0);
    let mean = extra(&m, "handoff_mean_ms");
    assert!(mean < 1_000.0, "{mean}");
    assert_eq!(m.faults[0].lost_writes, 0);
    assert_eq!(m.stale_reads, 0, "primary reads");
    assert_eq!(m.split_brain_ns, 0);
    // Only Dublin's clients fail, until they are rerouted (5 s after the outage).
    all_succeed_from(&m, 26, "fts");
    let eu = sc.topology.find("eu-west-1").unwrap() as usize;
    for r in 0..3 {
        let a = &m.availability[r];
        assert_eq!(a.succeeded == a.attempted, r != eu, "region {r}: {a:?}");
    }
}

#[test]
fn the_next_healthy_region_takes_over_from_a_failed_primary() {
    // 09:00 UTC: Dublin's shift; Dublin is lost from 20 s to 80 s. Oregon (the next
    // shift) takes over after detection, losing what Dublin had not shipped yet.
    let sc = faulty(9.0, 150.0, &outage("eu-west-1", 20, 60));
    let m = run_strategy(&sc, 0, 3);
    assert_eq!(extra(&m, "failovers"), 1.0);
    let lost = m.faults[0].lost_writes;
    assert!((1..30).contains(&lost), "{lost} lost writes");
    assert!(m.faults[0].span_ns() < 1_000_000_000);
    assert_eq!(m.split_brain_ns, 0);
    // Back at 80 s, Dublin catches up and gets its shift back.
    assert_eq!(extra(&m, "handoffs"), 1.0);
    // Detection (2 to 2.5 s) and a client retry: everything succeeds from 26 s on.
    all_succeed_from(&m, 26, "fts");
    let rto = m.faults[0].rto_ns().expect("recovered");
    assert!(rto > 2_000_000_000 && rto < 8_000_000_000, "{rto}");
}

#[test]
fn a_lost_handoff_is_retried() {
    // 07:59:30 UTC: Tokyo hands over to Dublin at 30 s, while a one-second partition
    // (too short to be detected) drops the handoff.
    let cut = "[[faults]]\nkind = \"partition\"\na = [\"ap-northeast-1\"]\n\
               b = [\"eu-west-1\"]\nstart_s = 29.9\nduration_s = 1\n";
    let sc = faulty(7.0 + 59.5 / 60.0, 60.0, cut);
    let m = run_strategy(&sc, 0, 3);
    assert_eq!(extra(&m, "handoffs"), 1.0);
    assert!(extra(&m, "handoff_retries") >= 1.0);
    let mean = extra(&m, "handoff_mean_ms");
    assert!((2_000.0..2_500.0).contains(&mean), "{mean}");
    assert_eq!(m.failed, 0);
    assert_eq!(m.stale_reads, 0);
}

/// `p` (primary of its shift, 100 writes/s over 1,000 keys for 20 s, no reads), `s` (the
/// next shift, from 01:00 UTC) and `w`, one degree apart; a 0.5 s cut between `p` and `s`
/// at 10 s, shorter than the 3 s detection timeout (no one suspects anyone); every write is
/// probed by a read at `s` 10 s after its acknowledgement. Simulated time zero is `start_h`
/// UTC.
fn short_cut(start_h: f64) -> Scenario {
    short_cut_and(start_h, "")
}

/// `short_cut`, with the faults `more` besides.
fn short_cut_and(start_h: f64, more: &str) -> Scenario {
    let mut text = format!(
        "name = \"c\"\nseed = 7\nduration_s = 20\ndrain_s = 12\nstart_utc_h = {start_h}\n\
         [clients]\ntimeout_ms = 1000\nretries = 0\n\
         [detection]\nheartbeat_ms = 100\ntimeout_ms = 3000\n\
         [consistency]\nprobes_ms = [10000]\nprobe_every = 1\nprobe_from = \"s\"\n"
    );
    for (name, lat, lon) in [("p", 0.0, 0.0), ("s", 0.0, 1.0), ("w", 1.0, 0.0)] {
        text += &format!("[[regions]]\nname = \"{name}\"\nlat = {lat}\nlon = {lon}\n");
    }
    text += "[[workload.clients]]\nregion = \"p\"\nrate_rps = 100\nread_fraction = 0.0\n\
             keys = 1000\nzipf = 0.0\n\
             [[faults]]\nkind = \"partition\"\na = [\"p\"]\nb = [\"s\"]\nstart_s = 10\n\
             duration_s = 0.5\n";
    text += more;
    text += "\n[[strategies]]\nkind = \"follow-the-sun\"\nname = \"fts\"\nread_from = \"local\"\n\
             shifts = [{ region = \"p\", start_utc_h = 0 }, { region = \"s\", start_utc_h = 1 },\
             { region = \"w\", start_utc_h = 2 }]\n";
    scenario::from_str(&text, Format::Toml, Path::new("t.toml")).unwrap()
}

/// A cut shorter than the detection timeout is noticed from the log positions: the first
/// entry `s` receives after it names a predecessor `s` never got, so `s` asks `p` (the
/// primary) for the catch-up once. Every probe read at `s` 10 s after a write sees it (or a newer version);
/// hand count of the bytes: `p` sends `s` one entry per write (64 + 1,024, those sent into
/// the cut included) and exactly one snapshot of the 1,000 keys (64 + 16 x 1,000); `s`
/// sends `p` one CatchUp (64). (The keys written during the cut used to stay stale at `s`
/// until rewritten: 23 of the 2,017 probes missed their write.)
#[test]
fn a_cut_shorter_than_the_detection_timeout_is_caught_up_from_the_log_positions() {
    let m = run_strategy(&short_cut(0.0), 0, 1);
    assert_eq!(extra(&m, "handoffs"), 0.0);
    caught_up_by_one_snapshot(&m);
    assert_eq!(m.bytes_matrix[3], 64, "s -> p: one CatchUp");
}

/// The same cut ends 0.5 ms before the boundary that hands the role from `p` to `s`: the
/// Handoff names `p`'s last entry, which `s` never got, so `s` asks for the catch-up at
/// once instead of waiting for the retry after 2 s (which it used to: the 94 writes queued
/// at `s` meanwhile timed out). Every write crosses `p -> s` once (as an entry before the boundary,
/// forwarded after it), plus the Handoff (64) and one snapshot (64 + 16 x 1,000), no retry.
#[test]
fn an_incoming_primary_missing_the_tail_catches_up_at_the_handoff() {
    let m = run_strategy(&short_cut((3600.0 - 10.5005) / 3600.0), 0, 1);
    assert_eq!(m.failed, 0);
    assert_eq!(extra(&m, "handoffs"), 1.0);
    assert_eq!(extra(&m, "handoff_retries"), 0.0);
    let mean = extra(&m, "handoff_mean_ms");
    assert!(mean < 100.0, "{mean}");
    let probes = m.probes.as_ref().expect("probes");
    assert_eq!(
        probes.counts[0][1], probes.counts[0][0],
        "fresh of answered"
    );
    assert_eq!(
        m.bytes_matrix[1],
        m.writes * (64 + 1024) + 64 + (64 + 16 * 1000),
        "p -> s"
    );
}

/// The catch-up request a cut dropped is asked again at the next gap (1 s or more later), as
/// a PostgreSQL walreceiver retries its request: the 0.5 s cut from 10 s drops `p`'s entries
/// to `s`, and `s -> p` stays cut (one way) until 12 s, dropping the request `s` sends at the
/// first entry after 10.5 s. A second cut of `p -> s` (one way, 13 s to 13.2 s) shows `s`
/// another gap: it asks again and catches up. No cut is long enough to be suspected (3 s).
/// Every probe at `s` 10 s after a write sees it; hand count of `p -> s`: one entry per write
/// (64 + 1,024) and exactly one snapshot (64 + 16 x 1,000), and of `s -> p`: the two
/// requests (64 each). (Before, `s` never asked again: no snapshot, and the keys written
/// during the cuts stayed stale at `s` until rewritten.)
#[test]
fn a_catch_up_request_a_cut_dropped_is_asked_again_at_the_next_gap() {
    let cuts = "[[faults]]\nkind = \"partition\"\na = [\"s\"]\nb = [\"p\"]\none_way = true\n\
                start_s = 10\nduration_s = 2\n\
                [[faults]]\nkind = \"partition\"\na = [\"p\"]\nb = [\"s\"]\none_way = true\n\
                start_s = 13\nduration_s = 0.2";
    let m = run_strategy(&short_cut_and(0.0, cuts), 0, 1);
    assert_eq!(extra(&m, "handoffs"), 0.0);
    caught_up_by_one_snapshot(&m);
    assert_eq!(m.bytes_matrix[3], 2 * 64, "s -> p: two CatchUps");
}
