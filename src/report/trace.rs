//! `trace.json`: traced operations in the Chrome trace event format (opens in Perfetto and
//! chrome://tracing; docs/trace.md).
//!
//! Owns `trace_json`. One process per (strategy, region) named `strategy · region`, one
//! thread per traced operation (so spans nest: an operation's span on its client region,
//! with a child span per latency component where it happened: WAN legs and access at the
//! client, queueing and service at the serving region, replication or cache-miss waits at
//! the region the request was sent on to; the parts of an earlier attempt nested in its
//! retry span), flow arrows where an operation moves between regions, and instant events
//! for fault starts and ends and leadership changes. Times are microseconds (`ts`, `dur`);
//! `args.ns` holds each span's exact length in ns. Events are sorted per track by time.
//!
//! Must not import the engine, the world's internals, the scenario spec or `slo`; no I/O.

use serde_json::{json, Value};

use crate::sim::TracedOp;
use crate::strategy::Part;
use crate::topology::Topology;
use crate::workload::OpKind;

use super::Report;

fn us(ns: u64) -> f64 {
    ns as f64 / 1e3
}

/// The trace of `ops[i]` (strategy `i` of `report`, in its order) as a JSON document.
pub fn trace_json(report: &Report, topo: &Topology, ops: &[Vec<TracedOp>]) -> Value {
    // (pid, tid, ts ns, rank, event): sorted so every track is monotone and parents come
    // before the children that start with them.
    let mut ev: Vec<(u64, u64, u64, u8, Value)> = Vec::new();
    let n = topo.len() as u64;
    let mut flow = 0u64;
    for (si, (s, traced)) in report.strategies.iter().zip(ops).enumerate() {
        let pid = |r: u16| si as u64 * (n + 1) + r as u64 + 1;
        for r in 0..n as u16 {
            let name = format!("{} · {}", s.name, topo.region(r).name);
            let m = json!({"name": "process_name", "ph": "M", "pid": pid(r), "tid": 0, "ts": 0.0, "args": {"name": name}});
            ev.push((pid(r), 0, 0, 0, m));
        }
        for f in &s.faults {
            let start = (f.start_s * 1e9).round() as u64;
            let name = format!("fault start: {} {}", f.kind, f.target);
            let e = json!({"name": name, "cat": "fault", "ph": "i", "s": "g", "pid": pid(0), "tid": 0, "ts": us(start)});
            ev.push((pid(0), 0, start, 4, e));
            if let Some(end) = f.end_s {
                let end = (end * 1e9).round() as u64;
                let name = format!("fault end: {} {}", f.kind, f.target);
                let e = json!({"name": name, "cat": "fault", "ph": "i", "s": "g", "pid": pid(0), "tid": 0, "ts": us(end)});
                ev.push((pid(0), 0, end, 4, e));
            }
        }
        for l in s.leadership.iter().flatten() {
            let Some(r) = topo.find(&l.region) else {
                continue;
            };
            let t = (l.t_s * 1e9).round() as u64;
            let name = format!("leader: {} ({})", l.region, l.reason);
            let e = json!({"name": name, "cat": "leader", "ph": "i", "s": "p", "pid": pid(r), "tid": 0, "ts": us(t)});
            ev.push((pid(r), 0, t, 4, e));
        }
        for op in traced {
            let tid = op.id;
            let kind = if op.kind == OpKind::Read {
                "read"
            } else {
                "write"
            };
            let life = op.end.saturating_since(op.start);
            let mut regions: Vec<u16> = vec![op.client];
            regions.extend(op.segs.iter().map(|g| g.region));
            regions.sort_unstable();
            regions.dedup();
            for &r in &regions {
                let m = json!({"name": "thread_name", "ph": "M", "pid": pid(r), "tid": tid, "ts": 0.0, "args": {"name": format!("op {tid} {kind}")}});
                ev.push((pid(r), tid, 0, 0, m));
            }
            let name = format!(
                "{kind} from {}{}",
                topo.region(op.client).name,
                if op.failed { " (failed)" } else { "" }
            );
            let e = json!({
                "name": name, "cat": "op", "ph": "X", "pid": pid(op.client), "tid": tid,
                "ts": us(op.start.as_nanos()), "dur": us(life),
                "args": {"op": op.id, "strategy": s.name, "ns": life, "failed": op.failed, "attempts": op.attempts},
            });
            ev.push((pid(op.client), tid, op.start.as_nanos(), 1, e));
            // The end of the retry span that holds the earlier attempts' parts.
            let retry_end = op
                .segs
                .iter()
                .find(|g| g.depth == 0 && g.part == Part::Retries)
                .map_or(op.start, |g| g.start + g.ns);
            let top: Vec<_> = op.segs.iter().filter(|g| g.depth == 0).collect();
            for g in &op.segs {
                let (start, mut ns) = (g.start.as_nanos(), g.ns);
                if g.depth == 1 {
                    // Parts of an earlier attempt, cut at its end (a leg attributed in
                    // advance may outlast the attempt's timeout).
                    if g.start >= retry_end {
                        continue;
                    }
                    ns = ns.min(retry_end.saturating_since(g.start));
                }
                let e = json!({
                    "name": g.part.words(), "cat": if g.depth == 0 { "part" } else { "earlier attempt" },
                    "ph": "X", "pid": pid(g.region), "tid": tid, "ts": us(start), "dur": us(ns),
                    "args": {"op": op.id, "strategy": s.name, "part": g.part.key(), "ns": ns, "depth": g.depth,
                             "region": topo.region(g.region).name},
                });
                ev.push((pid(g.region), tid, start, 2 + g.depth, e));
            }
            // Flow arrows where the operation moves from one region to another.
            for w in top.windows(2) {
                let (a, b) = (w[0], w[1]);
                if a.region == b.region {
                    continue;
                }
                flow += 1;
                let (ta, tb) = (a.start.as_nanos(), b.start.as_nanos());
                let s = json!({"name": "message", "cat": "flow", "ph": "s", "id": flow, "pid": pid(a.region), "tid": tid, "ts": us(ta)});
                let f = json!({"name": "message", "cat": "flow", "ph": "f", "bp": "e", "id": flow, "pid": pid(b.region), "tid": tid, "ts": us(tb)});
                ev.push((pid(a.region), tid, ta, 5, s));
                ev.push((pid(b.region), tid, tb, 5, f));
            }
        }
    }
    ev.sort_by_key(|e| (e.0, e.1, e.2, e.3));
    json!({
        "displayTimeUnit": "ms",
        "otherData": {"scenario": report.scenario.name, "seed": report.seed, "generator": "geosim"},
        "traceEvents": ev.into_iter().map(|e| e.4).collect::<Vec<_>>(),
    })
}
