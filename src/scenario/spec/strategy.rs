//! Strategies as written: `[[strategies]]`, a tagged enum on `kind` with one settings struct
//! per strategy, and the settings every strategy takes (residency mode, bulkhead, circuit
//! breaker).
//!
//! Serde types only; `validate::strategies` turns them into `StrategyConfig`s. Must not import
//! `strategy`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::CircuitBreakerSpec;

/// How a strategy treats data-residency rules.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ResidencySpec {
    /// Behave as without rules and count every violation.
    #[default]
    Ignore,
    /// Keep placement, replication, caching and routing of each class inside its regions.
    Enforce,
}

/// A strategy, tagged by `kind`. `kind = "custom:NAME"` is shorthand for `kind = "custom"`
/// with `strategy = "NAME"`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case", remote = "Self")]
pub enum StrategySpec {
    /// One primary; standbys replicate from it.
    ActivePassive(ActivePassiveSpec),
    /// Every region accepts writes.
    MultiMaster(MultiMasterSpec),
    /// Every key has a home region that takes its writes.
    ActiveActive(ActiveActiveSpec),
    /// One primary at a time on a UTC schedule.
    FollowTheSun(FollowTheSunSpec),
    /// Each travelling user's data homed where the user logs in (needs `[workload.users]`).
    FollowTheUser(FollowTheUserSpec),
    /// N replicas per key with R/W quorums.
    Quorum(QuorumSpec),
    /// A leader commits on a majority of members.
    Consensus(ConsensusSpec),
    /// An origin with TTL caches in every other region.
    EdgeCache(EdgeCacheSpec),
    /// A strategy from outside geosim, registered by a program that embeds geosim
    /// (`Simulation::with_strategy`; docs/extending.md). `geosim run` alone refuses it.
    Custom(CustomSpec),
}

/// Settings of `custom`: the registered strategy's name and its own parameters.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomSpec {
    /// Unique name.
    pub name: String,
    /// The name the strategy was registered under (`with_strategy("chain", ..)`).
    pub strategy: String,
    /// Free-form parameters, passed to the strategy's constructor and checked by its own
    /// serde type (errors name `strategies[i].params.<field>`).
    #[serde(default = "empty_table")]
    pub params: serde_json::Value,
    /// Override of every region's `capacity.failover_share` for this strategy (the
    /// bulkhead), (0, 1].
    #[serde(default)]
    pub bulkhead: Option<f64>,
    /// The clients' circuit breakers; default none.
    #[serde(default, deserialize_with = "super::faults::circuit_breaker")]
    pub circuit_breaker: Option<CircuitBreakerSpec>,
    /// `ignore` (default: count violations); `enforce` is refused for custom strategies
    /// (geosim cannot know where they put data).
    #[serde(default)]
    pub residency: ResidencySpec,
}

fn empty_table() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

impl<'de> Deserialize<'de> for StrategySpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        // Buffered as the tagged enum would be anyway, to expand `custom:NAME`.
        let mut v = serde_json::Value::deserialize(d)?;
        if let Some(obj) = v.as_object_mut() {
            let custom = match obj.get("kind") {
                Some(serde_json::Value::String(k)) => k.strip_prefix("custom:").map(str::to_string),
                _ => None,
            };
            if let Some(name) = custom {
                if obj.contains_key("strategy") {
                    return Err(D::Error::custom(
                        "give the strategy's name once: `kind = \"custom:NAME\"` or `kind = \"custom\"` with `strategy = \"NAME\"`",
                    ));
                }
                obj.insert("kind".into(), "custom".into());
                obj.insert("strategy".into(), name.into());
            }
        }
        StrategySpec::deserialize(v).map_err(|e| D::Error::custom(e.to_string()))
    }
}

impl Serialize for StrategySpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StrategySpec::serialize(self, s)
    }
}

