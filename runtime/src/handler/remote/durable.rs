//! Durable oneway calls: at least once, through a JetStream stream.
//!
//! A name served durably has a stream, `COACT_<name>` (dots become `_`), holding the
//! subject `coact-durable.<name>`, with work-queue retention: a call stays stored until an
//! owner acknowledges it. Every owner serving the name pulls from one durable consumer
//! (`coact`), so each call goes to one of them.
//!
//! The caller's side ([`Publisher`]) publishes each call with a fresh message id, which
//! the stream uses to drop duplicates within its two-minute window; a task awaits the
//! server's acknowledgements and publishes again, under the same id, a call the server did
//! not confirm, until the handle's timeout.
//!
//! The owner's side ([`serve`]) queues each delivered call in the mailbox with an [`Ack`],
//! sent when the method has run: an owner that stops before then (crash, `Deferred`
//! dropped with the call queued) leaves the call to be delivered again. While calls wait
//! in the mailbox, a task tells the server they are in progress, so that it does not give
//! them to another owner.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use async_nats::jetstream::consumer::{pull, AckPolicy};
use async_nats::jetstream::context::{PublishAckFuture, PublishErrorKind};
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::{self, stream, Context};
use async_nats::{header, Client, HeaderMap, Subject};
use bytes::Bytes;
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt as _, StreamExt as _};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::owner::{accept, ServeOptions};
use super::wire::{publish, Slot, WireSlot};
use super::{Remote, RemoteError};
use crate::handler::{CallError, Handle};

/// The name of the consumer every owner of a name pulls from.
const CONSUMER: &str = "coact";

/// The subject and stream of a name's durable calls, for a name [`super::subject`]
/// accepted.
pub(super) fn names(name: &str) -> (String, String) {
    (
        format!("coact-durable.{name}"),
        format!("COACT_{}", name.replace('.', "_")),
    )
}

/// The name's stream, created if it does not exist yet: callers and owners both make sure
/// of it, so that calls sent before any owner started are kept.
async fn stream(jetstream: &Context, name: &str) -> Result<stream::Stream, RemoteError> {
    let (subject, stream) = names(name);
    let failed = |source: async_nats::Error| RemoteError::JetStream {
        name: name.to_owned(),
        source,
    };
    let found = jetstream
        .get_or_create_stream(stream::Config {
            name: stream.clone(),
            subjects: vec![subject.clone()],
            retention: stream::RetentionPolicy::WorkQueue,
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        })
        .await
        .map_err(|error| failed(error.into()))?;
    if found.cached_info().config.subjects.contains(&subject) {
        Ok(found)
    } else {
        Err(failed(
            format!("the stream `{stream}` exists and holds other subjects").into(),
        ))
    }
}

// --- The caller's side ---

/// Publishes a handle's durable oneway calls and sees each one stored.
pub(super) struct Publisher {
    jetstream: Context,
    subject: Subject,
    /// Unique to this publisher: with a counter, each call's message id.
    id: String,
    next: AtomicU64,
    /// Hands each publish's acknowledgement to the task awaiting them.
    sent: mpsc::UnboundedSender<Sent>,
    /// How many calls are not confirmed or given up yet.
    outstanding: watch::Sender<usize>,
    /// The calls given up since the last `flush`, and the first reason.
    lost: Arc<Mutex<Option<(usize, String)>>>,
}

/// A call published, awaiting the server's acknowledgement.
struct Sent {
    method: &'static str,
    /// The call as published, to publish again (its bytes are shared, not copied).
    call: PublishMessage,
    ack: PublishAckFuture,
}

impl Publisher {
    /// Makes sure the name's stream exists, and starts the task that awaits the
    /// acknowledgements; `limit` bounds how long a call is published again.
    pub(super) async fn new(
        client: &Client,
        name: &str,
        limit: Duration,
    ) -> Result<Self, RemoteError> {
        let jetstream = jetstream::new(client.clone());
        stream(&jetstream, name).await?;
        let subject = Subject::from(names(name).0);
        let (sent, queue) = mpsc::unbounded_channel();
        let (outstanding, _) = watch::channel(0);
        let lost = Arc::new(Mutex::new(None));
        tokio::spawn(confirm(
            jetstream.clone(),
            subject.clone(),
            queue,
            outstanding.clone(),
            Arc::clone(&lost),
            limit,
        ));
        let inbox = client.new_inbox();
        Ok(Self {
            subject,
            jetstream,
            id: inbox.rsplit('.').next().unwrap_or(&inbox).to_owned(),
            next: AtomicU64::new(0),
            sent,
            outstanding,
            lost,
        })
    }

