//! A structure-aware generator of scenario files, shared by the fuzz target (`fuzz/`, driven
//! by libFuzzer through `arbitrary`) and the property test (`tests/it/generated.rs`, driven by
//! proptest's random bytes through the same `arbitrary::Unstructured`).
//!
//! It builds scenario *values*, not bytes: every section of a scenario with field names that
//! exist, region and strategy names from a small pool (so references often resolve), and
//! numbers that reach the edges (0, negative, huge, tiny, NaN, infinities, powers of ten), in
//! odd combinations: fields of one strategy kind on another, faults on unknown regions,
//! duplicated names. The text is TOML (which can write NaN and infinities).
//!
//! Also owns `exercise`, what both drivers do with a generated file: parse and validate it as
//! `geosim validate` does, and when it is valid and small (estimated at most `RUN_BUDGET`
//! events, simulated time at most `RUN_MAX_S`) run it, serialise the report and draw its
//! tables. It panics on anything that is neither a clean refusal (exit code 2) nor a report,
//! and on a run that takes more than `MAX_EVENTS_RUN` events (the memory bound: state grows
//! with events in flight).
//!
//! Uses only geosim's public API; must not import the engine or the world directly.

use std::path::Path;

use arbitrary::Arbitrary;
use toml::{Table, Value};

use geosim::report::{self, ScenarioInfo};
use geosim::scenario::{self, budget, Format};

/// Largest estimated event count of a generated scenario that is run (else only validated).
pub const RUN_BUDGET: f64 = 2e5;
/// Longest simulated time (duration + drain, seconds) of a generated scenario that is run.
pub const RUN_MAX_S: u64 = 3_600;
/// Most events a run of a generated scenario may take: a run beyond it is a failure (an
/// estimate that missed a source of events by more than 25 times).
pub const MAX_EVENTS_RUN: u64 = 5_000_000;

/// What became of a generated file.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Refused with exit code 2.
    Refused,
    /// Valid but too big to run here.
    Skipped,
    /// Valid and run: the events of all its strategies.
    Ran(u64),
}

/// Parses, validates and (when small) runs `text`; panics on anything but a clean outcome.
pub fn exercise(text: &str) -> Outcome {
    let path = Path::new("generated.toml");
    let sc = match scenario::from_str(text, Format::Toml, path) {
        Ok(sc) => sc,
        Err(e) => {
            assert_eq!(e.exit_code(), 2, "not an input error: {e}\n{text}");
            assert!(!e.to_string().is_empty());
            return Outcome::Refused;
        }
    };
    let est = budget::estimate(&sc, sc.strategies.len());
    let horizon_s = (sc.duration_ns + sc.drain_ns) / 1_000_000_000;
    if est.events.is_nan() || est.events > RUN_BUDGET || horizon_s > RUN_MAX_S {
        return Outcome::Skipped;
    }
    let info = ScenarioInfo {
        name: sc.name.clone(),
        path: path.display().to_string(),
        sha256: String::new(),
    };
    let r = geosim::simulate(&sc, info, None, &[]).expect("every strategy selected");
    let events: u64 = r.strategies.iter().map(|s| s.events).sum();
    assert!(
        events <= MAX_EVENTS_RUN,
        "{events} events, estimated {:.0}\n{text}",
        est.events
    );
    let json = r.to_json();
    assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
    let _ = report::table(&r);
    let _ = report::cost_table(&r);
    let _ = report::resilience_table(&r);
    let _ = report::serving_table(&r);
    Outcome::Ran(events)
}

/// A number at the edges or in the middle.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Num {
    /// 0..=255.
    Small(u8),
    /// A fraction k / 255.
    Unit(u8),
    /// Any 32-bit integer.
    Int(i32),
    /// Any 64-bit integer.
    Big(i64),
    /// Any float (NaN and infinities included).
    Float(f64),
    /// 10^k for k in -128..=127.
    Pow10(i8),
    /// Zero.
    Zero,
    /// Minus one.
    MinusOne,
}

impl Num {
    /// The number as a TOML value.
    pub fn value(self) -> Value {
        match self {
            Num::Small(n) => Value::Integer(n as i64),
            Num::Unit(n) => Value::Float(n as f64 / 255.0),
            Num::Int(n) => Value::Integer(n as i64),
            Num::Big(n) => Value::Integer(n),
            Num::Float(x) => Value::Float(x),
            Num::Pow10(k) => Value::Float(10f64.powi(k as i32)),
            Num::Zero => Value::Integer(0),
            Num::MinusOne => Value::Integer(-1),
        }
    }
}

/// A name from a small pool: plain names, catalogue names, an unknown one, an empty one.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct Name(u8);

