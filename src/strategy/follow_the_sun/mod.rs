//! `follow-the-sun`: one primary at a time, rotating through regions on a UTC schedule, with
//! a handoff that drains in-flight writes and ships the log tail to the next primary.
//!
//! Owns the follow-the-sun protocol. Every region knows the schedule, so it routes writes
//! (and primary reads) to the scheduled primary of the moment. The active primary replicates
//! like async active-passive: it orders each write in one global log (`Version::stamp` is
//! the log position, which keeps increasing across handoffs), acknowledges at once and ships
//! the write to every other region in the background.
//!
//! At each shift boundary (a timer armed in `on_start` and re-armed at every boundary) the
//! outgoing primary stops accepting writes and sends a `Handoff` carrying its last log
//! position to the next primary (async acknowledgements leave no write pending, but
//! replication messages may still be in flight). The next primary takes over once it has the
//! `Handoff` and has applied every log entry up to that position (each region tracks the
//! longest prefix of log positions it has applied, plus the positions it applied ahead of a
//! gap). Until then, writes that reach either primary, or that are re-routed during the
//! handoff, wait (`Wait`: the old primary forwards them to the new one, which queues them in a
//! reused buffer and runs them in arrival order when it takes over) or fail (`Fail`). A write
//! that reaches a region which is no longer (or not yet) primary outside a handoff is
//! forwarded to the active primary. If a boundary passes while a handoff is still running,
//! the next handoff starts as soon as it completes.
//!
//! Failures (heartbeat failure detector; the primary's identity is kept by one logical
//! controller, as in managed databases, so there is never more than one writable primary):
//! * At a boundary the outgoing primary skips every scheduled region it suspects (down or cut
//!   off) and hands off to the first region of the following shifts that it can reach; if
//!   none comes before itself, it stays primary. When a skipped scheduled region becomes
//!   reachable again during its shift, the substitute hands off to it.
//! * The boundary timer is armed at every region (the first to fire counts), so a down region
//!   cannot swallow it.
//! * A handoff that does not complete within `HANDOFF_RETRY_NS` is retried by the outgoing
//!   primary: it re-sends the `Handoff` with a `Snapshot` of its state (16 bytes per key), so
//!   neither a lost `Handoff` nor lost replication wedges it; if it suspects the incoming
//!   primary by then, it skips it as above (operations queued there fail).
//! * When the active primary (or the outgoing primary of a handoff) fails, that is when a
//!   majority of the other regions suspect it or are down (so a region cut off on its own
//!   cannot seize the role), the region that suspects it and finds itself first among the
//!   healthy candidates it sees takes over at once. Candidates are the regions it can reach
//!   that are up and current (missing only writes acknowledged within `FRESH_NS` of the
//!   last one, not a backlog from an earlier cut or outage), in order: the incoming primary
//!   of a handoff in progress, then the regions of the current and following shifts; when
//!   none is current, the most up-to-date one. Writes the old primary acknowledged that the
//!   new one never applied are lost (named by ticket, `replica::AckLog`: RPO counts those
//!   whose answer reached the client, the span from the oldest to the newest of them), the new
//!   primary continues the log after the old one's last position and sends every region a
//!   `Snapshot` so that the positions lost with the old primary do not hold anyone back.
//! * A region that comes back from an outage, or stops suspecting the primary, asks it for a
//!   `Snapshot` (`CatchUp`); it took no replication while out of reach. A region back from an
//!   outage has caught up (`ctx.caught_up`) when it installs the next snapshot. A primary that
//!   comes back empty before anyone took over hands over to the most up-to-date region that is
//!   up.
//! * A cut no one noticed (shorter than the detection timeout) shows in the log positions:
//!   each `Replicate` and `Handoff` names the sender's previous entry (`prev`), sent to every
//!   region over the same ordered channel; a region that does not hold it asks the primary
//!   (the outgoing one during a handoff) for the same `Snapshot`, at most one outstanding
//!   (`replica::Channels`' requests, as in the other strategies: taken as lost after 1 s, or
//!   when it suspects the holder or either goes down), as a PostgreSQL walreceiver
//!   re-requests from its last position
//!   (`log::check_gap`). So an incoming primary missing the outgoing one's tail asks at the
//!   `Handoff` instead of waiting for the retry. Entries a cut dropped with nothing sent after
//!   them by the same region stay missing until its next message; over unordered channels
//!   (`network.fifo = false`) there is no check.
//!
//! Consistency: a single writer at any time, so no conflicts and no lost updates. Reads from
//! `Local` copies are eventually consistent (stale by the replication lag); `Primary` reads
//! are served by the active primary, by the outgoing primary during a handoff (it holds every
//! acknowledged write and accepts no new ones) or wait at the incoming primary until it takes
//! over, so they never return a version older than an acknowledged one (without failures; a
//! failover loses the writes that were not replicated).
//!
//! Messages per write: `Forward` + `Done` when the client is not in the primary's region (one
//! more `Forward` when it is re-routed during a handoff), then `n - 1` `Replicate` (header +
//! value). Per handoff: one `Handoff`. Per primary read from another region: `Forward` +
//! `Done`. Extra figures: `handoffs`, `handoff_mean_ms`, `handoff_failed_writes`,
//! `handoff_queued_writes`, `handoff_retries`, `skipped_regions` (handoffs that skipped an
//! unreachable scheduled region) and `failovers`.
//!
//! Files: `schedule` (the UTC shift schedule and the boundary timer), `handoff` (where
//! operations go while the primary moves, drained handoffs and their retries), `failover`
//! (taking over from a failed primary), `log` (the global log: executing at the primary,
//! applying entries, merging snapshots) and `tests`.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

