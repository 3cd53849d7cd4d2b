//! Sloppy quorums and hinted handoff.
//!
//! Owns the preference list of every home region (its `n` replicas, then every other region
//! by median round trip from the home, nearest first: `replica::rtt_order`), the choice of a
//! stand-in for a replica the coordinator suspects, the hints a stand-in keeps (newest
//! version per intended replica and key, not in its own copy), and handing them back
//! (`Handoff` / `HandoffAck`) when the holder stops suspecting the intended replica. There is
//! no handoff timer: a handoff lost to a fault is repeated the next time the holder stops
//! suspecting that replica. See the module header in `mod.rs` for the protocol.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use crate::strategy::replica::rtt_order;
use crate::strategy::{Version, HEADER_BYTES};
use crate::topology::RegionId;
use crate::workload::Key;

use super::{Cell, Cx, QMsg, Quorum};

impl Quorum {
    /// Builds the preference list of every home region (sloppy quorums only).
    pub(super) fn preference_lists(&mut self, ctx: &mut Cx<'_>) {
        let topo = ctx.topology();
        let regions = self.suspects.regions() as RegionId;
        self.prefs = self
            .cfg
            .replicas
            .iter()
            .enumerate()
            .map(|(home, reps)| {
                let home = home as RegionId;
                let mut rest: Vec<RegionId> = (0..regions).filter(|r| !reps.contains(r)).collect();
                rest.sort_by(|&a, &b| rtt_order(topo, home, a, b));
                reps.iter().copied().chain(rest).collect()
            })
            .collect();
    }

    /// The stand-in for a replica that the coordinator `at` suspects, for a key homed at
    /// `home`: the first region past the replicas in the preference list that `at` does not
    /// suspect and that is not already in `targets`.
    pub(super) fn stand_in(
        &self,
        at: RegionId,
        home: usize,
        targets: &[(RegionId, RegionId)],
    ) -> Option<RegionId> {
        self.prefs[home][self.cfg.n..]
            .iter()
            .find(|&&r| !self.suspects.contains(at, r) && !targets.iter().any(|&(t, _)| t == r))
            .copied()
    }

    /// A stand-in `at` keeps the newest copy of `key` for the intended replica `hint`.
    pub(super) fn keep_hint(
        &mut self,
        at: RegionId,
        hint: RegionId,
        key: Key,
        version: Version,
        bytes: u32,
    ) {
        let h = self.hints[at as usize].entry((hint, key)).or_default();
        if version > h.version {
            *h = Cell { version, bytes };
        }
        self.hinted_writes += 1;
    }

    /// Hint holder `at` hands back the hints it holds for `peer`, which it no longer suspects.
    pub(super) fn hand_back(&self, ctx: &mut Cx<'_>, at: RegionId, peer: RegionId) {
        for (&(_, key), h) in self.hints[at as usize].range((peer, 0)..=(peer, Key::MAX)) {
            let msg = QMsg::Handoff {
                key,
                version: h.version,
                bytes: h.bytes,
            };
            ctx.send_data(at, peer, key, msg, HEADER_BYTES + h.bytes as u64);
        }
    }

    /// The intended replica `at` applies a hint handed back by `from` and acknowledges it.
    pub(super) fn handoff(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        from: RegionId,
        key: Key,
        version: Version,
        bytes: u32,
    ) {
        self.keep(at, key, version, bytes);
        ctx.send(at, from, QMsg::HandoffAck { key, version }, HEADER_BYTES);
    }

    /// Hint holder `at` drops its hint for `from` once `from` applied that very version.
    pub(super) fn handoff_ack(&mut self, at: RegionId, from: RegionId, key: Key, version: Version) {
        let hints = &mut self.hints[at as usize];
        if hints
            .get(&(from, key))
            .is_some_and(|h| h.version == version)
        {
            hints.remove(&(from, key));
            self.hinted_handoffs += 1;
        }
    }
}
