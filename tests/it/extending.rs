//! A strategy from outside geosim (examples/chain_replication.rs, included here as a module):
//! registered through `geosim::Simulation::with_strategy`, it runs beside the built-ins on the
//! same scenario and seed; its latencies follow from its message pattern (head, down the
//! chain, the tail answers), computed here from the link table alone; it never serves a
//! stale read while async active-passive with local reads does on the same workload; bad
//! `params` are named with their field path; `geosim run` alone refuses it with exit 2.

#[allow(dead_code)]
#[path = "../../examples/chain_replication.rs"]
mod chain_example;

use std::path::PathBuf;

use chain_example::Chain;
use geosim::strategy::{Ctx, Request, Strategy};
use geosim::topology::RegionId;
use geosim::{Error, Simulation};

use crate::common::{geosim, THREE_REGIONS};

/// Constant one-way link latencies in ms, and the constant access latency each way.
const LINKS: [(&str, &str, f64); 3] = [
    ("us-east-1", "eu-west-1", 40.0),
    ("us-east-1", "ap-northeast-1", 80.0),
    ("eu-west-1", "ap-northeast-1", 110.0),
];
const ACCESS_MS: f64 = 1.5;

fn link(a: &str, b: &str) -> f64 {
    if a == b {
        return 0.0;
    }
    LINKS
        .iter()
        .find(|(x, y, _)| (*x == a && *y == b) || (*x == b && *y == a))
        .map(|l| l.2)
        .unwrap()
}

fn scenario(params: &str) -> String {
    let mut links = String::new();
    for (a, b, ms) in LINKS {
        links += &format!("[[links]]\nfrom = \"{a}\"\nto = \"{b}\"\nlatency = {ms:?}\n");
    }
    let mut clients = String::new();
    for r in ["us-east-1", "eu-west-1", "ap-northeast-1"] {
        clients += &format!(
            "[[workload.clients]]\nregion = \"{r}\"\nrate_rps = 50\nread_fraction = 0.8\nkeys = 20\nvalue_bytes = 100\n"
        );
    }
    format!(
        r#"name = "chain"
seed = 5
duration_s = 60
drain_s = 20
[network]
variation = "constant"
{THREE_REGIONS}
{links}{clients}
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "us-east-1"
replication = "async"
read_from = "local"
[[strategies]]
kind = "custom"
strategy = "chain"
name = "chain"
params = {params}
"#
    )
}

