//! The replication mode of `active-passive` and the settings that belong to it: `ack` and
//! `standby_ack` (when standbys acknowledge), `sync_quorum` (PostgreSQL `ANY K (...)`),
//! `semi_sync_timeout_ms` (MySQL semi-sync), and the standby disk model `flush_ms` /
//! `apply_ms`. A setting the mode ignores is rejected with its field path. The defaults are
//! the same whether or not any of these is written (`ack = "applied"` with `sync` is the
//! default, so writing it changes nothing): the disk model is always on for `sync` and
//! `semi-sync`.
//!
//! Must not import the engine, the world, metrics, report, or its sibling `strategies`
//! (which calls it).

use super::{Checker, Known, MAX_MS};
use crate::scenario::spec::{AckSpec, ActivePassiveSpec, ReplicationSpec};
use crate::strategy::replica::RegionSet;
use crate::strategy::{Ack, Replication, SyncQuorum};
use crate::time::ms_to_nanos;
use crate::topology::RegionId;

/// Default standby flush (fsync) time, ms: the low end of the "single-digit millisecond"
/// latency AWS documents for EBS gp3 volumes (docs/strategies.md).
pub const DEFAULT_FLUSH_MS: f64 = 2.0;
/// Default standby apply (replay) time after the flush, ms (docs/strategies.md).
pub const DEFAULT_APPLY_MS: f64 = 1.0;
/// Default semi-sync timeout, ms: MySQL's `rpl_semi_sync_master_timeout` default.
pub const DEFAULT_SEMI_SYNC_TIMEOUT_MS: f64 = 10_000.0;

/// The resolved replication settings of `active-passive`.
pub(super) struct Modes {
    pub replication: Replication,
    pub ack: Vec<Ack>,
    pub flush_ns: u64,
    pub apply_ns: u64,
    pub sync_quorum: Option<SyncQuorum>,
}

fn ack(a: AckSpec) -> Ack {
    match a {
        AckSpec::Received => Ack::Received,
        AckSpec::Flushed => Ack::Flushed,
        AckSpec::Applied => Ack::Applied,
    }
}

