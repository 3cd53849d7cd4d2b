//! Integration tests of geosim, as one binary: behaviour of strategies against invariants and
//! closed forms, the network's physical limit, the command line on good and bad input, and
//! determinism.

mod accounting;
mod bad_input;
mod breaker;
mod charts;
mod check;
mod common;
mod cost;
mod determinism;
mod failback;
mod faults;
mod generated;
mod hostile;
mod html;
mod layering;
mod network;
mod noops;
mod probes;
mod progress;
mod rpo;
mod schema;
mod strategies;
mod sweep;
mod sweep_guard;
