//! `active-passive`: one primary region takes every write; standbys copy its log.
//!
//! Owns the active-passive replication protocol. Writes are forwarded to the primary, which
//! orders them in one log (`Version::stamp` is the log position). With `Replication::Sync`
//! the primary acknowledges a write only after every standby has applied it; with `Async` it
//! acknowledges at once and ships the write in the background. Reads are served by the
//! client's own region (`ReadFrom::Local`, possibly stale) or by the primary.
//!
//! Must not import the engine, the world, metrics or scenario (serde) types.

use crate::strategy::{Ctx, OpId, Outcome, Request, Strategy, Version, HEADER_BYTES};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};

/// When the primary acknowledges a write.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Replication {
    /// After every standby has applied it.
    Sync,
    /// At once; standbys catch up in the background.
    Async,
}

/// Where reads are served.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ReadFrom {
    /// The client's own region (may be stale).
    Local,
    /// The primary.
    Primary,
}

/// Settings of `active-passive`.
#[derive(Clone, Debug)]
pub struct ActivePassiveConfig {
    /// The region that takes writes.
    pub primary: RegionId,
    /// Sync or async replication.
    pub replication: Replication,
    /// Where reads go.
    pub read_from: ReadFrom,
}

/// Messages of the active-passive protocol.
#[derive(Copy, Clone, Debug)]
pub enum ApMsg {
    /// A client operation forwarded from its region to the primary.
    Forward {
        /// The operation.
        op: OpId,
        /// Read or write.
        kind: OpKind,
        /// The key.
        key: Key,
        /// Value size.
        bytes: u32,
    },
    /// The primary's answer, back to the client's region.
    Done {
        /// The operation.
        op: OpId,
        /// Its result.
        outcome: Outcome,
    },
    /// A log entry shipped to a standby.
    Replicate {
        /// The key.
        key: Key,
        /// Its new version.
        version: Version,
        /// When the primary acknowledged it (`SimTime::MAX` for sync: not yet).
        acked_at: SimTime,
        /// The operation waiting for this standby (sync only).
        op: OpId,
    },
    /// A standby applied a sync write.
    Ack {
        /// The operation.
        op: OpId,
    },
}

#[derive(Copy, Clone, Debug, Default)]
struct Pending {
    remaining: u16,
    reply_to: RegionId,
    version: Version,
}

/// The active-passive strategy's state.
pub struct ActivePassive {
    cfg: ActivePassiveConfig,
    regions: usize,
    keys: usize,
    /// Current version per (region, key), row-major by region.
    store: Vec<Version>,
    log_pos: u64,
    /// Sync writes awaiting standby acks, indexed by `OpId::index`.
    pending: Vec<Pending>,
}

impl ActivePassive {
    /// A fresh store of `keys` keys on `regions` regions.
    pub fn new(cfg: ActivePassiveConfig, regions: usize, keys: u64) -> Self {
        ActivePassive {
            cfg,
            regions,
            keys: keys as usize,
            store: vec![Version::NONE; regions * keys as usize],
            log_pos: 0,
            pending: Vec::new(),
        }
    }

    #[inline]
    fn slot(&self, region: RegionId, key: Key) -> usize {
        region as usize * self.keys + key as usize
    }

    fn apply(&mut self, region: RegionId, key: Key, v: Version) {
        let s = self.slot(region, key);
        if v > self.store[s] {
            self.store[s] = v;
        }
    }

    fn answer(&self, ctx: &mut Ctx<'_, ApMsg, ()>, op: OpId, to: RegionId, outcome: Outcome) {
        let p = self.cfg.primary;
        if to == p {
            ctx.reply(op, outcome);
        } else {
            ctx.send(p, to, ApMsg::Done { op, outcome }, HEADER_BYTES);
        }
    }

    /// The primary executes an operation on behalf of a client in region `origin`.
    fn execute(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ()>,
        origin: RegionId,
        op: OpId,
        kind: OpKind,
        key: Key,
        bytes: u32,
    ) {
        let p = self.cfg.primary;
        match kind {
            OpKind::Read => {
                let v = self.store[self.slot(p, key)];
                self.answer(ctx, op, origin, Outcome::Read(v));
            }
            OpKind::Write => {
                self.log_pos += 1;
                let version = Version {
                    stamp: self.log_pos,
                    origin: p,
                };
                self.apply(p, key, version);
                let wire = HEADER_BYTES + bytes as u64;
                let standbys = (0..self.regions as RegionId).filter(|&r| r != p);
                match self.cfg.replication {
                    Replication::Async => {
                        self.answer(ctx, op, origin, Outcome::Write(version));
                        let acked_at = ctx.now();
                        for s in standbys {
                            let msg = ApMsg::Replicate {
                                key,
                                version,
                                acked_at,
                                op,
                            };
                            ctx.send(p, s, msg, wire);
                        }
                    }
                    Replication::Sync => {
                        if self.regions == 1 {
                            self.answer(ctx, op, origin, Outcome::Write(version));
                            return;
                        }
                        if self.pending.len() <= op.index() {
                            self.pending.resize(op.index() + 1, Pending::default());
                        }
                        self.pending[op.index()] = Pending {
                            remaining: (self.regions - 1) as u16,
                            reply_to: origin,
                            version,
                        };
                        for s in standbys {
                            let msg = ApMsg::Replicate {
                                key,
                                version,
                                acked_at: SimTime::MAX,
                                op,
                            };
                            ctx.send(p, s, msg, wire);
                        }
                    }
                }
            }
        }
    }
}

impl Strategy for ActivePassive {
    type Msg = ApMsg;
    type Timer = ();

    fn on_request(&mut self, ctx: &mut Ctx<'_, ApMsg, ()>, at: RegionId, req: Request) {
        let p = self.cfg.primary;
        let local_read = req.kind == OpKind::Read && self.cfg.read_from == ReadFrom::Local;
        if local_read {
            let v = self.store[self.slot(at, req.key)];
            ctx.reply(req.op, Outcome::Read(v));
        } else if at == p {
            self.execute(ctx, at, req.op, req.kind, req.key, req.bytes);
        } else {
            let msg = ApMsg::Forward {
                op: req.op,
                kind: req.kind,
                key: req.key,
                bytes: req.bytes,
            };
            let wire = HEADER_BYTES + req.bytes as u64;
            ctx.send(at, p, msg, wire);
        }
    }

    fn on_message(
        &mut self,
        ctx: &mut Ctx<'_, ApMsg, ()>,
        at: RegionId,
        from: RegionId,
        msg: ApMsg,
    ) {
        match msg {
            ApMsg::Forward {
                op,
                kind,
                key,
                bytes,
            } => self.execute(ctx, from, op, kind, key, bytes),
            ApMsg::Done { op, outcome } => ctx.reply(op, outcome),
            ApMsg::Replicate {
                key,
                version,
                acked_at,
                op,
            } => {
                self.apply(at, key, version);
                ctx.applied(acked_at);
                if acked_at == SimTime::MAX {
                    ctx.send(at, self.cfg.primary, ApMsg::Ack { op }, HEADER_BYTES);
                }
            }
            ApMsg::Ack { op } => {
                let p = &mut self.pending[op.index()];
                p.remaining -= 1;
                if p.remaining == 0 {
                    let (to, v) = (p.reply_to, p.version);
                    self.answer(ctx, op, to, Outcome::Write(v));
                }
            }
        }
    }
}
