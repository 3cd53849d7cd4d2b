//! Settings that change nothing, second part (after `warnings.rs`), from the fidelity audit:
//! network settings no link takes (every pair linked explicitly), faults that degrade or skew
//! nothing, retransmission with no loss, a random-fault repair time with no random fault,
//! instance counts for roles no strategy has, reads "from the primary" where every client is
//! at the primary, invalidation with no write, and probes with too few writes to probe. Each
//! is shown to change nothing against a twin without it, and to be warned about; a twin where
//! the setting does act gets no warning (so the warning is not raised blindly).

use crate::common::{pair, run};

/// Regions `p` and `s` (1 ms access each) joined by a constant 30 ms link, with `network`
/// lines of `[network]`; with `third`, a region `t` with clients and no link of its own.
fn linked(network: &str, third: bool) -> String {
    let t = if third {
        "[[regions]]\nname = \"t\"\nlat = 10.0\nlon = 40.0\nintra_ms = 1\n\
         [[workload.clients]]\nregion = \"t\"\nrate_rps = 50\nread_fraction = 0.5\nkeys = 50\n"
    } else {
        ""
    };
    format!(
        "duration_s = 20\nseed = 5\n[network]\n{network}\n\
         [[regions]]\nname = \"p\"\nlat = 0.0\nlon = 0.0\nintra_ms = 1\n\
         [[regions]]\nname = \"s\"\nlat = 0.0\nlon = 10.0\nintra_ms = 1\n\
         [[links]]\nfrom = \"p\"\nto = \"s\"\nlatency = 30\n{t}{MM}"
    )
}
use crate::noops::warnings;

fn fields(r: &geosim::report::Report) -> Vec<String> {
    warnings(r).into_iter().map(|w| w.0).collect()
}

/// Every strategy's figures, as JSON (the report's `warnings` left out).
fn figures(r: &geosim::report::Report) -> serde_json::Value {
    serde_json::to_value(&r.strategies).unwrap()
}

const MM: &str = "[[workload.clients]]\nregion = \"p\"\nrate_rps = 50\nread_fraction = 0.5\nkeys = 50\n\
                  [[workload.clients]]\nregion = \"s\"\nrate_rps = 50\nread_fraction = 0.5\nkeys = 50\n\
                  [[strategies]]\nkind = \"multi-master\"\nname = \"mm\"\n\
                  [[strategies]]\nkind = \"active-passive\"\nname = \"ap\"\nprimary = \"p\"\n";

#[test]
fn network_settings_with_every_pair_linked_are_warnings() {
    let with = |network: &str| run(&linked(network, false));
    let base = with("");
    assert!(fields(&base).is_empty(), "{:?}", warnings(&base));
    let jitter = with("variation = \"lognormal\"");
    assert_eq!(fields(&jitter), ["network.variation"]);
    assert!(warnings(&jitter)[0]
        .2
        .contains("explicit latencies take the distribution"));
    let gc = with("path = \"great-circle\"\nroute_inflation = 3\noverhead_ms = 50");
    assert_eq!(
        fields(&gc),
        [
            "network.path",
            "network.route_inflation",
            "network.overhead_ms"
        ]
    );
    // Constant links and no degraded link: messages keep their order without being told to.
    let unordered = with("fifo = false");
    assert_eq!(fields(&unordered), ["network.fifo"]);
    assert_eq!(figures(&base), figures(&jitter));
    assert_eq!(figures(&base), figures(&gc));
    assert_eq!(figures(&base), figures(&unordered));
    // The write p99 of multi-master is the constant access leg: no jitter anywhere.
    let mm = &base.strategies[0];
    assert_eq!(mm.latency_ms.write.p50, mm.latency_ms.write.p99);

    // A third region with no link of its own: derived links take both settings, no warning,
    // and the figures move.
    let three = |network: &str| run(&linked(network, true));
    let (c, l) = (
        three("variation = \"constant\""),
        three("variation = \"lognormal\""),
    );
    assert!(fields(&c).is_empty(), "{:?}", warnings(&c));
    assert!(fields(&l).is_empty(), "{:?}", warnings(&l));
    assert_ne!(figures(&c), figures(&l));
    // Lognormal derived links can reorder: `fifo = false` acts and is not warned about.
    let u = three("variation = \"lognormal\"\nfifo = false");
    assert!(fields(&u).is_empty(), "{:?}", warnings(&u));
    assert_ne!(figures(&u), figures(&l));
    let gc = three("path = \"great-circle\"\nroute_inflation = 3\noverhead_ms = 50");
    assert!(fields(&gc).is_empty(), "{:?}", warnings(&gc));
    assert_ne!(figures(&gc), figures(&l));
}

