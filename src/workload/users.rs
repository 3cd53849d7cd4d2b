//! Travelling users (`[workload.users]`): a population of users, each with a home region and
//! keys of their own, who travel during the run and issue every operation from the region
//! they are in.
//!
//! Owns `Users` (the validated section), `Trip` (one stay away from home: which region, from
//! when to when), the seeded expansion of `travel_fraction` into trips (`Users::itinerary`,
//! from the run's own `Stream::Users(0)`) and `UserGen`, the generator of the users'
//! operations (Poisson arrivals at `rate_rps` over all users, a user drawn uniformly, one of
//! the user's keys uniformly, read or write; `Stream::Users(1)`). User `u` owns keys
//! `key_offset + u * keys_per_user ..` (`keys_per_user` of them), after every client group's
//! range; nobody else writes them, so a read of one that misses the user's newest
//! acknowledged write breaks read-your-writes. Where a user is at time `t`: the destination
//! of the trip with `depart <= t < back`, else the user's home.
//!
//! Must not import the engine, strategies, metrics or scenario (serde) types.

use rand::RngExt;
use rand_distr::{Distribution, Exp};

use super::{Key, OpDraw, OpKind};
use crate::rng::{stream, SimRng, Stream};
use crate::time::secs_to_nanos;
use crate::topology::RegionId;

/// Most users a scenario may have.
pub const MAX_USERS: u32 = 1_000_000;
/// Most keys one user may own.
pub const MAX_KEYS_PER_USER: u32 = 1024;
/// Most trips a scenario may list.
pub const MAX_TRIPS: usize = 100_000;

/// One stay of a user away from home: in region `to` from `depart_ns` until `back_ns`
/// (`u64::MAX`: not back within the run).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Trip {
    /// The user.
    pub user: u32,
    /// When the user arrives in `to`, ns since the start of the run.
    pub depart_ns: u64,
    /// When the user is back home, ns (`u64::MAX`: never).
    pub back_ns: u64,
    /// Where the user stays.
    pub to: RegionId,
}

/// The seeded schedule of trips: each user travels with probability `fraction`, once, at a
/// time uniform over the run, to a region drawn uniformly from `destinations` other than
/// the user's home, for `stay_ns`.
#[derive(Clone, Debug, PartialEq)]
pub struct Travel {
    /// Share of users who travel, [0, 1].
    pub fraction: f64,
    /// Length of a stay, ns.
    pub stay_ns: u64,
    /// Where travellers go (sorted, unique).
    pub destinations: Vec<RegionId>,
}

/// The validated `[workload.users]` section.
#[derive(Clone, Debug, PartialEq)]
pub struct Users {
    /// Keys per user (>= 1).
    pub keys_per_user: u32,
    /// The first user key; user `u` owns `key_offset + u * keys_per_user ..`.
    pub key_offset: u64,
    /// Mean operations per second over all users (Poisson).
    pub rate_rps: f64,
    /// Share of reads, [0, 1].
    pub read_fraction: f64,
    /// Bytes per written value.
    pub value_bytes: u32,
    /// Each user's home region (index = user; its length is the user count).
    pub homes: Vec<RegionId>,
    /// Listed trips, sorted by (user, depart); a user's trips do not overlap.
    pub trips: Vec<Trip>,
    /// The seeded schedule, for users without listed trips.
    pub travel: Option<Travel>,
}

impl Users {
    /// Number of users.
    pub fn count(&self) -> u32 {
        self.homes.len() as u32
    }

    /// Keys the users own together.
    pub fn keys(&self) -> u64 {
        self.count() as u64 * self.keys_per_user as u64
    }

    /// The user who owns `key`, if any.
    #[inline]
    pub fn user_of(&self, key: Key) -> Option<u32> {
        let rel = key.checked_sub(self.key_offset)?;
        (rel < self.keys()).then(|| (rel / self.keys_per_user as u64) as u32)
    }