const NAMES: [&str; 8] = [
    "a",
    "b",
    "c",
    "aws:eu-west-1",
    "aws:us-east-1",
    "gcp:europe-west3",
    "nowhere",
    "",
];

impl Name {
    fn text(self) -> &'static str {
        NAMES[self.0 as usize % NAMES.len()]
    }
    fn value(self) -> Value {
        Value::String(self.text().to_string())
    }
}

/// A field set to a number, from the list of numeric fields of the section it lands in.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct Setting(u8, Num);

fn put(t: &mut Table, fields: &[&str], settings: &[Setting]) {
    for s in settings.iter().take(6) {
        let f = fields[s.0 as usize % fields.len()];
        t.insert(f.to_string(), s.1.value());
    }
}

/// A region: a catalogue name alone, or a table.
#[derive(Arbitrary, Debug)]
pub struct GenRegion {
    name: Name,
    bare: bool,
    lat: Option<Num>,
    lon: Option<Num>,
    settings: Vec<Setting>,
    capacity: Option<(Num, Num, Vec<Setting>)>,
}

/// A client group.
#[derive(Arbitrary, Debug)]
pub struct GenClient {
    region: Name,
    rate: Num,
    settings: Vec<Setting>,
    diurnal: Option<(Num, Vec<Num>)>,
}

/// A strategy: a kind, a name, the references its kind needs, and numeric settings from every
/// kind's fields (so fields of one kind land on another).
#[derive(Arbitrary, Debug)]
pub struct GenStrategy {
    kind: u8,
    name: Name,
    region: Name,
    members: Vec<Name>,
    settings: Vec<Setting>,
    words: Vec<(u8, u8)>,
}

/// A listed fault.
#[derive(Arbitrary, Debug)]
pub struct GenFault {
    kind: u8,
    a: Name,
    b: Name,
    start: Num,
    duration: Option<Num>,
    settings: Vec<Setting>,
}

/// A whole scenario.
#[derive(Arbitrary, Debug)]
pub struct GenScenario {
    duration: Num,
    drain: Option<Num>,
    start_utc_h: Option<Num>,
    seed: Option<u64>,
    network: Vec<Setting>,
    regions: Vec<GenRegion>,
    links: Vec<(Name, Name, Num)>,
    clients: Vec<GenClient>,
    strategies: Vec<GenStrategy>,
    policy: Option<Vec<Setting>>,
    detection: Option<Vec<Setting>>,
    faults: Vec<GenFault>,
    random_faults: Option<Vec<Setting>>,
    probes: Option<Vec<Num>>,
}

const KINDS: [&str; 8] = [
    "active-passive",
    "multi-master",
    "active-active",
    "follow-the-sun",
    "quorum",
    "consensus",
    "edge-cache",
    "no-such-kind",
];

const STRATEGY_NUMBERS: [&str; 10] = [
    "n",
    "r",
    "w",
    "ttl_s",
    "capacity",
    "promotion_delay_s",
    "bulkhead",
    "failback_hold_s",
    "lag_ms",
    "sync_replicas",
];

const WORDS: [(&str, &[&str]); 6] = [
    ("replication", &["sync", "async", "semi-sync"]),
    ("resolution", &["lww", "version-vector", "crdt"]),
    ("read_from", &["primary", "local", "nearest"]),
    ("reads", &["leader", "lease", "read-index", "local"]),
    ("failback", &["never", "automatic"]),
    ("residency", &["enforced", "audit", "off"]),
];

const FAULT_KINDS: [&str; 5] = [
    "region-outage",
    "partition",
    "link-degradation",
    "clock-skew",
    "meteor",
];

fn names(list: &[Name]) -> Value {
    Value::Array(list.iter().take(6).map(|n| n.value()).collect())
}

/// A generated file: free-form, or a valid base bent by a few settings (so that a good share
/// of inputs validate and run).
#[derive(Arbitrary, Debug)]
pub enum GenFile {
    /// Everything generated.
    Free(Box<GenScenario>),
    /// The valid `NEAR_BASE` with settings changed or added.
    Near(Vec<Tweak>, Vec<GenFault>),
}

/// A number put into one section of `NEAR_BASE`.
#[derive(Arbitrary, Debug)]
pub struct Tweak(u8, Setting);

/// Three catalogue regions, one client group, three strategies; 5 simulated seconds.
const NEAR_BASE: &str = r#"
duration_s = 5
drain_s = 5
regions = ["aws:eu-west-1", "aws:us-east-1", "gcp:europe-west3"]
[[workload.clients]]
region = "aws:eu-west-1"
rate_rps = 50
keys = 100
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "aws:eu-west-1"
[[strategies]]
kind = "consensus"
name = "raft"
leader = "aws:us-east-1"
[[strategies]]
kind = "quorum"
name = "q"
"#;

