//! The exact staleness curve (`t_visibility_exact`): outcomes of probe reads issued at fixed
//! delays after sampled writes were acknowledged. Definitions are in docs/metrics.md, "Exact
//! staleness curve".
//!
//! Must not import the engine, the world, strategies' internals, scenario or report types.

/// Per probe delay: how many probes were answered, how many of those returned the probed
/// write's version or a newer one, and how many failed or never got an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeCurve {
    /// The delays, ms, in scenario order (sorted).
    pub delays_ms: Vec<u64>,
    /// Per delay: `[answered, consistent, failed]`.
    pub counts: Vec<[u64; 3]>,
}

impl ProbeCurve {
    /// An empty curve over `delays_ms`.
    pub fn new(delays_ms: &[u64]) -> Self {
        ProbeCurve {
            delays_ms: delays_ms.to_vec(),
            counts: vec![[0; 3]; delays_ms.len()],
        }
    }

    /// The probe at delay index `i` was answered; `consistent`: with the probed write's
    /// version or a newer one.
    #[inline]
    pub fn answered(&mut self, i: usize, consistent: bool) {
        let c = &mut self.counts[i];
        c[0] += 1;
        c[1] += consistent as u64;
    }

    /// The probe at delay index `i` failed (explicit failure, its serving region down, or
    /// no answer by the end of the run).
    #[inline]
    pub fn failed(&mut self, i: usize) {
        self.counts[i][2] += 1;
    }

    /// Share of answered probes at delay index `i` that were consistent (`None` without
    /// answers).
    pub fn p_consistent(&self, i: usize) -> Option<f64> {
        let [n, ok, _] = self.counts[i];
        (n > 0).then(|| ok as f64 / n as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_answers_and_failures_per_delay() {
        let mut c = ProbeCurve::new(&[0, 10]);
        c.answered(0, false);
        c.answered(0, true);
        c.answered(0, true);
        c.failed(0);
        assert_eq!(c.counts, vec![[3, 2, 1], [0, 0, 0]]);
        assert_eq!(c.p_consistent(0), Some(2.0 / 3.0));
        // No answer at 10 ms: not applicable, not 0 and not 1.
        assert_eq!(c.p_consistent(1), None);
    }
}
