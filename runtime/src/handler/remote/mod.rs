//! Deferred handlers reachable from other processes and machines, over
//! [NATS](https://nats.io) (feature `nats`).
//!
//! `#[deferred_handler(remote)]` gives a handler a wire form: each call's arguments and
//! value travel as JSON, so they must be `Serialize + DeserializeOwned` (serde). The owner
//! exposes its [`Deferred`](super::Deferred) under a name with
//! [`Deferred::serve_remote`](super::Deferred::serve_remote); callers anywhere hold a
//! [`RemoteHandle`], whose `sync()` and `oneway()` proxies are the very types a local
//! [`Handle`](super::Handle) gives, so moving a caller out of process changes how it gets
//! its handle, not its call sites.
//!
//! Remote calls enter the same mailbox as local ones: they run only when the owner calls
//! `process`, `process_only` or `process_forever`, whitelists and `stop_processing` apply to
//! them, and a bounded mailbox bounds them too. Nothing runs behind the owner's back.
//!
//! ```no_run
//! use coact::{deferred_handler, Deferred};
//! use coact::handler::remote::{async_nats, RemoteHandle};
//!
//! struct Inventory { stock: u32 }
//!
//! #[deferred_handler(remote)]
//! impl Inventory {
//!     fn take(&mut self, n: u32) -> Option<u32> {
//!         self.stock = self.stock.checked_sub(n)?;
//!         Some(self.stock)
//!     }
//! }
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = async_nats::connect("nats://127.0.0.1:4222").await?;
//!
//! // The owner's process:
//! let mut owner = Deferred::new(Inventory { stock: 10 });
//! let _serving = owner.serve_remote(&client, "shop.inventory").await?;
//! tokio::spawn(async move { owner.process_forever().await });
//!
//! // Any process:
//! let inventory = RemoteHandle::<Inventory>::new(&client, "shop.inventory")?;
//! assert_eq!(inventory.sync().take(3).await?, Some(7));
//! inventory.oneway().take(1)?;
//! # Ok(()) }
//! ```
//!
//! # Semantics
//!
//! | | |
//! |---|---|
//! | subject | `coact.<name>`; every owner serving a name joins one queue group, so each call runs on exactly one of them |
//! | sync | NATS request/reply, bounded by `sync().timeout(d)`, else by the handle's default bound ([`DEFAULT_TIMEOUT`], 30 s; [`RemoteHandle::with_timeout`]) |
//! | oneway | one NATS publish, at most once; its panic or returned `Err` is logged by the owner through `tracing`, as for a local oneway call |
//! | oneway, connection's buffer full | [`CallError::MailboxFull`]: the call was not sent. `oneway()` never waits, so a loop of many oneway calls that awaits nothing in between keeps the connection's task from sending what it buffered; spend tokio's cooperative budget in such a loop (`tokio::task::consume_budget().await` after each call, what an awaited `publish` does by itself) and the buffer drains as it fills |
//! | durable oneway | at least once, through JetStream (see [Durable oneway calls](#durable-oneway-calls)) |
//! | no owner serving | [`CallError::NoResponders`], at once |
//! | timeout | [`CallError::TimedOut`] with `started: true`: the caller cannot see whether the owner started it, so it may have run. The owner drops a call that is still queued when its caller's bound has passed, so it does not run late for nobody |
//! | transport failure | [`CallError::Transport`]: the call may or may not have run |
//! | versions differ | [`CallError::VersionMismatch`] (`#[deferred_handler(remote, version = N)]`, default 1): the call did not run |
//! | undecodable call or reply | [`CallError::Undecodable`]: types out of step, unknown method, malformed payload, or a payload over the owner's limit ([`ServeOptions::max_payload`], 1 MiB by default); the call did not run, and the owner logs a warning and serves on |
//! | the method panicked | [`CallError::Panicked`], with the message |
//! | owner gone | [`CallError::Gone`] when the `Deferred` is dropped with the call queued |
//! | bounded mailbox full | the owner's subscription waits for room (remote calls queue in NATS meanwhile) |
//!
//! # Durable oneway calls
//!
//! A plain oneway call is lost if no owner is serving when it is sent. A durable one is
//! kept by the server until an owner has run it: make the caller's handle durable with
//! [`RemoteHandle::durable`], and serve with [`ServeOptions::durable`]. The server needs
//! JetStream (`nats-server -js`).
//!
//! ```no_run
//! # use coact::{deferred_handler, Deferred};
//! # use coact::handler::remote::{async_nats, RemoteHandle, ServeOptions};
//! # struct Inventory { stock: u32 }
//! # #[deferred_handler(remote)]
//! # impl Inventory {
//! #     fn restock(&mut self, n: u32) { self.stock += n; }
//! # }
//! # async fn demo(client: async_nats::Client) -> Result<(), Box<dyn std::error::Error>> {
//! // Any process, whether or not an owner runs:
//! let inventory = RemoteHandle::<Inventory>::new(&client, "shop.inventory")?
//!     .durable()
//!     .await?;
//! inventory.oneway().restock(5)?;
//! inventory.flush().await?; // stored by the server
//!
//! // The owner's process, maybe later:
//! let mut owner = Deferred::new(Inventory { stock: 0 });
//! let options = ServeOptions::default().durable();
//! let _serving = owner.serve_remote_with(&client, "shop.inventory", options).await?;
//! owner.process_forever().await;
//! # Ok(()) }
//! ```
//!
//! | | |
//! |---|---|
//! | storage | the stream `COACT_<name>` (dots become `_`), subject `coact-durable.<name>`, work-queue retention: a call is kept until an owner acknowledges it; callers and owners create it when missing |
//! | sending | `oneway()` returns once the call is in the connection's buffer; the handle then waits for the server to confirm it stored the call, and publishes it again under the same message id until it does, for up to the handle's timeout. [`RemoteHandle::flush`] waits for that and reports calls given up ([`RemoteError::NotStored`]; each is also logged) |
//! | duplicates | each call has a unique message id (`Nats-Msg-Id`); the stream keeps one copy of each id published within two minutes, so a publish repeated by a retry runs once |
//! | delivery | the owners serving a name share one consumer (`coact`): each call goes to one of them, and waits in its mailbox for `process` like any call; while it waits, the owner renews its claim, so the server gives it to no other owner |
//! | acknowledgement | sent when the method has run, whether it returned, returned `Err` or panicked (both logged, as for a local oneway call): the call is done and not delivered again |
//! | owner stops with the call queued (`Deferred` dropped, or `process` cancelled mid-call) | the call is handed back and delivered again a second later, to this owner or another |
//! | owner crashes after running the call, before acknowledging it | the call is delivered again after [`ServeOptions::ack_wait`] (30 s by default) and runs again: delivery is **at least once**; make such methods idempotent |
//! | undecodable call, other version | refused for good (not delivered again), with a warning on the owner |
//!
//! A sync call made from inside a handler method through a `RemoteHandle` is not part of
//! the cycle detection of local calls ([`CallError::Cycle`]): a
//! cycle through another process ends at the timeout.
//!
//! Connection options (credentials, TLS, reconnection) are those of the
//! [`async_nats::Client`] passed in; async-nats reconnects by itself, and a call in flight
//! during a disconnect fails or succeeds within its bound. coact never logs payloads.