impl GenFile {
    /// The file as TOML text.
    pub fn toml(&self) -> String {
        match self {
            GenFile::Free(g) => g.toml(),
            GenFile::Near(tweaks, faults) => {
                let mut t: Table = toml::from_str(NEAR_BASE).expect("base parses");
                for Tweak(section, setting) in tweaks.iter().take(4) {
                    let (path, fields): (&[&str], &[&str]) = match section % 8 {
                        0 => (&[], &["duration_s", "drain_s", "start_utc_h"]),
                        1 => (
                            &["workload", "clients", "0"],
                            &["rate_rps", "read_fraction", "keys", "key_offset", "zipf"],
                        ),
                        2 => (&["strategies", "0"], &STRATEGY_NUMBERS),
                        3 => (&["strategies", "1"], &STRATEGY_NUMBERS),
                        4 => (&["strategies", "2"], &STRATEGY_NUMBERS),
                        5 => (
                            &["clients"],
                            &["timeout_ms", "retries", "backoff_ms", "reroute_after_s"],
                        ),
                        6 => (&["detection"], &["heartbeat_ms", "timeout_ms"]),
                        _ => (
                            &["random_faults"],
                            &["region_mtbf_s", "region_mttr_s", "link_mtbf_s"],
                        ),
                    };
                    if let Some(at) = table_at(&mut t, path) {
                        put(at, fields, std::slice::from_ref(setting));
                    }
                }
                if !faults.is_empty() {
                    let list = faults
                        .iter()
                        .take(3)
                        .map(|f| Value::Table(f.table()))
                        .collect();
                    t.insert("faults".into(), Value::Array(list));
                }
                toml::to_string(&t).unwrap_or_default()
            }
        }
    }
}

/// The table at `path` (created when missing; list indices as numbers).
fn table_at<'a>(t: &'a mut Table, path: &[&str]) -> Option<&'a mut Table> {
    let mut at = t;
    let mut i = 0;
    while i < path.len() {
        let key = path[i];
        let next = at
            .entry(key.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        at = match next {
            Value::Table(x) => x,
            Value::Array(items) => {
                i += 1;
                let k: usize = path.get(i)?.parse().ok()?;
                items.get_mut(k)?.as_table_mut()?
            }
            _ => return None,
        };
        i += 1;
    }
    Some(at)
}

impl GenStrategy {
    fn table(&self) -> Table {
        let kind = KINDS[self.kind as usize % KINDS.len()];
        let mut t = Table::new();
        t.insert("kind".into(), Value::String(kind.into()));
        t.insert("name".into(), self.name.value());
        match kind {
            "active-passive" => {
                t.insert("primary".into(), self.region.value());
            }
            "consensus" => {
                t.insert("leader".into(), self.region.value());
                if !self.members.is_empty() {
                    t.insert("members".into(), names(&self.members));
                }
            }
            "edge-cache" => {
                t.insert("origin".into(), self.region.value());
            }
            "follow-the-sun" => {
                let shifts = self
                    .members
                    .iter()
                    .take(4)
                    .enumerate()
                    .map(|(i, n)| {
                        let mut s = Table::new();
                        s.insert("region".into(), n.value());
                        s.insert("start_utc_h".into(), Value::Float(i as f64 * 6.0));
                        Value::Table(s)
                    })
                    .collect();
                t.insert("shifts".into(), Value::Array(shifts));
            }
            "quorum" if !self.members.is_empty() => {
                t.insert("replicas".into(), names(&self.members));
            }
            _ => {}
        }
        put(&mut t, &STRATEGY_NUMBERS, &self.settings);
        for (field, word) in self.words.iter().take(3) {
            let (f, options) = WORDS[*field as usize % WORDS.len()];
            let w = options[*word as usize % options.len()];
            t.insert(f.into(), Value::String(w.into()));
        }
        t
    }
}

impl GenFault {
    fn table(&self) -> Table {
        let kind = FAULT_KINDS[self.kind as usize % FAULT_KINDS.len()];
        let mut t = Table::new();
        t.insert("kind".into(), Value::String(kind.into()));
        match kind {
            "region-outage" | "clock-skew" => {
                t.insert("region".into(), self.a.value());
            }
            "partition" => {
                t.insert("a".into(), names(&[self.a]));
                t.insert("b".into(), names(&[self.b]));
            }
            _ => {
                t.insert("from".into(), self.a.value());
                t.insert("to".into(), self.b.value());
            }
        }
        t.insert("start_s".into(), self.start.value());
        if let Some(d) = self.duration {
            t.insert("duration_s".into(), d.value());
        }
        put(
            &mut t,
            &[
                "extra_ms",
                "loss",
                "retransmit_ms",
                "bandwidth_mbps",
                "offset_ms",
            ],
            &self.settings,
        );
        t
    }
}

