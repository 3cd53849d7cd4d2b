//! Settings that change nothing in the scenario at hand are listed in the report's warnings
//! (the companion of `noops.rs`): a sloppy quorum with no region to stand in, a time of day
//! nothing reads, retry settings in a run that never retries, read repair with one replica,
//! synchronous replication with no standby, an edge cache with no edge, an eager handoff with
//! nobody travelling, a failover share or bulkhead that nothing fails over to. Each is shown
//! to change nothing (or nothing it promises) against a run without it, and the warning to go
//! where the setting matters.

use crate::common::{run, scenario};
use crate::noops::{three, warnings, LOAD};

/// A sloppy quorum whose replicas are every region has no region to stand in for a suspected
/// replica: under a partition it fails exactly the writes the strict quorum fails, and it
/// says so in the warnings; with one region to spare, the same partition fails fewer.
#[test]
fn a_sloppy_quorum_over_every_region_is_a_warning() {
    let quorum = |name: &str, n: u32, sloppy: bool, replicas: &str| {
        format!(
            "[[strategies]]\nkind = \"quorum\"\nname = \"{name}\"\nn = {n}\nr = 1\nw = {n}\nsloppy = {sloppy}\n{replicas}\n"
        )
    };
    // The two-replica quorums keep their copies at the clients' region and the cut-off one.
    let two = "replicas = [\"us-east-1\", \"ap-northeast-1\"]";
    let strategies = [
        quorum("strict3", 3, false, ""),
        quorum("sloppy3", 3, true, ""),
        quorum("strict2", 2, false, two),
        quorum("sloppy2", 2, true, two),
    ]
    .concat();
    let text = three(
        "duration_s = 30\ndrain_s = 10\nseed = 4\n[detection]\nheartbeat_ms = 100\ntimeout_ms = 500\n\
         [clients]\ntimeout_ms = 1000\nretries = 3\nbackoff_ms = 100",
        &format!(
            "{LOAD}{strategies}[[faults]]\nkind = \"partition\"\na = [\"ap-northeast-1\"]\nb = [\"us-east-1\", \"eu-west-1\"]\n\
             start_s = 5\nduration_s = 15\n"
        ),
    );
    let r = run(&text);
    let w = warnings(&r);
    let sloppy: Vec<_> = w.iter().filter(|x| x.0.ends_with(".sloppy")).collect();
    assert_eq!(sloppy.len(), 1, "{w:?}");
    assert_eq!(sloppy[0].0, "strategies[1].sloppy");
    assert!(
        sloppy[0].2.contains("n = 3 of 3 regions"),
        "{}",
        sloppy[0].2
    );
    let failed = |i: usize| r.strategies[i].ops.failed;
    let hinted = |i: usize| r.strategies[i].extra.get("hinted_writes").copied();
    // Every region a replica: nothing to stand in, the same writes fail as without.
    assert!(failed(0) > 0);
    assert_eq!(failed(1), failed(0));
    assert_eq!(hinted(1), Some(0.0));
    // One region to spare: eu-west-1 stands in for the cut-off replica.
    assert!(hinted(3).unwrap() > 0.0, "{:?}", hinted(3));
    assert!(failed(3) < failed(2), "{} vs {}", failed(3), failed(2));
}