// Where things are: `caller.rs` is the callers' side (`RemoteHandle`), `owner.rs` the
// owner's subscription (`serve_remote`, `RemoteServer`), `wire.rs` the message format both
// share and the reply the owner sends back.

mod caller;
mod durable;
mod owner;
mod wire;

use std::time::Duration;

/// The NATS client coact uses, re-exported so that the client you connect is the one its
/// API takes.
pub use async_nats;

pub use self::caller::RemoteHandle;
pub(super) use self::durable::Ack;
pub use self::owner::{RemoteServer, ServeOptions};
pub(super) use self::wire::WireReply;
pub use self::wire::{
    assert_wire, DecodeError, Decoder, Encoder, Probe, ViaNothing, ViaSerde, Wire, WireSlot,
};

use super::{CallError, Handler};

/// How long a remote sync call waits for its result when no `sync().timeout(d)` is given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A handler with a wire form: `#[deferred_handler(remote)]` implements it.
///
/// Public so that [`RemoteHandle`] and `serve_remote` can name it in their bounds. Don't
/// implement it by hand: its items are not a stable API.
pub trait Remote: Handler {
    /// The handler's wire version (`version = N`; 1 by default).
    #[doc(hidden)]
    const VERSION: u32;
    /// The call's arguments, encoded.
    #[doc(hidden)]
    fn encode(call: &Self::Call) -> Result<Vec<u8>, DecodeError>;
    /// The call `payload` encodes, replying through `reply`.
    #[doc(hidden)]
    fn decode(
        method: &str,
        payload: &[u8],
        reply: &mut WireSlot,
    ) -> Result<Self::Call, DecodeError>;
}

