//! Cost, residency, the region catalogue and SLOs.

use geosim::catalogue::{find, CATALOGUE};
use geosim::io::load_scenario;
use geosim::slo::{evaluate, Objective, Ops};
use geosim::topology::{fibre_floor_ms, great_circle_km, NetworkModel};

use crate::common::{pair, run, run_scenario, scenario, shipped, PAIR_AP, TRIANGLE};

/// Two regions, async active-passive, constant latency, different transfer prices out of
/// each region: the bytes of every message are known, so the transfer cost is too.
#[test]
fn transfer_cost_is_bytes_times_price_exactly() {
    let text = pair(
        "duration_s = 20\ndrain_s = 5",
        "inter_region_usd_per_gb = 1000.0",
        "inter_region_usd_per_gb = 3000.0",
        40.0,
        PAIR_AP,
    );
    let r = run(&text);
    let ap = r.strategy("ap").unwrap();
    let (writes, reads) = (ap.ops.writes as f64, ap.ops.reads as f64);
    // p -> s: one 164-byte replicate per write and one 64-byte answer per read;
    // s -> p: one 64-byte forward per read.
    let p_to_s = writes * 164.0 + reads * 64.0;
    let s_to_p = reads * 64.0;
    let expect = p_to_s / 1e9 * 1000.0 + s_to_p / 1e9 * 3000.0;
    let got = ap.cost.as_ref().unwrap().transfer_usd;
    assert!((got - expect).abs() < 1e-6, "{got} vs {expect}");
    assert!(expect > 0.1);
}

#[test]
fn enforce_gives_no_violations_ignore_gives_some() {
    let (sc, _) = load_scenario(&shipped("gdpr-eu-data.toml")).unwrap();
    let r = run_scenario(&sc, None);
    for s in &r.strategies {
        let res = s.residency.as_ref().unwrap();
        if s.name.ends_with("enforce") {
            assert!(res.enforced);
            assert_eq!(res.violations, 0, "{}", s.name);
            assert_eq!(res.bytes_outside, 0, "{}", s.name);
        }
    }
    let ignore = r.strategy("mm-ignore").unwrap().residency.clone().unwrap();
    assert!(ignore.violations > 0 && ignore.keys_outside > 0 && ignore.bytes_outside > 0);
    let edge = r
        .strategy("edge-ignore")
        .unwrap()
        .residency
        .clone()
        .unwrap();
    assert!(edge.violations > 0, "{edge:?}");
    // Enforcing costs the US support team latency: their reads go to the EU.
    let us_read = |n: &str| {
        r.strategy(n)
            .unwrap()
            .region("aws:us-east-1")
            .unwrap()
            .read
            .p99
            .unwrap()
    };
    assert!(us_read("mm-enforce") > us_read("mm-ignore") + 50.0);
}

#[test]
fn a_standby_costs_less_than_an_active_replica() {
    let (sc, _) = load_scenario(&shipped("cost-vs-latency.toml")).unwrap();
    let r = run_scenario(&sc, None);
    let compute = |n: &str| r.strategy(n).unwrap().cost.as_ref().unwrap().compute_usd;
    // Same regions: one primary + five warm standbys vs six active replicas.
    assert!(compute("ap-async") < compute("mm"));
    let c = r.strategy("mm").unwrap().cost.clone().unwrap();
    let sum = c.compute_usd + c.storage_usd + c.transfer_usd + c.egress_usd;
    assert!((c.total_usd - sum).abs() < 1e-5);
    assert!((c.monthly_usd - c.total_usd * 730.0 * 3600.0 / 120.0).abs() < 0.01 * c.monthly_usd);
}

#[test]
fn catalogue_regions_by_name_get_catalogue_coordinates() {
    let text = r#"
duration_s = 1
regions = ["aws:ap-south-1", { name = "gcp:europe-west3", jurisdiction = "DE" }]
[[workload.clients]]
region = "aws:ap-south-1"
rate_rps = 1
[[strategies]]
kind = "multi-master"
name = "mm"
"#;
    let sc = scenario(text);
    let mumbai = sc.topology.region(0);
    let cat = find("aws:ap-south-1").unwrap();
    assert_eq!((mumbai.lat, mumbai.lon), (cat.lat, cat.lon));
    assert_eq!(mumbai.jurisdiction, "IN");
    let fra = sc.topology.region(1);
    assert_eq!(fra.jurisdiction, "DE", "overrides win over the catalogue");
    assert_eq!(fra.lat, find("gcp:europe-west3").unwrap().lat);
}

