//! Client sessions (issue 15, item 2): closed-loop sessions in the workload, the four session
//! guarantees of Terry et al. (1994) measured on what they observed
//! (`consistency.sessions`), and the session routings `sticky` and `token`. Each figure is
//! compared with a hand count or a closed form computed here from the scenario's constants,
//! never with geosim's own output.

use crate::common::{geosim, geosim_env, root, run, scenario, THREE_REGIONS};
use geosim::report::{Report, SessionGuarantees, StrategyReport};

/// Two regions `p` (primary) and `s`, 1 ms constant access latency each, joined by `link`
/// (both ways); one group of `sessions` sessions at `s` on one key with constant think time
/// `think_ms`; async active-passive with local reads.
fn pair_sessions(
    link: &str,
    sessions: u32,
    think_ms: f64,
    read_fraction: f64,
    extra: &str,
) -> String {
    format!(
        r#"name = "sessions"
seed = 7
duration_s = 600
drain_s = 5
{extra}
[network]
unlinked = "route"
[[regions]]
name = "p"
lat = 0.0
lon = 0.0
intra_ms = 1.0
[[regions]]
name = "s"
lat = 0.0
lon = 10.0
intra_ms = 1.0
[[links]]
from = "p"
to = "s"
latency = {link}
[[workload.clients]]
region = "s"
rate_rps = 10
read_fraction = {read_fraction}
keys = 1
sessions = {sessions}
think_time_ms = {think_ms}
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "p"
replication = "async"
read_from = "local"
"#
    )
}

fn sessions_of(r: &Report, name: &str) -> SessionGuarantees {
    r.strategy(name)
        .unwrap()
        .consistency
        .sessions
        .clone()
        .unwrap_or_else(|| panic!("{name}: no sessions section"))
}

fn reads_at<'a>(s: &'a StrategyReport, region: &str) -> &'a geosim::report::BreakdownKind {
    s.latency_breakdown
        .iter()
        .find(|b| b.region == region)
        .and_then(|b| b.read.as_ref())
        .unwrap()
}

/// The closed loop, counted by hand: with constant links (40 ms), constant access (1 ms) and
/// constant think time (10 ms), a write-only session at `s` issues a write every
/// 1 + 40 (forward to p) + 40 (answer) + 1 + 10 = 92 ms after its first, which starts
/// within its first think time; over 60 s that is 652 or 653 writes per session.
#[test]
fn a_session_is_a_closed_loop_paced_by_its_latency_and_think_time() {
    let mut text = pair_sessions("40.0", 5, 10.0, 0.0, "");
    text = text.replace("duration_s = 600", "duration_s = 60");
    let r = run(&text);
    let s = sessions_of(&r, "ap");
    assert_eq!(s.reads, 0);
    // first op at t0 in [0, 10) ms, then every 92 ms while t < 60 s.
    let (lo, hi) = (5 * (59_990 / 92 + 1), 5 * (60_000 / 92 + 1));
    assert!(
        (lo..=hi).contains(&s.writes),
        "{} writes, expected {lo}..={hi}",
        s.writes
    );
    let w = r.strategy("ap").unwrap().latency_ms.write.clone();
    assert!((w.mean.unwrap() - 82.0).abs() < 1e-6, "{w:?}");
}

/// The brief's expectation, checked and corrected: with constant links the primary's
/// acknowledgement and its copy to `s` leave together and arrive together, so however short
/// the think time (2 ms, below the 40 ms one-way delay), the session's next read finds its
/// write at `s`: no read-your-writes violation, while nothing is vacuous (the session reads
/// and writes thousands of times).
#[test]
fn constant_links_deliver_the_copy_with_the_acknowledgement() {
    let r = run(&pair_sessions("40.0", 1, 2.0, 0.5, ""));
    let s = sessions_of(&r, "ap");
    assert!(s.reads > 1000 && s.writes > 1000, "{s:?}");
    assert_eq!(
        (
            s.read_your_writes,
            s.monotonic_reads,
            s.monotonic_writes,
            s.writes_follow_reads
        ),
        (0, 0, 0, 0),
        "{s:?}"
    );
}