/// `$body` with `$s` bound to the settings of whichever kind `$spec` is: the one list of the
/// kinds behind the settings every strategy has (name, bulkhead, circuit breaker, residency).
macro_rules! every_kind {
    ($spec:expr, $s:ident => $body:expr) => {
        match $spec {
            StrategySpec::ActivePassive($s) => $body,
            StrategySpec::MultiMaster($s) => $body,
            StrategySpec::ActiveActive($s) => $body,
            StrategySpec::FollowTheSun($s) => $body,
            StrategySpec::FollowTheUser($s) => $body,
            StrategySpec::Quorum($s) => $body,
            StrategySpec::Consensus($s) => $body,
            StrategySpec::EdgeCache($s) => $body,
            StrategySpec::Custom($s) => $body,
        }
    };
}

impl StrategySpec {
    /// The strategy's residency mode.
    pub fn residency(&self) -> ResidencySpec {
        every_kind!(self, s => s.residency)
    }

    /// The strategy's bulkhead (override of the regions' `failover_share`).
    pub fn bulkhead(&self) -> Option<f64> {
        every_kind!(self, s => s.bulkhead)
    }

    /// The strategy's circuit-breaker settings.
    pub fn circuit_breaker(&self) -> Option<&CircuitBreakerSpec> {
        every_kind!(self, s => s.circuit_breaker.as_ref())
    }

    /// The strategy's name.
    pub fn name(&self) -> &str {
        every_kind!(self, s => &s.name)
    }
}

/// Settings of `active-active`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveActiveSpec {
    /// Unique name.
    pub name: String,
    /// Override of every region's `capacity.failover_share` for this strategy (the
    /// bulkhead): the largest share of a region's servers that failed-over clients may hold,
    /// (0, 1].
    #[serde(default)]
    pub bulkhead: Option<f64>,
    /// The clients' circuit breakers (one per client region and serving region); default
    /// none.
    #[serde(default, deserialize_with = "super::faults::circuit_breaker")]
    pub circuit_breaker: Option<CircuitBreakerSpec>,
    /// `ignore` (default: count violations) or `enforce` (keep data in its regions).
    #[serde(default)]
    pub residency: ResidencySpec,
    /// Key ownership by share: the key space is cut into contiguous ranges in proportion to
    /// the shares, in list order. Default: each key's home is the region of the client group
    /// whose range holds it (keys shared by several groups are dealt out among them in turn).
    #[serde(default)]
    pub homes: Option<Vec<HomeShareSpec>>,
}

/// A region's share of the key space.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HomeShareSpec {
    /// The home region.
    pub region: String,
    /// Relative share of keys (> 0).
    pub share: f64,
}

/// Settings of `follow-the-sun`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowTheSunSpec {
    /// Unique name.
    pub name: String,
    /// Override of every region's `capacity.failover_share` for this strategy (the
    /// bulkhead): the largest share of a region's servers that failed-over clients may hold,
    /// (0, 1].
    #[serde(default)]
    pub bulkhead: Option<f64>,
    /// The clients' circuit breakers (one per client region and serving region); default
    /// none.
    #[serde(default, deserialize_with = "super::faults::circuit_breaker")]
    pub circuit_breaker: Option<CircuitBreakerSpec>,
    /// `ignore` (default: count violations) or `enforce` (keep data in its regions).
    #[serde(default)]
    pub residency: ResidencySpec,
    /// The rotation: each shift runs from its start until the next shift's start (UTC).
    pub shifts: Vec<ShiftSpec>,
    /// Writes during a handoff: `wait` (default) or `fail`.
    #[serde(default)]
    pub during_handoff: HandoffSpec,
    /// `local` (default) or `primary`.
    #[serde(default)]
    pub read_from: ReadFromSpec,
}

