//! The world's table of client operations in flight: `Ops` (entries by slot, a freed slot
//! reused first, each entry's generation telling whether it is live), its entries `OpState`
//! (one client operation: its attempt, serving region, key, latency breakdown, answer) and
//! their `Role` (client operation, write sampled for probing, or probe read). The handlers that
//! move an operation live in `client`.
//!
//! Must not import the scenario spec (serde), report or io modules, nor a concrete strategy.

use crate::metrics::Expect;
use crate::strategy::{OpId, Outcome, Version};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};

use super::track::Track;

/// What an entry of the world's operation table is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// A client operation.
    Client,
    /// A client write whose first acknowledgement will be probed from `source`.
    Sampled {
        /// The client region its probes are issued from.
        source: RegionId,
    },
    /// A probe read at delay index `delay` of a write acknowledged as `written`.
    Probe {
        /// Index into the plan's delays.
        delay: u8,
        /// The probed write's version.
        written: Version,
    },
}

/// One client operation in flight (index = its `OpId` slot).
///
/// Laid out in declaration order (`repr(C)`), the fields every event of the operation reads
/// first (the stale-event check: generation and attempt; then client, target, kind, key and
/// the track's running phase), so that they share the entry's first cache line.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub(super) struct OpState {
    pub(super) gen: u64,
    pub(super) attempt: u32,
    pub(super) client: RegionId,
    pub(super) target: RegionId,
    pub(super) kind: OpKind,
    pub(super) answered: bool,
    /// The session it belongs to (`sessions::NO_SESSION`: none).
    pub(super) session: u32,
    pub(super) start: SimTime,
    pub(super) key: Key,
    /// Where its time goes: the latency breakdown of the current attempt (`track`).
    pub(super) track: Track,
    pub(super) outcome: Outcome,
    pub(super) bytes: u32,
    pub(super) value_bytes: u32,
    /// The breaker epoch the current attempt was let through in.
    pub(super) epoch: u32,
    /// A client operation, a sampled write, or a probe read (`probes`).
    pub(super) role: Role,
    pub(super) expect: Expect,
    /// The last acknowledgement a primary filed for this operation (`Effect::Acked`) and its
    /// version: when the answer that completes the operation is that version, the
    /// acknowledgement reached the client.
    pub(super) ticket: Option<(u64, Version)>,
}

/// The generation of a free entry of `Ops` (never an operation's: those are <= `OP_GEN_MAX`).
const VACANT: u64 = u64::MAX;

/// The world's operation table: `OpState`s by slot, a freed slot reused first (last freed,
/// first reused: the order of the `slab` crate, so operations get the same slots as they
/// always did). An entry's own generation says whether it is live (`VACANT`: free), so
/// looking an `OpId` up reads one word at the start of its entry and nothing else.
#[derive(Debug)]
pub(super) struct Ops {
    entries: Vec<OpState>,
    /// The free slots, the next one to reuse last.
    free: Vec<u32>,
}

impl Ops {
    /// An empty table with room for `n` operations.
    pub(super) fn with_capacity(n: usize) -> Self {
        Ops {
            entries: Vec::with_capacity(n),
            free: Vec::new(),
        }
    }

    /// The slot the next `insert` fills.
    #[inline]
    pub(super) fn vacant_key(&self) -> usize {
        match self.free.last() {
            Some(&slot) => slot as usize,
            None => self.entries.len(),
        }
    }

    /// Stores `state` in the slot `vacant_key` named.
    #[inline]
    pub(super) fn insert(&mut self, state: OpState) {
        debug_assert!(state.gen != VACANT);
        match self.free.pop() {
            Some(slot) => self.entries[slot as usize] = state,
            None => self.entries.push(state),
        }
    }

    /// The entry of `op`, if `op` is still in flight (a stale id of an earlier operation in
    /// the same slot does not match its generation).
    #[inline]
    pub(super) fn live(&self, op: OpId) -> Option<&OpState> {
        self.entries.get(op.index()).filter(|s| s.gen == op.gen())
    }

    /// `live`, mutable.
    #[inline]
    pub(super) fn live_mut(&mut self, op: OpId) -> Option<&mut OpState> {
        self.entries
            .get_mut(op.index())
            .filter(|s| s.gen == op.gen())
    }