/// P(X > x) for X = R - D, R and D independent uniform on [a, a + w] (the copy's and the
/// acknowledgement's draws of the p -> s link): triangular on [-w, w].
fn tail(x: f64, w: f64) -> f64 {
    if x <= 0.0 {
        1.0 - (w + x).max(0.0).powi(2) / (2.0 * w * w)
    } else if x >= w {
        0.0
    } else {
        (w - x).powi(2) / (2.0 * w * w)
    }
}

const UNIFORM: &str = "{ dist = \"uniform\", min_ms = 20.0, max_ms = 60.0 }";
const W_MS: f64 = 40.0;
/// One read cycle of the session: access to s, access back, think (2 ms).
const CYCLE_MS: f64 = 4.0;

/// Read-your-writes against the closed form. The j-th read after a write (when the j
/// operations after it are all reads: probability r^j) reaches `s` j cycles of 4 ms after
/// the acknowledgement did, and misses the write iff the copy's draw exceeds the
/// acknowledgement's by more than 4j ms. So the violations V of one write have
/// P(V >= j) = r^j P(X > 4j), E[V] = sum_j P(V >= j), E[V^2] = sum_j (2j - 1) P(V >= j).
/// The other three guarantees hold: one replica per session, one log order.
#[test]
fn async_local_reads_violate_read_your_writes_as_the_closed_form_says() {
    let r_frac = 0.5;
    let r = run(&pair_sessions(UNIFORM, 1, 2.0, r_frac, ""));
    let s = sessions_of(&r, "ap");
    let p = |j: u32| r_frac.powi(j as i32) * tail(CYCLE_MS * j as f64, W_MS);
    let ev: f64 = (1..40).map(p).sum();
    let ev2: f64 = (1..40).map(|j| (2 * j - 1) as f64 * p(j)).sum();
    let n = s.writes as f64;
    let (mean, sd) = (n * ev, (n * (ev2 - ev * ev)).sqrt());
    let got = s.read_your_writes as f64;
    assert!(s.writes > 2000, "{s:?}");
    assert!(
        (got - mean).abs() < 4.0 * sd,
        "read-your-writes {got}, expected {mean:.1} +- {sd:.1}"
    );
    assert_eq!(
        (s.monotonic_reads, s.monotonic_writes, s.writes_follow_reads),
        (0, 0, 0),
        "{s:?}"
    );
    assert_eq!(
        s.read_your_writes_rate,
        Some((got / s.reads as f64 * 1e6).round() / 1e6)
    );
}

/// `token`: no read-your-writes violation, and the reads' replication wait is the hold:
/// only the first operation after a write, when it is a read (probability r), waits, for
/// ceil((X - 4 ms)+) on the 1 ms re-read grid, so E[wait per write] =
/// r sum_{k >= 0} P(X > 4 + k ms) (ms), and Var from sum_k (2k + 1) P(X > 4 + k).
#[test]
fn token_routing_holds_reads_for_the_computed_wait() {
    let r_frac = 0.5;
    let r = run(&pair_sessions(
        UNIFORM,
        1,
        2.0,
        r_frac,
        "[clients]\nsession_routing = \"token\"",
    ));
    let s = sessions_of(&r, "ap");
    assert_eq!(
        (
            s.read_your_writes,
            s.monotonic_reads,
            s.monotonic_writes,
            s.writes_follow_reads
        ),
        (0, 0, 0, 0),
        "{s:?}"
    );
    let ey: f64 = (0..40).map(|k| tail(CYCLE_MS + k as f64, W_MS)).sum();
    let ey2: f64 = (0..40)
        .map(|k| (2 * k + 1) as f64 * tail(CYCLE_MS + k as f64, W_MS))
        .sum();
    let (e, e2) = (r_frac * ey, r_frac * ey2);
    let n = s.writes as f64;
    let (mean, sd) = (n * e, (n * (e2 - e * e)).sqrt());
    let reads = reads_at(r.strategy("ap").unwrap(), "s");
    let total = reads.components_ms.replication_wait * reads.count as f64;
    assert!(
        (total - mean).abs() < 4.0 * sd,
        "total token wait {total:.0} ms, expected {mean:.0} +- {sd:.0}"
    );
    // Without token, local reads wait for nothing.
    let plain = run(&pair_sessions(UNIFORM, 1, 2.0, r_frac, ""));
    let plain_reads = reads_at(plain.strategy("ap").unwrap(), "s");
    assert_eq!(plain_reads.components_ms.replication_wait, 0.0);
    assert!((plain_reads.mean_ms - 2.0).abs() < 1e-9);
}