/// Settings of `follow-the-user`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowTheUserSpec {
    /// Unique name.
    pub name: String,
    /// Override of every region's `capacity.failover_share` for this strategy (the
    /// bulkhead): the largest share of a region's servers that failed-over clients may hold,
    /// (0, 1].
    #[serde(default)]
    pub bulkhead: Option<f64>,
    /// The clients' circuit breakers (one per client region and serving region); default
    /// none.
    #[serde(default, deserialize_with = "super::faults::circuit_breaker")]
    pub circuit_breaker: Option<CircuitBreakerSpec>,
    /// `ignore` (default: count violations); `enforce` is not supported.
    #[serde(default)]
    pub residency: ResidencySpec,
    /// `follow` (default: a user's data moves to the region the user logs in from) or
    /// `fixed` (it stays at the user's first home; requests from elsewhere are forwarded).
    #[serde(default)]
    pub home: UserHomeSpec,
    /// While a user's data is on its way to a new home: `safe` (default: every operation
    /// there waits for it) or `eager` (reads run at once on the new home's local copy,
    /// writes wait). Only with `home = "follow"`.
    #[serde(default)]
    pub handoff: Option<UserHandoffSpec>,
    /// Home of the keys outside every user's range (the client groups' keys). Default: the
    /// first client group's region.
    #[serde(default)]
    pub default_home: Option<String>,
}

/// Where a follow-the-user strategy keeps a user's data.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum UserHomeSpec {
    /// In the region the user last logged in from.
    #[default]
    Follow,
    /// At the user's first home.
    Fixed,
}

/// A follow-the-user handoff.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum UserHandoffSpec {
    /// Every operation at the new home waits for the data.
    Safe,
    /// Reads run at once on the new home's local copy; writes wait.
    Eager,
}

/// One shift of a follow-the-sun rotation.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftSpec {
    /// The primary during this shift.
    pub region: String,
    /// UTC hour the shift starts, [0, 24).
    pub start_utc_h: f64,
}

/// Writes during a follow-the-sun handoff.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum HandoffSpec {
    /// Wait for the next primary.
    #[default]
    Wait,
    /// Fail.
    Fail,
}

/// Settings of `quorum`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuorumSpec {
    /// Unique name.
    pub name: String,
    /// Override of every region's `capacity.failover_share` for this strategy (the
    /// bulkhead): the largest share of a region's servers that failed-over clients may hold,
    /// (0, 1].
    #[serde(default)]
    pub bulkhead: Option<f64>,
    /// The clients' circuit breakers (one per client region and serving region); default
    /// none.
    #[serde(default, deserialize_with = "super::faults::circuit_breaker")]
    pub circuit_breaker: Option<CircuitBreakerSpec>,
    /// `ignore` (default: count violations) or `enforce` (keep data in its regions).
    #[serde(default)]
    pub residency: ResidencySpec,
    /// Replicas per key (default 3, at most the number of regions). Not with
    /// `replicas_per_region`.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub n: Option<usize>,
    /// Read quorum, [1, n] (default 2). Not with `replicas_per_region`.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub r: Option<usize>,
    /// Write quorum, [1, n] (default 2). Not with `replicas_per_region`.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub w: Option<usize>,
    /// Data centres as in Cassandra's `NetworkTopologyStrategy`: replicas of every key in
    /// each region, a number (the same in every region) or a table `{ region = count }`
    /// (regions left out hold none). Turns on consistency levels (`read_consistency`,
    /// `write_consistency`); the general form's `n`, `r`, `w`, `replicas` and `sloppy` then
    /// do not apply.
    #[serde(default)]
    pub replicas_per_region: Option<ReplicasPerRegionSpec>,
    /// With `replicas_per_region`: the reads' consistency level (default `quorum`).
    #[serde(default)]
    pub read_consistency: Option<ConsistencyLevelSpec>,
    /// With `replicas_per_region`: the writes' consistency level (default `quorum`).
    #[serde(default)]
    pub write_consistency: Option<ConsistencyLevelSpec>,
    /// Replica regions for every key (exactly `n`). Default: the `n` regions nearest each
    /// key's home (its own first), homes as in `active-active`.
    #[serde(default)]
    pub replicas: Option<Vec<String>>,
    /// Repair replicas that answered a read with an old version (default false).
    #[serde(default)]
    pub read_repair: bool,
    /// When a replica does not answer, write to the next healthy region instead and hand the
    /// write back later (hinted handoff) (default false).
    #[serde(default)]
    pub sloppy: bool,
}

