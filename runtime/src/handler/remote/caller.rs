//! [`RemoteHandle`]: the callers' side of a handler served over NATS.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_nats::client::RequestErrorKind;
use async_nats::{Client, HeaderMap, HeaderValue, Message, Request, Subject};
use futures_util::FutureExt as _;

use super::super::generated::{OnewayProxy, SyncProxy, Target};
use super::durable::Publisher;
use super::wire::{self, failure, Decoder};
use super::{subject, Remote, RemoteError, DEFAULT_TIMEOUT};
use crate::handler::{CallError, Handler};

/// A handle to a deferred handler served over NATS under a name (see the
/// [module docs](super)): the same `sync()` and `oneway()` proxies as a local
/// [`Handle`](crate::handler::Handle), reaching whichever owner serves the name.
///
/// Cheap to clone; `Send + Sync`.
pub struct RemoteHandle<H: Handler> {
    client: Client,
    subject: Subject,
    name: Arc<str>,
    timeout: Duration,
    /// Present once oneway calls are durable.
    durable: Option<Arc<Publisher>>,
    handler: PhantomData<fn() -> H>,
}

/// A remote sync call on its way: request, then the reply's decoding.
pub(in crate::handler) type Pending<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, CallError>> + Send + 'a>>;

impl<H: Remote> RemoteHandle<H> {
    /// A handle calling the owners that serve `name` through `client`. Nothing is sent
    /// until a call is made.
    ///
    /// # Errors
    ///
    /// [`RemoteError::InvalidName`] when `name` cannot be part of a NATS subject: it must
    /// be one or more dot-separated parts of ASCII letters, digits, `_` and `-`.
    pub fn new(client: &Client, name: &str) -> Result<Self, RemoteError> {
        Ok(Self {
            client: client.clone(),
            subject: Subject::from(subject(name)?),
            name: name.into(),
            timeout: DEFAULT_TIMEOUT,
            durable: None,
            handler: PhantomData,
        })
    }

    /// Makes this handle's oneway calls durable: each is stored by the server (JetStream,
    /// which the server must have enabled) until an owner serving the name with
    /// [`ServeOptions::durable`](super::ServeOptions::durable) has run it, so calls sent
    /// while no owner runs wait for one. Delivery is at least once: a call runs again if
    /// its owner stops after running it but before acknowledging it.
    ///
    /// A durable `oneway()` call returns once the call is in the connection's buffer; a
    /// task then sees it stored, publishing it again (under the same message id, so the
    /// server keeps one copy) while the server has not confirmed it, for up to the
    /// handle's timeout. [`flush`](Self::flush) waits for that. Set the timeout with
    /// [`with_timeout`](Self::with_timeout) before calling this.
    ///
    /// Sync calls are unchanged: they need an owner running.
    ///
    /// # Errors
    ///
    /// [`RemoteError::JetStream`] when the server cannot keep the calls.
    pub async fn durable(mut self) -> Result<Self, RemoteError> {
        let publisher = Publisher::new(&self.client, &self.name, self.timeout).await?;
        self.durable = Some(Arc::new(publisher));
        Ok(self)
    }

    /// Waits until every oneway call sent so far through this handle and its clones has
    /// left: for a [durable](Self::durable) handle, until the server has stored each one
    /// (or it was given up), else until the connection has written them out.
    ///
    /// # Errors
    ///
    /// [`RemoteError::NotStored`] with the durable calls given up since the last flush
    /// (they will not run); [`RemoteError::Flush`] when the connection failed.
    pub async fn flush(&self) -> Result<(), RemoteError> {
        match &self.durable {
            Some(publisher) => publisher.flush().await,
            None => self
                .client
                .flush()
                .await
                .map_err(|error| RemoteError::Flush {
                    source: error.into(),
                }),
        }
    }

    /// Sets how long sync calls wait for their result when they are not given a
    /// `sync().timeout(d)` ([`DEFAULT_TIMEOUT`] otherwise).
    #[must_use]
    pub fn with_timeout(mut self, limit: Duration) -> Self {
        self.timeout = limit;
        self
    }

