//! Deferred handlers: an owner keeps a value and decides *when* queued calls on it run.
//!
//! `#[deferred_handler]` on an inherent impl block implements [`Handler`] for the type and
//! generates typed proxies. The owner wraps the value in a [`Deferred`], which derefs to it
//! and holds its mailbox; any number of cloneable [`Handle`]s queue calls through
//! `handle.sync()` (wait for the value) and `handle.oneway()` (fire and forget). Queued calls
//! run only inside the owner's [`Deferred::process`] family of methods, one at a time, in
//! arrival order, with `&mut` access, so the owner's own work between two `process()` calls
//! never sees a half-applied change.
//!
//! ```
//! use coact::{deferred_handler, Deferred};
//!
//! struct Counter { n: u64 }
//!
//! #[deferred_handler]
//! impl Counter {
//!     fn add(&mut self, by: u64) -> u64 { self.n += by; self.n }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let mut owner = Deferred::new(Counter { n: 0 });
//! let handle = owner.handle();
//! let caller = tokio::spawn(async move { handle.sync().add(2).await });
//! tokio::task::yield_now().await;  // let the caller queue its call
//! assert_eq!(owner.process().await, 1);  // the owner decides when it runs
//! assert_eq!(caller.await.unwrap(), Ok(2));
//! assert_eq!(owner.n, 2);  // direct access to the value stays possible
//! # }
//! ```

// Where things are: `owner.rs` is the owner's API (`Deferred`), `serve.rs` the engine its
// `process` methods run, `mailbox.rs` the state the owner shares with its handles,
// `queue.rs` the queue of calls between them, `handle.rs` the callers' side, `call.rs` the future a sync call is, `error.rs` `CallError`, and `generated.rs` the
// items only `#[deferred_handler]`'s output names (proxies, reply protocol, guards).
// `handoff.rs` is the claim a timed call's caller and owner race for; `loom.rs` models
// the hand-off under loom (`--cfg loom`).

mod call;
mod error;
pub(crate) mod generated;
mod handle;
mod handoff;
#[cfg(all(test, loom))]
mod loom;
mod mailbox;
mod owner;
mod queue;
#[cfg(feature = "nats")]
#[cfg_attr(docsrs, doc(cfg(feature = "nats")))]
pub mod remote;
mod reply_slot;
mod serve;

use std::fmt;
use std::future::Future;

pub use self::call::SyncCall;
pub use self::error::CallError;
pub use self::handle::Handle;
pub use self::owner::{Deferred, Served, StopReason};

use self::generated::{OnewayProxy, SyncProxy};

/// A type whose inherent impl block carries `#[deferred_handler]`.
///
/// The macro implements this trait; it is public so that [`Deferred`] and [`Handle`] can
/// name it in their bounds. Don't implement it by hand: its items are not a stable API.
pub trait Handler: Sized + Send + 'static {
    /// The queued form of a call: the method, its arguments and where the result goes.
    #[doc(hidden)]
    type Call: Send + 'static;
    /// Typed method ids (`<Type>Method`), for [`Deferred::process_only`].
    type Method: Copy + Eq + fmt::Debug + Send + Sync + 'static;
    /// The generated sync proxy (`<Type>Sync`).
    type Sync<'a>
    where
        Self: 'a;
    /// The generated oneway proxy (`<Type>Oneway`).
    type Oneway<'a>
    where
        Self: 'a;

    /// The method a queued call is for.
    #[doc(hidden)]
    fn method(call: &Self::Call) -> Self::Method;
    /// The method's name as written in the impl block.
    fn method_name(method: Self::Method) -> &'static str;
    #[doc(hidden)]
    fn sync_proxy(proxy: SyncProxy<'_, Self>) -> Self::Sync<'_>;
    #[doc(hidden)]
    fn oneway_proxy(proxy: OnewayProxy<'_, Self>) -> Self::Oneway<'_>;
    /// Runs a queued call to a sync method at once: `Ok(false)` when its caller had
    /// withdrawn it (the method did not run). A call to an async method is handed back.
    #[doc(hidden)]
    fn dispatch_now(&mut self, call: Self::Call) -> Result<bool, Self::Call>;
    /// Runs any queued call, awaiting async methods. Resolves to `false` when its caller
    /// had withdrawn it.
    #[doc(hidden)]
    fn dispatch(&mut self, call: Self::Call) -> impl Future<Output = bool> + Send + '_;
}
