//! # coact
//!
//! Cooperative-concurrency patterns for tokio, as attribute macros plus a small runtime.
//!
//! ## Deferred handlers: owner-driven actor mailboxes
//!
//! Put [`#[deferred_handler]`](deferred_handler) on an inherent impl block. The owner wraps
//! the value in a [`Deferred`] and decides when queued calls run; any task calls it through
//! a cloneable [`Handle`]: `handle.sync().method(args).await` waits for the result,
//! `handle.oneway().method(args)` returns at once.
//!
//! ```
//! use coact::prelude::*;
//!
//! struct Manager { resources: Vec<u32> }
//!
//! #[deferred_handler]
//! impl Manager {
//!     /// A consistent copy of the resources.
//!     pub fn access_resources(&self) -> Vec<u32> { self.resources.clone() }
//!     /// Replaces one resource.
//!     pub fn update_resource(&mut self, i: usize, v: u32) { self.resources[i] = v; }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let mut manager = Deferred::new(Manager { resources: vec![0; 4] });
//! let handle = manager.handle();
//!
//! handle.oneway().update_resource(1, 7).unwrap();     // queued, not run yet
//! assert_eq!(manager.resources[1], 0);
//! assert_eq!(manager.process().await, 1);              // the owner's safe point
//! assert_eq!(manager.resources[1], 7);
//!
//! let consumer = tokio::spawn(async move { handle.sync().access_resources().await });
//! let served = manager.process_forever().await;        // until every handle is gone
//! assert_eq!(served.reason, StopReason::HandlesGone);
//! assert_eq!(consumer.await.unwrap(), Ok(vec![0, 7, 0, 0]));
//! # }
//! ```
//!
//! See the [`handler`] module for the owner's options (whitelists, bounded mailboxes,
//! stopping) and [`CallError`] for what can fail.
//!
//! ## State machines: undeclared transitions fail to compile
//!
//! Put [`#[machine]`](macro@machine) on a module of state functions or an impl block of
//! state methods and mark each with `#[state(transitions_to = …)]`; a state enters the
//! next by returning it, `growing()`. The [`state`](mod@state) module runs machines inline or as
//! observable, cancellable tasks.
//!
//! ## Generators and cooperative work
//!
//! Put [`#[coact::coroutine]`](macro@coroutine) on a function whose body yields with
//! [`yield_!(value)`](yield_): a plain `fn` becomes an `Iterator`, an `async fn` a
//! `Stream`, and `let r = yield_!(v);` receives what the driver
//! [resumes](coroutine::Gen::resume) it with. Literal `yield` is impossible on stable Rust
//! (rustc rejects it while parsing, before any macro runs), hence the macro call. The
//! [`coroutine`](mod@coroutine) module also runs CPU-heavy generators cooperatively on
//! tokio: [`coroutine::batch_accumulate`], [`coroutine::ValueBucket`],
//! [`coroutine::Cooperator`]; and [`coroutine::ops`] runs protocol coroutines (cogen's
//! operations: accept, read a line, write, sleep, spawn…) on real sockets with a
//! [`Driver`](coroutine::ops::Driver), or from a script with a
//! [`Simulation`](coroutine::ops::Simulation).
//!
//! ## Identity maps and memoization
//!
//! Put [`#[identity_cached]`](identity_cached) on an `async fn` that loads a value by its
//! arguments: the same key gives the very same instance ([`identity::Shared`]), loaded
//! once however many callers ask at the same time; no data, no instance; a change made
//! through one handle is seen through every other, and kept. With `memoize`, any
//! function's result is cached by its arguments. The [`identity`] module has the cache
//! itself: retention (until forgotten by default; weak, TTL, capacity), invalidation and
//! statistics.
//!
//! ## Concurrent data access
//!
//! [`KV`], [`Ordered`] and [`FirstReply`] (in [`access`]) run several fetches at once and
//! give their results by name, in push order, or first-come.
//!
//! ## Feature flags
//!
//! One feature per pattern, all on by default: `handler`
//! ([`#[deferred_handler]`](macro@deferred_handler), [`mod@handler`]), `state`
//! ([`#[machine]`](macro@machine), [`mod@state`]), `coroutine`
//! ([`#[coroutine]`](macro@coroutine), [`mod@coroutine`]; `ops` adds
//! [`coroutine::ops`], the driver of protocol coroutines on sockets), `identity`
//! ([`#[identity_cached]`](macro@identity_cached), [`mod@identity`]) and `access`
//! ([`access`]). A program that uses fewer can name them, and compiles only what those
//! need:
//!
//! ```toml
//! coact = { version = "0.1", default-features = false, features = ["handler"] }
//! ```
//!
//! A macro whose feature is off expands to an error that names the feature.
//!
//! - `redis` (off by default; turns on `identity`): a shared second tier in Redis for
//!   identity maps and memoized functions, `identity::RedisTier`, so that several
//!   processes share what they load and what they invalidate.
//! - `nats` (off by default; turns on `handler`): deferred handlers reachable from other
//!   processes and machines, `#[deferred_handler(remote)]` and `handler::remote`.
//!
//! ## Minimum supported Rust version
//!
//! Rust 1.85; 1.89 with the `nats` feature (the minimum of the `async-nats` client).
//! Raising it is a deliberate change, made in a minor release and noted in the changelog.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// Always exported: without its feature, it expands to an error that names the feature.
#[cfg_attr(docsrs, doc(cfg(feature = "handler")))]
#[doc = include_str!("docs/deferred_handler.md")]
pub use coact_macros::deferred_handler;

