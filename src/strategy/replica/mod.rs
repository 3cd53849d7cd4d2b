//! Replication mechanics shared by the strategies: written once here, used by every strategy
//! that needs them.
//!
//! Owns the small typed helpers several protocols are built from, not a protocol of its own:
//! sets of regions and the failure detector's suspicions (`regions`: `RegionSet`,
//! `Suspects`), every region's copy of every key (`store`: `RegionStore`, newer-wins apply,
//! the wipe of a region that comes back empty), catch-up by snapshot (`snapshot`: its cost on
//! the wire and the newer-wins merge of the sender's copies), answering a client from the
//! region that ran its operation (`reply`: `CarriesAnswer`, `Ctx::answer`), where copies go
//! and who leads (`placement`: nearest region by median round trip with ties by id, which
//! regions may hold a copy of a key, the most up-to-date region, majorities) and the
//! acknowledgement times a primary keeps to judge how current a failover candidate is
//! (`ack_ring`: `AckRing`), and the one RPO mechanism: acknowledgements filed with the world
//! under tickets, and the tickets of the writes a failure lost (`ack_log`: `AckLog`),
//! pooled, shared version vectors (`vv`: `VvArena`, copy on write), and per-channel sequence
//! numbers that reveal replication lost on the way and the snapshot asked for it
//! (`channels`: `Channels`).
//!
//! Every helper keeps the exact comparisons, iteration orders and arithmetic the strategies
//! used before they shared it, so reports do not change. What stays in a strategy is what
//! differs between protocols (message vocabularies, when to ask for a snapshot, how lost
//! writes are counted).
//!
//! Must not import the engine, the simulation world (`sim`), metrics, scenario (serde) types,
//! nor a concrete strategy.

mod ack_log;
mod ack_ring;
mod channels;
mod placement;
mod regions;
mod reply;
mod snapshot;
mod store;
mod vv;

pub use ack_log::{AckLog, Acked};
pub use ack_ring::AckRing;
pub use channels::Channels;
pub use placement::{
    copy_targets, has_majority, majority, most_up_to_date, nearest_by_rtt, rtt_order,
};
pub use regions::{RegionSet, Suspects};
pub use reply::CarriesAnswer;
pub use snapshot::{send_snapshot, snapshot_bytes};
pub use store::RegionStore;
pub use vv::{VvArena, ZERO as VV_ZERO};
