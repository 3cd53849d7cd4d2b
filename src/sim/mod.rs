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
//! results in scenario order, and the decision, once per run, whether successful reads may
//! complete without their `Response` event (`inline_reads`: a plain run, and a strategy whose
//! results do not depend on operation slots, `slots_free`).
//!
//! This file keeps the world's state, its construction, the event dispatch and the run
//! entry points; the handlers live beside it, one idea per file:
//!
//! * `ahead`: latency draws taken ahead, a batch at a time per stream (the same values);
//! * `client`: operations of the clients (arrivals, attempts, answers, retries and the
//!   client's access + WAN path);
//! * `ops`: the table of operations in flight (`Ops`, its entries `OpState` and their `Role`);
//! * `deadlines`: every attempt's client deadline, in sending order, and the one pending
//!   event that times out the attempts due;
//! * `capacity`: regions' service stations (admission, queueing, service, handing a request
//!   to the strategy);
//! * `breaker`: the clients' circuit breakers (closed / open / half-open), one per client
//!   region and serving region;
//! * `event`: the `Event` enum itself;
//! * `effects`: applying the effects a strategy pushed, and the network path of a message
//!   (`transmit`);
//! * `faults`: fault starts and ends, client rerouting, the failure detector;
//! * `custom`: the registry of strategies from outside geosim (run in this same world);
//! * `track`: where one operation's time goes (`Track`, the per-operation latency
//!   breakdown: one ns accumulator per component, telescoping so they add up exactly);
//! * `trace`: following operations for `--trace` (a bounded deterministic sample of them);
//! * `probes`: opt-in probe reads at exact delays after sampled writes are acknowledged
//!   (the exact staleness curve), measured apart from the clients' operations;
//! * `sessions`: closed-loop client sessions, the session guarantees they observe, and the
//!   clients' session routing (`sticky`, `token`);
//! * `tests`: whole runs with and without inline answers give the same reports.
//!
//! Must not import the scenario spec (serde), report or io modules.

/// The strategy's view of the world at `now` (a `Ctx` over the topology, clocks, residency,
/// the strategy's random stream and the effects buffer): one place for the borrows every
/// callback site needs, taken field by field so that `self.strategy` stays free to call.
macro_rules! strategy_ctx {
    ($world:ident, $now:expr) => {
        Ctx::new(
            $now,
            (
                $world.topo,
                &$world.clocks,
                &$world.sc.residency,
                $world.enforce,
            ),
            &mut $world.strat_rng,
            &mut $world.effects,
        )
    };
}

mod ahead;
mod breaker;
mod capacity;
mod client;
pub mod custom;
mod deadlines;
mod effects;
mod event;
mod faults;
mod ops;
mod probes;
mod sessions;
mod trace;
mod track;

use rayon::prelude::*;

use crate::engine::{self, Model, Scheduler};
use crate::faults::{BreakerPolicy, Fault};
use crate::metrics::{Failure, RunMetrics, Stations};
use crate::residency::ResidencyMode;
use crate::rng::{stream, SimRng, Stream};
use crate::scenario::Scenario;
use crate::strategy::{
    ActiveActive, ActivePassive, Clock, Consensus, Ctx, EdgeCache, Effect, FollowTheSun,
    FollowTheUser, MultiMaster, Quorum, Replication, Strategy, StrategyConfig,
};
use crate::time::SimTime;
use crate::topology::{RegionId, Topology};
use crate::workload::{GroupGen, OpKind, UserGen};

use ahead::Ahead;
use breaker::Breaker;
use capacity::{Job, Station};
use deadlines::Deadlines;
pub use event::Event;
use faults::Degraded;
use ops::{Ops, Role};
use probes::Probes;
use sessions::SessionWorld;
use trace::Tracer;
pub use trace::{Seg, TraceSpec, TracedOp};

