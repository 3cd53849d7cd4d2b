//! Tests of `multi-master`: the version-vector order, and the repair of replication lost to
//! a fault (a healed partition, a cut too short to suspect, a region back from an outage):
//! hand counts of the catch-up bytes on each link, the age of stale reads, and the conflicts
//! a healed cut reveals; the table of writes in flight after a long cut or outage (a test
//! wrapper registered as a custom strategy reads it), and the writes a cut kept at their
//! origin, lost when it comes back empty. Whole runs through `sim::run_strategy`.
//!
//! Test-only; may import the scenario parser and `sim` to run whole scenarios.

use std::path::Path;

use super::{
    compare, Cell, MmMsg, MultiMaster, MultiMasterConfig, Order, Resolution, COUNTED, OPEN,
};
use crate::metrics::RunMetrics;
use crate::scenario::{from_str, Format};
use crate::sim::custom::{Registry, Setup};
use crate::sim::run_strategy;
use crate::strategy::{Ctx, Request, Strategy, Version};
use crate::topology::RegionId;

/// A packed cell gives back every version it was given, with the flags apart; and its words
/// above the flags are in the order of their versions, `(stamp, origin)`, up to the largest
/// stamp a validated run makes (805 days of ns) and the 64th region.
#[test]
fn a_cell_keeps_its_version_and_flags_and_orders_as_versions_do() {
    let top = 805 * 86_400 * 1_000_000_000u64;
    let stamps = [0, 1, 2, 255, 256, 1 << 40, top - 1, top, (1 << 56) - 1];
    let mut versions = vec![Version::NONE];
    for &stamp in &stamps {
        for origin in [0, 1, 7, 62, 63] {
            versions.push(Version { stamp, origin });
        }
    }
    for &a in &versions {
        for (open, counted) in [(false, false), (true, false), (false, true), (true, true)] {
            let mut c = Cell::EMPTY;
            c.win(a);
            c.set(OPEN, open);
            c.set(COUNTED, counted);
            assert_eq!((c.winner(), c.open(), c.counted()), (a, open, counted));
            c.win(a);
            assert!(!c.open() && !c.counted());
        }
        for &b in &versions {
            let (mut x, mut y) = (Cell::EMPTY, Cell::EMPTY);
            x.win(a);
            y.win(b);
            y.set(OPEN, true);
            assert_eq!((x.0 >> 2).cmp(&(y.0 >> 2)), a.cmp(&b), "{a:?} {b:?}");
        }
    }
    assert_eq!(Cell::EMPTY.winner(), Version::NONE);
}

#[test]
fn vector_order() {
    assert!(compare(&[1, 0], &[1, 0]) == Order::Dominated);
    assert!(compare(&[0, 0], &[1, 0]) == Order::Dominated);
    assert!(compare(&[2, 0], &[1, 0]) == Order::Dominates);
    assert!(compare(&[2, 0], &[1, 1]) == Order::Concurrent);
}

/// Regions `p` and `s` joined by a constant `link_ms` link (detection: heartbeat 100 ms,
/// timeout 1 s), then `rest` (clients, faults, strategy settings), run once.
fn two(head: &str, link_ms: f64, rest: &str) -> RunMetrics {
    let text = format!(
        "{head}\n[clients]\ntimeout_ms = 1000\nretries = 0\nreroute_after_s = 100\n\
         [detection]\nheartbeat_ms = 100\ntimeout_ms = 1000\n[network]\nunlinked = \"route\"\n\
         [[regions]]\nname = \"p\"\nlat = 0.0\nlon = 0.0\nintra_ms = 1.0\n\
         [[regions]]\nname = \"s\"\nlat = 0.0\nlon = 10.0\nintra_ms = 1.0\n\
         [[links]]\nfrom = \"p\"\nto = \"s\"\nlatency = {link_ms:?}\n{rest}"
    );
    let sc = from_str(&text, Format::Toml, Path::new("t.toml")).unwrap();
    run_strategy(&sc, 0, 1)
}

