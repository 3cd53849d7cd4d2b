//! Reads at a cache region of `edge-cache`: hits under the TTL, misses that fetch from the
//! origin (concurrent misses coalesced onto one fetch in flight), answers cached unless an
//! invalidation overtook them, invalidations, and stale-if-error while the origin is
//! suspected.
//!
//! A fetch in flight lives in a small pool (`Fetch`: the head of its waiting list, when it was
//! sent, its invalidation floor), as many slots as were ever in flight at once; a dense
//! `regions x keys` table of `u32` names each (region, key)'s slot plus one, 0 when none, so
//! it starts as zeroed memory committed only where a cache ever missed. Coalesced misses wait
//! on an intrusive list threaded through a side table indexed by `OpId::index()`. Links
//! carry the slot and the sequence number of the insertion they point to: a slot that joins
//! another list (its read timed out and the slot was reused, or a retry of the same read came
//! back) gets a new sequence number, so stale links end a walk instead of crossing into
//! another list or looping.
//!
//! Owns the fetch in flight per (region, key), its waiting reads, its invalidation floor and
//! its abandonment (`FETCH_ABANDON_NS`, or at once when the origin becomes suspected). Storage
//! is `lru`'s.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::{EcMsg, EdgeCache};
use crate::strategy::{Ctx, OpId, Outcome, Request, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::Key;

/// "No waiting operation" (a link is `sequence << 32 | slot`).
pub(super) const NO_LINK: u64 = u64::MAX;

/// A fetch unanswered for this long is presumed lost (10 s).
const FETCH_ABANDON_NS: u64 = 10_000_000_000;

/// A fetch in flight for one (region, key).
#[derive(Copy, Clone, Debug)]
pub(super) struct Fetch {
    /// Link to the first waiting operation.
    pub(super) head: u64,
    /// When it was sent.
    pub(super) sent_at: SimTime,
    /// Oldest version it may cache (raised by invalidations that arrive while it is in
    /// flight).
    pub(super) floor: Version,
}

impl EdgeCache {
    /// A read at cache region `at`.
    pub(super) fn cache_read(&mut self, ctx: &mut Ctx<'_, EcMsg, ()>, at: RegionId, req: Request) {
        let now = ctx.now();
        let origin_down = self.suspects.contains(at, self.cfg.origin);
        if let Some(i) = self.lookup(at, req.key) {
            let e = self.entries[i as usize];
            let fresh = now.saturating_since(e.fetched_at) < self.cfg.ttl_ns;
            if fresh || origin_down {
                if fresh {
                    self.hits += 1;
                } else {
                    self.stale_if_error += 1;
                }
                self.touch(at, i);
                ctx.reply(req.op, Outcome::Read(e.version));
                return;
            }
        }
        if origin_down {
            ctx.reply(req.op, Outcome::Failed);
            return;
        }
        self.misses += 1;
        let op = req.op.index();
        if self.wait_next.len() <= op {
            self.wait_next.resize(op + 1, NO_LINK);
            self.wait_id.resize(op + 1, 0);
            self.wait_seq.resize(op + 1, 0);
        }
        self.seq = self.seq.wrapping_add(1);
        self.wait_id[op] = req.op.0;
        self.wait_seq[op] = self.seq;
        let link = (self.seq as u64) << 32 | op as u64;
        let s = self.slot(at, req.key);
        ctx.waiting(req.op, crate::strategy::Part::CacheMiss, self.cfg.origin);
        let new = Fetch {
            head: link,
            sent_at: now,
            floor: Version::NONE,
        };
        match self.fetch_of[s].checked_sub(1) {
            Some(f) => {
                let Fetch { head, sent_at, .. } = self.fetches[f as usize];
                // A fetch lost to a fault is abandoned after FETCH_ABANDON_NS (its clients
                // have timed out long before); later misses start a new one.
                if self.valid(head) && now.saturating_since(sent_at) < FETCH_ABANDON_NS {
                    // Join the fetch in flight, right behind its head.
                    self.coalesced += 1;
                    let h = head as u32 as usize;
                    self.wait_next[op] = self.wait_next[h];
                    self.wait_next[h] = link;
                    return;
                }
                self.fetches[f as usize] = new;
            }
            None => self.begin_fetch(s, new),
        }
        self.wait_next[op] = NO_LINK;
        let msg = EcMsg::Fetch { key: req.key };
        ctx.send(at, self.cfg.origin, msg, HEADER_BYTES);
    }

    /// The origin's answer to a fetch reached cache region `at`.
    pub(super) fn fetched(
        &mut self,
        ctx: &mut Ctx<'_, EcMsg, ()>,
        at: RegionId,
        key: Key,
        v: Version,
    ) {
        // No fetch in flight: an answer to a fetch that was abandoned (a fault).
        let Some(Fetch { head, floor, .. }) = self.end_fetch(at, key) else {
            return;
        };
        if v >= floor {
            self.install(at, key, v, ctx.now());
        }
        let mut link = head;
        while self.valid(link) {
            let op = link as u32 as usize;
            ctx.reply(OpId(self.wait_id[op]), Outcome::Read(v));
            link = self.wait_next[op];
        }
    }

    /// Puts `fetch` in flight for dense slot `s` (which has none), in a free slot of the pool
    /// if there is one.
    pub(super) fn begin_fetch(&mut self, s: usize, fetch: Fetch) {
        let f = match self.fetch_free.pop() {
            Some(f) => {
                self.fetches[f as usize] = fetch;
                f
            }
            None => {
                self.fetches.push(fetch);
                (self.fetches.len() - 1) as u32
            }
        };
        self.fetch_of[s] = f + 1;
    }

    /// Ends the fetch in flight for (`region`, `key`), if any, and returns it.
    pub(super) fn end_fetch(&mut self, region: RegionId, key: Key) -> Option<Fetch> {
        let s = self.slot(region, key);
        let f = self.fetch_of[s].checked_sub(1)?;
        self.fetch_of[s] = 0;
        self.fetch_free.push(f);
        Some(self.fetches[f as usize])
    }

    /// Whether `link` still points to the insertion it was made for.
    #[inline]
    fn valid(&self, link: u64) -> bool {
        link != NO_LINK && self.wait_seq[link as u32 as usize] == (link >> 32) as u32
    }

    /// Abandons `region`'s fetches in flight; with `ctx`, answers their waiting reads from
    /// the cache (stale-if-error) or with a failure.
    pub(super) fn abandon_fetches(
        &mut self,
        mut ctx: Option<&mut Ctx<'_, EcMsg, ()>>,
        region: RegionId,
    ) {
        for key in 0..self.keys as Key {
            let Some(Fetch { head, .. }) = self.end_fetch(region, key) else {
                continue;
            };
            let Some(ctx) = ctx.as_deref_mut() else {
                continue;
            };
            // These reads were misses: not counted again as stale-if-error.
            let outcome = self.lookup(region, key).map_or(Outcome::Failed, |i| {
                Outcome::Read(self.entries[i as usize].version)
            });
            let mut link = head;
            while self.valid(link) {
                let op = link as u32 as usize;
                ctx.reply(OpId(self.wait_id[op]), outcome);
                link = self.wait_next[op];
            }
        }
    }

    /// An invalidation of `key` at `version` reached cache region `at`.
    pub(super) fn invalidated(&mut self, at: RegionId, key: Key, version: Version) {
        if let Some(i) = self.lookup(at, key) {
            if self.entries[i as usize].version < version {
                self.drop_entry(at, key);
            }
        }
        if let Some(f) = self.fetch_of[self.slot(at, key)].checked_sub(1) {
            let floor = &mut self.fetches[f as usize].floor;
            *floor = (*floor).max(version);
        }
    }
}
