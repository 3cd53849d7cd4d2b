//! Faults as the world sees them: the timeline's starts and ends, rerouting, failure detection.
//!
//! Owns `Degraded` (an active link degradation) and the `World` handlers of a fault starting
//! or ending (partitions cut links, outages stop a region, lose what it had in flight and
//! reset its station and detector, degradations and clock skews change a link or a clock),
//! clients re-picking their serving region after an outage, and the heartbeat failure
//! detector that tells the strategy which peers each region suspects (`on_suspect`).
//! `transmit` (in `effects`) reads the link state set here.
//!
//! Must not import the scenario spec (serde), report or io modules, nor a concrete strategy.

use crate::engine::Scheduler;
use crate::faults::{FaultKind, Recovery};
use crate::strategy::replica::nearest_by_rtt;
use crate::strategy::{Clock, Ctx, Strategy};
use crate::time::SimTime;
use crate::topology::RegionId;

use super::{Event, World};

/// An active degradation of one directed link.
#[derive(Clone, Debug)]
pub(super) struct Degraded {
    pub(super) fault: usize,
    pub(super) busy_until: SimTime,
}

impl<S: Strategy> World<'_, S> {
    pub(super) fn fault(
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
                self.down_changed[region as usize] = now;
                self.at = region;
                if starting {
                    // Everything it had in flight dies with it.
                    self.incarnation[region as usize] += 1;
                }
                let mut ctx = strategy_ctx!(self, now);
                if starting {
                    self.strategy.on_region_down(&mut ctx, region);
                    let st = &mut self.stations[region as usize];
                    st.queue.clear();
                    st.busy = 0;
                    st.foreign = 0;
                    self.metrics.stations.up(region, now, false);
                } else {
                    self.metrics.stations.up(region, now, true);
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

    /// Clients pick the region they send to: their own when it is up, else the nearest up
    /// (median round trip, ties: lower id).
    pub(super) fn reroute(&mut self) {
        let n = self.topo.len();
        for home in 0..n as RegionId {
            self.target[home as usize] = if self.up[home as usize] {
                home
            } else {
                let up = (0..n as RegionId).filter(|&r| self.up[r as usize]);
                nearest_by_rtt(self.topo, home, up).unwrap_or(home)
            };
        }
    }

    pub(super) fn detector_tick(
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

    pub(super) fn heartbeat(
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
        let mut ctx = strategy_ctx!(self, now);
        self.at = at;
        self.strategy.on_suspect(&mut ctx, at, peer, suspected);
        self.apply_effects(now, sched);
    }
}
