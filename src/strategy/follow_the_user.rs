//! `follow-the-user`: each travelling user's data is homed in one region, the region the user
//! last logged in from (`home = "follow"`), or the user's first home forever (`"fixed"`),
//! and moves with a handoff when the user logs in elsewhere.
//!
//! Owns the follow-the-user protocol and `Migrations` (its figures). Keys of a user
//! (`workload.users`) are served only at the user's home: a read returns the home's copy, a
//! write is applied there (its stamp is the key's newest acknowledged stamp plus one: one
//! writer per key, so stamps strictly increase, also after a loss) and acknowledged at once
//! (filed under a ticket, `replica::AckLog`). No copy is kept anywhere else (no replication:
//! a region outage makes its users' operations fail until it is back). Keys outside every
//! user's range have the fixed home `default_home`.
//!
//! Durability is the home's store's alone. With `recover = "durable"` nothing is lost. A
//! region that comes back empty has lost every write acknowledged into the copies it held
//! since they were last lost (the users homed there, also as the old home of a move in
//! progress, whose shipped handoff died with it; the `default_home` keys): named by ticket,
//! RPO counts those whose answer reached the client, older ones than the window count as
//! acknowledged (`Ctx::data_lost`). Its store is wiped, the stale copies kept from users'
//! earlier stays included (an `eager` read there finds nothing): reads of a lost key return
//! version 0 until it is written again.
//!
//! A request that reaches region `at` for a user homed elsewhere:
//! - `fixed`: is forwarded to the home (header + value for a write), which answers the
//!   client's region (`Done`): the user pays the round trip to the first home.
//! - `follow`, no move in progress: is a login from `at`. `at` claims the user (`Claim`,
//!   header) and parks the operation. The old home, on `Claim`, stops serving the user
//!   (writes and reads forwarded to it from then on go on to `at`) and ships the user's data
//!   (`Handoff`: header + `keys_per_user x value_bytes`, residency counted per key); `at`
//!   takes over when it arrives (a migration), copies the versions and serves what was
//!   parked, in order. Operations that reach the old home before the claim are still served
//!   there (the shipped data includes them). A claim is a request with a timeout: when the
//!   data has not arrived `CLAIM_RETRY_NS` after the claim (the `Claim` or the `Handoff` was
//!   lost to a partition or an outage), `at` fails the operations parked so far (their
//!   clients retry) and sends the `Claim` again, until the data arrives. The old home answers
//!   a repeated claim of the same move by shipping the data again (it stopped serving the
//!   user at the first); a move is named by the user's claim count (`epoch`), so a late
//!   duplicate `Claim` or `Handoff` of a finished move is ignored.
//! - during a move to `at` (`handoff = "safe"`): parked until the data arrives. With
//!   `handoff = "eager"` reads run at once on `at`'s local copy (whatever it kept from an
//!   earlier stay, else nothing), writes still wait: the variant that breaks
//!   read-your-writes.
//! - during a move elsewhere: forwarded to the old home (which serves it or, once it
//!   released the user, forwards it to the new home): no second move starts before the first
//!   ends.
//!
//! A claimant that goes down drops what it parked (in-flight work is lost; the clients time
//! out) and keeps its claim; back up, it sends the claims it still holds again (its retry
//! timers did not fire while it was down).
//!
//! Consistency: one copy per user, so reads at the home see every acknowledged write
//! (linearizable per key); only `eager` reads during a handoff, and reads of writes lost to
//! an empty recovery, can miss one.
//! `ryw_violations` counts the reads of a user's key answered with an older version than the
//! newest write of that key the strategy had acknowledged when it answered
//! (docs/metrics.md#follow-the-user). Messages: a home-served operation none, a forwarded
//! one two (forward + `Done`), a migration two (`Claim` + `Handoff`), two more per lost
//! claim or handoff.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use crate::strategy::replica::{AckLog, CarriesAnswer, RegionStore};
use crate::strategy::{Ctx, OpId, Outcome, Part, Request, Strategy, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};

