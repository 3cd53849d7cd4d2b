//! Shared version vectors: `VvArena`, a pool of reference-counted vectors of `n` counters.
//!
//! A region's version vector for a key and the vector a write carries are usually equal
//! (a replica that applies a dominating write takes the writer's vector as it is), so they are
//! handles to one pooled vector instead of copies: applying a write is a reference-count
//! increment, and memory follows the number of distinct vectors alive (about one per key
//! written, plus one per write in flight) rather than keys x regions x regions. A holder that
//! is the only owner of its vector changes it in place; otherwise it gets a fresh copy
//! (copy on write). The all-zero vector is the handle [`ZERO`] and is never stored. Freed
//! vectors are reused, so no allocation happens once the pool has reached its working size.
//! A vector's reference count sits just before its counters (one run of `n + 1` words), so
//! comparing a vector and then sharing or releasing it touches one place in memory, not two.
//!
//! Must not import the engine, the simulation world (`sim`), metrics or a concrete strategy.

/// The handle of the all-zero vector (never stored, never counted).
pub const ZERO: u32 = u32::MAX;

/// A pool of reference-counted version vectors of `n` counters each.
#[derive(Clone, Debug)]
pub struct VvArena {
    n: usize,
    /// Per vector, `n + 1` words: its reference count, then its `n` counters.
    words: Vec<u32>,
    free: Vec<u32>,
    zeros: Vec<u32>,
}

impl VvArena {
    /// An empty pool of vectors of `n` counters.
    pub fn new(n: usize) -> VvArena {
        VvArena {
            n,
            words: Vec::new(),
            free: Vec::new(),
            zeros: vec![0; n],
        }
    }

    /// Where vector `id`'s run of words (reference count, then counters) starts.
    #[inline]
    fn base(&self, id: u32) -> usize {
        id as usize * (self.n + 1)
    }

    /// The counters of vector `id`.
    #[inline]
    pub fn get(&self, id: u32) -> &[u32] {
        if id == ZERO {
            &self.zeros
        } else {
            let s = self.base(id) + 1;
            &self.words[s..s + self.n]
        }
    }

    /// A new vector with reference count 1 holding a copy of `from`.
    fn alloc_copy(&mut self, from: u32) -> u32 {
        let n = self.n;
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                let id = (self.words.len() / (n + 1)) as u32;
                assert!(id < ZERO, "version vector pool full");
                self.words.resize(self.words.len() + n + 1, 0);
                id
            }
        };
        let d = self.base(id);
        self.words[d] = 1;
        if from == ZERO {
            self.words[d + 1..d + 1 + n].fill(0);
        } else {
            let s = self.base(from) + 1;
            self.words.copy_within(s..s + n, d + 1);
        }
        id
    }

    /// One more holder of `id`.
    #[inline]
    pub fn retain(&mut self, id: u32) {
        if id != ZERO {
            let b = self.base(id);
            self.words[b] += 1;
        }
    }

    /// One holder fewer of `id`; the vector is reused once no one holds it.
    #[inline]
    pub fn release(&mut self, id: u32) {
        if id != ZERO {
            let b = self.base(id);
            let r = &mut self.words[b];
            *r -= 1;
            if *r == 0 {
                self.free.push(id);
            }
        }
    }

    /// Makes `*slot` a vector its holder alone owns (a copy when shared), and returns its
    /// counters for writing.
    fn own(&mut self, slot: &mut u32) -> &mut [u32] {
        if *slot == ZERO || self.words[self.base(*slot)] > 1 {
            let id = self.alloc_copy(*slot);
            self.release(*slot);
            *slot = id;
        }
        let s = self.base(*slot) + 1;
        &mut self.words[s..s + self.n]
    }

    /// Increments entry `at` of the vector held in `*slot`.
    pub fn bump(&mut self, slot: &mut u32, at: usize) {
        self.own(slot)[at] += 1;
    }

    /// Makes `*slot` hold vector `id` (shared, not copied).
    pub fn assign(&mut self, slot: &mut u32, id: u32) {
        self.retain(id);
        self.release(*slot);
        *slot = id;
    }

    /// Sets the vector held in `*slot` to its entry-wise maximum with vector `id`.
    pub fn join(&mut self, slot: &mut u32, id: u32) {
        let n = self.n;
        // Own first (it may copy), then read `id` (which `own` never moves or frees while
        // `id` is held by the caller).
        self.own(slot);
        if id == ZERO || *slot == id {
            return;
        }
        let (d, s) = (self.base(*slot) + 1, self.base(id) + 1);
        for i in 0..n {
            let v = self.words[s + i];
            if v > self.words[d + i] {
                self.words[d + i] = v;
            }
        }
    }

    /// Keeps only entry `at` of the vector held in `*slot` (the others become 0).
    pub fn keep_only(&mut self, slot: &mut u32, at: usize) {
        let own = self.get(*slot)[at];
        let old = *slot;
        *slot = ZERO;
        if own > 0 {
            self.own(slot)[at] = own;
        }
        self.release(old);
    }

    /// Vectors alive (held by someone).
    pub fn live(&self) -> usize {
        self.words.len() / (self.n + 1) - self.free.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against plain owned vectors (`Vec<u32>` per holder, copied on every assignment): the
    /// same contents after a random mix of bumps, joins, assignments and wipes, and every
    /// vector freed when no one holds it.
    #[test]
    fn handles_behave_like_owned_copies() {
        let n = 5;
        let mut pool = VvArena::new(n);
        let mut handles = [ZERO; 12];
        let mut plain = vec![vec![0u32; n]; 12];
        let mut x: u64 = 7;
        for _ in 0..20_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let (a, b, e) = (
                (x >> 33) as usize % 12,
                (x >> 40) as usize % 12,
                (x >> 50) as usize % n,
            );
            match (x >> 60) % 4 {
                0 => {
                    pool.bump(&mut handles[a], e);
                    plain[a][e] += 1;
                }
                1 => {
                    let id = handles[b];
                    pool.assign(&mut handles[a], id);
                    plain[a] = plain[b].clone();
                }
                2 => {
                    let id = handles[b];
                    pool.join(&mut handles[a], id);
                    let other = plain[b].clone();
                    for (x, y) in plain[a].iter_mut().zip(other) {
                        *x = (*x).max(y);
                    }
                }
                _ => {
                    pool.keep_only(&mut handles[a], e);
                    for i in (0..n).filter(|&i| i != e) {
                        plain[a][i] = 0;
                    }
                }
            }
            for (h, p) in handles.iter().zip(&plain) {
                assert_eq!(pool.get(*h), &p[..]);
            }
            assert!(pool.live() <= 12);
        }
        for h in handles.iter_mut() {
            let id = *h;
            pool.release(id);
            *h = ZERO;
        }
        assert_eq!(pool.live(), 0);
    }
}