mod failover;
mod handoff;
mod log;
mod schedule;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use crate::strategy::replica::{
    self, AckLog, AckRing, CarriesAnswer, Channels, RegionStore, Suspects,
};
use crate::strategy::{Ctx, OpId, Outcome, ReadFrom, Request, Strategy, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};

/// What happens to writes that arrive during a handoff.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum HandoffPolicy {
    /// They wait until the next primary has taken over.
    Wait,
    /// They fail.
    Fail,
}

/// One shift of the schedule.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Shift {
    /// The primary during the shift.
    pub region: RegionId,
    /// When the shift starts, ns after 00:00 UTC.
    pub start_utc_ns: u64,
}

/// Settings of `follow-the-sun`.
#[derive(Clone, Debug)]
pub struct FollowTheSunConfig {
    /// Shifts sorted by start time; each lasts until the next (the last wraps to the first).
    pub shifts: Vec<Shift>,
    /// Writes during handoff.
    pub during_handoff: HandoffPolicy,
    /// Where reads are served.
    pub read_from: ReadFrom,
    /// UTC time of day at simulated time zero, ns after 00:00.
    pub start_utc_ns: u64,
}

/// Messages of the follow-the-sun protocol.
#[derive(Copy, Clone, Debug)]
pub enum FtsMsg {
    /// A client operation routed towards the primary.
    Forward {
        /// The operation.
        op: OpId,
        /// Read or write.
        kind: OpKind,
        /// The key.
        key: Key,
        /// Value size.
        bytes: u32,
        /// The client's region (where the answer goes).
        client: RegionId,
    },
    /// The answer, back to the client's region.
    Done {
        /// The operation.
        op: OpId,
        /// Its result.
        outcome: Outcome,
    },
    /// A log entry shipped to another region.
    Replicate {
        /// The key.
        key: Key,
        /// Its version.
        version: Version,
        /// When the primary acknowledged it.
        acked_at: SimTime,
        /// The position of the sender's previous log entry (0: none): it went to every region
        /// over the same ordered channel, so a region that holds neither it nor a snapshot
        /// covering it lost it (in the fixed header: wire bytes unchanged).
        prev: u64,
    },
    /// The outgoing primary hands over: it has written the log up to `last_pos`.
    Handoff {
        /// The last log position written.
        last_pos: u64,
        /// The handoff it belongs to.
        epoch: u32,
        /// The position of the sender's last log entry (0: none), as in `Replicate`.
        prev: u64,
    },
    /// A region that missed replication asks for the receiver's state.
    CatchUp,
    /// The sender's state (read when the message arrives) and the log prefix it covers.
    Snapshot,
}

