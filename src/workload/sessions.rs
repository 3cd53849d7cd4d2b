//! Client sessions: a group's clients as `sessions` closed loops (`SessionPlan`), and how
//! the clients route a session's reads to provide session guarantees (`SessionRouting`).
//!
//! A session issues one operation at a time: its next operation starts one think time
//! (`SessionPlan::think`, drawn from the group's own stream) after the previous one completes
//! or fails; its first starts at a uniform random instant within one think time of the start.
//! The operations themselves (read or write, key, value size) are drawn from the group's
//! generator as for open-loop groups. See docs/scenario.md (sessions) and docs/metrics.md
//! (session guarantees).
//!
//! Must not import the engine, strategies, metrics or scenario (serde) types.

use crate::latency::LatencyDist;

/// Most sessions of one client group.
pub const MAX_SESSIONS: u32 = 100_000;

/// A group's clients as closed-loop sessions.
#[derive(Clone, Debug)]
pub struct SessionPlan {
    /// Number of sessions (1 to `MAX_SESSIONS`).
    pub sessions: u32,
    /// Think time between one operation's completion and the session's next operation, ms
    /// (default: exponential with mean `sessions / rate_rps`, so that the offered rate at zero
    /// response time is `rate_rps`).
    pub think: LatencyDist,
}

/// How clients route a session's reads (`[clients] session_routing`).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum SessionRouting {
    /// As any read: to the region the clients use.
    #[default]
    None,
    /// To the region that ordered the session's last write (its version's origin), while it
    /// is up.
    Sticky,
    /// As any read, but the serving region holds the read until its answer is at least the
    /// session's last write of the key (re-reading every `TOKEN_POLL_NS`).
    Token,
}

/// How often a held `token` read re-reads the replica, ns (1 ms).
pub const TOKEN_POLL_NS: u64 = 1_000_000;
