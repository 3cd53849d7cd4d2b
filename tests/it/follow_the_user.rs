//! `follow-the-user` and travelling users (`[workload.users]`), against computations made
//! here from the scenario's own numbers: with constant links, a user served at home pays two
//! access legs and a fixed home far away adds the round trip; migrations are the moves of the
//! itinerary counted by hand, their bytes that count times the user's data; an eager handoff
//! breaks read-your-writes and a safe one never does; bad settings exit 2 with their path.

use geosim::scenario::{self, Format};
use geosim::strategy::HEADER_BYTES;
use geosim::workload::OpKind;
use std::path::Path;

use crate::common::{geosim, pair, run_scenario, scenario};

const INTRA_MS: f64 = 1.0; // `pair`'s intra-region latency, each way
const LINK_MS: f64 = 40.0; // the link we give `pair`, each way

/// `pair` (regions `p`, `s`) with a slow client group at `p` (the users' keys are the only
/// ones touched at `s`), `users` as the `[workload.users]` body and `strategies`.
fn two_regions(duration_s: u32, users: &str, strategies: &str) -> String {
    let rest = format!(
        r#"[[workload.clients]]
region = "p"
rate_rps = 1
keys = 10
[workload.users]
{users}
{strategies}"#
    );
    pair(
        &format!("name = \"ftu\"\nseed = 5\nduration_s = {duration_s}"),
        "",
        "",
        LINK_MS,
        &rest,
    )
}

const FOLLOW_AND_FIXED: &str = r#"[[strategies]]
kind = "follow-the-user"
name = "follow"
[[strategies]]
kind = "follow-the-user"
name = "fixed"
home = "fixed"
"#;

#[test]
fn after_a_move_the_user_pays_intra_region_latency_and_a_fixed_home_the_round_trip() {
    // One user at home in `p` moves to `s` at 1 s for good. Closed forms: served in the
    // region the client is in, an operation is two access legs (2 x 1 ms); forwarded to a
    // home across the link, it adds a round trip (2 x 40 ms).
    let sc = scenario(&two_regions(
        20,
        r#"count = 1
rate_rps = 50
read_fraction = 0.5
homes = ["p"]
trips = [{ user = 0, to = "s", at_s = 1 }]"#,
        FOLLOW_AND_FIXED,
    ));
    let s = sc.topology.find("s").unwrap() as usize;
    let local = 2.0 * INTRA_MS;
    let remote = local + 2.0 * LINK_MS;
    for (index, expect_p50) in [(0, local), (1, remote)] {
        let m = geosim::sim::run_full(&sc, index, 5).metrics;
        for kind in [OpKind::Read, OpKind::Write] {
            let stat = &m.per_region[s][kind as usize];
            // About 19 s x 25 ops/s of each kind at `s`.
            assert!(stat.count() > 400, "{index} {kind:?}: {}", stat.count());
            let p50 = stat.quantile_ms(0.5);
            assert!(
                (p50 - expect_p50).abs() < 0.02 * expect_p50,
                "{index} {kind:?}: {p50}"
            );
            // Nothing is ever slower than the first home's round trip (the ops parked during
            // the one handoff: claim + data = one round trip).
            assert!(stat.max_ms() < remote * 1.02, "{index} {kind:?}");
        }
        let mig = m.migrations.as_ref().unwrap();
        assert_eq!(mig.count, if index == 0 { 1 } else { 0 });
    }
}

