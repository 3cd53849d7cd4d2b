//! Failback (issue 11, item 9): after an outage of the preferred region, `failback = "auto"`
//! hands the primary (active-passive) or the leadership (consensus) back after the hold
//! time, in a planned, drained handoff that loses no write; `manual` keeps today's
//! behaviour. Every expected figure below is computed by hand from the scenario's constant
//! latencies (every link and every region's access network is a constant, so each write's
//! latency is a sum of known terms), and every expected time from the fault, the detector
//! and the hold settings.

use geosim::report::StrategyReport;

use crate::common::run;

/// Access network (client <-> its region) each way, ms.
const INTRA: f64 = 1.0;
/// EU <-> US one way, ms (EU <-> AP 110, US <-> AP 80).
const EU_US: f64 = 40.0;
/// The EU outage.
const OUT_START: f64 = 20.0;
const OUT_END: f64 = 50.0;
/// Detector: heartbeat period and timeout, s; promotion delay, s; failback hold, s.
const HEARTBEAT: f64 = 0.5;
const DETECT: f64 = 2.0;
const PROMOTE: f64 = 2.0;
const HOLD: f64 = 10.0;
const DURATION: f64 = 120.0;

/// EU (the configured primary / leader), US and AP; clients write only in the EU and read
/// only in the US (so every write in the timeline is an EU client's).
fn scenario(strategies: &str) -> String {
    format!(
        r#"name = "failback"
seed = 11
duration_s = {DURATION}
drain_s = 20
[clients]
timeout_ms = 1000
retries = 5
backoff_ms = 50
backoff_cap_ms = 400
reroute_after_s = 1
[detection]
heartbeat_ms = {hb}
timeout_ms = {dt}
[[regions]]
name = "eu"
lat = 53.35
lon = -6.26
intra_ms = {INTRA}
[[regions]]
name = "us"
lat = 39.05
lon = -77.49
intra_ms = {INTRA}
[[regions]]
name = "ap"
lat = 35.68
lon = 139.65
intra_ms = {INTRA}
[[links]]
from = "eu"
to = "us"
latency = {EU_US:?}
[[links]]
from = "us"
to = "ap"
latency = 80.0
[[links]]
from = "eu"
to = "ap"
latency = 110.0
[[workload.clients]]
region = "eu"
rate_rps = 50
read_fraction = 0.0
keys = 100
[[workload.clients]]
region = "us"
rate_rps = 20
read_fraction = 1.0
keys = 100
[[faults]]
kind = "region-outage"
region = "eu"
start_s = {OUT_START}
duration_s = {dur}
{strategies}"#,
        hb = HEARTBEAT * 1e3,
        dt = DETECT * 1e3,
        dur = OUT_END - OUT_START,
    )
}

fn ap(name: &str, failback: &str) -> String {
    let hold = if failback == "auto" {
        format!("failback_hold_s = {HOLD:?}\n")
    } else {
        String::new()
    };
    format!(
        "[[strategies]]\nkind = \"active-passive\"\nname = \"{name}\"\nprimary = \"eu\"\n\
         replication = \"async\"\npromotion_delay_s = {PROMOTE:?}\nfailback = \"{failback}\"\n{hold}"
    )
}

fn raft(name: &str, failback: &str) -> String {
    let hold = if failback == "auto" {
        format!("failback_hold_s = {HOLD:?}\npreferred_leader = \"eu\"\n")
    } else {
        String::new()
    };
    format!(
        "[[strategies]]\nkind = \"consensus\"\nname = \"{name}\"\nleader = \"eu\"\n\
         election_timeout_ms = [500.0, 1000.0]\nfailback = \"{failback}\"\n{hold}"
    )
}

/// Median write latency (ms) of the timeline buckets issued in `[from_s, to_s)`.
fn write_p50(s: &StrategyReport, from_s: f64, to_s: f64) -> Vec<f64> {
    let w = s.timeline.bucket_s;
    s.timeline
        .write_p50_ms
        .iter()
        .enumerate()
        .filter(|(i, _)| *i as f64 * w >= from_s && (*i + 1) as f64 * w <= to_s)
        .filter_map(|(_, &v)| v)
        .collect()
}