/// `sticky`: once a session has written, its reads go to the primary (the write's origin):
/// no read-your-writes violation, and a read then costs the access round trip plus one
/// round trip of the link (mean 2 x 40 ms).
#[test]
fn sticky_routing_reads_from_the_region_of_the_last_write() {
    let r = run(&pair_sessions(
        UNIFORM,
        1,
        2.0,
        0.5,
        "[clients]\nsession_routing = \"sticky\"",
    ));
    let s = sessions_of(&r, "ap");
    assert_eq!(s.read_your_writes + s.monotonic_reads, 0, "{s:?}");
    let reads = reads_at(r.strategy("ap").unwrap(), "s");
    assert_eq!(reads.served_by, "p");
    // Mean 2 + 80 ms; the sd of one read is 40 / sqrt(6) = 16.3 ms.
    let tol = 4.0 * 16.33 / (reads.count as f64).sqrt() + 0.01;
    assert!((reads.mean_ms - 82.0).abs() < tol, "{} ms", reads.mean_ms);
}

fn three_regions(extra: &str, strategies: &str) -> String {
    let mut s = format!(
        "name = \"s3\"\nseed = 3\nduration_s = 60\ndrain_s = 10\n{extra}\n{THREE_REGIONS}\n"
    );
    for r in ["us-east-1", "eu-west-1", "ap-northeast-1"] {
        s += &format!(
            "[[workload.clients]]\nregion = \"{r}\"\nrate_rps = 100\nread_fraction = 0.5\nkeys = 4\nsessions = 20\n"
        );
    }
    s + strategies
}

const RAFT_AND_MM: &str = r#"[[strategies]]
kind = "consensus"
name = "raft"
leader = "us-east-1"
reads = "lease"
[[strategies]]
kind = "multi-master"
name = "mm"
resolution = "lww"
"#;

/// Consensus with lease reads is linearizable, so it meets all four. Multi-master with LWW,
/// three regions writing the same four keys: every session is served by its own region's
/// replica, which applies versions newer-wins and stamps a write above everything it has
/// seen (hybrid timestamps), so a region-bound session meets all four too (Terry et al.:
/// a session served by one server gets them for free), although reads are stale and writes
/// are lost to LWW: the guarantees are per session, staleness is across sessions.
#[test]
fn consensus_and_region_bound_multi_master_sessions_meet_all_four() {
    let r = run(&three_regions("", RAFT_AND_MM));
    for name in ["raft", "mm"] {
        let s = sessions_of(&r, name);
        assert!(s.reads > 3000 && s.writes > 3000, "{name}: {s:?}");
        assert_eq!(
            (
                s.read_your_writes,
                s.monotonic_reads,
                s.monotonic_writes,
                s.writes_follow_reads
            ),
            (0, 0, 0, 0),
            "{name}: {s:?}"
        );
        assert_eq!(s.untracked, 0);
    }
    let mm = r.strategy("mm").unwrap();
    assert!(mm.consistency.stale_reads > 1000, "not vacuous");
    assert!(mm.consistency.lost_updates.unwrap() > 100, "not vacuous");
}