/// `p` writes 50/s (100-byte values) over `keys` keys, `s` reads 200/s over them.
fn writer_reader(keys: u64) -> String {
    format!(
        "[[workload.clients]]\nregion = \"p\"\nrate_rps = 50\nread_fraction = 0.0\n\
         keys = {keys}\nzipf = 0.0\nvalue_bytes = 100\n\
         [[workload.clients]]\nregion = \"s\"\nrate_rps = 200\nread_fraction = 1.0\n\
         keys = {keys}\nzipf = 0.0\n[[strategies]]\nkind = \"multi-master\"\nname = \"mm\"\n"
    )
}

fn fault(kind: &str, start_s: f64, duration_s: f64) -> String {
    let what = match kind {
        "cut" => "kind = \"partition\"\na = [\"p\"]\nb = [\"s\"]".to_string(),
        region => format!("kind = \"region-outage\"\nregion = \"{region}\"\nrecover = \"durable\""),
    };
    format!("[[faults]]\n{what}\nstart_s = {start_s}\nduration_s = {duration_s}\n")
}

/// Bytes of one replicated write: header, the 100-byte value, a vector of two counters.
const WRITE: u64 = 64 + 100 + 4 * 2;
/// Bytes of a snapshot of all 20 keys: header, then 16 bytes and a vector per key.
const SNAPSHOT_20: u64 = 64 + 20 * (16 + 4 * 2);

/// A 10 s cut (detected after 1 s): every write `p` sends `s` goes out (bytes count when
/// sent, the cut drops them), and when it heals each side asks the other once for a snapshot
/// of its store (20 keys: 500 writes before the cut write them all). `s` sends nothing else
/// (it only reads): its 64-byte request and its snapshot. `p` sends its writes, its request
/// and its snapshot. (Nothing used to be resent: `s` -> `p` was 0.)
#[test]
fn a_healed_partition_is_repaired_by_one_snapshot_each_way() {
    let m = two(
        "duration_s = 40\ndrain_s = 5",
        20.0,
        &(writer_reader(20) + &fault("cut", 10.0, 10.0)),
    );
    assert!(m.writes > 1500);
    assert_eq!(m.failed, 0);
    assert_eq!(
        m.bytes_matrix[1],
        m.writes * WRITE + 64 + SNAPSHOT_20,
        "p -> s"
    );
    assert_eq!(m.bytes_matrix[2], 64 + SNAPSHOT_20, "s -> p");
}

/// A 0.5 s cut is over before the detector (1 s) suspects anyone: only the sequence numbers
/// show it. `p`'s first write after it reaches `s` with a gap, and `s` asks `p` once for a
/// snapshot (64 bytes, `s`'s only message); `p` never misses anything (`s` sends no writes).
#[test]
fn a_cut_too_short_to_suspect_is_repaired_at_the_first_gap() {
    let m = two(
        "duration_s = 40\ndrain_s = 5",
        20.0,
        &(writer_reader(20) + &fault("cut", 10.0, 0.5)),
    );
    assert_eq!(m.failed, 0);
    assert_eq!(m.bytes_matrix[1], m.writes * WRITE + SNAPSHOT_20, "p -> s");
    assert_eq!(m.bytes_matrix[2], 64, "s -> p");
}

/// `p`, the writer, is down from 10 s to 15 s and comes back with its store (`durable`):
/// it asks `s` for a snapshot (64) of the 20 keys `s` holds, and `s`, which suspected it,
/// asks it for one when its heartbeats return (64 + 20 keys). `s` sends exactly those.
#[test]
fn a_region_back_from_an_outage_and_its_peer_exchange_one_snapshot_each_way() {
    let m = two(
        "duration_s = 40\ndrain_s = 5",
        20.0,
        &(writer_reader(20) + &fault("p", 10.0, 5.0)),
    );
    assert_eq!(m.bytes_matrix[2], 64 + SNAPSHOT_20, "s -> p");
    // `p`: one write message per write it accepted, its request, its snapshot.
    assert_eq!((m.bytes_matrix[1] - 64 - SNAPSHOT_20) % WRITE, 0, "p -> s");
}

