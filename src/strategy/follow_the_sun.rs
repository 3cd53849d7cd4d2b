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
//! `Handoff` and has applied every log entry up to that position (each region counts the
//! entries it has applied; every entry reaches every region exactly once). Until then, writes
//! that reach either primary, or that are re-routed during the handoff, wait (`Wait`: the old
//! primary forwards them to the new one, which queues them in a reused buffer and runs them
//! in arrival order when it takes over) or fail (`Fail`). A write that reaches a region which
//! is no longer (or not yet) primary outside a handoff is forwarded to the active primary.
//! If a boundary passes while a handoff is still running, the next handoff starts as soon as
//! it completes.
//!
//! Consistency: a single writer at any time, so no conflicts and no lost updates. Reads from
//! `Local` copies are eventually consistent (stale by the replication lag); `Primary` reads
//! are served by the active primary, by the outgoing primary during a handoff (it holds every
//! acknowledged write and accepts no new ones) or wait at the incoming primary until it takes
//! over, so they never return a version older than an acknowledged one.
//!
//! Messages per write: `Forward` + `Done` when the client is not in the primary's region (one
//! more `Forward` when it is re-routed during a handoff), then `n - 1` `Replicate` (header +
//! value). Per handoff: one `Handoff`. Per primary read from another region: `Forward` +
//! `Done`.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

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
    },
}

/// Timers of the follow-the-sun protocol.
#[derive(Copy, Clone, Debug)]
pub enum FtsTimer {
    /// A shift boundary.
    Boundary,
}

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
    /// Log entries applied per region.
    applied: Vec<u64>,
    /// The region accepting writes (`None` during a handoff).
    active: Option<RegionId>,
    handoff: Option<Handoff>,
    /// The latest shift boundary.
    last_boundary: SimTime,
    /// Operations waiting for the incoming primary (reused).
    queue: Vec<Queued>,
    handoffs: u64,
    handoff_ns: u128,
    handoff_failed: u64,
    handoff_queued: u64,
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
            applied: vec![0; regions],
            active: None,
            handoff: None,
            last_boundary: SimTime::ZERO,
            queue: Vec::with_capacity(1024),
            handoffs: 0,
            handoff_ns: 0,
            handoff_failed: 0,
            handoff_queued: 0,
        };
        s.active = Some(s.primary_at(SimTime::ZERO));
        s
    }

    /// The scheduled primary at simulated time `t`.
    pub fn primary_at(&self, t: SimTime) -> RegionId {
        let utc = self.utc(t);
        let shifts = &self.cfg.shifts;
        match shifts.partition_point(|s| s.start_utc_ns <= utc) {
            0 => shifts[shifts.len() - 1].region,
            i => shifts[i - 1].region,
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

    fn apply(&mut self, region: RegionId, key: Key, v: Version) {
        let s = self.slot(region, key);
        if v > self.store[s] {
            self.store[s] = v;
        }
        self.applied[region as usize] += 1;
    }

    fn answer(
        &self,
        ctx: &mut Ctx<'_, FtsMsg, FtsTimer>,
        at: RegionId,
        client: RegionId,
        op: OpId,
        outcome: Outcome,
    ) {
        if at == client {
            ctx.reply(op, outcome);
        } else {
            ctx.send(at, client, FtsMsg::Done { op, outcome }, HEADER_BYTES);
        }
    }

    fn forward(&self, ctx: &mut Ctx<'_, FtsMsg, FtsTimer>, at: RegionId, to: RegionId, q: Queued) {
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

    /// The active primary runs an operation.
    fn execute(&mut self, ctx: &mut Ctx<'_, FtsMsg, FtsTimer>, p: RegionId, q: Queued) {
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
    fn arrive(&mut self, ctx: &mut Ctx<'_, FtsMsg, FtsTimer>, at: RegionId, q: Queued) {
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

    /// The primary `from` hands over to `to`.
    fn start_handoff(&mut self, ctx: &mut Ctx<'_, FtsMsg, FtsTimer>, from: RegionId, to: RegionId) {
        self.active = None;
        self.handoff = Some(Handoff {
            from,
            to,
            boundary: self.last_boundary,
            last_pos: self.log_pos,
            received: false,
        });
        let msg = FtsMsg::Handoff {
            last_pos: self.log_pos,
        };
        ctx.send(from, to, msg, HEADER_BYTES);
    }

    /// The incoming primary takes over once it has the handoff and the whole log.
    fn try_activate(&mut self, ctx: &mut Ctx<'_, FtsMsg, FtsTimer>) {
        let Some(h) = self.handoff else {
            return;
        };
        if !h.received || self.applied[h.to as usize] < h.last_pos {
            return;
        }
        self.handoff = None;
        self.active = Some(h.to);
        self.handoffs += 1;
        self.handoff_ns += ctx.now().saturating_since(h.boundary) as u128;
        let mut queue = std::mem::take(&mut self.queue);
        for q in queue.drain(..) {
            self.execute(ctx, h.to, q);
        }
        self.queue = queue;
        // A boundary passed during the handoff: hand over again.
        let next = self.primary_at(ctx.now());
        if next != h.to {
            self.start_handoff(ctx, h.to, next);
        }
    }
}

impl Strategy for FollowTheSun {
    type Msg = FtsMsg;
    type Timer = FtsTimer;

    fn on_start(&mut self, ctx: &mut Ctx<'_, FtsMsg, FtsTimer>) {
        let after = self.to_next_boundary(SimTime::ZERO);
        ctx.set_timer(self.target(), after, FtsTimer::Boundary);
    }

    fn on_request(&mut self, ctx: &mut Ctx<'_, FtsMsg, FtsTimer>, at: RegionId, req: Request) {
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
        let p = self.primary_at(ctx.now());
        if p == at {
            self.arrive(ctx, at, q);
        } else {
            self.forward(ctx, at, p, q);
        }
    }

    fn on_message(
        &mut self,
        ctx: &mut Ctx<'_, FtsMsg, FtsTimer>,
        at: RegionId,
        _from: RegionId,
        msg: FtsMsg,
    ) {
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
            FtsMsg::Handoff { last_pos } => {
                if let Some(h) = &mut self.handoff {
                    debug_assert!(h.to == at && h.last_pos == last_pos);
                    h.received = true;
                }
                self.try_activate(ctx);
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, FtsMsg, FtsTimer>, _at: RegionId, timer: FtsTimer) {
        match timer {
            FtsTimer::Boundary => {
                let now = ctx.now();
                self.last_boundary = now;
                let next = self.primary_at(now);
                let after = self.to_next_boundary(now);
                ctx.set_timer(next, after, FtsTimer::Boundary);
                // During a running handoff, the next one starts when it completes.
                if let Some(p) = self.active {
                    if p != next {
                        self.start_handoff(ctx, p, next);
                    }
                }
            }
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
}
