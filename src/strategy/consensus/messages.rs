//! The wire protocol of `consensus`: the messages its regions exchange and its timers.
//!
//! Owns the message and timer types only (what each field means); the handlers live in the
//! files of their ideas (`replication`, `election`, `reads`, `catch_up`).
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use crate::strategy::replica::CarriesAnswer;
use crate::strategy::{OpId, Outcome};
use crate::time::SimTime;
use crate::workload::{Key, OpKind};

/// Messages of the consensus protocol.
#[derive(Copy, Clone, Debug)]
pub enum CMsg {
    /// A client operation forwarded from its region to the leader.
    Forward {
        /// The operation.
        op: OpId,
        /// Read or write.
        kind: OpKind,
        /// The key.
        key: Key,
        /// Value size.
        bytes: u32,
    },
    /// The leader's answer, back to the client's region.
    Done {
        /// The operation.
        op: OpId,
        /// Its result.
        outcome: Outcome,
    },
    /// Entries `prev + 1 ..= last` of the leader's log, all of term `entry_term` (none when
    /// `last == prev`: a heartbeat that only probes `prev`). Their contents are in the
    /// strategy's entry table.
    Append {
        /// The leader's term.
        term: u32,
        /// The index before the first entry.
        prev: u64,
        /// The term of entry `prev` in the leader's log.
        prev_term: u32,
        /// The last entry sent.
        last: u64,
        /// The term of the entries sent.
        entry_term: u32,
        /// The leader's commit index when sending.
        commit: u64,
        /// Answer at once, even when the follower finds a gap before `prev`.
        probe: bool,
        /// The leader had committed an entry of its own term when sending, so `commit`
        /// covers every entry committed by earlier leaders too: only then does `sent` vouch
        /// for a follower's safe time (a new leader's commit index may still lag entries its
        /// predecessor committed, whose `Commit` a fault lost).
        vouched: bool,
        /// When the leader sent it (echoed in `AppendAck`: lease renewal; with `vouched`,
        /// the follower's safe time once it has applied `commit`).
        sent: SimTime,
    },
    /// A follower's log matches the leader's up to `matched`.
    AppendAck {
        /// The follower's term.
        term: u32,
        /// The follower's match index.
        matched: u64,
        /// The `sent` of the `Append` it answers (`SimTime::ZERO` after a snapshot).
        sent: SimTime,
    },
    /// A follower needs the entries from `next` on (or, with a newer `term`, the sender is
    /// no longer leader).
    AppendNack {
        /// The follower's term.
        term: u32,
        /// The first index to resend.
        next: u64,
        /// Entries the follower acknowledged before are gone (it came back empty, or needs a
        /// snapshot); otherwise a `next` the leader knows to be matched is a stale request.
        lost: bool,
    },
    /// The leader's commit index advanced.
    Commit {
        /// The leader's term.
        term: u32,
        /// The new commit index.
        commit: u64,
        /// When the leader sent it (a follower's safe time once it has applied `commit`:
        /// a leader commits only entries of its own term, so a `Commit` always vouches).
        sent: SimTime,
    },
    /// The leader's applied state up to `index` replaces a follower's log prefix.
    Snapshot {
        /// The leader's term.
        term: u32,
        /// The last index it covers.
        index: u64,
        /// That entry's term.
        index_term: u32,
    },
    /// A follower asks the leader for its commit index (read-index read).
    ReadIndex {
        /// The read waiting for it.
        op: OpId,
    },
    /// The leader's commit index, for a read-index read.
    ReadIndexReply {
        /// The read.
        op: OpId,
        /// The commit index the read must observe.
        index: u64,
    },
    /// The leader confirms it still leads before answering reads (a heartbeat round).
    ReadRound {
        /// The leader's term.
        term: u32,
        /// The round.
        round: u64,
    },
    /// A member's answer to a `ReadRound`.
    ReadRoundAck {
        /// The member's term.
        term: u32,
        /// The round.
        round: u64,
    },
    /// Would you vote for me in `term`? (No state changes.)
    PreVote {
        /// The term the sender would stand in.
        term: u32,
        /// The sender's last log index.
        last_index: u64,
        /// The sender's last log term.
        last_term: u32,
    },
    /// The answer to a pre-vote.
    PreVoteReply {
        /// The pre-vote's term.
        term: u32,
        /// Whether the sender would vote.
        granted: bool,
        /// The sender's current term.
        voter_term: u32,
    },
    /// A candidate asks for a vote.
    RequestVote {
        /// The candidate's term.
        term: u32,
        /// The candidate's last log index.
        last_index: u64,
        /// The candidate's last log term.
        last_term: u32,
        /// A leadership transfer (`TimeoutNow`): members vote even while they follow a live
        /// leader.
        transfer: bool,
    },
    /// The leader hands leadership over: the receiver stands for election at once.
    TimeoutNow {
        /// The leader's term.
        term: u32,
    },
    /// The answer to a vote request.
    Vote {
        /// The voter's term.
        term: u32,
        /// Whether the vote was granted.
        granted: bool,
    },
    /// A new leader announces itself to a region that is not a member.
    Leader {
        /// Its term.
        term: u32,
    },
    /// The sender stopped leading `term`.
    Resign {
        /// The term it led.
        term: u32,
    },
}

impl CarriesAnswer for CMsg {
    fn done(op: OpId, outcome: Outcome) -> Self {
        CMsg::Done { op, outcome }
    }
}

/// Timers of the consensus protocol.
#[derive(Copy, Clone, Debug)]
pub enum CTimer {
    /// An election timeout (only the region's latest one counts).
    Election {
        /// The arming sequence number.
        seq: u32,
    },
    /// A read round of the leader of `term` may have stalled.
    ReadRound {
        /// The leader's term.
        term: u32,
        /// The round.
        round: u64,
    },
    /// Failback: the hold time may have passed, or a transfer may have stalled, for the
    /// leader of `term`.
    Failback {
        /// The leader's term.
        term: u32,
    },
}