/// Replicas per region of `quorum` with data centres.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ReplicasPerRegionSpec {
    /// The same number in every region.
    Every(usize),
    /// A number per region name (regions left out hold none).
    Map(std::collections::BTreeMap<String, usize>),
}

/// A Cassandra consistency level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsistencyLevelSpec {
    /// One replica anywhere.
    One,
    /// A majority of all replicas (`sum / 2 + 1`).
    Quorum,
    /// Every replica.
    All,
    /// One replica in the coordinator's (the client's) region.
    LocalOne,
    /// A majority of the coordinator's region's replicas; reads ask only them.
    LocalQuorum,
    /// A majority of the replicas in every region that holds replicas.
    EachQuorum,
}

/// Settings of `consensus`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsensusSpec {
    /// Unique name.
    pub name: String,
    /// Override of every region's `capacity.failover_share` for this strategy (the
    /// bulkhead): the largest share of a region's servers that failed-over clients may hold,
    /// (0, 1].
    #[serde(default)]
    pub bulkhead: Option<f64>,
    /// The clients' circuit breakers (one per client region and serving region); default
    /// none.
    #[serde(default, deserialize_with = "super::faults::circuit_breaker")]
    pub circuit_breaker: Option<CircuitBreakerSpec>,
    /// `ignore` (default: count violations) or `enforce` (keep data in its regions).
    #[serde(default)]
    pub residency: ResidencySpec,
    /// The leader region.
    pub leader: String,
    /// Member regions (default: all); must include the leader.
    #[serde(default)]
    pub members: Option<Vec<String>>,
    /// `lease` (default: reads at the leader under its lease), `read-index` (the leader
    /// confirms its leadership with a heartbeat round to a majority before a read is served,
    /// etcd's default) or `follower` (bounded-staleness reads from the local member).
    #[serde(default)]
    pub reads: ConsensusReadsSpec,
    /// `reads = "follower"` only (required there): the largest staleness a member may serve,
    /// in ms (> 0): it serves a read itself while every entry committed at the leader this
    /// long ago is applied locally, and forwards it to the leader otherwise.
    #[serde(default)]
    pub max_staleness_ms: Option<f64>,
    /// `reads = "lease"` only: the bound on clock drift between members, in ms (>= 0, below
    /// the minimum election timeout; default 0). The lease lasts the minimum election timeout
    /// minus this bound; a read that finds it expired is confirmed by a heartbeat round.
    #[serde(default)]
    pub clock_drift_ms: Option<f64>,
    /// Election timeout range in ms, randomised per election (default [1500, 3000]).
    #[serde(default = "default_election_ms")]
    pub election_timeout_ms: [f64; 2],
    /// `manual` (default: the primary stays where failover put it) or `auto` (after the
    /// preferred region recovers and `failback_hold_s` passes, a planned, drained handoff
    /// gives it back).
    #[serde(default)]
    pub failback: FailbackSpec,
    /// Seconds the leader must reach the preferred region continuously before it hands
    /// leadership back (>= 0; `failback = "auto"` only; default 30).
    #[serde(default)]
    pub failback_hold_s: Option<f64>,
    /// The member leadership fails back to (`failback = "auto"` only; default `leader`).
    #[serde(default)]
    pub preferred_leader: Option<String>,
}

fn default_election_ms() -> [f64; 2] {
    [1500.0, 3000.0]
}

