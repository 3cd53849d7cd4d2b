//! Integration tests of geosim, as one binary: behaviour of strategies against invariants and
//! closed forms, the network's physical limit, the command line on good and bad input, and
//! determinism.

mod accounting;
mod advise;
mod applicability;
mod bad_input;
mod breakdown;
mod breaker;
mod charts;
mod check;
mod common;
mod cost;
mod determinism;
mod distributions;
mod extending;
mod failback;
mod faults;
mod generated;
mod hostile;
mod html;
mod layering;
mod linearizability;
mod matrix;
mod network;
mod noops;
mod path_model;
mod patterns;
mod probes;
mod progress;
mod rpo;
mod rpo_client;
mod schema;
mod strategies;
mod sweep;
mod sweep_guard;
mod trace;