/// Checks and resolves the replication settings of `ap` (`primary` and `witness` already
/// resolved where valid; `n` regions). `None` when a setting is wrong.
pub(super) fn replication_modes(
    c: &mut Checker,
    f: &impl Fn(&str) -> String,
    known: &Known,
    ap: &ActivePassiveSpec,
    (primary, witness): (Option<RegionId>, Option<RegionId>),
    n: usize,
) -> Option<Modes> {
    let before = c.problems.len();
    let no_effect = |c: &mut Checker, field: &str, why: &str| {
        c.bad(f(field), format!("has no effect {why}: remove it"));
    };
    let mode = ap.replication;
    if mode == ReplicationSpec::Async {
        let why = "with replication = \"async\" (the primary waits for no standby)";
        let set = [
            ("ack", ap.ack.is_some()),
            ("standby_ack", !ap.standby_ack.is_empty()),
            ("sync_quorum", ap.sync_quorum.is_some()),
            ("semi_sync_timeout_ms", ap.semi_sync_timeout_ms.is_some()),
            ("flush_ms", ap.flush_ms.is_some()),
            ("apply_ms", ap.apply_ms.is_some()),
        ];
        for (field, _) in set.iter().filter(|(_, on)| *on) {
            no_effect(c, field, why);
        }
        return (c.problems.len() == before).then_some(Modes {
            replication: Replication::Async,
            ack: Vec::new(),
            flush_ns: 0,
            apply_ns: 0,
            sync_quorum: None,
        });
    }
    let semi = mode == ReplicationSpec::SemiSync;
    let mut timeout_ns = 0;
    match (semi, ap.semi_sync_timeout_ms) {
        (false, Some(_)) => no_effect(
            c,
            "semi_sync_timeout_ms",
            "with replication = \"sync\" (only semi-sync falls back)",
        ),
        (true, t) => {
            let ms = t.unwrap_or(DEFAULT_SEMI_SYNC_TIMEOUT_MS);
            if c.positive_max(&f("semi_sync_timeout_ms"), ms, MAX_MS) {
                timeout_ns = ms_to_nanos(ms);
            }
        }
        (false, None) => {}
    }
    // The standbys: every region but the primary and the witness.
    let mut standbys = RegionSet::EMPTY;
    for r in 0..n as RegionId {
        if Some(r) != primary && Some(r) != witness {
            standbys.insert(r);
        }
    }
    // A standby named at `field`: its region, or `None` with the problem reported.
    let standby = |c: &mut Checker, field: String, name: &str| -> Option<RegionId> {
        let r = known.region_ref(c, field.clone(), name)?;
        if Some(r) == primary || Some(r) == witness {
            c.bad(
                field,
                format!("`{name}` is the primary or the witness, not a standby"),
            );
            return None;
        }
        Some(r)
    };
    let mut quorum = None;
    if let Some(q) = &ap.sync_quorum {
        if semi {
            no_effect(
                c,
                "sync_quorum",
                "with replication = \"semi-sync\" (it waits for one standby): use replication = \"sync\"",
            );
        }
        let mut of = RegionSet::EMPTY;
        for (j, name) in q.of.iter().enumerate() {
            let field = f(&format!("sync_quorum.of[{j}]"));
            let Some(r) = standby(c, field.clone(), name) else {
                continue;
            };
            if of.contains(r) {
                c.bad(field, format!("`{name}` is listed twice"));
            }
            of.insert(r);
        }
        if q.of.is_empty() {
            c.bad(f("sync_quorum.of"), "must list at least one standby");
        }
        if q.any == 0 {
            c.bad(
                f("sync_quorum.any"),
                "must be at least 1 (0 would wait for no standby: use replication = \"async\")",
            );
        } else if q.any as usize > q.of.len() {
            c.bad(
                f("sync_quorum.any"),
                format!(
                    "must be at most the number of standbys in `of` ({}), got {}",
                    q.of.len(),
                    q.any
                ),
            );
        }
        quorum = Some(SyncQuorum {
            any: q.any.min(u16::MAX as u32) as u16,
            of,
        });
    }
    // The standbys the primary waits for.
    let waited = quorum.map_or(standbys, |q| q.of);
    let default = ap.ack.unwrap_or(if semi {
        AckSpec::Flushed
    } else {
        AckSpec::Applied
    });
    let mut acks = vec![ack(default); n];
    for (name, &a) in &ap.standby_ack {
        let Some(r) = standby(c, f(&format!("standby_ack.{name}")), name) else {
            continue;
        };
        if !waited.contains(r) {
            no_effect(
                c,
                &format!("standby_ack.{name}"),
                "for a standby outside sync_quorum.of (it replicates asynchronously)",
            );
        }
        acks[r as usize] = ack(a);
    }
    let uses = |m: Ack| waited.iter().any(|s| acks[s as usize] == m);
    let flushes = uses(Ack::Flushed) || uses(Ack::Applied);
    let mut ns = |field: &str, v: Option<f64>, default: f64, used: bool, what: &str| match v {
        Some(_) if !used => {
            no_effect(
                c,
                field,
                &format!("when no waited-for standby acknowledges {what}"),
            );
            0
        }
        Some(ms) if c.non_negative(&f(field), ms) => ms_to_nanos(ms),
        Some(_) => 0,
        None => ms_to_nanos(default),
    };
    let flush_ns = ns(
        "flush_ms",
        ap.flush_ms,
        DEFAULT_FLUSH_MS,
        flushes,
        "after a flush (flushed or applied)",
    );
    let apply_ns = ns(
        "apply_ms",
        ap.apply_ms,
        DEFAULT_APPLY_MS,
        uses(Ack::Applied),
        "after applying (applied)",
    );
    if c.problems.len() != before {
        return None;
    }
    Some(Modes {
        replication: if semi {
            Replication::SemiSync { timeout_ns }
        } else {
            Replication::Sync
        },
        ack: acks,
        flush_ns,
        apply_ns,
        sync_quorum: quorum,
    })
}
