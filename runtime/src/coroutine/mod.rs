//! Generators on stable Rust, and CPU-heavy work that shares a tokio runtime with I/O.
//!
//! `#[coroutine]` turns a function whose body calls `yield_!(value)` into a [`Gen`]: an
//! [`Iterator`] for a plain `fn` and a [`Stream`](futures_core::Stream) for an `async fn` (when
//! nothing is sent back in). `let r = yield_!(v);` receives the value the driver resumes
//! the generator with ([`Gen::resume`]), and `return x` ends it with a final value of its
//! own type ([`GenState::Complete`]).
//!
//! ```
//! use coact::coroutine::{Gen, GenState};
//!
//! /// Fibonacci numbers below `limit`; returns how many there were.
//! #[coact::coroutine]
//! fn fibonacci(limit: u64) -> Gen<u64, Return = usize> {
//!     let (mut a, mut b, mut count) = (0, 1, 0);
//!     while a < limit {
//!         yield_!(a);
//!         (a, b, count) = (b, a + b, count + 1);
//!     }
//!     count
//! }
//!
//! /// A running total: each value sent in is added, and the total so far comes out.
//! #[coact::coroutine]
//! fn running_total() -> Gen<u64, Resume = u64> {
//!     let mut total = 0;
//!     loop {
//!         total += yield_!(total);
//!     }
//! }
//!
//! let mut fib = fibonacci(20);
//! assert_eq!(fib.by_ref().collect::<Vec<_>>(), [0, 1, 1, 2, 3, 5, 8, 13]);
//! assert_eq!(fib.take_return(), Some(8));
//!
//! let mut sum = running_total();
//! assert!(matches!(sum.start(), GenState::Yielded(0)));
//! assert!(matches!(sum.resume(5), GenState::Yielded(5)));
//! assert!(matches!(sum.resume(2), GenState::Yielded(7)));
//! ```
//!
//! The module also runs generators cooperatively: [`batch_accumulate`] drives one to its
//! end in batches, handing control back to the tokio scheduler between batches so that I/O
//! on the same runtime stays responsive, and collects what it yields
//! ([`batch_accumulate_some`] keeps only the `Some` values of a generator that yields
//! `None` for a step with nothing to show); a [`Cooperator`] runs several fairly and can
//! be paused, resumed and stopped.

// Where things are: `gen.rs` is the generator users drive (`Gen`), `step.rs` one poll of
// its body, `slot.rs` the exchange of values between the two (how it works is told
// there), `frame.rs` the pointer a `yield_!` reaches the exchange through (the one
// module with `unsafe`), `body.rs` what a generator polls, `generated.rs` the items only
// `#[coroutine]`'s output names; `cooperative.rs` and `cooperator.rs` drive CPU-heavy
// generators on tokio, `error.rs` says why such a run has no values.

mod body;
mod cooperative;
mod cooperator;
mod error;
// The one module with `unsafe` code, and why it is sound.
#[allow(unsafe_code)]
mod frame;
mod gen;
pub(crate) mod generated;
// tokio has no sockets under `--cfg loom` (the loom build of the runtime's models).
#[cfg(all(feature = "ops", not(loom)))]
#[cfg_attr(docsrs, doc(cfg(feature = "ops")))]
pub mod ops;
mod slot;
mod step;

pub use self::body::{Captures, Slotted, SyncBody};
pub use self::cooperative::{
    accumulate, accumulate_some, batch_accumulate, batch_accumulate_some, ValueBucket,
};
pub use self::cooperator::{Accumulation, Cooperator, CooperatorControl};
pub use self::error::CooperativeError;
pub use self::gen::{Gen, GenState, Resume};
