//! One run of one strategy on one scenario: the world, its closed event enum and the loop.
//!
//! Owns `World` (topology + workload generators + one strategy + metrics + the fault state)
//! and the `Event` enum that the engine's loop matches: client arrivals, requests reaching a
//! region, service completions, message deliveries, strategy timers, answers reaching
//! clients, client timeouts and retries, fault starts and ends, heartbeats and detector
//! ticks, and client rerouting. Effects a strategy pushes are applied here: messages get a
//! sampled route latency (never below the fibre floor; degraded links add latency, loss and
//! queueing; partitions and outages drop them), replies travel back to the client. Also owns
//! `run_all`, which runs several strategies in parallel on the same workload and returns
//! results in scenario order.
//!
//! Must not import the scenario spec (serde), report or io modules.

use std::collections::VecDeque;

use rand::RngExt;
use rayon::prelude::*;
use slab::Slab;

use crate::engine::{self, Model, Scheduler};
use crate::faults::{Fault, FaultKind, Recovery};
use crate::metrics::{Expect, RunMetrics};
use crate::residency::ResidencyMode;
use crate::rng::{stream, SimRng, Stream};
use crate::scenario::Scenario;
use crate::strategy::{
    ActiveActive, ActivePassive, Clock, Consensus, Ctx, EdgeCache, Effect, FollowTheSun,
    MultiMaster, OpId, Outcome, Quorum, Request, Strategy, StrategyConfig,
};
use crate::time::SimTime;
use crate::topology::{RegionId, Topology};
use crate::workload::{GroupGen, Key, OpKind};

/// Everything that can happen in a run.
#[derive(Copy, Clone, Debug)]
pub enum Event<M, T> {
    /// Client group `group` issues its next operation.
    Arrival {
        /// Group index.
        group: u32,
    },
    /// An attempt of an operation reaches the servers of region `at`.
    Request {
        /// The operation.
        op: OpId,
        /// Attempt number (0 = first).
        attempt: u32,
        /// The serving region.
        at: RegionId,
    },
    /// A server of region `at` finished serving an operation.
    Served {
        /// The operation.
        op: OpId,
        /// Attempt number.
        attempt: u32,
        /// The serving region.
        at: RegionId,
        /// Whether it is failed-over (foreign) traffic.
        foreign: bool,
        /// The region's incarnation when service began.
        inc: u32,
    },
    /// A strategy message reaches region `to`.
    Deliver {
        /// Sender.
        from: RegionId,
        /// Receiver.
        to: RegionId,
        /// The sender's incarnation when it sent (a crash since loses the message).
        inc: u32,
        /// Payload.
        msg: M,
    },
    /// A strategy timer fires.
    Timer {
        /// Where.
        region: RegionId,
        /// Payload.
        timer: T,
    },
    /// An answer reaches its client.
    Response {
        /// The operation.
        op: OpId,
        /// Attempt the answer belongs to.
        attempt: u32,
    },
    /// A client gives up waiting for an attempt.
    Timeout {
        /// The operation.
        op: OpId,
        /// The attempt.
        attempt: u32,
    },
    /// A client sends its next attempt after backing off.
    Retry {
        /// The operation.
        op: OpId,
    },
    /// Fault `index` of the timeline starts.
    FaultStart {
        /// Index in the timeline.
        index: u32,
    },
    /// Fault `index` of the timeline ends.
    FaultEnd {
        /// Index in the timeline.
        index: u32,
    },
    /// The failure detector of `region` sends heartbeats and checks its peers.
    DetectorTick {
        /// The region.
        region: RegionId,
    },
    /// A heartbeat from `from` reaches `to`.
    Heartbeat {
        /// Sender.
        from: RegionId,
        /// Receiver.
        to: RegionId,
    },
    /// Clients notice a change of region health and re-pick their serving regions.
    Reroute,
}

#[derive(Clone, Copy, Debug)]
struct OpState {
    start: SimTime,
    kind: OpKind,
    key: Key,
    bytes: u32,
    value_bytes: u32,
    client: RegionId,
    target: RegionId,
    attempt: u32,
    gen: u32,
    expect: Expect,
    outcome: Outcome,
    answered: bool,
}

