//! The strategy extension point: what a geo-distribution strategy sees and what it may do.
//!
//! Owns the `Strategy` trait, the `Ctx` through which a strategy acts (send a message, set a
//! timer, reply to a client, record a replication or conflict fact), the `Effect` buffer the
//! world applies after each callback, and the small vocabulary types (`Request`, `Version`,
//! `Outcome`; `OpId` in `op_id`). A strategy does no I/O and sees no engine internals: it
//! reacts to a client request, a message or a timer at one region, and pushes effects. Randomness comes
//! only from the context's seeded stream. Each strategy lives in its own file or folder; the
//! replication mechanics several of them share (suspicions, per-region stores, snapshots,
//! answering a client's region, placement, acknowledgement rings) live once in `replica`.
//!
//! Must not import the engine, the simulation world, metrics internals or scenario (serde)
//! types.

pub mod active_active;
pub mod active_passive;
pub mod consensus;
pub mod edge_cache;
pub mod follow_the_sun;
pub mod follow_the_user;
pub mod multi_master;
mod op_id;
pub mod quorum;
pub mod replica;
mod reports;
#[cfg(test)]
mod tests;
mod wait;

use crate::residency::{Residency, ResidencyMode};
use crate::rng::SimRng;
use crate::time::SimTime;
use crate::topology::{RegionId, Topology};
use crate::workload::{Key, OpKind};

pub use active_active::{ActiveActive, ActiveActiveConfig};
pub use active_passive::{
    Ack, ActivePassive, ActivePassiveConfig, ReadFrom, Replication, SplitBrain, SyncQuorum,
};
pub use consensus::{Consensus, ConsensusConfig, ConsensusReads};
pub use edge_cache::{EdgeCache, EdgeCacheConfig};
pub use follow_the_sun::{FollowTheSun, FollowTheSunConfig, HandoffPolicy, Shift};
pub use follow_the_user::{FollowTheUser, FollowTheUserConfig, HomeMode, Migrations, UserHandoff};
pub use multi_master::{MultiMaster, MultiMasterConfig, Resolution};
pub use op_id::{OpId, OP_ATTEMPT_BITS, OP_GEN_MAX, OP_SLOT_BITS};
pub use quorum::{DcLevels, Level, Quorum, QuorumConfig};
pub use reports::Reports;
pub use wait::{Part, PARTS};

/// Bytes of framing, routing and metadata on every replication or forwarding message.
pub const HEADER_BYTES: u64 = 64;

/// A client operation as it reaches the servers of the client's region.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Its handle; reply with it.
    pub op: OpId,
    /// Read or write.
    pub kind: OpKind,
    /// The key.
    pub key: Key,
    /// Value size in bytes (writes).
    pub bytes: u32,
    /// The client's region (where the request arrives).
    pub client: RegionId,
}

/// The identity and order of a written value: larger is newer. `stamp` is the strategy's own
/// order (a log position, a timestamp); `origin` breaks ties. `Version::NONE` is the value of
/// a key never written.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Primary order.
    pub stamp: u64,
    /// Tie-break: the region that created the version.
    pub origin: RegionId,
}

impl Version {
    /// The version of a key that was never written.
    pub const NONE: Version = Version {
        stamp: 0,
        origin: 0,
    };
}

/// Whether leadership goes back to the preferred region after it recovers.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Failback {
    /// Leadership stays where failover put it (today's behaviour; an operator moves it).
    Manual,
    /// Once the current leader has heard from the preferred region continuously for
    /// `hold_ns`, it hands leadership back in a planned, drained handoff.
    Auto {
        /// Hold time after the preferred region is reachable again, ns.
        hold_ns: u64,
    },
}

/// One change of leadership: from `t` on, `region` is the primary (leader); `reason` is
/// `start`, `failover` (promoted or elected after the leader failed) or `failback` (handed
/// back to the preferred region).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Leadership {
    /// When the region took over.
    pub t: SimTime,
    /// The new primary or leader.
    pub region: RegionId,
    /// `start`, `failover` or `failback`.
    pub reason: &'static str,
}