/// Where a user's data lives.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum HomeMode {
    /// In the region the user last logged in from (migrates with a handoff).
    Follow,
    /// In the user's first home, forever.
    Fixed,
}

/// What the new home does with a user's operations while the data is on its way.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum UserHandoff {
    /// Every operation waits for the data.
    Safe,
    /// Reads run at once on the new home's local copy; writes wait.
    Eager,
}

/// Settings of `follow-the-user`.
#[derive(Clone, Debug)]
pub struct FollowTheUserConfig {
    /// Follow the user or keep the first home.
    pub mode: HomeMode,
    /// Safe or eager handoff (follow only).
    pub handoff: UserHandoff,
    /// First user key.
    pub key_offset: u64,
    /// Keys per user.
    pub keys_per_user: u32,
    /// Each user's first home (index = user).
    pub homes: Vec<RegionId>,
    /// Home of every key outside the users' ranges.
    pub default_home: RegionId,
    /// Every region a user can be in (sorted; cost footprint).
    pub user_regions: Vec<RegionId>,
    /// Bytes of one user value (a handoff ships `keys_per_user` of them).
    pub value_bytes: u32,
}

/// A strategy's migrations over a run (follow-the-user).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Migrations {
    /// Completed handoffs.
    pub count: u64,
    /// Handoff bytes on the wire per ordered region pair (`from * n + to`).
    pub bytes: Vec<u64>,
    /// Reads of a user's key answered older than its newest acknowledged write.
    pub ryw_violations: u64,
}

/// A claim whose data has not arrived after this long is sent again (and what waited for it
/// fails), ns: the claimant's request timeout, as `follow-the-sun`'s handoff retry.
pub const CLAIM_RETRY_NS: u64 = 2_000_000_000;

/// Messages of follow-the-user.
#[derive(Copy, Clone, Debug)]
pub enum FuMsg {
    /// An operation sent on towards the user's home.
    Forward(Request),
    /// The answer, back to the client's region.
    Done {
        /// The operation.
        op: OpId,
        /// Its result.
        outcome: Outcome,
    },
    /// The sender claims `user` (the user logged in there).
    Claim {
        /// The user.
        user: u32,
        /// The move: the user's claim count.
        epoch: u32,
    },
    /// The user's data, shipped to the claimant.
    Handoff {
        /// The user.
        user: u32,
        /// The move it answers.
        epoch: u32,
    },
}

/// Timers of follow-the-user.
#[derive(Copy, Clone, Debug)]
pub enum FuTimer {
    /// The claim of move `epoch` of `user` may have been lost: check, fail what waited and
    /// claim again.
    ClaimRetry {
        /// The user.
        user: u32,
        /// The move.
        epoch: u32,
    },
}

impl CarriesAnswer for FuMsg {
    fn done(op: OpId, outcome: Outcome) -> Self {
        FuMsg::Done { op, outcome }
    }
}

const NONE: RegionId = RegionId::MAX;

/// The acknowledged writes held by one copy (a user's keys, or the keys of `default_home`)
/// since it was last lost: what an empty recovery of its holder loses.
#[derive(Copy, Clone, Debug, Default)]
struct Held {
    /// The first acknowledgement ticket since the copy was last lost.
    since: u64,
    /// Acknowledged writes since then.
    writes: u64,
    /// When the first of them was acknowledged.
    first: Option<SimTime>,
}

type Cx<'a> = Ctx<'a, FuMsg, FuTimer>;

