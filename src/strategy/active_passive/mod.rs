//! `active-passive`: one primary region takes every write; standbys copy its log; a standby
//! is promoted when the primary fails.
//!
//! Owns the active-passive replication and failover protocol. Writes are forwarded to the
//! primary, which orders them in one log: `Version::stamp` is `epoch << 40 | position`, so
//! every write of a later primary (epoch) is newer than any write of an earlier one. With
//! `Replication::Sync` the primary acknowledges a write only after every standby it does not
//! suspect has acknowledged it at its `Ack` point (or, with a `SyncQuorum`, K of the listed
//! ones); with `Async` it acknowledges at once and ships the write in the background; with
//! `SemiSync` it waits for one standby up to a timeout, then falls back to async until a
//! standby catches up (see `ack`). Reads are served by the client's own region
//! (`ReadFrom::Local`, possibly stale) or by the primary. Messages per write: 1 forward + 1
//! answer from a remote region, plus one replicate per standby (and one ack each with sync).
//!
//! Failover (see `failover`): when a standby suspects the primary, a failover controller
//! promotes the most up-to-date standby it can reach into a new epoch; writes the new primary
//! never applied are lost, and with `SplitBrain::Fencing` a primary that cannot reach a
//! majority stops accepting writes. A witness region votes in that majority but holds no
//! data: it receives no log entries and is never promoted. A region that comes back from an
//! outage, a standby whose link to the primary heals after it may have missed entries, or
//! one whose entries show a gap in their numbering (see `log`), asks the primary for a
//! snapshot and catches up (the newer-wins merge, the store and the suspicions are the shared
//! helpers of `strategy::replica`); writes waiting for it up to the snapshot are then
//! released (see `ack`). A witness asks only for the epoch.
//!
//! Files: `ack` (acknowledgement points, sync quorums, semi-sync fallback, releasing waiting
//! writes after a catch-up), `failover` (promotion, stepping down, fencing), `log` (shipping
//! entries, which log positions each standby received, reporting the acknowledged writes a
//! promoted standby lacks as lost, and catching a standby up after a partition heals or a
//! gap), `failback` (the planned handoff back to the configured primary with `failback =
//! "auto"`, the leadership timeline) and `tests`.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

mod ack;
mod failback;
mod failover;
mod log;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use crate::strategy::replica::{self, CarriesAnswer, Channels, RegionSet, RegionStore, Suspects};
use crate::strategy::{
    Ctx, Failback, Leadership, OpId, Outcome, Request, Strategy, Version, HEADER_BYTES,
};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};
use ack::{pending_key, Pending};
use log::{epoch_of, position, position_of, stamp};

/// When the primary acknowledges a write.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Replication {
    /// After every standby (that it does not suspect) has acknowledged it at its `Ack` point
    /// (with a `SyncQuorum`: K of the listed standbys).
    Sync,
    /// At once; standbys catch up in the background.
    Async,
    /// MySQL semi-sync: after one standby acknowledged it, waiting at most `timeout_ns`;
    /// then async until a standby acknowledges the primary's latest write.
    SemiSync {
        /// How long a write waits for a standby before the primary falls back, ns.
        timeout_ns: u64,
    },
}

/// The point at which a standby acknowledges a write it waits for (PostgreSQL
/// `synchronous_commit`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Ack {
    /// On receipt (written to the OS, not fsynced: `remote_write`).
    Received,
    /// After the flush delay (fsynced: `on`).
    Flushed,
    /// After the flush and apply delays (replayed, visible to reads: `remote_apply`).
    Applied,
}

