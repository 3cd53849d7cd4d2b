//! `active-passive`: one primary region takes every write; standbys copy its log; a standby
//! is promoted when the primary fails.
//!
//! Owns the active-passive replication and failover protocol. Writes are forwarded to the
//! primary, which orders them in one log: `Version::stamp` is `epoch << 40 | position`, so
//! every write of a later primary (epoch) is newer than any write of an earlier one. With
//! `Replication::Sync` the primary acknowledges a write only after every standby it does not
//! suspect has applied it; with `Async` it acknowledges at once and ships the write in the
//! background. Reads are served by the client's own region (`ReadFrom::Local`, possibly
//! stale) or by the primary. Messages per write: 1 forward + 1 answer from a remote region,
//! plus one replicate per standby (and one ack each with sync).
//!
//! Failover: when a standby suspects the primary (heartbeat detector), it waits
//! `promotion_delay`, then a failover controller (a single logical arbiter, as in managed
//! databases) promotes the most up-to-date standby the suspecting standby can reach
//! (ties: lowest region id) into a new epoch; the new primary announces itself to every
//! region, and again to any region it stops suspecting. Writes the old primary acknowledged
//! that the new one never applied are lost (counted as RPO). Log entries of an older epoch
//! that arrive after a promotion are discarded. Split brain: with `SplitBrain::None` an old
//! primary that is only partitioned away keeps accepting writes until it hears of the new
//! epoch; those divergent writes are then discarded (counted as conflicts, lost updates and
//! lost data). With `SplitBrain::Fencing` a primary that cannot reach a majority of regions
//! (a witness counted) stops accepting writes. A witness region votes in that majority but
//! holds no data: it receives no log entries and is never promoted. A region that comes back from an outage asks
//! the primary for a snapshot and catches up.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use crate::strategy::{Ctx, OpId, Outcome, Request, Strategy, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};

/// When the primary acknowledges a write.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Replication {
    /// After every standby (that it does not suspect) has applied it.
    Sync,
    /// At once; standbys catch up in the background.
    Async,
}

/// Where reads are served.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ReadFrom {
    /// The client's own region (may be stale).
    Local,
    /// The primary.
    Primary,
}

/// Protection against two writable primaries.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SplitBrain {
    /// None: an isolated old primary keeps accepting writes.
    None,
    /// A primary that cannot reach a majority stops accepting writes.
    Fencing,
}

/// Settings of `active-passive`.
#[derive(Clone, Debug)]
pub struct ActivePassiveConfig {
    /// The region that takes writes at the start.
    pub primary: RegionId,
    /// Sync or async replication.
    pub replication: Replication,
    /// Where reads go.
    pub read_from: ReadFrom,
    /// Time from suspecting the primary to promoting a standby, ns.
    pub promotion_delay_ns: u64,
    /// Split-brain policy.
    pub split_brain: SplitBrain,
    /// A region that votes in the fencing majority without holding data.
    pub witness: Option<RegionId>,
}

impl ActivePassiveConfig {
    /// A fault-free configuration (5 s promotion delay, no fencing, no witness).
    pub fn simple(primary: RegionId, replication: Replication, read_from: ReadFrom) -> Self {
        ActivePassiveConfig {
            primary,
            replication,
            read_from,
            promotion_delay_ns: 5_000_000_000,
            split_brain: SplitBrain::None,
            witness: None,
        }
    }
}

/// Messages of the active-passive protocol.
#[derive(Copy, Clone, Debug)]
pub enum ApMsg {
    /// A client operation forwarded from its region to the primary.
    Forward {
        /// The operation.
        op: OpId,
        /// Read or write.
        kind: OpKind,
        /// The key.
        key: Key,
        /// Value size.
        bytes: u32,
    },
    /// The primary's answer, back to the client's region.
    Done {
        /// The operation.
        op: OpId,
        /// Its result.
        outcome: Outcome,
    },
    /// A log entry shipped to a standby.
    Replicate {
        /// The key.
        key: Key,
        /// Its new version (carries the epoch).
        version: Version,
        /// When the primary acknowledged it (`SimTime::MAX` for sync: not yet).
        acked_at: SimTime,
        /// The operation waiting for this standby (sync only).
        op: OpId,
    },
    /// A standby applied a sync write.
    Ack {
        /// The operation.
        op: OpId,
    },
    /// `primary` leads epoch `epoch`.
    NewPrimary {
        /// The epoch.
        epoch: u32,
        /// The new primary.
        primary: RegionId,
    },
    /// A recovered region asks the primary for its state.
    CatchUp,
    /// The primary's state (modelled as one message; the receiver copies the primary's
    /// store as of delivery).
    Snapshot {
        /// The primary's epoch.
        epoch: u32,
        /// Bytes on the wire (for accounting).
        entries: u64,
    },
}

