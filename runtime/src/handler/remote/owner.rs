//! The owner's side: a [`Deferred`] served under a name. A task reads the calls from the
//! name's queue-group subscription, decodes them and queues them in the owner's mailbox,
//! like a local handle would; the owner runs them whenever it processes its mailbox, and
//! each sync call's reply goes straight back to its caller's inbox.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_nats::{Client, HeaderMap, HeaderValue, Subscriber};
use futures_util::StreamExt as _;
use tokio::time::Instant;

use super::durable::{self, AbortOnDrop};
use super::wire::{self, failure, CallHeaders, Route, Slot, WireSlot};
use super::{subject, Remote, RemoteError};
use crate::handler::mailbox::{Caller, Queued};
use crate::handler::{Deferred, Handle};

/// How an owner serves remote calls ([`Deferred::serve_remote_with`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServeOptions {
    /// The largest call payload decoded, in bytes; larger calls are refused with
    /// [`CallError::Undecodable`](crate::handler::CallError::Undecodable).
    pub max_payload: usize,
    /// Whether the owner also takes the name's durable oneway calls (see
    /// [`RemoteHandle::durable`](super::RemoteHandle::durable)).
    pub durable: bool,
    /// How long the server waits for a durable call's acknowledgement before it delivers
    /// the call again; the owner renews it while the call waits in its mailbox, so it
    /// bounds how soon a call held by an owner that stopped reaches another.
    pub ack_wait: Duration,
}

impl Default for ServeOptions {
    /// A 1 MiB payload limit (NATS's own default maximum message size); durable calls not
    /// taken; a 30 s acknowledgement wait.
    fn default() -> Self {
        Self {
            max_payload: 1 << 20,
            durable: false,
            ack_wait: Duration::from_secs(30),
        }
    }
}

impl ServeOptions {
    /// Sets the largest call payload decoded, in bytes.
    #[must_use]
    pub fn max_payload(mut self, bytes: usize) -> Self {
        self.max_payload = bytes;
        self
    }

    /// Takes the name's durable oneway calls too: they are kept in a JetStream stream (the
    /// server must have JetStream enabled) until an owner has run them.
    #[must_use]
    pub fn durable(mut self) -> Self {
        self.durable = true;
        self
    }

    /// Sets how long the server waits for a durable call's acknowledgement.
    #[must_use]
    pub fn ack_wait(mut self, limit: Duration) -> Self {
        self.ack_wait = limit;
        self
    }
}

/// An owner's subscription to its name: while it lives, remote calls to the name are
/// queued in the owner's mailbox. Dropping it unsubscribes; calls already queued stay
/// queued.
#[must_use = "dropping the server stops serving the name"]
pub struct RemoteServer {
    name: Arc<str>,
    _calls: AbortOnDrop,
    _durable: Option<AbortOnDrop>,
}

impl RemoteServer {
    /// The name served.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Debug for RemoteServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteServer")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<H: Remote> Deferred<H> {
    /// Serves this handler over NATS under `name` (see [`handler::remote`](super)), with
    /// the default [`ServeOptions`].
    ///
    /// Remote calls are queued in this owner's mailbox, as local calls are, and run only
    /// when the owner processes it. While the returned [`RemoteServer`] lives, the owner
    /// counts it as a live handle: `process_forever` does not end for want of handles.
    /// Several owners may serve one name; each call runs on exactly one of them.
    ///
    /// Must be called inside a tokio runtime, which runs the subscription's task.
    ///
    /// # Errors
    ///
    /// [`RemoteError::InvalidName`] for a name that cannot be part of a NATS subject,
    /// [`RemoteError::Subscribe`] when the server does not take the subscription.
    pub async fn serve_remote(
        &self,
        client: &Client,
        name: &str,
    ) -> Result<RemoteServer, RemoteError> {
        self.serve_remote_with(client, name, ServeOptions::default())
            .await
    }