/// `start_utc_h` is read only by daily profiles and follow-the-sun shifts: without either it
/// changes nothing (the same strategies' report at 9 h as at 0 h) and is a warning; with a
/// daily profile it moves the load and is not.
#[test]
fn a_start_time_of_day_that_nothing_reads_is_a_warning() {
    let strategy = "[[strategies]]\nkind = \"multi-master\"\nname = \"mm\"\n";
    let flat = |h: f64| {
        three(
            &format!("duration_s = 20\nseed = 2\nstart_utc_h = {h}"),
            &format!("{LOAD}{strategy}"),
        )
    };
    let (at0, at9) = (run(&flat(0.0)), run(&flat(9.0)));
    let json = |r: &geosim::report::Report| serde_json::to_string(&r.strategies).unwrap();
    assert_eq!(json(&at0), json(&at9));
    assert!(warnings(&at0).is_empty(), "{:?}", warnings(&at0));
    let w = warnings(&at9);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].0, "start_utc_h");
    assert!(w[0].2.starts_with("has no effect"), "{}", w[0].2);
    // A daily profile (busy only from 09:00 UTC) reads it: no warning, and the load moves.
    let mut profile = [0.1; 24];
    profile[9] = 1.0;
    let list: Vec<String> = profile.iter().map(f64::to_string).collect();
    let daily = format!(
        "diurnal = {{ utc_offset_h = 0, profile = [{}] }}\n",
        list.join(", ")
    );
    let load = LOAD.replacen("keys = 100\n", &format!("keys = 100\n{daily}"), 1);
    let busy = |h: f64| {
        three(
            &format!("duration_s = 20\nseed = 2\nstart_utc_h = {h}"),
            &format!("{load}{strategy}"),
        )
    };
    let (quiet, rush) = (run(&busy(0.0)), run(&busy(9.0)));
    assert!(warnings(&rush).is_empty(), "{:?}", warnings(&rush));
    let ops = |r: &geosim::report::Report| r.strategies[0].ops.reads + r.strategies[0].ops.writes;
    // 20 ops/s for 20 s at the profile's peak, a tenth of that at 00:00.
    assert!(
        ops(&rush) > 5 * ops(&quiet),
        "{} vs {}",
        ops(&rush),
        ops(&quiet)
    );
}

/// Retry settings act only on an attempt given up. In a run where none is (no fault, answers
/// well inside the timeout), changed retries and backoff change nothing (the same strategy
/// report as the defaults) and are warnings, each naming its field; where an outage makes
/// attempts time out, they change the failures and no such warning is given.
#[test]
fn retry_settings_in_a_run_that_never_retries_are_a_warning() {
    let strategy =
        "[[strategies]]\nkind = \"active-passive\"\nname = \"ap\"\nprimary = \"us-east-1\"\n";
    let text = |clients: &str, faults: &str| {
        three(
            &format!("duration_s = 30\nseed = 6\n[clients]\ntimeout_ms = 1000\n{clients}"),
            &format!("{LOAD}{strategy}{faults}"),
        )
    };
    let fields = |r: &geosim::report::Report| -> Vec<String> {
        warnings(r)
            .into_iter()
            .filter(|w| w.0.starts_with("clients."))
            .map(|w| w.0)
            .collect()
    };
    let plain = run(&text("", ""));
    let tuned = run(&text("retries = 5\nbackoff_ms = 50", ""));
    let json = |r: &geosim::report::Report| serde_json::to_string(&r.strategies).unwrap();
    assert_eq!(json(&plain), json(&tuned));
    assert!(fields(&plain).is_empty(), "{:?}", fields(&plain));
    assert_eq!(fields(&tuned), ["clients.retries", "clients.backoff_ms"]);
    // The primary's region is down for 10 s: its clients' attempts time out and retry.
    let outage = "[[faults]]\nkind = \"region-outage\"\nregion = \"us-east-1\"\nstart_s = 5\nduration_s = 10\n";
    let none = run(&text("retries = 0", outage));
    let five = run(&text("retries = 5\nbackoff_ms = 50", outage));
    assert!(fields(&five).is_empty(), "{:?}", fields(&five));
    let (a, b) = (&none.strategies[0].ops, &five.strategies[0].ops);
    assert!(a.timed_out.unwrap() > 0, "{a:?}");
    assert!(b.attempts.unwrap() > a.attempts.unwrap(), "{a:?} {b:?}");
}

