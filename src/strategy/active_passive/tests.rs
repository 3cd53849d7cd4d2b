//! Tests of `active-passive`: a witness votes but receives no log entries, a standby does;
//! replication lag of standbys the primary waits for and of those it does not; a standby
//! cut off from the primary catches up when the partition heals, or when its entries show a
//! gap in their numbering (a cut no one noticed; a request a cut dropped is asked again), and a sync or semi-sync write whose
//! entry the cut dropped is released by that catch-up; a witness back from an outage gets no
//! snapshot; a semi-sync write whose client gave up (its operation slot reused) still times
//! out into the fallback.
//! Whole runs through `sim::run_strategy`.
//!
//! Test-only; may import the scenario parser and `sim` to run whole scenarios.

use std::path::Path;

use crate::scenario::{from_str, Format};
use crate::sim::run_strategy;
use crate::strategy::tests::caught_up_by_one_snapshot;

#[test]
fn a_witness_gets_no_data_but_a_standby_does() {
    let text = r#"
duration_s = 20
[[regions]]
name = "p"
lat = 0.0
lon = 0.0
[[regions]]
name = "s"
lat = 0.0
lon = 5.0
[[regions]]
name = "w"
lat = 5.0
lon = 0.0
[[workload.clients]]
region = "p"
rate_rps = 100
read_fraction = 0.0
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "p"
split_brain = "fencing"
witness = "w"
"#;
    let sc = from_str(text, Format::Toml, Path::new("t.toml")).unwrap();
    let m = run_strategy(&sc, 0, 1);
    assert!(m.writes > 1000);
    assert!(m.bytes_matrix[1] > 0, "p -> s carries the log");
    assert_eq!(m.bytes_matrix[2], 0, "p -> w carries nothing");
    assert_eq!(
        m.lag.count(),
        m.writes,
        "one application per write, at s only"
    );
}

/// `p` (primary, clients writing `rate` per second for `secs`), `f` 10 ms from it and `s`
/// `far_ms` from both (constant links, no access latency), then `tail`. Drained until `s`
/// has every write.
fn three(rate: f64, secs: u32, far_ms: f64, tail: &str) -> crate::scenario::Scenario {
    // Long enough for `s` to apply the last writes.
    let drain = (far_ms / 1000.0).ceil() + 5.0;
    let mut text = format!(
        "duration_s = {secs}\ndrain_s = {drain}\n[network]\nunlinked = \"route\"\n\
         [clients]\ntimeout_ms = 60000\nretries = 0\n"
    );
    for (name, lon) in [("p", 0.0), ("f", 1.0), ("s", 2.0)] {
        text += &format!(
            "[[regions]]\nname = \"{name}\"\nlat = 0.0\nlon = {lon}\n\
             intra_ms = {{ dist = \"constant\", ms = 0.0 }}\n"
        );
    }
    for (a, b, ms) in [("p", "f", 10.0), ("p", "s", far_ms), ("f", "s", far_ms)] {
        text += &format!(
            "[[links]]\nfrom = \"{a}\"\nto = \"{b}\"\n\
             latency = {{ dist = \"constant\", ms = {ms} }}\n"
        );
    }
    text += &format!(
        "[[workload.clients]]\nregion = \"p\"\nrate_rps = {rate}\nread_fraction = 0.0\n\
         keys = 1000\n[[strategies]]\nkind = \"active-passive\"\nname = \"ap\"\n\
         primary = \"p\"\n{tail}\n"
    );
    from_str(&text, Format::Toml, Path::new("t.toml")).unwrap()
}

