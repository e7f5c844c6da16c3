//! The owner's side: a [`Deferred`] served under a name. A task reads the calls from the
//! name's queue-group subscription, decodes them and queues them in the owner's mailbox,
//! like a local handle would; the owner runs them whenever it processes its mailbox, and
//! each sync call's reply goes straight back to its caller's inbox.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_nats::{Client, HeaderMap, HeaderValue, Message, Subscriber};
use futures_util::StreamExt as _;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::wire::{self, failure, CallHeaders, Route, WireSlot};
use super::{subject, Remote, RemoteError};
use crate::handler::mailbox::{Queued, Tx};
use crate::handler::{Deferred, Handle};

/// How an owner serves remote calls ([`Deferred::serve_remote_with`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServeOptions {
    /// The largest call payload decoded, in bytes; larger calls are refused with
    /// [`CallError::Undecodable`](crate::handler::CallError::Undecodable).
    pub max_payload: usize,
}

impl Default for ServeOptions {
    /// A 1 MiB payload limit (NATS's own default maximum message size).
    fn default() -> Self {
        Self {
            max_payload: 1 << 20,
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
}

/// An owner's subscription to its name: while it lives, remote calls to the name are
/// queued in the owner's mailbox. Dropping it unsubscribes; calls already queued stay
/// queued.
#[must_use = "dropping the server stops serving the name"]
pub struct RemoteServer {
    name: Arc<str>,
    task: JoinHandle<()>,
}

impl RemoteServer {
    /// The name served.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for RemoteServer {
    fn drop(&mut self) {
        self.task.abort();
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
    /// As [`serve_remote`](Self::serve_remote).
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
        registered(client).await.map_err(failed)?;
        let task = tokio::spawn(serve(
            self.handle(),
            Arc::new(client.clone()),
            calls,
            options,
        ));
        Ok(RemoteServer {
            name: name.into(),
            task,
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
        accept(&handle, &client, message, &options).await;
    }
}

/// Checks, decodes and queues one call; a call that cannot run gets an error reply (a sync
/// call) and a warning. Waits for room in a full bounded mailbox.
async fn accept<H: Remote>(
    handle: &Handle<H>,
    client: &Arc<Client>,
    message: Message,
    options: &ServeOptions,
) {
    let found = CallHeaders::read(message.headers.as_ref());
    let deadline = found
        .timeout
        .and_then(|millis| millis.parse().ok())
        .map(|millis| Instant::now() + Duration::from_millis(millis));
    let route = message.reply.map(|to| Route {
        client: Arc::clone(client),
        to,
        deadline,
    });
    let Some(method) = found.method else {
        let reason = "the message names no method";
        return refuse(route, failure::UNDECODABLE, reason, "?", HeaderMap::new());
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
        return refuse(route, failure::VERSION, &reason, method, headers);
    }
    if message.payload.len() > options.max_payload {
        let reason = format!(
            "the call's payload of {} bytes is over the owner's limit of {} bytes",
            message.payload.len(),
            options.max_payload
        );
        return refuse(
            route,
            failure::UNDECODABLE,
            &reason,
            method,
            HeaderMap::new(),
        );
    }
    let mut slot = WireSlot(route);
    match H::decode(method, &message.payload, &mut slot) {
        Ok(call) => queue(handle, call).await,
        Err(error) => {
            let reason = format!("the owner could not decode the call: {error}");
            refuse(
                slot.0.take(),
                failure::UNDECODABLE,
                &reason,
                method,
                HeaderMap::new(),
            );
        }
    }
}

/// Refuses a call that will not run: logged here, and told to a sync caller.
fn refuse(
    route: Option<Route>,
    kind: &'static str,
    reason: &str,
    method: &str,
    headers: HeaderMap,
) {
    tracing::warn!(method, reason, "coact: a remote call was refused");
    if let Some(route) = route {
        route.failure(kind, reason, headers);
    }
}

/// Queues a decoded call in the owner's mailbox, as a local handle would. If the owner is
/// gone, the call is dropped, and its reply tells a sync caller so.
async fn queue<H: Remote>(handle: &Handle<H>, call: H::Call) {
    let call = Queued {
        call,
        waiting: None,
    };
    match &handle.tx {
        Tx::Unbounded(tx) => {
            let _ = tx.send(call);
        }
        Tx::Bounded(tx) => {
            let _ = tx.send(call).await;
        }
    }
}
