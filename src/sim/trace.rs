//! Operation traces (`geosim run --trace N`): the spans of a deterministic sample of
//! operations, for trace.json.
//!
//! Owns `TraceSpec` (how many, which: `failed`, `reads`, `writes`, `region`, during a fault,
//! or the slowest), `Seg` and `TracedOp` (one operation's spans), and `Tracer`, which follows
//! every operation in flight (a reused span list per operation slot: memory grows with the
//! operations in flight, not with the run) by diffing its `Track` after each change, and keeps
//! at most N finished ones: the N with the smallest hash of their operation id (a uniform
//! sample, the same whatever the thread count), or the N slowest (ties: lower id).
//!
//! Must not import the scenario spec (serde), report or io modules, nor a concrete strategy.

use std::collections::BTreeMap;

use crate::strategy::{Part, PARTS};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::OpKind;

use super::track::Track;

/// Which operations to trace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceSpec {
    /// How many operations per strategy.
    pub count: usize,
    /// Only failed operations.
    pub failed: bool,
    /// Only this kind.
    pub kind: Option<OpKind>,
    /// Only operations from this client region.
    pub region: Option<RegionId>,
    /// Only operations alive while a fault was in effect.
    pub during_fault: bool,
    /// The slowest instead of a uniform sample.
    pub slowest: bool,
}

/// One span of an operation: a latency component, where it happened, from when, for how
/// long (ns). `depth` 0 spans tile the operation's life; depth 1 spans are the parts of an
/// earlier attempt, inside its `Retries` span.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Seg {
    /// The component.
    pub part: Part,
    /// The region it happened at (or left from, for a WAN leg).
    pub region: RegionId,
    /// Start.
    pub start: SimTime,
    /// Length, ns.
    pub ns: u64,
    /// 0: a part of the operation's latency; 1: inside an earlier attempt.
    pub depth: u8,
}

/// A traced operation.
#[derive(Clone, Debug, PartialEq)]
pub struct TracedOp {
    /// The operation's run-unique id (its generation).
    pub id: u64,
    /// Read or write.
    pub kind: OpKind,
    /// Client region.
    pub client: RegionId,
    /// Issued.
    pub start: SimTime,
    /// Completed or failed.
    pub end: SimTime,
    /// Whether it failed.
    pub failed: bool,
    /// Attempts made.
    pub attempts: u32,
    /// Its spans, in time order per depth.
    pub segs: Vec<Seg>,
}

/// Per slot: the spans so far and the track they were taken from.
#[derive(Clone, Debug, Default)]
struct Slot {
    segs: Vec<Seg>,
    snap: [u64; PARTS],
    phase: Option<Part>,
}

/// Follows operations in flight and keeps a bounded sample of finished ones.
#[derive(Debug)]
pub struct Tracer {
    spec: TraceSpec,
    salt: u64,
    slots: Vec<Slot>,
    kept: BTreeMap<(u64, u64), TracedOp>,
    /// Fault spans, to tell whether an operation lived during one.
    faults: Vec<(SimTime, SimTime)>,
}