#[test]
fn migrations_are_the_itinerarys_moves_and_their_bytes_the_users_data() {
    // Four users, 3 keys of 500 bytes each; homes dealt out p, s, p, s. Hand count of the
    // itinerary's moves (each stay lasts >= 2 s at 100 ops/s per user, so every stay sees an
    // operation): user 0 p->s at 2, s->p at 5, p->s at 8 (3); user 1 s->p at 3, p->s at 9
    // (2); user 2 never moves; user 3 s->p at 12, p->s at 14 (2). Handoffs leave p four
    // times and s three times.
    let users = r#"count = 4
keys_per_user = 3
value_bytes = 500
rate_rps = 400
read_fraction = 0.5
homes = ["p", "s"]
trips = [
  { user = 0, to = "s", at_s = 2, back_s = 5 },
  { user = 0, to = "s", at_s = 8 },
  { user = 1, to = "p", at_s = 3, back_s = 9 },
  { user = 3, to = "p", at_s = 12, back_s = 14 },
]"#;
    let sc = scenario(&two_regions(20, users, FOLLOW_AND_FIXED));
    let r = run_scenario(&sc, None);
    let moves = 7u64;
    let data = HEADER_BYTES + 3 * 500;
    let follow = r.strategies[0].migration.clone().unwrap().unwrap();
    assert_eq!(follow.count, moves);
    assert_eq!(follow.bytes, moves * data);
    // Priced at the source region's transfer price, per GB of 1e9 bytes.
    let (p, s) = (
        sc.topology.find("p").unwrap(),
        sc.topology.find("s").unwrap(),
    );
    let usd = (4 * data) as f64 / 1e9 * sc.cost.transfer_price(p, s)
        + (3 * data) as f64 / 1e9 * sc.cost.transfer_price(s, p);
    // Dollars as every report rounds them (docs/report.md): 6 decimals, 3 significant
    // digits below 5e-7.
    let report_usd = |v: f64| {
        if v.abs() < 5e-7 {
            let scale = 10f64.powi(2 - v.abs().log10().floor() as i32);
            (v * scale).round() / scale
        } else {
            (v * 1e6).round() / 1e6
        }
    };
    assert!(
        usd > 0.0 && usd < 5e-7,
        "{usd}: a few kB cost a fraction of a micro-dollar"
    );
    assert_eq!(follow.cost_usd, report_usd(usd), "{usd}");
    let month_s = 730.0 * 3600.0;
    assert_eq!(follow.monthly_usd, report_usd(usd * month_s / 20.0));
    assert_eq!(follow.ryw_violations, 0);
    // The fixed home never moves anything.
    let fixed = r.strategies[1].migration.clone().unwrap().unwrap();
    assert_eq!((fixed.count, fixed.bytes, fixed.ryw_violations), (0, 0, 0));
    assert_eq!(r.strategies[1].ops.failed, 0);
    // The terminal table shows the same hand-counted figures.
    let t = geosim::report::migration_table(&r).expect("a table with users");
    let row: Vec<&str> = t
        .lines()
        .find(|l| l.starts_with(&r.strategies[0].name))
        .expect("the follow row")
        .split_whitespace()
        .collect();
    assert_eq!(row[1..3], [moves.to_string(), (moves * data).to_string()]);
}

#[test]
fn an_eager_handoff_breaks_read_your_writes_and_a_safe_one_never_does() {
    // One user, one key, 200 ops/s (half writes) travels p -> s and back four times: eight
    // moves. The new home's copy is the one left from the user's last stay there (or none),
    // older than the writes made since; an eager handoff answers reads from it while the
    // data is on its way (one round trip, 80 ms, plus the first op's access leg).
    let users = r#"count = 1
rate_rps = 200
read_fraction = 0.5
homes = ["p"]
trips = [
  { user = 0, to = "s", at_s = 2, back_s = 4 },
  { user = 0, to = "s", at_s = 6, back_s = 8 },
  { user = 0, to = "s", at_s = 10, back_s = 12 },
  { user = 0, to = "s", at_s = 14, back_s = 16 },
]"#;
    let strategies = r#"[[strategies]]
kind = "follow-the-user"
name = "safe"
handoff = "safe"
[[strategies]]
kind = "follow-the-user"
name = "eager"
handoff = "eager"
"#;
    let sc = scenario(&two_regions(20, users, strategies));
    let r = run_scenario(&sc, None);
    let safe = r.strategies[0].migration.clone().unwrap().unwrap();
    let eager = r.strategies[1].migration.clone().unwrap().unwrap();
    assert_eq!((safe.count, eager.count), (8, 8));
    assert_eq!(safe.ryw_violations, 0);
    assert_eq!(r.strategies[0].consistency.stale_reads, 0);
    // Reads issued in the eight 81 ms windows: Poisson with mean 8 x 0.081 x 100 = 64.8
    // (plus at most one per window that opened the move); 6 sd above is 64.8 + 8 + 48.
    assert!(eager.ryw_violations > 0);
    assert!(eager.ryw_violations < 121, "{}", eager.ryw_violations);
}

