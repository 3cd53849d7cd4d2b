//! `Reports`: which strategy-reported figures a strategy produces (conflicts, lost updates,
//! RPO, split brain and its writes, catch-up, migrations), so that the report shows the others
//! as `null` (`n/a`), never 0. A strategy from outside geosim declares it
//! (`Strategy::reports`); the built-in kinds' rule is `report::applies`.
//!
//! Must not import anything.

/// The strategy-reported figures a strategy produces: what a strategy from outside geosim
/// says (`Strategy::reports`; docs/extending.md), and for the built-in ones the rule written
/// once in `report::applies`. Each figure a strategy does not produce is `null` in its report.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Reports {
    /// Conflicts (`ctx.conflict`): `consistency.conflicts`, `conflict_rate`.
    pub conflicts: bool,
    /// Lost updates (`ctx.lost_update`): `consistency.lost_updates`, per region.
    pub lost_updates: bool,
    /// Acknowledged writes lost to faults (`ctx.acked`, `ctx.write_lost`): `rpo` and the
    /// per-fault lost writes.
    pub rpo: bool,
    /// Two primaries or leaders at once (`split_brain.seconds`).
    pub split_brain: bool,
    /// Writes taken and lost in a split brain (`split_brain.writes`, `lost_writes`).
    pub split_brain_writes: bool,
    /// A region back from an outage catching up (`ctx.caught_up`): `faults[].catch_up_s`.
    pub catch_up: bool,
    /// Data moving between homes (`Strategy::migrations`): `migration`.
    pub migrations: bool,
}

impl Reports {
    /// Every figure (the default).
    pub const ALL: Reports = Reports {
        conflicts: true,
        lost_updates: true,
        rpo: true,
        split_brain: true,
        split_brain_writes: true,
        catch_up: true,
        migrations: true,
    };
    /// None of them: a strategy with one writer per key that loses no acknowledged write.
    pub const NONE: Reports = Reports {
        conflicts: false,
        lost_updates: false,
        rpo: false,
        split_brain: false,
        split_brain_writes: false,
        catch_up: false,
        migrations: false,
    };
}