    /// Every region a user can be in (homes, listed and possible seeded destinations),
    /// sorted and unique.
    pub fn regions(&self) -> Vec<RegionId> {
        let mut r: Vec<RegionId> = self.homes.clone();
        r.extend(self.trips.iter().map(|t| t.to));
        if let Some(t) = &self.travel {
            if t.fraction > 0.0 {
                r.extend(&t.destinations);
            }
        }
        r.sort_unstable();
        r.dedup();
        r
    }

    /// Every trip of the run with seed `seed` whose client load lasts `duration_ns`: the
    /// listed ones, and for the other users the seeded schedule; sorted by (user, depart).
    pub fn itinerary(&self, seed: u64, duration_ns: u64) -> Vec<Trip> {
        let mut trips = self.trips.clone();
        if let Some(t) = self.travel.as_ref().filter(|t| t.fraction > 0.0) {
            let mut rng = stream(seed, Stream::Users(0));
            let mut listed = self.trips.iter().map(|t| t.user).peekable();
            for (u, &home) in self.homes.iter().enumerate() {
                let u = u as u32;
                // Every user takes the same draws, so one user's trip does not depend on
                // whether another travels.
                let (go, at, pick) = (
                    rng.random::<f64>(),
                    rng.random::<f64>(),
                    rng.random::<f64>(),
                );
                while listed.next_if(|&l| l < u).is_some() {}
                if listed.peek() == Some(&u) || go >= t.fraction {
                    continue;
                }
                let away: Vec<RegionId> = t
                    .destinations
                    .iter()
                    .copied()
                    .filter(|&d| d != home)
                    .collect();
                if away.is_empty() {
                    continue;
                }
                let to = away[((pick * away.len() as f64) as usize).min(away.len() - 1)];
                let depart_ns = ((at * duration_ns as f64) as u64).min(duration_ns);
                trips.push(Trip {
                    user: u,
                    depart_ns,
                    back_ns: depart_ns.saturating_add(t.stay_ns),
                    to,
                });
            }
            trips.sort_unstable();
        }
        trips
    }
}

/// The seeded generator of the users' operations.
#[derive(Clone, Debug)]
pub struct UserGen {
    rng: SimRng,
    gap: Exp<f64>,
    keys_per_user: u32,
    key_offset: u64,
    read_fraction: f64,
    value_bytes: u32,
    homes: Vec<RegionId>,
    trips: Vec<Trip>,
    /// Index of each user's first trip in `trips` (`count + 1` entries).
    first: Vec<u32>,
}

impl UserGen {
    /// The generator of a run with seed `seed` whose client load lasts `duration_ns`.
    pub fn new(seed: u64, users: &Users, duration_ns: u64) -> UserGen {
        let trips = users.itinerary(seed, duration_ns);
        let mut first = vec![0u32; users.homes.len() + 1];
        for t in &trips {
            first[t.user as usize + 1] += 1;
        }
        for u in 0..users.homes.len() {
            first[u + 1] += first[u];
        }
        UserGen {
            rng: stream(seed, Stream::Users(1)),
            gap: Exp::new(users.rate_rps).expect("validated rate"),
            keys_per_user: users.keys_per_user,
            key_offset: users.key_offset,
            read_fraction: users.read_fraction,
            value_bytes: users.value_bytes,
            homes: users.homes.clone(),
            trips,
            first,
        }
    }

    /// The time of the next arrival after `now` (ns since the run started).
    #[inline]
    pub fn next_arrival(&mut self, now: u64) -> u64 {
        now.saturating_add(secs_to_nanos(self.gap.sample(&mut self.rng)).max(1))
    }

    /// Where user `user` is at `t` (ns since the run started).
    #[inline]
    pub fn region_at(&self, user: u32, t: u64) -> RegionId {
        let (a, b) = (
            self.first[user as usize] as usize,
            self.first[user as usize + 1] as usize,
        );
        self.trips[a..b]
            .iter()
            .find(|trip| trip.depart_ns <= t && t < trip.back_ns)
            .map_or(self.homes[user as usize], |trip| trip.to)
    }