#[test]
fn faults_that_change_nothing_are_warnings() {
    let head = "duration_s = 20\nseed = 5";
    let faults = "[[faults]]\nkind = \"link-degradation\"\nfrom = \"p\"\nto = \"s\"\nstart_s = 5\nduration_s = 5\n\
                  [[faults]]\nkind = \"clock-skew\"\nregion = \"s\"\nstart_s = 5\n\
                  [[faults]]\nkind = \"link-degradation\"\nfrom = \"p\"\nto = \"s\"\nextra_latency = 0\nretransmit_ms = 50\nstart_s = 5\nduration_s = 5\n\
                  [random_faults]\nregion_mtbf_s = 1e9\nlink_mttr_s = 20\n";
    let r = run(&pair(head, "", "", 30.0, &format!("{MM}\n{faults}")));
    assert_eq!(
        fields(&r),
        [
            "faults[0]",
            "faults[1]",
            "faults[2].retransmit_ms",
            "random_faults.link_mttr_s",
            "random_faults"
        ],
        "{:?}",
        warnings(&r)
    );
    let w = warnings(&r);
    assert!(w[0].2.contains("degrades nothing"), "{}", w[0].2);
    assert!(w[1].2.contains("skews nothing"), "{}", w[1].2);
    // The same run with the faults acting (20 ms more on the link, a 500 ms skew that
    // multi-master's timestamps read, 20 % loss) moves the figures: the warnings are not
    // raised for any link degradation or skew.
    let acting = faults
        .replacen(
            "start_s = 5\nduration_s = 5\n",
            "extra_latency = 20\nstart_s = 5\nduration_s = 5\n",
            1,
        )
        .replace(
            "region = \"s\"\nstart_s = 5",
            "region = \"s\"\noffset_ms = 500\nstart_s = 5",
        )
        .replace("extra_latency = 0\n", "extra_latency = 0\nloss = 0.2\n");
    let a = run(&pair(head, "", "", 30.0, &format!("{MM}\n{acting}")));
    // (Active-passive reads no clock: the skew is warned about for it alone.)
    assert_eq!(
        fields(&a),
        ["faults[1]", "random_faults.link_mttr_s", "random_faults"],
        "{:?}",
        warnings(&a)
    );
    assert_eq!(warnings(&a)[0].1.as_deref(), Some("ap"));
    // The same run without the three faults: the same latencies and consistency.
    let twin = run(&pair(
        head,
        "",
        "",
        30.0,
        &format!("{MM}\n[random_faults]\nregion_mtbf_s = 1e9\nlink_mttr_s = 20\n"),
    ));
    for (x, y) in r.strategies.iter().zip(&twin.strategies) {
        assert_eq!(x.latency_ms, y.latency_ms, "{}", x.name);
        assert_eq!(x.consistency, y.consistency, "{}", x.name);
    }
    // Active-passive's writes from `s` cross the link: the acting degradation slows them.
    let (quiet, moved) = (&r.strategies[1], &a.strategies[1]);
    assert!(moved.latency_ms.write.p99 > quiet.latency_ms.write.p99);
    // Inert faults: multi-master's writes stay at the constant access leg.
    let mm = &r.strategies[0];
    assert_eq!(mm.latency_ms.write.p50, mm.latency_ms.write.p99);
}

