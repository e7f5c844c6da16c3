//! A small seeded generator (splitmix64): every decision of a run (which call panics,
//! which caller gives up, which owner is dropped) comes from the run's seed, so a seed
//! that found a violation replays the same plan. The scheduling still differs from run
//! to run, which is the point of running again.

/// splitmix64: tiny, fast, and good enough to spread faults; not for cryptography.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for one stream of decisions: the run's seed, a scenario's name and a
    /// task's index give independent streams, so adding a task does not shift the others.
    pub fn new(seed: u64, scenario: &str, stream: u64) -> Self {
        let mut state = seed;
        for byte in scenario.bytes() {
            state = mix(state ^ u64::from(byte));
        }
        Self(mix(state ^ mix(stream)))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        // The high half of a 128-bit product: no modulo bias worth speaking of.
        let wide = u128::from(self.next_u64()) * u128::from(n);
        u64::try_from(wide >> 64).unwrap_or(0)
    }

    /// Uniform in `0..n`, as an index.
    pub fn index(&mut self, n: usize) -> usize {
        usize::try_from(self.below(n as u64)).unwrap_or(0)
    }

    /// Uniform in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low + 1)
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn a_seed_replays_its_stream_and_streams_differ() {
        let take = |mut rng: Rng| (0..8).map(|_| rng.next_u64()).collect::<Vec<_>>();
        assert_eq!(
            take(Rng::new(7, "handler", 3)),
            take(Rng::new(7, "handler", 3))
        );
        assert_ne!(
            take(Rng::new(7, "handler", 3)),
            take(Rng::new(7, "handler", 4))
        );
        assert_ne!(
            take(Rng::new(7, "handler", 3)),
            take(Rng::new(7, "identity", 3))
        );
        assert_ne!(
            take(Rng::new(7, "handler", 3)),
            take(Rng::new(8, "handler", 3))
        );
    }

    #[test]
    fn draws_stay_in_range() {
        let mut rng = Rng::new(1, "range", 0);
        for _ in 0..10_000 {
            assert!(rng.below(3) < 3);
            assert!((5..=9).contains(&rng.between(5, 9)));
        }
        let hits = (0..10_000).filter(|_| rng.chance(25)).count();
        assert!((2_000..3_000).contains(&hits), "{hits}");
    }
}