/// Replication lag has one definition for every standby, waited for or not: the time from
/// the primary's acknowledgement to the standby applying the write, 0 when it applied it
/// first. With `f` 10 ms and `s` 60 ms away, a write that waits for one acknowledgement
/// received at `f` is acknowledged 20 ms after it was written (22 ms when `f` acknowledges
/// after its 2 ms flush); `f` applied it at 10 ms (sample 0), `s` applies it at 60 ms
/// (sample 40 ms, 38 ms): a mean of exactly 20 (19) ms over two samples per write. Waiting
/// for both (all standbys, or ANY 2), `s` applies before the acknowledgement: every sample
/// 0. (`s` used to count 0 whenever the write waited for anyone.)
#[test]
fn lag_counts_from_the_acknowledgement_for_standbys_the_primary_did_not_wait_for() {
    let cases = [
        // (settings, mean lag ms, max lag ms)
        ("any = 1, of = [\"f\"]", "received", 20.0, 40.0),
        ("any = 1, of = [\"f\", \"s\"]", "received", 20.0, 40.0),
        ("any = 1, of = [\"f\"]", "flushed", 19.0, 38.0),
        ("any = 2, of = [\"f\", \"s\"]", "received", 0.0, 0.0),
        ("", "received", 0.0, 0.0),
        ("semi", "received", 20.0, 40.0),
    ];
    for (quorum, ack, mean, max) in cases {
        let tail = match quorum {
            "semi" => format!("replication = \"semi-sync\"\nack = \"{ack}\""),
            "" => format!("replication = \"sync\"\nack = \"{ack}\""),
            q => format!("replication = \"sync\"\nack = \"{ack}\"\nsync_quorum = {{ {q} }}"),
        };
        let m = run_strategy(&three(200.0, 20, 60.0, &tail), 0, 1);
        let case = format!("{quorum} {ack}");
        assert!(m.writes > 3000, "{case}");
        assert_eq!(m.failed, 0, "{case}");
        assert_eq!(
            m.lag.count(),
            2 * m.writes,
            "{case}: one sample per standby"
        );
        assert!(
            (m.lag.mean_ms() - mean).abs() < 1e-9,
            "{case}: {}",
            m.lag.mean_ms()
        );
        assert!(
            (m.lag.max_ms() - max).abs() < 1e-9,
            "{case}: {}",
            m.lag.max_ms()
        );
    }
}

/// A standby that applies a write after the primary acknowledged `RING` (65,536) later ones
/// no longer finds when it was acknowledged: its sample counts from when the primary wrote
/// it, over by at most the write's wait. `s` 10 s away at 8,000 writes/s is 80,000 writes
/// behind: its samples are 10 s (the acknowledgement came 20 ms after the write: 9.98 s
/// exactly), `f`'s 0.
#[test]
fn lag_beyond_the_acknowledgement_ring_is_bounded_by_the_write_time() {
    let tail =
        "replication = \"sync\"\nack = \"received\"\nsync_quorum = { any = 1, of = [\"f\"] }";
    let m = run_strategy(&three(8000.0, 12, 10_000.0, tail), 0, 1);
    assert!(m.writes > 90_000);
    assert_eq!(m.lag.count(), 2 * m.writes);
    // Half the samples between 9.98 and 10 s, the other half 0.
    let mean = m.lag.mean_ms();
    assert!((4990.0..=5000.0).contains(&mean), "{mean}");
    assert!((9980.0..=10_000.0).contains(&m.lag.max_ms()));
}

/// With `ANY 1 (f)` and `f` down, the primary stops waiting for it (once it suspects it)
/// and acknowledges at once; the standby not listed, `s`, still gets every write (it used
/// to get none while no listed standby was reachable): exactly one log entry (64 + 1,024
/// bytes) to `s` per write, and the writes acknowledged then make more than half.
#[test]
fn an_unlisted_standby_gets_the_writes_while_no_listed_one_is_reachable() {
    let tail = "replication = \"sync\"\nack = \"received\"\n\
                sync_quorum = { any = 1, of = [\"f\"] }\n\
                [detection]\nheartbeat_ms = 100\ntimeout_ms = 1000\n\
                [[faults]]\nkind = \"region-outage\"\nregion = \"f\"\nstart_s = 5\nduration_s = 60";
    let m = run_strategy(&three(200.0, 20, 60.0, tail), 0, 1);
    assert!(
        m.writes - m.failed > m.writes / 2,
        "{} of {}",
        m.failed,
        m.writes
    );
    assert_eq!(m.bytes_matrix[2], m.writes * (64 + 1024), "p -> s");
}