impl CarriesAnswer for FtsMsg {
    fn done(op: OpId, outcome: Outcome) -> Self {
        FtsMsg::Done { op, outcome }
    }
}

/// Timers of the follow-the-sun protocol.
#[derive(Copy, Clone, Debug)]
pub enum FtsTimer {
    /// A shift boundary (armed at every region; the first to fire counts).
    Boundary {
        /// The boundary's sequence number.
        seq: u32,
    },
    /// The outgoing primary checks whether its handoff completed.
    HandoffRetry {
        /// The handoff it belongs to.
        epoch: u32,
    },
}

type Cx<'a> = Ctx<'a, FtsMsg, FtsTimer>;

/// An operation waiting for the incoming primary.
#[derive(Copy, Clone, Debug)]
struct Queued {
    op: OpId,
    kind: OpKind,
    key: Key,
    bytes: u32,
    client: RegionId,
}

/// A handoff in progress.
#[derive(Copy, Clone, Debug)]
struct Handoff {
    from: RegionId,
    to: RegionId,
    /// The boundary that started it.
    boundary: SimTime,
    last_pos: u64,
    received: bool,
    epoch: u32,
}

/// The follow-the-sun strategy's state.
pub struct FollowTheSun {
    cfg: FollowTheSunConfig,
    regions: usize,
    /// Current version per (region, key).
    store: RegionStore,
    /// The last log position written (by any primary).
    log_pos: u64,
    /// Per region, every log position up to this one is applied (or lost for good).
    upto: Vec<u64>,
    /// Per region, positions applied beyond `upto`.
    ahead: Vec<BTreeSet<u64>>,
    /// The region accepting writes (`None` during a handoff).
    active: Option<RegionId>,
    handoff: Option<Handoff>,
    /// The latest shift boundary.
    last_boundary: SimTime,
    /// Operations waiting for the incoming primary (reused).
    queue: Vec<Queued>,
    /// Regions each region's failure detector suspects.
    suspects: Suspects,
    /// Regions that are up.
    up: Vec<bool>,
    /// Regions recorded as writable.
    writable: Vec<bool>,
    /// The current boundary timer.
    boundary_seq: u32,
    /// Bumped at every handoff start and failover (stale timers and messages are ignored).
    epoch: u32,
    /// When each log position was acknowledged (how current a failover candidate is).
    ack_times: AckRing,
    /// Every acknowledgement filed with the world (RPO: the writes a failover loses).
    acks: AckLog,
    /// Regions back from an outage that have not yet installed a snapshot (catch-up).
    catching: Vec<bool>,
    /// Per region, the last log position it wrote as primary (each entry's `prev`).
    last_written: Vec<u64>,
    /// The `CatchUp`s outstanding (answered when a snapshot from that region lands; the
    /// channels' numbers are unused: gaps are found from the log positions, see `log`).
    chans: Channels,
    handoffs: u64,
    handoff_ns: u128,
    handoff_failed: u64,
    handoff_queued: u64,
    handoff_retries: u64,
    skipped: u64,
    failovers: u64,
}

impl FollowTheSun {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(cfg: FollowTheSunConfig, regions: usize, keys: u64) -> Self {
        assert!(!cfg.shifts.is_empty(), "at least one shift");
        let mut s = FollowTheSun {
            cfg,
            regions,
            store: RegionStore::new(regions, keys as usize),
            log_pos: 0,
            upto: vec![0; regions],
            ahead: vec![BTreeSet::new(); regions],
            active: None,
            handoff: None,
            last_boundary: SimTime::ZERO,
            queue: Vec::with_capacity(1024),
            suspects: Suspects::new(regions),
            up: vec![true; regions],
            writable: vec![false; regions],
            boundary_seq: 0,
            epoch: 0,
            ack_times: AckRing::new(),
            acks: AckLog::new(),
            catching: vec![false; regions],
            last_written: vec![0; regions],
            chans: Channels::new(regions),
            handoffs: 0,
            handoff_ns: 0,
            handoff_failed: 0,
            handoff_queued: 0,
            handoff_retries: 0,
            skipped: 0,
            failovers: 0,
        };
        s.active = Some(s.primary_at(SimTime::ZERO));
        s
    }