/// The follow-the-user strategy's state.
pub struct FollowTheUser {
    cfg: FollowTheUserConfig,
    regions: usize,
    /// Versions per (region, key): the home's copy is the user's data.
    store: RegionStore,
    /// The newest acknowledged version per key (for `ryw_violations`; a write's stamp is its
    /// stamp plus one, so versions keep increasing after a loss).
    acked: Vec<Version>,
    /// Every acknowledgement filed with the world (RPO).
    acks: AckLog,
    /// Per user, then the default-home keys: the acknowledged writes their copy holds.
    held: Vec<Held>,
    /// Per user: the region that holds the data (the old home during a move).
    home: Vec<RegionId>,
    /// Per user: the region that claimed the user (`NONE`: no move in progress).
    claimed: Vec<RegionId>,
    /// Per user: whether the old home received the claim and stopped serving the user.
    released: Vec<bool>,
    /// Per user: claims so far (names the move in progress).
    epoch: Vec<u32>,
    /// Per user: when the live claim timeout fires (an earlier timer, re-armed over by a
    /// claim sent again after an outage, finds another instant here and does nothing).
    retry_at: Vec<SimTime>,
    /// Per user: operations parked at the claimant until the data arrives.
    parked: Vec<Vec<Request>>,
    migrations: Migrations,
}

impl FollowTheUser {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(cfg: FollowTheUserConfig, regions: usize, keys: u64) -> Self {
        let users = cfg.homes.len();
        FollowTheUser {
            home: cfg.homes.clone(),
            claimed: vec![NONE; users],
            released: vec![false; users],
            epoch: vec![0; users],
            retry_at: vec![SimTime::ZERO; users],
            parked: vec![Vec::new(); users],
            store: RegionStore::new(regions, keys as usize),
            acked: vec![Version::NONE; keys as usize],
            acks: AckLog::new(),
            held: vec![Held::default(); users + 1],
            migrations: Migrations {
                bytes: vec![0; regions * regions],
                ..Migrations::default()
            },
            cfg,
            regions,
        }
    }

    #[inline]
    fn user_of(&self, key: Key) -> Option<u32> {
        let rel = key.checked_sub(self.cfg.key_offset)?;
        let user = rel / self.cfg.keys_per_user as u64;
        (user < self.home.len() as u64).then_some(user as u32)
    }

    /// The copy `key` belongs to: its user's, else the default home's (index `users`).
    #[inline]
    fn copy_of(&self, key: Key) -> usize {
        self.user_of(key).map_or(self.home.len(), |u| u as usize)
    }

    /// The region that holds copy `c` (`copy_of`): the user's home (the old home during a
    /// move), or `default_home`.
    #[inline]
    fn holder(&self, c: usize) -> RegionId {
        self.home.get(c).copied().unwrap_or(self.cfg.default_home)
    }

    /// Serves `req` of copy `c` at `at`, which holds the data, and answers its client.
    fn serve(&mut self, ctx: &mut Cx<'_>, at: RegionId, req: Request, c: usize) {
        let outcome = match req.kind {
            OpKind::Read => self.read(at, req.key, c < self.home.len()),
            OpKind::Write => {
                // The home's copy is the newest acknowledged one (`acked`), unless it was
                // lost: counting on from `acked` keeps the versions of a key increasing.
                let version = Version {
                    stamp: self.acked[req.key as usize].stamp + 1,
                    origin: at,
                };
                self.store.set(at, req.key, version);
                self.acked[req.key as usize] = version;
                self.acks.ack(ctx, req.op, at, req.key, version, true);
                let held = &mut self.held[c];
                held.writes += 1;
                held.first.get_or_insert(ctx.now());
                Outcome::Write(version)
            }
        };
        ctx.answer(at, req.client, req.op, outcome);
    }

    /// `region` came back without its store: the copies it held are gone, with every write
    /// acknowledged into them since they were last lost (named by ticket; those older than the
    /// window of acknowledgements count as acknowledged). The copies it held as the old home
    /// of a move in progress are lost too (a handoff it had shipped died with it when it went
    /// down; a claim sent again gets the empty copy), and so are the stale copies it kept from
    /// a user's earlier stay (an `eager` read there finds nothing).
    fn lose(&mut self, ctx: &mut Cx<'_>, region: RegionId) {
        let lost: Vec<bool> = (0..self.held.len())
            .map(|c| self.holder(c) == region)
            .collect();
        let named = self.acks.lose(ctx, |t, a| {
            let c = self.copy_of(a.key);
            lost[c] && t >= self.held[c].since
        });
        let (mut writes, mut oldest) = (0, None::<SimTime>);
        let since = self.acks.next_ticket();
        for (h, _) in self.held.iter_mut().zip(&lost).filter(|(_, &l)| l) {
            writes += h.writes;
            oldest = match (oldest, h.first) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            *h = Held {
                since,
                ..Held::default()
            };
        }
        ctx.data_lost(writes.saturating_sub(named), oldest);
        self.store.wipe(region);
    }