/// `p` (primary, 50 writes/s over 1,000 keys), `s` and a third region `t` (a standby, or a
/// witness), one degree apart; `s` reads locally at 200/s; `p` and `s` are cut off from each
/// other from 10 s to 20 s (detection 1 s, promotion delay 15 s: no failover), then `tail`.
fn cut(replication: &str, third: &str, tail: &str) -> crate::scenario::Scenario {
    let mut text = "duration_s = 60\ndrain_s = 10\n[clients]\ntimeout_ms = 1000\nretries = 0\n\
                    [detection]\nheartbeat_ms = 100\ntimeout_ms = 1000\n"
        .to_string();
    for (name, lat, lon) in [("p", 0.0, 0.0), ("s", 0.0, 1.0), ("t", 1.0, 0.0)] {
        text += &format!("[[regions]]\nname = \"{name}\"\nlat = {lat}\nlon = {lon}\n");
    }
    for (region, reads) in [("p", 0.0), ("s", 1.0)] {
        let rate = if region == "p" { 50 } else { 200 };
        text += &format!(
            "[[workload.clients]]\nregion = \"{region}\"\nrate_rps = {rate}\n\
             read_fraction = {reads}\nkeys = 1000\nzipf = 0.0\n"
        );
    }
    text += &format!(
        "[[faults]]\nkind = \"partition\"\na = [\"p\"]\nb = [\"s\"]\nstart_s = 10\n\
         duration_s = 10\n{tail}\n[[strategies]]\nkind = \"active-passive\"\nname = \"ap\"\n\
         primary = \"p\"\nreplication = \"{replication}\"\nread_from = \"local\"\n\
         promotion_delay_s = 15\n{third}\n"
    );
    from_str(&text, Format::Toml, Path::new("t.toml")).unwrap()
}

/// The log entries a cut drops are not lost for good: when the partition heals, `s` (which
/// suspected `p` while `p` wrote) asks `p` for a catch-up, as after an outage. Hand count of
/// the bytes `p` sends `s` (async: every write's entry goes out, 64 + 1,024 bytes, those
/// sent into the cut included): one entry per write, `p`'s re-announcement when it stops
/// suspecting `s` (64), and exactly one snapshot of the 1,000 keys (64 + 16 x 1,000). (No
/// snapshot used to follow: `s` kept the keys written during the cut stale until rewritten.)
#[test]
fn a_standby_catches_up_once_when_a_partition_heals() {
    let m = run_strategy(&cut("async", "", ""), 0, 1);
    assert!(m.writes > 2000);
    assert_eq!(m.failed, 0);
    assert_eq!(
        m.bytes_matrix[1],
        m.writes * (64 + 1024) + 64 + (64 + 16 * 1000),
        "p -> s"
    );
    // `t` was never cut off: no catch-up, one entry per write.
    assert_eq!(m.bytes_matrix[2], m.writes * (64 + 1024), "p -> t");
}

/// Sync: while `p` suspects `s` it acknowledges without it and skips it (`t` is a witness:
/// no data). `p` then fails at 30 s and `s` is promoted at 46 s: having caught up at the
/// heal, it holds every write `p` acknowledged, so none is lost (it lost the hundreds `p`
/// acknowledged during the cut).
#[test]
fn a_standby_that_caught_up_after_a_partition_loses_nothing_at_failover() {
    let outage = "[[faults]]\nkind = \"region-outage\"\nregion = \"p\"\nstart_s = 30\n\
                  duration_s = 100";
    let m = run_strategy(&cut("sync", "witness = \"t\"", outage), 0, 1);
    let leaders: Vec<_> = m.leadership.iter().flatten().map(|l| l.1).collect();
    assert_eq!(leaders, [0, 1], "p, then s after the outage");
    assert!(m.writes - m.failed > 1000, "{} of {}", m.failed, m.writes);
    assert_eq!(m.rpo_writes(), 0);
}

