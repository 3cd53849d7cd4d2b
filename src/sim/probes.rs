//! Probe reads for the exact staleness curve (`consistency.t_visibility_exact`).
//!
//! Owns `Probes` (the plan in nanoseconds, the sampling counter, the round-robin of source
//! regions and the acknowledged sampled writes whose probes are not all issued yet) and the
//! `World` handlers of a probe's life (an operation's `Role`, client operation, sampled write
//! or probe read, is part of its `OpState` in `client`):
//!
//! 1. `arrival` (in `client`) marks every `every`-th write issued in the run as `Sampled`
//!    and gives it its source region (the configured one, or the client regions in turn):
//!    issue order and sources do not depend on the strategy, so every strategy of a scenario
//!    probes the same writes from the same regions.
//! 2. When the strategy acknowledges a sampled write at `t_ack`, where it ran (the
//!    coordinator, primary, home or leader), before the answer travels to the client: its
//!    `Effect::Committed` (`Ctx::answer` pushes it when the answer goes on to another
//!    region), or else its first `Outcome::Write(v)` reaching `reply` (answered where it
//!    ran), `probe_commit` keeps `(key, v, t_ack, source)` and schedules an `Event::Probe` at
//!    `t_ack + delays[0]`.
//! 3. `probe` (that event) issues the probe read of delay `i` and schedules the next delay at
//!    `t_ack + delays[i + 1]`, so one event per sampled write is in the queue at a time. The
//!    read takes a slot of the world's operation table (so strategies that index side tables
//!    by `OpId::index` keep working) and is handed to the strategy's `on_request` at the
//!    region the source's clients are served by (rerouting and enforced residency applied),
//!    at exactly `t_ack + t`: no access latency, no capacity station (it neither queues nor
//!    uses a server), no timeout, no retry.
//! 4. `probe_answer` (from `reply`) swallows the strategy's answer: no response travels, no
//!    latency, availability, stale-read, egress or timeline figure counts it; the probe
//!    counts as consistent when it returned `v` or a newer version. A failed answer, a serving
//!    region down at issue, a full operation table, or no answer by the end of the run count
//!    as failed probes.
//!
//! Probes draw no random numbers of their own, and never from the workload's streams, so
//! the client operations (arrivals, kinds, keys) are the same with and without probes. The
//! probe reads are real reads for the strategy, though: their messages are sent, sampled on
//! the network streams and counted in WAN bytes and cost, and strategy figures (`extra`, e.g.
//! cache hits, read repairs) include them. A run with probes is therefore not byte-identical
//! to the run without in those figures.
//!
//! Must not import the scenario spec (serde), report or io modules, nor a concrete strategy.

use slab::Slab;

use crate::engine::Scheduler;
use crate::metrics::Expect;
use crate::strategy::{OpId, Outcome, Strategy, Version};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind, ProbePlan};

use super::ops::{OpState, Role};
use super::{Event, World};

/// An acknowledged sampled write whose probes are not all issued yet.
#[derive(Copy, Clone, Debug)]
struct Pending {
    key: Key,
    written: Version,
    acked: SimTime,
    source: RegionId,
    /// Index of the next delay to issue.
    next: u8,
}

/// The probe plan of one run and its bookkeeping.
#[derive(Debug)]
pub(super) struct Probes {
    delays_ns: Vec<u64>,
    every: u64,
    /// Source regions, taken in turn (one entry when `probe_from` is set).
    sources: Vec<RegionId>,
    turn: usize,
    /// Writes issued so far.
    writes: u64,
    pending: Slab<Pending>,
}

impl Probes {
    /// The bookkeeping of `plan`; `client_regions` are the regions of the client groups.
    pub(super) fn new(plan: &ProbePlan, client_regions: &[RegionId]) -> Self {
        let sources = match plan.from {
            Some(r) => vec![r],
            None => {
                let mut v = client_regions.to_vec();
                v.sort_unstable();
                v.dedup();
                v
            }
        };
        Probes {
            delays_ns: plan.delays_ms.iter().map(|&ms| ms * 1_000_000).collect(),
            every: plan.every,
            sources,
            turn: 0,
            writes: 0,
            pending: Slab::new(),
        }
    }

    /// A client write is being issued: its role (every `every`-th write is sampled).
    pub(super) fn role_of_write(&mut self) -> Role {
        self.writes += 1;
        if self.writes % self.every != 0 {
            return Role::Client;
        }
        let source = self.sources[self.turn % self.sources.len()];
        self.turn += 1;
        Role::Sampled { source }
    }
}