/// Settings with nothing to act on in the scenario at hand: read repair with one replica,
/// a synchronous primary with no standby. Each run equals its twin without the setting in
/// what the setting promises to change, and only the setting is warned about.
#[test]
fn read_repair_with_one_replica_and_sync_with_no_standby_are_warnings() {
    let q = |name: &str, repair: bool| {
        format!("[[strategies]]\nkind = \"quorum\"\nname = \"{name}\"\nn = 1\nr = 1\nw = 1\nread_repair = {repair}\n")
    };
    let text = three(
        "duration_s = 20\nseed = 3",
        &format!("{LOAD}{}{}", q("repair", true), q("plain", false)),
    );
    let r = run(&text);
    let w = warnings(&r);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].0, "strategies[0].read_repair");
    assert!(w[0].2.contains("n = 1"), "{}", w[0].2);
    let (a, b) = (&r.strategies[0], &r.strategies[1]);
    assert_eq!(a.extra.get("read_repairs").copied(), Some(0.0));
    assert_eq!(a.latency_ms.read.p99, b.latency_ms.read.p99);
    assert_eq!(a.consistency.stale_reads, b.consistency.stale_reads);

    let ap = |name: &str, mode: &str| {
        format!("[[strategies]]\nkind = \"active-passive\"\nname = \"{name}\"\nprimary = \"aws:us-east-1\"\nreplication = \"{mode}\"\n")
    };
    let text = format!(
        "duration_s = 20\nseed = 3\nregions = [\"aws:us-east-1\"]\n[[workload.clients]]\nregion = \"aws:us-east-1\"\nrate_rps = 20\nread_fraction = 0.5\nkeys = 100\n{}{}",
        ap("sync", "sync"),
        ap("async", "async")
    );
    let r = run(&text);
    let w = warnings(&r);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].0, "strategies[0].replication");
    let (a, b) = (&r.strategies[0], &r.strategies[1]);
    assert!(a.ops.writes > 100);
    assert_eq!(a.latency_ms.write.p99, b.latency_ms.write.p99);
    assert_eq!(a.latency_ms.write.mean, b.latency_ms.write.mean);
}

/// An edge cache with no region but its origin, and an eager handoff with nobody travelling:
/// twins that differ only in those settings give the same figures, and each is warned about.
#[test]
fn a_cache_with_no_edge_and_a_handoff_with_no_traveller_are_warnings() {
    let ec = |name: &str, ttl: u32, invalidate: bool| {
        format!("[[strategies]]\nkind = \"edge-cache\"\nname = \"{name}\"\norigin = \"aws:eu-west-1\"\nttl_s = {ttl}\ncapacity = 10\ninvalidate = {invalidate}\n")
    };
    let one = "duration_s = 20\nseed = 3\nregions = [\"aws:eu-west-1\"]\n[[workload.clients]]\nregion = \"aws:eu-west-1\"\nrate_rps = 50\nread_fraction = 0.8\nkeys = 100\n";
    let r = run(&format!(
        "{one}{}{}",
        ec("short", 1, true),
        ec("long", 60, false)
    ));
    let w = warnings(&r);
    let fields: Vec<&str> = w.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(
        fields,
        ["strategies[0].origin", "strategies[1].origin"],
        "{w:?}"
    );
    let (a, b) = (&r.strategies[0], &r.strategies[1]);
    assert!(a.ops.reads > 500);
    assert_eq!(a.latency_ms.read.p99, b.latency_ms.read.p99);
    assert_eq!(a.consistency.stale_reads, b.consistency.stale_reads);

    let fu = |name: &str, handoff: &str| {
        format!("[[strategies]]\nkind = \"follow-the-user\"\nname = \"{name}\"\nhandoff = \"{handoff}\"\n")
    };
    let text = format!(
        "duration_s = 20\nseed = 3\nregions = [\"aws:eu-west-1\", \"aws:us-east-1\"]\n[[workload.clients]]\nregion = \"aws:eu-west-1\"\nrate_rps = 20\nkeys = 100\n[workload.users]\ncount = 10\nrate_rps = 20\n{}{}",
        fu("eager", "eager"),
        fu("safe", "safe")
    );
    let r = run(&text);
    let w = warnings(&r);
    let fields: Vec<&str> = w.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(fields, ["strategies[0].handoff"], "{w:?}");
    let (a, b) = (&r.strategies[0], &r.strategies[1]);
    assert!(a.ops.reads > 300);
    assert_eq!(a.latency_ms.read.p99, b.latency_ms.read.p99);
    assert_eq!(a.latency_ms.write.p99, b.latency_ms.write.p99);
}