/// `s` is cut off from `p` from 10 s, and `p` goes down at 15 s, before the cut heals: `s`
/// missed the entries `p` wrote meanwhile and never hears from `p` again. `t`, never cut off,
/// is promoted at about 31 s, after the clients stopped (30 s; no retries): when `s` follows
/// it, it asks `t` for the catch-up it would have asked `p` for at a heal. Hand count of what
/// `t` sends `s`, with no write after the promotion: the new primary's announcement (64 bytes,
/// once) and exactly one snapshot of the 1,000 keys (64 + 16 x 1,000). (No snapshot used to
/// follow: `s` kept the keys written during the cut stale until rewritten.)
#[test]
fn a_standby_that_missed_entries_catches_up_from_the_new_primary() {
    let outage = "[[faults]]\nkind = \"region-outage\"\nregion = \"p\"\nstart_s = 15\n\
                  duration_s = 100";
    let mut sc = cut("async", "", outage);
    sc.duration_ns = 30_000_000_000;
    sc.drain_ns = 40_000_000_000;
    let m = run_strategy(&sc, 0, 1);
    let leaders: Vec<_> = m.leadership.iter().flatten().map(|l| l.1).collect();
    assert_eq!(leaders, [0, 2], "p, then t");
    // `t` announces itself to `s` once (64), then ships the snapshot.
    assert_eq!(m.bytes_matrix[2 * 3 + 1], 64 + (64 + 16 * 1000), "t -> s");
}

/// `p` (primary, 100 writes/s over 1,000 keys for 20 s), `s` one degree away and a witness
/// `w`; a 0.5 s cut between `p` and `s` at 10 s, shorter than the 3 s detection timeout (no
/// one suspects anyone); every write is probed by a read at `s` 10 s after its
/// acknowledgement; then `tail`.
fn short_cut(replication: &str, tail: &str) -> crate::scenario::Scenario {
    let mut text = "duration_s = 20\ndrain_s = 12\n[clients]\ntimeout_ms = 1000\nretries = 0\n\
                    [detection]\nheartbeat_ms = 100\ntimeout_ms = 3000\n\
                    [consistency]\nprobes_ms = [10000]\nprobe_every = 1\nprobe_from = \"s\"\n"
        .to_string();
    for (name, lat, lon) in [("p", 0.0, 0.0), ("s", 0.0, 1.0), ("w", 1.0, 0.0)] {
        text += &format!("[[regions]]\nname = \"{name}\"\nlat = {lat}\nlon = {lon}\n");
    }
    text += &format!(
        "[[workload.clients]]\nregion = \"p\"\nrate_rps = 100\nread_fraction = 0.0\n\
         keys = 1000\nzipf = 0.0\n\
         [[faults]]\nkind = \"partition\"\na = [\"p\"]\nb = [\"s\"]\nstart_s = 10\n\
         duration_s = 0.5\n{tail}\n[[strategies]]\nkind = \"active-passive\"\nname = \"ap\"\n\
         primary = \"p\"\n{replication}\nread_from = \"local\"\nwitness = \"w\"\n\
         promotion_delay_s = 2\n"
    );
    from_str(&text, Format::Toml, Path::new("t.toml")).unwrap()
}

/// A cut shorter than the detection timeout is noticed from the entries' numbers: the first
/// entry `s` receives after it is not the one it expects, so `s` asks for the catch-up
/// once. Every probe read at `s` 10 s after a write sees it (or a newer version); hand count
/// of the bytes `p` sends `s`: one entry per write (64 + 1,024, those sent into the cut
/// included) and exactly one snapshot of the 1,000 keys (64 + 16 x 1,000), no
/// re-announcement (`p` never suspected `s`). (The keys written during the cut used to stay
/// stale at `s` until rewritten: 23 of the 2,017 probes missed their write.)
#[test]
fn a_cut_shorter_than_the_detection_timeout_is_caught_up_from_the_log_positions() {
    let m = run_strategy(&short_cut("replication = \"async\"", ""), 0, 1);
    caught_up_by_one_snapshot(&m);
    assert_eq!(m.bytes_matrix[2], 0, "p -> w: a witness gets no log");
}