/// A request that finished service (the fields of `Event::Served`).
#[derive(Clone, Copy, Debug)]
struct Job {
    op: OpId,
    attempt: u32,
    at: RegionId,
    foreign: bool,
    inc: u32,
}

/// A region's FIFO service station (M/M/c).
#[derive(Clone, Debug, Default)]
struct Station {
    busy: u32,
    /// Failed-over requests in the station (waiting or in service).
    foreign: u32,
    queue: VecDeque<(OpId, u32, bool)>,
}

/// An active degradation of one directed link.
#[derive(Clone, Debug)]
struct Degraded {
    fault: usize,
    busy_until: SimTime,
}

/// The simulated world for one strategy.
pub struct World<'a, S: Strategy> {
    sc: &'a Scenario,
    topo: &'a Topology,
    strategy: S,
    gens: Vec<GroupGen>,
    group_region: Vec<RegionId>,
    access_rng: Vec<SimRng>,
    net_rng: Vec<SimRng>,
    strat_rng: SimRng,
    client_rng: SimRng,
    service_rng: Vec<SimRng>,
    ops: Slab<OpState>,
    next_gen: u32,
    effects: Vec<Effect<S::Msg, S::Timer>>,
    metrics: RunMetrics,
    arrivals_end: SimTime,
    // Faults.
    timeline: Vec<Fault>,
    faulty: bool,
    up: Vec<bool>,
    incarnation: Vec<u32>,
    cut: Vec<u16>,
    degraded: Vec<Option<Degraded>>,
    clocks: Vec<Clock>,
    target: Vec<RegionId>,
    stations: Vec<Station>,
    circuit_breaker: Option<f64>,
    enforce: bool,
    last_heard: Vec<SimTime>,
    suspected: Vec<bool>,
}

impl<'a, S: Strategy> World<'a, S> {
    fn new(sc: &'a Scenario, strategy_index: usize, seed: u64, strategy: S) -> Self {
        let topo = &sc.topology;
        let n = topo.len();
        let horizon = SimTime(sc.duration_ns) + sc.drain_ns;
        let timeline =
            crate::faults::timeline(&sc.faults, sc.random_faults.as_ref(), n, horizon, seed);
        let starts: Vec<SimTime> = timeline.iter().map(|f| f.start).collect();
        World {
            sc,
            topo,
            strategy,
            gens: sc
                .workload
                .groups
                .iter()
                .enumerate()
                .map(|(i, g)| GroupGen::new(seed, i as u32, g, sc.workload.start_utc_ns))
                .collect(),
            group_region: sc.workload.groups.iter().map(|g| g.region).collect(),
            access_rng: (0..n)
                .map(|r| stream(seed, Stream::Access(r as u32)))
                .collect(),
            net_rng: (0..n * n)
                .map(|i| stream(seed, Stream::Network((i / n) as u32, (i % n) as u32)))
                .collect(),
            strat_rng: stream(seed, Stream::Strategy(strategy_index as u32)),
            client_rng: stream(seed, Stream::Faults(0xC11E)),
            service_rng: (0..n)
                .map(|r| stream(seed, Stream::Service(r as u32)))
                .collect(),
            ops: Slab::with_capacity(1024),
            next_gen: 0,
            effects: Vec::with_capacity(64),
            metrics: RunMetrics::with_run(n, sc.workload.key_space(), sc.duration_ns, &starts),
            arrivals_end: SimTime(sc.duration_ns),
            faulty: !timeline.is_empty(),
            timeline,
            up: vec![true; n],
            incarnation: vec![0; n],
            cut: vec![0; n * n],
            degraded: vec![None; n * n],
            clocks: vec![Clock::default(); n],
            target: (0..n as RegionId).collect(),
            stations: vec![Station::default(); n],
            circuit_breaker: sc.strategies[strategy_index].circuit_breaker,
            enforce: sc.strategies[strategy_index].residency == ResidencyMode::Enforce,
            last_heard: vec![SimTime::ZERO; n * n],
            suspected: vec![false; n * n],
        }
    }