/// The simulated world for one strategy.
pub struct World<'a, S: Strategy> {
    sc: &'a Scenario,
    topo: &'a Topology,
    strategy: S,
    gens: Vec<GroupGen>,
    group_region: Vec<RegionId>,
    /// The travelling users' generator (`Arrival { group: gens.len() }`), if any.
    users: Option<UserGen>,
    access_rng: Vec<SimRng>,
    net_rng: Vec<SimRng>,
    /// Per region: its access stream's next delays, drawn ahead (`ahead`).
    access_ahead: Vec<Ahead>,
    /// Per ordered region pair: its network stream's next delays, drawn ahead (empty in a
    /// run with a degraded link: `ahead::network`).
    net_ahead: Vec<Ahead>,
    /// Per ordered region pair: the latest arrival on the strategy's channel.
    chan_last: Vec<SimTime>,
    /// Per ordered region pair: the latest arrival on the clients' WAN channel.
    client_last: Vec<SimTime>,
    strat_rng: SimRng,
    client_rng: SimRng,
    service_rng: Vec<SimRng>,
    ops: Ops,
    next_gen: u64,
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
    /// Whether any region has a capacity (else every request is served at once).
    stations_on: bool,
    /// Whether any key is restricted to some regions (else no send can violate residency).
    residency_on: bool,
    bulkhead: Option<f64>,
    /// The clients' circuit-breaker settings (`None`: no breakers).
    breaker: Option<BreakerPolicy>,
    /// One breaker per (client region * n + serving region); empty without breakers.
    breakers: Vec<Breaker>,
    /// Every attempt's client deadline, in sending order.
    deadlines: Deadlines,
    enforce: bool,
    last_heard: Vec<SimTime>,
    suspected: Vec<bool>,
    probes: Option<Probes>,
    /// The region the current strategy callback runs at (the replica of an `Applied`).
    at: RegionId,
    /// The last message the current callback sent: (receiver, arrival or `None` if dropped),
    /// for a `Wait` tag about its transit.
    last_sent: Option<(RegionId, Option<SimTime>)>,
    /// `--trace`: follows operations and keeps a sample (`None`: not tracing).
    tracer: Option<Box<Tracer>>,
    /// Per region: when it last went down or came back (replication lag is sampled only
    /// between regions up throughout).
    down_changed: Vec<SimTime>,
    /// The closed-loop sessions (`None`: no group has sessions).
    sessions: Option<Box<SessionWorld>>,
    /// Whether `reply` completes a successful first answer to a read at once, at the time it
    /// would reach its client, rather than scheduling its `Response`: in a plain run only
    /// (`inline_reads`), where nothing can touch the operation on its way back.
    inline_reads: bool,
    /// The end of the run (duration plus drain): the last instant an event is handled.
    horizon: SimTime,
    /// Answers completed at once by `reply` (each counts as one event handled).
    inlined: u64,
    /// The latest time such an answer reached its client.
    inline_last: SimTime,
}

/// Whether a run with these settings may complete successful reads inline (`World::reply`):
/// `slots_free` (the strategy's results do not depend on which operation-table slot an
/// operation gets, as inline answers free slots earlier) and nothing else can reach an
/// answered operation before its answer does or observe the order answers complete in:
/// `calm` (no faults in the timeline, so no rerouting, detector or recovery bookkeeping; no
/// capacities; no breakers), no tracer, no sessions, no probes, no linearizability histories;
/// and each such answer reaches its client before the attempt's deadline (`reply` checks). What completing a read records then adds to
/// commutative sums only (latency bins and sums, counts, breakdown sums and bins, egress
/// bytes), and no read's answer changes what a later operation is compared with.
fn inline_reads(sc: &Scenario, slots_free: bool, calm: bool, traced: bool) -> bool {
    slots_free
        && calm
        && !traced
        && sc.workload.groups.iter().all(|g| g.sessions.is_none())
        && sc.probes.is_none()
        && sc.linearizability_keys == 0
}