/// Semi-sync (100 ms timeout): the writes of the 0.5 s cut wait out the timeout and are
/// acknowledged in the fallback to async; `s` never received them. `p` fails at 15 s and
/// `s` is promoted about 5 s later: having caught up at the first entry after the cut, it
/// holds every write `p` acknowledged: none lost. (It used to lose the 50 acknowledged
/// during the cut: the first acknowledgement after the cut ended the fallback, gap or not.)
#[test]
fn a_semi_sync_standby_that_caught_up_after_a_short_cut_loses_nothing_at_failover() {
    let outage = "[[faults]]\nkind = \"region-outage\"\nregion = \"p\"\nstart_s = 15\n\
                  duration_s = 100";
    let repl = "replication = \"semi-sync\"\nsemi_sync_timeout_ms = 100";
    let m = run_strategy(&short_cut(repl, outage), 0, 1);
    let leaders: Vec<_> = m.leadership.iter().flatten().map(|l| l.1).collect();
    assert_eq!(leaders, [0, 1], "p, then s after the outage");
    let fallbacks = m.extra.iter().find(|e| e.0 == "semi_sync_fallbacks");
    assert!(fallbacks.is_some_and(|e| e.1 >= 1.0), "{:?}", m.extra);
    assert!(m.writes - m.failed > 1000, "{} of {}", m.failed, m.writes);
    assert_eq!(m.rpo_writes(), 0);
}

/// Under enforced residency a standby gets only the entries of keys that may live there:
/// its stream skips log positions without a gap, since the primary numbers only the entries
/// it writes for that standby. `s` may not hold keys 0..500 (of 1,000), so it gets about half of `p`'s
/// entries, all in sequence: it never asks for a catch-up (async, no fault: `s` sends `p`
/// nothing at all), and `p -> s` carries whole entries only (64 + 1,024 bytes each).
#[test]
fn a_standby_skipping_keys_it_may_not_hold_sees_no_gap() {
    let mut text = "duration_s = 10\ndrain_s = 2\n".to_string();
    for (name, lat, lon) in [("p", 0.0, 0.0), ("s", 0.0, 1.0), ("t", 1.0, 0.0)] {
        text += &format!("[[regions]]\nname = \"{name}\"\nlat = {lat}\nlon = {lon}\n");
    }
    text += "[[data_classes]]\nname = \"pt\"\nallowed_regions = [\"p\", \"t\"]\n\
             keys = [[0, 500]]\n\
             [[workload.clients]]\nregion = \"p\"\nrate_rps = 200\nread_fraction = 0.0\n\
             keys = 1000\nzipf = 0.0\n\
             [[strategies]]\nkind = \"active-passive\"\nname = \"ap\"\nprimary = \"p\"\n\
             residency = \"enforce\"\n";
    let sc = from_str(&text, Format::Toml, Path::new("t.toml")).unwrap();
    let m = run_strategy(&sc, 0, 1);
    assert!(m.writes > 1500);
    assert_eq!(m.bytes_matrix[3], 0, "s -> p: no catch-up asked");
    assert_eq!(
        m.bytes_matrix[2],
        m.writes * (64 + 1024),
        "p -> t: every entry"
    );
    let to_s = m.bytes_matrix[1];
    assert_eq!(to_s % (64 + 1024), 0, "p -> s: entries only");
    let share = to_s as f64 / m.bytes_matrix[2] as f64;
    assert!((0.4..0.6).contains(&share), "{share}");
}