/// Two regions with a capacity each, clients in both, two multi-master strategies, the second
/// with its own bulkhead; `extra` is appended (faults, settings).
fn stations(share: &str, bulkhead: &str, queue: &str, extra: &str) -> String {
    let cap = |more: &str| {
        format!("capacity = {{ servers = 2, service_ms = {{ dist = \"exponential\", mean_ms = 5 }}{queue}{more} }}")
    };
    let group = |r: &str| {
        format!("[[workload.clients]]\nregion = \"{r}\"\nrate_rps = 150\nread_fraction = 0.8\nkeys = 100\n")
    };
    format!(
        "duration_s = 20\nseed = 3\n\
         [[regions]]\nname = \"aws:eu-west-1\"\n{}\n[[regions]]\nname = \"aws:us-east-1\"\n{}\n{}{}\
         [[strategies]]\nkind = \"multi-master\"\nname = \"open\"\n\
         [[strategies]]\nkind = \"multi-master\"\nname = \"walled\"\n{bulkhead}\n{extra}",
        cap(share),
        cap(""),
        group("aws:eu-west-1"),
        group("aws:us-east-1"),
    )
}

/// `failover_share` and `bulkhead` limit only failed-over requests (clients served outside
/// their own region: rerouted after an outage, a sticky session, enforced residency). With
/// none of those, or in one region, or with every strategy overriding the share, or where a
/// station with `queue_limit = 0` sheds first anyway, twins that differ only in those
/// settings give the same figures, and each setting is warned about; with an outage that
/// reroutes clients onto the limited region, they shed requests and are not.
#[test]
fn a_failover_share_or_bulkhead_nothing_fails_over_to_is_a_warning() {
    let (share, bulkhead) = (", failover_share = 0.5", "bulkhead = 0.5");
    let fields = |r: &geosim::report::Report| -> Vec<String> {
        warnings(r).into_iter().map(|w| w.0).collect()
    };
    // The strategies' figures; `shed` is 0 with a limit that can shed and null without one.
    let figures = |r: &geosim::report::Report| {
        let mut v = serde_json::to_value(&r.strategies).unwrap();
        for s in v.as_array_mut().unwrap() {
            for region in s["serving"].as_array_mut().unwrap() {
                region["shed"] = serde_json::Value::Null;
            }
        }
        v
    };
    // No fault: every client is served at home.
    let limited = run(&stations(share, bulkhead, "", ""));
    let plain = run(&stations("", "", "", ""));
    assert_eq!(
        fields(&limited),
        [
            "regions[0].capacity.failover_share",
            "strategies[1].bulkhead"
        ]
    );
    assert!(fields(&plain).is_empty(), "{:?}", fields(&plain));
    assert!(limited.strategies[0].ops.reads > 3000);
    assert_eq!(figures(&limited), figures(&plain));
    let w = warnings(&limited);
    assert!(
        w[0].2
            .starts_with("has no effect: no client of another region is ever served here"),
        "{}",
        w[0].2
    );
    assert_eq!(w[1].1.as_deref(), Some("walled"));

    // us-east-1 goes down and its clients are rerouted to eu-west-1: both limits shed there.
    let outage = "[clients]\nreroute_after_s = 1\n[[faults]]\nkind = \"region-outage\"\nregion = \"aws:us-east-1\"\nstart_s = 5\nduration_s = 10\n";
    let limited = run(&stations(share, bulkhead, "", outage));
    let plain = run(&stations("", "", "", outage));
    assert!(fields(&limited).is_empty(), "{:?}", fields(&limited));
    for j in 0..2 {
        let shed = limited.strategies[j].serving[0].shed.unwrap();
        assert!(shed > 100, "{j}: {shed}");
        assert_eq!(plain.strategies[j].serving[0].shed, None);
        assert!(limited.strategies[j].ops.failed > plain.strategies[j].ops.failed);
    }

    // With no room to wait (queue_limit = 0) and a share that admits both servers, the full
    // station sheds every request the share would: the same figures, `shed` included.
    let (all, zero) = (", failover_share = 1", ", queue_limit = 0");
    let limited = run(&stations(all, "bulkhead = 1", zero, outage));
    let plain = run(&stations("", "", zero, outage));
    assert_eq!(
        fields(&limited),
        [
            "regions[0].capacity.failover_share",
            "strategies[1].bulkhead"
        ]
    );
    assert!(plain.strategies[0].serving[0].shed.unwrap() > 100);
    assert_eq!(
        serde_json::to_value(&limited.strategies).unwrap(),
        serde_json::to_value(&plain.strategies).unwrap()
    );

    // The share overridden by every strategy, and a share in a one-region scenario.
    let both = stations(share, bulkhead, "", outage).replacen(
        "name = \"open\"\n",
        "name = \"open\"\nbulkhead = 0.5\n",
        1,
    );
    let w = scenario(&both).warnings;
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].field, "regions[0].capacity.failover_share");
    assert!(
        w[0].message.contains("every strategy overrides it"),
        "{}",
        w[0].message
    );
    let one = "duration_s = 10\n[[regions]]\nname = \"aws:eu-west-1\"\n\
               capacity = { servers = 2, service_ms = 5, failover_share = 0.5 }\n\
               [[workload.clients]]\nregion = \"aws:eu-west-1\"\nrate_rps = 10\n\
               [[strategies]]\nkind = \"multi-master\"\nname = \"mm\"\n";
    let w = scenario(one).warnings;
    let got: Vec<(&str, &str)> = w
        .iter()
        .map(|x| (x.field.as_str(), x.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [(
            "regions[0].capacity.failover_share",
            "has no effect in a one-region scenario: no client is served outside its own region"
        )]
    );

    // Without any fault, clients of us-east-1 are served at eu-west-1 when a sticky session
    // reads where its last write was created (the primary), and when enforced residency keeps
    // their keys in the EU: the share sheds there, and is not warned about.
    let away = |rest: &str| {
        format!(
            "duration_s = 20\nseed = 3\n[[regions]]\nname = \"aws:eu-west-1\"\n\
             capacity = {{ servers = 1, service_ms = {{ dist = \"exponential\", mean_ms = 5 }}, failover_share = 0.5 }}\n\
             [[regions]]\nname = \"aws:us-east-1\"\n\
             [[workload.clients]]\nregion = \"aws:us-east-1\"\nrate_rps = 150\nread_fraction = 0.8\nkeys = 100\n{rest}"
        )
    };
    let sticky = run(&away(
        "sessions = 50\nthink_time_ms = 10\n[clients]\nsession_routing = \"sticky\"\n\
         [[strategies]]\nkind = \"active-passive\"\nname = \"ap\"\nprimary = \"aws:eu-west-1\"\nread_from = \"local\"\n",
    ));
    let enforced = run(&away(
        "data_class = \"eu\"\n[[data_classes]]\nname = \"eu\"\nallowed_jurisdictions = [\"EU\"]\n\
         [[strategies]]\nkind = \"multi-master\"\nname = \"mm\"\nresidency = \"enforce\"\n",
    ));
    for r in [&sticky, &enforced] {
        assert!(
            !fields(r).iter().any(|f| f.contains("failover_share")),
            "{:?}",
            fields(r)
        );
        assert!(r.strategies[0].serving[0].shed.unwrap() > 100);
    }
}