impl<'a, S: Strategy> World<'a, S> {
    fn new(sc: &'a Scenario, strategy_index: usize, seed: u64, strategy: S, how: How<'_>) -> Self {
        let trace = how.trace;
        let topo = &sc.topology;
        let n = topo.len();
        // Random faults start only while clients issue operations: one that started in the
        // drain would touch no client (docs/faults.md).
        let horizon = SimTime(sc.duration_ns);
        let timeline =
            crate::faults::timeline(&sc.faults, sc.random_faults.as_ref(), n, horizon, seed);
        let spans: Vec<(SimTime, SimTime)> = timeline.iter().map(|f| (f.start, f.end)).collect();
        let named = &sc.strategies[strategy_index];
        let breaker = named.circuit_breaker.clone();
        let breakers = match &breaker {
            Some(p) => vec![Breaker::new(p); n * n],
            None => Vec::new(),
        };
        let calm =
            timeline.is_empty() && sc.capacity.iter().all(|c| c.is_none()) && breaker.is_none();
        let servers: Vec<Option<u32>> = sc
            .capacity
            .iter()
            .map(|c| c.as_ref().map(|c| c.servers))
            .collect();
        let group_region: Vec<RegionId> = sc.workload.groups.iter().map(|g| g.region).collect();
        let mut metrics = RunMetrics::with_run(
            n,
            sc.workload.key_space(),
            sc.duration_ns,
            &spans,
            sc.clients.max_life_ns(),
        );
        metrics.stations = Stations::new(&servers, sc.duration_ns);
        if sc.linearizability_keys > 0 {
            metrics.histories = Some(crate::metrics::Histories::new(sc.linearizability_keys));
        }
        let inline_reads = inline_reads(sc, how.slots_free, calm, trace.is_some());
        let sessions = SessionWorld::new(&sc.workload).map(|(w, check)| {
            metrics.sessions = Some(check);
            Box::new(w)
        });
        metrics.probes = sc
            .probes
            .as_ref()
            .map(|p| crate::metrics::ProbeCurve::new(&p.delays_ms));
        World {
            sc,
            topo,
            strategy,
            gens: GroupGen::all(seed, &sc.workload),
            users: sc
                .workload
                .users
                .as_ref()
                .map(|u| UserGen::new(seed, u, sc.duration_ns)),
            probes: sc.probes.as_ref().map(|p| Probes::new(p, &group_region)),
            group_region,
            access_rng: (0..n)
                .map(|r| stream(seed, Stream::Access(r as u32)))
                .collect(),
            net_rng: (0..n * n)
                .map(|i| stream(seed, Stream::Network((i / n) as u32, (i % n) as u32)))
                .collect(),
            access_ahead: ahead::access(n, how.ahead),
            net_ahead: ahead::network(n, &timeline, how.ahead),
            chan_last: vec![SimTime::ZERO; n * n],
            client_last: vec![SimTime::ZERO; n * n],
            strat_rng: stream(seed, Stream::Strategy(strategy_index as u32)),
            client_rng: stream(seed, Stream::Faults(0xC11E)),
            service_rng: (0..n)
                .map(|r| stream(seed, Stream::Service(r as u32)))
                .collect(),
            ops: Ops::with_capacity(1024),
            next_gen: 0,
            effects: Vec::with_capacity(64),
            metrics,
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
            stations_on: sc.capacity.iter().any(|c| c.is_some()),
            residency_on: sc.residency.is_active(),
            bulkhead: named.bulkhead,
            breaker,
            breakers,
            deadlines: Deadlines::new(),
            enforce: named.residency == ResidencyMode::Enforce,
            last_heard: vec![SimTime::ZERO; n * n],
            suspected: vec![false; n * n],
            at: 0,
            last_sent: None,
            tracer: trace.map(|t| Box::new(Tracer::new(t.clone(), seed, spans.clone()))),
            down_changed: vec![SimTime::ZERO; n],
            sessions,
            inline_reads,
            horizon: horizon + sc.drain_ns,
            inlined: 0,
            inline_last: SimTime::ZERO,
        }
    }