    /// Publishes a call under a fresh message id, without waiting.
    pub(super) fn publish(
        &self,
        method: &'static str,
        mut headers: HeaderMap,
        payload: Bytes,
    ) -> Result<(), CallError> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        headers.insert(header::NATS_MESSAGE_ID, format!("{}.{n}", self.id).as_str());
        let call = PublishMessage::build().headers(headers).payload(payload);
        let send = self
            .jetstream
            .send_publish(self.subject.clone(), call.clone());
        // In place, as a plain oneway call: the client's buffer takes it at once, or the
        // call is refused (the acknowledgements awaited are at the context's limit, or the
        // buffer is full).
        match tokio::task::unconstrained(send).now_or_never() {
            Some(Ok(ack)) => {
                self.outstanding.send_modify(|n| *n += 1);
                // The task ends only once every sender is gone: it is alive here.
                let _ = self.sent.send(Sent { method, call, ack });
                Ok(())
            }
            Some(Err(error)) => Err(CallError::Transport {
                method,
                message: error.to_string(),
            }),
            None => Err(CallError::MailboxFull { method }),
        }
    }

    /// Waits until every call published so far is stored or given up.
    pub(super) async fn flush(&self) -> Result<(), RemoteError> {
        let mut outstanding = self.outstanding.subscribe();
        // The sender lives in `self`: the wait ends only with a count of zero.
        let _ = outstanding.wait_for(|n| *n == 0).await;
        let lost = self
            .lost
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match lost {
            None => Ok(()),
            Some((calls, reason)) => Err(RemoteError::NotStored { calls, reason }),
        }
    }
}

/// Awaits the acknowledgement of every call published, publishing a call again (same
/// message id: the stream keeps one) while the server has not confirmed it, until `limit`
/// after its first publish.
async fn confirm(
    jetstream: Context,
    subject: Subject,
    mut queue: mpsc::UnboundedReceiver<Sent>,
    outstanding: watch::Sender<usize>,
    lost: Arc<Mutex<Option<(usize, String)>>>,
    limit: Duration,
) {
    let mut waiting = FuturesUnordered::new();
    loop {
        tokio::select! {
            sent = queue.recv() => match sent {
                Some(sent) => waiting.push(store(&jetstream, &subject, sent, limit)),
                None if waiting.is_empty() => return,
                // Every handle is gone: only the calls in flight are left.
                None => {
                    while let Some(outcome) = waiting.next().await {
                        settle(outcome, &outstanding, &lost);
                    }
                    return;
                }
            },
            Some(outcome) = waiting.next(), if !waiting.is_empty() => {
                settle(outcome, &outstanding, &lost);
            }
        }
    }
}

/// Sees one call stored: `Err` with its method and the reason when given up.
async fn store(
    jetstream: &Context,
    subject: &Subject,
    sent: Sent,
    limit: Duration,
) -> Result<(), (&'static str, String)> {
    let Sent {
        method,
        call,
        mut ack,
    } = sent;
    let until = Instant::now() + limit;
    let mut pause = Duration::from_millis(50);
    loop {
        let Err(error) = ack.await else {
            return Ok(());
        };
        // Only a missing answer is worth another try: the server may have stored the call
        // (the message id then drops the copy), or a stream may appear.
        let again = matches!(
            error.kind(),
            PublishErrorKind::TimedOut
                | PublishErrorKind::StreamNotFound
                | PublishErrorKind::BrokenPipe
        );
        if !again || Instant::now() + pause >= until {
            return Err((method, error.to_string()));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(2));
        ack = match jetstream.send_publish(subject.clone(), call.clone()).await {
            Ok(ack) => ack,
            Err(error) => return Err((method, error.to_string())),
        };
    }
}

fn settle(
    outcome: Result<(), (&'static str, String)>,
    outstanding: &watch::Sender<usize>,
    lost: &Mutex<Option<(usize, String)>>,
) {
    if let Err((method, reason)) = outcome {
        tracing::error!(method, %reason, "coact: a durable oneway call was not stored");
        let mut lost = lost.lock().unwrap_or_else(PoisonError::into_inner);
        match &mut *lost {
            Some((calls, _)) => *calls += 1,
            None => *lost = Some((1, reason)),
        }
    }
    outstanding.send_modify(|n| *n -= 1);
}

// --- The owner's side ---

/// The durable calls an owner holds, unacknowledged, by stream sequence: the subject to
/// acknowledge each by (that of its latest delivery).
type Held = Arc<Mutex<HashMap<u64, Subject>>>;

/// The acknowledgement a durable call owes the server: sent once its method has run. If it
/// is dropped unsent (the call will not run here), the call is handed back at once, to be
/// delivered again.
pub struct Ack {
    client: Arc<Client>,
    held: Held,
    sequence: u64,
    sent: bool,
}

impl Ack {
    /// The method has run (returned, failed or panicked): the call is done.
    pub(in crate::handler) fn done(mut self) {
        self.send(b"+ACK");
    }

    /// The call will never run (it does not decode, or its version differs): the server
    /// drops it.
    pub(super) fn refuse(mut self) {
        self.send(b"+TERM");
    }

    fn send(&mut self, kind: &'static [u8]) {
        self.sent = true;
        let to = self
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.sequence);
        if let Some(to) = to {
            publish(&self.client, to, HeaderMap::new(), Bytes::from_static(kind));
        }
    }
}