    /// The next operation at `now`, and the region it is issued from.
    #[inline]
    pub fn next_op(&mut self, now: u64) -> (OpDraw, RegionId) {
        let n = self.homes.len() as u64;
        let user = self.rng.random_range(0..n) as u32;
        let key = self.key_offset
            + user as u64 * self.keys_per_user as u64
            + self.rng.random_range(0..self.keys_per_user as u64);
        let read = self.rng.random::<f64>() < self.read_fraction;
        let draw = OpDraw {
            kind: if read { OpKind::Read } else { OpKind::Write },
            key,
            bytes: if read { 0 } else { self.value_bytes },
        };
        (draw, self.region_at(user, now))
    }

    /// Bytes per written value.
    pub fn value_bytes(&self) -> u32 {
        self.value_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(count: usize, fraction: f64) -> Users {
        Users {
            keys_per_user: 4,
            key_offset: 100,
            rate_rps: 1000.0,
            read_fraction: 0.5,
            value_bytes: 256,
            homes: (0..count).map(|u| (u % 2) as RegionId).collect(),
            trips: vec![Trip {
                user: 1,
                depart_ns: 5,
                back_ns: 10,
                to: 2,
            }],
            travel: Some(Travel {
                fraction,
                stay_ns: 1_000,
                destinations: vec![0, 1, 2],
            }),
        }
    }

    #[test]
    fn keys_map_to_their_owner() {
        let u = users(3, 0.0);
        assert_eq!(u.user_of(99), None);
        assert_eq!(u.user_of(100), Some(0));
        assert_eq!(u.user_of(103), Some(0));
        assert_eq!(u.user_of(104), Some(1));
        assert_eq!(u.user_of(111), Some(2));
        assert_eq!(u.user_of(112), None);
    }

    #[test]
    fn listed_trips_place_the_user() {
        let g = UserGen::new(1, &users(3, 0.0), 100);
        assert_eq!(g.region_at(1, 4), 1);
        assert_eq!(g.region_at(1, 5), 2);
        assert_eq!(g.region_at(1, 9), 2);
        assert_eq!(g.region_at(1, 10), 1);
        assert_eq!(g.region_at(0, 7), 0);
    }

    #[test]
    fn the_seeded_share_of_travellers_matches_the_fraction() {
        // 20000 users, 30 % travel: binomial, sd = sqrt(20000 * 0.3 * 0.7) = 65; 5 sd = 324.
        let u = users(20_000, 0.3);
        let trips = u.itinerary(7, 1_000_000);
        let seeded: Vec<&Trip> = trips.iter().filter(|t| t.user != 1).collect();
        assert!(
            (seeded.len() as f64 - 0.3 * 19_999.0).abs() < 324.0,
            "{}",
            seeded.len()
        );
        for t in &seeded {
            assert_ne!(t.to, u.homes[t.user as usize], "a trip leaves home");
            assert!(t.depart_ns <= 1_000_000);
            assert_eq!(t.back_ns, t.depart_ns + 1_000);
        }
        // The listed user keeps its own trip only.
        assert_eq!(trips.iter().filter(|t| t.user == 1).count(), 1);
        assert_eq!(trips, u.itinerary(7, 1_000_000), "seeded");
        assert_ne!(trips, u.itinerary(8, 1_000_000));
    }

    #[test]
    fn operations_touch_only_the_users_keys_from_where_they_are() {
        let u = users(3, 0.0);
        let mut g = UserGen::new(3, &u, 100);
        let mut reads = 0;
        for _ in 0..10_000 {
            let (op, region) = g.next_op(7);
            let user = u.user_of(op.key).expect("a user key");
            let expect = if user == 1 { 2 } else { u.homes[user as usize] };
            assert_eq!(region, expect);
            reads += (op.kind == OpKind::Read) as u32;
        }
        // Binomial(10000, 0.5): sd 50.
        assert!((reads as f64 - 5000.0).abs() < 250.0, "{reads}");
    }
}