    fn start(&mut self, sched: &mut Scheduler<Event<S::Msg, S::Timer>>) {
        for g in 0..self.gens.len() + self.users.is_some() as usize {
            if g < self.gens.len() && self.sc.workload.groups[g].sessions.is_some() {
                continue;
            }
            let first = SimTime(self.next_arrival_of(g, SimTime::ZERO));
            if first < self.arrivals_end {
                sched.schedule_at(first, Event::Arrival { group: g as u32 });
            }
        }
        self.start_sessions(sched);
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
        let mut ctx = strategy_ctx!(self, SimTime::ZERO);
        self.strategy.on_start(&mut ctx);
        self.apply_effects(SimTime::ZERO, sched);
    }

    /// Ends the run: operations still in flight count as failed.
    fn finish(mut self, now: SimTime, events: u64) -> (RunMetrics, Vec<Fault>) {
        let pending: Vec<(RegionId, OpKind, SimTime, Role)> = self
            .ops
            .iter()
            .map(|(_, s)| (s.client, s.kind, s.start, s.role))
            .collect();
        for (client, kind, start, role) in pending {
            match role {
                Role::Probe { delay, .. } => self.probe_failed(delay as usize),
                _ => self
                    .metrics
                    .failed_op(client, kind, (start, now), Failure::Unfinished),
            }
        }
        self.metrics.close(now);
        // An answer completed inline is the `Response` event it replaced; an attempt timed out
        // is one event, the deadline events that watch them are none.
        let adjust = self
            .deadlines
            .count_adjustment(self.metrics.attempts.timed_out);
        self.metrics.events = (events + self.inlined).saturating_add_signed(adjust);
        self.strategy.end(now);
        self.metrics.extra = self.strategy.extra();
        self.metrics.migrations = self.strategy.migrations();
        self.metrics.reports = self.strategy.reports();
        self.metrics.leadership = self
            .strategy
            .leadership()
            .map(|v| v.into_iter().map(|l| (l.t, l.region, l.reason)).collect());
        (self.metrics, self.timeline)
    }

    /// The traced operations (empty when not tracing).
    fn take_trace(&mut self) -> Vec<TracedOp> {
        self.tracer.take().map(|t| t.into_ops()).unwrap_or_default()
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
                if self.faulty {
                    // A message whose sender went down since is gone with it (`on_region_down`
                    // covered it); one that meets a cut or a receiver that is down is dropped.
                    if self.incarnation[from as usize] != inc {
                        return;
                    }
                    if !self.up[to as usize]
                        || self.cut[from as usize * self.topo.len() + to as usize] > 0
                    {
                        self.at = from;
                        self.report_dropped(now, from, to, msg, sched);
                        return;
                    }
                }
                let mut ctx = strategy_ctx!(self, now);
                self.at = to;
                self.strategy.on_message(&mut ctx, to, from, msg);
                self.apply_effects(now, sched);
            }
            Event::Timer { region, timer } => {
                if !self.up[region as usize] {
                    return;
                }
                let mut ctx = strategy_ctx!(self, now);
                self.at = region;
                self.strategy.on_timer(&mut ctx, region, timer);
                self.apply_effects(now, sched);
            }
            Event::Response { op, attempt } => self.response(now, op, attempt, sched),
            Event::Deadline => self.deadline(now, sched),
            Event::Retry { op } => {
                if self.ops.live(op).is_some() {
                    self.send_attempt(now, op, sched);
                }
            }
            Event::FaultStart { index } => self.fault(now, index as usize, true, sched),
            Event::FaultEnd { index } => self.fault(now, index as usize, false, sched),
            Event::DetectorTick { region } => self.detector_tick(now, region, sched),
            Event::Heartbeat { from, to } => self.heartbeat(now, from, to, sched),
            Event::Reroute => self.reroute(),
            Event::Probe { id } => self.probe(now, id, sched),
            Event::Session { session } => self.session_op(now, session, sched),
        }
    }
}