#[test]
fn other_kinds_report_migration_null_and_scenarios_without_users_leave_it_out() {
    let text = two_regions(
        10,
        r#"count = 2
rate_rps = 20
travel_fraction = 1
stay_s = 3"#,
        r#"[[strategies]]
kind = "follow-the-user"
name = "follow"
[[strategies]]
kind = "active-active"
name = "aa"
"#,
    );
    let r = run_scenario(&scenario(&text), None);
    let json = serde_json::to_value(&r).unwrap();
    assert!(json["strategies"][0]["migration"].is_object());
    assert!(json["strategies"][1]["migration"].is_null());
    assert!(json["strategies"][1]
        .as_object()
        .unwrap()
        .contains_key("migration"));
    // The users' operations come from both regions: both are client regions.
    assert_eq!(r.strategies[1].per_region.len(), 2);
    let plain = crate::common::run(&pair(
        "name = \"plain\"\nduration_s = 5",
        "",
        "",
        LINK_MS,
        crate::common::PAIR_AP,
    ));
    let json = serde_json::to_value(&plain).unwrap();
    assert!(!json["strategies"][0]
        .as_object()
        .unwrap()
        .contains_key("migration"));
}

#[test]
fn seeded_trips_are_deterministic_and_depend_on_the_seed() {
    let text = two_regions(
        30,
        r#"count = 200
keys_per_user = 2
rate_rps = 400
travel_fraction = 0.5
stay_s = 5"#,
        "[[strategies]]\nkind = \"follow-the-user\"\nname = \"follow\"\n",
    );
    let sc = scenario(&text);
    let a = run_scenario(&sc, Some(1));
    let b = run_scenario(&sc, Some(1));
    let c = run_scenario(&sc, Some(2));
    assert_eq!(a.strategies, b.strategies);
    let count =
        |r: &geosim::report::Report| r.strategies[0].migration.clone().unwrap().unwrap().count;
    assert_ne!(a.strategies, c.strategies);
    // 100 +- 7 travellers; those who leave in the last 5 s are not back: <= 2 moves each.
    assert!(count(&a) > 100 && count(&a) <= 2 * 200, "{}", count(&a));
}