#[test]
fn derived_rtt_between_catalogue_regions_never_beats_the_fibre_floor() {
    let model = NetworkModel::default();
    let pm = model.path_model();
    for a in CATALOGUE {
        for b in CATALOGUE {
            let km = great_circle_km(a.lat, a.lon, b.lat, b.lon);
            let path = model.derived_path(pm.as_ref(), (a.lat, a.lon), (b.lat, b.lon));
            assert!(path.km >= km * (1.0 - 1e-12), "{} {}", a.name, b.name);
            assert!(
                path.one_way_ms >= fibre_floor_ms(km),
                "{} {}",
                a.name,
                b.name
            );
        }
    }
    // And through a scenario's topology, on the route actually sampled.
    let names: Vec<String> = CATALOGUE
        .iter()
        .take(12)
        .map(|r| format!("\"{}\"", r.name))
        .collect();
    let text = format!(
        "duration_s = 1\nregions = [{}]\n[[workload.clients]]\nregion = \"aws:us-east-1\"\nrate_rps = 1\n[[strategies]]\nkind = \"multi-master\"\nname = \"mm\"\n",
        names.join(", ")
    );
    let sc = scenario(&text);
    let t = &sc.topology;
    for a in 0..t.len() as u16 {
        for b in 0..t.len() as u16 {
            if a != b {
                let floor = 2.0 * fibre_floor_ms(t.distance_km(a, b));
                assert!(t.median_rtt_ms(a, b) >= floor);
            }
        }
    }
}

#[test]
fn slo_flips_exactly_at_the_threshold() {
    let (sc, _) = load_scenario(&shipped("three-regions.toml")).unwrap();
    let r = run_scenario(&sc, None);
    let s = r.strategy("ap-async").unwrap();
    let p99 = s.region("eu-west-1").unwrap().write.p99.unwrap();
    let objective = |max_ms: f64| Objective::Latency {
        op: Ops::Write,
        percentile: "p99".into(),
        max_ms,
        region: Some("eu-west-1".into()),
    };
    assert!(evaluate(&[objective(p99)], s).objectives[0].pass);
    let fail = evaluate(&[objective(p99 - 0.001)], s);
    assert!(!fail.objectives[0].pass);
    assert!(
        fail.verdict
            .starts_with("meets 0 of 1: p99 write in eu-west-1 is"),
        "{}",
        fail.verdict
    );
    let avail = |min: f64| Objective::Availability { op: Ops::All, min };
    assert!(evaluate(&[avail(1.0)], s).objectives[0].pass);
    let stale = s.consistency.stale_read_rate.unwrap();
    assert!(evaluate(&[Objective::StaleReads(stale)], s).objectives[0].pass);
    assert!(!evaluate(&[Objective::StaleReads(stale - 1e-6)], s).objectives[0].pass);
    let monthly = s.cost.as_ref().unwrap().monthly_usd;
    assert!(evaluate(&[Objective::Budget(monthly)], s).objectives[0].pass);
    assert!(!evaluate(&[Objective::Budget(monthly - 0.01)], s).objectives[0].pass);
}

