//! Replication in `consensus`: the leader appends client writes and ships entries to the
//! members (`Append`), counts acknowledgements into a commit index, applies and acknowledges;
//! followers fit what they receive, ask for resends (`AppendNack`) and apply committed
//! entries in log order. A member refuses an `Append` or a `Snapshot` of an older term
//! (`refuse_stale`).
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use super::log::{Batch, Data, Fit};
use super::{CMsg, Consensus, Cx, Role, COMPACT_EVERY, GAP_NACK_NS, MAX_BATCH, NONE};
use crate::strategy::{replica, OpId, Outcome, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::Key;

impl Consensus {
    /// The leader `l` appends a client write and replicates it.
    pub(super) fn append_write(
        &mut self,
        ctx: &mut Cx<'_>,
        l: RegionId,
        op: OpId,
        key: Key,
        bytes: u32,
        reply_to: RegionId,
    ) {
        let data = Data {
            key,
            bytes,
            op,
            reply_to,
            origin: l,
            write: true,
            acked_at: SimTime::MAX,
        };
        self.create(l, data);
        self.logged_writes += 1;
        self.replicate_all(ctx, l, false);
        self.advance_commit(ctx, l);
    }

    pub(super) fn replicate_all(&mut self, ctx: &mut Cx<'_>, l: RegionId, probe: bool) {
        for i in 0..self.cfg.members.len() {
            let m = self.cfg.members[i];
            if m != l {
                self.replicate(ctx, l, m, probe);
            }
        }
    }

    /// The leader `l` sends member `m` what it has not sent it yet (a snapshot first when
    /// those entries were compacted); with `probe`, at least a heartbeat, answered at once.
    pub(super) fn replicate(&mut self, ctx: &mut Cx<'_>, l: RegionId, m: RegionId, probe: bool) {
        if self.suspects(l, m) {
            return;
        }
        let p = self.pos[m as usize];
        let n = &self.nodes[l as usize];
        let (term, last, commit) = (n.term, n.last(), n.commit);
        // A new leader vouches for nothing until its first entry (`ready`) is committed.
        let vouched = commit >= n.ready;
        let sent = ctx.now();
        let mut next = n.next[p].clamp(1, last + 1);
        let mut probe = probe;
        if next <= last && next <= self.compacted.max(n.base) {
            let index = n.applied;
            let index_term = n.term_at(index).unwrap_or(n.base_term);
            let msg = CMsg::Snapshot {
                term,
                index,
                index_term,
            };
            replica::send_snapshot(ctx, &self.store, l, m, msg);
            self.snapshots += 1;
            next = index + 1;
            probe = false;
        }
        if next > last && probe {
            let msg = CMsg::Append {
                term,
                prev: last,
                prev_term: n.last_term(),
                last,
                entry_term: n.last_term(),
                commit,
                probe,
                vouched,
                sent,
            };
            ctx.send(l, m, msg, HEADER_BYTES);
        }
        while next <= last {
            let prev = next - 1;
            let prev_term = n.term_at(prev).unwrap_or(n.base_term);
            let (r, _) = n.run(next).expect("inside the leader's log");
            let (entry_term, run_end) = n.runs[r];
            let end = run_end.min(last).min(next + MAX_BATCH - 1);
            let value: u64 = (next..=end)
                .map(|i| self.data(i, entry_term).map_or(0, |d| d.bytes as u64))
                .sum();
            // The values it carries (residency): one write's as the whole message, or each
            // write of a batch with its own value size.
            let single = self
                .data(end, entry_term)
                .filter(|d| d.write && next == end)
                .map(|d| d.key);
            let msg = CMsg::Append {
                term,
                prev,
                prev_term,
                last: end,
                entry_term,
                commit,
                probe,
                vouched,
                sent,
            };
            match single {
                Some(key) => ctx.send_data(l, m, key, msg, HEADER_BYTES + value),
                None => {
                    ctx.send(l, m, msg, HEADER_BYTES + value);
                    for i in next..=end {
                        if let Some(d) = self.data(i, entry_term).filter(|d| d.write) {
                            ctx.carries(l, m, d.key, d.bytes as u64);
                        }
                    }
                }
            }
            probe = false;
            next = end + 1;
        }
        self.nodes[l as usize].next[p] = next;
    }

    /// The leader `l` commits what a majority holds, applies it and acknowledges the writes
    /// of its term.
    pub(super) fn advance_commit(&mut self, ctx: &mut Cx<'_>, l: RegionId) {
        let n = &self.nodes[l as usize];
        if n.role != Role::Leader {
            return;
        }
        self.scratch.clear();
        for (p, &m) in self.cfg.members.iter().enumerate() {
            self.scratch
                .push(if m == l { n.last() } else { n.matched[p] });
        }
        self.scratch.sort_unstable_by(|a, b| b.cmp(a));
        let target = self.scratch[self.majority - 1];
        // Raft: only entries of the current term are committed by counting replicas.
        if target <= n.commit || n.term_at(target) != Some(n.term) {
            return;
        }
        let (term, from) = (n.term, n.applied + 1);
        let now = ctx.now();
        for i in from..=target {
            let t = self.nodes[l as usize].term_at(i).expect("in the log");
            let Some(d) = self.data_mut(i, t) else {
                continue;
            };
            if !d.write {
                continue;
            }
            let own = t == term;
            if own {
                d.acked_at = now;
            }
            let d = *d;
            let version = Version {
                stamp: i,
                origin: d.origin,
            };
            self.store.apply(l, d.key, version);
            if own {
                ctx.answer(l, d.reply_to, d.op, Outcome::Write(version));
            }
        }
        let n = &mut self.nodes[l as usize];
        n.commit = target;
        n.applied = target;
        let ready = target >= n.ready && !n.held.is_empty();
        self.commit_rounds += 1;
        let msg = CMsg::Commit {
            term,
            commit: target,
            sent: now,
        };
        for i in 0..self.cfg.members.len() {
            let m = self.cfg.members[i];
            if m != l && !self.suspects(l, m) {
                ctx.send(l, m, msg, HEADER_BYTES);
            }
        }
        if ready {
            self.serve_held(ctx, l);
        }
        if target - self.last_compact >= COMPACT_EVERY {
            self.compact(l);
        }
    }

    /// A follower applies committed entries it holds, in log order, then serves the reads
    /// that were waiting for them.
    pub(super) fn apply_follower(&mut self, ctx: &mut Cx<'_>, at: RegionId) {
        self.check_caught_up(ctx, at);
        let n = &self.nodes[at as usize];
        if n.role == Role::Leader {
            return;
        }
        let limit = n.commit.min(n.verified);
        if limit <= n.applied {
            return;
        }
        let mut applied = n.applied;
        let mut missing = false;
        for i in n.applied + 1..=limit {
            let t = self.nodes[at as usize].term_at(i).expect("verified");
            let Some(&d) = self.data(i, t) else {
                missing = true;
                break;
            };
            if d.write {
                let version = Version {
                    stamp: i,
                    origin: d.origin,
                };
                self.store.apply(at, d.key, version);
                if d.acked_at != SimTime::MAX {
                    ctx.replicated(d.origin, at, d.acked_at);
                }
            }
            applied = i;
        }
        let n = &mut self.nodes[at as usize];
        n.applied = applied;
        if applied >= n.heard.0 {
            n.safe = n.safe.max(n.heard.1);
        }
        self.check_caught_up(ctx, at);
        if missing {
            // The contents were compacted: ask the leader for a snapshot.
            if let Some(l) = self.nodes[at as usize].leader {
                self.nack(ctx, at, l, applied + 1, true);
            }
        }
        self.serve_waiting(ctx, at, applied);
    }

    /// `at` asks the leader `to` to resend from `next` (not the same request twice within
    /// `GAP_NACK_NS`); with `lost`, entries it had acknowledged before are gone (wiped, or
    /// their contents compacted before it applied them).
    pub(super) fn nack(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        to: RegionId,
        next: u64,
        lost: bool,
    ) {
        let now = ctx.now();
        let n = &mut self.nodes[at as usize];
        let lost = lost || n.wiped;
        if n.nack
            .is_some_and(|(x, t)| x == next && now.saturating_since(t) < GAP_NACK_NS)
        {
            return;
        }
        n.nack = Some((next, now));
        let msg = CMsg::AppendNack {
            term: n.term,
            next,
            lost,
        };
        ctx.send(at, to, msg, HEADER_BYTES);
    }

    /// A member refuses a message of the stale leader `from` of an older `term`, telling it
    /// the newer term; returns whether it did.
    pub(super) fn refuse_stale(
        &self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        from: RegionId,
        term: u32,
    ) -> bool {
        let mine = self.nodes[at as usize].term;
        if term < mine {
            let msg = CMsg::AppendNack {
                term: mine,
                next: 0,
                lost: false,
            };
            ctx.send(at, from, msg, HEADER_BYTES);
            return true;
        }
        false
    }

    /// A member receives entries (or a probe) from the leader `from`; `safe` is the time the
    /// leader vouches for once `commit` is applied (`None` before it committed an entry of
    /// its own term).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_append(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        from: RegionId,
        term: u32,
        prev: u64,
        prev_term: u32,
        last: u64,
        entry_term: u32,
        commit: u64,
        probe: bool,
        sent: SimTime,
        safe: Option<SimTime>,
    ) {
        if self.refuse_stale(ctx, at, from, term) {
            return;
        }
        self.follow(ctx, at, from, term);
        let now = ctx.now();
        let n = &mut self.nodes[at as usize];
        let before = n.verified;
        let mut resend = None;
        match n.fit(prev, prev_term, last, entry_term) {
            Fit::Done => resend = n.drain(),
            Fit::Gap => {
                if last > prev {
                    let b = Batch {
                        last,
                        entry_term,
                        prev_term,
                    };
                    let e = n.pending.entry(prev + 1).or_insert(b);
                    if e.last < last {
                        *e = b;
                    }
                }
                if probe {
                    resend = Some(n.last() + 1);
                }
            }
            Fit::Conflict(h) => resend = Some(h),
        }
        n.commit = n.commit.max(commit);
        let missing = n.last() + 1;
        if n.pending
            .first_key_value()
            .is_some_and(|(&f, _)| f > missing)
        {
            // Entries overtaken by later ones arrive soon; one lost to a fault does not.
            let since = match n.gap {
                Some((i, t)) if i == missing => t,
                _ => {
                    n.gap = Some((missing, now));
                    now
                }
            };
            if resend.is_none() && now.saturating_since(since) >= GAP_NACK_NS {
                resend = Some(missing);
            }
        } else {
            n.gap = None;
        }
        if n.verified > 0 {
            n.wiped = false;
        }
        let verified = n.verified;
        if let Some(h) = resend {
            self.nack(ctx, at, from, h, false);
        }
        if verified > before || probe {
            let ack = CMsg::AppendAck {
                term,
                matched: verified,
                sent,
            };
            ctx.send(at, from, ack, HEADER_BYTES);
        }
        if let Some(safe) = safe {
            self.heard_commit(at, commit, safe);
        }
        self.apply_follower(ctx, at);
    }

    /// The leader `at` learns that member `from` matches its log up to `matched`.
    pub(super) fn on_append_ack(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        from: RegionId,
        term: u32,
        matched: u64,
        sent: SimTime,
    ) {
        if self.observe(ctx, at, term) {
            return;
        }
        let p = self.pos[from as usize];
        let n = &self.nodes[at as usize];
        if n.role != Role::Leader || term != n.term || p == NONE {
            return;
        }
        self.renew(at, from, sent);
        let n = &mut self.nodes[at as usize];
        n.matched[p] = n.matched[p].max(matched);
        n.next[p] = n.next[p].max(n.matched[p] + 1);
        self.advance_commit(ctx, at);
        self.transfer_if_caught_up(ctx, at);
    }

    /// The leader `at` is asked by member `from` to resend from `next`.
    pub(super) fn on_append_nack(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        from: RegionId,
        term: u32,
        next: u64,
        lost: bool,
    ) {
        if self.observe(ctx, at, term) {
            return;
        }
        let p = self.pos[from as usize];
        let n = &mut self.nodes[at as usize];
        if n.role != Role::Leader || term != n.term || next == 0 || p == NONE {
            return;
        }
        let next = next.min(n.last() + 1);
        if lost {
            n.matched[p] = n.matched[p].min(next - 1);
        } else if next <= n.matched[p] {
            return; // Overtaken by a later acknowledgement.
        }
        n.next[p] = next;
        self.replicate(ctx, at, from, true);
    }

    /// A member learns the leader `from`'s commit index.
    pub(super) fn on_commit(
        &mut self,
        ctx: &mut Cx<'_>,
        at: RegionId,
        from: RegionId,
        term: u32,
        commit: u64,
        sent: SimTime,
    ) {
        if !self.is_member(at) || term < self.nodes[at as usize].term {
            return;
        }
        self.follow(ctx, at, from, term);
        let n = &mut self.nodes[at as usize];
        n.commit = n.commit.max(commit);
        self.heard_commit(at, commit, sent);
        self.apply_follower(ctx, at);
    }
}
