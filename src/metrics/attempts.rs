//! What became of the clients' attempts, and what ended each failed operation.
//!
//! Owns `Attempts` (attempts sent, attempts timed out, attempts answered with a failure) and
//! `Failure`, the cause a failed operation is filed under (`Attempts::failed_by`): its last
//! attempt timed out, was answered with a failure or was rejected by a circuit breaker; or
//! the operation was still unfinished when the run ended, or never sent because the run had a
//! million operations in flight. Every failed operation has exactly one cause, so the causes
//! add up to the run's failed operations. Definitions: docs/metrics.md, "Attempts and
//! failures".
//!
//! Must not import the engine, the world, strategies, scenario or report types.

/// Why an operation failed: what ended it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Its last attempt got no answer within `clients.timeout_ms`.
    Timeout = 0,
    /// Its last attempt was answered with a failure (a request shed by a full queue or
    /// bulkhead, a quorum or leader out of reach, a region that cannot serve it).
    FailureAnswer = 1,
    /// Its last attempt was rejected by the client's open circuit breaker (never sent).
    Breaker = 2,
    /// It was still waiting for an answer, or backing off, when the run ended.
    Unfinished = 3,
    /// It was never sent: the run already had a million operations in flight.
    Overload = 4,
}

/// The number of causes (`Failure`).
pub const FAILURES: usize = 5;

/// The clients' attempts of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attempts {
    /// Attempts that left their client: first attempts and retries (an attempt a circuit
    /// breaker rejects never leaves).
    pub sent: u64,
    /// Attempts whose client stopped waiting at `clients.timeout_ms` with no answer.
    pub timed_out: u64,
    /// Attempts answered with a failure.
    pub failure_answers: u64,
    /// Failed operations by cause, indexed by `Failure`.
    pub failed_by: [u64; FAILURES],
}

impl Attempts {
    /// An operation failed for `cause`.
    #[inline]
    pub fn failed(&mut self, cause: Failure) {
        self.failed_by[cause as usize] += 1;
    }

    /// Failed operations filed under `cause`.
    pub fn failed_of(&self, cause: Failure) -> u64 {
        self.failed_by[cause as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cause_has_its_own_count() {
        let mut a = Attempts::default();
        let causes = [
            Failure::Timeout,
            Failure::FailureAnswer,
            Failure::Breaker,
            Failure::Unfinished,
            Failure::Overload,
        ];
        for (i, &c) in causes.iter().enumerate() {
            for _ in 0..=i {
                a.failed(c);
            }
        }
        for (i, &c) in causes.iter().enumerate() {
            assert_eq!(a.failed_of(c), i as u64 + 1, "{c:?}");
        }
    }
}