/// Timers of the active-passive protocol.
#[derive(Copy, Clone, Debug)]
pub enum ApTimer {
    /// Promote a standby if the primary of `epoch` is still suspected.
    Promote {
        /// The epoch whose primary was suspected.
        epoch: u32,
    },
}

/// A client operation as the primary sees it.
#[derive(Copy, Clone, Debug)]
struct Work {
    op: OpId,
    kind: OpKind,
    key: Key,
    bytes: u32,
}

#[derive(Copy, Clone, Debug, Default)]
struct Pending {
    remaining: u16,
    reply_to: RegionId,
    version: Version,
    op: Option<OpId>,
}

/// Ack times of the most recent writes of the current epoch (for the span of lost data).
const ACK_RING: usize = 1 << 16;

/// The active-passive strategy's state.
pub struct ActivePassive {
    cfg: ActivePassiveConfig,
    regions: usize,
    keys: usize,
    /// Current version per (region, key), row-major by region.
    store: Vec<Version>,
    /// Who each region believes is primary, and in which epoch.
    view: Vec<(RegionId, u32)>,
    /// The failover controller's epoch (the arbiter's lock).
    controller_epoch: u32,
    /// Per region: log entries of its view's epoch it has applied (primary: acknowledged).
    applied: Vec<u64>,
    /// Per region: log entries it has acknowledged as primary in its epoch.
    acked: Vec<u64>,
    /// Ack times of the primary's recent writes, ring indexed by position.
    ack_times: Vec<SimTime>,
    /// Per region: the set of peers it suspects, as a bit set.
    suspects: Vec<u64>,
    /// Per region: currently accepting writes as primary.
    writable: Vec<bool>,
    /// Next log position of each region as primary.
    log_pos: Vec<u64>,
    /// Sync writes awaiting standby acks, indexed by `OpId::index`.
    pending: Vec<Pending>,
}

fn stamp(epoch: u32, pos: u64) -> u64 {
    ((epoch as u64) << 40) | pos
}

impl ActivePassive {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(cfg: ActivePassiveConfig, regions: usize, keys: u64) -> Self {
        let p = cfg.primary;
        let mut writable = vec![false; regions];
        writable[p as usize] = true;
        ActivePassive {
            regions,
            keys: keys as usize,
            store: vec![Version::NONE; regions * keys as usize],
            view: vec![(p, 0); regions],
            controller_epoch: 0,
            applied: vec![0; regions],
            acked: vec![0; regions],
            ack_times: vec![SimTime::ZERO; ACK_RING],
            suspects: vec![0; regions],
            writable,
            log_pos: vec![0; regions],
            pending: Vec::new(),
            cfg,
        }
    }

    #[inline]
    fn slot(&self, region: RegionId, key: Key) -> usize {
        region as usize * self.keys + key as usize
    }

    fn suspects(&self, at: RegionId, peer: RegionId) -> bool {
        self.suspects[at as usize] & (1u64 << peer) != 0
    }

    fn is_primary(&self, r: RegionId) -> bool {
        self.view[r as usize].0 == r
    }

    fn apply(&mut self, region: RegionId, key: Key, v: Version) {
        let s = self.slot(region, key);
        if v > self.store[s] {
            self.store[s] = v;
        }
    }

    fn answer(
        &self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        from: RegionId,
        op: OpId,
        to: RegionId,
        outcome: Outcome,
    ) {
        if to == from {
            ctx.reply(op, outcome);
        } else {
            ctx.send(from, to, ApMsg::Done { op, outcome }, HEADER_BYTES);
        }
    }

    /// Whether the primary `p` may accept writes under the split-brain policy.
    fn fenced(&self, p: RegionId) -> bool {
        if self.cfg.split_brain == SplitBrain::None {
            return false;
        }
        let total = self.regions;
        let reachable = 1
            + (0..self.regions as RegionId)
                .filter(|&r| r != p && !self.suspects(p, r))
                .count();
        reachable * 2 <= total
    }

    fn set_writable(&mut self, ctx: &mut Ctx<'_, ApMsg, ApTimer>, r: RegionId, w: bool) {
        if self.writable[r as usize] != w {
            self.writable[r as usize] = w;
            ctx.writable(r, w);
        }
    }