/// Read mode of `consensus`.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ConsensusReadsSpec {
    /// Reads served by the leader under its lease.
    #[default]
    Lease,
    /// Reads served by a member after the leader confirmed its leadership with a heartbeat
    /// round to a majority and gave its commit index (Raft ReadIndex, etcd `ReadOnlySafe`).
    ReadIndex,
    /// Bounded-staleness reads from the local member (`max_staleness_ms`), forwarded to the
    /// leader when the member is further behind.
    Follower,
}

/// Settings of `edge-cache`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EdgeCacheSpec {
    /// Unique name.
    pub name: String,
    /// Override of every region's `capacity.failover_share` for this strategy (the
    /// bulkhead): the largest share of a region's servers that failed-over clients may hold,
    /// (0, 1].
    #[serde(default)]
    pub bulkhead: Option<f64>,
    /// The clients' circuit breakers (one per client region and serving region); default
    /// none.
    #[serde(default, deserialize_with = "super::faults::circuit_breaker")]
    pub circuit_breaker: Option<CircuitBreakerSpec>,
    /// `ignore` (default: count violations) or `enforce` (keep data in its regions).
    #[serde(default)]
    pub residency: ResidencySpec,
    /// The region holding the data.
    pub origin: String,
    /// Seconds a cached entry may be served (> 0, default 30).
    #[serde(default = "default_ttl")]
    pub ttl_s: f64,
    /// Entries per cache, LRU beyond (>= 1, default 1000).
    #[serde(default = "default_capacity")]
    #[schemars(range(min = 1))]
    pub capacity: usize,
    /// Writes invalidate every cache (default false).
    #[serde(default)]
    pub invalidate: bool,
}

fn default_ttl() -> f64 {
    30.0
}
fn default_capacity() -> usize {
    1000
}

/// Settings of `active-passive`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivePassiveSpec {
    /// Unique name.
    pub name: String,
    /// Override of every region's `capacity.failover_share` for this strategy (the
    /// bulkhead): the largest share of a region's servers that failed-over clients may hold,
    /// (0, 1].
    #[serde(default)]
    pub bulkhead: Option<f64>,
    /// The clients' circuit breakers (one per client region and serving region); default
    /// none.
    #[serde(default, deserialize_with = "super::faults::circuit_breaker")]
    pub circuit_breaker: Option<CircuitBreakerSpec>,
    /// `ignore` (default: count violations) or `enforce` (keep data in its regions).
    #[serde(default)]
    pub residency: ResidencySpec,
    /// The primary region's name.
    pub primary: String,
    /// `sync`, `async` (default) or `semi-sync` (MySQL: wait for one standby up to
    /// `semi_sync_timeout_ms`, then async until a standby catches up).
    #[serde(default)]
    pub replication: ReplicationSpec,
    /// When the standbys acknowledge a write the primary waits for: `received`
    /// (PostgreSQL `remote_write`), `flushed` (`on`) or `applied` (`remote_apply`). Default
    /// `applied` with `sync`, `flushed` with `semi-sync`; not with `async`.
    #[serde(default)]
    pub ack: Option<AckSpec>,
    /// Per standby region: its own `ack`, overriding the strategy-wide one.
    #[serde(default)]
    pub standby_ack: BTreeMap<String, AckSpec>,
    /// `sync` only: `{ any = K, of = ["standby", ...] }` (PostgreSQL `ANY K (...)`): a write
    /// waits for K of the listed standbys; the others replicate asynchronously.
    #[serde(default)]
    pub sync_quorum: Option<SyncQuorumSpec>,
    /// `semi-sync` only: how long a write waits for a standby before the primary falls back
    /// to async, ms (> 0; default 10000, MySQL's `rpl_semi_sync_master_timeout`).
    #[serde(default)]
    pub semi_sync_timeout_ms: Option<f64>,
    /// A standby's flush (fsync) time before a `flushed` or `applied` acknowledgement, ms
    /// (>= 0; default 2 when an ack mode is in use, see docs/strategies.md).
    #[serde(default)]
    pub flush_ms: Option<f64>,
    /// A standby's apply (replay) time after the flush before an `applied` acknowledgement,
    /// ms (>= 0; default 1 when an ack mode is in use).
    #[serde(default)]
    pub apply_ms: Option<f64>,
    /// `local` (default) or `primary`.
    #[serde(default)]
    pub read_from: ReadFromSpec,
    /// Seconds from suspecting the primary to promoting a standby (default 5).
    #[serde(default = "default_promotion_s")]
    pub promotion_delay_s: f64,
    /// `none` (default: an isolated old primary keeps accepting writes) or `fencing` (a
    /// primary that cannot reach a majority stops).
    #[serde(default)]
    pub split_brain: SplitBrainSpec,
    /// A region that counts toward the fencing majority without holding data (optional).
    #[serde(default)]
    pub witness: Option<String>,
    /// `manual` (default: the primary stays where failover put it) or `auto` (after the
    /// preferred region recovers and `failback_hold_s` passes, a planned, drained handoff
    /// gives it back).
    #[serde(default)]
    pub failback: FailbackSpec,
    /// Seconds the leader must reach the preferred region continuously before it hands
    /// leadership back (>= 0; `failback = "auto"` only; default 30).
    #[serde(default)]
    pub failback_hold_s: Option<f64>,
}

