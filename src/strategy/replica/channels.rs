//! Replication channels: per ordered pair of regions, the sequence numbers of the messages
//! sent and expected, and the snapshot a receiver has asked its sender for.
//!
//! Owns `Channels`. A sender numbers every replication message it sends to a peer (one
//! counter per ordered pair; the number travels in the message's fixed header, so message
//! sizes do not change). On an ordered channel a receiver expects the numbers one by one: a
//! number beyond the expected one means messages were lost on the way (a cut, an outage of
//! either end, even one too short for the failure detector to notice), and the receiver asks
//! the sender for a snapshot, as a streaming replica (PostgreSQL, MySQL) reconnects from its
//! last position. A snapshot carries the number the sender's next message will have; the
//! receiver expects that one next. One request at a time per pair: a gap seen while a
//! request is outstanding is covered by its answer (which reads the sender's state when it
//! arrives); a request is forgotten when the peer is suspected or either end goes down, and
//! one unanswered after `Channels::RETRY_NS` is taken as lost (the next gap asks again).
//! A new primary's epoch restarts the streams (`restart_sender`, `restart_receiver`), so a
//! single-primary log (`active-passive`, which numbers the entries it writes for each standby,
//! skipped ones included) uses the same channels. When to ask and what a snapshot holds stay
//! in the strategies. `follow-the-sun` uses only the requests: its regions hold one global
//! log fed by several senders and by snapshots from any of them, so it finds gaps from log
//! positions (whether it holds the sender's previous entry from any source), not per channel.
//!
//! Must not import the engine, the simulation world, metrics or scenario (serde) types.

use crate::time::SimTime;
use crate::topology::RegionId;

/// Sequence numbers and outstanding snapshot requests of every ordered pair of regions.
#[derive(Clone, Debug)]
pub struct Channels {
    n: usize,
    /// Per `from * n + to`: the number of the next message `from` sends `to`.
    sent: Vec<u32>,
    /// Per `from * n + to`: the number `to` expects next from `from`.
    expect: Vec<u32>,
    /// Per `at * n + peer`: when `at` asked `peer` for a snapshot not yet received
    /// (`SimTime::MAX`: none outstanding).
    asked: Vec<SimTime>,
}

impl Channels {
    /// How long a snapshot request may stay unanswered before the next gap asks again (1 s:
    /// several round trips on any WAN link).
    pub const RETRY_NS: u64 = 1_000_000_000;

    /// Every channel of `regions` regions at number 0, nothing asked.
    pub fn new(regions: usize) -> Channels {
        Channels {
            n: regions,
            sent: vec![0; regions * regions],
            expect: vec![0; regions * regions],
            asked: vec![SimTime::MAX; regions * regions],
        }
    }

    /// The number of the message `from` sends `to` now (the channel's counter advances).
    #[inline]
    pub fn next(&mut self, from: RegionId, to: RegionId) -> u32 {
        let s = &mut self.sent[from as usize * self.n + to as usize];
        let seq = *s;
        *s = seq.wrapping_add(1);
        seq
    }

    /// The number `from`'s next message to `to` will have (what a snapshot carries).
    #[inline]
    pub fn position(&self, from: RegionId, to: RegionId) -> u32 {
        self.sent[from as usize * self.n + to as usize]
    }

    /// Message `seq` from `from` reached `to`: whether it is not the one expected (on an
    /// ordered channel, messages before it were lost). The next one is expected after it.
    #[inline]
    pub fn arrived(&mut self, from: RegionId, to: RegionId, seq: u32) -> bool {
        let e = &mut self.expect[from as usize * self.n + to as usize];
        let gap = seq != *e;
        *e = seq.wrapping_add(1);
        gap
    }

    /// `at` asks `peer` for a snapshot now unless a request is outstanding (and not yet taken
    /// as lost): whether to send it. Records the request.
    pub fn ask(&mut self, at: RegionId, peer: RegionId, now: SimTime) -> bool {
        let a = &mut self.asked[at as usize * self.n + peer as usize];
        if *a != SimTime::MAX && now.saturating_since(*a) < Self::RETRY_NS {
            return false;
        }
        *a = now;
        true
    }

