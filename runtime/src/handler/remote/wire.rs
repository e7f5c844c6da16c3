//! The message format callers and owners share, and the reply an owner sends back.
//!
//! A call is a NATS message to `coact.<name>` whose headers name the method
//! (`Coact-Method`), the handler's version (`Coact-Version`) and, for a sync call, how long
//! the caller waits (`Coact-Timeout-Ms`); its payload is the JSON array of the arguments
//! (`null` for a method without any: the JSON of `()`).
//! A reply's payload is the JSON of the value, or, with a `Coact-Error` header naming the
//! failure (`panicked`, `version`, `undecodable`, `gone`), its message in UTF-8.

use std::fmt;
use std::sync::Arc;

use async_nats::{Client, HeaderMap, HeaderName, HeaderValue, Subject};
use bytes::Bytes;
use futures_util::FutureExt as _;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;

use super::super::generated::Reply;
use super::durable::Ack;

// Header names built once, at compile time: a `&str` name is validated and copied into a
// fresh allocation on every `insert` or `get`.
pub(super) const METHOD: HeaderName = HeaderName::from_static("Coact-Method");
pub(super) const VERSION: HeaderName = HeaderName::from_static("Coact-Version");
pub(super) const TIMEOUT: HeaderName = HeaderName::from_static("Coact-Timeout-Ms");
pub(super) const ERROR: HeaderName = HeaderName::from_static("Coact-Error");

/// The headers a call is read by, found in one pass over a message's headers (a lookup by
/// name hashes the name, three times per call).
#[derive(Default)]
pub(super) struct CallHeaders<'a> {
    pub(super) method: Option<&'a str>,
    pub(super) version: Option<&'a str>,
    pub(super) timeout: Option<&'a str>,
}

impl<'a> CallHeaders<'a> {
    /// Each header's first value, as `HeaderMap::get` gives it.
    pub(super) fn read(headers: Option<&'a HeaderMap>) -> Self {
        let mut found = Self::default();
        for (name, values) in headers.into_iter().flat_map(HeaderMap::iter) {
            let slot = if *name == METHOD {
                &mut found.method
            } else if *name == VERSION {
                &mut found.version
            } else if *name == TIMEOUT {
                &mut found.timeout
            } else {
                continue;
            };
            *slot = values.first().map(HeaderValue::as_str);
        }
        found
    }
}

/// The failures a reply can carry, as `Coact-Error` names them.
pub(super) mod failure {
    pub const PANICKED: &str = "panicked";
    pub const VERSION: &str = "version";
    pub const UNDECODABLE: &str = "undecodable";
    pub const GONE: &str = "gone";
}

/// A type that can cross the wire as an argument or value of a remote handler:
/// `Serialize + DeserializeOwned`, implemented for every such type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot cross the wire: the arguments and values of a \
               `#[deferred_handler(remote)]` must be `Serialize + DeserializeOwned`",
    label = "not `Serialize + DeserializeOwned`"
)]
pub trait Wire: Serialize + DeserializeOwned {}

impl<T: Serialize + DeserializeOwned> Wire for T {}

/// Checks, at a type's span in generated code, that the type can cross the wire: the one
/// place a remote handler's types are held to `Wire`, so that a type that cannot is
/// reported there and nowhere else.
#[doc(hidden)]
pub const fn assert_wire<T: Wire>() {}

/// Picks a type's encoder and decoder in generated code, by autoref: serde's when the type
/// is `Serialize + DeserializeOwned` (`(&&Probe::<T>::NEW).decoder()` finds [`ViaSerde`]),
/// else one that fails ([`ViaNothing`]), for a type [`assert_wire`] has already reported.
#[doc(hidden)]
pub struct Probe<T>(std::marker::PhantomData<fn() -> T>);

impl<T> Probe<T> {
    pub const NEW: Self = Self(std::marker::PhantomData);
}

/// A value's encoder.
pub type Encoder<T> = fn(&T) -> Result<Vec<u8>, DecodeError>;
/// A value's decoder.
pub type Decoder<T> = fn(&[u8]) -> Result<T, DecodeError>;

#[doc(hidden)]
pub trait ViaSerde<T> {
    fn encoder(&self) -> Encoder<T>;
    fn decoder(&self) -> Decoder<T>;
}

impl<T: Serialize + DeserializeOwned> ViaSerde<T> for &Probe<T> {
    fn encoder(&self) -> Encoder<T> {
        encode::<T>
    }
    fn decoder(&self) -> Decoder<T> {
        decode::<T>
    }
}

#[doc(hidden)]
pub trait ViaNothing<T> {
    fn encoder(&self) -> Encoder<T>;
    fn decoder(&self) -> Decoder<T>;
}

impl<T> ViaNothing<T> for Probe<T> {
    fn encoder(&self) -> Encoder<T> {
        |_| Err(DecodeError("the type cannot cross the wire".to_owned()))
    }
    fn decoder(&self) -> Decoder<T> {
        |_| Err(DecodeError("the type cannot cross the wire".to_owned()))
    }
}

