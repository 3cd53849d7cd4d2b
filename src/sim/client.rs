//! The clients' side of an operation: arrivals, attempts, answers, timeouts and retries.
//!
//! Owns the `World` handlers that move an operation (an entry of `ops::Ops`): a group's next
//! arrival; sending the current attempt to the region its clients use (the nearest allowed
//! region under enforced residency) and filing its deadline (`deadlines`); the strategy's
//! answer travelling back (`reply`: the first answer to the current attempt wins, an answer
//! to an attempt given up on is dropped); the answer reaching the client (`response`: a
//! success completes the operation in `complete`); and giving up an attempt (backoff with
//! jitter from the clients' own stream, then a retry, or failure). With circuit breakers, an
//! attempt first asks the breaker of (client region, serving region): a rejected attempt
//! fails at once without leaving the client (counted as breaker-rejected at the serving
//! region), and every attempt let through reports its outcome to that breaker. In a plain run
//! (`World::inline_reads`, decided once per run in `mod`), `reply` completes a successful
//! first answer to a read at once, with the time it reaches its client, instead of scheduling
//! its `Response` (when that time is within the run and before the attempt's deadline):
//! nothing can touch the operation on its way back, and `complete` is the same code either
//! way. Also owns the delay of the client's access network plus the WAN path when it is
//! served elsewhere.
//!
//! Must not import the scenario spec (serde), report or io modules, nor a concrete strategy.

use rand::RngExt;

use crate::engine::Scheduler;
use crate::metrics::Failure;
use crate::strategy::replica::nearest_by_rtt;
use crate::strategy::{OpId, Outcome, Part, Strategy};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};

use super::breaker::Admit;
use super::ops::{OpState, Ops, Role};
use super::sessions::NO_SESSION;
use super::trace::Tracer;
use super::track::Track;
use super::{Event, World};