    /// A read of `at`'s copy; a read of a user's key (`user`) is checked against the newest
    /// acknowledged write.
    fn read(&mut self, at: RegionId, key: Key, user: bool) -> Outcome {
        let v = self.store.get(at, key);
        if user && v < self.acked[key as usize] {
            self.migrations.ryw_violations += 1;
        }
        Outcome::Read(v)
    }

    /// Sends `req` on from `at` to `to` (a forward carries a written value).
    fn forward(ctx: &mut Cx<'_>, at: RegionId, to: RegionId, req: Request) {
        match req.kind {
            OpKind::Write => ctx.send_data(
                at,
                to,
                req.key,
                FuMsg::Forward(req),
                HEADER_BYTES + req.bytes as u64,
            ),
            OpKind::Read => ctx.send(at, to, FuMsg::Forward(req), HEADER_BYTES),
        }
        ctx.forwarded(req.op, to, Part::WanRequest);
    }

    /// `req` reached `at` (from its client, `login`, or forwarded).
    fn route(&mut self, ctx: &mut Cx<'_>, at: RegionId, req: Request, login: bool) {
        let Some(user) = self.user_of(req.key) else {
            let home = self.cfg.default_home;
            if at == home {
                self.serve(ctx, at, req, self.home.len());
            } else {
                Self::forward(ctx, at, home, req);
            }
            return;
        };
        let u = user as usize;
        let (home, claimed) = (self.home[u], self.claimed[u]);
        if home == at && !self.released[u] {
            self.serve(ctx, at, req, u);
        } else if claimed == at {
            if self.cfg.handoff == UserHandoff::Eager && req.kind == OpKind::Read {
                let outcome = self.read(at, req.key, true);
                ctx.answer(at, req.client, req.op, outcome);
            } else {
                self.parked[u].push(req);
            }
        } else if claimed != NONE || self.cfg.mode == HomeMode::Fixed || !login {
            let to = if self.released[u] { claimed } else { home };
            Self::forward(ctx, at, to, req);
        } else {
            // A login from `at`: claim the user and wait for the data.
            self.claimed[u] = at;
            self.epoch[u] = self.epoch[u].wrapping_add(1);
            self.parked[u].push(req);
            self.claim(ctx, at, user);
        }
    }

    /// `at` sends its claim of `user` to the home and arms the claim's timeout.
    fn claim(&mut self, ctx: &mut Cx<'_>, at: RegionId, user: u32) {
        let u = user as usize;
        let (home, epoch) = (self.home[u], self.epoch[u]);
        ctx.send(at, home, FuMsg::Claim { user, epoch }, HEADER_BYTES);
        ctx.set_timer(at, CLAIM_RETRY_NS, FuTimer::ClaimRetry { user, epoch });
        self.retry_at[u] = ctx.now() + CLAIM_RETRY_NS;
    }

    /// Whether `at` is waiting for the data of move `epoch` of `user`.
    fn waiting(&self, at: RegionId, user: u32, epoch: u32) -> bool {
        let u = user as usize;
        self.claimed.get(u) == Some(&at) && self.epoch[u] == epoch
    }

    /// The old home `at` ships `user`'s data to the claimant `to` (again, for a repeated
    /// claim: the first handoff may have been lost).
    fn ship(&mut self, ctx: &mut Cx<'_>, at: RegionId, to: RegionId, user: u32) {
        let u = user as usize;
        self.released[u] = true;
        let kpu = self.cfg.keys_per_user as u64;
        let value = self.cfg.value_bytes as u64;
        let bytes = HEADER_BYTES + kpu * value;
        let epoch = self.epoch[u];
        ctx.send(at, to, FuMsg::Handoff { user, epoch }, bytes);
        let first = self.cfg.key_offset + user as u64 * kpu;
        for key in first..first + kpu {
            ctx.carries(at, to, key, value);
        }
        self.migrations.bytes[at as usize * self.regions + to as usize] += bytes;
    }

