//! One run of one strategy on one scenario: the world, its closed event enum and the loop.
//!
//! Owns `World` (topology + workload generators + one strategy + metrics) and the `Event`
//! enum that the engine's loop matches: client arrivals, requests reaching a region,
//! message deliveries, strategy timers and answers reaching clients. Effects a strategy
//! pushes are applied here: messages get a sampled route latency (never below the fibre
//! floor), replies travel back over the client's access network. Also owns `run_all`, which
//! runs several strategies in parallel on the same workload and returns results in scenario
//! order.
//!
//! Must not import the scenario spec (serde), report or io modules.

use rayon::prelude::*;
use slab::Slab;

use crate::engine::{self, Model, Scheduler};
use crate::metrics::{Expect, RunMetrics};
use crate::rng::{stream, SimRng, Stream};
use crate::scenario::Scenario;
use crate::strategy::{
    ActiveActive, ActivePassive, Consensus, Ctx, EdgeCache, Effect, FollowTheSun, MultiMaster,
    OpId, Outcome, Quorum, Request, Strategy, StrategyConfig,
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
    /// An operation reaches the servers of its client's region.
    Request {
        /// The operation.
        op: OpId,
    },
    /// A strategy message reaches region `to`.
    Deliver {
        /// Sender.
        from: RegionId,
        /// Receiver.
        to: RegionId,
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
    },
}

#[derive(Clone, Copy, Debug)]
struct OpState {
    start: SimTime,
    kind: OpKind,
    key: Key,
    bytes: u32,
    client: RegionId,
    expect: Expect,
    outcome: Outcome,
}

/// The simulated world for one strategy.
pub struct World<'a, S: Strategy> {
    topo: &'a Topology,
    strategy: S,
    gens: Vec<GroupGen>,
    group_region: Vec<RegionId>,
    access_rng: Vec<SimRng>,
    net_rng: Vec<SimRng>,
    strat_rng: SimRng,
    ops: Slab<OpState>,
    effects: Vec<Effect<S::Msg, S::Timer>>,
    metrics: RunMetrics,
    arrivals_end: SimTime,
}

impl<'a, S: Strategy> World<'a, S> {
    fn new(sc: &'a Scenario, strategy_index: usize, seed: u64, strategy: S) -> Self {
        let topo = &sc.topology;
        let n = topo.len();
        World {
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
            ops: Slab::with_capacity(1024),
            effects: Vec::with_capacity(64),
            metrics: RunMetrics::new(n, sc.workload.key_space()),
            arrivals_end: SimTime(sc.duration_ns),
        }
    }

    fn start(&mut self, sched: &mut Scheduler<Event<S::Msg, S::Timer>>) {
        for g in 0..self.gens.len() {
            let first = SimTime(self.gens[g].next_arrival(0));
            if first < self.arrivals_end {
                sched.schedule_at(first, Event::Arrival { group: g as u32 });
            }
        }
        let mut ctx = Ctx::new(
            SimTime::ZERO,
            self.topo,
            &[],
            &mut self.strat_rng,
            &mut self.effects,
        );
        self.strategy.on_start(&mut ctx);
        self.apply_effects(SimTime::ZERO, sched);
    }