impl<S: Strategy> World<'_, S> {
    pub(super) fn reply(
        &mut self,
        now: SimTime,
        op: OpId,
        outcome: Outcome,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let (answers, op) = (op.attempt(), op.with_attempt(0));
        let Some(state) = self.ops.live_mut(op) else {
            return;
        };
        // An answer to an attempt the client gave up on (timed out, or answered with a
        // failure, and retried) is dropped, as a client drops the response of a call it
        // cancelled; so is any answer after the first to the current attempt.
        if state.answered || answers != state.attempt {
            return;
        }
        let (client, target, attempt) = (state.client, state.target, state.attempt);
        let deadline = state.start + self.sc.clients.timeout_ns;
        match (state.role, outcome) {
            (Role::Probe { delay, written }, _) => {
                // A probe read: measured apart, its answer travels nowhere.
                self.probe_answer(op, delay, written, outcome);
                return;
            }
            (Role::Sampled { .. }, Outcome::Write(v)) => {
                // A sampled write answered where it ran (one answered from elsewhere started
                // its probes when it committed there, `Effect::Committed`).
                self.probe_commit(now, op, v, sched);
            }
            _ => {}
        }
        if self.sessions.is_some() && self.token_hold(now, op, outcome, sched) {
            return;
        }
        let (access, wan) = self.client_path_nanos(now, client, target, false);
        let leg = self.wan_part(client, Part::WanResponse);
        // The first answer to an attempt is the one its client gets; later answers (a
        // quorum deadline after a success, a duplicate) are dropped.
        let state = &mut self.ops[op.index()];
        state.outcome = outcome;
        state.answered = true;
        // The way back: the WAN path (when served elsewhere), then the access network.
        state
            .track
            .legs(now, (leg, wan), (Part::Access, access), Part::Access);
        self.trace_step(op);
        let at = now + access + wan;
        if self.inline_reads
            && attempt == 0
            && matches!(outcome, Outcome::Read(_))
            && at <= self.horizon
            && at <= deadline
        {
            // A successful first answer to a read in a plain run: nothing can touch the
            // operation before it reaches the client, and completing it only adds to
            // commutative sums, so it completes now, at `at`, with no `Response` to handle.
            self.inlined += 1;
            self.inline_last = self.inline_last.max(at);
            self.complete(at, op, sched);
            return;
        }
        sched.schedule_at(at, Event::Response { op, attempt });
    }

    /// What the client WAN legs of `client` count as: `Rerouting` while its region's clients
    /// are rerouted elsewhere, else `normal` (WAN request or response).
    fn wan_part(&self, client: RegionId, normal: Part) -> Part {
        if self.target[client as usize] != client {
            Part::Rerouting
        } else {
            normal
        }
    }

    /// The delay of one message between a client of region `client` and the servers of
    /// `server` (`to_server`: request, else answer) as (access, WAN): the client's access
    /// network, plus the WAN path when it is served elsewhere (else 0). Clients reach a remote region over the internet,
    /// not through their own region's servers, so only the path's latency applies. The WAN
    /// leg of the clients of one region to (or from) one remote region is one channel,
    /// delivered in send order when its route is ordered (`network.fifo`); the access leg is
    /// each client's own and is not ordered against other clients.
    #[inline(always)]
    fn client_path_nanos(
        &mut self,
        now: SimTime,
        client: RegionId,
        server: RegionId,
        to_server: bool,
    ) -> (u64, u64) {
        let access = self.access_nanos(client);
        let mut wan = 0;
        if server != client {
            let (from, to) = if to_server {
                (client, server)
            } else {
                (server, client)
            };
            let pair = from as usize * self.topo.len() + to as usize;
            let sample = self.net_nanos(from, to);
            wan = if self.topo.fifo(from, to) {
                // The WAN leg starts once the access leg is done.
                let start = now + access;
                super::effects::in_order(&mut self.client_last[pair], start, sample)
            } else {
                sample
            };
        }
        (access, wan)
    }

    pub(super) fn new_op_id(&mut self, slot: usize) -> OpId {
        // Every operation of the run gets its own generation: never reused, so no stale
        // event (a timeout armed for an earlier operation, a late answer) can match it.
        self.next_gen = (self.next_gen + 1).min(crate::strategy::OP_GEN_MAX);
        OpId::new(slot as u32, self.next_gen)
    }

    /// The next operation of arrival stream `g` (a client group, or the travelling users
    /// after the last group) at `now`: the draw, its client region and the value size.
    #[inline]
    fn draw_op(&mut self, g: usize, now: SimTime) -> (crate::workload::OpDraw, RegionId, u32) {
        match self.gens.get_mut(g) {
            Some(gen) => (gen.next_op(), self.group_region[g], gen.value_bytes()),
            None => {
                let users = self.users.as_mut().expect("the users' arrival stream");
                let (draw, region) = users.next_op(now.as_nanos());
                (draw, region, users.value_bytes())
            }
        }
    }

    /// The next arrival of stream `g` (a client group, or the travelling users) after `now`
    /// (a group also draws the operation that arrival issues: the same draws in the same
    /// order, as only its arrivals draw from an open-loop group's stream).
    #[inline]
    pub(super) fn next_arrival_of(&mut self, g: usize, now: SimTime) -> u64 {
        match self.gens.get_mut(g) {
            Some(gen) => gen.next_arrival_and_op(now.as_nanos()),
            None => self
                .users
                .as_mut()
                .expect("the users' arrival stream")
                .next_arrival(now.as_nanos()),
        }
    }

    pub(super) fn arrival(
        &mut self,
        now: SimTime,
        group: u32,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        self.issue(now, group, NO_SESSION, sched);
        let next = SimTime(self.next_arrival_of(group as usize, now));
        if next < self.arrivals_end {
            sched.schedule_at(next, Event::Arrival { group });
            // That arrival's operation is drawn: start loading what issuing it reads.
            if let Some(key) = self.gens.get(group as usize).and_then(|g| g.ahead_key()) {
                self.metrics.prefetch_issue(key);
            }
        }
    }

    /// Group `group` issues its next operation (of `session`, or `NO_SESSION`); returns
    /// whether it was sent (else it failed at once: too many operations in flight).
    pub(super) fn issue(
        &mut self,
        now: SimTime,
        group: u32,
        session: u32,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) -> bool {
        let g = group as usize;
        let (draw, client, value_bytes) = self.draw_op(g, now);
        let expect = self.metrics.issued_at(now, client, draw.kind, draw.key);
        let role = match (&mut self.probes, draw.kind) {
            (Some(p), OpKind::Write) => p.role_of_write(),
            _ => Role::Client,
        };
        let slot = self.ops.vacant_key();
        if slot >= 1 << crate::strategy::OP_SLOT_BITS {
            // More than a million operations in flight: the run is hopelessly overloaded.
            self.metrics
                .failed_op(client, draw.kind, (now, now), Failure::Overload);
            return false;
        }
        let op = self.new_op_id(slot);
        self.ops.insert(OpState {
            start: now,
            kind: draw.kind,
            key: draw.key,
            bytes: draw.bytes,
            value_bytes,
            client,
            target: client,
            attempt: 0,
            gen: op.gen(),
            expect,
            outcome: Outcome::Failed,
            answered: false,
            epoch: 0,
            role,
            ticket: None,
            // `send_attempt` below starts it.
            track: Track::UNSTARTED,
            session,
        });
        if let Some(t) = &mut self.tracer {
            t.start(slot);
        }
        self.send_attempt(now, op, sched);
        true
    }

    /// Sends the current attempt of `op` to the region its clients currently use.
    pub(super) fn send_attempt(
        &mut self,
        now: SimTime,
        op: OpId,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let state = &self.ops[op.index()];
        let (client, key) = (state.client, state.key);
        let sticky = match &self.sessions {
            Some(_) => self.sticky_target(state.session, state.kind),
            None => None,
        };
        let mut target = sticky.unwrap_or(self.target[client as usize]);
        if self.enforce && !self.sc.residency.allowed(key, target) {
            // Enforced residency: restricted data is served only inside its class, so the
            // client talks to the nearest allowed healthy region directly.
            target = self.nearest_allowed(client, key).unwrap_or(target);
        }
        let state = &mut self.ops[op.index()];
        state.target = target;
        let attempt = state.attempt;
        state.track.attempt(state.start, now);
        if let Some(p) = &self.breaker {
            let n = self.topo.len();
            match self.breakers[client as usize * n + target as usize].admit(p, now) {
                Admit::Go(epoch) => state.epoch = epoch,
                Admit::Reject => {
                    // Fail fast: the attempt never leaves the client.
                    self.metrics.stations.breaker_rejected(target);
                    self.give_up_attempt(now, op, Failure::Breaker, sched);
                    return;
                }
            }
        }
        self.metrics.attempts.sent += 1;
        // The request reaches `target` after the client's path: a hint to start loading the
        // state it will read there.
        self.strategy.prefetch(target, key);
        let (access, wan) = self.client_path_nanos(now, client, target, true);
        let leg = self.wan_part(client, Part::WanRequest);
        let track = &mut self.ops[op.index()].track;
        track.legs(now, (Part::Access, access), (leg, wan), Part::Queueing);
        if target != client {
            track.peer = Some(target);
        }
        self.trace_step(op);
        sched.schedule_at(
            now + access + wan,
            Event::Request {
                op,
                attempt,
                at: target,
            },
        );
        self.file_deadline(now + self.sc.clients.timeout_ns, op, attempt, sched);
    }

    /// The tracer follows a change of `op`'s track.
    #[inline]
    pub(super) fn trace_step(&mut self, op: OpId) {
        trace_step(&mut self.tracer, &self.ops, op);
    }

    /// `op` finished at `now`: the tracer keeps it if it is in the sample.
    fn trace_finish(&mut self, now: SimTime, op: OpId, s: &OpState, failed: bool) {
        if let Some(t) = &mut self.tracer {
            let life = (s.start, now);
            t.finish(
                op.index(),
                op.gen(),
                s.kind,
                s.client,
                life,
                failed,
                s.attempt + 1,
            );
        }
    }

    fn finish_failed(
        &mut self,
        now: SimTime,
        op: OpId,
        cause: Failure,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let s = self.ops.remove(op.index());
        self.trace_finish(now, op, &s, true);
        self.metrics
            .failed_op(s.client, s.kind, (s.start, now), cause);
        if s.session != NO_SESSION {
            self.session_done(now, (s.session, s.key, Outcome::Failed), sched);
        }
    }

    /// The answer to attempt `attempt` of `op` reaches its client (ignored when the operation
    /// has moved on: finished, or retried after a timeout).
    pub(super) fn response(
        &mut self,
        now: SimTime,
        op: OpId,
        attempt: u32,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let Some(s) = self.ops.live(op) else {
            return;
        };
        if s.attempt != attempt {
            return;
        }
        let failed = s.outcome == Outcome::Failed;
        self.breaker_outcome(now, op, failed);
        if failed {
            // An explicit failure: retry like a timeout, at once after backing off.
            self.metrics.attempts.failure_answers += 1;
            self.give_up_attempt(now, op, Failure::FailureAnswer, sched);
            return;
        }
        self.complete(now, op, sched);
    }

    /// The successful answer to the current attempt of `op` (live, answered) reaches its
    /// client at `now`: the operation completes (the `Response` event, or `reply` at once
    /// for a read that nothing can touch on its way back).
    #[inline(always)]
    fn complete(&mut self, now: SimTime, op: OpId, sched: &mut Scheduler<Event<S::Msg, S::Timer>>) {
        let idx = op.index();
        if self.tracer.is_some() {
            let s = self.ops[idx];
            self.trace_finish(now, op, &s, false);
        }
        // Read in place (the entry is 280 bytes; a removal would move all of it out), then
        // freed before the session's next operation can take the slot.
        let s = &self.ops[idx];
        let total = now.saturating_since(s.start);
        let on_time = s.track.mark == now;
        if self.metrics.breakdown.check(&s.track.parts, total) && on_time {
            let (client, kind, target) = (s.client, s.kind, s.target);
            let k = &s.track;
            self.metrics
                .breakdown
                .record(client, kind, &k.parts, total, target, k.peer);
        } else if !on_time {
            self.metrics.breakdown.mismatched += 1;
        }
        let answer = match s.outcome {
            Outcome::Read(_) => 64 + s.value_bytes as u64,
            _ => 64,
        };
        self.metrics.egress_bytes[s.target as usize] += answer;
        if let (Some((ticket, v)), Outcome::Write(w)) = (s.ticket, s.outcome) {
            if v == w {
                self.metrics.ack_reached(ticket);
            }
        }
        self.metrics
            .completed(s.client, s.key, s.start, now, s.expect, s.outcome);
        let (session, key, outcome) = (s.session, s.key, s.outcome);
        self.ops.free_slot(idx);
        if session != NO_SESSION {
            self.session_done(now, (session, key, outcome), sched);
        }
    }

    /// Tells the breaker the current attempt of `op` went through whether it `failed` (an
    /// explicit failure or a timeout) or succeeded.
    pub(super) fn breaker_outcome(&mut self, now: SimTime, op: OpId, failed: bool) {
        if let Some(p) = &self.breaker {
            let s = &self.ops[op.index()];
            let i = s.client as usize * self.topo.len() + s.target as usize;
            self.breakers[i].record(p, now, s.epoch, failed);
        }
    }

    /// The current attempt failed (`why`: a timeout, a failure answer or a breaker's
    /// rejection): back off and retry, or fail the operation for that cause.
    pub(super) fn give_up_attempt(
        &mut self,
        now: SimTime,
        op: OpId,
        why: Failure,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let retries = self.sc.clients.retries;
        let s = &mut self.ops[op.index()];
        if s.attempt >= retries {
            self.finish_failed(now, op, why, sched);
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

    /// The healthy region nearest `home` (median round trip, ties: lower id) that may hold
    /// `key`.
    pub(super) fn nearest_allowed(&self, home: RegionId, key: Key) -> Option<RegionId> {
        let allowed = (0..self.topo.len() as RegionId)
            .filter(|&r| self.up[r as usize] && self.sc.residency.allowed(key, r));
        nearest_by_rtt(self.topo, home, allowed)
    }
}

/// The tracer (if any) follows a change of `op`'s track (a function of the two fields, so a
/// caller may hold other fields of the world).
#[inline]
pub(super) fn trace_step(tracer: &mut Option<Box<Tracer>>, ops: &Ops, op: OpId) {
    let Some(t) = tracer else {
        return;
    };
    if let Some(s) = ops.get(op.index()) {
        let peer = s.track.peer.unwrap_or(s.target);
        t.step(op.index(), &s.track, s.start, [s.client, s.target, peer]);
    }
}