/// Within the 3.2 % of a coarse histogram bin.
fn near(got: f64, want: f64) -> bool {
    (got - want).abs() <= 0.035 * want + 0.01
}

fn leadership(s: &StrategyReport) -> Vec<(f64, String, String)> {
    s.leadership
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| (c.t_s, c.region.clone(), c.reason.clone()))
        .collect()
}

#[test]
fn active_passive_fails_back_to_the_eu_after_the_hold_and_loses_nothing() {
    let r = run(&scenario(&format!(
        "{}{}",
        ap("auto", "auto"),
        ap("manual", "manual")
    )));
    let auto = r.strategy("auto").unwrap();
    let manual = r.strategy("manual").unwrap();

    // Timeline. EU fails at 20 s; US suspects it within (timeout, timeout + heartbeat] and
    // its controller promotes after the promotion delay (US, not AP: it is closer to the
    // primary, so at least as up to date, and wins ties by its lower id).
    let l = leadership(auto);
    assert_eq!(l.len(), 3, "{l:?}");
    assert_eq!(
        (l[0].0, l[0].1.as_str(), l[0].2.as_str()),
        (0.0, "eu", "start")
    );
    let fo_lo = OUT_START + DETECT + PROMOTE;
    let fo_hi = fo_lo + HEARTBEAT + 0.1;
    assert_eq!(
        (l[1].1.as_str(), l[1].2.as_str()),
        ("us", "failover"),
        "{l:?}"
    );
    assert!(
        l[1].0 >= fo_lo && l[1].0 <= fo_hi,
        "failover at {} not in [{fo_lo}, {fo_hi}]",
        l[1].0
    );
    // EU is back at 50 s; the US primary hears its next heartbeat within one period (+ the
    // 40 ms link), holds 10 s, then drains: the handoff takes one EU-US crossing (40 ms),
    // plus at most one 100 ms re-check for the EU to catch up.
    let fb_lo = OUT_END + HOLD;
    let fb_hi = fb_lo + HEARTBEAT + EU_US / 1e3 + 0.1 + EU_US / 1e3 + 0.01;
    assert_eq!(
        (l[2].1.as_str(), l[2].2.as_str()),
        ("eu", "failback"),
        "{l:?}"
    );
    assert!(
        l[2].0 >= fb_lo && l[2].0 <= fb_hi,
        "failback at {} not in [{fb_lo}, {fb_hi}]",
        l[2].0
    );
    assert_eq!(auto.final_leader.as_deref(), Some("eu"));
    // Manual: the role stays in the US.
    let lm = leadership(manual);
    assert_eq!(lm.len(), 2, "{lm:?}");
    assert_eq!(manual.final_leader.as_deref(), Some("us"));

    // Latency by hand: at the EU primary a write costs the access network both ways
    // (2 x 1 ms); with the primary in the US it also crosses EU-US both ways (2 + 80 ms).
    let local = 2.0 * INTRA;
    let remote = 2.0 * INTRA + 2.0 * EU_US;
    for v in write_p50(auto, 1.0, OUT_START) {
        assert!(near(v, local), "before: {v} vs {local}");
    }
    // After EU is back, its clients have moved home (1 s) and the hold is not over.
    for v in write_p50(auto, OUT_END + 2.0 + HEARTBEAT, fb_lo) {
        assert!(near(v, remote), "during the hold: {v} vs {remote}");
    }
    let after = write_p50(auto, fb_hi + 1.0, DURATION);
    assert!(after.len() > 10);
    for v in after {
        assert!(near(v, local), "after failback: {v} vs {local}");
    }
    for v in write_p50(manual, fb_hi + 1.0, DURATION) {
        assert!(near(v, remote), "manual, after: {v} vs {remote}");
    }
    // The resilience table's phases (write p50 of the whole buckets around the fault):
    // before local, after (50 s to the end: 10 s remote, then 60 s local) local with auto,
    // remote with manual.
    let ph = &auto.faults[0].write_p50_ms;
    assert!(near(ph.before.unwrap(), local), "{ph:?}");
    assert!(near(ph.after.unwrap(), local), "{ph:?}");
    let pm = &manual.faults[0].write_p50_ms;
    assert!(near(pm.after.unwrap(), remote), "{pm:?}");

    // No write lost by the planned failback: the US primary stops accepting writes before it
    // sends the handoff, and the EU copies its whole store when the handoff arrives, so every
    // write the US acknowledged is at the EU. Only the failover itself may lose writes (async
    // entries in flight from the EU when it died), and those are charged to the outage at
    // ~22.5 s; the failback adds none, so auto and manual lose exactly as many.
    assert_eq!(
        auto.rpo.as_ref().unwrap().lost_writes,
        manual.rpo.as_ref().unwrap().lost_writes,
        "{:?} {:?}",
        auto.rpo,
        manual.rpo
    );
}

