//! `active-active` (partitioned ownership): every key has a home region that takes its
//! writes; reads are served locally.
//!
//! Owns the active-active protocol. `ActiveActiveConfig::homes` names the home region of
//! every key. A write that arrives at the key's home is applied there at once: its
//! `Version::stamp` is the key's current stamp at the home plus one (only the home writes a
//! key, so the home's copy is always the newest and stamps of a key strictly increase) and its
//! `origin` is the home. The home acknowledges immediately and ships the write asynchronously
//! to every other region, which applies it if it is newer than its copy. A write that
//! arrives elsewhere is forwarded to the home, and the home's answer comes back to the
//! client's region, which replies. Reads are always served from the client's own region's
//! copy, so they may be stale everywhere but at the key's home.
//!
//! Consistency: per key, a single writer orders every write (no conflicts and no lost updates
//! by construction: `conflict()` and `lost_update()` are never called); reads at the home of
//! a key see every acknowledged write; reads elsewhere are eventually consistent (monotonic
//! per region only as far as the network keeps replication messages in order; an older
//! replica write arriving late is ignored).
//!
//! Messages per write: at the home, `regions - 1` replications; elsewhere, additionally one
//! forward (header + value) and one answer (header). Replications carry header + value.
//! Reads send nothing. Every region other than the home records `applied` with the time the
//! home acknowledged the write (also when a newer version had already arrived).
//!
//! Faults: reads stay local everywhere (possibly stale). A write whose home the serving
//! region suspects (its failure detector noticed the home down or cut off) fails at once
//! (`Outcome::Failed`; the client retries, then gives up); before detection such writes are
//! lost in transit and time out. Writes of every other key go on. Replication messages lost
//! to an outage or a partition are not resent one by one: instead a region that comes back
//! from an outage asks every other region for a snapshot of the keys that region is home for
//! (`CatchUp`), and so does a region that stops suspecting a peer (a healed partition) or
//! finds a replication message missing on an ordered channel (numbered per ordered pair,
//! `replica::Channels`: a cut too short for the detector; one request per pair outstanding);
//! the answer (`Snapshot`, 16 bytes per key, with the number of the sender's next
//! replication message) is merged version by version (the copy is taken from the sender's
//! state when the answer arrives, which is only ever newer). A region that comes back empty asks for every key instead, so that the keys
//! it is home for are restored from the newest replicated copies (it fails writes as a home
//! until every region it does not suspect has answered); the writes it had
//! acknowledged but not replicated are lost (RPO: per key, stamps increase by one per write
//! at the home, so the lost writes are those with a stamp above the newest replica's, named
//! by their acknowledgement tickets, `replica::AckLog`: RPO counts those whose answer reached
//! the client, the span from the oldest to the newest of them). Extra figure: `catch_ups`
//! (snapshots merged).
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use crate::strategy::replica::{
    self, AckLog, CarriesAnswer, Channels, RegionSet, RegionStore, Suspects,
};
use crate::strategy::{Ctx, OpId, Outcome, Request, Strategy, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};

/// Settings of `active-active`.
#[derive(Clone, Debug)]
pub struct ActiveActiveConfig {
    /// Home region of every key (index = key).
    pub homes: Vec<RegionId>,
}

/// Messages of the active-active protocol.
#[derive(Copy, Clone, Debug)]
pub enum AaMsg {
    /// A write forwarded from its client's region to the key's home.
    Forward {
        /// The operation.
        op: OpId,
        /// The key.
        key: Key,
        /// Value size.
        bytes: u32,
    },
    /// The home's answer, back to the client's region.
    Done {
        /// The operation.
        op: OpId,
        /// The write's version, or a failure.
        outcome: Outcome,
    },
    /// A write shipped from the home to another region.
    Replicate {
        /// The key.
        key: Key,
        /// Its new version.
        version: Version,
        /// When the home acknowledged it.
        acked_at: SimTime,
        /// Its number on the channel from the home to the receiver.
        seq: u32,
    },
    /// A region that missed replication asks for the keys the receiver is home for (every
    /// key with `full`).
    CatchUp {
        /// Every key, not only the receiver's own.
        full: bool,
    },
    /// The answer to a `CatchUp`: the sender's copies (read from its state on arrival).
    Snapshot {
        /// Every key, not only the sender's own.
        full: bool,
        /// The number of the sender's next `Replicate` to the receiver.
        position: u32,
    },
}