/// The results of one strategy run.
pub struct RunResult {
    /// What was measured.
    pub metrics: RunMetrics,
    /// The faults that happened (listed and random), in start order.
    pub faults: Vec<Fault>,
    /// The traced operations (`--trace`; empty otherwise), by start time.
    pub trace: Vec<TracedOp>,
}

/// Runs strategy `index` of `sc` with `seed` and returns its metrics.
pub fn run_strategy(sc: &Scenario, index: usize, seed: u64) -> RunMetrics {
    run_full(sc, index, seed).metrics
}

/// Runs strategy `index` of `sc` with `seed`.
pub fn run_full(sc: &Scenario, index: usize, seed: u64) -> RunResult {
    run_inner(sc, index, seed, How::new(None, None)).0
}

/// Runs strategy `index` of `sc` with `seed`, tracing operations as `trace` says.
pub fn run_traced(sc: &Scenario, index: usize, seed: u64, trace: Option<&TraceSpec>) -> RunResult {
    run_inner(sc, index, seed, How::new(trace, None)).0
}

/// Runs strategy `index` of `sc` with `seed` as `how` says; also returns the number of answers
/// completed inline (`World::reply`).
fn run_inner(sc: &Scenario, index: usize, seed: u64, how: How<'_>) -> (RunResult, u64) {
    let n = sc.topology.len();
    let keys = sc.workload.key_space();
    let config = &sc.strategies[index].config;
    let how = How {
        slots_free: how.slots_free && slots_free(config),
        ..how
    };
    match config {
        StrategyConfig::ActivePassive(c) => {
            run_world(sc, index, seed, how, ActivePassive::new(c.clone(), n, keys))
        }
        StrategyConfig::MultiMaster(c) => {
            run_world(sc, index, seed, how, MultiMaster::new(c.clone(), n, keys))
        }
        StrategyConfig::ActiveActive(c) => {
            run_world(sc, index, seed, how, ActiveActive::new(c.clone(), n, keys))
        }
        StrategyConfig::FollowTheSun(c) => {
            run_world(sc, index, seed, how, FollowTheSun::new(c.clone(), n, keys))
        }
        StrategyConfig::FollowTheUser(c) => {
            run_world(sc, index, seed, how, FollowTheUser::new(c.clone(), n, keys))
        }
        StrategyConfig::Quorum(c) => {
            run_world(sc, index, seed, how, Quorum::new(c.clone(), n, keys))
        }
        StrategyConfig::Consensus(c) => {
            run_world(sc, index, seed, how, Consensus::new(c.clone(), n, keys))
        }
        StrategyConfig::EdgeCache(c) => {
            run_world(sc, index, seed, how, EdgeCache::new(c.clone(), n, keys))
        }
        StrategyConfig::Custom(c) => (custom::run(sc, index, seed, how, c), 0),
    }
}

/// Whether the results of a strategy so configured cannot depend on which slot of the
/// operation table an operation gets (`OpId::index`), so that reads may complete inline
/// (`World::reply`), which frees their slots earlier and so changes the slots later operations
/// get. The built-in strategies key their side tables by slot but check the whole `OpId` (or
/// a sequence number) and never iterate them, except active-passive semi-sync, whose fallback
/// acknowledges the waiting writes in slot order. Strategies from outside geosim: unknown, so
/// no.
fn slots_free(config: &StrategyConfig) -> bool {
    match config {
        StrategyConfig::ActivePassive(c) => !matches!(c.replication, Replication::SemiSync { .. }),
        StrategyConfig::Custom(_) => false,
        _ => true,
    }
}

/// How a run is watched: the operations it traces and who hears of its progress (neither
/// changes what the run does); and whether it may complete answers inline or draw latencies
/// ahead (which change no result either, only the work: `slots_free`, see `inline_reads`;
/// `ahead`).
#[derive(Copy, Clone)]
struct How<'a> {
    trace: Option<&'a TraceSpec>,
    observe: Observe<'a>,
    /// The strategy's results do not depend on operation slots (`slots_free`); `false` also
    /// turns the inline answers off (the tests compare runs with and without them).
    slots_free: bool,
    /// Latency draws may be taken ahead (`ahead`); `false` draws each on its own (the tests
    /// compare runs both ways).
    ahead: bool,
}