    /// [`serve_remote`](Self::serve_remote) with options.
    ///
    /// # Errors
    ///
    /// As [`serve_remote`](Self::serve_remote); with [`ServeOptions::durable`],
    /// [`RemoteError::JetStream`] when the server cannot keep the name's durable calls
    /// (JetStream not enabled, or the stream's name taken by another).
    pub async fn serve_remote_with(
        &self,
        client: &Client,
        name: &str,
        options: ServeOptions,
    ) -> Result<RemoteServer, RemoteError> {
        let subject = subject(name)?;
        let failed = |source: async_nats::Error| RemoteError::Subscribe {
            name: name.to_owned(),
            source,
        };
        let calls = client
            .queue_subscribe(subject.clone(), subject)
            .await
            .map_err(|error| failed(error.into()))?;
        let client = Arc::new(client.clone());
        let durable = if options.durable {
            let pull = durable::serve(self.handle(), Arc::clone(&client), name, options.clone());
            Some(AbortOnDrop(tokio::spawn(pull.await?)))
        } else {
            None
        };
        registered(&client).await.map_err(failed)?;
        let calls = tokio::spawn(serve(self.handle(), client, calls, options));
        Ok(RemoteServer {
            name: name.into(),
            _calls: AbortOnDrop(calls),
            _durable: durable,
        })
    }
}

/// Returns once the server has handled everything the client sent before, the
/// subscription included, so that a call made next, from any connection, finds it. (A
/// `flush` only writes the client's buffer out.) The server handles a connection's
/// messages in order: a message to a subject of our own, sent now, comes back after.
async fn registered(client: &Client) -> Result<(), async_nats::Error> {
    let probe = client.new_inbox();
    let mut echo = client.subscribe(probe.clone()).await?;
    client.publish(probe, bytes::Bytes::new()).await?;
    match echo.next().await {
        Some(_) => Ok(()),
        None => Err("the connection closed before the subscription was confirmed".into()),
    }
}

/// Queues every call that arrives, until the subscription ends.
async fn serve<H: Remote>(
    handle: Handle<H>,
    client: Arc<Client>,
    mut calls: Subscriber,
    options: ServeOptions,
) {
    while let Some(message) = calls.next().await {
        let slot = WireSlot(match message.reply {
            Some(to) => Slot::Sync(Route {
                client: Arc::clone(&client),
                to,
                deadline: None,
            }),
            None => Slot::Oneway,
        });
        // A call that finds the owner gone is told so; the name stays served until the
        // server is dropped, so that callers hear `Gone` rather than nothing.
        let headers = message.headers.as_ref();
        accept(&handle, headers, &message.payload, slot, &options).await;
    }
}

/// Checks, decodes and queues one call; a call that cannot run is refused through its
/// slot (an error reply to a sync caller, a durable call dropped by the server) and a
/// warning. Waits for room in a full bounded mailbox. Returns `false` when the owner is
/// gone.
pub(super) async fn accept<H: Remote>(
    handle: &Handle<H>,
    headers: Option<&HeaderMap>,
    payload: &[u8],
    mut slot: WireSlot,
    options: &ServeOptions,
) -> bool {
    let found = CallHeaders::read(headers);
    if let (Slot::Sync(route), Some(millis)) = (&mut slot.0, found.timeout) {
        route.deadline = millis
            .parse()
            .ok()
            .map(|millis| Instant::now() + Duration::from_millis(millis));
    }
    let Some(method) = found.method else {
        let reason = "the message names no method";
        slot.refuse(failure::UNDECODABLE, reason, "?", HeaderMap::new());
        return true;
    };
    let version = found
        .version
        .and_then(|version| version.parse::<u32>().ok());
    if version != Some(H::VERSION) {
        let reason = format!(
            "the caller has version {} of the handler, the owner version {}",
            version.map_or_else(|| "(none)".to_owned(), |v| v.to_string()),
            H::VERSION
        );
        // The owner's version travels apart, for the caller's error.
        let mut headers = HeaderMap::new();
        headers.insert(wire::VERSION, HeaderValue::from(H::VERSION));
        slot.refuse(failure::VERSION, &reason, method, headers);
        return true;
    }
    if payload.len() > options.max_payload {
        let reason = format!(
            "the call's payload of {} bytes is over the owner's limit of {} bytes",
            payload.len(),
            options.max_payload
        );
        slot.refuse(failure::UNDECODABLE, &reason, method, HeaderMap::new());
        return true;
    }
    match H::decode(method, payload, &mut slot) {
        Ok(call) => queue(handle, call).await,
        Err(error) => {
            let reason = format!("the owner could not decode the call: {error}");
            slot.refuse(failure::UNDECODABLE, &reason, method, HeaderMap::new());
            true
        }
    }
}

/// Queues a decoded call in the owner's mailbox, as a local handle would. If the owner is
/// gone, the call is dropped (its reply tells a sync caller so, and a durable call goes
/// back to the server) and `false` returned.
async fn queue<H: Remote>(handle: &Handle<H>, call: H::Call) -> bool {
    let call = Queued {
        call,
        waiting: None,
        caller: Caller(None),
    };
    handle.tx.send(call).await.is_ok()
}
