//! What the serving regions measure: per region, the busy time of its capacity station, its
//! queue waits, the requests it shed and the calls the clients' circuit breakers rejected
//! before they reached it. Definitions are in docs/metrics.md (`stations`).
//!
//! Owns `Stations` and `StationStats`. Streaming: fixed memory per region.
//!
//! Must not import any other geosim module but `time`, `topology` and `metrics::hist`.

use super::hist::LatencyStat;
use crate::time::SimTime;
use crate::topology::RegionId;

/// One serving region's figures.
#[derive(Clone, Debug, Default)]
pub struct StationStats {
    /// Servers of its capacity station (`None`: no capacity, nothing is measured).
    pub servers: Option<u32>,
    /// Server-nanoseconds spent serving within `[0, duration]`.
    pub busy_ns: u128,
    /// Nanoseconds the region was up within `[0, duration]`.
    pub up_ns: u64,
    /// Time from a request's arrival at the station to the start of its service, over the
    /// requests that started service (0 for those served at once).
    pub queue_wait: Option<LatencyStat>,
    /// Requests answered `Failed` by the station (queue full or bulkhead full).
    pub shed: u64,
    /// Attempts to this region that its clients' circuit breakers rejected.
    pub breaker_rejected: u64,
    busy: u32,
    up: bool,
    last: SimTime,
}

/// The figures of every region, in region order.
#[derive(Clone, Debug, Default)]
pub struct Stations {
    /// Per region.
    pub regions: Vec<StationStats>,
    /// End of the window over which busy and up time are integrated (the load's duration).
    end: SimTime,
}

impl Stations {
    /// Every region up and idle at time 0; `servers[r]` is region `r`'s station size.
    pub fn new(servers: &[Option<u32>], duration_ns: u64) -> Self {
        Stations {
            regions: servers
                .iter()
                .map(|&servers| StationStats {
                    servers,
                    queue_wait: servers.map(|_| LatencyStat::new()),
                    up: true,
                    ..StationStats::default()
                })
                .collect(),
            end: SimTime(duration_ns),
        }
    }

    /// Integrates region `r`'s busy and up time until `now` (clipped to the window).
    #[inline]
    fn advance(&mut self, r: RegionId, now: SimTime) {
        let end = self.end;
        let Some(s) = self.regions.get_mut(r as usize) else {
            return;
        };
        let t = now.min(end);
        if t > s.last {
            let dt = t.0 - s.last.0;
            s.busy_ns += s.busy as u128 * dt as u128;
            if s.up {
                s.up_ns += dt;
            }
            s.last = t;
        }
    }

    /// Region `r`'s station has `busy` servers busy from `now` on.
    #[inline]
    pub fn busy(&mut self, r: RegionId, now: SimTime, busy: u32) {
        self.advance(r, now);
        if let Some(s) = self.regions.get_mut(r as usize) {
            s.busy = busy;
        }
    }

    /// Region `r` goes down (`up = false`: its station empties) or comes back at `now`.
    pub fn up(&mut self, r: RegionId, now: SimTime, up: bool) {
        self.advance(r, now);
        if let Some(s) = self.regions.get_mut(r as usize) {
            s.up = up;
            if !up {
                s.busy = 0;
            }
        }
    }

    /// A request started service at region `r` after waiting `ns` in its queue.
    #[inline]
    pub fn waited(&mut self, r: RegionId, ns: u64) {
        if let Some(w) = self
            .regions
            .get_mut(r as usize)
            .and_then(|s| s.queue_wait.as_mut())
        {
            w.record(ns);
        }
    }

    /// Region `r`'s station shed a request.
    #[inline]
    pub fn shed(&mut self, r: RegionId) {
        if let Some(s) = self.regions.get_mut(r as usize) {
            s.shed += 1;
        }
    }

    /// A circuit breaker rejected an attempt meant for region `r`.
    #[inline]
    pub fn breaker_rejected(&mut self, r: RegionId) {
        if let Some(s) = self.regions.get_mut(r as usize) {
            s.breaker_rejected += 1;
        }
    }

    /// Integrates every region until `now` (the end of the run).
    pub fn close(&mut self, now: SimTime) {
        for r in 0..self.regions.len() {
            self.advance(r as RegionId, now);
        }
    }
}

impl StationStats {
    /// Busy server time over `servers` x up time (`None`: no capacity, or never up).
    pub fn utilisation(&self) -> Option<f64> {
        let c = self.servers?;
        (self.up_ns > 0).then(|| self.busy_ns as f64 / (c as f64 * self.up_ns as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_busy_and_up_time_within_the_window() {
        let mut s = Stations::new(&[Some(2), None], 100);
        s.busy(0, SimTime(10), 1); // 0 busy over [0, 10)
        s.busy(0, SimTime(30), 2); // 1 over [10, 30): 20
        s.up(0, SimTime(40), false); // 2 over [30, 40): 20
        s.up(0, SimTime(60), true); // down over [40, 60)
        s.busy(0, SimTime(70), 1); // 0 over [60, 70)
        s.close(SimTime(150)); // 1 over [70, 100): 30; nothing after the window
        let r = &s.regions[0];
        assert_eq!(r.busy_ns, 70);
        assert_eq!(r.up_ns, 80);
        assert_eq!(r.utilisation(), Some(70.0 / 160.0));
        assert_eq!(s.regions[1].utilisation(), None);
    }
}