    fn start(&mut self, sched: &mut Scheduler<Event<S::Msg, S::Timer>>) {
        for g in 0..self.gens.len() {
            let first = SimTime(self.gens[g].next_arrival(0));
            if first < self.arrivals_end {
                sched.schedule_at(first, Event::Arrival { group: g as u32 });
            }
        }
        for (i, f) in self.timeline.iter().enumerate() {
            sched.schedule_at(f.start, Event::FaultStart { index: i as u32 });
            if f.end != SimTime::MAX {
                sched.schedule_at(f.end, Event::FaultEnd { index: i as u32 });
            }
        }
        if self.faulty {
            for r in 0..self.topo.len() as RegionId {
                sched.schedule_at(SimTime::ZERO, Event::DetectorTick { region: r });
            }
        }
        let mut ctx = Ctx::new(
            SimTime::ZERO,
            (self.topo, &self.clocks, &self.sc.residency, self.enforce),
            &mut self.strat_rng,
            &mut self.effects,
        );
        self.strategy.on_start(&mut ctx);
        self.apply_effects(SimTime::ZERO, sched);
    }

    /// One-way delay of a message, or None when it is dropped (partition, outage).
    fn transmit(&mut self, now: SimTime, from: RegionId, to: RegionId, bytes: u64) -> Option<u64> {
        let n = self.topo.len();
        let pair = from as usize * n + to as usize;
        let base = self.topo.sample_nanos(from, to, &mut self.net_rng[pair]);
        if !self.faulty {
            return Some(base);
        }
        if !self.up[from as usize] || self.cut[pair] > 0 {
            return None;
        }
        let Some(d) = &self.degraded[pair] else {
            return Some(base);
        };
        let FaultKind::LinkDegradation {
            extra,
            loss,
            bandwidth_bps,
            retransmit_ns,
            ..
        } = &self.timeline[d.fault].kind
        else {
            return Some(base);
        };
        let rng = &mut self.net_rng[pair];
        let mut delay = base;
        if let Some(e) = extra {
            delay += e.sample_nanos(rng);
        }
        // Each lost transmission costs a retransmission timeout (bounded: loss < 1).
        while *loss > 0.0 && rng.random::<f64>() < *loss {
            delay += retransmit_ns;
        }
        if let Some(bps) = bandwidth_bps {
            let tx = (bytes as f64 * 8.0 / bps * 1e9) as u64;
            let d = self.degraded[pair].as_mut().expect("checked");
            let begin = d.busy_until.max(now);
            d.busy_until = begin + tx;
            delay += d.busy_until.saturating_since(now);
        }
        Some(delay)
    }

    /// Applies the effects the strategy pushed during the last callback.
    fn apply_effects(&mut self, now: SimTime, sched: &mut Scheduler<Event<S::Msg, S::Timer>>) {
        let mut effects = std::mem::take(&mut self.effects);
        for effect in effects.drain(..) {
            match effect {
                Effect::Send {
                    from,
                    to,
                    msg,
                    bytes,
                    data,
                } => {
                    self.metrics.sent(from, to, bytes);
                    if let Some(key) = data {
                        if from != to && !self.sc.residency.allowed(key, to) {
                            self.metrics.violation(key, bytes);
                        }
                    }
                    if let Some(delay) = self.transmit(now, from, to, bytes) {
                        let inc = self.incarnation[from as usize];
                        sched.schedule_at(now + delay, Event::Deliver { from, to, inc, msg });
                    }
                }
                Effect::Timer {
                    region,
                    after,
                    timer,
                } => sched.schedule_at(now + after, Event::Timer { region, timer }),
                Effect::Reply { op, outcome } => self.reply(now, op, outcome, sched),
                Effect::Applied { acked_at } => self.metrics.applied(now, acked_at),
                Effect::Conflict => self.metrics.conflicts += 1,
                Effect::LostUpdate { region } => {
                    self.metrics.lost_updates += 1;
                    self.metrics.lost_by_region[region as usize] += 1;
                }
                Effect::DataLost { writes, span_ns } => {
                    self.metrics.data_lost(now, writes, span_ns)
                }
                Effect::Writable { region, writable } => {
                    self.metrics.set_writable(now, region, writable)
                }
            }
        }
        self.effects = effects;
    }

