//! The async cycle `a -> b -> c -> a …` of `state.rs` and `state_spawn.rs`, written twice:
//! as a coact machine and as a hand-written async loop. Every state does the same work
//! (one `black_box` of the counter) and the cycle ends after [`TRANSITIONS`] transitions.

use std::hint::black_box;

/// Transitions per run.
pub const TRANSITIONS: u64 = 1_000_000;

#[coact::machine(name = AsyncCycle)]
pub mod machine {
    use super::{black_box, TRANSITIONS};

    #[state(transitions_to = b)]
    pub async fn a(n: u64) {
        b(black_box(n) + 1)
    }

    #[state(transitions_to = c)]
    pub async fn b(n: u64) {
        c(black_box(n) + 1)
    }

    #[state(transitions_to = [a, done])]
    pub async fn c(n: u64) {
        let n = black_box(n) + 1;
        if n >= TRANSITIONS {
            done(n)
        } else {
            a(n)
        }
    }

    #[state]
    pub async fn done(n: u64) -> u64 {
        n
    }
}

/// The hand-written loop's states.
pub enum Hand {
    A(u64),
    B(u64),
    C(u64),
    Done(u64),
}

async fn hand_a(n: u64) -> Hand {
    Hand::B(black_box(n) + 1)
}

async fn hand_b(n: u64) -> Hand {
    Hand::C(black_box(n) + 1)
}

async fn hand_c(n: u64) -> Hand {
    let n = black_box(n) + 1;
    if n >= TRANSITIONS {
        Hand::Done(n)
    } else {
        Hand::A(n)
    }
}

/// The hand-written async loop: an `enum` of states, each an `async fn`.
pub async fn hand_written() -> u64 {
    let mut state = Hand::A(0);
    loop {
        state = match state {
            Hand::A(n) => hand_a(n).await,
            Hand::B(n) => hand_b(n).await,
            Hand::C(n) => hand_c(n).await,
            Hand::Done(n) => return n,
        }
    }
}
