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
    assert!(
        (follow.cost_usd - usd).abs() < 1e-11,
        "{} vs {usd}",
        follow.cost_usd
    );
    assert!(follow.cost_usd > 0.0);
    let month_s = 730.0 * 3600.0;
    assert!((follow.monthly_usd - usd * month_s / 20.0).abs() < 1e-9);
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