/// PostgreSQL `ANY k (s1, s2, ...)`: the primary waits for `any` of the standbys in `of`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SyncQuorum {
    /// How many acknowledgements a write waits for (at least 1, at most `of.len()`).
    pub any: u16,
    /// The synchronous standbys; the others replicate asynchronously.
    pub of: RegionSet,
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
    /// Whether the primary role goes back to `primary` after it recovers.
    pub failback: Failback,
    /// Per region (as a standby): when it acknowledges; empty: `Ack::Applied` everywhere.
    pub ack: Vec<Ack>,
    /// A standby's flush (fsync) delay, ns.
    pub flush_ns: u64,
    /// A standby's apply (replay) delay after the flush, ns.
    pub apply_ns: u64,
    /// The synchronous standbys and how many of them a sync write waits for (`None`: all).
    pub sync_quorum: Option<SyncQuorum>,
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
            failback: Failback::Manual,
            ack: Vec::new(),
            flush_ns: 0,
            apply_ns: 0,
            sync_quorum: None,
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
        /// When the primary wrote it (and, unless `waits`, acknowledged it).
        written_at: SimTime,
        /// Whether the primary waits for standbys before acknowledging it (sync, semi-sync
        /// not in fallback): its acknowledgement time is looked up on receipt (`log`).
        waits: bool,
        /// The operation waiting for this standby (sync only).
        op: OpId,
        /// Its number on the primary's channel to this standby in this epoch
        /// (`replica::Channels`, in the fixed header: `log`).
        seq: u32,
    },
    /// A standby reached its acknowledgement point for a write it was asked to acknowledge.
    Ack {
        /// The operation.
        op: OpId,
        /// The write's log position (semi-sync: whether the standby caught up).
        pos: u64,
    },
    /// `primary` leads epoch `epoch`.
    NewPrimary {
        /// The epoch.
        epoch: u32,
        /// The new primary.
        primary: RegionId,
    },
    /// A standby installed the primary's snapshot: it holds every entry up to `upto` (a
    /// stamp), the cumulative acknowledgement of a PostgreSQL standby's flush position.
    Holds {
        /// The stamp (epoch and log position) up to which it holds every entry.
        upto: u64,
    },
    /// A recovered region asks the primary for its state (a witness: for its epoch only).
    CatchUp,
    /// A drained primary hands the role back to the preferred region (planned failback):
    /// it accepts no writes since it sent this, so the receiver's copy of its store as of
    /// delivery holds every write it acknowledged.
    Handoff {
        /// The drained primary's epoch.
        epoch: u32,
    },
    /// The primary's state (modelled as one message; the receiver copies the primary's
    /// store as of delivery).
    Snapshot {
        /// The primary's epoch.
        epoch: u32,
        /// Bytes on the wire (for accounting).
        entries: u64,
        /// The number the primary's next entry for the receiver has (`replica::Channels`).
        position: u32,
    },
}

impl CarriesAnswer for ApMsg {
    fn done(op: OpId, outcome: Outcome) -> Self {
        ApMsg::Done { op, outcome }
    }
}