#[test]
fn enforce_keeps_other_strategies_inside_the_class_too() {
    let text = std::fs::read_to_string(shipped("gdpr-eu-data.toml")).unwrap();
    let extra = r#"
[[strategies]]
kind = "active-passive"
name = "ap-enforce"
primary = "aws:eu-west-1"
residency = "enforce"

[[strategies]]
kind = "active-passive"
name = "ap-ignore"
primary = "aws:eu-west-1"

[[strategies]]
kind = "active-active"
name = "aa-enforce"
residency = "enforce"

[[strategies]]
kind = "active-active"
name = "aa-ignore"
"#;
    let r = run_scenario(&scenario(&format!("{text}{extra}")), None);
    let v = |n: &str| r.strategy(n).unwrap().residency.clone().unwrap().violations;
    assert_eq!(v("ap-enforce"), 0);
    assert_eq!(v("aa-enforce"), 0);
    assert!(v("ap-ignore") > 0);
    assert!(v("aa-ignore") > 0);
    // A primary outside the class cannot enforce it.
    let bad = format!(
        "{text}[[strategies]]\nkind = \"active-passive\"\nname = \"x\"\nprimary = \"aws:us-east-1\"\nresidency = \"enforce\"\n"
    );
    let err = geosim::scenario::from_str(
        &bad,
        geosim::scenario::Format::Toml,
        std::path::Path::new("t.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("strategies[4].primary"), "{err}");
}

/// EU-class keys written only by clients in `eu-west-1`, with the serving region for their
/// writes in `us-east-1` and a third member in `ap-northeast-1` (three-regions, constant
/// links, no faults): each write is one forward EU -> US and one copy US -> AP outside the
/// class (the copy US -> EU stays inside), so the violations are exactly 2 x writes, each
/// message `64 + 100` bytes.
fn eu_keys_served_from_the_us(strategy: &str) -> String {
    format!(
        r#"name = "residency-hand-count"
seed = 3
duration_s = 30
drain_s = 10
start_utc_h = 17.0
{regions}
[[links]]
from = "us-east-1"
to = "eu-west-1"
latency = 40.0
[[links]]
from = "us-east-1"
to = "ap-northeast-1"
latency = 80.0
[[links]]
from = "eu-west-1"
to = "ap-northeast-1"
latency = 110.0
[[data_classes]]
name = "eu-personal"
allowed_jurisdictions = ["EU"]
[[workload.clients]]
region = "eu-west-1"
rate_rps = 40
read_fraction = 0.0
keys = 10
value_bytes = 100
data_class = "eu-personal"
{strategy}"#,
        regions = crate::common::THREE_REGIONS
    )
}

fn hand_counted_violations(strategy: &str, name: &str) {
    hand_counted_with(strategy, name, "", 0);
}

/// As above, plus `snapshots` snapshots to AP of the 10 (by then all written) keys: 10
/// violations of 16 bytes each per snapshot.
fn hand_counted_with(strategy: &str, name: &str, faults: &str, snapshots: u64) {
    let r = run(&format!(
        "{}\n{faults}",
        eu_keys_served_from_the_us(strategy)
    ));
    let s = r.strategy(name).unwrap();
    let writes = s.ops.writes;
    assert!(writes > 1000, "{writes}");
    assert_eq!(s.ops.failed, 0, "every write completes");
    let res = s.residency.clone().unwrap();
    assert!(!res.enforced);
    assert_eq!(
        res.violations,
        2 * writes + 10 * snapshots,
        "{name}: {res:?}"
    );
    assert_eq!(
        res.bytes_outside,
        2 * writes * 164 + 160 * snapshots,
        "{name}: {res:?}"
    );
    assert_eq!(res.keys_outside, 10, "{name}: {res:?}");
}

/// AP (Tokyo) is down from 10 s to 15 s: the async log entries sent to it meanwhile are
/// still counted when sent (2 x writes as before), and when it comes back it asks the
/// primary (US) for one snapshot, which carries all 10 EU keys outside the class.
const AP_OUTAGE: &str = "[[faults]]\nkind = \"region-outage\"\nregion = \"ap-northeast-1\"\nstart_s = 10\nduration_s = 5\n";

#[test]
fn snapshots_count_each_restricted_key_they_carry() {
    hand_counted_with(
        "[[strategies]]\nkind = \"active-passive\"\nname = \"ap\"\nprimary = \"us-east-1\"\n",
        "ap",
        AP_OUTAGE,
        1,
    );
    hand_counted_with(
        "[[strategies]]\nkind = \"follow-the-sun\"\nname = \"fts\"\n\
         [[strategies.shifts]]\nregion = \"ap-northeast-1\"\nstart_utc_h = 0\n\
         [[strategies.shifts]]\nregion = \"eu-west-1\"\nstart_utc_h = 8\n\
         [[strategies.shifts]]\nregion = \"us-east-1\"\nstart_utc_h = 16\n",
        "fts",
        AP_OUTAGE,
        1,
    );
}

/// Consensus: the forward to the US leader and the `Append` to the AP member carry the value
/// (issue 11, item 6: they used to be sent uncounted).
#[test]
fn consensus_counts_forwards_and_appends_outside_the_class() {
    hand_counted_violations(
        "[[strategies]]\nkind = \"consensus\"\nname = \"raft\"\nleader = \"us-east-1\"\n",
        "raft",
    );
}

/// Follow-the-sun with the US on shift (16-24 UTC; the run is at 17 UTC): the forward to
/// the primary and its replication to AP carry the value.
#[test]
fn follow_the_sun_counts_forwards_and_replication_outside_the_class() {
    hand_counted_violations(
        "[[strategies]]\nkind = \"follow-the-sun\"\nname = \"fts\"\n\
         [[strategies.shifts]]\nregion = \"ap-northeast-1\"\nstart_utc_h = 0\n\
         [[strategies.shifts]]\nregion = \"eu-west-1\"\nstart_utc_h = 8\n\
         [[strategies.shifts]]\nregion = \"us-east-1\"\nstart_utc_h = 16\n",
        "fts",
    );
}

/// `op = "all"` judges reads and writes together. At `s`, 90 % reads served locally (1 + 1 =
/// 2 ms) and 10 % writes to the primary at `p` over a constant 40 ms link (1 + 40 + 40 + 1 =
/// 82 ms, async): by hand, the p50 of all operations is 2 ms, the p99 82 ms and the mean the
/// count-weighted mean. Judged on writes only, the 10 ms p50 objective would fail (82 ms);
/// judged on reads only, the 10 ms p99 objective would pass (2 ms).
#[test]
fn slo_over_all_operations_judges_reads_and_writes_together() {
    let rest = r#"[[workload.clients]]
region = "s"
rate_rps = 100
read_fraction = 0.9
keys = 10
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "p"
replication = "async"
read_from = "local"
"#;
    let r = run(&pair("duration_s = 20\ndrain_s = 5", "", "", 40.0, rest));
    let s = r.strategy("ap").unwrap();
    let rw = s.region("s").unwrap();
    assert_eq!((rw.read.p50, rw.write.p50), (Some(2.0), Some(82.0)));
    let all = |percentile: &str, max_ms: f64| Objective::Latency {
        op: Ops::All,
        percentile: percentile.into(),
        max_ms,
        region: Some("s".into()),
    };
    // Percentiles of the merged histogram: within its 3 significant digits (0.1 %).
    let near = |v: Option<f64>, want: f64| (v.unwrap() - want).abs() <= want * 1e-3;
    let p50 = evaluate(&[all("p50", 10.0)], s);
    assert!(p50.objectives[0].pass, "{p50:?}");
    assert!(near(p50.objectives[0].measured, 2.0), "{p50:?}");
    let p99 = evaluate(&[all("p99", 10.0)], s);
    assert!(!p99.objectives[0].pass, "{p99:?}");
    assert!(near(p99.objectives[0].measured, 82.0), "{p99:?}");
    let (nr, nw) = (rw.read.count as f64, rw.write.count as f64);
    let mean = (2.0 * nr + 82.0 * nw) / (nr + nw);
    let m = evaluate(&[all("mean", 100.0)], s).objectives[0]
        .measured
        .unwrap();
    assert!((m - mean).abs() < 1e-3, "{m} vs {mean}");
}

/// The default `data_gb` is one copy of everything the workload can write, the travelling
/// users' keys included, and each strategy holds the copies of docs/cost.md's roles table.
/// Regions `a`, `b`, `c` (`TRIANGLE`, default prices: multiplier 1.0, $0.384 an instance-hour),
/// 1 h. A group at `c` writes keys 0..10 at 100 bytes (1,000 B); 99,999 users at home in `a`
/// own 10 keys each at 1,024 bytes, after the group's (999,990 keys, 1,023,989,760 B); user 0
/// travels to `b`. One copy: 1,023,990,760 B = 1.02399076 GB; the key space is 1,000,000. At
/// $730 a GB-month, $1 a GB-hour: storage over 1 h = copies x 1.02399076.
/// - `ap` (primary `a`, standbys `b`, `c`): 3 copies = $3.07197228; 4 + 2 + 2 instances = $3.072.
/// - `mm`: 3 replicas, 3 copies = $3.07197228; 12 instances = $4.608.
/// - `ftu` (both modes): servers where a user can be (`a`, and `b` by the trip), the primary at
///   `default_home` (`c`, the group's region, where no user is): 1 copy = $1.02399076;
///   3 x 4 instances = $4.608.
/// - `edge` (origin `a`, caches of 250,000 entries in `b`, `c`): 1 + 2 x 250,000 / 1,000,000 =
///   1.5 copies = $1.53598614; 4 + 2 + 2 instances = $3.072.
#[test]
fn default_storage_counts_the_users_keys_and_each_strategy_its_copies() {
    let text = format!(
        r#"duration_s = 3600
drain_s = 1
{TRIANGLE}
[cost]
storage_usd_per_gb_month = 730.0
[[workload.clients]]
region = "c"
rate_rps = 0.01
keys = 10
value_bytes = 100
[workload.users]
count = 99999
keys_per_user = 10
value_bytes = 1024
rate_rps = 0.01
homes = ["a"]
trips = [{{ user = 0, to = "b", at_s = 10, back_s = 20 }}]
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "a"
[[strategies]]
kind = "multi-master"
name = "mm"
[[strategies]]
kind = "follow-the-user"
name = "ftu"
[[strategies]]
kind = "follow-the-user"
name = "ftu-fixed"
home = "fixed"
[[strategies]]
kind = "edge-cache"
name = "edge"
origin = "a"
capacity = 250000
"#
    );
    let r = run(&text);
    let gb = 1_023_990_760.0 / 1e9;
    for (name, copies, instances) in [
        ("ap", 3.0, 8.0),
        ("mm", 3.0, 12.0),
        ("ftu", 1.0, 12.0),
        ("ftu-fixed", 1.0, 12.0),
        ("edge", 1.5, 8.0),
    ] {
        let c = r.strategy(name).unwrap().cost.clone().unwrap();
        let storage = copies * gb;
        // The report rounds dollars to 6 decimals.
        assert!(
            (c.storage_usd - storage).abs() <= 5e-7,
            "{name}: {c:?} vs {storage}"
        );
        assert!(
            (c.compute_usd - instances * 0.384).abs() <= 5e-7,
            "{name}: {c:?}"
        );
    }
}

/// A quorum region stores only the keys it is a replica of: with `n = 2` over three regions,
/// every key is stored twice although all three regions run replicas (each home's two
/// nearest), so storage is 2 copies, not 3, while compute prices all three regions. By hand:
/// copies x 1 GB x $730 per GB-month x 1 h / 730 h.
#[test]
fn quorum_storage_counts_each_key_n_times_not_every_replica_region() {
    let groups: String = ["a", "b", "c"]
        .iter()
        .map(|r| format!("[[workload.clients]]\nregion = \"{r}\"\nrate_rps = 0.01\nkeys = 10\n"))
        .collect();
    let text = format!(
        "duration_s = 3600\ndrain_s = 1\n{TRIANGLE}\n[cost]\nstorage_usd_per_gb_month = 730.0\ndata_gb = 1.0\n{groups}\
         [[strategies]]\nkind = \"quorum\"\nname = \"q2\"\nn = 2\nr = 1\nw = 1\n\
         [[strategies]]\nkind = \"quorum\"\nname = \"q3\"\nn = 3\nr = 2\nw = 2\n"
    );
    let r = run(&text);
    for (name, copies) in [("q2", 2.0), ("q3", 3.0)] {
        let c = r.strategy(name).unwrap().cost.clone().unwrap();
        assert!((c.storage_usd - copies).abs() <= 5e-7, "{name}: {c:?}");
        assert!(
            (c.compute_usd - 12.0 * 0.384).abs() <= 5e-7,
            "{name}: {c:?}"
        );
    }
}