impl<S: Strategy> World<'_, S> {
    /// Write `op` commits at `now` as `written` (the strategy's `Committed`, or its first
    /// `Outcome::Write` reaching `reply` where it ran): if it is sampled, schedule its first
    /// probe, once (it is a plain client write from then on).
    pub(super) fn probe_commit(
        &mut self,
        now: SimTime,
        op: OpId,
        written: Version,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let Some(p) = self.probes.as_mut() else {
            return;
        };
        let Some(s) = self.ops.live_mut(op.with_attempt(0)) else {
            return;
        };
        let Role::Sampled { source } = s.role else {
            return;
        };
        s.role = Role::Client;
        let id = p.pending.insert(Pending {
            key: s.key,
            written,
            acked: now,
            source,
            next: 0,
        });
        sched.schedule_at(now + p.delays_ns[0], Event::Probe { id: id as u32 });
    }

    /// `Event::Probe`: issue the next probe read of pending write `id`.
    pub(super) fn probe(
        &mut self,
        now: SimTime,
        id: u32,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let p = self.probes.as_mut().expect("probes are configured");
        let pend = p.pending[id as usize];
        let i = pend.next as usize;
        if i + 1 < p.delays_ns.len() {
            p.pending[id as usize].next += 1;
            sched.schedule_at(pend.acked + p.delays_ns[i + 1], Event::Probe { id });
        } else {
            p.pending.remove(id as usize);
        }
        let client = pend.source;
        let mut target = self.target[client as usize];
        if self.enforce && !self.sc.residency.allowed(pend.key, target) {
            target = self.nearest_allowed(client, pend.key).unwrap_or(target);
        }
        let slot = self.ops.vacant_key();
        if !self.up[target as usize] || slot >= 1 << crate::strategy::OP_SLOT_BITS {
            self.probe_failed(i);
            return;
        }
        let op = self.new_op_id(slot);
        self.ops.insert(OpState {
            start: now,
            kind: OpKind::Read,
            key: pend.key,
            bytes: 0,
            value_bytes: 0,
            client,
            target,
            attempt: 0,
            gen: op.gen(),
            epoch: 0,
            ticket: None,
            track: super::track::Track::new(now),
            session: super::sessions::NO_SESSION,
            expect: Expect::NONE,
            outcome: Outcome::Failed,
            answered: false,
            role: Role::Probe {
                delay: i as u8,
                written: pend.written,
            },
        });
        self.serve(now, op, target, sched);
    }

    /// The strategy answered probe read `op` (its first answer; the entry is freed, so later
    /// answers are dropped).
    pub(super) fn probe_answer(&mut self, op: OpId, delay: u8, written: Version, outcome: Outcome) {
        self.ops.remove(op.index());
        let curve = self.metrics.probes.as_mut().expect("probes are configured");
        match outcome {
            Outcome::Read(v) => curve.answered(delay as usize, v >= written),
            Outcome::Write(_) | Outcome::Failed => curve.failed(delay as usize),
        }
    }

    /// The probe read at delay index `i` could not be issued or got no answer.
    pub(super) fn probe_failed(&mut self, i: usize) {
        if let Some(curve) = self.metrics.probes.as_mut() {
            curve.failed(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nth_write_is_sampled_from_the_client_regions_in_turn() {
        let plan = ProbePlan {
            delays_ms: vec![0, 5],
            every: 3,
            from: None,
        };
        // Client groups in regions 4, 1, 4: the sources are 1 then 4, in region order.
        let mut p = Probes::new(&plan, &[4, 1, 4]);
        assert_eq!(p.delays_ns, vec![0, 5_000_000]);
        let roles: Vec<Role> = (0..9).map(|_| p.role_of_write()).collect();
        let sampled: Vec<(usize, RegionId)> = roles
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match r {
                Role::Sampled { source } => Some((i + 1, *source)),
                _ => None,
            })
            .collect();
        assert_eq!(sampled, vec![(3, 1), (6, 4), (9, 1)]);
        // A configured source takes every probe.
        let mut p = Probes::new(
            &ProbePlan {
                from: Some(7),
                ..plan
            },
            &[4, 1],
        );
        let sources: Vec<Role> = (0..6).map(|_| p.role_of_write()).collect();
        assert_eq!(sources[2], Role::Sampled { source: 7 });
        assert_eq!(sources[5], Role::Sampled { source: 7 });
    }
}