    fn reply(
        &mut self,
        now: SimTime,
        op: OpId,
        outcome: Outcome,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let Some(state) = self.ops.get_mut(op.index()) else {
            return;
        };
        if state.gen != op.gen() || state.answered {
            return;
        }
        if matches!(outcome, Outcome::Write(_)) {
            self.metrics.server_acked_write();
        }
        let (client, target, attempt) = (state.client, state.target, state.attempt);
        let delay = self.client_path_nanos(client, target, false);
        // The first answer to an attempt is the one its client gets; later answers (a
        // quorum deadline after a success, a duplicate) are dropped.
        let state = self.ops.get_mut(op.index()).expect("present");
        state.outcome = outcome;
        state.answered = true;
        sched.schedule_at(now + delay, Event::Response { op, attempt });
    }

    /// The delay of one message between a client of region `client` and the servers of
    /// `server` (`to_server`: request, else answer): the client's access network, plus the
    /// WAN path when it is served elsewhere. Clients reach a remote region over the internet,
    /// not through their own region's servers, so only the path's latency applies.
    fn client_path_nanos(&mut self, client: RegionId, server: RegionId, to_server: bool) -> u64 {
        let mut delay = self
            .topo
            .sample_access_nanos(client, &mut self.access_rng[client as usize]);
        if server != client {
            let (from, to) = if to_server {
                (client, server)
            } else {
                (server, client)
            };
            let pair = from as usize * self.topo.len() + to as usize;
            delay += self.topo.sample_nanos(from, to, &mut self.net_rng[pair]);
        }
        delay
    }

    fn new_op_id(&mut self, slot: usize) -> OpId {
        self.next_gen = (self.next_gen + 1) & 0xFFF;
        OpId::new(slot as u32, self.next_gen)
    }

    fn arrival(
        &mut self,
        now: SimTime,
        group: u32,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let g = group as usize;
        let draw = self.gens[g].next_op();
        let client = self.group_region[g];
        let expect = self.metrics.issued_at(now, client, draw.kind, draw.key);
        let slot = self.ops.vacant_key();
        if slot >= 1 << crate::strategy::OP_SLOT_BITS {
            // More than a million operations in flight: the run is hopelessly overloaded.
            self.metrics.failed_op(client, draw.kind, now);
            let next = SimTime(self.gens[g].next_arrival(now.as_nanos()));
            if next < self.arrivals_end {
                sched.schedule_at(next, Event::Arrival { group });
            }
            return;
        }
        let op = self.new_op_id(slot);
        self.ops.insert(OpState {
            start: now,
            kind: draw.kind,
            key: draw.key,
            bytes: draw.bytes,
            value_bytes: self.sc.workload.groups[g].value_bytes,
            client,
            target: client,
            attempt: 0,
            gen: op.gen(),
            expect,
            outcome: Outcome::Failed,
            answered: false,
        });
        self.send_attempt(now, op, sched);
        let next = SimTime(self.gens[g].next_arrival(now.as_nanos()));
        if next < self.arrivals_end {
            sched.schedule_at(next, Event::Arrival { group });
        }
    }

    /// Sends the current attempt of `op` to the region its clients currently use.
    fn send_attempt(
        &mut self,
        now: SimTime,
        op: OpId,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let state = &self.ops[op.index()];
        let (client, key) = (state.client, state.key);
        let mut target = self.target[client as usize];
        if self.enforce && !self.sc.residency.allowed(key, target) {
            // Enforced residency: restricted data is served only inside its class, so the
            // client talks to the nearest allowed healthy region directly.
            target = self.nearest_allowed(client, key).unwrap_or(target);
        }
        let state = &mut self.ops[op.index()];
        state.target = target;
        let attempt = state.attempt;
        let delay = self.client_path_nanos(client, target, true);
        sched.schedule_at(
            now + delay,
            Event::Request {
                op,
                attempt,
                at: target,
            },
        );
        if self.faulty || self.sc.capacity.iter().any(|c| c.is_some()) {
            sched.schedule_at(
                now + self.sc.clients.timeout_ns,
                Event::Timeout { op, attempt },
            );
        }
    }