/// What an operation returned.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A read that returned this version.
    Read(Version),
    /// A write acknowledged as this version.
    Write(Version),
    /// The operation failed.
    Failed,
}

/// Something a strategy asks the world to do or to record.
#[derive(Copy, Clone, Debug)]
pub enum Effect<M, T> {
    /// Send `msg` from region `from` to region `to`, carrying `bytes` on the wire.
    Send {
        /// Sender.
        from: RegionId,
        /// Receiver.
        to: RegionId,
        /// Payload.
        msg: M,
        /// Bytes on the wire.
        bytes: u64,
        /// The key whose value the message carries, if any (residency accounting).
        data: Option<Key>,
    },
    /// A message just sent from `from` to `to` also carries the value of `key`, `bytes` of
    /// it (an entry of a batch, a key of a snapshot): residency accounting only, no bytes on
    /// the wire beyond the message's own.
    Carries {
        /// Sender.
        from: RegionId,
        /// Receiver.
        to: RegionId,
        /// The key whose value travels.
        key: Key,
        /// Bytes attributed to that value.
        bytes: u64,
    },
    /// Fire `timer` at `region` after `after` ns.
    Timer {
        /// Where the timer fires.
        region: RegionId,
        /// Delay in ns.
        after: u64,
        /// Payload.
        timer: T,
    },
    /// Answer the client of `op` (the answer travels back over the client's access network).
    Reply {
        /// The operation.
        op: OpId,
        /// Its result.
        outcome: Outcome,
    },
    /// A replica (not the acknowledging one) applied a write acknowledged at `acked_at`
    /// (`SimTime::MAX` when it was applied before the acknowledgement).
    Applied {
        /// When the write was acknowledged.
        acked_at: SimTime,
    },
    /// Replica `replica` applied a write that region `origin` acknowledged at `acked_at`
    /// (`SimTime::MAX` when it was applied before the acknowledgement): a replication-lag
    /// sample when both were up throughout.
    Replicated {
        /// The acknowledging region.
        origin: RegionId,
        /// The region that applied it.
        replica: RegionId,
        /// When the write was acknowledged.
        acked_at: SimTime,
    },
    /// `region`, back from an outage, has applied every write acknowledged before it came
    /// back (catch-up).
    CaughtUp {
        /// The region.
        region: RegionId,
    },
    /// Acknowledged writes (`writes` of them) met a concurrent write at the region that
    /// accepted them.
    Conflict {
        /// How many writes.
        writes: u64,
    },
    /// Conflict resolution discarded `writes` acknowledged writes accepted at `region`.
    LostUpdate {
        /// Where the lost writes were accepted.
        region: RegionId,
        /// How many writes.
        writes: u64,
    },
    /// A failure lost `writes` acknowledged writes older than the window of filed
    /// acknowledgements (no ticket to name): counted as acknowledged (RPO, the conservative
    /// side), in the same loss as the tickets named at this instant.
    DataLost {
        /// Acknowledged writes lost.
        writes: u64,
        /// When the oldest of them was acknowledged, if known (widens the loss's span).
        oldest: Option<SimTime>,
    },
    /// A primary acknowledged a write: the world files it under `ticket` (unique over the
    /// run, chosen by the strategy) to learn whether the acknowledgement reaches the client
    /// of `op` with `version`, in case the write is lost later (RPO).
    Acked {
        /// The strategy's name for this acknowledgement (unique over the run).
        ticket: u64,
        /// The operation acknowledged.
        op: OpId,
        /// The version acknowledged.
        version: Version,
        /// Whether the acknowledging primary was of a stale epoch (a split-brain write).
        stale: bool,
    },
    /// The strategy acknowledged write `op` with `version` at the region that ran it, and
    /// sends the answer on to the client's region (`Ctx::answer`): the instant the write
    /// commits, which a sampled write's probe reads count from (`sim::probes`). A write
    /// answered where it ran commits at its `Reply` instead.
    Committed {
        /// The operation.
        op: OpId,
        /// The version written.
        version: Version,
    },
    /// The write acknowledged under `ticket` was lost to a failure (RPO when its
    /// acknowledgement reached the client, `rpo.unacknowledged_lost` otherwise).
    WriteLost {
        /// The ticket given with `Acked`.
        ticket: u64,
    },
    /// `op` waits for `part` from now on (`transit`: for the transit of the message just
    /// sent to `peer`, then on what `peer` does); see `Ctx::forwarded`, `Ctx::waiting`.
    Wait {
        /// The operation.
        op: OpId,
        /// What it waits for.
        part: Part,
        /// The region the wait is about.
        peer: RegionId,
        /// Whether the wait is the transit of the message just sent to `peer`.
        transit: bool,
    },
    /// Region `region` starts (true) or stops (false) accepting writes as a primary.
    Writable {
        /// The region.
        region: RegionId,
        /// Whether it now accepts writes as a primary.
        writable: bool,
    },
}

