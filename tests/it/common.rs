//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use geosim::report::{Report, ScenarioInfo};
use geosim::scenario::{self, Format, Scenario};

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A shipped scenario's path.
pub fn shipped(name: &str) -> PathBuf {
    root().join("scenarios").join(name)
}

/// Parses and validates TOML text, panicking with the error on failure.
pub fn scenario(text: &str) -> Scenario {
    scenario::from_str(text, Format::Toml, Path::new("test.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs every strategy of a scenario given as TOML text.
pub fn run(text: &str) -> Report {
    run_scenario(&scenario(text), None)
}

/// Runs every strategy of a scenario.
pub fn run_scenario(sc: &Scenario, seed: Option<u64>) -> Report {
    let info = ScenarioInfo {
        name: sc.name.clone(),
        path: "test.toml".into(),
        sha256: String::new(),
    };
    geosim::simulate(sc, info, seed, &[]).unwrap()
}

/// Runs the geosim binary with `args`.
pub fn geosim(args: &[&str]) -> Output {
    geosim_env(args, &[])
}

/// `geosim run FILE --out OUT EXTRA...`, which must succeed: its standard output and the
/// report.json it wrote.
pub fn run_cli(file: &Path, out: &Path, extra: &[&str]) -> (String, serde_json::Value) {
    let mut args = vec![
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = geosim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = std::fs::read_to_string(out.join("report.json")).unwrap();
    (
        String::from_utf8(o.stdout).unwrap(),
        serde_json::from_str(&report).unwrap(),
    )
}

/// Runs the geosim binary with `args` and extra environment variables, from the crate root.
pub fn geosim_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_geosim"));
    cmd.args(args).current_dir(root());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("geosim runs")
}

/// The three regions of `three-regions`, as TOML.
pub const THREE_REGIONS: &str = r#"
[[regions]]
name = "us-east-1"
lat = 39.0458
lon = -77.4874
jurisdiction = "US"
[[regions]]
name = "eu-west-1"
lat = 53.3498
lon = -6.2603
jurisdiction = "EU"
[[regions]]
name = "ap-northeast-1"
lat = 35.6762
lon = 139.6503
jurisdiction = "JP"
"#;

/// Two regions, `p` and `s`, 10 degrees of longitude apart (1,113 km, fibre floor 5.5 ms),
/// 1 ms intra-region latency, joined only by a constant link of `link_ms` each way. `head`
/// holds the top-level keys (it must come before any table), `p_extra` and `s_extra` extra
/// lines of each region's table, `rest` the workload, strategies and other tables.
pub fn pair(head: &str, p_extra: &str, s_extra: &str, link_ms: f64, rest: &str) -> String {
    pair_linked(head, p_extra, s_extra, &format!("{link_ms:?}"), rest)
}

/// `pair` with the link's `latency` written as given (a number of ms, or a distribution
/// table such as `{ dist = "pareto", scale_ms = 20.0, shape = 1.2 }`).
pub fn pair_linked(head: &str, p_extra: &str, s_extra: &str, latency: &str, rest: &str) -> String {
    format!(
        r#"{head}
[network]
unlinked = "route"
[[regions]]
name = "p"
lat = 0.0
lon = 0.0
intra_ms = 1.0
{p_extra}
[[regions]]
name = "s"
lat = 0.0
lon = 10.0
intra_ms = 1.0
{s_extra}
[[links]]
from = "p"
to = "s"
latency = {latency}
{rest}"#
    )
}

/// Writes at `p`, reads at `s` served by the primary `p` (async active-passive): every
/// message and its size is known in advance.
pub const PAIR_AP: &str = r#"[[workload.clients]]
region = "p"
rate_rps = 50
read_fraction = 0.0
keys = 10
value_bytes = 100
[[workload.clients]]
region = "s"
rate_rps = 50
read_fraction = 1.0
keys = 10
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "p"
replication = "async"
read_from = "primary"
"#;

/// Three regions `a`, `b`, `c` joined only by explicit constant links (one way: a-b 20 ms,
/// b-c 30 ms, a-c 40 ms; 1 ms within a region), for figures computed by hand.
pub const TRIANGLE: &str = r#"[network]
unlinked = "route"
[[regions]]
name = "a"
lat = 40.0
lon = -75.0
intra_ms = 1
[[regions]]
name = "b"
lat = 41.0
lon = -88.0
intra_ms = 1
[[regions]]
name = "c"
lat = 47.0
lon = -122.0
intra_ms = 1
[[links]]
from = "a"
to = "b"
latency = 20
[[links]]
from = "b"
to = "c"
latency = 30
[[links]]
from = "a"
to = "c"
latency = 40
"#;