impl CarriesAnswer for AaMsg {
    fn done(op: OpId, outcome: Outcome) -> Self {
        AaMsg::Done { op, outcome }
    }
}

/// The active-active strategy's state.
pub struct ActiveActive {
    cfg: ActiveActiveConfig,
    regions: usize,
    /// Current version per (region, key).
    store: RegionStore,
    /// Keys homed at each region.
    homed: Vec<u64>,
    /// Regions each region's failure detector suspects.
    suspects: Suspects,
    /// Per region that came back empty, the regions whose full snapshot it still awaits; it
    /// takes no writes as a home until none is left.
    restoring: Vec<RegionSet>,
    /// Snapshots merged.
    catch_ups: u64,
    /// Every acknowledgement filed with the world (RPO).
    acks: AckLog,
    /// Per region, the first ticket acknowledged since it last came back empty.
    since: Vec<u64>,
    /// Replication sequence numbers per ordered pair, and the snapshots asked for.
    chans: Channels,
}

impl ActiveActive {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(cfg: ActiveActiveConfig, regions: usize, keys: u64) -> Self {
        let keys = keys as usize;
        let mut homed = vec![0; regions];
        for &h in &cfg.homes {
            homed[h as usize] += 1;
        }
        ActiveActive {
            cfg,
            regions,
            store: RegionStore::new(regions, keys),
            homed,
            suspects: Suspects::new(regions),
            restoring: vec![RegionSet::EMPTY; regions],
            acks: AckLog::new(),
            since: vec![0; regions],
            catch_ups: 0,
            chans: Channels::new(regions),
        }
    }

    /// `at` asks every other region for a snapshot.
    fn catch_up(&mut self, ctx: &mut Ctx<'_, AaMsg, ()>, at: RegionId, full: bool) {
        for r in 0..self.regions as RegionId {
            if r != at {
                // Always sent (a full one is awaited); recorded so that gaps wait for it.
                self.chans.ask(at, r, ctx.now());
                ctx.send(at, r, AaMsg::CatchUp { full }, HEADER_BYTES);
            }
        }
    }

    /// `at` asks `peer` for a snapshot of its keys, unless it already awaits one.
    fn pull(&mut self, ctx: &mut Ctx<'_, AaMsg, ()>, at: RegionId, peer: RegionId) {
        if self.chans.ask(at, peer, ctx.now()) {
            ctx.send(at, peer, AaMsg::CatchUp { full: false }, HEADER_BYTES);
        }
    }

    #[inline]
    fn home(&self, key: Key) -> RegionId {
        self.cfg.homes[key as usize]
    }

    /// The home of `key` applies a write from a client in region `client`, acknowledges it
    /// and replicates it.
    fn write_at_home(
        &mut self,
        ctx: &mut Ctx<'_, AaMsg, ()>,
        client: RegionId,
        op: OpId,
        key: Key,
        bytes: u32,
    ) {
        let home = self.home(key);
        if !self.restoring[home as usize].is_empty() {
            // Back empty and not yet restored: its copy of the key may be behind.
            ctx.answer(home, client, op, Outcome::Failed);
            return;
        }
        let version = Version {
            stamp: self.store.get(home, key).stamp + 1,
            origin: home,
        };
        self.store.set(home, key, version);
        ctx.answer(home, client, op, Outcome::Write(version));
        self.acks.ack(ctx, op, home, key, version, false);
        let acked_at = ctx.now();
        let wire = HEADER_BYTES + bytes as u64;
        for r in replica::copy_targets(ctx, self.regions, home, key).iter() {
            let msg = AaMsg::Replicate {
                key,
                version,
                acked_at,
                seq: self.chans.next(home, r),
            };
            ctx.send_data(home, r, key, msg, wire);
        }
    }
}

impl Strategy for ActiveActive {
    type Msg = AaMsg;
    type Timer = ();