/// A region's wall clock: simulated time plus an offset and a drift (clock-skew faults).
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct Clock {
    /// Offset in ns (positive: ahead).
    pub offset_ns: i64,
    /// Drift in parts per million, accumulated since `since`.
    pub drift_ppm: f64,
    /// When the drift started.
    pub since: SimTime,
}

impl Clock {
    /// The reading at simulated time `now`, in ns (never negative).
    #[inline]
    pub fn read(&self, now: SimTime) -> u64 {
        if self.offset_ns == 0 && self.drift_ppm == 0.0 {
            return now.as_nanos();
        }
        let drift = (now.saturating_since(self.since) as f64 * self.drift_ppm * 1e-6) as i64;
        (now.as_nanos() as i64)
            .saturating_add(self.offset_ns)
            .saturating_add(drift)
            .max(0) as u64
    }
}

/// The world as a strategy sees it during one callback.
pub struct Ctx<'a, M, T> {
    now: SimTime,
    topology: &'a Topology,
    clocks: &'a [Clock],
    residency: &'a Residency,
    enforce: bool,
    rng: &'a mut SimRng,
    out: &'a mut Vec<Effect<M, T>>,
}

impl<'a, M, T> Ctx<'a, M, T> {
    /// A context; the world builds one per callback.
    pub fn new(
        now: SimTime,
        world: (&'a Topology, &'a [Clock], &'a Residency, bool),
        rng: &'a mut SimRng,
        out: &'a mut Vec<Effect<M, T>>,
    ) -> Self {
        let (topology, clocks, residency, enforce) = world;
        Ctx {
            now,
            topology,
            clocks,
            residency,
            enforce,
            rng,
            out,
        }
    }

    /// Current simulated time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The wall clock of `region` in ns: what timestamps and leases read. Equal to
    /// simulated time unless a clock-skew fault is active there.
    #[inline]
    pub fn clock(&self, region: RegionId) -> u64 {
        self.clocks
            .get(region as usize)
            .map_or(self.now.as_nanos(), |c| c.read(self.now))
    }

    /// Regions and median latencies (read-only).
    #[inline]
    pub fn topology(&self) -> &Topology {
        self.topology
    }

    /// The strategy's own seeded random stream.
    #[inline]
    pub fn rng(&mut self) -> &mut SimRng {
        self.rng
    }

    /// Sends a message that carries no stored value.
    #[inline]
    pub fn send(&mut self, from: RegionId, to: RegionId, msg: M, bytes: u64) {
        self.out.push(Effect::Send {
            from,
            to,
            msg,
            bytes,
            data: None,
        });
    }

    /// Sends a message that carries the value of `key` (a copy that may be stored at `to`;
    /// counted as a residency violation when `to` is outside the key's data class).
    #[inline]
    pub fn send_data(&mut self, from: RegionId, to: RegionId, key: Key, msg: M, bytes: u64) {
        self.out.push(Effect::Send {
            from,
            to,
            msg,
            bytes,
            data: Some(key),
        });
    }

    /// Records that a message sent from `from` to `to` (with `send`) also carries the value of
    /// `key`, `bytes` of it: one residency check per value in a batch or a snapshot (counted
    /// as a violation when `to` is outside the key's data class). Costs nothing when the
    /// copy is allowed.
    #[inline]
    pub fn carries(&mut self, from: RegionId, to: RegionId, key: Key, bytes: u64) {
        if from != to && !self.residency.allowed(key, to) {
            self.out.push(Effect::Carries {
                from,
                to,
                key,
                bytes,
            });
        }
    }

    /// Whether this strategy enforces data residency.
    #[inline]
    pub fn enforce_residency(&self) -> bool {
        self.enforce
    }

    /// Whether `key`'s data may be stored in `region` under the scenario's data classes.
    #[inline]
    pub fn allowed(&self, key: Key, region: RegionId) -> bool {
        self.residency.allowed(key, region)
    }

    /// Sets a timer.
    #[inline]
    pub fn set_timer(&mut self, region: RegionId, after: u64, timer: T) {
        self.out.push(Effect::Timer {
            region,
            after,
            timer,
        });
    }

    /// Replies to a client: `op` is the `Request::op` of the attempt answered (an answer to
    /// an attempt the client has given up on since, or a second answer, is dropped).
    #[inline]
    pub fn reply(&mut self, op: OpId, outcome: Outcome) {
        self.out.push(Effect::Reply { op, outcome });
    }

    /// Records that a replica applied a write acknowledged at `acked_at`.
    #[inline]
    pub fn applied(&mut self, acked_at: SimTime) {
        self.out.push(Effect::Applied { acked_at });
    }

    /// Records that `replica` applied a write `origin` acknowledged at `acked_at` (the same
    /// as `applied`, with the regions named, so that catch-up after an outage of either is
    /// not counted as lag).
    #[inline]
    pub fn replicated(&mut self, origin: RegionId, replica: RegionId, acked_at: SimTime) {
        self.out.push(Effect::Replicated {
            origin,
            replica,
            acked_at,
        });
    }

    /// Records that `region`, back from an outage, has caught up.
    #[inline]
    pub fn caught_up(&mut self, region: RegionId) {
        self.out.push(Effect::CaughtUp { region });
    }

    /// Records a conflict.
    #[inline]
    pub fn conflict(&mut self) {
        self.conflicts(1);
    }

    /// Records `writes` conflicts at once (one effect however many: a primary that steps
    /// down may discard millions of writes after a long split brain).
    #[inline]
    pub fn conflicts(&mut self, writes: u64) {
        if writes > 0 {
            self.out.push(Effect::Conflict { writes });
        }
    }

    /// Records a lost update of a write accepted at `region`.
    #[inline]
    pub fn lost_update(&mut self, region: RegionId) {
        self.lost_updates(region, 1);
    }

    /// Records `writes` lost updates of writes accepted at `region` at once.
    #[inline]
    pub fn lost_updates(&mut self, region: RegionId, writes: u64) {
        if writes > 0 {
            self.out.push(Effect::LostUpdate { region, writes });
        }
    }

    /// Records acknowledged writes lost to a failure that are older than the window of filed
    /// acknowledgements (`replica::AckLog::LEN`), acknowledged at `oldest` and later (when
    /// known): counted as acknowledged (RPO). Name the others with `write_lost`.
    pub fn data_lost(&mut self, writes: u64, oldest: Option<SimTime>) {
        if writes > 0 {
            self.out.push(Effect::DataLost { writes, oldest });
        }
    }

    /// Records that a primary acknowledged write `version` of `op`, under `ticket` (unique
    /// over the run); `stale`: the primary's epoch was already superseded (split brain).
    #[inline]
    pub fn acked(&mut self, ticket: u64, op: OpId, version: Version, stale: bool) {
        self.out.push(Effect::Acked {
            ticket,
            op,
            version,
            stale,
        });
    }

    /// Records that write `op` commits now with `version` at the region running this
    /// callback, while its answer travels on to the client's region (`Ctx::answer` calls it;
    /// a strategy that forwards answers with its own message should too): probe reads of a
    /// sampled write count from here (`consistency.t_visibility_exact`). A write answered
    /// with `reply` where it ran needs no call.
    #[inline]
    pub fn committed(&mut self, op: OpId, version: Version) {
        self.out.push(Effect::Committed { op, version });
    }

    /// Records that the write acknowledged under `ticket` was lost (RPO: the world counts it
    /// when its acknowledgement reached the client, separately otherwise).
    #[inline]
    pub fn write_lost(&mut self, ticket: u64) {
        self.out.push(Effect::WriteLost { ticket });
    }

    /// Records that `region` starts or stops accepting writes as a primary (split-brain
    /// accounting).
    pub fn writable(&mut self, region: RegionId, writable: bool) {
        self.out.push(Effect::Writable { region, writable });
    }
}

/// A geo-distribution strategy. Messages and timers are the strategy's own small `Copy`
/// types, carried inline in the event queue.
pub trait Strategy {
    /// Messages between regions.
    type Msg: Copy + std::fmt::Debug;
    /// Timer payloads.
    type Timer: Copy + std::fmt::Debug;