    /// `peer`'s snapshot reached `at`, positioned at `position` (the number of `peer`'s next
    /// message to `at`): the request is answered and that number is expected next.
    pub fn answered(&mut self, at: RegionId, peer: RegionId, position: u32) {
        self.asked[at as usize * self.n + peer as usize] = SimTime::MAX;
        self.expect[peer as usize * self.n + at as usize] = position;
    }

    /// `at` suspects `peer`: a request to it is forgotten (the next contact asks again). Also
    /// how a strategy that does not use the numbers (`follow-the-sun`) marks it answered.
    pub fn forget(&mut self, at: RegionId, peer: RegionId) {
        self.asked[at as usize * self.n + peer as usize] = SimTime::MAX;
    }

    /// `from` opens new streams to every peer (a new primary's epoch, as a promoted PostgreSQL
    /// standby starts a new timeline): its next message to each is number 0 again.
    pub fn restart_sender(&mut self, from: RegionId) {
        let row = from as usize * self.n;
        self.sent[row..row + self.n].fill(0);
    }

    /// `to` follows new streams (a new primary's epoch): it expects number 0 from every peer,
    /// and its outstanding requests are forgotten (they were for the old streams).
    pub fn restart_receiver(&mut self, to: RegionId) {
        for p in 0..self.n {
            self.expect[p * self.n + to as usize] = 0;
        }
        let row = to as usize * self.n;
        self.asked[row..row + self.n].fill(SimTime::MAX);
    }

    /// `region` went down: requests from it and to it are lost with the messages.
    pub fn down(&mut self, region: RegionId) {
        for p in 0..self.n as RegionId {
            self.forget(region, p);
            self.forget(p, region);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_message_is_a_gap_and_one_request_is_outstanding_at_a_time() {
        let mut c = Channels::new(3);
        let t = SimTime::from_secs_f64;
        // 0 -> 1: messages 0, 1, 2; 1 is lost.
        let (a, _, b) = (c.next(0, 1), c.next(0, 1), c.next(0, 1));
        assert_eq!((a, b), (0, 2));
        assert!(!c.arrived(0, 1, a));
        assert!(c.arrived(0, 1, b));
        // Other channels are untouched.
        assert_eq!((c.next(1, 0), c.next(0, 2)), (0, 0));
        assert!(c.ask(1, 0, t(1.0)));
        assert!(!c.ask(1, 0, t(1.5)), "outstanding");
        assert!(c.ask(1, 0, t(2.0)), "unanswered for 1 s: lost");
        let position = c.position(0, 1);
        c.answered(1, 0, position);
        let seq = c.next(0, 1);
        assert!(!c.arrived(0, 1, seq), "expected after the snapshot");
        assert!(c.ask(1, 0, t(2.1)));
        c.down(0);
        assert!(c.ask(1, 0, t(2.2)), "forgotten when the peer went down");
    }

    #[test]
    fn a_new_epoch_restarts_the_streams_of_its_sender_and_receiver() {
        let mut c = Channels::new(3);
        let t = SimTime::from_secs_f64;
        // 2 -> 0 sent 0 and 1; 0 got both. 2 -> 1 sent 0, which 1 got.
        for _ in 0..2 {
            let seq = c.next(2, 0);
            assert!(!c.arrived(2, 0, seq));
        }
        let seq = c.next(2, 1);
        assert!(!c.arrived(2, 1, seq));
        assert!(c.ask(0, 2, t(1.0)));
        // 2 is promoted: its streams start at 0 again; 0 follows the new epoch first.
        c.restart_sender(2);
        c.restart_receiver(0);
        assert!(c.ask(0, 2, t(1.1)), "the old stream's request is forgotten");
        let seq = c.next(2, 0);
        assert_eq!(seq, 0);
        assert!(
            !c.arrived(2, 0, seq),
            "0 expects the new stream from its start"
        );
        // 1 has not followed yet and drops 2's first message of the new stream: once it
        // follows, the next one shows the gap.
        let _dropped = c.next(2, 1);
        c.restart_receiver(1);
        let seq = c.next(2, 1);
        assert!(c.arrived(2, 1, seq));
        // Other senders' counters are untouched.
        assert_eq!(c.position(0, 1), 0);
        assert_eq!(c.position(2, 0), 1);
    }
}
