//! The one RPO mechanism shared by the strategies that can lose acknowledged writes: file
//! every acknowledgement with the world under a ticket, and later name the tickets of the
//! writes a failure lost, so that the world counts only those whose acknowledgement reached
//! the client (`rpo.lost_writes`; the others `rpo.unacknowledged_lost`) and takes the span
//! from the acknowledgement times of the lost acknowledged writes themselves.
//!
//! Owns `AckLog`: the ticket counter and a ring of the last `AckLog::LEN` acknowledgements
//! (who acknowledged, which key, the strategy's stamp, when, whether the write was kept at its
//! region only), the window the world's ledger also keeps. Which writes a failure lost stays
//! in each strategy, as a predicate over these entries; a lost write older than the window
//! (no ticket to look up) is counted with `Ctx::data_lost`, as acknowledged (the conservative
//! side).
//!
//! Must not import the engine, the simulation world, metrics or scenario (serde) types.

use crate::strategy::{Ctx, OpId, Version};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::Key;

/// One filed acknowledgement.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Acked {
    /// The region that acknowledged the write (primary, home, origin, accepting region).
    pub region: RegionId,
    /// The key written.
    pub key: Key,
    /// The write's stamp in the strategy's order (log position, per-key count, ...).
    pub stamp: u64,
    /// When the region acknowledged it.
    pub at: SimTime,
    /// The write was sent to no other region (it lives only where it was accepted).
    pub kept_local: bool,
}

#[cfg(test)]
const NONE: Acked = Acked {
    region: 0,
    key: 0,
    stamp: 0,
    at: SimTime::ZERO,
    kept_local: false,
};

/// Tickets and the last `LEN` acknowledgements, by ticket (a ring that grows to `LEN`).
#[derive(Clone, Debug, Default)]
pub struct AckLog {
    next: u64,
    ring: Vec<Acked>,
}

impl AckLog {
    /// Acknowledgements kept: the same window as the world's ledger of acknowledgements
    /// (`metrics::ledger::AckLedger::LEN`), so every ticket named here can be looked up there.
    pub const LEN: usize = 1 << 16;

    /// An empty log.
    pub fn new() -> AckLog {
        AckLog::default()
    }

    /// `region` acknowledged `version` of `op` (a write of `key`) now: files it with the
    /// world under a fresh ticket and keeps it. Returns the ticket.
    #[inline]
    pub fn ack<M, T>(
        &mut self,
        ctx: &mut Ctx<'_, M, T>,
        op: OpId,
        region: RegionId,
        key: Key,
        version: Version,
        kept_local: bool,
    ) -> u64 {
        let ticket = self.keep(Acked {
            region,
            key,
            stamp: version.stamp,
            at: ctx.now(),
            kept_local,
        });
        ctx.acked(ticket, op, version, false);
        ticket
    }

    /// Keeps `a` under the next ticket, which it returns.
    #[inline]
    fn keep(&mut self, a: Acked) -> u64 {
        let ticket = self.next;
        self.next += 1;
        // The ring grows with the tickets (a short run keeps only what it filed), then wraps.
        let i = ticket as usize % Self::LEN;
        if i == self.ring.len() {
            self.ring.push(a);
        } else {
            self.ring[i] = a;
        }
        ticket
    }

    /// The tickets still in the window (in ticket order) whose acknowledgement `lost` picks.
    fn picked<'a>(
        &'a self,
        mut lost: impl FnMut(u64, &Acked) -> bool + 'a,
    ) -> impl Iterator<Item = u64> + 'a {
        (self.next.saturating_sub(Self::LEN as u64)..self.next)
            .filter(move |&t| lost(t, &self.ring[t as usize % Self::LEN]))
    }

    /// Names as lost every acknowledgement still in the window for which `lost` holds (in
    /// ticket order); returns how many.
    pub fn lose<M, T>(
        &self,
        ctx: &mut Ctx<'_, M, T>,
        lost: impl FnMut(u64, &Acked) -> bool,
    ) -> u64 {
        let mut n = 0;
        for ticket in self.picked(lost) {
            ctx.write_lost(ticket);
            n += 1;
        }
        n
    }

    /// The write filed under `ticket` turned out to live only at its region (no copy of it
    /// reached another): marks it `kept_local`, if it is still in the window.
    pub fn keep_local(&mut self, ticket: u64) {
        if ticket < self.next && ticket + Self::LEN as u64 >= self.next {
            self.ring[ticket as usize % Self::LEN].kept_local = true;
        }
    }

    /// The writes marked `kept_local` still in the window for which `shared` holds turned out
    /// to be held by another region too (a snapshot carried them): clears their mark.
    pub fn shared(&mut self, mut shared: impl FnMut(u64, &Acked) -> bool) {
        for t in self.next.saturating_sub(Self::LEN as u64)..self.next {
            let a = &mut self.ring[t as usize % Self::LEN];
            if a.kept_local && shared(t, a) {
                a.kept_local = false;
            }
        }
    }

    /// The ticket the next acknowledgement will get.
    #[inline]
    pub fn next_ticket(&self) -> u64 {
        self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_only_the_lost_tickets_still_in_the_window() {
        let mut log = AckLog::new();
        let n = AckLog::LEN as u64 + 10;
        for i in 0..n {
            let a = Acked {
                key: i % 3,
                stamp: i + 1,
                ..NONE
            };
            assert_eq!(log.keep(a), i);
        }
        assert_eq!(log.next_ticket(), n);
        // Key 0 is every third write; only the window's (the last LEN tickets) are picked.
        let picked: Vec<u64> = log.picked(|_, a| a.key == 0).collect();
        let want: Vec<u64> = (10..n).filter(|t| t % 3 == 0).collect();
        assert_eq!(picked, want);
        // The entry kept under a ticket is the one filed with it.
        assert!(log.picked(|t, a| a.stamp != t + 1).next().is_none());
    }
}