#[test]
fn without_sessions_there_is_no_section_and_with_them_routing_is_checked() {
    let text = three_regions("", RAFT_AND_MM).replace("sessions = 20\n", "");
    let r = run(&text);
    assert!(r
        .strategies
        .iter()
        .all(|s| s.consistency.sessions.is_none()));
    assert!(!r.to_json().contains("read_your_writes"));
    // A routing without sessions has no effect: rejected with its field path.
    let bad = three_regions("[clients]\nsession_routing = \"token\"", RAFT_AND_MM)
        .replace("sessions = 20\n", "");
    let e = geosim::scenario::from_str(&bad, geosim::scenario::Format::Toml, "t.toml".as_ref())
        .unwrap_err()
        .to_string();
    assert!(e.contains("clients.session_routing"), "{e}");
    // A think time without sessions, zero sessions, sessions with a daily profile: rejected.
    for (from, to, field) in [
        ("keys = 4\n", "keys = 4\nthink_time_ms = 5\n", "workload.clients[0].think_time_ms"),
        ("sessions = 20\n", "sessions = 0\n", "workload.clients[0].sessions"),
        (
            "sessions = 20\n",
            "sessions = 20\ndiurnal = { utc_offset_h = 0, profile = [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1] }\n",
            "workload.clients[0].diurnal",
        ),
    ] {
        let base = if from == "keys = 4\n" { text.clone() } else { three_regions("", RAFT_AND_MM) };
        let t = base.replacen(from, to, 1);
        let e = geosim::scenario::from_str(&t, geosim::scenario::Format::Toml, "t.toml".as_ref())
            .unwrap_err()
            .to_string();
        assert!(e.contains(field), "{field}: {e}");
    }
    // Routing on a strategy whose reads are linearizable, a think time beside rate_rps:
    // warnings with their field paths.
    let sc = scenario(
        &three_regions("[clients]\nsession_routing = \"sticky\"", RAFT_AND_MM).replacen(
            "sessions = 20\n",
            "sessions = 20\nthink_time_ms = 50\n",
            1,
        ),
    );
    let w: Vec<(String, Option<usize>)> = sc
        .warnings
        .iter()
        .map(|w| (w.field.clone(), w.strategy))
        .collect();
    assert!(
        w.contains(&("workload.clients[0].rate_rps".into(), None)),
        "{w:?}"
    );
    assert!(
        w.contains(&("clients.session_routing".into(), Some(0))),
        "{w:?}"
    );
    assert!(
        !w.contains(&("clients.session_routing".into(), Some(1))),
        "{w:?}"
    );
}

/// The same bytes on 1 and 3 threads, with sessions and token routing.
#[test]
fn sessions_are_deterministic_across_thread_counts() {
    let dir = root().join("target").join("it-sessions");
    std::fs::create_dir_all(&dir).unwrap();
    let text = three_regions(
        "[clients]\nsession_routing = \"token\"",
        &format!(
            "{RAFT_AND_MM}{}",
            "[[strategies]]\nkind = \"active-passive\"\nname = \"ap\"\nprimary = \"us-east-1\"\nreplication = \"async\"\nread_from = \"local\"\n"
        ),
    );
    let file = dir.join("s.toml");
    std::fs::write(&file, text).unwrap();
    let run = |threads: &str| {
        let out = dir.join(format!("out-{threads}"));
        let o = geosim_env(
            &[
                "run",
                file.to_str().unwrap(),
                "--no-charts",
                "--out",
                out.to_str().unwrap(),
            ],
            &[("RAYON_NUM_THREADS", threads)],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(out.join("report.json")).unwrap()
    };
    let (a, b) = (run("1"), run("3"));
    assert!(a == b, "reports differ between 1 and 3 threads");
    assert!(String::from_utf8(a)
        .unwrap()
        .contains("\"read_your_writes\""));
    // And a bad session setting exits 2 naming the field.
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        three_regions("", RAFT_AND_MM).replacen("sessions = 20", "sessions = 100001", 1),
    )
    .unwrap();
    let o = geosim(&["validate", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("workload.clients[0].sessions"));
}