    /// Region `p` (which believes it is primary) executes an operation for a client in
    /// region `origin`.
    fn execute(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        p: RegionId,
        origin: RegionId,
        work: Work,
    ) {
        let Work {
            op,
            kind,
            key,
            bytes,
        } = work;
        match kind {
            OpKind::Read => {
                let v = self.store[self.slot(p, key)];
                self.answer(ctx, p, op, origin, Outcome::Read(v));
            }
            OpKind::Write => {
                if self.fenced(p) {
                    self.answer(ctx, p, op, origin, Outcome::Failed);
                    return;
                }
                let epoch = self.view[p as usize].1;
                self.log_pos[p as usize] += 1;
                let version = Version {
                    stamp: stamp(epoch, self.log_pos[p as usize]),
                    origin: p,
                };
                self.apply(p, key, version);
                let wire = HEADER_BYTES + bytes as u64;
                let sync = self.cfg.replication == Replication::Sync;
                let enforce = ctx.enforce_residency();
                // The standbys that get a copy, as a bit set: all of them (sync: those not
                // suspected), and under enforced residency only those the key may live in.
                let witness = self.cfg.witness;
                let copies: u64 = (0..self.regions as RegionId)
                    .filter(|&r| r != p && Some(r) != witness && !(sync && self.suspects(p, r)))
                    .filter(|&r| !enforce || ctx.allowed(key, r))
                    .fold(0, |m, r| m | 1u64 << r);
                let targets = copies.count_ones() as usize;
                match self.cfg.replication {
                    Replication::Async => {
                        self.acknowledge(ctx, p, version);
                        self.answer(ctx, p, op, origin, Outcome::Write(version));
                        let acked_at = ctx.now();
                        let all = (0..self.regions as RegionId)
                            .filter(|&r| r != p && Some(r) != witness)
                            .filter(|&r| !enforce || ctx.allowed(key, r))
                            .fold(0u64, |m, r| m | 1u64 << r);
                        for s in (0..self.regions as RegionId).filter(|&r| all & (1u64 << r) != 0) {
                            let msg = ApMsg::Replicate {
                                key,
                                version,
                                acked_at,
                                op,
                            };
                            ctx.send_data(p, s, key, msg, wire);
                        }
                    }
                    Replication::Sync => {
                        if targets == 0 {
                            self.acknowledge(ctx, p, version);
                            self.answer(ctx, p, op, origin, Outcome::Write(version));
                            return;
                        }
                        if self.pending.len() <= op.index() {
                            self.pending.resize(op.index() + 1, Pending::default());
                        }
                        self.pending[op.index()] = Pending {
                            remaining: targets as u16,
                            reply_to: origin,
                            version,
                            op: Some(op),
                        };
                        for s in
                            (0..self.regions as RegionId).filter(|&r| copies & (1u64 << r) != 0)
                        {
                            let msg = ApMsg::Replicate {
                                key,
                                version,
                                acked_at: SimTime::MAX,
                                op,
                            };
                            ctx.send_data(p, s, key, msg, wire);
                        }
                    }
                }
            }
        }
    }

    /// The primary acknowledges a write (bookkeeping for RPO).
    fn acknowledge(&mut self, ctx: &mut Ctx<'_, ApMsg, ApTimer>, p: RegionId, _v: Version) {
        let n = self.acked[p as usize];
        self.ack_times[n as usize % ACK_RING] = ctx.now();
        self.acked[p as usize] = n + 1;
        self.applied[p as usize] = n + 1;
    }

    /// The controller promotes the best standby reachable from `asker`.
    fn promote(&mut self, ctx: &mut Ctx<'_, ApMsg, ApTimer>, asker: RegionId) {
        let (old, epoch) = self.view[asker as usize];
        if epoch != self.controller_epoch || !self.suspects(asker, old) {
            return;
        }
        let best = (0..self.regions as RegionId)
            .filter(|&r| r != old && Some(r) != self.cfg.witness)
            .filter(|&r| r == asker || !self.suspects(asker, r))
            .max_by(|&a, &b| {
                self.applied[a as usize]
                    .cmp(&self.applied[b as usize])
                    .then(b.cmp(&a))
            });
        let Some(new) = best else { return };
        self.controller_epoch += 1;
        let e = self.controller_epoch;
        // Writes the old primary acknowledged that the new one never applied are lost.
        let acked = self.acked[old as usize];
        let lost = acked.saturating_sub(self.applied[new as usize]);
        if lost > 0 {
            let last = self.ack_times[(acked - 1) as usize % ACK_RING];
            let first_i = acked - lost.min(ACK_RING as u64);
            let first = self.ack_times[first_i as usize % ACK_RING];
            ctx.data_lost(lost, last.saturating_since(first));
        }
        self.take_over(ctx, new, e);
        // The old primary's count restarts for what it accepts from now on (split brain).
        self.acked[old as usize] = 0;
        for r in 0..self.regions as RegionId {
            if r != new {
                ctx.send(
                    new,
                    r,
                    ApMsg::NewPrimary {
                        epoch: e,
                        primary: new,
                    },
                    HEADER_BYTES,
                );
            }
        }
    }