/// `s` is down from 5 s to 25 s; `p` fails for good at 10 s and `t` (where the clients
/// write, 100/s over 1,000 keys) is promoted about 3 s later. Back up, `s` asks the dead `p`
/// for its catch-up and follows the old epoch until `t`, hearing from it again, re-announces
/// itself: the entries `t` wrote for it meanwhile were dropped (down). The first entry `t`
/// sends after is not the first of `t`'s stream to `s`, so `s` catches up from `t`. Every write is
/// probed at `s` 10 s after its acknowledgement: only those answered between `s`'s return and
/// the snapshot landing (one heartbeat interval for `t` to hear `s`, the announcement, the
/// next entry and one round trip: well under 0.5 s, so at most about 100/s x 0.5 s = 50) may
/// miss their write. (`s` used to keep the keys `t` wrote before it learned of it stale until
/// rewritten: 647 of the 2,536 answered probes.)
#[test]
fn a_standby_that_learns_of_a_new_primary_late_catches_up_at_the_first_entry() {
    let mut text = "duration_s = 40\ndrain_s = 12\n[clients]\ntimeout_ms = 1000\nretries = 0\n\
                    [detection]\nheartbeat_ms = 100\ntimeout_ms = 1000\n\
                    [consistency]\nprobes_ms = [10000]\nprobe_every = 1\nprobe_from = \"s\"\n"
        .to_string();
    for (name, lat, lon) in [("p", 0.0, 0.0), ("s", 0.0, 1.0), ("t", 1.0, 0.0)] {
        text += &format!("[[regions]]\nname = \"{name}\"\nlat = {lat}\nlon = {lon}\n");
    }
    text += "[[workload.clients]]\nregion = \"t\"\nrate_rps = 100\nread_fraction = 0.0\n\
             keys = 1000\nzipf = 0.0\n\
             [[faults]]\nkind = \"region-outage\"\nregion = \"s\"\nstart_s = 5\nduration_s = 20\n\
             [[faults]]\nkind = \"region-outage\"\nregion = \"p\"\nstart_s = 10\n\
             duration_s = 100\n\
             [[strategies]]\nkind = \"active-passive\"\nname = \"ap\"\nprimary = \"p\"\n\
             promotion_delay_s = 2\n";
    let sc = from_str(&text, Format::Toml, Path::new("t.toml")).unwrap();
    let m = run_strategy(&sc, 0, 1);
    let leaders: Vec<_> = m.leadership.iter().flatten().map(|l| l.1).collect();
    assert_eq!(leaders, [0, 2], "p, then t");
    let [answered, fresh, _] = m.probes.as_ref().expect("probes").counts[0];
    assert!(answered > 2000, "{answered}");
    assert!(answered - fresh <= 50, "{} stale", answered - fresh);
}

/// Sync: the writes of the 0.5 s cut wait for `s`, whose entries the cut dropped. The first
/// entry after the heal shows `s` the gap; the snapshot it asks for holds those writes, and
/// `s` reports that it holds every entry up to the snapshot (one `Holds`, 64 bytes, as a
/// PostgreSQL standby reports its flush position): every waiting write is released, none
/// fails at the client's 1 s timeout (about 50, all of the cut, used to). The write issued
/// first in the cut (within 0.1 s of its start) waits until the heal: at least 0.4 s.
/// Hand count of `p -> s`: one entry per write and exactly one snapshot (64 + 16 x 1,000).
#[test]
fn a_sync_write_a_short_cut_dropped_is_released_by_the_catch_up() {
    let m = run_strategy(&short_cut("replication = \"sync\"", ""), 0, 1);
    assert!(m.writes > 1800);
    assert_eq!(m.failed, 0, "of {}", m.writes);
    let max = m.write.max_ms();
    assert!((400.0..1000.0).contains(&max), "{max} ms");
    assert_eq!(
        m.bytes_matrix[1],
        m.writes * (64 + 1024) + (64 + 16 * 1000),
        "p -> s"
    );
    let probes = m.probes.as_ref().expect("probes");
    assert_eq!(probes.counts[0], [m.writes, m.writes, 0]);
}