/// Cold keys: `p` writes 10/s over 2,000 keys (most written once), `s` reads 1,000/s over
/// them, one-way 200 ms. Whatever the fault (a 10 s cut; `s` down 10 s; `p` down 10 s, with
/// the writes it had on the wire lost), a read at `s` is stale only for a write made at most
/// the fault's 10 s plus a few round trips before it: the fault's end brings a snapshot. (Without
/// the repair a key written during the fault, or on the wire when `p` went down, stayed stale
/// until written again: reads up to 50 s stale.)
#[test]
fn no_read_stays_stale_for_longer_than_the_fault() {
    let clients = "[[workload.clients]]\nregion = \"p\"\nrate_rps = 10\nread_fraction = 0.0\n\
                   keys = 2000\nzipf = 0.0\n[[workload.clients]]\nregion = \"s\"\n\
                   rate_rps = 1000\nread_fraction = 1.0\nkeys = 2000\nzipf = 0.0\n\
                   [[strategies]]\nkind = \"multi-master\"\nname = \"mm\"\n";
    for f in ["cut", "s", "p"] {
        let m = two(
            "duration_s = 60\ndrain_s = 5",
            200.0,
            &(clients.to_string() + &fault(f, 10.0, 10.0)),
        );
        assert!(m.stale_reads > 50, "{f}: the fault makes stale reads");
        let oldest = m.staleness.max_ms();
        assert!(oldest < 12_000.0, "{f}: a read {oldest} ms stale");
    }
}

/// One key; `p` and `s` each write it once a second for 20 s, one-way 6 ms; they are cut off
/// from 10 s to 30 s, so their last writes are concurrent, and the clients stop at 20 s: only
/// the snapshots exchanged at the heal bring them together. Each region's own write meets
/// the other's: one conflict at each (2), the same in every mode; `lww` discards one of the
/// two (1 lost update), `version-vector` keeps a sibling at each region, `crdt` merges at
/// each. (No conflict before the cut in this seed: writes within 6 ms of each other are rare.) Without the
/// repair: none of it.
#[test]
fn writes_concurrent_across_a_healed_cut_conflict_once_at_each_region() {
    for (mode, lost, extra) in [
        ("lww", 1, None),
        ("version-vector", 0, Some(("siblings", 2.0))),
        ("crdt", 0, Some(("merges", 2.0))),
    ] {
        let rest = format!(
            "[[workload.clients]]\nregion = \"p\"\nrate_rps = 1\nread_fraction = 0.0\nkeys = 1\n\
             [[workload.clients]]\nregion = \"s\"\nrate_rps = 1\nread_fraction = 0.0\nkeys = 1\n\
             [[strategies]]\nkind = \"multi-master\"\nname = \"mm\"\nresolution = \"{mode}\"\n{}",
            fault("cut", 10.0, 20.0)
        );
        let m = two("duration_s = 20\ndrain_s = 20", 6.0, &rest);
        assert_eq!((m.conflicts, m.lost_updates), (2, lost), "{mode}");
        if let Some((name, v)) = extra {
            assert!(m.extra.contains(&(name, v)), "{mode}: {:?}", m.extra);
        }
    }
}

/// Multi-master (`lww`) reporting its table of writes in flight as figures: `in_flight` at
/// the end of the run, `peak_in_flight` after any write.
struct Counted {
    mm: MultiMaster,
    peak: usize,
}

impl Strategy for Counted {
    type Msg = MmMsg;
    type Timer = ();