    /// The entry in slot `slot`, if it is taken.
    #[inline]
    pub(super) fn get(&self, slot: usize) -> Option<&OpState> {
        self.entries.get(slot).filter(|s| s.gen != VACANT)
    }

    /// Frees slot `slot` (taken) and returns what it held.
    #[inline]
    pub(super) fn remove(&mut self, slot: usize) -> OpState {
        let s = self.entries[slot];
        self.free_slot(slot);
        s
    }

    /// Frees slot `slot` (taken) without copying its entry out.
    #[inline]
    pub(super) fn free_slot(&mut self, slot: usize) {
        let e = &mut self.entries[slot];
        debug_assert!(e.gen != VACANT, "a taken slot");
        e.gen = VACANT;
        self.free.push(slot as u32);
    }

    /// The taken entries, by slot.
    pub(super) fn iter(&self) -> impl Iterator<Item = (usize, &OpState)> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, s)| s.gen != VACANT)
    }
}

impl std::ops::Index<usize> for Ops {
    type Output = OpState;
    /// The entry in slot `slot` (taken: the callers looked it up with `live` first).
    #[inline]
    fn index(&self, slot: usize) -> &OpState {
        &self.entries[slot]
    }
}

impl std::ops::IndexMut<usize> for Ops {
    #[inline]
    fn index_mut(&mut self, slot: usize) -> &mut OpState {
        &mut self.entries[slot]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::sessions::NO_SESSION;

    fn entry(op: OpId) -> OpState {
        OpState {
            gen: op.gen(),
            attempt: 0,
            client: 0,
            target: 0,
            kind: OpKind::Read,
            answered: false,
            session: NO_SESSION,
            start: SimTime::ZERO,
            key: 0,
            track: Track::new(SimTime::ZERO),
            outcome: Outcome::Failed,
            bytes: 0,
            value_bytes: 0,
            epoch: 0,
            role: Role::Client,
            expect: Expect::NONE,
            ticket: None,
        }
    }

    #[test]
    fn an_op_id_names_its_slot_generation_and_attempt() {
        use crate::strategy::OP_GEN_MAX;
        let op = OpId::new((1 << 20) - 1, OP_GEN_MAX);
        assert_eq!(
            (op.index(), op.gen(), op.attempt()),
            ((1 << 20) - 1, OP_GEN_MAX, 0)
        );
        let retry = op.with_attempt(100);
        assert_eq!(
            (retry.index(), retry.gen(), retry.attempt()),
            (op.index(), op.gen(), 100)
        );
        assert_eq!(retry.with_attempt(0), op);
        // Every attempt of a live operation finds its entry.
        let mut ops = Ops::with_capacity(1);
        let op = OpId::new(0, 9);
        ops.insert(entry(op));
        assert!(ops.live(op.with_attempt(3)).is_some());
    }

    #[test]
    fn slots_are_reused_last_freed_first_and_stale_ids_miss() {
        let mut ops = Ops::with_capacity(2);
        let mut gen = 0;
        let mut add = |ops: &mut Ops| {
            gen += 1;
            let op = OpId::new(ops.vacant_key() as u32, gen);
            ops.insert(entry(op));
            op
        };
        let a = add(&mut ops);
        let b = add(&mut ops);
        let c = add(&mut ops);
        assert_eq!([a.index(), b.index(), c.index()], [0, 1, 2]);
        assert_eq!(ops.remove(a.index()).gen, a.gen());
        ops.free_slot(b.index());
        assert!(ops.live(a).is_none() && ops.get(b.index()).is_none());
        // Last freed (b's slot), then a's, then a new slot: the order of the slab crate.
        let d = add(&mut ops);
        let e = add(&mut ops);
        let f = add(&mut ops);
        assert_eq!([d.index(), e.index(), f.index()], [1, 0, 3]);
        assert!(ops.live(b).is_none(), "a stale id of the same slot");
        assert_eq!(ops.live(d).map(|s| s.gen), Some(d.gen()));
        ops.live_mut(e).expect("live").attempt = 7;
        assert_eq!(ops[e.index()].attempt, 7);
        let taken: Vec<usize> = ops.iter().map(|(i, _)| i).collect();
        assert_eq!(taken, [0, 1, 2, 3]);
        ops.free_slot(c.index());
        let taken: Vec<usize> = ops.iter().map(|(i, _)| i).collect();
        assert_eq!(taken, [0, 1, 3]);
    }
}