/// Semi-sync with MySQL's default 10 s timeout: the writes of the 0.5 s cut wait for `s`
/// and are released when it reports the snapshot's position: no write fails and the primary
/// never falls back to async (it used to fall back once, at 10 s past the cut, after those
/// writes had failed at the client's timeout).
#[test]
fn a_semi_sync_write_a_short_cut_dropped_is_released_by_the_catch_up() {
    let m = run_strategy(&short_cut("replication = \"semi-sync\"", ""), 0, 1);
    assert!(m.writes > 1800);
    assert_eq!(m.failed, 0, "of {}", m.writes);
    let fallbacks = m.extra.iter().find(|e| e.0 == "semi_sync_fallbacks");
    assert_eq!(fallbacks.map(|e| e.1), Some(0.0), "{:?}", m.extra);
}

/// A witness back from an outage (5 s, detection 3 s: `p` suspected it) asks `p` only for
/// its epoch: `w -> p` one request (64 bytes), `p -> w` `p`'s re-announcement when it stops
/// suspecting `w` and the answer (64 + 64), no snapshot (it used to get one: 64 + 16 x
/// 1,000). It holds no data, so it has caught up at once (`catch_up_s` 0).
#[test]
fn a_witness_back_from_an_outage_gets_no_snapshot() {
    let outage = "[[faults]]\nkind = \"region-outage\"\nregion = \"w\"\nstart_s = 3\n\
                  duration_s = 5";
    let m = run_strategy(
        &short_cut("replication = \"async\"\nsplit_brain = \"fencing\"", outage),
        0,
        1,
    );
    assert!(m.writes > 1800);
    assert_eq!(m.bytes_matrix[2], 64 + 64, "p -> w");
    assert_eq!(m.bytes_matrix[2 * 3], 64, "w -> p");
    let outage = m
        .faults
        .iter()
        .find(|f| f.start.as_nanos() == 3_000_000_000);
    assert_eq!(outage.and_then(|f| f.catch_up_ns), Some(0));
}

/// Sync, ANY 1 of `f` (10 ms away) and `s` (60 ms): `p` has writes waiting for `f`'s
/// acknowledgement when it and `f` go down at 10 s (detection 1 s; `s` is promoted about 3 s
/// later). Back at 20.5 s, after the clients stopped (20 s: no write is issued after),
/// `f` still follows `p` and asks it for the catch-up; `p`, not yet aware of `s`'s epoch,
/// answers with a snapshot and `f` reports the position it covers. The writes that were
/// waiting when `p` went down died with it (as a PostgreSQL backend waiting for its
/// standbys does): the stale primary acknowledges none of them (with the report but not the
/// drop, it acknowledged 2: split-brain writes).
#[test]
fn writes_waiting_at_a_primary_that_goes_down_are_never_acknowledged() {
    let tail = "replication = \"sync\"\nsync_quorum = { any = 1, of = [\"f\", \"s\"] }\n\
                promotion_delay_s = 2\n\
                [detection]\nheartbeat_ms = 100\ntimeout_ms = 1000\n\
                [[faults]]\nkind = \"region-outage\"\nregion = \"p\"\nstart_s = 10\n\
                duration_s = 10.5\n\
                [[faults]]\nkind = \"region-outage\"\nregion = \"f\"\nstart_s = 10\n\
                duration_s = 10.5";
    let m = run_strategy(&three(100.0, 20, 60.0, tail), 0, 1);
    let leaders: Vec<_> = m.leadership.iter().flatten().map(|l| l.1).collect();
    assert_eq!(leaders, [0, 2], "p, then s");
    assert!(m.bytes_matrix[3] >= 64, "f asked p for the catch-up");
    assert_eq!(m.split_brain_writes, 0);
}