    fn set_writable(&mut self, ctx: &mut Cx<'_>, r: RegionId, w: bool) {
        if self.writable[r as usize] != w {
            self.writable[r as usize] = w;
            ctx.writable(r, w);
        }
    }

    /// Forwards `q` from `at` to `to`, or fails it when `at` suspects `to`.
    fn forward(&self, ctx: &mut Cx<'_>, at: RegionId, to: RegionId, q: Queued) {
        if self.suspects.contains(at, to) {
            ctx.answer(at, q.client, q.op, Outcome::Failed);
            return;
        }
        let msg = FtsMsg::Forward {
            op: q.op,
            kind: q.kind,
            key: q.key,
            bytes: q.bytes,
            client: q.client,
        };
        if q.kind == OpKind::Write {
            ctx.send_data(at, to, q.key, msg, HEADER_BYTES + q.bytes as u64);
        } else {
            ctx.send(at, to, msg, HEADER_BYTES + q.bytes as u64);
        }
        ctx.forwarded(q.op, to, crate::strategy::Part::WanRequest);
    }

    /// Where a region sends what it cannot serve: the incoming primary during a handoff,
    /// the active primary otherwise.
    fn target(&self) -> RegionId {
        match (self.active, self.handoff) {
            (Some(p), _) => p,
            (None, Some(h)) => h.to,
            (None, None) => unreachable!("either a primary or a handoff"),
        }
    }

    /// The region holding the latest acknowledged writes: the active primary, or the
    /// outgoing primary of a handoff.
    fn holder(&self) -> RegionId {
        match (self.active, self.handoff) {
            (Some(p), _) => p,
            (None, Some(h)) => h.from,
            (None, None) => unreachable!("either a primary or a handoff"),
        }
    }
}

impl Strategy for FollowTheSun {
    type Msg = FtsMsg;
    type Timer = FtsTimer;

    fn on_start(&mut self, ctx: &mut Cx<'_>) {
        let after = self.to_next_boundary(SimTime::ZERO);
        for r in 0..self.regions as RegionId {
            ctx.set_timer(r, after, FtsTimer::Boundary { seq: 0 });
        }
        let p = self.target();
        self.set_writable(ctx, p, true);
    }

    fn on_request(&mut self, ctx: &mut Cx<'_>, at: RegionId, req: Request) {
        if req.kind == OpKind::Read && self.cfg.read_from == ReadFrom::Local {
            let v = self.store.get(at, req.key);
            ctx.reply(req.op, Outcome::Read(v));
            return;
        }
        let q = Queued {
            op: req.op,
            kind: req.kind,
            key: req.key,
            bytes: req.bytes,
            client: at,
        };
        // Route by the schedule; around a scheduled primary known to be out of reach, to
        // whichever region holds the role.
        let scheduled = self.primary_at(ctx.now());
        let p = if self.suspects.contains(at, scheduled) {
            self.target()
        } else {
            scheduled
        };
        if p == at {
            self.arrive(ctx, at, q);
        } else {
            self.forward(ctx, at, p, q);
        }
    }

