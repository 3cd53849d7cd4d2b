//! Applying what a strategy asked for, and the network path of its messages.
//!
//! Owns `apply_effects` (sends, timers, replies and the measurement effects a strategy
//! pushed during its last callback, in order) and `transmit`: the one-way delay of a message
//! between regions, sampled on the route (never below the fibre floor), with a degraded link's
//! extra latency, retransmissions for loss and bandwidth queueing, or `None` when a partition
//! or the sender's outage drops it. Residency violations of data-carrying sends are counted
//! here. A message the network drops is reported to the strategy at once (`report_dropped`,
//! `Strategy::on_dropped`), for its bookkeeping only. A strategy's messages from one region to
//! another form one channel, delivered in send order when the route is ordered (`in_order`;
//! `network.fifo`).
//!
//! Must not import the scenario spec (serde), report or io modules, nor a concrete strategy.

use rand::RngExt;

use crate::engine::Scheduler;
use crate::faults::FaultKind;
use crate::strategy::{Ctx, Effect, OpId, Part, Strategy};
use crate::time::SimTime;
use crate::topology::RegionId;

use super::{Event, World};

/// The delay of a message sent at `now` with its own sampled `delay` on an ordered channel
/// whose latest arrival so far is `last`: it arrives at max(own arrival, `last`), as over
/// TCP, and becomes the channel's latest arrival.
#[inline]
pub(super) fn in_order(last: &mut SimTime, now: SimTime, delay: u64) -> u64 {
    let at = (now + delay).max(*last);
    *last = at;
    at.saturating_since(now)
}

impl<S: Strategy> World<'_, S> {
    /// One-way delay of a message, or None when it is dropped (partition, outage).
    #[inline(always)]
    pub(super) fn transmit(
        &mut self,
        now: SimTime,
        from: RegionId,
        to: RegionId,
        bytes: u64,
    ) -> Option<u64> {
        let n = self.topo.len();
        let pair = from as usize * n + to as usize;
        let base = self.net_nanos(from, to);
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

    /// A strategy's tag: from `now`, `op` waits for `part` (`transit`: for the transit of the
    /// message just sent to `peer`, then on what `peer` does). Ignored for an answered or
    /// finished operation and while the current attempt's request is still on its way.
    fn tag(&mut self, now: SimTime, op: OpId, part: Part, peer: RegionId, transit: bool) {
        let Some(s) = self.ops.live_mut(op) else {
            return;
        };
        if s.answered || now < s.track.mark {
            return;
        }
        match self.last_sent {
            Some((to, Some(at))) if transit && to == peer => {
                let d = at.saturating_since(now);
                s.track.legs(now, (part, d), (part, 0), Part::Replication)
            }
            _ => s.track.advance(now, part),
        }
        if matches!(part, Part::WanRequest | Part::CacheMiss) {
            s.track.peer = Some(peer);
        }
        self.trace_step(op);
    }

    /// Applies the effects the strategy pushed during the last callback.
    pub(super) fn apply_effects(
        &mut self,
        now: SimTime,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let mut effects = std::mem::take(&mut self.effects);
        self.last_sent = None;
        // Read in place (each field copied out as its arm needs it), then cleared.
        for effect in &effects {
            match *effect {
                Effect::Send {
                    from,
                    to,
                    msg,
                    bytes,
                    data,
                } => {
                    self.metrics.sent(from, to, bytes);
                    if let (true, Some(key)) = (self.residency_on, data) {
                        if from != to && !self.sc.residency.allowed(key, to) {
                            self.metrics.violation(key, bytes);
                        }
                    }
                    self.last_sent = Some((to, None));
                    if let Some(mut delay) = self.transmit(now, from, to, bytes) {
                        if self.topo.fifo(from, to) {
                            let pair = from as usize * self.topo.len() + to as usize;
                            delay = in_order(&mut self.chan_last[pair], now, delay);
                        }
                        let inc = self.incarnation[from as usize];
                        self.last_sent = Some((to, Some(now + delay)));
                        sched.schedule_at(now + delay, Event::Deliver { from, to, inc, msg });
                    } else {
                        self.report_dropped(now, from, to, msg, sched);
                    }
                }
                Effect::Carries {
                    from,
                    to,
                    key,
                    bytes,
                } => {
                    if self.residency_on && from != to && !self.sc.residency.allowed(key, to) {
                        self.metrics.violation(key, bytes);
                    }
                }
                Effect::Timer {
                    region,
                    after,
                    timer,
                } => sched.schedule_at(now + after, Event::Timer { region, timer }),
                Effect::Reply { op, outcome } => self.reply(now, op, outcome, sched),
                Effect::Applied { acked_at } => {
                    if self.down_changed[self.at as usize] <= acked_at {
                        self.metrics.applied(now, acked_at);
                    }
                }
                Effect::Replicated {
                    origin,
                    replica,
                    acked_at,
                } => {
                    let changed =
                        self.down_changed[origin as usize].max(self.down_changed[replica as usize]);
                    if changed <= acked_at {
                        self.metrics.applied(now, acked_at);
                    }
                }
                Effect::CaughtUp { region } => {
                    // The latest outage of `region` that has ended.
                    let last = self.timeline.iter().rposition(|f| {
                        f.end <= now
                            && matches!(f.kind, FaultKind::Outage { region: r, .. } if r == region)
                    });
                    if let Some(i) = last {
                        let end = self.timeline[i].end;
                        self.metrics.caught_up(i, now.saturating_since(end));
                    }
                }
                Effect::Conflict { writes } => self.metrics.conflicts += writes,
                Effect::LostUpdate { region, writes } => {
                    self.metrics.lost_updates += writes;
                    self.metrics.lost_by_region[region as usize] += writes;
                }
                Effect::DataLost { writes, oldest } => self.metrics.data_lost(now, writes, oldest),
                Effect::Acked {
                    ticket,
                    op,
                    version,
                    stale,
                } => {
                    if let Some(s) = self.ops.live_mut(op) {
                        s.ticket = Some((ticket, version));
                    }
                    self.metrics.acked(now, ticket, stale);
                }
                Effect::Wait {
                    op,
                    part,
                    peer,
                    transit,
                } => self.tag(now, op, part, peer, transit),
                Effect::Committed { op, version } => self.probe_commit(now, op, version, sched),
                Effect::WriteLost { ticket } => self.metrics.write_lost(now, ticket),
                Effect::Writable { region, writable } => {
                    self.metrics.set_writable(now, region, writable)
                }
            }
        }
        effects.clear();
        self.effects = effects;
    }

    /// Tells the strategy that the network dropped `msg` (`Strategy::on_dropped`), and applies
    /// at once what it pushed (nothing, for a strategy that only frees state). Called while
    /// `apply_effects` walks the effects it took out of `self.effects` (a dropped send), or on
    /// its own (a dropped delivery): either way `self.effects` holds nothing yet. Out of line:
    /// only runs with faults.
    #[cold]
    #[inline(never)]
    pub(super) fn report_dropped(
        &mut self,
        now: SimTime,
        from: RegionId,
        to: RegionId,
        msg: S::Msg,
        sched: &mut Scheduler<Event<S::Msg, S::Timer>>,
    ) {
        let mut ctx = strategy_ctx!(self, now);
        self.strategy.on_dropped(&mut ctx, from, to, msg);
        if !self.effects.is_empty() {
            // The interrupted walk's last send stays the one its `Wait` tags refer to.
            let last_sent = self.last_sent;
            self.apply_effects(now, sched);
            self.last_sent = last_sent;
        }
    }
}
