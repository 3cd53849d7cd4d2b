//! Regions' service capacity: an M/M/c FIFO station per region with a capacity.
//!
//! Owns `Station` and `Job` and the `World` handlers of a request at its serving region:
//! admission (stale attempts and down regions drop it; the failed-over bulkhead and a full
//! queue shed it with an explicit failure), queueing, service completion (a completion from
//! before the region's last crash is ignored, the station was reset), and handing the request
//! to the strategy (`serve`). A region without a capacity serves at once. Every change of the
//! busy servers, every service start (with its queue wait) and every shed request is reported
//! to `metrics::Stations`.
//!
//! Must not import the scenario spec (serde), report or io modules, nor a concrete strategy.

use std::collections::VecDeque;

use crate::engine::Scheduler;
use crate::strategy::{Ctx, OpId, Outcome, Part, Request, Strategy};
use crate::time::SimTime;
use crate::topology::RegionId;

use super::{Event, World};

/// A request that finished service (the fields of `Event::Served`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Job {
    pub(super) op: OpId,
    pub(super) attempt: u32,
    pub(super) at: RegionId,
    pub(super) foreign: bool,
    pub(super) inc: u32,
}

/// A region's FIFO service station (M/M/c).
#[derive(Clone, Debug, Default)]
pub(super) struct Station {
    pub(super) busy: u32,
    /// Failed-over requests in the station (waiting or in service).
    pub(super) foreign: u32,
    /// Waiting requests: operation, attempt, foreign, arrival at the station.
    pub(super) queue: VecDeque<(OpId, u32, bool, SimTime)>,
}

impl<S: Strategy> World<'_, S> {
    pub(super) fn request(
        &mut self,
        now: SimTime,
        op: OpId,
        attempt: u32,
        at: RegionId,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let Some(s) = self.ops.live(op) else {
            return;
        };
        if s.attempt != attempt || !self.up[at as usize] {
            return;
        }
        let foreign = s.client != at;
        if !self.stations_on {
            self.serve(now, op, at, sched);
            return;
        }
        let Some(cap) = &self.sc.capacity[at as usize] else {
            self.serve(now, op, at, sched);
            return;
        };
        let st = &mut self.stations[at as usize];
        let foreign_cap = cap.failover_limit(self.bulkhead);
        if foreign && foreign_cap.is_some_and(|c| st.foreign >= c) {
            // Bulkhead full for failed-over traffic: shed at once.
            self.metrics.stations.shed(at);
            self.reply(now, op.with_attempt(attempt), Outcome::Failed, sched);
            return;
        }
        let inc = self.incarnation[at as usize];
        if st.busy < cap.servers {
            self.ops[op.index()].track.advance(now, Part::Service);
            super::client::trace_step(&mut self.tracer, &self.ops, op);
            st.busy += 1;
            st.foreign += foreign as u32;
            self.metrics.stations.busy(at, now, st.busy);
            self.metrics.stations.waited(at, 0);
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
            st.queue.push_back((op, attempt, foreign, now));
        } else {
            self.metrics.stations.shed(at);
            self.reply(now, op.with_attempt(attempt), Outcome::Failed, sched);
        }
    }

    pub(super) fn served(
        &mut self,
        now: SimTime,
        job: Job,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
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
        if let Some((next, att, fgn, since)) = st.queue.pop_front() {
            st.busy += 1;
            if let Some(s) = self.ops.live_mut(next) {
                if s.attempt == att {
                    s.track.advance(now, Part::Service);
                    super::client::trace_step(&mut self.tracer, &self.ops, next);
                }
            }
            self.metrics
                .stations
                .waited(at, now.saturating_since(since));
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
        self.metrics.stations.busy(at, now, st.busy);
        let live = self.ops.live(op).is_some_and(|s| s.attempt == attempt);
        if live && self.up[at as usize] {
            self.serve(now, op, at, sched);
        }
    }

    /// Hands a request to the strategy at region `at`.
    pub(super) fn serve(
        &mut self,
        now: SimTime,
        op: OpId,
        at: RegionId,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        // The serving region's local part is done: what follows is the wait on others.
        self.ops[op.index()].track.advance(now, Part::Replication);
        self.trace_step(op);
        let s = &self.ops[op.index()];
        let req = Request {
            // The strategy answers this attempt: an answer after the client gave up on it is
            // dropped in `reply`.
            op: op.with_attempt(s.attempt),
            kind: s.kind,
            key: s.key,
            bytes: s.bytes,
            client: s.client,
        };
        let mut ctx = strategy_ctx!(self, now);
        self.at = at;
        self.strategy.on_request(&mut ctx, at, req);
        self.apply_effects(now, sched);
    }
}