    /// The name this handle calls.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The sync proxy, as [`Handle::sync`](crate::handler::Handle::sync): each method sends
    /// the call and resolves to its value once an owner has run it.
    #[must_use]
    pub fn sync(&self) -> H::Sync<'_> {
        H::sync_proxy(SyncProxy {
            target: Target::Remote(self),
            timeout: None,
        })
    }

    /// The oneway proxy, as [`Handle::oneway`](crate::handler::Handle::oneway): each method
    /// publishes the call once (at most once) and returns.
    #[must_use]
    pub fn oneway(&self) -> H::Oneway<'_> {
        H::oneway_proxy(OnewayProxy {
            target: Target::Remote(self),
        })
    }

    fn headers(method: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(wire::METHOD, method);
        headers.insert(wire::VERSION, HeaderValue::from(H::VERSION));
        headers
    }

    /// Sends `call` as a request and decodes its reply.
    pub(in crate::handler) fn request<T: Send + 'static>(
        &self,
        method: &'static str,
        call: &H::Call,
        timeout: Option<Duration>,
        decode: Decoder<T>,
    ) -> Pending<'_, T> {
        let limit = timeout.unwrap_or(self.timeout);
        let encoded = H::encode(call);
        Box::pin(async move {
            let payload = encoded.map_err(|error| CallError::Undecodable {
                method,
                reason: format!("the call did not encode: {error}"),
            })?;
            let mut headers = Self::headers(method);
            let millis = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
            headers.insert(wire::TIMEOUT, HeaderValue::from(millis));
            let request = Request::new()
                .headers(headers)
                .payload(payload.into())
                .timeout(Some(limit));
            match self
                .client
                .send_request(self.subject.clone(), request)
                .await
            {
                Ok(reply) => read_reply(method, H::VERSION, &reply, decode),
                Err(error) => Err(match error.kind() {
                    RequestErrorKind::NoResponders => CallError::NoResponders {
                        method,
                        name: self.name.to_string(),
                    },
                    RequestErrorKind::TimedOut => CallError::TimedOut {
                        method,
                        after: limit,
                        started: true,
                    },
                    _ => CallError::Transport {
                        method,
                        message: error.to_string(),
                    },
                }),
            }
        })
    }

    /// Publishes `call` once, without waiting for it.
    pub(in crate::handler) fn publish(
        &self,
        method: &'static str,
        call: &H::Call,
    ) -> Result<(), CallError> {
        let payload = H::encode(call).map_err(|error| CallError::Undecodable {
            method,
            reason: format!("the call did not encode: {error}"),
        })?;
        if let Some(publisher) = &self.durable {
            return publisher.publish(method, Self::headers(method), payload.into());
        }
        let send = self.client.publish_with_headers(
            self.subject.clone(),
            Self::headers(method),
            payload.into(),
        );
        // Unconstrained: tokio's cooperative budget must not make a full-looking buffer of
        // a caller that has merely been busy.
        match tokio::task::unconstrained(send).now_or_never() {
            Some(Ok(())) => Ok(()),
            Some(Err(error)) => Err(CallError::Transport {
                method,
                message: error.to_string(),
            }),
            // The client's outgoing buffer is full: the call was not sent.
            None => Err(CallError::MailboxFull { method }),
        }
    }
}

/// The value or failure a reply carries.
fn read_reply<T>(
    method: &'static str,
    version: u32,
    reply: &Message,
    decode: Decoder<T>,
) -> Result<T, CallError> {
    let failed = reply
        .headers
        .as_ref()
        .and_then(|headers| Some((headers, headers.get(wire::ERROR)?)));
    let Some((headers, kind)) = failed else {
        return decode(&reply.payload).map_err(|error| CallError::Undecodable {
            method,
            reason: format!("the reply did not decode: {error}"),
        });
    };
    let message = String::from_utf8_lossy(&reply.payload).into_owned();
    Err(match kind.as_str() {
        failure::PANICKED => CallError::Panicked { method, message },
        failure::GONE => CallError::Gone { method },
        failure::VERSION => CallError::VersionMismatch {
            method,
            caller: version,
            owner: headers
                .get(wire::VERSION)
                .and_then(|owner| owner.as_str().parse().ok())
                .unwrap_or(0),
        },
        _ => CallError::Undecodable {
            method,
            reason: message,
        },
    })
}

impl<H: Handler> Clone for RemoteHandle<H> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            subject: self.subject.clone(),
            name: Arc::clone(&self.name),
            timeout: self.timeout,
            durable: self.durable.clone(),
            handler: PhantomData,
        }
    }
}

impl<H: Handler> fmt::Debug for RemoteHandle<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteHandle")
            .field("name", &self.name)
            .field("timeout", &self.timeout)
            .field("durable", &self.durable.is_some())
            .finish_non_exhaustive()
    }
}
