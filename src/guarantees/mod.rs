//! Consistency guarantees checked on what clients observed: linearizability of one key's
//! history (`linear`) and the four session guarantees of Terry et al. (`session`).
//!
//! Pure functions and streaming checkers over (invocation, response, version) records: no
//! simulation types, so they are tested against hand-built histories and a brute-force
//! search, and can be fed from any run.
//!
//! Must not import the engine, the world, strategies' internals, metrics, report or scenario
//! types.

pub mod linear;
pub mod session;