    fn finish_failed(&mut self, op: OpId) {
        let s = self.ops.remove(op.index());
        self.metrics.failed_op(s.client, s.kind, s.start);
    }

    fn request(
        &mut self,
        now: SimTime,
        op: OpId,
        attempt: u32,
        at: RegionId,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let Some(s) = self.ops.get(op.index()) else {
            return;
        };
        if s.gen != op.gen() || s.attempt != attempt || !self.up[at as usize] {
            return;
        }
        let foreign = s.client != at;
        let Some(cap) = &self.sc.capacity[at as usize] else {
            self.serve(now, op, at, sched);
            return;
        };
        let st = &mut self.stations[at as usize];
        let foreign_cap = self
            .circuit_breaker
            .or(cap.failover_share)
            .map(|share| ((share * cap.servers as f64).floor() as u32).max(1));
        if foreign && foreign_cap.is_some_and(|c| st.foreign >= c) {
            // Bulkhead full for failed-over traffic: shed at once.
            self.reply(now, op, Outcome::Failed, sched);
            return;
        }
        let inc = self.incarnation[at as usize];
        if st.busy < cap.servers {
            st.busy += 1;
            st.foreign += foreign as u32;
            let d = cap.service.sample_nanos(&mut self.service_rng[at as usize]);
            sched.schedule_at(
                now + d,
                Event::Served {
                    op,
                    attempt,
                    at,
                    foreign,
                    inc,
                },
            );
        } else if cap.queue_limit.is_none_or(|l| st.queue.len() < l) {
            st.foreign += foreign as u32;
            st.queue.push_back((op, attempt, foreign));
        } else {
            self.reply(now, op, Outcome::Failed, sched);
        }
    }

    fn served(&mut self, now: SimTime, job: Job, sched: &mut Scheduler<Event<S::Msg, S::Timer>>) {
        let Job {
            op,
            attempt,
            at,
            foreign,
            inc,
        } = job;
        if inc != self.incarnation[at as usize] {
            return; // Served before the region crashed: the station was reset.
        }
        let st = &mut self.stations[at as usize];
        st.busy -= 1;
        st.foreign -= foreign as u32;
        let cap = self.sc.capacity[at as usize].as_ref().expect("station");
        if let Some((next, att, fgn)) = st.queue.pop_front() {
            st.busy += 1;
            let d = cap.service.sample_nanos(&mut self.service_rng[at as usize]);
            let ev = Event::Served {
                op: next,
                attempt: att,
                at,
                foreign: fgn,
                inc,
            };
            sched.schedule_at(now + d, ev);
        }
        let live = self
            .ops
            .get(op.index())
            .is_some_and(|s| s.gen == op.gen() && s.attempt == attempt);
        if live && self.up[at as usize] {
            self.serve(now, op, at, sched);
        }
    }

    /// Hands a request to the strategy at region `at`.
    fn serve(
        &mut self,
        now: SimTime,
        op: OpId,
        at: RegionId,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let s = self.ops[op.index()];
        let req = Request {
            op,
            kind: s.kind,
            key: s.key,
            bytes: s.bytes,
            client: s.client,
        };
        let mut ctx = Ctx::new(
            now,
            (self.topo, &self.clocks, &self.sc.residency, self.enforce),
            &mut self.strat_rng,
            &mut self.effects,
        );
        self.strategy.on_request(&mut ctx, at, req);
        self.apply_effects(now, sched);
    }

    fn response(&mut self, now: SimTime, op: OpId, sched: &mut Scheduler<Event<S::Msg, S::Timer>>) {
        let Some(s) = self.ops.get(op.index()) else {
            return;
        };
        if s.gen != op.gen() {
            return;
        }
        if s.outcome == Outcome::Failed {
            // An explicit failure: retry like a timeout, at once after backing off.
            self.give_up_attempt(now, op, sched);
            return;
        }
        let s = self.ops.remove(op.index());
        let answer = match s.outcome {
            Outcome::Read(_) => 64 + s.value_bytes as u64,
            _ => 64,
        };
        self.metrics.egress_bytes[s.target as usize] += answer;
        self.metrics
            .completed(s.client, s.key, s.start, now, s.expect, s.outcome);
    }

