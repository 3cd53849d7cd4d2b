//! Tests of the run metrics: stale reads judged against the snapshot at issue, the newest
//! acknowledged versions freed at close, and the per-region latency folded into the overall
//! distributions at close.
//!
//! Test-only.

use super::*;

#[test]
fn stale_read_is_judged_against_the_snapshot_at_issue() {
    let mut m = RunMetrics::new(1, 4);
    let v1 = Version {
        stamp: 1,
        origin: 0,
    };
    let v2 = Version {
        stamp: 2,
        origin: 0,
    };
    m.issued(OpKind::Write, 2);
    m.completed(
        0,
        2,
        SimTime(0),
        SimTime(10),
        Expect::NONE,
        Outcome::Write(v2),
    );
    // A read issued now expects v2; returning v1 is stale, v2 is not.
    let e = m.issued(OpKind::Read, 2);
    assert_eq!(e.version, v2);
    assert_eq!(e.acked_at, SimTime(10));
    m.completed(0, 2, SimTime(10), SimTime(20), e, Outcome::Read(v1));
    m.completed(0, 2, SimTime(10), SimTime(20), e, Outcome::Read(v2));
    assert_eq!(m.stale_reads, 1);
    assert_eq!(m.reads, 1);
    // A write acknowledged with an older version does not lower the bar.
    m.completed(
        0,
        2,
        SimTime(0),
        SimTime(30),
        Expect::NONE,
        Outcome::Write(v1),
    );
    assert_eq!(m.issued(OpKind::Read, 2).version, v2);
    // Both reads began 0 ms after the acknowledgement: bucket 0, one of two consistent.
    assert_eq!(m.visibility[0], [2, 1]);
    assert_eq!(m.staleness.count(), 1);
}

/// `close` frees the newest acknowledged version per key; reads issued after it expect
/// nothing and writes completed after it are still counted, without a panic.
#[test]
fn close_frees_the_newest_acknowledged_versions() {
    let mut m = RunMetrics::new(1, 4);
    let v = Version {
        stamp: 1,
        origin: 0,
    };
    m.completed(
        0,
        3,
        SimTime(0),
        SimTime(5),
        Expect::NONE,
        Outcome::Write(v),
    );
    assert_eq!(m.issued(OpKind::Read, 3).version, v);
    m.close(SimTime(10));
    assert_eq!(m.newest_acked.capacity(), 0);
    assert_eq!(m.issued(OpKind::Read, 3), Expect::NONE);
    m.completed(
        0,
        3,
        SimTime(10),
        SimTime(15),
        Expect::NONE,
        Outcome::Write(v),
    );
    assert_eq!(m.write.count(), 1);
    assert_eq!(m.per_region[0][1].count(), 2);
}

/// `read` and `write` are the per-region histograms added up at `close` (once), the same
/// as recording every latency in one histogram directly; and operations land in the
/// timeline bucket of their issue time whatever the order of lookups.
#[test]
fn overall_latency_is_the_per_region_latency_added_up_at_close() {
    let mut m = RunMetrics::with_run(3, 10, 5_000_000_000, &[], 0);
    let (mut reads, mut writes) = (LatencyStat::new(), LatencyStat::new());
    let mut x: u64 = 5;
    let v = Version {
        stamp: 1,
        origin: 0,
    };
    let mut per_bucket = [0u64; 5];
    for i in 0..30_000u64 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let start = SimTime((x >> 33) % 5_000_000_000);
        let now = SimTime(start.as_nanos() + (x >> 40));
        let client = (i % 3) as RegionId;
        let outcome = if i % 4 == 0 {
            writes.record(now.saturating_since(start));
            Outcome::Write(v)
        } else {
            reads.record(now.saturating_since(start));
            Outcome::Read(v)
        };
        per_bucket[(start.as_nanos() / 1_000_000_000) as usize] += 1;
        m.completed(client, 1, start, now, Expect::NONE, outcome);
    }
    assert_eq!(m.read.count(), 0, "filled at close");
    m.close(SimTime(6_000_000_000));
    m.close(SimTime(6_000_000_000));
    for (got, want) in [(&m.read, &reads), (&m.write, &writes)] {
        assert_eq!(got.count(), want.count());
        assert_eq!(got.mean_ms().to_bits(), want.mean_ms().to_bits());
        assert_eq!(got.max_ms(), want.max_ms());
        for q in [0.0, 0.5, 0.9, 0.99, 0.999, 1.0] {
            assert_eq!(got.quantile_ms(q).to_bits(), want.quantile_ms(q).to_bits());
        }
    }
    assert_eq!(m.bucket_ns, 1_000_000_000);
    let got: Vec<u64> = m.timeline.iter().map(|b| b.succeeded).collect();
    assert_eq!(got, per_bucket);
}

/// The bucket of a read's age is the last age of the table at or below it (a count of the ages
/// at or below it, minus one), from 0 to past the last age.
#[test]
fn the_age_bucket_is_the_last_age_at_or_below() {
    let mut ages: Vec<u64> = (0..=6_000).collect();
    ages.extend([10_000, 1 << 40, u64::MAX]);
    for ms in ages {
        let count = VISIBILITY_AGES_MS.iter().filter(|&&t| t <= ms).count();
        assert_eq!(age_bucket(ms), count - 1, "{ms} ms");
    }
    assert_eq!(age_bucket(1_999), 10);
    assert_eq!(age_bucket(2_000), 11);
}
