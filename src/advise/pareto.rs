//! Pareto dominance over objective vectors (every objective: lower is better), the Pareto
//! set, non-dominated sorting into fronts and the crowding distance (NSGA-II) that
//! successive halving uses to cut a front.
//!
//! Owns nothing but these functions on `&[Vec<f64>]`. Must not import any other geosim module.

/// True when `a` dominates `b`: no worse in every objective and better in at least one.
pub fn dominates(a: &[f64], b: &[f64]) -> bool {
    let mut better = false;
    for (x, y) in a.iter().zip(b) {
        if x > y {
            return false;
        }
        if x < y {
            better = true;
        }
    }
    better
}

/// The indices of the points no other point dominates, in index order.
pub fn pareto_set(points: &[Vec<f64>]) -> Vec<usize> {
    (0..points.len())
        .filter(|&i| !points.iter().any(|p| dominates(p, &points[i])))
        .collect()
}

/// The front of every point: 0 for the Pareto set, 1 for the Pareto set of the rest, and so
/// on (Deb's fast non-dominated sort).
pub fn fronts(points: &[Vec<f64>]) -> Vec<usize> {
    let n = points.len();
    let mut dominated_by = vec![0usize; n];
    let mut dominates_list: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        for j in 0..n {
            if i != j && dominates(&points[i], &points[j]) {
                dominates_list[i].push(j);
                dominated_by[j] += 1;
            }
        }
    }
    let mut rank = vec![usize::MAX; n];
    let mut current: Vec<usize> = (0..n).filter(|&i| dominated_by[i] == 0).collect();
    let mut r = 0;
    while !current.is_empty() {
        let mut next = Vec::new();
        for &i in &current {
            rank[i] = r;
            for &j in &dominates_list[i] {
                dominated_by[j] -= 1;
                if dominated_by[j] == 0 {
                    next.push(j);
                }
            }
        }
        next.sort_unstable();
        current = next;
        r += 1;
    }
    rank
}

/// The crowding distance of each of `members` (indices into `points`) within that group:
/// the sum over objectives of the normalised gap between its neighbours; the extremes of
/// each objective get infinity. Larger means more isolated, kept first.
pub fn crowding(points: &[Vec<f64>], members: &[usize]) -> Vec<f64> {
    let m = members.len();
    let mut dist = vec![0.0; m];
    let Some(&first) = members.first() else {
        return dist;
    };
    for (d, _) in points[first].iter().enumerate() {
        let column: Vec<f64> = members.iter().map(|&i| points[i][d]).collect();
        let val = |k: usize| column[k];
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_by(|&a, &b| val(a).total_cmp(&val(b)).then(members[a].cmp(&members[b])));
        let lo = val(order[0]);
        let hi = val(order[m - 1]);
        dist[order[0]] = f64::INFINITY;
        dist[order[m - 1]] = f64::INFINITY;
        let span = hi - lo;
        if !(span.is_finite() && span > 0.0) {
            continue;
        }
        for w in 1..m.saturating_sub(1) {
            let gap = val(order[w + 1]) - val(order[w - 1]);
            if gap.is_finite() {
                dist[order[w]] += gap / span;
            } else {
                dist[order[w]] = f64::INFINITY;
            }
        }
    }
    dist
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fronts_peel_pareto_sets() {
        let p = vec![
            vec![1.0, 4.0],
            vec![2.0, 2.0],
            vec![4.0, 1.0],
            vec![3.0, 3.0],
            vec![4.0, 4.0],
        ];
        assert_eq!(pareto_set(&p), vec![0, 1, 2]);
        assert_eq!(fronts(&p), vec![0, 0, 0, 1, 2]);
        // Equal points do not dominate each other.
        assert!(!dominates(&[1.0, 1.0], &[1.0, 1.0]));
        let c = crowding(&p, &[0, 1, 2]);
        assert!(c[0].is_infinite() && c[2].is_infinite());
        // The middle point's gaps: (4-1)/3 + (4-1)/3 = 2.
        assert!((c[1] - 2.0).abs() < 1e-12);
    }
}