/// The catch-up request a cut drops is asked again at the next gap (1 s or more later), as a
/// PostgreSQL walreceiver retries its request: async, the 0.5 s cut from 10 s drops `p`'s
/// entries to `s`, and `s -> p` stays cut (one way) until 12 s, dropping the request `s`
/// sends at the first entry after 10.5 s. A second cut of `p -> s` (one way, 13 s to 13.2 s)
/// shows `s` another gap: it asks again and catches up. No cut is long enough to be
/// suspected (3 s). Every probe at `s` 10 s after a write sees it; hand count of `p -> s`:
/// one entry per write (64 + 1,024) and exactly one snapshot (64 + 16 x 1,000), and of
/// `s -> p`: the two requests (64 each). (Before, `s` never asked again: no snapshot, and the
/// keys written during the cuts stayed stale at `s` until rewritten.)
#[test]
fn a_catch_up_request_a_cut_dropped_is_asked_again_at_the_next_gap() {
    let cuts = "[[faults]]\nkind = \"partition\"\na = [\"s\"]\nb = [\"p\"]\none_way = true\n\
                start_s = 10\nduration_s = 2\n\
                [[faults]]\nkind = \"partition\"\na = [\"p\"]\nb = [\"s\"]\none_way = true\n\
                start_s = 13\nduration_s = 0.2";
    let m = run_strategy(&short_cut("replication = \"async\"", cuts), 0, 1);
    caught_up_by_one_snapshot(&m);
    assert_eq!(m.bytes_matrix[3], 2 * 64, "s -> p");
}

/// A write keeps waiting at a semi-sync primary after its client gave up, and the operation
/// slot its client freed goes to the next operation: both writes wait, and the first one's
/// timeout falls back to async. `p` writes 100/s; a partition cuts `s` off for good from
/// 10 s; clients give up after 200 ms (no retry), the semi-sync timeout is 1 s. The first
/// write whose acknowledgement the cut stops was issued within a few ms of 10 s (an entry or
/// acknowledgement in flight at 10 s is dropped too), so the fallback starts 1 s later, at
/// 11 s give or take 50 ms, and lasts to the end of the run (22 s): one fallback, and only
/// the writes of about that second fail (their clients gave up). (Keyed by slot alone, a
/// waiting write was replaced by a later one in its slot, so the timeouts of the first
/// writes found nothing waiting: the fallback started at 11.15 s.)
#[test]
fn a_semi_sync_write_whose_client_gave_up_still_times_out_into_the_fallback() {
    let mut text = "duration_s = 20\ndrain_s = 2\n[clients]\ntimeout_ms = 200\nretries = 0\n\
                    [detection]\nheartbeat_ms = 100\ntimeout_ms = 3000\n"
        .to_string();
    for (name, lon) in [("p", 0.0), ("s", 1.0)] {
        text += &format!("[[regions]]\nname = \"{name}\"\nlat = 0.0\nlon = {lon}\n");
    }
    text += "[[workload.clients]]\nregion = \"p\"\nrate_rps = 100\nread_fraction = 0.0\n\
             keys = 1000\nzipf = 0.0\n\
             [[faults]]\nkind = \"partition\"\na = [\"p\"]\nb = [\"s\"]\nstart_s = 10\n\
             duration_s = 100\n\
             [[strategies]]\nkind = \"active-passive\"\nname = \"ap\"\nprimary = \"p\"\n\
             replication = \"semi-sync\"\nsemi_sync_timeout_ms = 1000\n\
             promotion_delay_s = 100\n";
    let sc = from_str(&text, Format::Toml, Path::new("t.toml")).unwrap();
    let m = run_strategy(&sc, 0, 1);
    let figure = |name: &str| m.extra.iter().find(|e| e.0 == name).map(|e| e.1);
    assert_eq!(figure("semi_sync_fallbacks"), Some(1.0), "{:?}", m.extra);
    let start = 22.0 - figure("semi_sync_fallback_s").unwrap();
    assert!(
        (start - 11.0).abs() < 0.05,
        "the fallback started at {start} s"
    );
    // The writes of the second before the fallback (Poisson, mean 100) fail; the ~1,000
    // after it succeed.
    assert!(
        (50..=160).contains(&m.failed),
        "{} of {} failed",
        m.failed,
        m.writes
    );
    assert!(m.writes > 1_800, "{}", m.writes);
}
