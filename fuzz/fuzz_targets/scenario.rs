//! Fuzz target: structure-aware scenarios (`tests/gen`, built by `arbitrary` from libFuzzer's
//! bytes) through parse + validate + a bounded run (docs/fuzzing.md). A panic, an abort, an
//! exit code other than 2 for a refusal or a run beyond its event bound is a crash.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/gen/mod.rs"]
mod gen;

fuzz_target!(|g: gen::GenFile| {
    let text = g.toml();
    gen::exercise(&text);
});