// Always exported: without its feature, it expands to an error that names the feature.
#[cfg_attr(docsrs, doc(cfg(feature = "identity")))]
#[doc = include_str!("docs/identity_cached.md")]
pub use coact_macros::identity_cached;

// Always exported: without its feature, it expands to an error that names the feature.
#[cfg_attr(docsrs, doc(cfg(feature = "coroutine")))]
#[doc = include_str!("docs/coroutine.md")]
pub use coact_macros::coroutine;

#[cfg(feature = "coroutine")]
#[cfg_attr(docsrs, doc(cfg(feature = "coroutine")))]
/// Suspends a [`#[coroutine]`](macro@coroutine) body with a value; evaluates to the
/// value the generator is resumed with.
///
/// `#[coroutine]` rewrites every `yield_!` in its body; this macro exists only so that a
/// `yield_!` anywhere else is a clear compile error rather than an unknown macro:
///
/// ```compile_fail
/// fn not_a_coroutine() {
///     coact::yield_!(1); // error: `yield_!` only works in the body of a `#[coroutine]` fn
/// }
/// ```
#[macro_export]
macro_rules! yield_ {
    ($($value:tt)*) => {
        ::core::compile_error!(
            "`yield_!` only works in the body of a `#[coroutine]` fn, which rewrites it; \
             here nothing suspends (inside a closure, an async block or another macro's \
             definition, say)"
        )
    };
}

// Always exported: without its feature, it expands to an error that names the feature.
#[cfg_attr(docsrs, doc(cfg(feature = "state")))]
#[doc = include_str!("docs/machine.md")]
pub use coact_macros::machine;

#[cfg_attr(docsrs, doc(cfg(feature = "state")))]
/// Marks a state inside a [`#[machine]`](macro@machine) module or impl block.
///
/// `#[state]` (terminal), `#[state(transitions_to = next)]`,
/// `#[state(transitions_to = [a, b], on_start = callback)]`; see
/// [`#[machine]`](macro@machine). The machine reads and removes these markers, so inside
/// it `#[state]` needs no import; used anywhere else it is a compile error.
pub use coact_macros::state;

#[cfg(feature = "access")]
#[cfg_attr(docsrs, doc(cfg(feature = "access")))]
pub use coact_runtime::access;
#[cfg(feature = "access")]
pub use coact_runtime::access::{FirstReply, Ordered, KV};
#[cfg(feature = "coroutine")]
#[cfg_attr(docsrs, doc(cfg(feature = "coroutine")))]
pub use coact_runtime::coroutine;
#[cfg(feature = "handler")]
#[cfg_attr(docsrs, doc(cfg(feature = "handler")))]
pub use coact_runtime::handler;
#[cfg(feature = "handler")]
pub use coact_runtime::handler::{CallError, Deferred, Handle, Handler, Served, StopReason};
#[cfg(feature = "identity")]
#[cfg_attr(docsrs, doc(cfg(feature = "identity")))]
pub use coact_runtime::identity;
#[cfg(feature = "state")]
#[cfg_attr(docsrs, doc(cfg(feature = "state")))]
pub use coact_runtime::state;

/// The names most programs need: `use coact::prelude::*;`.
pub mod prelude {
    #[cfg(feature = "access")]
    pub use crate::access::{FirstReply, Ordered, KV};
    #[cfg(feature = "coroutine")]
    pub use crate::coroutine::{Gen, GenState};
    #[cfg(feature = "handler")]
    pub use crate::handler::{CallError, Deferred, Handle, Served, StopReason};
    #[cfg(feature = "identity")]
    pub use crate::identity::{LoadError, Shared};
    pub use crate::{deferred_handler, identity_cached, machine};
}

// The README's examples are compiled and run as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// Items used by macro-generated code. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use coact_runtime::__private::*;
}
