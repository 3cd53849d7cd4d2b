//! The `follow-the-user` strategy's settings: it needs travelling users
//! (`[workload.users]`), a `handoff` only with `home = "follow"`, and the home of the keys
//! outside the users' ranges.
//!
//! Must not import the engine, the world, metrics or report.

use super::{Checker, Known};
use crate::scenario::spec::{FollowTheUserSpec, UserHandoffSpec, UserHomeSpec};
use crate::strategy::{FollowTheUserConfig, HomeMode, StrategyConfig, UserHandoff};
use crate::workload::{ClientGroup, Users};

/// The config of `strategies[i]` (`f` names its fields); `None` (with problems) when invalid.
pub(super) fn follow_the_user(
    c: &mut Checker,
    f: &dyn Fn(&str) -> String,
    known: &Known,
    groups: &[ClientGroup],
    users: Option<&Users>,
    s: &FollowTheUserSpec,
) -> Option<StrategyConfig> {
    let Some(users) = users else {
        // A [workload.users] section that is there but invalid has problems of its own.
        let invalid = c
            .problems
            .iter()
            .any(|p| p.field.starts_with("workload.users"));
        if !invalid {
            c.bad(
                f("kind"),
                "follow-the-user needs travelling users: add a [workload.users] section",
            );
        }
        return None;
    };
    let mode = match s.home {
        UserHomeSpec::Follow => HomeMode::Follow,
        UserHomeSpec::Fixed => HomeMode::Fixed,
    };
    let handoff = match (s.handoff, mode) {
        (Some(_), HomeMode::Fixed) => {
            c.bad(
                f("handoff"),
                "has no effect with home = \"fixed\": a user's data never moves",
            );
            return None;
        }
        (Some(UserHandoffSpec::Eager), _) => UserHandoff::Eager,
        _ => UserHandoff::Safe,
    };
    let default_home = match &s.default_home {
        Some(name) => known.region_ref(c, f("default_home"), name)?,
        None => groups.first()?.region,
    };
    Some(StrategyConfig::FollowTheUser(FollowTheUserConfig {
        mode,
        handoff,
        key_offset: users.key_offset,
        keys_per_user: users.keys_per_user,
        homes: users.homes.clone(),
        default_home,
        user_regions: users.regions(),
        value_bytes: users.value_bytes,
    }))
}