/// `auto` and `manual` active-passive with `sync` replication, plus `faults`: checks that
/// `auto` fails back to the EU once and loses no more writes than `manual`, and returns the
/// failback time and `auto`'s report.
fn sync_failback(faults: &str) -> (f64, StrategyReport) {
    let sync = |name: &str, failback: &str| ap(name, failback).replace("\"async\"", "\"sync\"");
    let r = run(&scenario(&format!(
        "{faults}{}{}",
        sync("auto", "auto"),
        sync("manual", "manual")
    )));
    let auto = r.strategy("auto").unwrap();
    let l = leadership(auto);
    assert_eq!(l.len(), 3, "{l:?}");
    assert_eq!((l[2].1.as_str(), l[2].2.as_str()), ("eu", "failback"));
    let manual = r.strategy("manual").unwrap();
    assert_eq!(
        auto.rpo.as_ref().unwrap().lost_writes,
        manual.rpo.as_ref().unwrap().lost_writes
    );
    (l[2].0, auto.clone())
}

/// With `sync` replication (the US primary waits for EU, 40 ms away, and AP, 80 ms), writes
/// are waiting for the AP's acknowledgement (a 160 ms round trip) when the drain starts. The
/// handoff waits for them: every one is answered, so no operation issued after the EU is
/// back waits out the 1 s client timeout (the p99 of every 1 s bucket stays below it: a
/// write costs at most 2 ms access + 80 ms EU-US + 160 ms for the AP's acknowledgement, plus
/// the drain and one retry after the 50 ms backoff), the failback still happens once, and it
/// loses nothing (as many writes lost as with `manual`).
#[test]
fn a_sync_failback_answers_the_writes_waiting_when_it_drains() {
    let (_, auto) = sync_failback("");
    let w = auto.timeline.bucket_s;
    let from = OUT_END + 2.0 + HEARTBEAT;
    let slow: Vec<(f64, f64)> = auto
        .timeline
        .p99_ms
        .iter()
        .enumerate()
        .filter(|(i, _)| *i as f64 * w >= from && (*i + 1) as f64 * w <= DURATION)
        .filter_map(|(i, v)| v.map(|v| (i as f64 * w, v)))
        .filter(|&(_, v)| v >= 1000.0)
        .collect();
    assert!(
        slow.is_empty(),
        "buckets (start s, p99 ms) at or above the timeout: {slow:?}"
    );
}

/// A write whose acknowledgement a cut dropped waits at the primary for good (the standby
/// has the entry, so it sees no gap to catch up from). Here AP -> US is cut one way from 59.5
/// to 60.5 s, around the drain (after the hold, from 60 s): the drain cannot wait for those
/// writes, so after its 2 s limit the US hands off without them (before, such a drain would
/// be abandoned, and every later one too). The failback comes 2 s after the drain would have
/// sent it, and still loses nothing.
#[test]
fn a_sync_failback_hands_off_without_writes_whose_acknowledgement_was_lost() {
    let (t, _) = sync_failback(
        "[[faults]]\nkind = \"partition\"\na = [\"ap\"]\nb = [\"us\"]\none_way = true\n\
         start_s = 59.5\nduration_s = 1\n",
    );
    let fb_lo = OUT_END + HOLD + 2.0;
    let fb_hi = fb_lo + HEARTBEAT + EU_US / 1e3 + 0.1 + EU_US / 1e3 + 0.01;
    assert!(
        t >= fb_lo && t <= fb_hi,
        "failback at {t} not in [{fb_lo}, {fb_hi}]"
    );
}