impl<'a> How<'a> {
    fn new(trace: Option<&'a TraceSpec>, observe: Observe<'a>) -> Self {
        How {
            trace,
            observe,
            slots_free: true,
            ahead: true,
        }
    }
}

/// Runs `strategy` as strategy `index` of `sc` (strategies from outside geosim: `custom`).
fn run_with<S: Strategy>(
    sc: &Scenario,
    index: usize,
    seed: u64,
    how: How<'_>,
    strategy: S,
) -> RunResult {
    run_world(sc, index, seed, how, strategy).0
}

/// `run_with`, also returning the number of answers completed inline.
fn run_world<S: Strategy>(
    sc: &Scenario,
    index: usize,
    seed: u64,
    how: How<'_>,
    strategy: S,
) -> (RunResult, u64) {
    let mut world = World::new(sc, index, seed, strategy, how);
    let mut sched = Scheduler::with_capacity(4096);
    world.start(&mut sched);
    let horizon = SimTime(sc.duration_ns) + sc.drain_ns;
    let events = match how.observe {
        None => engine::run(&mut world, &mut sched, horizon),
        Some((progress, slot)) => engine::run_observed(&mut world, &mut sched, horizon, |t| {
            progress.advance(slot, t.0, horizon.0)
        }),
    };
    if let Some((progress, slot)) = how.observe {
        progress.advance(slot, horizon.0, horizon.0);
    }
    // The last event handled, or a later answer completed inline (its `Response` would have
    // been handled last).
    let last = sched.now().max(world.inline_last);
    let end = last.max(SimTime(sc.duration_ns));
    let inlined = world.inlined;
    let trace = world.take_trace();
    let (metrics, faults) = world.finish(end, events);
    (
        RunResult {
            metrics,
            faults,
            trace,
        },
        inlined,
    )
}

/// Who hears of a run's progress, and the run's slot.
type Observe<'a> = Option<(&'a dyn RunProgress, usize)>;

/// Hears how far the runs of `run_all_observed` have got (called from worker threads, every
/// `engine::OBSERVE_EVERY` events and once at the end of each run). Progress is for people:
/// nothing it does reaches a run or its results.
pub trait RunProgress: Sync {
    /// Run `slot` (its position in `indices`) has reached simulated time `now_ns` of
    /// `horizon_ns` (duration plus drain).
    fn advance(&self, slot: usize, now_ns: u64, horizon_ns: u64);
}

/// Runs the strategies at `indices` (in parallel) and returns their results in that order.
pub fn run_all(sc: &Scenario, indices: &[usize], seed: u64) -> Vec<RunResult> {
    run_all_with(sc, indices, seed, None, None)
}

/// `run_all`, tracing operations as `trace` says.
pub fn run_all_traced(
    sc: &Scenario,
    indices: &[usize],
    seed: u64,
    trace: Option<&TraceSpec>,
) -> Vec<RunResult> {
    run_all_with(sc, indices, seed, trace, None)
}

/// `run_all`, telling `progress` how far each run has got.
pub fn run_all_observed(
    sc: &Scenario,
    indices: &[usize],
    seed: u64,
    progress: &dyn RunProgress,
) -> Vec<RunResult> {
    run_all_with(sc, indices, seed, None, Some(progress))
}

/// `run_all`, tracing operations as `trace` says and telling `progress` how far each run has
/// got.
pub fn run_all_with(
    sc: &Scenario,
    indices: &[usize],
    seed: u64,
    trace: Option<&TraceSpec>,
    progress: Option<&dyn RunProgress>,
) -> Vec<RunResult> {
    indices
        .par_iter()
        .enumerate()
        .map(|(slot, &i)| run_inner(sc, i, seed, How::new(trace, progress.map(|p| (p, slot)))).0)
        .collect()
}

#[cfg(test)]
mod tests;
