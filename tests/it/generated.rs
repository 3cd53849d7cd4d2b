//! Generated scenarios (issue 13, item 16): a few hundred files from the structure-aware
//! generator the fuzz target uses (`tests/gen`), driven here by proptest's random bytes,
//! through parse + validate + a short run. Each must be refused with exit code 2 or give a
//! report, never panic, and a run must stay under its event bound (the memory bound).

use arbitrary::{Arbitrary, Unstructured};
use proptest::prelude::*;

#[path = "../gen/mod.rs"]
mod gen;

use gen::{exercise, GenFile, Outcome};

fn file(bytes: &[u8]) -> Option<String> {
    GenFile::arbitrary(&mut Unstructured::new(bytes))
        .ok()
        .map(|g| g.toml())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_scenarios_are_refused_or_run_within_bounds(
        bytes in proptest::collection::vec(any::<u8>(), 0..1024)
    ) {
        if let Some(text) = file(&bytes) {
            exercise(&text);
        }
    }
}

#[test]
fn the_generator_reaches_refusals_and_runs() {
    // Deterministic inputs (a xorshift stream): the generator must produce both outcomes,
    // or the property above tests nothing.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut counts = [0usize; 3];
    for _ in 0..200 {
        let bytes: Vec<u8> = (0..512)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 56) as u8
            })
            .collect();
        if let Some(text) = file(&bytes) {
            match exercise(&text) {
                Outcome::Refused => counts[0] += 1,
                Outcome::Skipped => counts[1] += 1,
                Outcome::Ran(_) => counts[2] += 1,
            }
        }
    }
    assert!(counts[0] >= 20, "refused {counts:?}");
    assert!(counts[2] >= 20, "ran {counts:?}");
}