    /// The current attempt failed (timeout or explicit failure): back off and retry, or fail.
    fn give_up_attempt(
        &mut self,
        now: SimTime,
        op: OpId,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let retries = self.sc.clients.retries;
        let s = &mut self.ops[op.index()];
        if s.attempt >= retries {
            self.finish_failed(op);
            return;
        }
        s.attempt += 1;
        s.outcome = Outcome::Failed;
        s.answered = false;
        let base = self.sc.clients.backoff(s.attempt);
        // Full jitter on the upper half of the backoff, from the clients' own stream.
        let jitter = if base > 1 {
            self.client_rng.random_range(0..base / 2 + 1)
        } else {
            0
        };
        sched.schedule_at(now + base / 2 + jitter, Event::Retry { op });
    }

    fn fault(
        &mut self,
        now: SimTime,
        index: usize,
        starting: bool,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let n = self.topo.len();
        let kind = self.timeline[index].kind.clone();
        match kind {
            FaultKind::Partition { a, b, one_way } => {
                for &x in &a {
                    for &y in &b {
                        let mut pairs = vec![(x, y)];
                        if !one_way {
                            pairs.push((y, x));
                        }
                        for (p, q) in pairs {
                            let c = &mut self.cut[p as usize * n + q as usize];
                            *c = if starting {
                                *c + 1
                            } else {
                                c.saturating_sub(1)
                            };
                        }
                    }
                }
            }
            FaultKind::Outage { region, recover } => {
                self.up[region as usize] = !starting;
                if starting {
                    // Everything it had in flight dies with it.
                    self.incarnation[region as usize] += 1;
                }
                let mut ctx = Ctx::new(
                    now,
                    (self.topo, &self.clocks, &self.sc.residency, self.enforce),
                    &mut self.strat_rng,
                    &mut self.effects,
                );
                if starting {
                    self.strategy.on_region_down(&mut ctx, region);
                    let st = &mut self.stations[region as usize];
                    st.queue.clear();
                    st.busy = 0;
                    st.foreign = 0;
                } else {
                    let empty = recover == Recovery::Empty;
                    self.strategy.on_region_up(&mut ctx, region, empty);
                    // Its detector starts again with a clean slate.
                    for p in 0..n {
                        self.last_heard[region as usize * n + p] = now;
                        self.suspected[region as usize * n + p] = false;
                    }
                    sched.schedule_at(now, Event::DetectorTick { region });
                }
                self.apply_effects(now, sched);
                sched.schedule_at(now + self.sc.clients.reroute_after_ns, Event::Reroute);
            }
            FaultKind::LinkDegradation {
                from,
                to,
                both_ways,
                ..
            } => {
                let mut pairs = vec![(from, to)];
                if both_ways {
                    pairs.push((to, from));
                }
                for (p, q) in pairs {
                    let slot = &mut self.degraded[p as usize * n + q as usize];
                    if starting {
                        *slot = Some(Degraded {
                            fault: index,
                            busy_until: now,
                        });
                    } else if slot.as_ref().is_some_and(|d| d.fault == index) {
                        *slot = None;
                    }
                }
            }
            FaultKind::ClockSkew {
                region,
                offset_ns,
                drift_ppm,
            } => {
                self.clocks[region as usize] = if starting {
                    Clock {
                        offset_ns,
                        drift_ppm,
                        since: now,
                    }
                } else {
                    Clock::default()
                };
            }
        }
    }

    /// The healthy region nearest `home` that may hold `key`.
    fn nearest_allowed(&self, home: RegionId, key: Key) -> Option<RegionId> {
        (0..self.topo.len() as RegionId)
            .filter(|&r| self.up[r as usize] && self.sc.residency.allowed(key, r))
            .min_by(|&a, &b| {
                self.topo
                    .median_rtt_ms(home, a)
                    .total_cmp(&self.topo.median_rtt_ms(home, b))
                    .then(a.cmp(&b))
            })
    }