impl GenScenario {
    /// The scenario as a TOML table.
    pub fn table(&self) -> Table {
        let mut t = Table::new();
        t.insert("duration_s".into(), self.duration.value());
        if let Some(d) = self.drain {
            t.insert("drain_s".into(), d.value());
        }
        if let Some(h) = self.start_utc_h {
            t.insert("start_utc_h".into(), h.value());
        }
        if let Some(s) = self.seed {
            t.insert("seed".into(), Value::Integer(s as i64));
        }
        if !self.network.is_empty() {
            let mut n = Table::new();
            put(&mut n, &["route_inflation", "overhead_ms"], &self.network);
            t.insert("network".into(), Value::Table(n));
        }
        let regions = self
            .regions
            .iter()
            .take(8)
            .map(|r| {
                if r.bare {
                    return r.name.value();
                }
                let mut rt = Table::new();
                rt.insert("name".into(), r.name.value());
                if let Some(x) = r.lat {
                    rt.insert("lat".into(), x.value());
                }
                if let Some(x) = r.lon {
                    rt.insert("lon".into(), x.value());
                }
                put(
                    &mut rt,
                    &[
                        "inter_region_usd_per_gb",
                        "internet_usd_per_gb",
                        "price_multiplier",
                        "intra_ms",
                    ],
                    &r.settings,
                );
                if let Some((servers, service, more)) = &r.capacity {
                    let mut c = Table::new();
                    c.insert("servers".into(), servers.value());
                    c.insert("service_ms".into(), service.value());
                    put(&mut c, &["queue_limit", "failover_share"], more);
                    rt.insert("capacity".into(), Value::Table(c));
                }
                Value::Table(rt)
            })
            .collect();
        t.insert("regions".into(), Value::Array(regions));
        if !self.links.is_empty() {
            let links = self
                .links
                .iter()
                .take(6)
                .map(|(a, b, ms)| {
                    let mut l = Table::new();
                    l.insert("from".into(), a.value());
                    l.insert("to".into(), b.value());
                    l.insert("latency".into(), ms.value());
                    Value::Table(l)
                })
                .collect();
            t.insert("links".into(), Value::Array(links));
        }
        let clients = self
            .clients
            .iter()
            .take(6)
            .map(|c| {
                let mut ct = Table::new();
                ct.insert("region".into(), c.region.value());
                ct.insert("rate_rps".into(), c.rate.value());
                put(
                    &mut ct,
                    &["read_fraction", "keys", "key_offset", "zipf", "value_bytes"],
                    &c.settings,
                );
                if let Some((offset, profile)) = &c.diurnal {
                    let mut d = Table::new();
                    d.insert("utc_offset_h".into(), offset.value());
                    let p = profile.iter().take(30).map(|n| n.value()).collect();
                    d.insert("profile".into(), Value::Array(p));
                    ct.insert("diurnal".into(), Value::Table(d));
                }
                Value::Table(ct)
            })
            .collect();
        let mut w = Table::new();
        w.insert("clients".into(), Value::Array(clients));
        t.insert("workload".into(), Value::Table(w));
        let strategies = self
            .strategies
            .iter()
            .take(4)
            .map(|s| Value::Table(s.table()))
            .collect();
        t.insert("strategies".into(), Value::Array(strategies));
        let section = |fields: &[&str], s: &[Setting]| {
            let mut x = Table::new();
            put(&mut x, fields, s);
            Value::Table(x)
        };
        if let Some(p) = &self.policy {
            let f = [
                "timeout_ms",
                "retries",
                "backoff_ms",
                "backoff_cap_ms",
                "reroute_after_s",
            ];
            t.insert("clients".into(), section(&f, p));
        }
        if let Some(d) = &self.detection {
            t.insert(
                "detection".into(),
                section(&["heartbeat_ms", "timeout_ms"], d),
            );
        }
        if !self.faults.is_empty() {
            let faults = self
                .faults
                .iter()
                .take(6)
                .map(|f| Value::Table(f.table()))
                .collect();
            t.insert("faults".into(), Value::Array(faults));
        }
        if let Some(r) = &self.random_faults {
            let f = [
                "region_mtbf_s",
                "region_mttr_s",
                "link_mtbf_s",
                "link_mttr_s",
            ];
            t.insert("random_faults".into(), section(&f, r));
        }
        if let Some(p) = &self.probes {
            let mut c = Table::new();
            let list = p.iter().take(8).map(|n| n.value()).collect();
            c.insert("probes_ms".into(), Value::Array(list));
            t.insert("consistency".into(), Value::Table(c));
        }
        t
    }

    /// The scenario as TOML text.
    pub fn toml(&self) -> String {
        toml::to_string(&self.table()).unwrap_or_default()
    }
}