    fn on_message(&mut self, ctx: &mut Cx<'_>, at: RegionId, from: RegionId, msg: FtsMsg) {
        match msg {
            FtsMsg::Forward {
                op,
                kind,
                key,
                bytes,
                client,
            } => {
                let q = Queued {
                    op,
                    kind,
                    key,
                    bytes,
                    client,
                };
                self.arrive(ctx, at, q);
            }
            FtsMsg::Done { op, outcome } => ctx.reply(op, outcome),
            FtsMsg::Replicate {
                key,
                version,
                acked_at,
                prev,
            } => {
                self.check_gap(ctx, at, from, prev);
                self.apply(at, key, version);
                ctx.applied(acked_at);
                if self.handoff.is_some_and(|h| h.to == at) {
                    self.try_activate(ctx);
                }
            }
            FtsMsg::Handoff { epoch, prev, .. } => {
                if let Some(h) = self
                    .handoff
                    .as_mut()
                    .filter(|h| h.to == at && h.epoch == epoch)
                {
                    h.received = true;
                    // The outgoing primary's tail may have been dropped: no need to wait for
                    // the retry.
                    self.check_gap(ctx, at, from, prev);
                }
                self.try_activate(ctx);
            }
            FtsMsg::CatchUp => {
                replica::send_snapshot(ctx, &self.store, at, from, FtsMsg::Snapshot);
            }
            FtsMsg::Snapshot => {
                self.chans.forget(at, from); // Answered (the numbers are unused).
                self.install(ctx, at, from);
                if std::mem::take(&mut self.catching[at as usize]) {
                    // Back from an outage: it now holds every write acknowledged before.
                    ctx.caught_up(at);
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Cx<'_>, at: RegionId, timer: FtsTimer) {
        match timer {
            FtsTimer::Boundary { seq } => self.boundary(ctx, seq),
            FtsTimer::HandoffRetry { epoch } => self.retry_handoff(ctx, at, epoch),
        }
    }

    fn on_suspect(&mut self, ctx: &mut Cx<'_>, at: RegionId, peer: RegionId, suspected: bool) {
        self.suspects.set(at, peer, suspected);
        if suspected {
            self.chans.forget(at, peer); // A catch-up asked for may be lost in the cut.
        } else {
            if peer == self.holder() && at != peer {
                // Replication from the primary may have been lost meanwhile.
                self.ask(ctx, at, peer);
            }
            let scheduled = self.primary_at(ctx.now());
            if self.active == Some(at) && peer == scheduled && at != scheduled {
                // The skipped region of this shift is back in reach: return to the schedule.
                self.start_handoff(ctx, at, peer, ctx.now());
            }
        }
        self.check_failover(ctx);
    }

    fn on_region_down(&mut self, ctx: &mut Cx<'_>, region: RegionId) {
        self.up[region as usize] = false;
        self.chans.down(region);
        self.set_writable(ctx, region, false);
        if self.handoff.is_some_and(|h| h.to == region) {
            // What waited there is lost with it (its clients time out).
            self.queue.clear();
        }
        self.check_failover(ctx);
    }

    fn on_region_up(&mut self, ctx: &mut Cx<'_>, region: RegionId, empty: bool) {
        let r = region as usize;
        self.up[r] = true;
        self.suspects.clear_region(region);
        if empty {
            self.store.wipe(region);
            self.upto[r] = 0;
            self.ahead[r].clear();
        }
        let holder = self.holder();
        // Caught up (`faults[].catch_up_s`) when the next snapshot is installed; a primary
        // back with its log intact has nothing to catch up.
        self.catching[r] = holder != region || empty;
        if holder != region {
            self.ask(ctx, region, holder);
            return;
        }
        if !empty {
            ctx.caught_up(region);
            // Back before anyone took over, with its log intact.
            if self.active == Some(region) {
                self.set_writable(ctx, region, true);
            }
            return;
        }
        // The primary came back empty: the most up-to-date region that is up takes over.
        let up = (0..self.regions as RegionId).filter(|&x| x != region && self.up[x as usize]);
        let best = replica::most_up_to_date(up, |x| self.upto[x as usize]);
        if let Some(c) = best {
            self.promote(ctx, c, region);
        }
    }

    fn extra(&self) -> Vec<(&'static str, f64)> {
        // A mean without handoffs, or the figure of the handoff policy not in use, is left
        // out (n/a).
        let mut out = vec![("handoffs", self.handoffs as f64)];
        if self.handoffs > 0 {
            let mean_ms = self.handoff_ns as f64 / self.handoffs as f64 / 1e6;
            out.push(("handoff_mean_ms", mean_ms));
        }
        out.push(match self.cfg.during_handoff {
            HandoffPolicy::Fail => ("handoff_failed_writes", self.handoff_failed as f64),
            HandoffPolicy::Wait => ("handoff_queued_writes", self.handoff_queued as f64),
        });
        out.extend([
            ("handoff_retries", self.handoff_retries as f64),
            ("skipped_regions", self.skipped as f64),
            ("failovers", self.failovers as f64),
        ]);
        out
    }
}