    /// Clients pick the region they send to: their own when it is up, else the nearest up.
    fn reroute(&mut self) {
        let n = self.topo.len();
        for home in 0..n as RegionId {
            self.target[home as usize] = if self.up[home as usize] {
                home
            } else {
                (0..n as RegionId)
                    .filter(|&r| self.up[r as usize])
                    .min_by(|&a, &b| {
                        self.topo
                            .median_rtt_ms(home, a)
                            .total_cmp(&self.topo.median_rtt_ms(home, b))
                            .then(a.cmp(&b))
                    })
                    .unwrap_or(home)
            };
        }
    }

    fn detector_tick(
        &mut self,
        now: SimTime,
        region: RegionId,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        if !self.up[region as usize] {
            return; // Restarted by the region's recovery.
        }
        let n = self.topo.len();
        let det = &self.sc.detection;
        for peer in 0..n as RegionId {
            if peer == region {
                continue;
            }
            if let Some(d) = self.transmit(now, region, peer, 64) {
                sched.schedule_at(
                    now + d,
                    Event::Heartbeat {
                        from: region,
                        to: peer,
                    },
                );
            }
            let i = region as usize * n + peer as usize;
            if !self.suspected[i] && now.saturating_since(self.last_heard[i]) > det.timeout_ns {
                self.suspected[i] = true;
                self.notify(now, region, peer, true, sched);
            }
        }
        sched.schedule_at(now + det.heartbeat_ns, Event::DetectorTick { region });
    }

    fn heartbeat(
        &mut self,
        now: SimTime,
        from: RegionId,
        to: RegionId,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        if !self.up[to as usize] {
            return;
        }
        let i = to as usize * self.topo.len() + from as usize;
        self.last_heard[i] = now;
        if self.suspected[i] {
            self.suspected[i] = false;
            self.notify(now, to, from, false, sched);
        }
    }

    fn notify(
        &mut self,
        now: SimTime,
        at: RegionId,
        peer: RegionId,
        suspected: bool,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let mut ctx = Ctx::new(
            now,
            (self.topo, &self.clocks, &self.sc.residency, self.enforce),
            &mut self.strat_rng,
            &mut self.effects,
        );
        self.strategy.on_suspect(&mut ctx, at, peer, suspected);
        self.apply_effects(now, sched);
    }

    /// Ends the run: operations still in flight count as failed.
    fn finish(mut self, now: SimTime, events: u64) -> (RunMetrics, Vec<Fault>) {
        let pending: Vec<(RegionId, OpKind, SimTime)> = self
            .ops
            .iter()
            .map(|(_, s)| (s.client, s.kind, s.start))
            .collect();
        for (client, kind, start) in pending {
            self.metrics.failed_op(client, kind, start);
        }
        self.metrics.close(now);
        self.metrics.events = events;
        self.metrics.extra = self.strategy.extra();
        (self.metrics, self.timeline)
    }
}