    /// Called once at time zero (set periodic timers here).
    fn on_start(&mut self, _ctx: &mut Ctx<'_, Self::Msg, Self::Timer>) {}
    /// A client request reached the servers of region `at` (the client's region).
    fn on_request(&mut self, ctx: &mut Ctx<'_, Self::Msg, Self::Timer>, at: RegionId, req: Request);

    /// A hint: a request for `key` will reach region `at` soon. A strategy may start loading
    /// the state it will read then (a cache prefetch); it must change nothing.
    #[inline(always)]
    fn prefetch(&self, _at: RegionId, _key: Key) {}
    /// A message from `from` reached region `at`.
    fn on_message(
        &mut self,
        ctx: &mut Ctx<'_, Self::Msg, Self::Timer>,
        at: RegionId,
        from: RegionId,
        msg: Self::Msg,
    );
    /// A timer set by this strategy fired at region `at`.
    fn on_timer(
        &mut self,
        _ctx: &mut Ctx<'_, Self::Msg, Self::Timer>,
        _at: RegionId,
        _timer: Self::Timer,
    ) {
    }
    /// The failure detector at region `at` started (`suspected`) or stopped suspecting
    /// region `peer`. Only called in scenarios with faults.
    fn on_suspect(
        &mut self,
        _ctx: &mut Ctx<'_, Self::Msg, Self::Timer>,
        _at: RegionId,
        _peer: RegionId,
        _suspected: bool,
    ) {
    }
    /// The network lost `msg` from `from` to `to`: a cut link (at sending or at arrival), or
    /// a region down at either end (a message whose sender went down before it arrived is
    /// not reported: `on_region_down` already covered it). A real node does not learn this:
    /// use it only to free state the message referenced (a write table entry awaiting its
    /// copies), never to react (no sends, no replies, no figures). Only called in scenarios
    /// with faults.
    fn on_dropped(
        &mut self,
        _ctx: &mut Ctx<'_, Self::Msg, Self::Timer>,
        _from: RegionId,
        _to: RegionId,
        _msg: Self::Msg,
    ) {
    }
    /// Region `region` went down: it receives nothing until `on_region_up`; state that was
    /// not durable should be dropped here.
    fn on_region_down(&mut self, _ctx: &mut Ctx<'_, Self::Msg, Self::Timer>, _region: RegionId) {}
    /// Region `region` is back; with `empty` it lost its durable state too. Re-arm timers
    /// here.
    fn on_region_up(
        &mut self,
        _ctx: &mut Ctx<'_, Self::Msg, Self::Timer>,
        _region: RegionId,
        _empty: bool,
    ) {
    }
    /// The leadership timeline, for strategies with one primary or leader at a time (`None`
    /// for the others), read once at the end of the run.
    fn leadership(&self) -> Option<Vec<Leadership>> {
        None
    }
    /// The run ends at `now` (before `extra` and `leadership` are read): close open intervals.
    fn end(&mut self, _now: crate::time::SimTime) {}
    /// Strategy-specific figures for the report (e.g. a cache hit ratio), read once at the
    /// end of the run. Names must be unique and stable.
    fn extra(&self) -> Vec<(&'static str, f64)> {
        Vec::new()
    }
    /// Migrations of data between homes (follow-the-user; `None` for the others), read once
    /// at the end of the run.
    fn migrations(&self) -> Option<Migrations> {
        None
    }
    /// Which strategy-reported figures this strategy produces, read by the report for a
    /// strategy from outside geosim (the built-in strategies' are written once in
    /// `report::applies`): a figure it does not produce is `null` (`n/a`) in the report, not
    /// a 0 that reads as measured. Default: all of them, shown as measured.
    fn reports(&self) -> Reports {
        Reports::ALL
    }
}

/// The configured strategies: the built-in ones (each variant is one file in this module) and
/// custom ones registered from outside.
#[derive(Clone, Debug)]
pub enum StrategyConfig {
    /// One primary, standbys replicate from it.
    ActivePassive(ActivePassiveConfig),
    /// Every region accepts writes and replicates to all others.
    MultiMaster(MultiMasterConfig),
    /// Every key has a home region that takes its writes.
    ActiveActive(ActiveActiveConfig),
    /// One primary at a time on a UTC schedule.
    FollowTheSun(FollowTheSunConfig),
    /// Each travelling user's data homed where the user logs in (or at a fixed home).
    FollowTheUser(FollowTheUserConfig),
    /// N replicas per key, R/W quorums.
    Quorum(QuorumConfig),
    /// A leader commits on a majority.
    Consensus(ConsensusConfig),
    /// An origin with TTL caches in the other regions.
    EdgeCache(EdgeCacheConfig),
    /// A strategy from outside geosim, registered by name (`kind = "custom"`; see
    /// `geosim::Simulation::with_strategy` and docs/extending.md).
    Custom(CustomConfig),
}

/// A custom strategy as configured: its registered name, its free-form `params` table, and
/// (once a program registered the name) the type-erased function that runs it. The runner is
/// opaque here: `sim` stores and calls it, so this module needs no simulation types.
#[derive(Clone, Debug)]
pub struct CustomConfig {
    /// The kind as reported: `custom:<strategy>`.
    pub kind: String,
    /// The registered name (`strategy = "chain"`).
    pub strategy: String,
    /// The `[strategies.params]` table, as written (an empty table when absent).
    pub params: serde_json::Value,
    /// Set by the registry when the name is registered; `None` until then.
    pub runner: Option<Runner>,
}

/// An opaque handle to a registered strategy's run function (see `sim::custom`).
#[derive(Clone)]
pub struct Runner(pub std::sync::Arc<dyn std::any::Any + Send + Sync>);

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Runner(..)")
    }
}

impl StrategyConfig {
    /// The kind name used in scenario files and reports.
    pub fn kind(&self) -> &str {
        match self {
            StrategyConfig::ActivePassive(_) => "active-passive",
            StrategyConfig::MultiMaster(_) => "multi-master",
            StrategyConfig::ActiveActive(_) => "active-active",
            StrategyConfig::FollowTheSun(_) => "follow-the-sun",
            StrategyConfig::FollowTheUser(_) => "follow-the-user",
            StrategyConfig::Quorum(_) => "quorum",
            StrategyConfig::Consensus(_) => "consensus",
            StrategyConfig::EdgeCache(_) => "edge-cache",
            StrategyConfig::Custom(c) => &c.kind,
        }
    }
}

/// A strategy as named in a scenario.
#[derive(Clone, Debug)]
pub struct NamedStrategy {
    /// Unique name in the scenario.
    pub name: String,
    /// Kind and settings.
    pub config: StrategyConfig,
    /// Overrides the regions' `failover_share` (the bulkhead) for this strategy.
    pub bulkhead: Option<f64>,
    /// The clients' circuit breakers in this strategy's run (`None`: none).
    pub circuit_breaker: Option<crate::faults::BreakerPolicy>,
    /// Whether the strategy enforces data residency.
    pub residency: ResidencyMode,
}