    fn on_request(&mut self, ctx: &mut Ctx<'_, AaMsg, ()>, at: RegionId, req: Request) {
        match req.kind {
            OpKind::Read => {
                let v = self.store.get(at, req.key);
                ctx.reply(req.op, Outcome::Read(v));
            }
            OpKind::Write => {
                let home = self.home(req.key);
                if at == home {
                    self.write_at_home(ctx, at, req.op, req.key, req.bytes);
                } else if self.suspects.contains(at, home) {
                    // The home is unreachable: fail fast, the client retries.
                    ctx.reply(req.op, Outcome::Failed);
                } else {
                    let msg = AaMsg::Forward {
                        op: req.op,
                        key: req.key,
                        bytes: req.bytes,
                    };
                    ctx.send_data(at, home, req.key, msg, HEADER_BYTES + req.bytes as u64);
                    ctx.forwarded(req.op, home, crate::strategy::Part::WanRequest);
                }
            }
        }
    }

    fn on_message(
        &mut self,
        ctx: &mut Ctx<'_, AaMsg, ()>,
        at: RegionId,
        from: RegionId,
        msg: AaMsg,
    ) {
        match msg {
            AaMsg::Forward { op, key, bytes } => self.write_at_home(ctx, from, op, key, bytes),
            AaMsg::Done { op, outcome } => ctx.reply(op, outcome),
            AaMsg::Replicate {
                key,
                version,
                acked_at,
                seq,
            } => {
                self.store.apply(at, key, version);
                ctx.applied(acked_at);
                // Replication from `from` was lost on an ordered channel: catch up from it.
                if self.chans.arrived(from, at, seq) && ctx.topology().fifo(from, at) {
                    self.pull(ctx, at, from);
                }
            }
            AaMsg::CatchUp { full } => {
                let keys = if full {
                    self.store.keys() as u64
                } else {
                    self.homed[at as usize]
                };
                let position = self.chans.position(at, from);
                let msg = AaMsg::Snapshot { full, position };
                ctx.send(at, from, msg, replica::snapshot_bytes(keys));
            }
            AaMsg::Snapshot { full, position } => {
                self.chans.answered(at, from, position);
                let homes = &self.cfg.homes;
                self.store
                    .merge_newer(at, from, |k| full || homes[k] == from);
                self.catch_ups += 1;
                if full {
                    self.restoring[at as usize].remove(from);
                }
            }
        }
    }

    fn on_suspect(
        &mut self,
        ctx: &mut Ctx<'_, AaMsg, ()>,
        at: RegionId,
        peer: RegionId,
        suspected: bool,
    ) {
        self.suspects.set(at, peer, suspected);
        if suspected {
            // Do not wait for a restore from a region that is out of reach.
            self.restoring[at as usize].remove(peer);
            self.chans.forget(at, peer);
        } else {
            // Replication from `peer` may have been lost while it was out of reach.
            self.pull(ctx, at, peer);
        }
    }

    fn on_region_down(&mut self, _ctx: &mut Ctx<'_, AaMsg, ()>, region: RegionId) {
        self.chans.down(region);
    }

    fn on_region_up(&mut self, ctx: &mut Ctx<'_, AaMsg, ()>, region: RegionId, empty: bool) {
        self.suspects.clear_region(region);
        if empty {
            // The writes it acknowledged that no other region has are gone (per key, one
            // stamp per write): those above the newest replica's stamp.
            let mut lost = 0;
            let mut newest = vec![u64::MAX; self.store.keys()];
            for (k, n) in newest.iter_mut().enumerate() {
                if self.cfg.homes[k] != region {
                    continue;
                }
                let k = k as Key;
                *n = (0..self.regions as RegionId)
                    .filter(|&x| x != region)
                    .map(|x| self.store.get(x, k).stamp)
                    .max()
                    .unwrap_or(0);
                lost += self.store.get(region, k).stamp.saturating_sub(*n);
            }
            let since = self.since[region as usize];
            let named = self.acks.lose(ctx, |t, a| {
                t >= since && a.region == region && a.stamp > newest[a.key as usize]
            });
            ctx.data_lost(lost.saturating_sub(named), None);
            self.since[region as usize] = self.acks.next_ticket();
            self.store.wipe(region);
            self.restoring[region as usize] = RegionSet::all_but(self.regions, region);
        }
        self.catch_up(ctx, region, empty);
    }