fn default_promotion_s() -> f64 {
    5.0
}

/// Whether leadership returns to the preferred region after it recovers.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum FailbackSpec {
    /// Leadership stays where failover put it.
    #[default]
    Manual,
    /// A planned, drained handoff back to the preferred region after the hold time.
    Auto,
}

/// Default failback hold time, seconds.
pub const DEFAULT_FAILBACK_HOLD_S: f64 = 30.0;

/// Split-brain policy of active-passive.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SplitBrainSpec {
    /// No protection.
    #[default]
    None,
    /// A primary without a majority stops accepting writes.
    Fencing,
}

/// When the primary acknowledges a write.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ReplicationSpec {
    /// After every standby (or `sync_quorum`'s K) acknowledged it at its `ack` point.
    Sync,
    /// At once.
    #[default]
    Async,
    /// After one standby acknowledged it, or the timeout (then async until one catches up).
    SemiSync,
}

/// When a standby acknowledges a write.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AckSpec {
    /// On receipt (PostgreSQL `remote_write`).
    Received,
    /// After the flush (`on`).
    Flushed,
    /// After flush and apply (`remote_apply`).
    Applied,
}

/// PostgreSQL's `ANY K (s1, s2, ...)`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncQuorumSpec {
    /// How many of `of` a write waits for (1 ..= len(of)).
    #[schemars(range(min = 1))]
    pub any: u32,
    /// The synchronous standby regions.
    pub of: Vec<String>,
}

/// Where reads are served.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ReadFromSpec {
    /// The client's region.
    #[default]
    Local,
    /// The primary.
    Primary,
}

/// Settings of `multi-master`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MultiMasterSpec {
    /// Unique name.
    pub name: String,
    /// Override of every region's `capacity.failover_share` for this strategy (the
    /// bulkhead): the largest share of a region's servers that failed-over clients may hold,
    /// (0, 1].
    #[serde(default)]
    pub bulkhead: Option<f64>,
    /// The clients' circuit breakers (one per client region and serving region); default
    /// none.
    #[serde(default, deserialize_with = "super::faults::circuit_breaker")]
    pub circuit_breaker: Option<CircuitBreakerSpec>,
    /// `ignore` (default: count violations) or `enforce` (keep data in its regions).
    #[serde(default)]
    pub residency: ResidencySpec,
    /// Conflict resolution: `lww` (default).
    #[serde(default)]
    pub resolution: ResolutionSpec,
}

/// Conflict resolution of `multi-master`.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ResolutionSpec {
    /// Last writer wins on (timestamp, region id).
    #[default]
    Lww,
    /// Concurrent versions kept as siblings for the application.
    VersionVector,
    /// Convergent merge (counter / LWW register with hybrid logical clocks).
    Crdt,
}