fn write(tag: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("geosim-extending-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("chain.toml");
    std::fs::write(&path, text).unwrap();
    path
}

const CHAIN: [&str; 3] = ["us-east-1", "eu-west-1", "ap-northeast-1"];

#[test]
fn chain_latency_follows_its_message_pattern_and_it_reads_nothing_stale() {
    let path = write(
        "pattern",
        &scenario(r#"{ chain = ["us-east-1", "eu-west-1", "ap-northeast-1"] }"#),
    );
    let sim = Simulation::from_file(&path)
        .unwrap()
        .with_strategy("chain", Chain::new)
        .unwrap();
    let report = sim.run().unwrap();
    let chain = report.strategy("chain").unwrap();
    assert_eq!(chain.kind, "custom:chain");
    let (head, tail) = (CHAIN[0], CHAIN[2]);
    let down: f64 = CHAIN.windows(2).map(|w| link(w[0], w[1])).sum();
    for r in &chain.per_region {
        let c = r.region.as_str();
        // Write: client -> head, down the chain, tail -> client; read: client -> tail -> client.
        let write = 2.0 * ACCESS_MS + link(c, head) + down + link(tail, c);
        let read = 2.0 * ACCESS_MS + 2.0 * link(c, tail);
        let (w, rd) = (
            r.latency_ms.write.p50.unwrap(),
            r.latency_ms.read.p50.unwrap(),
        );
        assert!(
            (w - write).abs() <= write * 0.002,
            "{c}: write p50 {w} ms, pattern {write} ms"
        );
        assert!(
            (rd - read).abs() <= read * 0.002 + 0.01,
            "{c}: read p50 {rd} ms, pattern {read} ms"
        );
    }
    assert_eq!(chain.per_region.len(), 3);
    // geosim's own staleness measure (newest version acknowledged before the read began):
    // zero for the chain, while the async standbys of active-passive serve stale reads.
    assert_eq!(chain.consistency.stale_reads, 0);
    assert!(report.strategy("ap").unwrap().consistency.stale_reads > 0);
    assert_eq!(chain.extra["acks_before_tail_applied"], 0.0);
    assert!(chain.ops.writes > 1000 && chain.ops.failed == 0);
}

/// `Chain` with the default `Strategy::reports` (every figure shown as measured).
struct Undeclared(Chain);

impl Strategy for Undeclared {
    type Msg = <Chain as Strategy>::Msg;
    type Timer = ();

    fn on_request(&mut self, ctx: &mut Ctx<'_, Self::Msg, ()>, at: RegionId, req: Request) {
        self.0.on_request(ctx, at, req)
    }

    fn on_message(
        &mut self,
        ctx: &mut Ctx<'_, Self::Msg, ()>,
        at: RegionId,
        from: RegionId,
        msg: Self::Msg,
    ) {
        self.0.on_message(ctx, at, from, msg)
    }
}

/// A strategy from outside geosim says which strategy-reported figures it produces
/// (`Strategy::reports`): the chain declares none, so its conflicts, lost updates and RPO are
/// `null`; the same chain without the declaration shows them as measured (0).
#[test]
fn a_custom_strategys_undeclared_figures_are_null() {
    let path = write(
        "declared",
        &scenario(r#"{ chain = ["us-east-1", "eu-west-1", "ap-northeast-1"] }"#),
    );
    let run = |declared: bool| {
        let sim = Simulation::from_file(&path).unwrap();
        let sim = if declared {
            sim.with_strategy("chain", Chain::new)
        } else {
            sim.with_strategy("chain", |p, s: &geosim::Setup<'_>| {
                Chain::new(p, s).map(Undeclared)
            })
        };
        let report = sim.unwrap().run().unwrap();
        report.strategy("chain").unwrap().clone()
    };
    let (declared, measured) = (run(true), run(false));
    let figures = |s: &geosim::report::StrategyReport| {
        (
            s.consistency.conflicts,
            s.consistency.lost_updates,
            s.per_region[0].lost_updates,
            s.rpo.is_some(),
        )
    };
    assert_eq!(figures(&declared), (None, None, None, false));
    assert_eq!(figures(&measured), (Some(0), Some(0), Some(0), true));
    // The rest of the report is the same run.
    assert_eq!(declared.latency_ms, measured.latency_ms);
}

#[test]
fn custom_colon_name_is_shorthand_for_strategy_name() {
    let long = scenario(r#"{ chain = ["us-east-1", "eu-west-1", "ap-northeast-1"] }"#);
    let short = long.replace(
        "kind = \"custom\"\nstrategy = \"chain\"",
        "kind = \"custom:chain\"",
    );
    assert_ne!(long, short);
    let run = |tag: &str, text: &str| {
        Simulation::from_file(write(tag, text))
            .unwrap()
            .with_strategy("chain", Chain::new)
            .unwrap()
            .run()
            .unwrap()
    };
    // Same runs; only the scenario's hash (its text differs) may differ.
    let (a, b) = (run("long", &long), run("short", &short));
    assert_eq!(a.strategies, b.strategies);
    let both = short.replace(
        "kind = \"custom:chain\"",
        "kind = \"custom:chain\"\nstrategy = \"chain\"",
    );
    let o = geosim(&["validate", write("both", &both).to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("give the strategy's name once"));
}

#[test]
fn bad_params_are_named_with_their_field_path() {
    // serde's words for the strategy's own types are plain words, as for built-in strategies.
    let cases = [
        (
            r#"{ chain = 3 }"#,
            "strategies[1].params.chain",
            "invalid type: integer `3`, expected an array",
        ),
        (
            r#"{ chian = ["us-east-1"] }"#,
            "strategies[1].params.chian",
            "(did you mean `chain`?)",
        ),
        (
            r#"{ chain = ["us-east-1", "nowhere"] }"#,
            "strategies[1].params",
            "nowhere",
        ),
    ];
    for (i, (params, field, words)) in cases.into_iter().enumerate() {
        let path = write(&format!("bad{i}"), &scenario(params));
        let err = Simulation::from_file(&path)
            .unwrap()
            .with_strategy("chain", Chain::new)
            .unwrap_err();
        let Error::Invalid { problems, .. } = &err else {
            panic!("{params}: {err}")
        };
        assert_eq!(problems[0].field, field, "{params}: {err}");
        assert_eq!(err.exit_code(), 2);
        assert!(problems[0].message.contains(words), "{params}: {err}");
    }
    let err = Simulation::from_file(write("nowhere", &scenario(r#"{ chain = ["nowhere"] }"#)))
        .unwrap()
        .with_strategy("chain", Chain::new)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no region `nowhere`"), "{err}");
}

#[test]
fn unregistered_custom_strategies_are_refused_not_skipped() {
    let path = write("unregistered", &scenario("{}"));
    // The library: running without registering is a usage error naming the strategy.
    let err = Simulation::from_file(&path).unwrap().run().unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("`chain` (custom:chain)"), "{err}");
    // The built-ins alone still run.
    let sim = Simulation::from_file(&path).unwrap();
    assert!(sim.run_with(None, &["ap".to_string()]).is_ok());
    // The command line: exit 2 and a pointer to the docs, nothing written.
    let out = path.parent().unwrap().join("out");
    let o = geosim(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("docs/extending.md"), "{stderr}");
    assert!(!out.join("report.json").exists());
}
