//! Closed-loop client sessions in a run: their operations, the session guarantees checked on
//! what they observed, and the clients' session routing (`sticky`, `token`).
//!
//! Owns `SessionWorld` (per session: its group and the region of its last write, nothing per
//! operation) and the `World` handlers: a session's next operation is due (`session_op`), a
//! session's operation completed or failed (`session_done`: feeds `guarantees::session` and
//! schedules the next operation one think time later), the sticky serving region of a read
//! (`sticky_target`), and the hold of a `token` read whose answer is older than the session's
//! last write of the key (`token_hold`: the serving region re-reads every `TOKEN_POLL_NS`; the
//! wait counts as replication wait in the latency breakdown). docs/metrics.md, "Session
//! guarantees".
//!
//! Must not import the scenario spec (serde), report or io modules, nor a concrete strategy.

use crate::engine::Scheduler;
use crate::guarantees::session::Sessions;
use crate::strategy::{OpId, Outcome, Part, Strategy, Version};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind, SessionRouting, Workload, TOKEN_POLL_NS};

use super::{Event, World};

/// The session of an operation that belongs to none (open-loop groups, probes).
pub(super) const NO_SESSION: u32 = u32::MAX;

/// Most (session, key) pairs the session checker tracks (about 64 MiB at most).
const MAX_TRACKED: usize = 1 << 20;
/// Keys tracked per session before the cap.
const KEYS_PER_SESSION: usize = 256;

/// The sessions of a run.
pub(super) struct SessionWorld {
    /// Per session: its client group.
    group: Vec<u32>,
    /// Per session: the region that ordered its last write (`RegionId::MAX`: none yet).
    last_write: Vec<RegionId>,
    routing: SessionRouting,
}

impl SessionWorld {
    /// The sessions of `workload` and their checker (`None`: no group has sessions).
    pub(super) fn new(workload: &Workload) -> Option<(SessionWorld, Sessions)> {
        let mut group = Vec::new();
        for (g, plan) in workload.groups.iter().enumerate() {
            if let Some(p) = &plan.sessions {
                group.extend(std::iter::repeat_n(g as u32, p.sessions as usize));
            }
        }
        if group.is_empty() {
            return None;
        }
        let cap = (group.len() * KEYS_PER_SESSION).min(MAX_TRACKED);
        let n = group.len();
        let world = SessionWorld {
            group,
            last_write: vec![RegionId::MAX; n],
            routing: workload.session_routing,
        };
        Some((world, Sessions::new(cap)))
    }
}

impl<S: Strategy> World<'_, S> {
    /// Schedules every session's first operation: a uniform instant within one think time.
    pub(super) fn start_sessions(&mut self, sched: &mut Scheduler<Event<S::Msg, S::Timer>>) {
        let Some(sw) = &self.sessions else {
            return;
        };
        for (id, &g) in sw.group.iter().enumerate() {
            let gen = &mut self.gens[g as usize];
            let think = gen.next_think_nanos();
            let first = SimTime((think as f64 * gen.unit()) as u64);
            if first < self.arrivals_end {
                sched.schedule_at(first, Event::Session { session: id as u32 });
            }
        }
    }

    /// Session `session`'s next operation is due.
    pub(super) fn session_op(
        &mut self,
        now: SimTime,
        session: u32,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let g = self.sessions.as_ref().expect("sessions").group[session as usize];
        if !self.issue(now, g, session, sched) {
            self.session_next(now, session, sched);
        }
    }

    /// Schedules `session`'s next operation one think time after `now`.
    fn session_next(
        &mut self,
        now: SimTime,
        session: u32,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let g = self.sessions.as_ref().expect("sessions").group[session as usize];
        let next = now + self.gens[g as usize].next_think_nanos();
        if next < self.arrivals_end {
            sched.schedule_at(next, Event::Session { session });
        }
    }

    /// An operation of session `id` on `key` completed (its `outcome`) or failed
    /// (`Outcome::Failed`).
    pub(super) fn session_done(
        &mut self,
        now: SimTime,
        (id, key, outcome): (u32, Key, Outcome),
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        if let Some(check) = &mut self.metrics.sessions {
            match outcome {
                Outcome::Read(v) => check.read(id as u64, key, v),
                Outcome::Write(v) => {
                    check.write(id as u64, key, v);
                    if let Some(sw) = &mut self.sessions {
                        if (v.origin as usize) < self.topo.len() {
                            sw.last_write[id as usize] = v.origin;
                        }
                    }
                }
                Outcome::Failed => {}
            }
        }
        self.session_next(now, id, sched);
    }

    /// Where a read of `session` goes under `sticky` routing: where the clients of the region
    /// that ordered its last write are served (that region while they consider it up);
    /// `None`: no sticky target (other routing, or no write yet).
    #[inline]
    pub(super) fn sticky_target(&self, session: u32, kind: OpKind) -> Option<RegionId> {
        let sw = self.sessions.as_ref()?;
        if session == NO_SESSION || kind != OpKind::Read || sw.routing != SessionRouting::Sticky {
            return None;
        }
        let r = sw.last_write[session as usize];
        (r != RegionId::MAX).then(|| self.target[r as usize])
    }

    /// Under `token` routing, holds a read of a session answered with `outcome` when it is
    /// older than the session's last write of the key: the serving region reads again
    /// `TOKEN_POLL_NS` later (the wait is replication wait). Returns whether it held it.
    #[inline]
    pub(super) fn token_hold(
        &mut self,
        now: SimTime,
        op: OpId,
        outcome: Outcome,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) -> bool {
        let (Some(sw), Some(check), Outcome::Read(v)) =
            (&self.sessions, &self.metrics.sessions, outcome)
        else {
            return false;
        };
        let s = &self.ops[op.index()];
        if sw.routing != SessionRouting::Token || s.session == NO_SESSION {
            return false;
        }
        let token = check.wrote(s.session as u64, s.key);
        if token == Version::NONE || v >= token {
            return false;
        }
        let (attempt, at) = (s.attempt, s.target);
        self.ops[op.index()].track.advance(now, Part::Replication);
        sched.schedule_at(now + TOKEN_POLL_NS, Event::Request { op, attempt, at });
        true
    }
}