    fn on_request(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, at: RegionId, req: Request) {
        self.mm.on_request(ctx, at, req);
        self.peak = self.peak.max(self.mm.writes.len());
    }
    fn on_message(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, at: RegionId, from: RegionId, m: MmMsg) {
        self.mm.on_message(ctx, at, from, m);
    }
    fn on_suspect(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, at: RegionId, p: RegionId, s: bool) {
        self.mm.on_suspect(ctx, at, p, s);
    }
    fn on_dropped(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, from: RegionId, to: RegionId, m: MmMsg) {
        self.mm.on_dropped(ctx, from, to, m);
    }
    fn on_region_down(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, region: RegionId) {
        self.mm.on_region_down(ctx, region);
    }
    fn on_region_up(&mut self, ctx: &mut Ctx<'_, MmMsg, ()>, region: RegionId, empty: bool) {
        self.mm.on_region_up(ctx, region, empty);
    }
    fn extra(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("in_flight", self.mm.writes.len() as f64),
            ("peak_in_flight", self.peak as f64),
        ]
    }
}

/// `p` writes 1,000/s to `s` over a constant 20 ms link, and from 10 s to 70 s `what` (a cut,
/// or `s` down and back with its store) drops every copy: 60,000 writes. Each copy is received
/// or dropped, so the run ends with none in flight (the drain is 5 s, far beyond 20 ms) and the
/// table never held more than the copies on the wire: about 20 on average, far below 1,000.
/// (It used to keep every write whose copy was dropped: 60,000 at the end.)
#[test]
fn copies_a_fault_drops_leave_no_write_in_flight() {
    for what in ["cut", "s"] {
        let rest = "[[workload.clients]]\nregion = \"p\"\nrate_rps = 1000\n\
                    read_fraction = 0.0\nkeys = 100\nzipf = 0.0\n[[strategies]]\n\
                    kind = \"custom\"\nstrategy = \"counted\"\nname = \"mm\"\n";
        let text = format!(
            "duration_s = 80\ndrain_s = 5\n[clients]\ntimeout_ms = 1000\nretries = 0\n\
             [detection]\nheartbeat_ms = 100\ntimeout_ms = 1000\n[network]\n\
             unlinked = \"route\"\n[[regions]]\nname = \"p\"\nlat = 0.0\nlon = 0.0\n\
             [[regions]]\nname = \"s\"\nlat = 0.0\nlon = 10.0\n[[links]]\nfrom = \"p\"\n\
             to = \"s\"\nlatency = {{ dist = \"constant\", ms = 20.0 }}\n{rest}{}",
            fault(what, 10.0, 60.0)
        );
        let path = Path::new("t.toml");
        let mut sc = from_str(&text, Format::Toml, path).unwrap();
        let mut reg = Registry::new();
        reg.register("counted", |_: serde::de::IgnoredAny, s: &Setup<'_>| {
            let cfg = MultiMasterConfig {
                resolution: Resolution::Lww,
            };
            Ok(Counted {
                mm: MultiMaster::new(cfg, s.topology.len(), s.key_space),
                peak: 0,
            })
        });
        reg.attach(&mut sc, path).unwrap();
        let m = run_strategy(&sc, 0, 1);
        assert!(m.writes > 75_000, "{what}: {} writes", m.writes);
        assert!(
            m.extra.contains(&("in_flight", 0.0)),
            "{what}: {:?}",
            m.extra
        );
        let peak = m.extra.iter().find(|e| e.0 == "peak_in_flight").unwrap().1;
        assert!(peak < 200.0, "{what}: {peak} writes in flight at once");
    }
}

/// `p` writes `rate`/s over 100 keys until 20 s, a cut drops `p -> s` from 0 s to `cut_s`,
/// and `p` is down from 25 s to 30 s and comes back empty. Every write succeeded.
fn cut_then_empty_outage(rate: u64, cut_s: f64) -> RunMetrics {
    let rest = format!(
        "[[workload.clients]]\nregion = \"p\"\nrate_rps = {rate}\nread_fraction = 0.0\n\
         keys = 100\nzipf = 0.0\nvalue_bytes = 100\n[[strategies]]\n\
         kind = \"multi-master\"\nname = \"mm\"\n{}\
         [[faults]]\nkind = \"region-outage\"\nregion = \"p\"\nrecover = \"empty\"\n\
         start_s = 25.0\nduration_s = 5.0\n",
        fault("cut", 0.0, cut_s)
    );
    let m = two("duration_s = 20\ndrain_s = 30", 20.0, &rest);
    assert!(m.writes > 10 * rate, "{rate}/s: {} writes", m.writes);
    assert_eq!(m.failed, 0, "{rate}/s");
    m
}