/// Why a handler could not be served or called remotely.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError {
    /// The name cannot be part of a NATS subject.
    #[error("`{name}` cannot name a remote handler: {reason}")]
    InvalidName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The NATS server did not accept the subscription.
    #[error("could not serve `{name}`: {source}")]
    Subscribe {
        /// The name to serve.
        name: String,
        /// What the client reported.
        #[source]
        source: async_nats::Error,
    },
    /// The server could not keep the name's durable calls: JetStream is not enabled, or
    /// the name's stream exists with other subjects.
    #[error("durable calls to `{name}` cannot be kept: {source}")]
    JetStream {
        /// The name.
        name: String,
        /// What the server or client reported.
        #[source]
        source: async_nats::Error,
    },
    /// Durable oneway calls the server did not store within the handle's timeout: they
    /// will not run. Each was also logged when given up.
    #[error("{calls} durable oneway call(s) were not stored: {reason}")]
    NotStored {
        /// How many.
        calls: usize,
        /// Why the first was given up.
        reason: String,
    },
    /// The connection could not write the oneway calls out.
    #[error("oneway calls could not be flushed: {source}")]
    Flush {
        /// What the client reported.
        #[source]
        source: async_nats::Error,
    },
}

/// The subject a name is served under, once checked: `coact.<name>`, where `name` is one
/// or more dot-separated tokens of letters, digits, `_` and `-`.
fn subject(name: &str) -> Result<String, RemoteError> {
    let invalid = |reason| RemoteError::InvalidName {
        name: name.to_owned(),
        reason,
    };
    if name.is_empty() {
        return Err(invalid("it is empty"));
    }
    for token in name.split('.') {
        if token.is_empty() {
            return Err(invalid("it has an empty dot-separated part"));
        }
        if !token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(invalid(
                "only ASCII letters, digits, `_`, `-` and `.` between parts are allowed",
            ));
        }
    }
    Ok(format!("coact.{name}"))
}

/// The error of a call that reached a proxy method without a wire form through a remote
/// handle. Generated code never does this: a handler that has a `RemoteHandle` has a wire
/// form, and its proxies use it.
pub(super) fn no_wire_form(method: &'static str) -> CallError {
    CallError::Undecodable {
        method,
        reason: "this proxy method has no wire form".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_subjects_or_clear_errors() {
        assert_eq!(subject("inventory").unwrap(), "coact.inventory");
        assert_eq!(subject("shop.stock-2_b").unwrap(), "coact.shop.stock-2_b");
        for bad in ["", "a..b", ".a", "a.", "a b", "a*", "a>", "é"] {
            let error = subject(bad).unwrap_err();
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("`{bad}` cannot name")),
                "{error}"
            );
        }
    }
}