    fn take_over(&mut self, ctx: &mut Ctx<'_, ApMsg, ApTimer>, new: RegionId, epoch: u32) {
        self.view[new as usize] = (new, epoch);
        self.log_pos[new as usize] = 0;
        self.acked[new as usize] = 0;
        self.applied[new as usize] = 0;
        let fenced = self.fenced(new);
        self.set_writable(ctx, new, !fenced);
    }

    /// Region `r` learns that `primary` leads `epoch`.
    fn learn(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        r: RegionId,
        epoch: u32,
        primary: RegionId,
    ) {
        let (cur, e) = self.view[r as usize];
        if epoch <= e {
            return;
        }
        if cur == r {
            // An old primary steps down; whatever it accepted in its stale epoch is discarded.
            let divergent = self.acked[r as usize];
            for _ in 0..divergent {
                ctx.conflict();
                ctx.lost_update(r);
            }
            ctx.data_lost(divergent, 0);
            self.set_writable(ctx, r, false);
            ctx.send(r, primary, ApMsg::CatchUp, HEADER_BYTES);
        }
        self.view[r as usize] = (primary, epoch);
        self.applied[r as usize] = 0;
    }
}

impl Strategy for ActivePassive {
    type Msg = ApMsg;
    type Timer = ApTimer;

    fn on_start(&mut self, ctx: &mut Ctx<'_, ApMsg, ApTimer>) {
        ctx.writable(self.cfg.primary, true);
    }

    fn on_request(&mut self, ctx: &mut Ctx<'_, ApMsg, ApTimer>, at: RegionId, req: Request) {
        let p = self.view[at as usize].0;
        let local_read = req.kind == OpKind::Read && self.cfg.read_from == ReadFrom::Local;
        if local_read {
            let v = self.store[self.slot(at, req.key)];
            ctx.reply(req.op, Outcome::Read(v));
        } else if at == p {
            let work = Work {
                op: req.op,
                kind: req.kind,
                key: req.key,
                bytes: req.bytes,
            };
            self.execute(ctx, at, at, work);
        } else if self.suspects(at, p) {
            // The local proxy knows the primary is unreachable: fail fast, clients retry.
            ctx.reply(req.op, Outcome::Failed);
        } else {
            let msg = ApMsg::Forward {
                op: req.op,
                kind: req.kind,
                key: req.key,
                bytes: req.bytes,
            };
            if req.kind == OpKind::Write {
                ctx.send_data(at, p, req.key, msg, HEADER_BYTES + req.bytes as u64);
            } else {
                ctx.send(at, p, msg, HEADER_BYTES);
            }
        }
    }