/// Every write `p` makes lands in a cut (0 s to 40 s; the clients stop at 20 s), so every copy
/// is dropped and each write lives only at `p`; `p` goes down at 25 s and comes back empty at
/// 30 s: every write it acknowledged is lost (RPO), by hand `m.writes`, whether its ticket is
/// still in the window of acknowledgements (100 writes) or not (100,000 > 65,536 of them).
#[test]
fn writes_whose_copies_a_cut_all_dropped_are_lost_with_their_origin() {
    for rate in [5, 5000] {
        let m = cut_then_empty_outage(rate, 40.0);
        assert_eq!(m.rpo_writes(), m.writes, "{rate}/s");
        assert_eq!(m.rpo_unacked(), 0, "{rate}/s");
    }
}

/// `p`'s writes from 0 s to 10 s land in a cut, so every copy is dropped and each lives only
/// at `p`; the cut heals at 10 s, `s` stops suspecting `p` and catches up from its snapshot,
/// which carries `p`'s whole store: from then on no write of `p` lives only there. The clients
/// stop at 20 s; `p` goes down at 25 s and comes back empty at 30 s, holding nothing another
/// region lacks: RPO 0 (the ~10 x rate writes of the cut used to count as lost), whether their
/// tickets are still in the window of acknowledgements (5/s) or not (5,000/s: 100,000 > 65,536
/// acknowledgements). The same outage during the cut loses them all
/// (`writes_whose_copies_a_cut_all_dropped_are_lost_with_their_origin`).
#[test]
fn writes_a_snapshot_carried_are_not_lost_with_their_origin() {
    for rate in [5, 5000] {
        let m = cut_then_empty_outage(rate, 10.0);
        assert_eq!(m.rpo_writes(), 0, "{rate}/s");
        assert_eq!(m.rpo_unacked(), 0, "{rate}/s");
    }
}

/// `s` is down from 10 s to 20 s (durable) and, back, asks `p` for its store: over the
/// constant 20 ms link the snapshot is read at `p`, and reaches `s`, at T = 20.04 s. `p`
/// (5,000 writes/s) goes down at T + 5 ms and comes back empty. Its writes still on the wire
/// then are those of the last 20 ms, Poisson(100); of those, the snapshot carried the 15 ms
/// before T, so it loses only what it accepted after T, Poisson(25) writes (acknowledged or
/// not). Bounds 5 and 60: each expectation is more than 4 standard deviations away.
#[test]
fn writes_in_flight_that_a_snapshot_carried_are_not_lost_with_their_origin() {
    let rest = "[[workload.clients]]\nregion = \"p\"\nrate_rps = 5000\nread_fraction = 0.0\n\
                keys = 100\nzipf = 0.0\nvalue_bytes = 100\n[[strategies]]\n\
                kind = \"multi-master\"\nname = \"mm\"\n\
                [[faults]]\nkind = \"region-outage\"\nregion = \"s\"\nrecover = \"durable\"\n\
                start_s = 10.0\nduration_s = 10.0\n\
                [[faults]]\nkind = \"region-outage\"\nregion = \"p\"\nrecover = \"empty\"\n\
                start_s = 20.045\nduration_s = 1.0\n";
    let m = two("duration_s = 25\ndrain_s = 5", 20.0, rest);
    let lost = m.rpo_writes() + m.rpo_unacked();
    assert!((5..60).contains(&lost), "{lost} writes lost");
}
