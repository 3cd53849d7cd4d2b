//! Seeded random streams, split by purpose.
//!
//! Owns the one rule for randomness in geosim: every random draw comes from a ChaCha8
//! generator keyed by the run seed and set to a stream number that names its purpose
//! (`Stream`). Streams are independent, so the workload a client group draws does not depend
//! on which strategy runs or how many messages the network carries (common random numbers),
//! and the network's draws (one stream per directed region pair) do not depend on how many
//! client groups draw from the workload streams. Never OS entropy.
//!
//! Must not import any other geosim module.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator used everywhere in geosim.
pub type SimRng = ChaCha8Rng;

/// The purpose of a random stream. Each purpose and index maps to a distinct ChaCha stream.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Arrivals and operation choice of one client group (by index).
    Workload(u32),
    /// Client-to-region access latency of one region (by index).
    Access(u32),
    /// Message latency on the directed pair `(from, to)` of regions.
    Network(u32, u32),
    /// Private draws of one strategy (by index in the scenario).
    Strategy(u32),
    /// Random fault schedule.
    Faults(u32),
    /// Service times of one region's servers.
    Service(u32),
    /// Travelling users: 0 = the seeded trips, 1 = their operations.
    Users(u32),
}

impl Stream {
    /// The 64-bit ChaCha stream number: an 8-bit purpose tag and up to 56 bits of index.
    fn number(self) -> u64 {
        let (tag, a, b): (u64, u64, u64) = match self {
            Stream::Workload(i) => (1, i as u64, 0),
            Stream::Access(i) => (2, i as u64, 0),
            Stream::Network(f, t) => (3, f as u64, t as u64),
            Stream::Strategy(i) => (4, i as u64, 0),
            Stream::Faults(i) => (5, i as u64, 0),
            Stream::Service(i) => (6, i as u64, 0),
            Stream::Users(i) => (7, i as u64, 0),
        };
        (tag << 56) | ((a & 0x0FFF_FFFF) << 28) | (b & 0x0FFF_FFFF)
    }
}

/// The generator for `stream` under run seed `seed`.
pub fn stream(seed: u64, stream: Stream) -> SimRng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream.number());
    rng
}

/// A derived 64-bit seed from a parent seed and a list of integers (SplitMix64 mixing), used
/// where a child run needs its own seed (sweep points and replicas).
pub fn derive_seed(parent: u64, parts: &[u64]) -> u64 {
    let mut x = parent ^ 0x9E37_79B9_7F4A_7C15;
    for &p in parts {
        x = splitmix(x ^ splitmix(p.wrapping_add(0xD1B5_4A32_D192_ED03)));
    }
    splitmix(x)
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let mut x = stream(7, Stream::Workload(0));
        let mut y = stream(7, Stream::Workload(0));
        let mut z = stream(7, Stream::Workload(1));
        let mut w = stream(8, Stream::Workload(0));
        let xs: Vec<u64> = (0..8).map(|_| x.random()).collect();
        let ys: Vec<u64> = (0..8).map(|_| y.random()).collect();
        let zs: Vec<u64> = (0..8).map(|_| z.random()).collect();
        let ws: Vec<u64> = (0..8).map(|_| w.random()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        assert_ne!(xs, ws);
        assert_ne!(
            Stream::Network(1, 2).number(),
            Stream::Network(2, 1).number()
        );
    }

    #[test]
    fn derived_seeds_depend_on_every_part() {
        let s = derive_seed(1, &[2, 3]);
        assert_eq!(s, derive_seed(1, &[2, 3]));
        assert_ne!(s, derive_seed(1, &[3, 2]));
        assert_ne!(s, derive_seed(2, &[2, 3]));
        assert_ne!(s, derive_seed(1, &[2]));
    }
}