    /// The data of `user` reached the claimant `at` from the old home `from`: `at` is the
    /// home from now on and serves what was parked, in order.
    fn take_over(&mut self, ctx: &mut Cx<'_>, at: RegionId, from: RegionId, user: u32) {
        let u = user as usize;
        let kpu = self.cfg.keys_per_user as u64;
        let first = self.cfg.key_offset + user as u64 * kpu;
        for key in first..first + kpu {
            // The old home stopped writing at the claim: its copy is the newest.
            let v = self.store.get(from, key);
            self.store.set(at, key, v);
        }
        self.home[u] = at;
        self.claimed[u] = NONE;
        self.released[u] = false;
        self.migrations.count += 1;
        let parked = std::mem::take(&mut self.parked[u]);
        for req in &parked {
            self.route(ctx, at, *req, false);
        }
        self.recycle(u, parked);
    }

    /// Keeps an emptied parking buffer's allocation for the user's next move.
    fn recycle(&mut self, u: usize, mut parked: Vec<Request>) {
        parked.clear();
        if self.parked[u].is_empty() {
            self.parked[u] = parked;
        }
    }
}

impl Strategy for FollowTheUser {
    type Msg = FuMsg;
    type Timer = FuTimer;

    fn on_request(&mut self, ctx: &mut Cx<'_>, at: RegionId, req: Request) {
        self.route(ctx, at, req, true);
    }

    fn on_message(&mut self, ctx: &mut Cx<'_>, at: RegionId, from: RegionId, msg: FuMsg) {
        match msg {
            FuMsg::Forward(req) => self.route(ctx, at, req, false),
            FuMsg::Done { op, outcome } => ctx.reply(op, outcome),
            FuMsg::Claim { user, epoch } => {
                // A claim of the move in progress, at the home that holds the data (a late
                // duplicate of a finished move finds no such move and is dropped).
                if self.waiting(from, user, epoch) && self.home[user as usize] == at {
                    self.ship(ctx, at, from, user);
                }
            }
            FuMsg::Handoff { user, epoch } => {
                if self.waiting(at, user, epoch) && self.home[user as usize] == from {
                    self.take_over(ctx, at, from, user);
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Cx<'_>, at: RegionId, timer: FuTimer) {
        let FuTimer::ClaimRetry { user, epoch } = timer;
        if !self.waiting(at, user, epoch) || self.retry_at[user as usize] != ctx.now() {
            return;
        }
        // The claim or its data was lost: what waited fails (its clients retry), and the
        // claim goes out again.
        let u = user as usize;
        let parked = std::mem::take(&mut self.parked[u]);
        for req in &parked {
            ctx.answer(at, req.client, req.op, Outcome::Failed);
        }
        self.recycle(u, parked);
        self.claim(ctx, at, user);
    }

    fn on_region_down(&mut self, _ctx: &mut Cx<'_>, region: RegionId) {
        // The operations parked there are in-flight work: lost (their clients time out).
        for (u, &claimant) in self.claimed.iter().enumerate() {
            if claimant == region {
                self.parked[u].clear();
            }
        }
    }

    fn on_region_up(&mut self, ctx: &mut Cx<'_>, region: RegionId, empty: bool) {
        if empty {
            self.lose(ctx, region);
        }
        // Its claim timers did not fire while it was down: claim again what it still waits for.
        for user in 0..self.claimed.len() {
            if self.claimed[user] == region {
                self.claim(ctx, region, user as u32);
            }
        }
    }

    fn extra(&self) -> Vec<(&'static str, f64)> {
        Vec::new()
    }

    fn migrations(&self) -> Option<Migrations> {
        Some(self.migrations.clone())
    }
}