impl<S: Strategy> Model for World<'_, S> {
    type Event = Event<S::Msg, S::Timer>;

    #[inline]
    fn handle(&mut self, now: SimTime, event: Self::Event, sched: &mut Scheduler<Self::Event>) {
        match event {
            Event::Arrival { group } => self.arrival(now, group, sched),
            Event::Request { op, attempt, at } => self.request(now, op, attempt, at, sched),
            Event::Served {
                op,
                attempt,
                at,
                foreign,
                inc,
            } => {
                let job = Job {
                    op,
                    attempt,
                    at,
                    foreign,
                    inc,
                };
                self.served(now, job, sched)
            }
            Event::Deliver { from, to, inc, msg } => {
                if self.faulty
                    && (!self.up[to as usize]
                        || self.incarnation[from as usize] != inc
                        || self.cut[from as usize * self.topo.len() + to as usize] > 0)
                {
                    return;
                }
                let mut ctx = Ctx::new(
                    now,
                    (self.topo, &self.clocks, &self.sc.residency, self.enforce),
                    &mut self.strat_rng,
                    &mut self.effects,
                );
                self.strategy.on_message(&mut ctx, to, from, msg);
                self.apply_effects(now, sched);
            }
            Event::Timer { region, timer } => {
                if !self.up[region as usize] {
                    return;
                }
                let mut ctx = Ctx::new(
                    now,
                    (self.topo, &self.clocks, &self.sc.residency, self.enforce),
                    &mut self.strat_rng,
                    &mut self.effects,
                );
                self.strategy.on_timer(&mut ctx, region, timer);
                self.apply_effects(now, sched);
            }
            Event::Response { op, attempt } => {
                let live = self
                    .ops
                    .get(op.index())
                    .is_some_and(|s| s.gen == op.gen() && s.attempt == attempt);
                if live {
                    self.response(now, op, sched);
                }
            }
            Event::Timeout { op, attempt } => {
                let live = self
                    .ops
                    .get(op.index())
                    .is_some_and(|s| s.gen == op.gen() && s.attempt == attempt);
                if live {
                    self.give_up_attempt(now, op, sched);
                }
            }
            Event::Retry { op } => {
                if self.ops.get(op.index()).is_some_and(|s| s.gen == op.gen()) {
                    self.send_attempt(now, op, sched);
                }
            }
            Event::FaultStart { index } => self.fault(now, index as usize, true, sched),
            Event::FaultEnd { index } => self.fault(now, index as usize, false, sched),
            Event::DetectorTick { region } => self.detector_tick(now, region, sched),
            Event::Heartbeat { from, to } => self.heartbeat(now, from, to, sched),
            Event::Reroute => self.reroute(),
        }
    }
}

/// The results of one strategy run.
pub struct RunResult {
    /// What was measured.
    pub metrics: RunMetrics,
    /// The faults that happened (listed and random), in start order.
    pub faults: Vec<Fault>,
}

/// Runs strategy `index` of `sc` with `seed` and returns its metrics.
pub fn run_strategy(sc: &Scenario, index: usize, seed: u64) -> RunMetrics {
    run_full(sc, index, seed).metrics
}

/// Runs strategy `index` of `sc` with `seed`.
pub fn run_full(sc: &Scenario, index: usize, seed: u64) -> RunResult {
    let n = sc.topology.len();
    let keys = sc.workload.key_space();
    match &sc.strategies[index].config {
        StrategyConfig::ActivePassive(c) => {
            run_with(sc, index, seed, ActivePassive::new(c.clone(), n, keys))
        }
        StrategyConfig::MultiMaster(c) => {
            run_with(sc, index, seed, MultiMaster::new(c.clone(), n, keys))
        }
        StrategyConfig::ActiveActive(c) => {
            run_with(sc, index, seed, ActiveActive::new(c.clone(), n, keys))
        }
        StrategyConfig::FollowTheSun(c) => {
            run_with(sc, index, seed, FollowTheSun::new(c.clone(), n, keys))
        }
        StrategyConfig::Quorum(c) => run_with(sc, index, seed, Quorum::new(c.clone(), n, keys)),
        StrategyConfig::Consensus(c) => {
            run_with(sc, index, seed, Consensus::new(c.clone(), n, keys))
        }
        StrategyConfig::EdgeCache(c) => {
            run_with(sc, index, seed, EdgeCache::new(c.clone(), n, keys))
        }
    }
}

fn run_with<S: Strategy>(sc: &Scenario, index: usize, seed: u64, strategy: S) -> RunResult {
    let mut world = World::new(sc, index, seed, strategy);
    let mut sched = Scheduler::with_capacity(4096);
    world.start(&mut sched);
    let horizon = SimTime(sc.duration_ns) + sc.drain_ns;
    let events = engine::run(&mut world, &mut sched, horizon);
    let end = sched.now().max(SimTime(sc.duration_ns));
    let (metrics, faults) = world.finish(end, events);
    RunResult { metrics, faults }
}

/// Runs the strategies at `indices` (in parallel) and returns their results in that order.
pub fn run_all(sc: &Scenario, indices: &[usize], seed: u64) -> Vec<RunResult> {
    indices.par_iter().map(|&i| run_full(sc, i, seed)).collect()
}
