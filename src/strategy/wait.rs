//! What an operation's time is spent on: the latency components (`Part`) and the two tags a
//! strategy pushes through its `Ctx` to say which wait it causes (`forwarded`, `waiting`).
//!
//! The world keeps, per operation, one running component (its phase) and adds the time
//! since the last change to it at every change, so the components of an operation add up to
//! its latency exactly (docs/metrics.md, latency breakdown). The world sets the phases it
//! knows itself (client access and WAN legs, queueing and service at a capacity, retries,
//! rerouting); after the serving region's local part the default phase is the replication
//! wait; a strategy only tags what differs: a request sent on to another region
//! (`forwarded`: its transit is WAN request time) and a wait of its own kind (`waiting`, e.g.
//! a cache miss to the origin). `Ctx::answer` tags the answer's way back itself.
//!
//! Must not import the engine, the simulation world, metrics or scenario (serde) types.

use crate::strategy::{Ctx, Effect, OpId};
use crate::topology::RegionId;

/// Number of latency components.
pub const PARTS: usize = 9;

/// One component of an operation's latency (docs/metrics.md defines each).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Part {
    /// The client's access network, both ways (intra-region).
    Access = 0,
    /// WAN on the way to where the operation is decided: client to a remote serving region,
    /// and requests sent on (to a primary, leader, owner or origin).
    WanRequest = 1,
    /// WAN on the way back: the answer to the serving region, and from it to the client.
    WanResponse = 2,
    /// Waiting for a server at a region's capacity station.
    Queueing = 3,
    /// Service time at a region's capacity station.
    Service = 4,
    /// Waiting for replicas, a quorum or a consensus majority (or anything else the
    /// coordinating region waits on after its local part).
    Replication = 5,
    /// A cache miss: the fetch from the origin and back.
    CacheMiss = 6,
    /// Earlier attempts that failed or timed out, and the backoff after them.
    Retries = 7,
    /// The client's WAN legs to a region it was rerouted to after its own failed.
    Rerouting = 8,
}

impl Part {
    /// Every component, in report order.
    pub const ALL: [Part; PARTS] = [
        Part::Access,
        Part::WanRequest,
        Part::WanResponse,
        Part::Queueing,
        Part::Service,
        Part::Replication,
        Part::CacheMiss,
        Part::Retries,
        Part::Rerouting,
    ];

    /// Its name in report.json.
    pub fn key(self) -> &'static str {
        match self {
            Part::Access => "client_access",
            Part::WanRequest => "wan_request",
            Part::WanResponse => "wan_response",
            Part::Queueing => "queueing",
            Part::Service => "service",
            Part::Replication => "replication_wait",
            Part::CacheMiss => "cache_miss",
            Part::Retries => "retries",
            Part::Rerouting => "rerouting",
        }
    }

    /// Its words in explanations (`peer`: the region the wait is about, if known).
    pub fn words(self) -> &'static str {
        match self {
            Part::Access => "client access",
            Part::WanRequest => "WAN request",
            Part::WanResponse => "WAN response",
            Part::Queueing => "queueing",
            Part::Service => "service",
            Part::Replication => "replication/quorum wait",
            Part::CacheMiss => "cache miss to origin",
            Part::Retries => "timeouts, backoff and retries",
            Part::Rerouting => "rerouted WAN legs",
        }
    }
}

impl<M, T> Ctx<'_, M, T> {
    /// `op`'s request (or answer, `Part::WanResponse`) was just sent to `to` by the last
    /// `send`: that message's transit counts as `part`; once it arrives, `op` waits on what
    /// `to` does (replication wait by default) until the next tag or its answer.
    #[inline]
    pub fn forwarded(&mut self, op: OpId, to: RegionId, part: Part) {
        self.out.push(Effect::Wait {
            op,
            part,
            peer: to,
            transit: true,
        });
    }

    /// From now on `op` waits for `part` (e.g. `Part::CacheMiss` on origin `peer`).
    #[inline]
    pub fn waiting(&mut self, op: OpId, part: Part, peer: RegionId) {
        self.out.push(Effect::Wait {
            op,
            part,
            peer,
            transit: false,
        });
    }
}