#[test]
fn instance_counts_read_from_invalidate_and_probes_with_nothing_to_act_on_are_warnings() {
    let head = "duration_s = 20\nseed = 5";
    let cost = |inst: &str| {
        run(&pair(
            head,
            "",
            "",
            30.0,
            &format!("{MM}\n[cost.instances]\n{inst}\n"),
        ))
    };
    let base = cost("");
    let set = cost("witness = 7\ncache = 9\nstandby = 3\n");
    // Active-passive has standbys (priced at 3), no strategy a witness or a cache.
    assert_eq!(
        fields(&set),
        ["cost.instances.witness", "cost.instances.cache"]
    );
    let total =
        |r: &geosim::report::Report, i: usize| r.strategies[i].cost.as_ref().unwrap().total_usd;
    assert_eq!(total(&base, 0), total(&set, 0));
    assert!(total(&set, 1) > total(&base, 1));

    // Every client at the primary, no fault: reading "from the primary" is reading locally.
    let at_p =
        "[[workload.clients]]\nregion = \"p\"\nrate_rps = 50\nread_fraction = 0.5\nkeys = 50\n";
    let ap = |name: &str, read_from: &str| {
        format!("[[strategies]]\nkind = \"active-passive\"\nname = \"{name}\"\nprimary = \"p\"\nread_from = \"{read_from}\"\n")
    };
    let r = run(&pair(
        head,
        "",
        "",
        30.0,
        &format!("{at_p}{}{}", ap("primary", "primary"), ap("local", "local")),
    ));
    assert_eq!(fields(&r), ["strategies[0].read_from"]);
    let (a, b) = (&r.strategies[0], &r.strategies[1]);
    assert_eq!(a.latency_ms.read, b.latency_ms.read);
    assert_eq!(a.consistency.stale_reads, b.consistency.stale_reads);
    // With clients at the standby too, it does act: no warning.
    let both = format!("{at_p}[[workload.clients]]\nregion = \"s\"\nrate_rps = 50\nread_fraction = 0.5\nkeys = 50\n");
    let r = run(&pair(
        head,
        "",
        "",
        30.0,
        &format!("{both}{}{}", ap("primary", "primary"), ap("local", "local")),
    ));
    assert!(fields(&r).is_empty(), "{:?}", warnings(&r));
    assert!(r.strategies[0].latency_ms.read.p99 > r.strategies[1].latency_ms.read.p99);

    // Invalidation with no writer.
    let ec = |name: &str, inv: bool| {
        format!("[[strategies]]\nkind = \"edge-cache\"\nname = \"{name}\"\norigin = \"p\"\nttl_s = 5\ninvalidate = {inv}\n")
    };
    let readers =
        "[[workload.clients]]\nregion = \"s\"\nrate_rps = 50\nread_fraction = 1.0\nkeys = 50\n";
    let r = run(&pair(
        head,
        "",
        "",
        30.0,
        &format!("{readers}{}{}", ec("inv", true), ec("ttl", false)),
    ));
    assert_eq!(fields(&r), ["strategies[0].invalidate"]);
    assert_eq!(figures(&r)[0]["latency_ms"], figures(&r)[1]["latency_ms"]);

    // Probes after every 100,000th write of a run that issues about 500.
    let probes = |every: u32| {
        run(&pair(
            head,
            "",
            "",
            30.0,
            &format!("{MM}\n[consistency]\nprobes_ms = [0, 10]\nprobe_every = {every}\n"),
        ))
    };
    let none = probes(100_000);
    assert_eq!(
        fields(&none),
        ["consistency.probe_every", "consistency.probe_every"]
    );
    let w = warnings(&none);
    assert_eq!(w[0].1.as_deref(), Some("mm"));
    assert!(w[0].2.contains("issued"), "{}", w[0].2);
    let curve = none.strategies[0]
        .consistency
        .t_visibility_exact
        .as_ref()
        .unwrap();
    assert!(curve
        .iter()
        .all(|b| b.probes == 0 && b.p_consistent.is_none()));
    let some = probes(10);
    assert!(fields(&some).is_empty(), "{:?}", warnings(&some));
}
