//! The closed set of events of a run, which the engine's loop matches in `World::handle`:
//! client arrivals, requests reaching a region, service completions, message deliveries,
//! strategy timers, answers reaching clients, client timeouts and retries, fault starts and
//! ends, heartbeats and detector ticks, client rerouting, probe reads and session steps.
//! Plain data: the handlers live in the sibling files.
//!
//! Must not import anything but the ids it carries (`OpId`, `RegionId`).

use crate::strategy::OpId;
use crate::topology::RegionId;

/// Everything that can happen in a run.
#[derive(Copy, Clone, Debug)]
pub enum Event<M, T> {
    /// Client group `group` issues its next operation.
    Arrival {
        /// Group index.
        group: u32,
    },
    /// An attempt of an operation reaches the servers of region `at`.
    Request {
        /// The operation.
        op: OpId,
        /// Attempt number (0 = first).
        attempt: u32,
        /// The serving region.
        at: RegionId,
    },
    /// A server of region `at` finished serving an operation.
    Served {
        /// The operation.
        op: OpId,
        /// Attempt number.
        attempt: u32,
        /// The serving region.
        at: RegionId,
        /// Whether it is failed-over (foreign) traffic.
        foreign: bool,
        /// The region's incarnation when service began.
        inc: u32,
    },
    /// A strategy message reaches region `to`.
    Deliver {
        /// Sender.
        from: RegionId,
        /// Receiver.
        to: RegionId,
        /// The sender's incarnation when it sent (a crash since loses the message).
        inc: u32,
        /// Payload.
        msg: M,
    },
    /// A strategy timer fires.
    Timer {
        /// Where.
        region: RegionId,
        /// Payload.
        timer: T,
    },
    /// An answer reaches its client.
    Response {
        /// The operation.
        op: OpId,
        /// Attempt the answer belongs to.
        attempt: u32,
    },
    /// The earliest client deadline of an attempt that may still be waiting is due
    /// (`deadlines`: one such event at a time stands for every attempt in flight).
    Deadline,
    /// A client sends its next attempt after backing off.
    Retry {
        /// The operation.
        op: OpId,
    },
    /// Fault `index` of the timeline starts.
    FaultStart {
        /// Index in the timeline.
        index: u32,
    },
    /// Fault `index` of the timeline ends.
    FaultEnd {
        /// Index in the timeline.
        index: u32,
    },
    /// The failure detector of `region` sends heartbeats and checks its peers.
    DetectorTick {
        /// The region.
        region: RegionId,
    },
    /// A heartbeat from `from` reaches `to`.
    Heartbeat {
        /// Sender.
        from: RegionId,
        /// Receiver.
        to: RegionId,
    },
    /// Clients notice a change of region health and re-pick their serving regions.
    Reroute,
    /// The next probe read of an acknowledged sampled write is due (`probes`).
    Probe {
        /// The write's entry in the table of pending probes.
        id: u32,
    },
    /// A session's next operation is due (`sessions`).
    Session {
        /// The session (numbered over all groups in scenario order).
        session: u32,
    },
}
