//! Chain replication (van Renesse and Schneider, OSDI 2004) as a geosim strategy written
//! outside geosim, run beside the built-in active-passive and quorum strategies on the same
//! scenario and seed.
//!
//! ```text
//! cargo run --release --example chain_replication [SCENARIO] [OUT_DIR]
//! ```
//!
//! (defaults: `examples/chain_replication.toml`, `target/chain-replication`). The walk-through
//! is docs/extending.md.
//!
//! The protocol: regions form a chain `head -> ... -> tail`. A write goes from the client's
//! region to the head, which orders it (a sequence number); every member applies it and passes
//! it on; the tail applies it last and answers the client. Reads go to the tail, which only
//! holds writes that every member holds, so a read never returns a value that could be lost
//! or that a later read could contradict. Faults are out of scope here (no chain
//! reconfiguration): a member that is down stalls the chain, and the clients' timeouts show it.

use std::collections::BTreeMap;

use geosim::strategy::replica::CarriesAnswer;
use geosim::strategy::{Ctx, OpId, Outcome, Reports, Request, Strategy, Version, HEADER_BYTES};
use geosim::topology::RegionId;
use geosim::workload::{Key, OpKind};
use geosim::Setup;
use serde::Deserialize;

/// The `[strategies.params]` of `strategy = "chain"`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainParams {
    /// The chain, head first, tail last (region names of the scenario). Default: every region
    /// in scenario order.
    #[serde(default)]
    pub chain: Option<Vec<String>>,
}

/// The chain's messages (small and `Copy`: they travel inline in the event queue).
#[derive(Copy, Clone, Debug)]
pub enum Msg {
    /// A client's write on its way to the head (`stamp` 0) or down the chain.
    Write {
        op: OpId,
        key: Key,
        bytes: u32,
        client: RegionId,
        stamp: u64,
    },
    /// A client's read on its way to the tail.
    Read {
        op: OpId,
        key: Key,
        client: RegionId,
    },
    /// An answer on its way back to the client's region.
    Done { op: OpId, outcome: Outcome },
}

impl CarriesAnswer for Msg {
    fn done(op: OpId, outcome: Outcome) -> Msg {
        Msg::Done { op, outcome }
    }
}

/// Chain replication over a fixed chain of regions.
pub struct Chain {
    chain: Vec<RegionId>,
    /// Position of each region in the chain (`None`: not a member).
    position: Vec<Option<usize>>,
    /// The head's sequence number (the order of writes).
    next_stamp: u64,
    /// Each region's applied version per key.
    stores: Vec<BTreeMap<Key, Version>>,
    /// Checks of the protocol's own invariants, reported as extra figures.
    acked_before_tail: u64,
    tail_reads_behind: u64,
}

impl Chain {
    /// A chain from its parameters; an unknown or repeated region is an error.
    pub fn new(params: ChainParams, setup: &Setup<'_>) -> Result<Chain, String> {
        let topo = setup.topology;
        let chain: Vec<RegionId> = match params.chain {
            None => (0..topo.len() as RegionId).collect(),
            Some(names) => names
                .iter()
                .map(|n| {
                    topo.find(n)
                        .ok_or_else(|| format!("chain: no region `{n}` in the scenario"))
                })
                .collect::<Result<_, _>>()?,
        };
        if chain.is_empty() {
            return Err("chain: needs at least one region".into());
        }
        let mut position = vec![None; topo.len()];
        for (i, &r) in chain.iter().enumerate() {
            if position[r as usize].replace(i).is_some() {
                return Err(format!(
                    "chain: region `{}` appears twice",
                    topo.region(r).name
                ));
            }
        }
        Ok(Chain {
            chain,
            position,
            next_stamp: 0,
            stores: vec![BTreeMap::new(); topo.len()],
            acked_before_tail: 0,
            tail_reads_behind: 0,
        })
    }

    fn head(&self) -> RegionId {
        self.chain[0]
    }

    fn tail(&self) -> RegionId {
        *self.chain.last().expect("a chain has members")
    }

    fn version(&self, at: RegionId, key: Key) -> Version {
        self.stores[at as usize]
            .get(&key)
            .copied()
            .unwrap_or(Version::NONE)
    }