    /// Applies the effects the strategy pushed during the last callback.
    fn apply_effects(&mut self, now: SimTime, sched: &mut Scheduler<Event<S::Msg, S::Timer>>) {
        let n = self.topo.len();
        for effect in self.effects.drain(..) {
            match effect {
                Effect::Send {
                    from,
                    to,
                    msg,
                    bytes,
                } => {
                    let rng = &mut self.net_rng[from as usize * n + to as usize];
                    let delay = self.topo.sample_nanos(from, to, rng);
                    self.metrics.sent(from, to, bytes);
                    sched.schedule_at(now + delay, Event::Deliver { from, to, msg });
                }
                Effect::Timer {
                    region,
                    after,
                    timer,
                } => sched.schedule_at(now + after, Event::Timer { region, timer }),
                Effect::Reply { op, outcome } => {
                    let Some(state) = self.ops.get_mut(op.index()) else {
                        continue;
                    };
                    state.outcome = outcome;
                    let client = state.client;
                    let delay = self
                        .topo
                        .sample_access_nanos(client, &mut self.access_rng[client as usize]);
                    sched.schedule_at(now + delay, Event::Response { op });
                }
                Effect::Applied { acked_at } => self.metrics.applied(now, acked_at),
                Effect::Conflict => self.metrics.conflicts += 1,
                Effect::LostUpdate => self.metrics.lost_updates += 1,
                Effect::DataLost { .. } | Effect::Writable { .. } => {}
            }
        }
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
        let expect = self.metrics.issued(draw.kind, draw.key);
        let op = self.ops.insert(OpState {
            start: now,
            kind: draw.kind,
            key: draw.key,
            bytes: draw.bytes,
            client,
            expect,
            outcome: Outcome::Failed,
        });
        let delay = self
            .topo
            .sample_access_nanos(client, &mut self.access_rng[client as usize]);
        sched.schedule_at(
            now + delay,
            Event::Request {
                op: OpId(op as u32),
            },
        );
        let next = SimTime(self.gens[g].next_arrival(now.as_nanos()));
        if next < self.arrivals_end {
            sched.schedule_at(next, Event::Arrival { group });
        }
    }

    /// Ends the run: operations still in flight count as failed.
    fn finish(mut self, events: u64) -> RunMetrics {
        for _ in 0..self.ops.len() {
            self.metrics.unfinished();
        }
        self.metrics.events = events;
        self.metrics.extra = self.strategy.extra();
        self.metrics
    }
}

impl<S: Strategy> Model for World<'_, S> {
    type Event = Event<S::Msg, S::Timer>;

    #[inline]
    fn handle(&mut self, now: SimTime, event: Self::Event, sched: &mut Scheduler<Self::Event>) {
        match event {
            Event::Arrival { group } => {
                self.arrival(now, group, sched);
                return;
            }
            Event::Request { op } => {
                let s = self.ops[op.index()];
                let req = Request {
                    op,
                    kind: s.kind,
                    key: s.key,
                    bytes: s.bytes,
                    client: s.client,
                };
                let mut ctx = Ctx::new(now, self.topo, &[], &mut self.strat_rng, &mut self.effects);
                self.strategy.on_request(&mut ctx, s.client, req);
            }
            Event::Deliver { from, to, msg } => {
                let mut ctx = Ctx::new(now, self.topo, &[], &mut self.strat_rng, &mut self.effects);
                self.strategy.on_message(&mut ctx, to, from, msg);
            }
            Event::Timer { region, timer } => {
                let mut ctx = Ctx::new(now, self.topo, &[], &mut self.strat_rng, &mut self.effects);
                self.strategy.on_timer(&mut ctx, region, timer);
            }
            Event::Response { op } => {
                let s = self.ops.remove(op.index());
                self.metrics
                    .completed(s.client, s.key, s.start, now, s.expect, s.outcome);
                return;
            }
        }
        self.apply_effects(now, sched);
    }
}

/// Runs strategy `index` of `sc` with `seed`.
pub fn run_strategy(sc: &Scenario, index: usize, seed: u64) -> RunMetrics {
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

fn run_with<S: Strategy>(sc: &Scenario, index: usize, seed: u64, strategy: S) -> RunMetrics {
    let mut world = World::new(sc, index, seed, strategy);
    let mut sched = Scheduler::with_capacity(4096);
    world.start(&mut sched);
    let horizon = SimTime(sc.duration_ns) + sc.drain_ns;
    let events = engine::run(&mut world, &mut sched, horizon);
    world.finish(events)
}

/// Runs the strategies at `indices` (in parallel) and returns their metrics in that order.
pub fn run_all(sc: &Scenario, indices: &[usize], seed: u64) -> Vec<RunMetrics> {
    indices
        .par_iter()
        .map(|&i| run_strategy(sc, i, seed))
        .collect()
}