fn mix(mut z: u64) -> u64 {
    // splitmix64's finaliser.
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Tracer {
    /// A tracer for a run with `seed` and faults over `faults`.
    pub fn new(spec: TraceSpec, seed: u64, faults: Vec<(SimTime, SimTime)>) -> Self {
        Tracer {
            spec,
            salt: mix(seed ^ 0x7472_6163_6521),
            slots: Vec::new(),
            kept: BTreeMap::new(),
            faults,
        }
    }

    /// An operation starts in `slot`.
    pub(super) fn start(&mut self, slot: usize) {
        if self.slots.len() <= slot {
            self.slots.resize_with(slot + 1, Slot::default);
        }
        let s = &mut self.slots[slot];
        s.segs.clear();
        s.snap = [0; PARTS];
        s.phase = None;
    }

    /// The track of the operation in `slot` changed: record the spans it added.
    pub(super) fn step(&mut self, slot: usize, k: &Track, start: SimTime, at: [RegionId; 3]) {
        let Some(s) = self.slots.get_mut(slot) else {
            return;
        };
        let [client, target, peer] = at;
        let retries = Part::Retries as usize;
        if k.parts[retries] > s.snap[retries] {
            // A new attempt: what came before is one retry span holding the old ones.
            for g in &mut s.segs {
                g.depth = 1;
            }
            s.segs.push(Seg {
                part: Part::Retries,
                region: client,
                start,
                ns: k.parts[retries],
                depth: 0,
            });
            s.snap = [0; PARTS];
            s.snap[retries] = k.parts[retries];
        }
        // Time given back (a clip): shorten the latest spans of those parts.
        for p in 0..PARTS {
            let mut excess = s.snap[p].saturating_sub(k.parts[p]);
            for g in s.segs.iter_mut().rev() {
                if excess == 0 {
                    break;
                }
                if g.depth == 0 && g.part as usize == p {
                    let take = excess.min(g.ns);
                    g.ns -= take;
                    excess -= take;
                }
            }
            s.snap[p] = s.snap[p].min(k.parts[p]);
        }
        // New time, in the order it was spent: the phase that ran, then the legs.
        let mut order = [Part::Access; 3 + PARTS];
        order[0] = s.phase.unwrap_or(Part::Access);
        order[1] = k.ahead[0].0;
        order[2] = k.ahead[1].0;
        order[3..].copy_from_slice(&Part::ALL);
        let mut cursor = start
            + s.segs
                .iter()
                .filter(|g| g.depth == 0)
                .map(|g| g.ns)
                .sum::<u64>();
        for part in order {
            let p = part as usize;
            let add = k.parts[p].saturating_sub(s.snap[p]);
            if add == 0 {
                continue;
            }
            let region = match part {
                Part::Queueing | Part::Service => target,
                Part::Replication | Part::CacheMiss => peer,
                _ => client,
            };
            s.segs.push(Seg {
                part,
                region,
                start: cursor,
                ns: add,
                depth: 0,
            });
            s.snap[p] += add;
            cursor += add;
        }
        s.phase = Some(k.phase);
    }

    /// The operation in `slot` finished: keep it if it is in the sample.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn finish(
        &mut self,
        slot: usize,
        id: u64,
        kind: OpKind,
        client: RegionId,
        (start, end): (SimTime, SimTime),
        failed: bool,
        attempts: u32,
    ) {
        let spec = &self.spec;
        let wanted = spec.count > 0
            && (!spec.failed || failed)
            && spec.kind.is_none_or(|k| k == kind)
            && spec.region.is_none_or(|r| r == client)
            && (!spec.during_fault || self.faults.iter().any(|&(a, b)| a <= end && start <= b));
        if !wanted {
            return;
        }
        let key = if spec.slowest {
            (u64::MAX - end.saturating_since(start), id)
        } else {
            (mix(id ^ self.salt), id)
        };
        if self.kept.len() >= spec.count
            && self.kept.last_key_value().is_some_and(|(k, _)| *k < key)
        {
            return;
        }
        let mut segs = self
            .slots
            .get(slot)
            .map(|s| s.segs.clone())
            .unwrap_or_default();
        // A failed operation's last attempt may have been attributed past its end or not up
        // to it: its spans are cut at the end, or closed with the time it spent timing out.
        let life = end.saturating_since(start);
        let mut sum: u64 = segs.iter().filter(|g| g.depth == 0).map(|g| g.ns).sum();
        for g in segs.iter_mut().rev().filter(|g| g.depth == 0) {
            if sum <= life {
                break;
            }
            let take = (sum - life).min(g.ns);
            g.ns -= take;
            sum -= take;
        }
        segs.retain(|g| g.ns > 0);
        if sum < life {
            segs.push(Seg {
                part: Part::Retries,
                region: client,
                start: start + sum,
                ns: life - sum,
                depth: 0,
            });
        }
        self.kept.insert(
            key,
            TracedOp {
                id,
                kind,
                client,
                start,
                end,
                failed,
                attempts,
                segs,
            },
        );
        if self.kept.len() > spec.count {
            self.kept.pop_last();
        }
    }

    /// The kept operations, by start time then id.
    pub fn into_ops(self) -> Vec<TracedOp> {
        let mut v: Vec<TracedOp> = self.kept.into_values().collect();
        v.sort_by_key(|o| (o.start, o.id));
        v
    }
}
