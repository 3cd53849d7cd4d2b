//! Which acknowledged writes reached their clients: the join between what a primary
//! acknowledged (and may later lose) and what its client actually saw (RPO).
//!
//! Owns `AckLedger`: a fixed ring of the most recent `AckLedger::LEN` acknowledgements a
//! strategy filed (`Effect::Acked`, by ticket), each with its acknowledgement time, whether
//! the acknowledging primary was of a stale epoch, whether the acknowledgement has reached its
//! client, and, when the write was reported lost before its acknowledgement arrived, the fault
//! the loss was charged to (so a late arrival moves it from unacknowledged to acknowledged).
//! Allocated once, in runs with faults only: nothing is allocated per operation.
//!
//! Must not import the engine, the world, strategies, scenario or report types.

use crate::time::SimTime;

/// One filed acknowledgement.
#[derive(Clone, Copy, Debug)]
struct Slot {
    ticket: u64,
    acked_at: SimTime,
    stale: bool,
    reached: bool,
    /// Fault a loss was charged to, and when it was reported, while the acknowledgement had
    /// not reached its client.
    lost_fault: Option<(u32, SimTime)>,
}

const EMPTY: Slot = Slot {
    ticket: u64::MAX,
    acked_at: SimTime::ZERO,
    stale: false,
    reached: false,
    lost_fault: None,
};

/// What the ledger knows of a lost write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fate {
    /// Its acknowledgement reached the client; acknowledged at the time given.
    Reached(SimTime, bool),
    /// Not (yet) reached; stale flag.
    Unreached(bool),
    /// Older than the ledger's window.
    Unknown,
}

/// The most recent acknowledgements, by ticket (a ring).
#[derive(Clone, Debug, Default)]
pub(super) struct AckLedger(Vec<Slot>);

impl AckLedger {
    /// Acknowledgements kept (older ones are forgotten: their fate is `Unknown`).
    pub(super) const LEN: usize = 1 << 16;

    /// A ledger that keeps nothing (runs without faults lose nothing).
    pub(super) fn off() -> AckLedger {
        AckLedger(Vec::new())
    }

    /// A ledger that keeps the last `LEN` acknowledgements.
    pub(super) fn on() -> AckLedger {
        AckLedger(vec![EMPTY; Self::LEN])
    }

    #[inline]
    fn slot(&mut self, ticket: u64) -> Option<&mut Slot> {
        let len = self.0.len();
        if len == 0 {
            return None;
        }
        let s = &mut self.0[ticket as usize % len];
        (s.ticket == ticket).then_some(s)
    }

    /// Files acknowledgement `ticket`, made at `at`.
    #[inline]
    pub(super) fn file(&mut self, ticket: u64, at: SimTime, stale: bool) {
        let len = self.0.len();
        if len > 0 {
            self.0[ticket as usize % len] = Slot {
                ticket,
                acked_at: at,
                stale,
                ..EMPTY
            };
        }
    }

    /// The acknowledgement `ticket` reached its client. Returns, when its write had already
    /// been reported lost, the fault charged and the acknowledgement time.
    #[inline]
    pub(super) fn reached(&mut self, ticket: u64) -> Option<(u32, SimTime, SimTime)> {
        let s = self.slot(ticket)?;
        s.reached = true;
        let (f, when) = s.lost_fault.take()?;
        Some((f, when, s.acked_at))
    }

    /// The write of `ticket` was lost; charged to `fault` if its acknowledgement arrives later.
    pub(super) fn lost(&mut self, ticket: u64, fault: Option<(u32, SimTime)>) -> Fate {
        let Some(s) = self.slot(ticket) else {
            return Fate::Unknown;
        };
        if s.reached {
            Fate::Reached(s.acked_at, s.stale)
        } else {
            s.lost_fault = fault;
            Fate::Unreached(s.stale)
        }
    }
}
