//! A small deterministic random generator (xoshiro256**, seeded by SplitMix64).
//!
//! Written here rather than taken from a crate so that the same seed yields the same dataset on
//! every version of jiuye and every platform, whatever happens to dependencies.

use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut x = seed;
        Rng { s: [splitmix(&mut x), splitmix(&mut x), splitmix(&mut x), splitmix(&mut x)] }
    }

    /// An independent stream for a named part of the dataset, so that changing how one part is
    /// generated does not shift every other part.
    pub fn fork(&self, label: &str) -> Rng {
        let mut h = self.s[0] ^ 0xcbf2_9ce4_8422_2325;
        for b in label.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
        Rng::new(h ^ self.s[1].rotate_left(17))
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        // Lemire's multiply-shift; the tiny bias is irrelevant for synthetic data.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Index drawn with the given weights (all ≥ 0, not all 0).
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut x = ((u128::from(self.next_u64()) * u128::from(total)) >> 64) as u64;
        for (i, &w) in weights.iter().enumerate() {
            if x < u64::from(w) {
                return i;
            }
            x -= u64::from(w);
        }
        weights.len() - 1
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }

    /// A time-ordered (version 7) UUID for the given Unix time in milliseconds, its random part
    /// drawn from this stream. Ordered keys keep index inserts local on both engines.
    pub fn uuid_v7(&mut self, unix_ms: u64) -> Uuid {
        let r = self.next_u64().to_be_bytes();
        let r2 = self.next_u64().to_be_bytes();
        let mut tail = [0u8; 10];
        tail[..8].copy_from_slice(&r);
        tail[8..].copy_from_slice(&r2[..2]);
        uuid::Builder::from_unix_timestamp_millis(unix_ms, &tail).into_uuid()
    }
}

/// Cumulative weights for repeated O(log n) draws from a large population.
pub struct Cumulative {
    acc: Vec<u64>,
}

impl Cumulative {
    pub fn new(weights: impl IntoIterator<Item = u64>) -> Cumulative {
        let mut sum = 0;
        Cumulative {
            acc: weights
                .into_iter()
                .map(|w| {
                    sum += w;
                    sum
                })
                .collect(),
        }
    }

    pub fn draw(&self, rng: &mut Rng) -> usize {
        let total = self.acc.last().copied().unwrap_or(0);
        let x = ((u128::from(rng.next_u64()) * u128::from(total)) >> 64) as u64;
        self.acc.partition_point(|&a| a <= x).min(self.acc.len().saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let a: Vec<u64> = (0..5).scan(Rng::new(7), |r, _| Some(r.next_u64())).collect();
        let b: Vec<u64> = (0..5).scan(Rng::new(7), |r, _| Some(r.next_u64())).collect();
        let c: Vec<u64> = (0..5).scan(Rng::new(8), |r, _| Some(r.next_u64())).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn below_stays_in_range_and_covers() {
        let mut r = Rng::new(1);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let x = r.below(7);
            seen[x] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn cumulative_respects_zero_weights() {
        let c = Cumulative::new([0, 5, 0, 5]);
        let mut r = Rng::new(3);
        for _ in 0..1000 {
            let i = c.draw(&mut r);
            assert!(i == 1 || i == 3, "{i}");
        }
    }
}