#[test]
fn consensus_transfers_leadership_back_to_the_preferred_member() {
    let r = run(&scenario(&format!(
        "{}{}",
        raft("auto", "auto"),
        raft("manual", "manual")
    )));
    let auto = r.strategy("auto").unwrap();
    let manual = r.strategy("manual").unwrap();
    let l = leadership(auto);
    assert_eq!(l.len(), 3, "{l:?}");
    assert_eq!((l[0].1.as_str(), l[0].2.as_str()), ("eu", "start"));
    // Failover: suspicion (timeout .. + heartbeat), one election timeout (0.5-1 s), a
    // pre-vote and a vote round (at most 2 x 160 ms).
    let fo_lo = OUT_START + DETECT + 0.5;
    let fo_hi = OUT_START + DETECT + HEARTBEAT + 1.0 + 0.4;
    assert_eq!(l[1].2, "failover", "{l:?}");
    assert!(l[1].1 != "eu");
    assert!(
        l[1].0 >= fo_lo && l[1].0 <= fo_hi,
        "failover at {} not in [{fo_lo}, {fo_hi}]",
        l[1].0
    );
    // Failback: the hold after the leader hears EU again, then the EU catches up and gets
    // `TimeoutNow` and wins one vote round (each step at most one 160 ms round trip).
    let fb_lo = OUT_END + HOLD;
    let fb_hi = fb_lo + HEARTBEAT + 0.2 + 3.0 * 0.16;
    assert_eq!(
        (l[2].1.as_str(), l[2].2.as_str()),
        ("eu", "failback"),
        "{l:?}"
    );
    assert!(
        l[2].0 >= fb_lo && l[2].0 <= fb_hi,
        "failback at {} not in [{fb_lo}, {fb_hi}]",
        l[2].0
    );
    assert_eq!(auto.final_leader.as_deref(), Some("eu"));
    assert_ne!(manual.final_leader.as_deref(), Some("eu"));

    // By hand: at the EU leader a write needs the access network both ways and a majority
    // (the US follower's round trip, 80 ms); with a US leader the EU client's write also
    // crosses EU-US twice (forward and answer), and the commit needs the nearest follower
    // (the EU, another 80 ms).
    let local = 2.0 * INTRA + 2.0 * EU_US;
    let remote = 2.0 * INTRA + 4.0 * EU_US;
    if l[1].1 == "us" {
        for v in write_p50(auto, OUT_END + 2.0 + HEARTBEAT, fb_lo) {
            assert!(near(v, remote), "during the hold: {v} vs {remote}");
        }
    }
    let after = write_p50(auto, fb_hi + 1.0, DURATION);
    assert!(after.len() > 10);
    for v in after {
        assert!(near(v, local), "after failback: {v} vs {local}");
    }
    // Raft never loses a committed (acknowledged) write (RPO does not apply: `null`); the
    // transfer only fails writes it had not committed back to their clients.
    assert_eq!(auto.rpo, None);
    assert_eq!(manual.rpo, None);
}

#[test]
fn failback_settings_without_auto_are_rejected() {
    let text = scenario(
        "[[strategies]]\nkind = \"consensus\"\nname = \"c\"\nleader = \"eu\"\npreferred_leader = \"us\"\n",
    );
    let err = geosim::scenario::from_str(
        &text,
        geosim::scenario::Format::Toml,
        std::path::Path::new("t.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("strategies[0].preferred_leader"), "{err}");
    let text =
        scenario(&ap("a", "manual").replace("failback = \"manual\"\n", "failback_hold_s = 5\n"));
    let err = geosim::scenario::from_str(
        &text,
        geosim::scenario::Format::Toml,
        std::path::Path::new("t.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("strategies[0].failback_hold_s"), "{err}");
}