    fn on_message(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        at: RegionId,
        from: RegionId,
        msg: ApMsg,
    ) {
        match msg {
            ApMsg::Forward {
                op,
                kind,
                key,
                bytes,
            } => {
                if self.is_primary(at) {
                    let work = Work {
                        op,
                        kind,
                        key,
                        bytes,
                    };
                    self.execute(ctx, at, from, work);
                } else {
                    // No longer primary: refuse, the client retries via its region.
                    self.answer(ctx, at, op, from, Outcome::Failed);
                }
            }
            ApMsg::Done { op, outcome } => ctx.reply(op, outcome),
            ApMsg::Replicate {
                key,
                version,
                acked_at,
                op,
            } => {
                let epoch = (version.stamp >> 40) as u32;
                if epoch != self.view[at as usize].1 || self.is_primary(at) {
                    return; // An entry of another epoch: fenced off.
                }
                self.apply(at, key, version);
                self.applied[at as usize] += 1;
                ctx.applied(acked_at);
                if acked_at == SimTime::MAX {
                    ctx.send(at, from, ApMsg::Ack { op }, HEADER_BYTES);
                }
            }
            ApMsg::Ack { op } => {
                let Some(p) = self.pending.get_mut(op.index()) else {
                    return;
                };
                if p.op != Some(op) || p.remaining == 0 {
                    return;
                }
                p.remaining -= 1;
                if p.remaining == 0 {
                    let (to, v) = (p.reply_to, p.version);
                    p.op = None;
                    if self.is_primary(at) {
                        self.acknowledge(ctx, at, v);
                        self.answer(ctx, at, op, to, Outcome::Write(v));
                    }
                }
            }
            ApMsg::NewPrimary { epoch, primary } => self.learn(ctx, at, epoch, primary),
            ApMsg::CatchUp => {
                if self.is_primary(at) {
                    let epoch = self.view[at as usize].1;
                    let entries = self.keys as u64;
                    ctx.send(
                        at,
                        from,
                        ApMsg::Snapshot { epoch, entries },
                        HEADER_BYTES + entries * 16,
                    );
                }
            }
            ApMsg::Snapshot { epoch, .. } => {
                let p = from as usize;
                if epoch < self.view[at as usize].1 {
                    return;
                }
                let (src, dst) = (p * self.keys, at as usize * self.keys);
                for k in 0..self.keys {
                    let v = self.store[src + k];
                    if v > self.store[dst + k] {
                        self.store[dst + k] = v;
                    }
                }
                self.view[at as usize] = (from, epoch);
                self.applied[at as usize] = self.acked[p];
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, ApMsg, ApTimer>, at: RegionId, timer: ApTimer) {
        match timer {
            ApTimer::Promote { epoch } => {
                if self.view[at as usize].1 == epoch {
                    self.promote(ctx, at);
                }
            }
        }
    }

    fn on_suspect(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        at: RegionId,
        peer: RegionId,
        suspected: bool,
    ) {
        if suspected {
            self.suspects[at as usize] |= 1u64 << peer;
        } else {
            self.suspects[at as usize] &= !(1u64 << peer);
        }
        let (p, epoch) = self.view[at as usize];
        if at == p && !suspected {
            // Heartbeats carry the sender's view: an old primary that hears from a peer
            // that follows a newer epoch steps down before it accepts another write.
            let (qp, qe) = self.view[peer as usize];
            if qe > epoch {
                self.learn(ctx, at, qe, qp);
                return;
            }
        }
        if at == p {
            // The primary re-checks its fencing, and re-announces itself to healed peers.
            let ok = !self.fenced(at);
            self.set_writable(ctx, at, ok);
            if !suspected {
                ctx.send(
                    at,
                    peer,
                    ApMsg::NewPrimary { epoch, primary: at },
                    HEADER_BYTES,
                );
            }
        } else if suspected && peer == p && Some(at) != self.cfg.witness {
            ctx.set_timer(at, self.cfg.promotion_delay_ns, ApTimer::Promote { epoch });
        }
    }

    fn on_region_down(&mut self, ctx: &mut Ctx<'_, ApMsg, ApTimer>, region: RegionId) {
        self.set_writable(ctx, region, false);
    }

    fn on_region_up(&mut self, ctx: &mut Ctx<'_, ApMsg, ApTimer>, region: RegionId, empty: bool) {
        if empty {
            let s = region as usize * self.keys;
            self.store[s..s + self.keys].fill(Version::NONE);
        }
        // Everyone is suspect until heard from again; ask whoever leads for a snapshot.
        self.suspects[region as usize] = 0;
        let (p, _) = self.view[region as usize];
        if p == region {
            let ok = !self.fenced(region);
            self.set_writable(ctx, region, ok);
        } else {
            ctx.send(region, p, ApMsg::CatchUp, HEADER_BYTES);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::scenario::{from_str, Format};
    use crate::sim::run_strategy;

    #[test]
    fn a_witness_gets_no_data_but_a_standby_does() {
        let text = r#"
duration_s = 20
[[regions]]
name = "p"
lat = 0.0
lon = 0.0
[[regions]]
name = "s"
lat = 0.0
lon = 5.0
[[regions]]
name = "w"
lat = 5.0
lon = 0.0
[[workload.clients]]
region = "p"
rate_rps = 100
read_fraction = 0.0
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "p"
split_brain = "fencing"
witness = "w"
"#;
        let sc = from_str(text, Format::Toml, Path::new("t.toml")).unwrap();
        let m = run_strategy(&sc, 0, 1);
        assert!(m.writes > 1000);
        assert!(m.bytes_matrix[1] > 0, "p -> s carries the log");
        assert_eq!(m.bytes_matrix[2], 0, "p -> w carries nothing");
        assert_eq!(
            m.lag.count(),
            m.writes,
            "one application per write, at s only"
        );
    }
}