/// Timers of the active-passive protocol.
#[derive(Copy, Clone, Debug)]
pub enum ApTimer {
    /// Promote a standby if the primary of `epoch` is still suspected.
    Promote {
        /// The epoch whose primary was suspected.
        epoch: u32,
    },
    /// Failback: the hold time may have passed (or the preferred region may have caught
    /// up, or a drain may have stalled) for the primary of `epoch`.
    Failback {
        /// The primary's epoch.
        epoch: u32,
    },
    /// A standby reached its acknowledgement point (flushed or applied): tell `to`.
    Ack {
        /// The operation.
        op: OpId,
        /// The primary that asked.
        to: RegionId,
        /// The write's log position.
        pos: u64,
    },
    /// A standby that installed a snapshot reached its acknowledgement point: tell `to`.
    Holds {
        /// The primary that sent the snapshot.
        to: RegionId,
        /// The stamp up to which the standby holds every entry.
        upto: u64,
    },
    /// Semi-sync: `op` has waited `timeout_ns` at the primary.
    SemiTimeout {
        /// The operation.
        op: OpId,
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

/// The active-passive strategy's state.
pub struct ActivePassive {
    cfg: ActivePassiveConfig,
    regions: usize,
    /// Current version per (region, key).
    store: RegionStore,
    /// Who each region believes is primary, and in which epoch.
    view: Vec<(RegionId, u32)>,
    /// The failover controller's epoch (the arbiter's lock).
    controller_epoch: u32,
    /// Per region: log entries of its view's epoch it has applied (primary: acknowledged).
    applied: Vec<u64>,
    /// Per region: log entries it has acknowledged as primary in its epoch.
    acked: Vec<u64>,
    /// The next acknowledgement ticket (unique over the run, see `Effect::Acked`).
    tickets: u64,
    /// Per region as primary: its recent acknowledged writes by log position (a ring of
    /// `RING`): `(stamp, ticket, acknowledged at)`.
    acks: Vec<Vec<(u64, u64, SimTime)>>,
    /// Per region as standby: the log positions of the epoch it follows that it received (a
    /// ring of `RING` tags, `pos / RING + 1`), and every position up to `recv_floor` (a
    /// snapshot).
    recv: Vec<Vec<u16>>,
    recv_floor: Vec<u64>,
    /// Per region as standby: it may lack entries of the epoch it follows (see `log`).
    behind: Vec<bool>,
    /// The numbers of the entries each primary ships to each standby, and the catch-ups
    /// asked for (restarted with each epoch: `log`).
    chans: Channels,
    /// Per region: its log position when a promotion superseded it as primary.
    superseded: Vec<u64>,
    /// Per region: the peers it suspects.
    suspects: Suspects,
    /// Per region: currently accepting writes as primary.
    writable: Vec<bool>,
    /// Next log position of each region as primary.
    log_pos: Vec<u64>,
    /// Writes waiting for standby acks (sync, semi-sync), by `pending_key`; an entry goes when
    /// its write is released or dies with its primary.
    pending: BTreeMap<(usize, u64), Pending>,
    /// Since when the primary has continuously reached the preferred region (failback).
    preferred_seen: SimTime,
    /// A planned failback in progress: the drained primary and the region taking over; and
    /// whether its `Handoff` is still to be sent (writes were waiting when it drained).
    draining: Option<(RegionId, RegionId)>,
    handoff_due: bool,
    /// Who led from when, and why.
    leadership: Vec<Leadership>,
    /// Semi-sync, per region as primary: since when it has been in async fallback
    /// (`SimTime::MAX`: waiting for a standby, as configured).
    fallback_since: Vec<SimTime>,
    /// Semi-sync: fallbacks to async, and the time spent in them (closed intervals), ns.
    fallbacks: u64,
    fallback_ns: u64,
}

/// Log positions the lost-write bookkeeping remembers per primary and per standby.
const RING: u64 = 1 << 16;

impl ActivePassive {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(cfg: ActivePassiveConfig, regions: usize, keys: u64) -> Self {
        let p = cfg.primary;
        let mut writable = vec![false; regions];
        writable[p as usize] = true;
        ActivePassive {
            regions,
            store: RegionStore::new(regions, keys as usize),
            view: vec![(p, 0); regions],
            controller_epoch: 0,
            applied: vec![0; regions],
            acked: vec![0; regions],
            tickets: 0,
            acks: vec![Vec::new(); regions],
            recv: vec![Vec::new(); regions],
            recv_floor: vec![0; regions],
            behind: vec![false; regions],
            chans: Channels::new(regions),
            superseded: vec![0; regions],
            suspects: Suspects::new(regions),
            writable,
            log_pos: vec![0; regions],
            pending: BTreeMap::new(),
            preferred_seen: SimTime::MAX,
            draining: None,
            handoff_due: false,
            leadership: vec![Leadership {
                t: SimTime::ZERO,
                region: p,
                reason: "start",
            }],
            fallback_since: vec![SimTime::MAX; regions],
            fallbacks: 0,
            fallback_ns: 0,
            cfg,
        }
    }

    fn is_primary(&self, r: RegionId) -> bool {
        self.view[r as usize].0 == r
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
                let v = self.store.get(p, key);
                ctx.answer(p, origin, op, Outcome::Read(v));
            }
            OpKind::Write => {
                if self.fenced(p) || self.draining.is_some_and(|(d, _)| d == p) {
                    ctx.answer(p, origin, op, Outcome::Failed);
                    return;
                }
                let epoch = self.view[p as usize].1;
                self.log_pos[p as usize] += 1;
                let version = Version {
                    stamp: stamp(epoch, self.log_pos[p as usize]),
                    origin: p,
                };
                self.store.apply(p, key, version);
                let wire = HEADER_BYTES + bytes as u64;
                let written_at = ctx.now();
                let entry = |waits| ApMsg::Replicate {
                    key,
                    version,
                    written_at,
                    waits,
                    op,
                    seq: 0,
                };
                // The standbys that get a copy: all of them but a witness (sync: those not
                // suspected), and under enforced residency only those the key may live in.
                let mut all = replica::copy_targets(ctx, self.regions, p, key);
                if let Some(w) = self.cfg.witness {
                    all.remove(w);
                }
                if !self.waits(p) {
                    self.acknowledge(ctx, p, op, version);
                    ctx.answer(p, origin, op, Outcome::Write(version));
                    self.ship(ctx, p, (all, all), key, entry(false), wire);
                    return;
                }
                let copies = all.minus(self.suspects.of(p));
                let needed = self.needed(copies);
                if needed == 0 {
                    // No synchronous standby to wait for: the others (not listed in a
                    // `SyncQuorum`) still get the entry, as asynchronous standbys.
                    self.acknowledge(ctx, p, op, version);
                    ctx.answer(p, origin, op, Outcome::Write(version));
                    self.ship(ctx, p, (all, copies), key, entry(false), wire);
                    return;
                }
                let waiting = Pending {
                    at: p,
                    remaining: needed,
                    waiting_on: self.counted(copies),
                    reply_to: origin,
                    version,
                    op,
                };
                self.pending.insert(pending_key(op), waiting);
                if let Replication::SemiSync { timeout_ns } = self.cfg.replication {
                    ctx.set_timer(p, timeout_ns, ApTimer::SemiTimeout { op });
                }
                self.ship(ctx, p, (all, copies), key, entry(true), wire);
            }
        }
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
        // A witness holds no data: its clients' reads go to the primary, as writes do.
        let local_read = req.kind == OpKind::Read
            && self.cfg.read_from == ReadFrom::Local
            && Some(at) != self.cfg.witness;
        if local_read {
            let v = self.store.get(at, req.key);
            ctx.reply(req.op, Outcome::Read(v));
        } else if at == p {
            let work = Work {
                op: req.op,
                kind: req.kind,
                key: req.key,
                bytes: req.bytes,
            };
            self.execute(ctx, at, at, work);
        } else if self.suspects.contains(at, p) {
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
            ctx.forwarded(req.op, p, crate::strategy::Part::WanRequest);
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
                    ctx.answer(at, from, op, Outcome::Failed);
                }
            }
            ApMsg::Done { op, outcome } => ctx.reply(op, outcome),
            ApMsg::Replicate {
                key,
                version,
                written_at,
                waits,
                op,
                seq,
            } => {
                let epoch = epoch_of(version.stamp);
                if epoch != self.view[at as usize].1 || self.is_primary(at) {
                    return; // An entry of another epoch: fenced off.
                }
                self.store.apply(at, key, version);
                // One entry more, unless a snapshot that landed while it travelled held it.
                if !self.has_received(at, position(version)) {
                    self.applied[at as usize] += 1;
                }
                self.received(at, version);
                self.in_sequence(ctx, at, from, seq);
                // Lag counts from the acknowledgement, which a waited-for write may have
                // had by now (a standby the primary did not wait for, or not for long).
                let acked_at = match waits {
                    false => written_at,
                    true => self.acked_time(from, version, written_at),
                };
                ctx.replicated(from, at, acked_at);
                self.ack_if_asked(ctx, at, from, op, version, waits);
            }
            ApMsg::Ack { op, pos } => self.on_ack(ctx, at, from, (op, pos)),
            ApMsg::Holds { upto } => self.on_holds(ctx, at, from, upto),
            ApMsg::NewPrimary { epoch, primary } => self.learn(ctx, at, epoch, primary),
            ApMsg::CatchUp => self.answer_catch_up(ctx, at, from),
            ApMsg::Handoff { epoch } => self.take_back(ctx, at, from, epoch),
            ApMsg::Snapshot {
                epoch, position, ..
            } => self.snapshot_landed(ctx, (at, from), epoch, position),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, ApMsg, ApTimer>, at: RegionId, timer: ApTimer) {
        match timer {
            ApTimer::Promote { epoch } => {
                if self.view[at as usize].1 == epoch {
                    self.promote(ctx, at);
                }
            }
            ApTimer::Failback { epoch } => self.failback_check(ctx, at, epoch),
            ApTimer::Ack { op, to, pos } => {
                ctx.send(at, to, ApMsg::Ack { op, pos }, HEADER_BYTES);
            }
            ApTimer::Holds { to, upto } => {
                ctx.send(at, to, ApMsg::Holds { upto }, HEADER_BYTES);
            }
            ApTimer::SemiTimeout { op } => self.semi_timeout(ctx, at, op),
        }
    }

    fn on_suspect(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ApTimer>,
        at: RegionId,
        peer: RegionId,
        suspected: bool,
    ) {
        self.suspects.set(at, peer, suspected);
        if suspected {
            self.chans.forget(at, peer); // A catch-up asked for may be lost in the cut.
        }
        let (p, epoch) = self.view[at as usize];
        if at == p && peer == self.cfg.primary {
            self.preferred_reachable(ctx, at, epoch, !suspected);
        }
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
        } else if !suspected && peer == p {
            self.rejoined(ctx, at); // The link to its primary healed.
        }
    }

    fn leadership(&self) -> Option<Vec<Leadership>> {
        Some(self.leadership.clone())
    }

    fn end(&mut self, now: SimTime) {
        for r in 0..self.regions as RegionId {
            self.fallback_ends(now, r);
        }
    }

    fn extra(&self) -> Vec<(&'static str, f64)> {
        self.semi_sync_figures()
    }

    fn on_region_down(&mut self, ctx: &mut Ctx<'_, ApMsg, ApTimer>, region: RegionId) {
        self.set_writable(ctx, region, false);
        self.chans.down(region);
        self.fallback_ends(ctx.now(), region);
        self.drop_waiting(region);
        if let Some((d, t)) = self.draining.filter(|&(d, t)| d == region || t == region) {
            // A drain does not survive either end's outage: the primary resumes.
            self.draining = None;
            if t == region && self.is_primary(d) {
                let ok = !self.fenced(d);
                self.set_writable(ctx, d, ok);
            }
        }
    }

    fn on_region_up(&mut self, ctx: &mut Ctx<'_, ApMsg, ApTimer>, region: RegionId, empty: bool) {
        if empty {
            self.store.wipe(region);
        }
        // Everyone is trusted until the restarted detector says otherwise; ask whoever leads
        // for a snapshot.
        self.suspects.clear_region(region);
        self.behind[region as usize] = false;
        let (p, _) = self.view[region as usize];
        if p == region {
            let ok = !self.fenced(region);
            self.set_writable(ctx, region, ok);
        } else {
            self.catch_up(ctx, region);
            if Some(region) == self.cfg.witness {
                ctx.caught_up(region); // It holds no data: nothing to apply.
            }
        }
    }
}