/// Why a call or a reply did not decode (or encode).
#[doc(hidden)]
#[derive(Debug)]
pub struct DecodeError(pub(super) String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl DecodeError {
    /// No method of this name.
    #[must_use]
    pub fn unknown_method(method: &str) -> Self {
        Self(format!("the owner's handler has no method `{method}`"))
    }
}

/// Encodes a call's arguments or a value.
#[doc(hidden)]
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, DecodeError> {
    serde_json::to_vec(value).map_err(|error| DecodeError(error.to_string()))
}

/// Decodes a call's arguments or a value.
#[doc(hidden)]
pub fn decode<T: DeserializeOwned>(payload: &[u8]) -> Result<T, DecodeError> {
    serde_json::from_slice(payload).map_err(|error| DecodeError(error.to_string()))
}

/// Where a reply goes: the caller's inbox, and until when the caller waits.
pub(super) struct Route {
    /// The owner's connection, shared by all its calls (an `Arc`: a `Client` is a dozen
    /// reference counts to clone, and a queued call carries its route).
    pub(super) client: Arc<Client>,
    pub(super) to: Subject,
    pub(super) deadline: Option<Instant>,
}

impl Route {
    /// Sends a value.
    fn value(self, payload: Vec<u8>) {
        publish(&self.client, self.to, HeaderMap::new(), payload.into());
    }

    /// Sends a failure.
    pub(super) fn failure(self, kind: &'static str, message: &str, headers: HeaderMap) {
        let mut headers = headers;
        headers.insert(ERROR, kind);
        publish(
            &self.client,
            self.to,
            headers,
            Bytes::copy_from_slice(message.as_bytes()),
        );
    }
}

/// Publishes without waiting: at once when the client has room (the common case), else
/// from a task.
pub(super) fn publish(client: &Arc<Client>, to: Subject, headers: HeaderMap, payload: Bytes) {
    // In place first, with nothing boxed. The attempt is dropped unfinished only when the
    // client's buffer is full, and has then sent nothing (tokio's `Sender::send` is
    // cancel-safe), so a task sends the copies. The copies share the bytes of the
    // originals (a value's reply has no headers: its empty `HeaderMap` allocates nothing).
    // Unconstrained: tokio's cooperative budget must not send a ready reply to a task.
    let attempt = tokio::task::unconstrained(client.publish_with_headers(
        to.clone(),
        headers.clone(),
        payload.clone(),
    ))
    .now_or_never();
    match attempt {
        Some(result) => warn_unsent(result),
        None => publish_later(Arc::clone(client), to, headers, payload),
    }
}

/// Publishes from a task, once the client has room.
fn publish_later(client: Arc<Client>, to: Subject, headers: HeaderMap, payload: Bytes) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::warn!("coact: a remote call's reply was not sent: no tokio runtime");
        return;
    };
    drop(runtime.spawn(async move {
        warn_unsent(client.publish_with_headers(to, headers, payload).await);
    }));
}

fn warn_unsent(result: Result<(), async_nats::PublishError>) {
    if let Err(error) = result {
        tracing::warn!(%error, "coact: a remote call's reply was not sent");
    }
}

/// The reply slot of a call that came over NATS, before its method's value type is known.
/// The generated `decode` turns it into a typed [`Reply`] with [`WireSlot::reply`].
#[doc(hidden)]
pub struct WireSlot(pub(super) Slot);

/// Where a call's outcome goes.
pub(super) enum Slot {
    /// Nowhere: a oneway call, or a slot already made into a reply.
    Oneway,
    /// Back to a sync caller.
    Sync(Route),
    /// To the server, as the acknowledgement of a durable call.
    Durable(Ack),
}

impl WireSlot {
    /// The reply of a call whose value `encode` encodes: back to the caller for a sync
    /// call, the oneway reply (which logs failures) for a oneway call, and that reply plus
    /// the acknowledgement for a durable call.
    #[must_use]
    pub fn reply<T>(&mut self, encode: Encoder<T>) -> Reply<T> {
        match std::mem::replace(&mut self.0, Slot::Oneway) {
            Slot::Sync(route) => Reply::wire(WireReply {
                route: Some(route),
                encode,
            }),
            Slot::Durable(ack) => Reply::durable(ack),
            Slot::Oneway => Reply::oneway(),
        }
    }

    /// Refuses a call that will not run: logged here, told to a sync caller, and a
    /// durable call dropped by the server (it would be refused again).
    pub(super) fn refuse(self, kind: &'static str, reason: &str, method: &str, headers: HeaderMap) {
        tracing::warn!(method, reason, "coact: a remote call was refused");
        match self.0 {
            Slot::Sync(route) => route.failure(kind, reason, headers),
            Slot::Durable(ack) => ack.refuse(),
            Slot::Oneway => {}
        }
    }
}

/// The reply of a sync call that came over NATS. If it is dropped unsent (the owner went
/// away with the call queued), the caller is told the owner is gone.
pub struct WireReply<T> {
    route: Option<Route>,
    encode: Encoder<T>,
}

impl<T> WireReply<T> {
    /// Claims the call for running: `None` when its caller has stopped waiting.
    pub(in crate::handler) fn start(mut self) -> Option<Self> {
        let late = self
            .route
            .as_ref()
            .and_then(|route| route.deadline)
            .is_some_and(|deadline| Instant::now() >= deadline);
        if late {
            // Nobody waits for an answer: none is sent.
            self.route = None;
            tracing::debug!("remote call dropped: its caller stopped waiting before it started");
            return None;
        }
        Some(self)
    }

    /// Sends the method's value, or its panic, back to the caller.
    pub(in crate::handler) fn finish(mut self, method: &'static str, outcome: Result<T, String>) {
        let Some(route) = self.route.take() else {
            return;
        };
        match outcome.map(|value| (self.encode)(&value)) {
            Ok(Ok(payload)) => route.value(payload),
            Ok(Err(error)) => {
                tracing::warn!(method, %error, "coact: a remote call's value did not encode");
                route.failure(
                    failure::UNDECODABLE,
                    &format!("the value of `{method}` did not encode: {error}"),
                    HeaderMap::new(),
                );
            }
            Err(message) => route.failure(failure::PANICKED, &message, HeaderMap::new()),
        }
    }
}

impl<T> Drop for WireReply<T> {
    fn drop(&mut self) {
        if let Some(route) = self.route.take() {
            route.failure(
                failure::GONE,
                "the handler's owner is gone",
                HeaderMap::new(),
            );
        }
    }
}
