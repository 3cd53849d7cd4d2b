//! Latency draws taken ahead: the next few delays of one random stream, drawn in a batch.
//!
//! Owns `Ahead` (a buffer of the next `LEN` delays of one stream of latencies) and the
//! world's two readers of it: `access_nanos` (a client's access leg, one stream per region)
//! and `net_nanos` (a WAN delay, one stream per ordered region pair). Drawing `LEN` at a time
//! in one loop keeps the generator, the ziggurat tables and libm's `exp` hot, rather than
//! cold between one event and the next. The values are those drawing one at a time would
//! give, in the same order (`Topology::fill_nanos`), as long as nothing else draws from the
//! stream: an access stream feeds only access legs, and a network stream only the delays of
//! its pair (drawn for every message, dropped or not), except that a degraded link also draws
//! its loss and extra latency from its pair's stream (`effects::transmit`): in a run whose
//! faults degrade a link, the network streams are drawn one at a time. Draws left in a buffer when the run ends are never read and
//! change nothing.
//!
//! Must not import the scenario spec (serde), report or io modules, nor a concrete strategy.

use crate::faults::{Fault, FaultKind};
use crate::rng::SimRng;
use crate::strategy::Strategy;
use crate::topology::{RegionId, Topology};

use super::World;

/// How many delays one refill draws. 16 keeps a buffer at 136 bytes (4,096 region pairs at
/// the 64-region limit: 557 KB); longer batches measured no faster.
const LEN: usize = 16;

/// The next delays of one stream, drawn ahead: `vals[next..]` are still to be read.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ahead {
    vals: [u64; LEN],
    next: usize,
}

impl Ahead {
    /// A buffer with nothing drawn yet (the first read refills it).
    pub(super) const EMPTY: Ahead = Ahead {
        vals: [0; LEN],
        next: LEN,
    };

    /// The next delay from `a` to `b` from `rng`, refilling the buffer when it is spent.
    #[inline(always)]
    fn next(&mut self, topo: &Topology, a: RegionId, b: RegionId, rng: &mut SimRng) -> u64 {
        if self.next == LEN {
            topo.fill_nanos(a, b, rng, &mut self.vals);
            self.next = 0;
        }
        let v = self.vals[self.next];
        self.next += 1;
        v
    }
}

/// The buffers of the access streams: one per region, or none (each delay drawn on its own)
/// when `on` is false.
pub(super) fn access(regions: usize, on: bool) -> Vec<Ahead> {
    vec![Ahead::EMPTY; if on { regions } else { 0 }]
}

/// The buffers of the network streams: one per ordered region pair, or none (each delay
/// drawn on its own) when a fault of `timeline` degrades a link or `on` is false.
pub(super) fn network(regions: usize, timeline: &[Fault], on: bool) -> Vec<Ahead> {
    let degrades = |f: &Fault| matches!(f.kind, FaultKind::LinkDegradation { .. });
    if !on || timeline.iter().any(degrades) {
        Vec::new()
    } else {
        vec![Ahead::EMPTY; regions * regions]
    }
}

impl<S: Strategy> World<'_, S> {
    /// The next access-network delay of region `r`'s clients, in ns.
    #[inline(always)]
    pub(super) fn access_nanos(&mut self, r: RegionId) -> u64 {
        let rng = &mut self.access_rng[r as usize];
        match self.access_ahead.get_mut(r as usize) {
            Some(ahead) => ahead.next(self.topo, r, r, rng),
            None => self.topo.sample_access_nanos(r, rng),
        }
    }

    /// The next WAN delay from `from` to `to` (`Topology::sample_nanos`), in ns.
    #[inline(always)]
    pub(super) fn net_nanos(&mut self, from: RegionId, to: RegionId) -> u64 {
        let pair = from as usize * self.topo.len() + to as usize;
        let rng = &mut self.net_rng[pair];
        match self.net_ahead.get_mut(pair) {
            Some(ahead) => ahead.next(self.topo, from, to, rng),
            None => self.topo.sample_nanos(from, to, rng),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::latency::LatencyDist;
    use crate::rng::{stream, Stream};
    use crate::topology::{region, NetworkModel, Topology};

    #[test]
    fn reading_ahead_gives_the_single_draws_in_order() {
        let mut regions = vec![
            region("ny", 40.7, -74.0, "US"),
            region("ldn", 51.5, -0.1, "UK"),
        ];
        regions[0].intra = LatencyDist::lognormal(1.0, 4.0);
        let t = Topology::new(regions, vec![], NetworkModel::default()).unwrap();
        for (a, b) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            let mut one = stream(3, Stream::Network(a as u32, b as u32));
            let mut batched = stream(3, Stream::Network(a as u32, b as u32));
            let mut ahead = Ahead::EMPTY;
            let mut distinct = std::collections::BTreeSet::new();
            for i in 0..5 * LEN + 3 {
                let single = t.sample_nanos(a, b, &mut one);
                assert_eq!(
                    ahead.next(&t, a, b, &mut batched),
                    single,
                    "{a} -> {b}, {i}"
                );
                distinct.insert(single);
            }
            // Region 1's access network is constant; every other pair draws.
            assert_eq!(distinct.len() == 1, (a, b) == (1, 1), "{a} -> {b}");
        }
    }
}