/// The problems of a scenario that must not validate, as text.
fn problems(text: &str) -> String {
    match scenario::from_str(text, Format::Toml, Path::new("bad.toml")) {
        Ok(_) => panic!("validated"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_users_and_strategy_settings_name_their_field() {
    let follow = "[[strategies]]\nkind = \"follow-the-user\"\nname = \"f\"\n";
    let cases: [(&str, &str, &str); 7] = [
        (
            "count = 2\nrate_rps = 1\ntrips = [{ user = 2, to = \"s\", at_s = 1 }]",
            follow,
            "workload.users.trips[0].user",
        ),
        (
            "count = 1\nrate_rps = 1\nhomes = [\"p\"]\ntrips = [{ user = 0, to = \"s\", at_s = 1, back_s = 5 }, { user = 0, to = \"s\", at_s = 3 }]",
            follow,
            "workload.users.trips[1].at_s",
        ),
        (
            "count = 1\nrate_rps = 1\nhomes = [\"p\"]\ntrips = [{ user = 0, to = \"p\", at_s = 1 }]",
            follow,
            "workload.users.trips[0].to",
        ),
        (
            "count = 1\nrate_rps = 1\ntravel_fraction = 0.5",
            follow,
            "workload.users.stay_s",
        ),
        (
            "count = 1\nrate_rps = 1\nhomes = [\"q\"]",
            follow,
            "workload.users.homes[0]",
        ),
        (
            "count = 0\nrate_rps = 1",
            follow,
            "workload.users.count",
        ),
        (
            "count = 1\nrate_rps = 1",
            "[[strategies]]\nkind = \"follow-the-user\"\nname = \"f\"\nhome = \"fixed\"\nhandoff = \"eager\"\n",
            "strategies[0].handoff",
        ),
    ];
    for (users, strategies, field) in cases {
        let p = problems(&two_regions(10, users, strategies));
        assert!(p.contains(field), "{field}: {p}");
    }
    // Without users the strategy has nothing to follow.
    let no_users = pair(
        "name = \"x\"\nduration_s = 5",
        "",
        "",
        LINK_MS,
        &format!("[[workload.clients]]\nregion = \"p\"\nrate_rps = 1\n{follow}"),
    );
    assert!(problems(&no_users).contains("strategies[0].kind"));
    // The command line exits 2 and names the field.
    let dir = crate::common::root()
        .join("target")
        .join("it-follow-the-user");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(&path, &no_users).unwrap();
    let o = geosim(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("strategies[0].kind"));
}

#[test]
fn a_lost_claim_or_handoff_is_claimed_again_until_the_user_has_moved() {
    // One user (3 keys of 500 bytes) at home in `p` moves to `s` at 2 s for good; every case
    // loses the first claim or its handoff. Hand count: the claimant fails what waited and
    // claims again 2 s after each claim (or as soon as it is back up), the user moves exactly
    // once, and every handoff `p` ships is counted in `bytes` (64 + 3 x 500 each). No
    // operation fails for good: an operation waits at most two claim timeouts (the third
    // claim is the first delivered in the outage case), and each failed attempt is retried
    // within 100 (then 200) ms of backoff, before its client runs out of its two retries.
    let data = HEADER_BYTES + 3 * 500;
    let cases: [(&str, &str, u64, u64); 4] = [
        // The claim (s -> p, sent at ~2.0 s) is cut; the second claim, at ~4.0 s, passes.
        (
            "claim cut by a partition",
            r#"kind = "partition"
a = ["p"]
b = ["s"]
start_s = 1.9
duration_s = 1.0"#,
            100,
            1,
        ),
        // The claim passes, the handoff (p -> s) is cut: `p` ships it again on the second
        // claim.
        (
            "handoff cut by a one-way partition",
            r#"kind = "partition"
a = ["p"]
b = ["s"]
one_way = true
start_s = 1.9
duration_s = 1.0"#,
            100,
            2,
        ),
        // The old home is down from 2.005 s to 5.005 s: the claims of ~2.0 s and ~4.0 s reach
        // it while it is down; the third, at ~6.0 s, is delivered.
        (
            "old home down",
            r#"kind = "region-outage"
region = "p"
start_s = 2.005
duration_s = 3.0"#,
            100,
            1,
        ),
        // At 500 ops/s the claim leaves `s` before 2.02 s (all but e^-10 of the time) and
        // reaches `p` before 2.06 s, when `s` goes down for 3 s: the handoff meets a dead
        // region, and the claim's timeout, due while `s` is down, never fires. Back up at
        // 5.06 s, `s` claims again and `p` ships again.
        (
            "claimant down",
            r#"kind = "region-outage"
region = "s"
start_s = 2.06
duration_s = 3.0"#,
            500,
            2,
        ),
    ];
    for (what, fault, rate, shipped) in cases {
        let users = format!(
            r#"count = 1
keys_per_user = 3
value_bytes = 500
rate_rps = {rate}
read_fraction = 0.5
homes = ["p"]
trips = [{{ user = 0, to = "s", at_s = 2 }}]"#
        );
        let strategies = format!(
            "[[strategies]]\nkind = \"follow-the-user\"\nname = \"follow\"\n[[faults]]\n{fault}\n"
        );
        let sc = scenario(&two_regions(20, &users, &strategies));
        let r = run_scenario(&sc, None);
        let st = &r.strategies[0];
        let mig = st.migration.clone().unwrap().unwrap();
        assert_eq!(mig.count, 1, "{what}");
        assert_eq!(mig.bytes, shipped * data, "{what}");
        assert_eq!(st.ops.failed, 0, "{what}");
        // After the move the user is served in `s`: most of its operations there are local.
        let m = geosim::sim::run_full(&sc, 0, 5).metrics;
        let s = sc.topology.find("s").unwrap() as usize;
        let p50 = m.per_region[s][OpKind::Read as usize].quantile_ms(0.5);
        assert!(
            (p50 - 2.0 * INTRA_MS).abs() < 0.02 * 2.0 * INTRA_MS,
            "{what}: {p50}"
        );
    }
}

/// Regions `p` and `s`, 0 ms inside a region (an answer reaches its client the instant it is
/// sent) and 40 ms apart, with `rest` (workload, strategies, faults) after them.
fn two_instant_regions(rest: &str) -> String {
    format!(
        r#"name = "ftu-empty"
seed = 5
duration_s = 20
drain_s = 5
[[regions]]
name = "p"
lat = 0.0
lon = 0.0
intra_ms = 0.0
[[regions]]
name = "s"
lat = 0.0
lon = 10.0
intra_ms = 0.0
[[links]]
from = "p"
to = "s"
latency = 40.0
{rest}"#
    )
}

/// `p` is down from 10 s to 11 s and comes back with `recover`.
fn p_down(recover: &str) -> String {
    format!(
        "[[faults]]\nkind = \"region-outage\"\nregion = \"p\"\nrecover = \"{recover}\"\nstart_s = 10\nduration_s = 1\n"
    )
}

#[test]
fn a_home_that_comes_back_empty_loses_every_write_acknowledged_into_it() {
    // One user at home in `p` and a client group at `p` (its keys homed at `default_home`,
    // `p`) only write, and nothing else happens: every write is acknowledged by `p`, the one
    // copy of its key. `p` is down 10-11 s. Hand count: `empty` loses every write that
    // succeeded before the outage (those issued in the first 10 s: an answer reaches its
    // client the instant it is sent), all acknowledged, from the first (a few ms after 0) to
    // the last (a few ms before 10 s); `follow` and `fixed` alike (the user never moves);
    // `durable` loses none. Before the fix: `rpo` null, nothing lost.
    let workload = r#"[[workload.clients]]
region = "p"
rate_rps = 20
read_fraction = 0.0
keys = 10
[workload.users]
count = 1
keys_per_user = 4
rate_rps = 100
read_fraction = 0.0
homes = ["p"]
[[strategies]]
kind = "follow-the-user"
name = "follow"
[[strategies]]
kind = "follow-the-user"
name = "fixed"
home = "fixed"
"#;
    for recover in ["empty", "durable"] {
        let r = crate::common::run(&two_instant_regions(&format!(
            "{workload}{}",
            p_down(recover)
        )));
        for st in &r.strategies {
            let what = format!("{} {recover}", st.name);
            let before: u64 = st.timeline.succeeded[..10].iter().sum();
            assert!(before > 1000, "{what}: {before}");
            let rpo = st.rpo.as_ref().expect("rpo applies to follow-the-user");
            assert_eq!(rpo.unacknowledged_lost, 0, "{what}");
            if recover == "empty" {
                assert_eq!(rpo.lost_writes, before, "{what}");
                // 120 writes/s: a gap of 50 ms at either end has probability e^-6.
                assert!(
                    rpo.max_span_s > 9.9 && rpo.max_span_s < 10.0,
                    "{what}: {}",
                    rpo.max_span_s
                );
                assert_eq!(st.faults[0].lost_writes, Some(before), "{what}");
            } else {
                assert_eq!((rpo.lost_writes, rpo.max_span_s), (0, 0.0), "{what}");
            }
        }
    }
}

#[test]
fn a_user_who_moved_away_loses_nothing_when_the_old_home_comes_back_empty() {
    // The user (at home in `p`, writes only) logs in from `s` at 5 s for good: the data moves
    // to `s`, and `p` keeps only the stale copy of the user's last stay. `p` coming back
    // empty loses none of the user's writes (the client group only reads, at `s`, keys homed
    // there). `fixed` keeps the data at `p`: it loses the writes acknowledged there.
    let rest = format!(
        r#"[[workload.clients]]
region = "s"
rate_rps = 5
read_fraction = 1.0
keys = 10
[workload.users]
count = 1
keys_per_user = 4
rate_rps = 100
read_fraction = 0.0
homes = ["p"]
trips = [{{ user = 0, to = "s", at_s = 5 }}]
[[strategies]]
kind = "follow-the-user"
name = "follow"
default_home = "s"
[[strategies]]
kind = "follow-the-user"
name = "fixed"
home = "fixed"
default_home = "s"
{}"#,
        p_down("empty")
    );
    let r = crate::common::run(&two_instant_regions(&rest));
    let (follow, fixed) = (&r.strategies[0], &r.strategies[1]);
    assert_eq!(follow.migration.clone().unwrap().unwrap().count, 1);
    assert_eq!(follow.rpo.as_ref().unwrap().lost_writes, 0);
    assert_eq!(follow.consistency.stale_reads, 0);
    // At least the writes of the first 5 s (made at `p`), about 500.
    let at_p: u64 = fixed.timeline.succeeded[..5].iter().sum();
    assert!(fixed.rpo.as_ref().unwrap().lost_writes > at_p, "{at_p}");
}

#[test]
fn reads_after_an_empty_recovery_see_the_wiped_copy_and_are_stale() {
    // Keys 0-3, homed at `p` (`default_home`), are written from `s` (forwarded to `p`) and
    // read at `p`. From 9 s on `p` and `s` are cut apart for good (no write reaches `p`
    // again); `p` is down 10-11 s. Every key was written before (about 900 writes over 4
    // keys). Without retries, a read issued while `p` is down fails. Hand count: with
    // `empty`, every read that succeeds after the outage (issued from 11 s on) returns the
    // wiped copy (version 0), older than the version acknowledged before: stale, all of them
    // (the users, which the strategy needs, issue about 2e-5 operations in the run: none);
    // with `durable`, none. Before the fix: 0 stale reads.
    let workload = r#"[clients]
retries = 0
[[workload.clients]]
region = "s"
rate_rps = 100
read_fraction = 0.0
keys = 4
[[workload.clients]]
region = "p"
rate_rps = 50
read_fraction = 1.0
keys = 4
[workload.users]
count = 1
rate_rps = 0.000001
homes = ["s"]
[[strategies]]
kind = "follow-the-user"
name = "follow"
default_home = "p"
[[faults]]
kind = "partition"
a = ["p"]
b = ["s"]
start_s = 9
duration_s = 20
"#;
    for recover in ["empty", "durable"] {
        let r = crate::common::run(&two_instant_regions(&format!(
            "{workload}{}",
            p_down(recover)
        )));
        let st = &r.strategies[0];
        let after: u64 = st.timeline.succeeded[11..].iter().sum();
        assert!(after > 400, "{recover}: {after}");
        // Nothing issued at 10 s (p down, no retries) or by `s` from 9 s on succeeded.
        assert_eq!(st.timeline.succeeded[10], 0, "{recover}");
        let stale = st.consistency.stale_reads;
        assert_eq!(
            stale,
            if recover == "empty" { after } else { 0 },
            "{recover}"
        );
    }
}

#[test]
fn versions_keep_increasing_after_an_empty_recovery() {
    // The user (at home in `p`, 4 keys, 100 ops/s, half writes) keeps writing after `p` comes
    // back empty at 11 s. A write after the loss is the newest of its key: a read is stale
    // only before its key's first write after 11 s (per key, reads and writes both come at
    // 12.5/s, so about one such read per key: mean 4; reads that failed during the outage are
    // retried 5 s later, after the keys were rewritten). Had the versions started over from
    // 1, every read after 11 s would return a version older than the ~125 of its key
    // acknowledged before the loss (~450 stale reads).
    let rest = format!(
        r#"[[workload.clients]]
region = "p"
rate_rps = 1
read_fraction = 1.0
keys = 1
[workload.users]
count = 1
keys_per_user = 4
rate_rps = 100
read_fraction = 0.5
homes = ["p"]
[[strategies]]
kind = "follow-the-user"
name = "follow"
{}"#,
        p_down("empty")
    );
    let r = crate::common::run(&two_instant_regions(&rest));
    let st = &r.strategies[0];
    assert!(st.rpo.as_ref().unwrap().lost_writes > 400);
    let stale = st.consistency.stale_reads;
    assert!(stale > 0 && stale < 40, "{stale}");
    // The user reads its own lost writes as missing: each stale read is also a
    // read-your-writes violation.
    let ryw = st.migration.clone().unwrap().unwrap().ryw_violations;
    assert_eq!(ryw, stale);
}

#[test]
fn an_old_home_that_dies_with_the_handoff_in_flight_and_comes_back_empty_loses_the_users_data() {
    // The user (at home in `p`, writes only) logs in from `s` at 5 s; its first operation
    // there claims it (in the first 20 ms but for e^-2 of the time), `p` ships the data and
    // goes down at 5.06 s, before the handoff (40 ms on the wire) or the claim arrives; the
    // handoff dies with it. Back empty at 6.06 s, `p` answers the claim `s` sends again 2 s
    // after the first with the wiped copy: the move completes, and every write the user made
    // at home (issued in the first 5 s) is lost; those made after the move are kept. Before
    // the fix: nothing lost.
    let rest = r#"[[workload.clients]]
region = "s"
rate_rps = 0.000001
keys = 1
[workload.users]
count = 1
keys_per_user = 4
rate_rps = 100
read_fraction = 0.0
homes = ["p"]
trips = [{ user = 0, to = "s", at_s = 5 }]
[[strategies]]
kind = "follow-the-user"
name = "follow"
default_home = "s"
[[faults]]
kind = "region-outage"
region = "p"
recover = "empty"
start_s = 5.06
duration_s = 1
"#;
    let r = crate::common::run(&two_instant_regions(rest));
    let st = &r.strategies[0];
    assert_eq!(st.migration.clone().unwrap().unwrap().count, 1);
    let at_home: u64 = st.timeline.succeeded[..5].iter().sum();
    assert!(at_home > 400, "{at_home}");
    let rpo = st.rpo.as_ref().unwrap();
    assert_eq!((rpo.lost_writes, rpo.unacknowledged_lost), (at_home, 0));
}