    fn extra(&self) -> Vec<(&'static str, f64)> {
        vec![("catch_ups", self.catch_ups as f64)]
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::RunMetrics;
    use crate::scenario::{self, Format, Scenario};
    use crate::sim::run_strategy;
    use std::path::Path;

    const REGIONS: &str = r#"
[[regions]]
name = "us-east-1"
lat = 39.0458
lon = -77.4874
[[regions]]
name = "eu-west-1"
lat = 53.3498
lon = -6.2603
[[regions]]
name = "ap-northeast-1"
lat = 35.6762
lon = 139.6503
"#;

    fn scenario(text: &str) -> Scenario {
        scenario::from_str(text, Format::Toml, Path::new("t.toml"))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn extra(m: &RunMetrics, name: &str) -> f64 {
        m.extra.iter().find(|e| e.0 == name).map(|e| e.1).unwrap()
    }

    /// Few shared keys, every region writing: still no conflicts and no lost updates.
    #[test]
    fn contended_keys_never_conflict() {
        let mut text = format!("duration_s = 5\ndrain_s = 2\n{REGIONS}");
        for r in ["us-east-1", "eu-west-1", "ap-northeast-1"] {
            text.push_str(&format!(
                "[[workload.clients]]\nregion = \"{r}\"\nrate_rps = 300\nread_fraction = 0.5\nkeys = 5\n"
            ));
        }
        text.push_str("[[strategies]]\nkind = \"active-active\"\nname = \"aa\"\n");
        let sc = scenario(&text);
        let m = run_strategy(&sc, 0, 7);
        assert!(m.writes > 1500, "{}", m.writes);
        assert_eq!(m.failed, 0);
        assert_eq!(m.conflicts, 0);
        assert_eq!(m.lost_updates, 0);
        // Shared keys written from everywhere, read locally: some reads are stale.
        assert!(m.stale_reads > 0);
        // Every write reaches both other regions.
        assert_eq!(m.lag.count(), 2 * m.write.count());
    }

    /// Keys 0..100 homed in us-east-1, 100..200 in eu-west-1. The eu group writes us keys
    /// (remote home) and reads them locally; the us group writes and reads its own keys.
    #[test]
    fn remote_home_costs_a_round_trip_and_home_reads_are_fresh() {
        let text = format!(
            r#"duration_s = 5
drain_s = 2
{REGIONS}
[[workload.clients]]
region = "us-east-1"
rate_rps = 400
read_fraction = 0.5
keys = 100
[[workload.clients]]
region = "eu-west-1"
rate_rps = 200
read_fraction = 0.5
keys = 100
[[workload.clients]]
region = "ap-northeast-1"
rate_rps = 100
read_fraction = 0.5
keys = 100
key_offset = 100
[[strategies]]
kind = "active-active"
name = "aa"
homes = [{{ region = "us-east-1", share = 1 }}, {{ region = "eu-west-1", share = 1 }}]
"#
        );
        let sc = scenario(&text);
        let (us, eu, ap) = (0usize, 1usize, 2usize);
        let m = run_strategy(&sc, 0, 11);
        assert_eq!(m.failed, 0);
        assert_eq!(m.conflicts + m.lost_updates, 0);
        let local = m.per_region[us][1].quantile_ms(0.5);
        assert!(local < 10.0, "home write p50 {local}");
        let rtt_eu = sc.topology.median_rtt_ms(eu as u16, us as u16);
        let remote = m.per_region[eu][1].quantile_ms(0.5);
        assert!(remote >= rtt_eu, "eu write p50 {remote} < rtt {rtt_eu}");
        let rtt_ap = sc.topology.median_rtt_ms(ap as u16, eu as u16);
        let remote = m.per_region[ap][1].quantile_ms(0.5);
        assert!(remote >= rtt_ap, "ap write p50 {remote} < rtt {rtt_ap}");
        // Reads are local everywhere: two access legs of the default variation (their sum's
        // p99 is about 9.3 ms, docs/network.md "Variation"), far below any WAN round trip
        // here (over 70 ms).
        assert!(m.read.quantile_ms(0.99) < 20.0);
        assert!(
            m.stale_reads > 0,
            "eu reads of us keys should sometimes be stale"
        );

        // Every read is at its key's home: keys 0..100 are written only by the us clients;
        // keys 100..200 by the eu clients and, remotely, by write-only ap clients.
        let homes_only = text
            .replace(
                "keys = 100\n[[workload.clients]]\nregion = \"ap",
                "keys = 100\nkey_offset = 100\n[[workload.clients]]\nregion = \"ap",
            )
            .replace(
                "rate_rps = 100\nread_fraction = 0.5",
                "rate_rps = 100\nread_fraction = 0.0",
            );
        assert_eq!(homes_only.matches("key_offset = 100").count(), 2);
        assert!(homes_only.contains("read_fraction = 0.0"));
        let m = run_strategy(&scenario(&homes_only), 0, 11);
        assert!(m.reads > 1200, "{}", m.reads);
        assert!(m.writes > 1500, "{}", m.writes);
        assert_eq!(m.stale_reads, 0);
    }

    /// A group of clients in `region` on keys `offset..offset + 100`, active only in the
    /// first (`hour = 0`) or the second (`hour = 1`) UTC hour (runs start at 00:59:24, so
    /// the hour turns 36 s in), or all the time (`None`).
    fn group(
        region: &str,
        rate: f64,
        read_fraction: f64,
        offset: u64,
        hour: Option<usize>,
    ) -> String {
        let mut s = format!(
            "[[workload.clients]]\nregion = \"{region}\"\nrate_rps = {rate}\n\
             read_fraction = {read_fraction}\nkeys = 100\nkey_offset = {offset}\nzipf = 0.0\n"
        );
        if let Some(h) = hour {
            let profile: Vec<&str> = (0..24).map(|i| if i == h { "1" } else { "0" }).collect();
            s += &format!(
                "[workload.clients.diurnal]\nutc_offset_h = 0\nprofile = [{}]\n",
                profile.join(", ")
            );
        }
        s
    }

    /// Keys 0..100 homed in us-east-1, 100..200 in eu-west-1; us-east-1 down from `start`
    /// for `len` seconds (`recover`); clients retry and reroute after 5 s.
    fn outage(start: u32, len: u32, recover: &str, links: &str, clients: &str) -> Scenario {
        scenario(&format!(
            r#"duration_s = 80
drain_s = 10
seed = 5
start_utc_h = 0.99
[clients]
timeout_ms = 5000
retries = 3
reroute_after_s = 5
[detection]
heartbeat_ms = 500
timeout_ms = 2000
{REGIONS}
{links}
{clients}
[[faults]]
kind = "region-outage"
region = "us-east-1"
recover = "{recover}"
start_s = {start}
duration_s = {len}
[[strategies]]
kind = "active-active"
name = "aa"
homes = [{{ region = "us-east-1", share = 1 }}, {{ region = "eu-west-1", share = 1 }}]
"#
        ))
    }

    #[test]
    fn writes_fail_fast_only_for_keys_homed_in_a_down_region_and_it_catches_up() {
        // eu-west-1 writes us-east-1's keys all along; ap-northeast-1 writes eu-west-1's
        // keys in the first 36 s only (us-east-1 misses most of them, down from 10 s to
        // 46 s); us-east-1's clients read eu-west-1's keys from 36 s on (at eu-west-1 until
        // they come back at 51 s).
        let clients = group("eu-west-1", 20.0, 0.0, 0, None)
            + &group("ap-northeast-1", 40.0, 0.0, 100, Some(0))
            + &group("us-east-1", 50.0, 1.0, 100, Some(1));
        let sc = outage(10, 36, "durable", "", &clients);
        let (us, eu, ap) = (0usize, 1usize, 2usize);
        let m = run_strategy(&sc, 0, 3);
        let a = &m.availability;
        assert!(a[eu].succeeded[1] < a[eu].attempted[1], "{:?}", a[eu]);
        assert_eq!(a[ap].succeeded[1], a[ap].attempted[1]);
        assert!(a[ap].attempted[1] > 1000);
        assert_eq!(a[us].succeeded[0], a[us].attempted[0]);
        // Without the catch-up us-east-1 would serve the versions it had before the outage.
        assert!(m.reads > 1500, "{}", m.reads);
        assert_eq!(m.stale_reads, 0);
        assert!(extra(&m, "catch_ups") >= 2.0);
        assert_eq!(m.rpo_writes(), 0);
        assert!(m.faults[0].rto_ns().is_some());
    }

    #[test]
    fn a_home_that_comes_back_empty_is_restored_from_its_replicas() {
        // eu-west-1 writes us-east-1's keys in the first 36 s; us-east-1 is lost at 40 s and
        // comes back empty at 50 s; its clients read those keys from 36 s on.
        let clients =
            group("eu-west-1", 40.0, 0.0, 0, Some(0)) + &group("us-east-1", 50.0, 1.0, 0, Some(1));
        let sc = outage(40, 10, "empty", "", &clients);
        let m = run_strategy(&sc, 0, 3);
        assert!(m.reads > 1500, "{}", m.reads);
        assert_eq!(m.stale_reads, 0);
        assert!(extra(&m, "catch_ups") >= 2.0);
        assert_eq!(m.rpo_writes(), 0, "everything had been replicated");
    }

    #[test]
    fn writes_a_home_had_not_replicated_are_lost_with_it() {
        // us-east-1 is 2 s from everyone: about 2 s of its writes are in flight when it is
        // lost (at 30 s) and comes back empty.
        let links = r#"
[[links]]
from = "us-east-1"
to = "eu-west-1"
latency = 2000
[[links]]
from = "us-east-1"
to = "ap-northeast-1"
latency = 2000
"#;
        let sc = outage(
            30,
            10,
            "empty",
            links,
            &group("us-east-1", 20.0, 0.0, 0, None),
        );
        let m = run_strategy(&sc, 0, 3);
        let lost = m.faults[0].lost_writes;
        assert!((10..=80).contains(&lost), "{lost}");
    }

    /// A 0.5 s cut between us-east-1 (home of every key, 50 writes/s of 100 bytes) and
    /// eu-west-1 (reads only), too short for the detector (3 s) to suspect anyone: the first
    /// replication message after it reaches eu-west-1 with a gap in the channel's numbers,
    /// and eu-west-1 asks once for a snapshot. Hand count: eu-west-1 sends only that request
    /// (64 bytes; nothing before the sequence numbers), us-east-1 sends every write to both
    /// (64 + 100 each) and eu-west-1 one snapshot of its 100 keys (64 + 16 x 100).
    #[test]
    fn a_cut_too_short_to_suspect_is_repaired_at_the_first_gap() {
        let text = format!(
            r#"duration_s = 30
drain_s = 5
{REGIONS}
[[workload.clients]]
region = "us-east-1"
rate_rps = 50
read_fraction = 0.0
keys = 100
zipf = 0.0
value_bytes = 100
[[workload.clients]]
region = "eu-west-1"
rate_rps = 100
read_fraction = 1.0
keys = 100
zipf = 0.0
[[faults]]
kind = "partition"
a = ["us-east-1"]
b = ["eu-west-1"]
start_s = 10
duration_s = 0.5
[[strategies]]
kind = "active-active"
name = "aa"
homes = [{{ region = "us-east-1", share = 1 }}]
"#
        );
        let m = run_strategy(&scenario(&text), 0, 3);
        let (us, eu, ap) = (0usize, 1usize, 2usize);
        let bytes = |a: usize, b: usize| m.bytes_matrix[a * 3 + b];
        assert!(m.writes > 1000);
        assert_eq!(bytes(eu, us), 64);
        assert_eq!(bytes(us, eu), m.writes * (64 + 100) + 64 + 16 * 100);
        assert_eq!(bytes(us, ap), m.writes * (64 + 100));
        assert_eq!(extra(&m, "catch_ups"), 1.0);
    }
}
