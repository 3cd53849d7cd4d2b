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
//!   none is current, the most up-to-date one. writes the old primary acknowledged that the new one never applied
//!   are lost (counted as RPO, with the time span between the first and the last), the new
//!   primary continues the log after the old one's last position and sends every region a
//!   `Snapshot` so that the positions lost with the old primary do not hold anyone back.
//! * A region that comes back from an outage, or stops suspecting the primary, asks it for a
//!   `Snapshot` (`CatchUp`); it took no replication while out of reach. A primary that comes
//!   back empty before anyone took over hands over to the most up-to-date region that is up.
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
//! Must not import the engine, the world, metrics or scenario (serde) types.

use std::collections::BTreeSet;

use crate::strategy::{Ctx, OpId, Outcome, ReadFrom, Request, Strategy, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind, DAY_NS};

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
    },
    /// The outgoing primary hands over: it has written the log up to `last_pos`.
    Handoff {
        /// The last log position written.
        last_pos: u64,
        /// The handoff it belongs to.
        epoch: u32,
    },
    /// A region that missed replication asks for the receiver's state.
    CatchUp,
    /// The sender's state (read when the message arrives) and the log prefix it covers.
    Snapshot,
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

/// A handoff still running after this long is retried (or re-targeted).
const HANDOFF_RETRY_NS: u64 = 2_000_000_000;
/// Acknowledgement times kept for the time span of lost writes (by log position).
const ACK_RING: usize = 1 << 16;
/// A failover candidate that misses only writes acknowledged within this long before the
/// last one is current.
const FRESH_NS: u64 = 1_000_000_000;

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
    keys: usize,
    /// Current version per (region, key), row-major by region.
    store: Vec<Version>,
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
    /// Regions each region's failure detector suspects (bit = region id).
    suspects: Vec<u64>,
    /// Regions that are up.
    up: Vec<bool>,
    /// Regions recorded as writable.
    writable: Vec<bool>,
    /// The current boundary timer.
    boundary_seq: u32,
    /// Bumped at every handoff start and failover (stale timers and messages are ignored).
    epoch: u32,
    /// When each log position was acknowledged (ring).
    ack_times: Vec<SimTime>,
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
            keys: keys as usize,
            store: vec![Version::NONE; regions * keys as usize],
            log_pos: 0,
            upto: vec![0; regions],
            ahead: vec![BTreeSet::new(); regions],
            active: None,
            handoff: None,
            last_boundary: SimTime::ZERO,
            queue: Vec::with_capacity(1024),
            suspects: vec![0; regions],
            up: vec![true; regions],
            writable: vec![false; regions],
            boundary_seq: 0,
            epoch: 0,
            ack_times: Vec::new(),
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

    /// The scheduled primary at simulated time `t`.
    pub fn primary_at(&self, t: SimTime) -> RegionId {
        self.cfg.shifts[self.shift_at(t)].region
    }

    /// The index of the shift running at simulated time `t`.
    fn shift_at(&self, t: SimTime) -> usize {
        let utc = self.utc(t);
        let shifts = &self.cfg.shifts;
        match shifts.partition_point(|s| s.start_utc_ns <= utc) {
            0 => shifts.len() - 1,
            i => i - 1,
        }
    }

    #[inline]
    fn utc(&self, t: SimTime) -> u64 {
        ((self.cfg.start_utc_ns as u128 + t.as_nanos() as u128) % DAY_NS as u128) as u64
    }

    /// Nanoseconds from `t` to the next shift start (strictly after `t`).
    fn to_next_boundary(&self, t: SimTime) -> u64 {
        let utc = self.utc(t);
        let shifts = &self.cfg.shifts;
        let next = match shifts.partition_point(|s| s.start_utc_ns <= utc) {
            i if i < shifts.len() => shifts[i].start_utc_ns,
            _ => shifts[0].start_utc_ns + DAY_NS,
        };
        next - utc
    }

    #[inline]
    fn slot(&self, region: RegionId, key: Key) -> usize {
        region as usize * self.keys + key as usize
    }

    #[inline]
    fn suspects(&self, at: RegionId, peer: RegionId) -> bool {
        self.suspects[at as usize] >> peer & 1 == 1
    }

    /// Region `region` applies log entry `v` (its stamp is the log position).
    fn apply(&mut self, region: RegionId, key: Key, v: Version) {
        let s = self.slot(region, key);
        if v > self.store[s] {
            self.store[s] = v;
        }
        let r = region as usize;
        let pos = v.stamp;
        if pos == self.upto[r] + 1 {
            self.upto[r] = pos;
            while self.ahead[r].remove(&(self.upto[r] + 1)) {
                self.upto[r] += 1;
            }
        } else if pos > self.upto[r] {
            self.ahead[r].insert(pos);
        }
    }

    fn set_writable(&mut self, ctx: &mut Cx<'_>, r: RegionId, w: bool) {
        if self.writable[r as usize] != w {
            self.writable[r as usize] = w;
            ctx.writable(r, w);
        }
    }

    fn answer(&self, ctx: &mut Cx<'_>, at: RegionId, client: RegionId, op: OpId, outcome: Outcome) {
        if at == client {
            ctx.reply(op, outcome);
        } else {
            ctx.send(at, client, FtsMsg::Done { op, outcome }, HEADER_BYTES);
        }
    }

    /// Forwards `q` from `at` to `to`, or fails it when `at` suspects `to`.
    fn forward(&self, ctx: &mut Cx<'_>, at: RegionId, to: RegionId, q: Queued) {
        if self.suspects(at, to) {
            self.answer(ctx, at, q.client, q.op, Outcome::Failed);
            return;
        }
        let msg = FtsMsg::Forward {
            op: q.op,
            kind: q.kind,
            key: q.key,
            bytes: q.bytes,
            client: q.client,
        };
        ctx.send(at, to, msg, HEADER_BYTES + q.bytes as u64);
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

    /// Where primary `p` should hand off now: the first region of the current and
    /// following shifts that it does not suspect, unless `p` itself comes first.
    fn pick(&self, now: SimTime, p: RegionId) -> Option<RegionId> {
        let shifts = &self.cfg.shifts;
        let i = self.shift_at(now);
        (0..shifts.len())
            .map(|k| shifts[(i + k) % shifts.len()].region)
            .find(|&r| r == p || !self.suspects(p, r))
            .filter(|&r| r != p)
    }

    /// The region that should take over from the failed `old`, as `r` sees it.
    /// Candidates are regions `r` can reach that are up and current: they miss only writes
    /// acknowledged within `FRESH_NS` of the last one (replication in flight when the primary
    /// failed, not a backlog from an earlier cut). Without a current one, the most
    /// up-to-date region `r` can reach (ties: schedule order).
    fn candidate(&self, now: SimTime, r: RegionId, old: RegionId) -> Option<RegionId> {
        let reachable = |c: RegionId| c != old && self.up[c as usize] && !self.suspects(r, c);
        let current = |c: RegionId| {
            let first = self.upto[c as usize] + 1;
            first > self.log_pos
                || (self.log_pos - first < ACK_RING as u64 && {
                    let t = |p: u64| self.ack_times[p as usize % ACK_RING];
                    t(self.log_pos).saturating_since(t(first)) <= FRESH_NS
                })
        };
        if let Some(h) = self.handoff {
            if reachable(h.to) && current(h.to) {
                return Some(h.to);
            }
        }
        let shifts = &self.cfg.shifts;
        let i = self.shift_at(now);
        let order = (0..shifts.len()).map(|k| shifts[(i + k) % shifts.len()].region);
        order
            .clone()
            .find(|&c| reachable(c) && current(c))
            .or_else(|| {
                order
                    .filter(|&c| reachable(c))
                    .min_by_key(|&c| std::cmp::Reverse(self.upto[c as usize]))
            })
    }

    /// The active primary runs an operation.
    fn execute(&mut self, ctx: &mut Cx<'_>, p: RegionId, q: Queued) {
        match q.kind {
            OpKind::Read => {
                let v = self.store[self.slot(p, q.key)];
                self.answer(ctx, p, q.client, q.op, Outcome::Read(v));
            }
            OpKind::Write => {
                self.log_pos += 1;
                let version = Version {
                    stamp: self.log_pos,
                    origin: p,
                };
                self.apply(p, q.key, version);
                self.answer(ctx, p, q.client, q.op, Outcome::Write(version));
                let acked_at = ctx.now();
                if self.ack_times.is_empty() {
                    self.ack_times = vec![SimTime::ZERO; ACK_RING];
                }
                self.ack_times[self.log_pos as usize % ACK_RING] = acked_at;
                let msg = FtsMsg::Replicate {
                    key: q.key,
                    version,
                    acked_at,
                };
                let wire = HEADER_BYTES + q.bytes as u64;
                for r in 0..self.regions as RegionId {
                    if r != p {
                        ctx.send(p, r, msg, wire);
                    }
                }
            }
        }
    }

    /// A write or primary read reached region `at` on its way to the primary.
    fn arrive(&mut self, ctx: &mut Cx<'_>, at: RegionId, q: Queued) {
        if self.active == Some(at) {
            return self.execute(ctx, at, q);
        }
        let Some(h) = self.handoff else {
            let p = self.target();
            return self.forward(ctx, at, p, q);
        };
        if q.kind == OpKind::Read {
            // The outgoing primary holds every acknowledged write and takes no new ones.
            if at == h.from {
                self.execute(ctx, at, q);
            } else if at == h.to {
                self.queue.push(q);
            } else {
                self.forward(ctx, at, h.to, q);
            }
            return;
        }
        match self.cfg.during_handoff {
            HandoffPolicy::Fail => {
                self.handoff_failed += 1;
                self.answer(ctx, at, q.client, q.op, Outcome::Failed);
            }
            HandoffPolicy::Wait if at == h.to => {
                self.handoff_queued += 1;
                self.queue.push(q);
            }
            HandoffPolicy::Wait => self.forward(ctx, at, h.to, q),
        }
    }

    /// The primary `from` hands over to `to`; the handoff's time counts from `since` (the
    /// boundary that called for it).
    fn start_handoff(&mut self, ctx: &mut Cx<'_>, from: RegionId, to: RegionId, since: SimTime) {
        if to != self.primary_at(ctx.now()) {
            self.skipped += 1;
        }
        self.epoch += 1;
        self.active = None;
        self.handoff = Some(Handoff {
            from,
            to,
            boundary: since,
            last_pos: self.log_pos,
            received: false,
            epoch: self.epoch,
        });
        self.set_writable(ctx, from, false);
        let msg = FtsMsg::Handoff {
            last_pos: self.log_pos,
            epoch: self.epoch,
        };
        ctx.send(from, to, msg, HEADER_BYTES);
        let retry = FtsTimer::HandoffRetry { epoch: self.epoch };
        ctx.set_timer(from, HANDOFF_RETRY_NS, retry);
    }

    /// The incoming primary takes over once it has the handoff and the whole log.
    fn try_activate(&mut self, ctx: &mut Cx<'_>) {
        let Some(h) = self.handoff else {
            return;
        };
        if !h.received || self.upto[h.to as usize] < h.last_pos {
            return;
        }
        self.handoff = None;
        self.active = Some(h.to);
        self.set_writable(ctx, h.to, true);
        self.handoffs += 1;
        self.handoff_ns += ctx.now().saturating_since(h.boundary) as u128;
        self.run_queue(ctx, h.to);
        // A boundary passed during the handoff: hand over again.
        if let Some(next) = self.pick(ctx.now(), h.to) {
            self.start_handoff(ctx, h.to, next, self.last_boundary);
        }
    }

    /// The new primary `p` runs the operations that waited for it.
    fn run_queue(&mut self, ctx: &mut Cx<'_>, p: RegionId) {
        let mut queue = std::mem::take(&mut self.queue);
        for q in queue.drain(..) {
            self.execute(ctx, p, q);
        }
        self.queue = queue;
    }

    /// The operations queued at `at` fail (answered if `at` is up).
    fn fail_queue(&mut self, ctx: &mut Cx<'_>, at: RegionId) {
        let mut queue = std::mem::take(&mut self.queue);
        for q in queue.drain(..) {
            if self.up[at as usize] {
                self.answer(ctx, at, q.client, q.op, Outcome::Failed);
            }
        }
        self.queue = queue;
    }

    /// Runs the failover check of every region (the first that qualifies takes over).
    fn check_failover(&mut self, ctx: &mut Cx<'_>) {
        for r in 0..self.regions as RegionId {
            if self.maybe_promote(ctx, r) {
                return;
            }
        }
    }

    /// `r` takes over if the controller sees the primary failed (a majority of the other
    /// regions suspect it or are down: one partitioned region cannot seize the role), `r`
    /// suspects it too and `r` is first among the candidates it can reach.
    fn maybe_promote(&mut self, ctx: &mut Cx<'_>, r: RegionId) -> bool {
        let old = self.holder();
        if r == old || !self.up[r as usize] || !self.suspects(r, old) {
            return false;
        }
        let votes = (0..self.regions as RegionId)
            .filter(|&x| x != old && (!self.up[x as usize] || self.suspects(x, old)))
            .count();
        if votes * 2 < self.regions || self.candidate(ctx.now(), r, old) != Some(r) {
            return false;
        }
        self.promote(ctx, r, old);
        true
    }

    /// `c` takes over from the failed `old`; the writes `c` never applied are lost.
    fn promote(&mut self, ctx: &mut Cx<'_>, c: RegionId, old: RegionId) {
        self.epoch += 1;
        self.failovers += 1;
        let r = c as usize;
        let missing = self.log_pos - self.upto[r] - self.ahead[r].len() as u64;
        if missing > 0 {
            let first = self.upto[r] + 1;
            let last = (first..=self.log_pos)
                .rev()
                .find(|p| !self.ahead[r].contains(p))
                .unwrap_or(first);
            let first = first.max((last + 1).saturating_sub(ACK_RING as u64));
            let t = |p: u64| self.ack_times[p as usize % ACK_RING];
            ctx.data_lost(missing, t(last).saturating_since(t(first)));
        }
        self.upto[r] = self.log_pos;
        self.ahead[r].clear();
        self.set_writable(ctx, old, false);
        let handoff = self.handoff.take();
        self.active = Some(c);
        self.set_writable(ctx, c, true);
        match handoff {
            Some(h) if h.to == c => self.run_queue(ctx, c),
            Some(h) => self.fail_queue(ctx, h.to),
            None => {}
        }
        // Positions lost with the old primary must not hold anyone back.
        for x in 0..self.regions as RegionId {
            if x != c && !self.suspects(c, x) {
                ctx.send(c, x, FtsMsg::Snapshot, HEADER_BYTES + self.keys as u64 * 16);
            }
        }
    }

    /// Region `at` merges `from`'s state.
    fn install(&mut self, ctx: &mut Cx<'_>, at: RegionId, from: RegionId) {
        let (src, dst) = (from as usize * self.keys, at as usize * self.keys);
        for k in 0..self.keys {
            let v = self.store[src + k];
            if v > self.store[dst + k] {
                self.store[dst + k] = v;
            }
        }
        let r = at as usize;
        let upto = self.upto[r].max(self.upto[from as usize]);
        self.upto[r] = upto;
        self.ahead[r] = self.ahead[r].split_off(&(upto + 1));
        while self.ahead[r].remove(&(self.upto[r] + 1)) {
            self.upto[r] += 1;
        }
        if self.handoff.is_some_and(|h| h.to == at) {
            self.try_activate(ctx);
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
            let v = self.store[self.slot(at, req.key)];
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
        let p = if self.suspects(at, scheduled) {
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
            } => {
                self.apply(at, key, version);
                ctx.applied(acked_at);
                if self.handoff.is_some_and(|h| h.to == at) {
                    self.try_activate(ctx);
                }
            }
            FtsMsg::Handoff { epoch, .. } => {
                if let Some(h) = &mut self.handoff {
                    if h.to == at && h.epoch == epoch {
                        h.received = true;
                    }
                }
                self.try_activate(ctx);
            }
            FtsMsg::CatchUp => {
                ctx.send(
                    at,
                    from,
                    FtsMsg::Snapshot,
                    HEADER_BYTES + self.keys as u64 * 16,
                );
            }
            FtsMsg::Snapshot => self.install(ctx, at, from),
        }
    }

    fn on_timer(&mut self, ctx: &mut Cx<'_>, at: RegionId, timer: FtsTimer) {
        match timer {
            FtsTimer::Boundary { seq } => {
                if seq != self.boundary_seq {
                    return; // Another region's copy fired first.
                }
                self.boundary_seq = seq.wrapping_add(1);
                let now = ctx.now();
                self.last_boundary = now;
                let after = self.to_next_boundary(now);
                let next = FtsTimer::Boundary {
                    seq: self.boundary_seq,
                };
                for r in 0..self.regions as RegionId {
                    ctx.set_timer(r, after, next);
                }
                // The candidates for a failover changed with the shift.
                self.check_failover(ctx);
                // During a running handoff, the next one starts when it completes.
                if let Some(p) = self.active {
                    if let Some(to) = self.pick(now, p) {
                        self.start_handoff(ctx, p, to, now);
                    }
                }
            }
            FtsTimer::HandoffRetry { epoch } => {
                let Some(h) = self.handoff.filter(|h| h.epoch == epoch && h.from == at) else {
                    return;
                };
                self.handoff_retries += 1;
                if self.suspects(at, h.to) {
                    // The incoming primary is out of reach: skip it, or keep the role.
                    self.fail_queue(ctx, h.to);
                    self.handoff = None;
                    self.active = Some(at);
                    self.set_writable(ctx, at, true);
                    if let Some(to) = self.pick(ctx.now(), at) {
                        self.start_handoff(ctx, at, to, h.boundary);
                    }
                    return;
                }
                // Replication or the handoff itself may have been lost: send both again.
                ctx.send(
                    at,
                    h.to,
                    FtsMsg::Snapshot,
                    HEADER_BYTES + self.keys as u64 * 16,
                );
                let msg = FtsMsg::Handoff {
                    last_pos: h.last_pos,
                    epoch,
                };
                ctx.send(at, h.to, msg, HEADER_BYTES);
                ctx.set_timer(at, HANDOFF_RETRY_NS, FtsTimer::HandoffRetry { epoch });
            }
        }
    }

    fn on_suspect(&mut self, ctx: &mut Cx<'_>, at: RegionId, peer: RegionId, suspected: bool) {
        if suspected {
            self.suspects[at as usize] |= 1u64 << peer;
        } else {
            self.suspects[at as usize] &= !(1u64 << peer);
            if peer == self.holder() && at != peer {
                // Replication from the primary may have been lost meanwhile.
                ctx.send(at, peer, FtsMsg::CatchUp, HEADER_BYTES);
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
        self.suspects[r] = 0;
        if empty {
            self.store[r * self.keys..(r + 1) * self.keys].fill(Version::NONE);
            self.upto[r] = 0;
            self.ahead[r].clear();
        }
        let holder = self.holder();
        if holder != region {
            ctx.send(region, holder, FtsMsg::CatchUp, HEADER_BYTES);
            return;
        }
        if !empty {
            // Back before anyone took over, with its log intact.
            if self.active == Some(region) {
                self.set_writable(ctx, region, true);
            }
            return;
        }
        // The primary came back empty: the most up-to-date region that is up takes over.
        let best = (0..self.regions as RegionId)
            .filter(|&x| x != region && self.up[x as usize])
            .max_by(|&a, &b| {
                let (ua, ub) = (self.upto[a as usize], self.upto[b as usize]);
                ua.cmp(&ub).then(b.cmp(&a))
            });
        if let Some(c) = best {
            self.promote(ctx, c, region);
        }
    }

    fn extra(&self) -> Vec<(&'static str, f64)> {
        let mean_ms = if self.handoffs == 0 {
            0.0
        } else {
            self.handoff_ns as f64 / self.handoffs as f64 / 1e6
        };
        vec![
            ("handoffs", self.handoffs as f64),
            ("handoff_mean_ms", mean_ms),
            ("handoff_failed_writes", self.handoff_failed as f64),
            ("handoff_queued_writes", self.handoff_queued as f64),
            ("handoff_retries", self.handoff_retries as f64),
            ("skipped_regions", self.skipped as f64),
            ("failovers", self.failovers as f64),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::RunMetrics;
    use crate::scenario::{self, Format, Scenario};
    use crate::sim::run_strategy;
    use std::path::Path;

    const H: u64 = 3_600_000_000_000;

    /// Tokyo, Dublin and Oregon; shifts follow their office hours (00, 08 and 16 UTC).
    const REGIONS: &str = r#"
[[regions]]
name = "ap-northeast-1"
lat = 35.6762
lon = 139.6503
[[regions]]
name = "eu-west-1"
lat = 53.3498
lon = -6.2603
[[regions]]
name = "us-west-2"
lat = 45.5152
lon = -122.6784
"#;

    /// (region, UTC offset in hours, shift start UTC hour).
    const ZONES: [(&str, i64, u64); 3] = [
        ("ap-northeast-1", 9, 0),
        ("eu-west-1", 1, 8),
        ("us-west-2", -8, 16),
    ];

    fn strategy(name: &str, during: &str, read_from: &str) -> String {
        let mut s = format!(
            "[[strategies]]\nkind = \"follow-the-sun\"\nname = \"{name}\"\n\
             during_handoff = \"{during}\"\nread_from = \"{read_from}\"\n"
        );
        for (r, _, start) in ZONES {
            s += &format!("[[strategies.shifts]]\nregion = \"{r}\"\nstart_utc_h = {start}\n");
        }
        s
    }

    /// Clients in every region; with `office`, a diurnal profile at full rate during the
    /// region's shift (its office hours) and `off` outside it.
    fn clients(rate: f64, read_fraction: f64, office: Option<f64>) -> String {
        let mut s = String::new();
        for (r, offset, start) in ZONES {
            s += &format!(
                "[[workload.clients]]\nregion = \"{r}\"\nrate_rps = {rate}\n\
                 read_fraction = {read_fraction}\nkeys = 100\nvalue_bytes = 256\n"
            );
            if let Some(off) = office {
                let profile: Vec<String> = (0..24i64)
                    .map(|local| {
                        let utc = (local - offset).rem_euclid(24) as u64;
                        let on = utc >= start && utc < start + 8;
                        (if on { 1.0 } else { off }).to_string()
                    })
                    .collect();
                s += &format!(
                    "[workload.clients.diurnal]\nutc_offset_h = {offset}\nprofile = [{}]\n",
                    profile.join(", ")
                );
            }
        }
        s
    }

    /// Explicit links with heavy-tailed latency (p99 four times the median), so that
    /// replication messages can arrive after the handoff.
    const JITTERY_LINKS: &str = r#"
[[links]]
from = "ap-northeast-1"
to = "eu-west-1"
latency = { dist = "lognormal", p50_ms = 110.0, p99_ms = 440.0 }
[[links]]
from = "ap-northeast-1"
to = "us-west-2"
latency = { dist = "lognormal", p50_ms = 50.0, p99_ms = 200.0 }
[[links]]
from = "eu-west-1"
to = "us-west-2"
latency = { dist = "lognormal", p50_ms = 70.0, p99_ms = 280.0 }
"#;

    fn scenario(start_h: f64, duration_s: f64, clients: &str, strategies: &str) -> Scenario {
        jittery_scenario(start_h, duration_s, clients, strategies, false)
    }

    /// A scenario whose clients do not retry, so every write failed by a handoff counts.
    fn jittery_scenario(
        start_h: f64,
        duration_s: f64,
        clients: &str,
        strategies: &str,
        jitter: bool,
    ) -> Scenario {
        let links = if jitter { JITTERY_LINKS } else { "" };
        let text = format!(
            "name = \"t\"\nseed = 5\nduration_s = {duration_s}\ndrain_s = 10\n\
             start_utc_h = {start_h}\n{REGIONS}\n{links}\n{clients}\n{strategies}\n\
             [clients]\nretries = 0\n"
        );
        scenario::from_str(&text, Format::Toml, Path::new("t.toml")).unwrap()
    }

    fn extra(m: &RunMetrics, name: &str) -> f64 {
        m.extra.iter().find(|(n, _)| *n == name).unwrap().1
    }

    fn config(start_utc_ns: u64, starts: &[(RegionId, u64)]) -> FollowTheSunConfig {
        FollowTheSunConfig {
            shifts: starts
                .iter()
                .map(|&(region, h)| Shift {
                    region,
                    start_utc_ns: h * H,
                })
                .collect(),
            during_handoff: HandoffPolicy::Wait,
            read_from: ReadFrom::Local,
            start_utc_ns,
        }
    }

    #[test]
    fn the_primary_follows_the_schedule() {
        let at = |s: &FollowTheSun, h: u64| s.primary_at(SimTime(h * H));
        // Three 8-hour shifts from 00:00 UTC, starting at midnight.
        let s = FollowTheSun::new(config(0, &[(0, 0), (1, 8), (2, 16)]), 3, 1);
        for h in 0..48 {
            assert_eq!(at(&s, h), ((h % 24) / 8) as RegionId, "hour {h}");
        }
        assert_eq!(s.primary_at(SimTime(8 * H - 1)), 0);
        assert_eq!(s.primary_at(SimTime(24 * H - 1)), 2);
        assert_eq!(s.to_next_boundary(SimTime::ZERO), 8 * H);
        assert_eq!(s.to_next_boundary(SimTime(20 * H)), 4 * H);
        // Starting at 20:00 UTC: the third shift, then the first after 4 hours.
        let s = FollowTheSun::new(config(20 * H, &[(0, 0), (1, 8), (2, 16)]), 3, 1);
        let expect = |h: u64| (((h + 20) % 24) / 8) as RegionId;
        for h in 0..48 {
            assert_eq!(at(&s, h), expect(h), "hour {h}");
        }
        assert_eq!(s.to_next_boundary(SimTime::ZERO), 4 * H);
        // The first shift starts at 06:00: before it, the last shift (from 22:00) still runs.
        let s = FollowTheSun::new(config(0, &[(2, 6), (0, 14), (1, 22)]), 3, 1);
        for (h, r) in [
            (0, 1),
            (5, 1),
            (6, 2),
            (13, 2),
            (14, 0),
            (21, 0),
            (22, 1),
            (30, 2),
        ] {
            assert_eq!(at(&s, h), r, "hour {h}");
        }
        assert_eq!(s.to_next_boundary(SimTime::ZERO), 6 * H);
        assert_eq!(s.to_next_boundary(SimTime(23 * H)), 7 * H);
        // A single shift never hands over; its boundary comes once a day.
        let s = FollowTheSun::new(config(3 * H, &[(1, 5)]), 3, 1);
        assert!((0..30).all(|h| at(&s, h) == 1));
        assert_eq!(s.to_next_boundary(SimTime::ZERO), 2 * H);
        assert_eq!(s.to_next_boundary(SimTime(2 * H)), 24 * H);
    }

    #[test]
    fn writes_are_local_at_the_primary_and_pay_the_round_trip_elsewhere() {
        // 10:00 to 10:01 UTC: Dublin's shift.
        let strategies = strategy("fts", "wait", "local") + &strategy("fts-p", "fail", "primary");
        let sc = scenario(10.0, 60.0, &clients(30.0, 0.5, None), &strategies);
        let eu = sc.topology.find("eu-west-1").unwrap();
        for i in 0..2 {
            let m = run_strategy(&sc, i, 1);
            assert_eq!(m.failed, 0);
            assert_eq!(m.conflicts, 0);
            assert_eq!(extra(&m, "handoffs"), 0.0);
            for r in 0..3u16 {
                let w = m.per_region[r as usize][1].quantile_ms(0.5);
                if r == eu {
                    assert!(w < 10.0, "primary's write p50 {w}");
                } else {
                    let rtt = sc.topology.median_rtt_ms(r, eu);
                    assert!(w >= rtt, "region {r}: write p50 {w} < round trip {rtt}");
                }
            }
            // Replication to the two other regions.
            assert_eq!(m.lag.count(), 2 * m.writes);
        }
    }

    #[test]
    fn a_day_of_office_hours_rotates_the_primary() {
        // Each region writes mostly in its own office hours, when it is the primary.
        let sc = scenario(
            0.0,
            86_400.0,
            &clients(1.0, 0.5, Some(0.05)),
            &strategy("fts", "wait", "local"),
        );
        let m = run_strategy(&sc, 0, 2);
        assert!(m.writes > 30_000, "{}", m.writes);
        assert_eq!(m.failed, 0);
        assert_eq!(m.conflicts, 0);
        assert_eq!(m.lost_updates, 0);
        // Boundaries at 08:00, 16:00 and 24:00 (the end of the run; the drain covers it).
        assert_eq!(extra(&m, "handoffs"), 3.0);
        let mean = extra(&m, "handoff_mean_ms");
        assert!(mean > 10.0 && mean < 1_000.0, "handoff mean {mean} ms");
        for r in 0..3 {
            let w = m.per_region[r][1].quantile_ms(0.5);
            assert!(w < 10.0, "region {r}: write p50 {w}");
            // Writes outside the shift (5 % of the peak rate) go to a remote primary.
            assert!(m.per_region[r][1].quantile_ms(0.99) > 50.0);
        }
    }

    #[test]
    fn handoffs_fail_or_delay_writes_only_around_boundaries() {
        let strategies = strategy("fail", "fail", "local") + &strategy("wait", "wait", "primary");
        let load = clients(150.0, 0.5, None);
        // 07:59:30 to 08:00:30 UTC: Tokyo hands over to Dublin 30 s in.
        let sc = jittery_scenario(7.0 + 59.5 / 60.0, 60.0, &load, &strategies, true);
        let fail = run_strategy(&sc, 0, 4);
        assert_eq!(extra(&fail, "handoffs"), 1.0);
        assert!(fail.failed > 0);
        assert_eq!(fail.failed as f64, extra(&fail, "handoff_failed_writes"));
        // Only writes within about a second of the boundary fail (225 writes per second).
        assert!(fail.failed < 300, "{}", fail.failed);
        assert_eq!(fail.conflicts, 0);
        let wait = run_strategy(&sc, 1, 4);
        assert_eq!(extra(&wait, "handoffs"), 1.0);
        assert_eq!(wait.failed, 0);
        assert!(extra(&wait, "handoff_queued_writes") > 0.0);
        // Dublin waited for replication messages that the handoff overtook.
        assert!(extra(&wait, "handoff_mean_ms") > 200.0);
        assert_eq!(wait.stale_reads, 0, "primary reads across a handoff");
        assert_eq!(wait.conflicts, 0);
        // Without a boundary in the run nothing fails.
        let sc = scenario(8.5, 60.0, &load, &strategies);
        let fail = run_strategy(&sc, 0, 4);
        assert_eq!(extra(&fail, "handoffs"), 0.0);
        assert_eq!(fail.failed, 0);
    }

    /// A rotation through the three regions with a shift every `every_s` seconds, from
    /// 00:00 UTC.
    fn rapid(name: &str, during: &str, every_s: f64, shifts: usize) -> String {
        let mut s = format!(
            "[[strategies]]\nkind = \"follow-the-sun\"\nname = \"{name}\"\n\
             during_handoff = \"{during}\"\nread_from = \"primary\"\n"
        );
        for i in 0..shifts {
            let (r, _, _) = ZONES[i % 3];
            let h = i as f64 * every_s / 3600.0;
            s += &format!("[[strategies.shifts]]\nregion = \"{r}\"\nstart_utc_h = {h}\n");
        }
        s
    }

    #[test]
    fn rapid_handoffs_keep_primary_reads_fresh() {
        // A handoff every second (and every 0.2 s, shorter than some handoffs take) over
        // links whose replication messages often arrive after the handoff.
        let strategies = rapid("wait", "wait", 1.0, 30)
            + &rapid("fail", "fail", 1.0, 30)
            + &rapid("wait-fast", "wait", 0.2, 100);
        let sc = jittery_scenario(0.0, 15.0, &clients(100.0, 0.5, None), &strategies, true);
        for i in 0..3 {
            let m = run_strategy(&sc, i, 8);
            let name = &sc.strategies[i].name;
            let handoffs = extra(&m, "handoffs");
            assert_eq!(m.stale_reads, 0, "{name}");
            assert_eq!(m.conflicts, 0, "{name}");
            assert!(m.read.count() > 1_000, "{name}");
            if i == 1 {
                assert!(m.failed > 0, "{name}");
                assert_eq!(m.failed as f64, extra(&m, "handoff_failed_writes"));
            } else {
                assert_eq!(m.failed, 0, "{name}");
            }
            if i < 2 {
                // Boundaries every second until the drain ends (15 s of load + 10 s).
                assert!((23.0..=25.0).contains(&handoffs), "{name}: {handoffs}");
            } else {
                // Boundaries that pass during a handoff are taken when it completes.
                assert!((20.0..99.0).contains(&handoffs), "{name}: {handoffs}");
            }
        }
    }

    /// Clients in the three regions (half writes), the rotation, a fast detector, clients
    /// that retry and reroute after 5 s, starting at `start_h` UTC, with `faults`.
    fn faulty(start_h: f64, duration_s: f64, faults: &str) -> Scenario {
        let text = format!(
            "name = \"f\"\nseed = 6\nduration_s = {duration_s}\ndrain_s = 20\n\
             start_utc_h = {start_h}\n\
             [clients]\ntimeout_ms = 1000\nretries = 3\nreroute_after_s = 5\n\
             [detection]\nheartbeat_ms = 500\ntimeout_ms = 2000\n\
             {REGIONS}\n{}\n{}\n{faults}",
            clients(50.0, 0.5, None),
            strategy("fts", "wait", "primary"),
        );
        scenario::from_str(&text, Format::Toml, Path::new("t.toml")).unwrap()
    }

    fn outage(region: &str, start_s: u32, duration_s: u32) -> String {
        format!(
            "[[faults]]\nkind = \"region-outage\"\nregion = \"{region}\"\n\
             start_s = {start_s}\nduration_s = {duration_s}\n"
        )
    }

    /// Every operation issued from `from_s` on succeeded.
    fn all_succeed_from(m: &RunMetrics, from_s: u64) {
        let first = (from_s * 1_000_000_000 / m.bucket_ns) as usize;
        for (i, b) in m.timeline.iter().enumerate().skip(first) {
            assert_eq!(b.succeeded, b.attempted, "bucket {i}");
        }
    }

    #[test]
    fn a_region_down_at_its_shift_is_skipped() {
        // 07:59 UTC: Tokyo hands over at 60 s, but Dublin is down from 20 s to 140 s, so
        // Oregon takes the shift; Dublin gets it back when it returns.
        let sc = faulty(7.0 + 59.0 / 60.0, 200.0, &outage("eu-west-1", 20, 120));
        let m = run_strategy(&sc, 0, 3);
        assert_eq!(extra(&m, "skipped_regions"), 1.0);
        assert_eq!(extra(&m, "failovers"), 0.0);
        // Tokyo -> Oregon at the boundary, Oregon -> Dublin after Dublin is back.
        assert_eq!(extra(&m, "handoffs"), 2.0);
        let mean = extra(&m, "handoff_mean_ms");
        assert!(mean < 1_000.0, "{mean}");
        assert_eq!(m.faults[0].lost_writes, 0);
        assert_eq!(m.stale_reads, 0, "primary reads");
        assert_eq!(m.split_brain_ns, 0);
        // Only Dublin's clients fail, until they are rerouted (5 s after the outage).
        all_succeed_from(&m, 26);
        let eu = sc.topology.find("eu-west-1").unwrap() as usize;
        for r in 0..3 {
            let a = &m.availability[r];
            assert_eq!(a.succeeded == a.attempted, r != eu, "region {r}: {a:?}");
        }
    }

    #[test]
    fn the_next_healthy_region_takes_over_from_a_failed_primary() {
        // 09:00 UTC: Dublin's shift; Dublin is lost from 20 s to 80 s. Oregon (the next
        // shift) takes over after detection, losing what Dublin had not shipped yet.
        let sc = faulty(9.0, 150.0, &outage("eu-west-1", 20, 60));
        let m = run_strategy(&sc, 0, 3);
        assert_eq!(extra(&m, "failovers"), 1.0);
        let lost = m.faults[0].lost_writes;
        assert!((1..30).contains(&lost), "{lost} lost writes");
        assert!(m.faults[0].lost_span_ns < 1_000_000_000);
        assert_eq!(m.split_brain_ns, 0);
        // Back at 80 s, Dublin catches up and gets its shift back.
        assert_eq!(extra(&m, "handoffs"), 1.0);
        // Detection (2 to 2.5 s) and a client retry: everything succeeds from 26 s on.
        all_succeed_from(&m, 26);
        let rto = m.faults[0].rto_ns().expect("recovered");
        assert!(rto > 2_000_000_000 && rto < 8_000_000_000, "{rto}");
    }

    #[test]
    fn a_lost_handoff_is_retried() {
        // 07:59:30 UTC: Tokyo hands over to Dublin at 30 s, while a one-second partition
        // (too short to be detected) drops the handoff.
        let cut = "[[faults]]\nkind = \"partition\"\na = [\"ap-northeast-1\"]\n\
                   b = [\"eu-west-1\"]\nstart_s = 29.9\nduration_s = 1\n";
        let sc = faulty(7.0 + 59.5 / 60.0, 60.0, cut);
        let m = run_strategy(&sc, 0, 3);
        assert_eq!(extra(&m, "handoffs"), 1.0);
        assert!(extra(&m, "handoff_retries") >= 1.0);
        let mean = extra(&m, "handoff_mean_ms");
        assert!((2_000.0..2_500.0).contains(&mean), "{mean}");
        assert_eq!(m.failed, 0);
        assert_eq!(m.stale_reads, 0);
    }
}
