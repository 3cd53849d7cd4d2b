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
//! Must not import the engine, the world, metrics or scenario (serde) types.

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
    /// The home's acknowledgement, back to the client's region.
    Done {
        /// The operation.
        op: OpId,
        /// The version the write got.
        version: Version,
    },
    /// A write shipped from the home to another region.
    Replicate {
        /// The key.
        key: Key,
        /// Its new version.
        version: Version,
        /// When the home acknowledged it.
        acked_at: SimTime,
    },
}

/// The active-active strategy's state.
pub struct ActiveActive {
    cfg: ActiveActiveConfig,
    regions: usize,
    keys: usize,
    /// Current version per (region, key), row-major by region.
    store: Vec<Version>,
}

impl ActiveActive {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(cfg: ActiveActiveConfig, regions: usize, keys: u64) -> Self {
        let keys = keys as usize;
        ActiveActive {
            cfg,
            regions,
            keys,
            store: vec![Version::NONE; regions * keys],
        }
    }

    #[inline]
    fn slot(&self, region: RegionId, key: Key) -> usize {
        region as usize * self.keys + key as usize
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
        let s = self.slot(home, key);
        let version = Version {
            stamp: self.store[s].stamp + 1,
            origin: home,
        };
        self.store[s] = version;
        if client == home {
            ctx.reply(op, Outcome::Write(version));
        } else {
            ctx.send(home, client, AaMsg::Done { op, version }, HEADER_BYTES);
        }
        let acked_at = ctx.now();
        let wire = HEADER_BYTES + bytes as u64;
        for r in 0..self.regions as RegionId {
            if r != home {
                let msg = AaMsg::Replicate {
                    key,
                    version,
                    acked_at,
                };
                ctx.send(home, r, msg, wire);
            }
        }
    }
}

impl Strategy for ActiveActive {
    type Msg = AaMsg;
    type Timer = ();

    fn on_request(&mut self, ctx: &mut Ctx<'_, AaMsg, ()>, at: RegionId, req: Request) {
        match req.kind {
            OpKind::Read => {
                let v = self.store[self.slot(at, req.key)];
                ctx.reply(req.op, Outcome::Read(v));
            }
            OpKind::Write => {
                let home = self.home(req.key);
                if at == home {
                    self.write_at_home(ctx, at, req.op, req.key, req.bytes);
                } else {
                    let msg = AaMsg::Forward {
                        op: req.op,
                        key: req.key,
                        bytes: req.bytes,
                    };
                    ctx.send(at, home, msg, HEADER_BYTES + req.bytes as u64);
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
            AaMsg::Done { op, version } => ctx.reply(op, Outcome::Write(version)),
            AaMsg::Replicate {
                key,
                version,
                acked_at,
            } => {
                let s = self.slot(at, key);
                if version > self.store[s] {
                    self.store[s] = version;
                }
                ctx.applied(acked_at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
        // Reads are local everywhere.
        assert!(m.read.quantile_ms(0.99) < 10.0);
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
}