    /// A write reached member `at`: apply it, then pass it on, or answer from the tail.
    fn write_at(
        &mut self,
        ctx: &mut Ctx<'_, Msg, ()>,
        at: RegionId,
        mut w: (OpId, Key, u32, RegionId, u64),
    ) {
        let (op, key, bytes, client, stamp) = w;
        let stamp = if stamp == 0 {
            self.next_stamp += 1;
            self.next_stamp
        } else {
            stamp
        };
        w.4 = stamp;
        let version = Version {
            stamp,
            origin: self.head(),
        };
        let slot = self.stores[at as usize].entry(key).or_insert(Version::NONE);
        *slot = (*slot).max(version);
        let pos = self.position[at as usize].expect("writes only reach members");
        if at == self.tail() {
            // The invariant chain replication is about: every member holds the write before
            // anyone is told it succeeded.
            if self.chain.iter().any(|&m| self.version(m, key) < version) {
                self.acked_before_tail += 1;
            }
            ctx.answer(at, client, op, Outcome::Write(version));
        } else {
            let next = self.chain[pos + 1];
            let msg = Msg::Write {
                op,
                key,
                bytes,
                client,
                stamp: w.4,
            };
            ctx.send_data(at, next, key, msg, HEADER_BYTES + bytes as u64);
        }
    }
}

impl Strategy for Chain {
    type Msg = Msg;
    type Timer = ();

    fn on_request(&mut self, ctx: &mut Ctx<'_, Msg, ()>, at: RegionId, req: Request) {
        match req.kind {
            OpKind::Write => {
                let head = self.head();
                if at == head {
                    self.write_at(ctx, at, (req.op, req.key, req.bytes, req.client, 0));
                } else {
                    let msg = Msg::Write {
                        op: req.op,
                        key: req.key,
                        bytes: req.bytes,
                        client: req.client,
                        stamp: 0,
                    };
                    ctx.send_data(at, head, req.key, msg, HEADER_BYTES + req.bytes as u64);
                }
            }
            OpKind::Read => {
                let tail = self.tail();
                if at == tail {
                    let v = self.version(at, req.key);
                    ctx.reply(req.op, Outcome::Read(v));
                } else {
                    let msg = Msg::Read {
                        op: req.op,
                        key: req.key,
                        client: req.client,
                    };
                    ctx.send(at, tail, msg, HEADER_BYTES);
                }
            }
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Msg, ()>, at: RegionId, _from: RegionId, msg: Msg) {
        match msg {
            Msg::Write {
                op,
                key,
                bytes,
                client,
                stamp,
            } => self.write_at(ctx, at, (op, key, bytes, client, stamp)),
            Msg::Read { op, key, client } => {
                let v = self.version(at, key);
                if self.chain.iter().any(|&m| self.version(m, key) < v) {
                    self.tail_reads_behind += 1;
                }
                ctx.answer(at, client, op, Outcome::Read(v));
            }
            Msg::Done { op, outcome } => ctx.reply(op, outcome),
        }
    }

    /// One writer per key (the head), acknowledged only once the tail has it, and no fault
    /// handling: conflicts, lost updates, RPO, split brain and catch-up are `n/a`, not 0.
    fn reports(&self) -> Reports {
        Reports::NONE
    }

    fn extra(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("chain_length", self.chain.len() as f64),
            ("acks_before_tail_applied", self.acked_before_tail as f64),
            (
                "tail_reads_of_unreplicated_writes",
                self.tail_reads_behind as f64,
            ),
        ]
    }
}

#[allow(dead_code)] // the integration tests include this file for `Chain` alone
fn main() -> geosim::Result<()> {
    let mut args = std::env::args().skip(1);
    let scenario = args
        .next()
        .unwrap_or_else(|| "examples/chain_replication.toml".into());
    let out = args
        .next()
        .unwrap_or_else(|| "target/chain-replication".into());
    let sim = geosim::Simulation::from_file(&scenario)?.with_strategy("chain", Chain::new)?;
    let report = sim.run()?;
    sim.write(&report, &out)?;
    println!(
        "{} (seed {}, {} simulated s)\n",
        report.scenario.name, report.seed, report.duration_s
    );
    print!("{}", geosim::report::table(&report));
    println!("\nreport: {out}/report.json");
    Ok(())
}