impl Drop for Ack {
    fn drop(&mut self) {
        if !self.sent {
            self.send(HAND_BACK);
        }
    }
}

/// A call handed back is delivered again after a second: time for the owner that handed it
/// back, if it is stopping, to end its subscription, so that another owner gets it.
const HAND_BACK: &[u8] = b"-NAK {\"delay\":1000000000}";

/// Resolves once the owner's mailbox is closed (the `Deferred` dropped).
async fn closed<H: Remote>(handle: &Handle<H>) {
    handle.tx.closed().await;
}

/// Pulls the name's durable calls into the owner's mailbox until the mailbox closes.
/// Returns the task that keeps the calls held in progress, to end with the server.
pub(super) async fn serve<H: Remote>(
    handle: Handle<H>,
    client: Arc<Client>,
    name: &str,
    options: ServeOptions,
) -> Result<impl std::future::Future<Output = ()> + Send + 'static, RemoteError> {
    let jetstream = jetstream::new((*client).clone());
    let failed = |source: async_nats::Error| RemoteError::JetStream {
        name: name.to_owned(),
        source,
    };
    let consumer = stream(&jetstream, name)
        .await?
        .create_consumer(pull::Config {
            durable_name: Some(CONSUMER.to_owned()),
            ack_policy: AckPolicy::Explicit,
            ack_wait: options.ack_wait,
            ..Default::default()
        })
        .await
        .map_err(|error| failed(error.into()))?;
    let mut messages = consumer
        .messages()
        .await
        .map_err(|error| failed(error.into()))?;
    let held: Held = Arc::default();
    let progress = tokio::spawn(in_progress(
        Arc::clone(&client),
        Arc::downgrade(&held),
        options.ack_wait / 3,
    ));
    Ok(async move {
        let _progress = AbortOnDrop(progress);
        loop {
            let next = tokio::select! {
                biased;
                // The owner is gone: stop pulling (the calls it held went back).
                () = closed(&handle) => return,
                next = messages.next() => next,
            };
            let Some(next) = next else { return };
            let message = match next {
                Ok(message) => message,
                Err(error) => {
                    tracing::debug!(%error, "coact: durable calls: pull interrupted");
                    continue;
                }
            };
            let Some(sequence) = message.info().ok().map(|info| info.stream_sequence) else {
                continue;
            };
            let Some(to) = message.message.reply.clone() else {
                continue;
            };
            {
                let mut held = held.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(latest) = held.get_mut(&sequence) {
                    // Delivered again while queued here: still in progress, not twice.
                    *latest = to.clone();
                    publish(&client, to, HeaderMap::new(), Bytes::from_static(b"+WPI"));
                    continue;
                }
                held.insert(sequence, to);
            }
            let ack = Ack {
                client: Arc::clone(&client),
                held: Arc::clone(&held),
                sequence,
                sent: false,
            };
            let slot = WireSlot(Slot::Durable(ack));
            let message = message.message;
            if !accept(
                &handle,
                message.headers.as_ref(),
                &message.payload,
                slot,
                &options,
            )
            .await
            {
                // The owner is gone: the calls go back to the server.
                return;
            }
        }
    })
}

/// Tells the server, every `every`, that the calls held are in progress.
async fn in_progress(
    client: Arc<Client>,
    held: Weak<Mutex<HashMap<u64, Subject>>>,
    every: Duration,
) {
    let mut tick = tokio::time::interval(every.max(Duration::from_millis(10)));
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(held) = held.upgrade() else { return };
        let subjects: Vec<Subject> = held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        for to in subjects {
            publish(&client, to, HeaderMap::new(), Bytes::from_static(b"+WPI"));
        }
    }
}

/// Aborts a task when dropped.
pub(super) struct AbortOnDrop(pub(super) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
