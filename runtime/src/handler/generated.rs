//! Items only `#[deferred_handler]`'s output names, reached through `coact::__private`:
//! the proxies behind the generated `<Type>Sync` / `<Type>Oneway` types, the reply
//! protocol between a caller and the owner, the panic guards around a method, and the
//! reporting of what a oneway call returned.
//!
//! The reply protocol: a sync call carries the sender of its reply slot (`reply_slot.rs`)
//! and, when it
//! has a timeout, the claim the owner and the caller race for (`handoff.rs`), so a call
//! that timed out before it started never runs, and the caller can tell whether it had
//! started.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use super::handoff::Claim;
use super::mailbox::{Caller, Queued};
use super::queue::Refused;
use super::reply_slot::{reply_slot, ReplyReceiver, ReplySender};
use super::{CallError, Handle, Handler, SyncCall};
use crate::panic::panic_message;

/// Where a proxy's calls go: the owner's mailbox in this process, or (feature `nats`) an
/// owner serving the handler under a name.
pub(super) enum Target<'a, H: Handler> {
    Local(&'a Handle<H>),
    #[cfg(feature = "nats")]
    Remote(&'a super::remote::RemoteHandle<H>),
}

impl<H: Handler> Clone for Target<'_, H> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<H: Handler> Copy for Target<'_, H> {}

/// The engine behind a generated `<Type>Sync` proxy.
#[doc(hidden)]
pub struct SyncProxy<'a, H: Handler> {
    pub(super) target: Target<'a, H>,
    pub(super) timeout: Option<Duration>,
}

impl<H: Handler> Clone for SyncProxy<'_, H> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<H: Handler> Copy for SyncProxy<'_, H> {}

impl<'a, H: Handler> SyncProxy<'a, H> {
    #[must_use]
    pub fn with_timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    /// Builds the call `make(args, reply)`; the returned future queues it when first polled
    /// and waits for its result.
    ///
    /// `make` is the call enum's variant for the method (a constructor, not a closure:
    /// generated code then has no closure per method for the compiler to check).
    // Always inlined, as the generated proxy method is: a 96-byte `SyncCall` returned from
    // a function kept out of line was written in pieces and read back whole by the caller,
    // a load that waited for the stores (BENCHMARKS.md, "Built and read in the caller's
    // frame").
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn call<A, K: Into<H::Call>, T: Send + 'static>(
        self,
        method: &'static str,
        args: A,
        make: impl FnOnce(A, Reply<T>) -> K,
    ) -> SyncCall<'a, H, T> {
        match self.target {
            Target::Local(handle) => self.local(handle, method, args, make),
            // A remote handle exists only for handlers with a wire form, whose proxies call
            // `call_wire`: this is never reached.
            #[cfg(feature = "nats")]
            Target::Remote(_) => SyncCall::failed(super::remote::no_wire_form(method)),
        }
    }

    #[allow(clippy::inline_always)] // see `call`
    #[inline(always)]
    fn local<A, K: Into<H::Call>, T: Send + 'static>(
        self,
        handle: &'a Handle<H>,
        method: &'static str,
        args: A,
        make: impl FnOnce(A, Reply<T>) -> K,
    ) -> SyncCall<'a, H, T> {
        // Two paths, so that the untimed one (the common case) carries no claim at all.
        let Some(limit) = self.timeout else {
            let (reply, rx, _) = Reply::sync(false);
            return SyncCall::new(handle, method, make(args, reply).into(), rx, None);
        };
        let (reply, rx, claim) = Reply::sync(true);
        let timer = claim.map(|claim| (limit, claim));
        SyncCall::new(handle, method, make(args, reply).into(), rx, timer)
    }
}

#[cfg(feature = "nats")]
impl<'a, H: super::remote::Remote> SyncProxy<'a, H> {
    /// [`call`](Self::call) for a handler with a wire form: the call goes to whichever
    /// owner the proxy's handle reaches, in this process or over NATS.
    // Inlined like `call`; the remote branch stays out of line.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn call_wire<A, K: Into<H::Call>, T: Send + 'static>(
        self,
        method: &'static str,
        args: A,
        make: impl FnOnce(A, Reply<T>) -> K,
        decode: super::remote::Decoder<T>,
    ) -> SyncCall<'a, H, T> {
        match self.target {
            Target::Local(handle) => self.local(handle, method, args, make),
            Target::Remote(remote) => {
                Self::remote(remote, self.timeout, method, args, make, decode)
            }
        }
    }

    /// A call over NATS: its request, sent when the future is first polled.
    #[inline(never)]
    fn remote<A, K: Into<H::Call>, T: Send + 'static>(
        remote: &'a super::remote::RemoteHandle<H>,
        timeout: Option<Duration>,
        method: &'static str,
        args: A,
        make: impl FnOnce(A, Reply<T>) -> K,
        decode: super::remote::Decoder<T>,
    ) -> SyncCall<'a, H, T> {
        let call = make(args, Reply::oneway()).into();
        SyncCall::remote(method, remote.request(method, &call, timeout, decode))
    }
}

/// The engine behind a generated `<Type>Oneway` proxy.
#[doc(hidden)]
pub struct OnewayProxy<'a, H: Handler> {
    pub(super) target: Target<'a, H>,
}

impl<H: Handler> Clone for OnewayProxy<'_, H> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<H: Handler> Copy for OnewayProxy<'_, H> {}

impl<H: Handler> OnewayProxy<'_, H> {
    /// Queues the call `make(args, reply)` without waiting for it.
    ///
    /// `make` is the call enum's variant for the method, as for
    /// [`SyncProxy::call`](SyncProxy::call).
    ///
    /// # Errors
    ///
    /// [`CallError::MailboxFull`] and [`CallError::Gone`]: the call was not queued.
    // Always inlined, as the generated proxy method over it and the queue's push under it
    // are, with the call assembled in the push (see `Tx::try_send_with`). Built by the
    // proxy and passed down by pointer, it was stored in 8-byte pieces and read back in
    // 16-byte ones at each hand-off, loads that waited for the stores (BENCHMARKS.md,
    // "Deferred handlers", session 33).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn send<A, K: Into<H::Call>, T>(
        self,
        method: &'static str,
        args: A,
        make: impl FnOnce(A, Reply<T>) -> K,
    ) -> Result<(), CallError> {
        match self.target {
            Target::Local(handle) => Self::local(handle, method, args, make),
            // Never reached: see `SyncProxy::call`.
            #[cfg(feature = "nats")]
            Target::Remote(_) => Err(super::remote::no_wire_form(method)),
        }
    }

    #[allow(clippy::inline_always)] // see `send`
    #[inline(always)]
    fn local<A, K: Into<H::Call>, T>(
        handle: &Handle<H>,
        method: &'static str,
        args: A,
        make: impl FnOnce(A, Reply<T>) -> K,
    ) -> Result<(), CallError> {
        // Nobody waits on a oneway call, so it carries no chain of waiting owners.
        handle
            .tx
            .try_send_with(|| Queued {
                call: make(args, Reply::oneway()).into(),
                waiting: None,
                caller: Caller(None),
            })
            .map_err(|refused| Self::refused(method, refused))
    }

    /// The error for a oneway call the mailbox refused; the call is dropped here, out of
    /// the inlined path.
    #[cold]
    #[inline(never)]
    fn refused(method: &'static str, refused: Refused<Queued<H::Call>>) -> CallError {
        let error = match &refused {
            Refused::Full(_) => CallError::MailboxFull { method },
            Refused::Closed(_) => CallError::Gone { method },
        };
        drop(refused);
        error
    }
}

#[cfg(feature = "nats")]
impl<H: super::remote::Remote> OnewayProxy<'_, H> {
    /// [`send`](Self::send) for a handler with a wire form.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send); over NATS, [`CallError::MailboxFull`] when the connection's
    /// outgoing buffer is full and [`CallError::Transport`] when the call could not be sent.
    // Inlined like `send`; the remote branch stays out of line.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn send_wire<A, K: Into<H::Call>, T>(
        self,
        method: &'static str,
        args: A,
        make: impl FnOnce(A, Reply<T>) -> K,
    ) -> Result<(), CallError> {
        match self.target {
            Target::Local(handle) => Self::local(handle, method, args, make),
            Target::Remote(remote) => {
                Self::publish(remote, method, &make(args, Reply::oneway()).into())
            }
        }
    }

    /// A oneway call over NATS.
    #[inline(never)]
    fn publish(
        remote: &super::remote::RemoteHandle<H>,
        method: &'static str,
        call: &H::Call,
    ) -> Result<(), CallError> {
        remote.publish(method, call)
    }
}

/// Where the result of a queued call goes.
#[doc(hidden)]
pub struct Reply<T>(ReplyKind<T>);

enum ReplyKind<T> {
    Oneway,
    Sync {
        tx: ReplySender<Result<T, String>>,
        /// Present for calls with a timeout: the caller and the owner race to claim it.
        state: Option<Claim>,
    },
    /// A sync call that came over NATS: the result goes back to the caller's inbox.
    /// Boxed, as the next one: a queued call carries its reply, and local calls (the hot
    /// path) must not grow by what a remote call needs (64 bytes instead of 24 for a
    /// `Reply<u64>`, measured 20% slower on a local round trip with the feature on).
    #[cfg(feature = "nats")]
    Wire(Box<super::remote::WireReply<T>>),
    /// A durable oneway call: acknowledged to the server once it has run.
    #[cfg(feature = "nats")]
    Durable(Box<super::remote::Ack>),
}

impl<T: Send + 'static> Reply<T> {
    /// A sync call's reply, the receiver its caller waits on and, for a call with a
    /// timeout, the caller's side of the claim. Inlined: called once per sync call, it
    /// costs a few dozen instructions as a call (callgrind, BENCHMARKS.md).
    #[inline]
    pub(super) fn sync(timed: bool) -> (Self, ReplyReceiver<Result<T, String>>, Option<Claim>) {
        let (tx, rx) = reply_slot();
        let claim = timed.then(Claim::new);
        let state = claim.clone();
        (Self(ReplyKind::Sync { tx, state }), rx, claim)
    }
}

impl<T> Reply<T> {
    #[must_use]
    pub fn oneway() -> Self {
        Self(ReplyKind::Oneway)
    }

    #[cfg(feature = "nats")]
    pub(super) fn wire(reply: super::remote::WireReply<T>) -> Self {
        Self(ReplyKind::Wire(Box::new(reply)))
    }

    #[cfg(feature = "nats")]
    pub(super) fn durable(ack: super::remote::Ack) -> Self {
        Self(ReplyKind::Durable(Box::new(ack)))
    }

    /// Runs a sync method's queued call: claims it ([`start`](Self::start)), runs `method`
    /// with its panic caught ([`guard`]) and hands the outcome over
    /// ([`Started::finish`]). `None` when the caller withdrew the call; else the value of
    /// a successful oneway call, as `finish` gives it. One call per generated arm, so that
    /// a handler's many arms are cheap to type-check.
    ///
    /// The two common kinds, a oneway call and an untimed local sync call, take a short
    /// path here that does what `start` and `finish` do for them: through those two (not
    /// inlined: they know every kind), a call moved its reply twice more and cost a
    /// drained oneway call about a quarter more instructions.
    // Without `nats`, the last arm is a timed sync call only; with it, three kinds.
    #[allow(clippy::match_wildcard_for_single_variants)]
    #[inline]
    pub fn run(self, name: &'static str, method: impl FnOnce() -> T) -> Option<Option<T>> {
        match self.0 {
            ReplyKind::Oneway => {
                // Nothing to drop, and said so: left to the end of the match, the reply
                // went to the drop of every kind (out of line, with the remote ones).
                std::mem::forget(self);
                Some(oneway_outcome(name, guard(method)))
            }
            ReplyKind::Sync { tx, state: None } => {
                // Untimed: the caller withdraws by dropping its receiver.
                if tx.is_closed() {
                    withdrawn();
                    return None;
                }
                answer(tx, guard(method));
                Some(None)
            }
            // A timed call, and with `nats` a remote or durable one.
            kind => {
                let started = Self(kind).start()?;
                Some(started.finish(name, guard(method)))
            }
        }
    }

    /// Claims the call for running; `None` when the caller withdrew it (timed out, or
    /// dropped its future) before the owner reached it.
    #[must_use]
    #[inline]
    pub fn start(self) -> Option<Started<T>> {
        match self.0 {
            ReplyKind::Oneway => Some(Started(StartedKind::Oneway)),
            ReplyKind::Sync { tx, state } => {
                let claimed = match state {
                    Some(claim) => claim.start(),
                    // Untimed: the caller withdraws by dropping its receiver.
                    None => !tx.is_closed(),
                };
                if claimed {
                    Some(Started(StartedKind::Sync(tx)))
                } else {
                    withdrawn();
                    None
                }
            }
            #[cfg(feature = "nats")]
            ReplyKind::Wire(reply) => (*reply)
                .start()
                .map(|reply| Started(StartedKind::Wire(reply))),
            #[cfg(feature = "nats")]
            ReplyKind::Durable(ack) => Some(Started(StartedKind::Durable(*ack))),
        }
    }
}

/// Says that the owner reached a call its caller had withdrawn. Out of line: the hot path
/// only branches to it.
#[cold]
#[inline(never)]
fn withdrawn() {
    tracing::debug!("call withdrawn by its caller before it started");
}

/// Hands a sync call's outcome (its value, or its panic's message, which the caller
/// turns into [`CallError::Panicked`]) to its caller. A caller that has stopped waiting
/// since (dropped its future, or timed out after the start) gets nothing, and nothing
/// needs doing.
#[inline]
fn answer<T>(tx: ReplySender<Result<T, String>>, outcome: Result<T, String>) {
    let _ = tx.send(outcome);
}

/// A call the owner has claimed and is running.
#[doc(hidden)]
pub struct Started<T>(StartedKind<T>);

enum StartedKind<T> {
    Oneway,
    Sync(ReplySender<Result<T, String>>),
    #[cfg(feature = "nats")]
    Wire(super::remote::WireReply<T>),
    /// Acknowledged when finished; if dropped unfinished (the owner stopped mid-call), the
    /// call is handed back to the server, to run again.
    #[cfg(feature = "nats")]
    Durable(super::remote::Ack),
}

impl<T> Started<T> {
    /// Hands the outcome to a sync caller, or logs a oneway call's panic. Returns the
    /// value of a successful oneway call, so generated code can report a returned `Err`.
    #[inline]
    pub fn finish(self, method: &'static str, outcome: Result<T, String>) -> Option<T> {
        match (self.0, outcome) {
            (StartedKind::Sync(tx), outcome) => {
                answer(tx, outcome);
                None
            }
            #[cfg(feature = "nats")]
            (StartedKind::Wire(reply), outcome) => {
                reply.finish(method, outcome);
                None
            }
            #[cfg(feature = "nats")]
            (StartedKind::Durable(ack), outcome) => {
                ack.done();
                oneway_outcome(method, outcome)
            }
            (StartedKind::Oneway, outcome) => oneway_outcome(method, outcome),
        }
    }
}

/// A oneway call's value, for generated code to report a returned `Err`; a panic is logged
/// here.
#[inline]
fn oneway_outcome<T>(method: &'static str, outcome: Result<T, String>) -> Option<T> {
    match outcome {
        Ok(value) => Some(value),
        Err(message) => {
            oneway_panicked(method, &message);
            None
        }
    }
}

/// Logs a oneway call's panic. Out of line, as [`withdrawn`].
#[cold]
#[inline(never)]
fn oneway_panicked(method: &'static str, message: &str) {
    tracing::error!(method, panic = %message, "oneway call panicked");
}

/// The owner's methods, as a handler method may mistakenly call them on `self`
/// (`self.process()`, where `self` is the handler). Generated code brings this trait into
/// scope in such a method: a method of that name of the handler's own comes first
/// (inherent methods win), and otherwise this one is found, whose [`IsOwner`] bound fails
/// at the call with a message that says what to write instead. Its futures never resolve;
/// they only let the rest of the method type-check, so that the message is the only error.
#[doc(hidden)]
pub trait MisplacedOwnerCalls: Handler {
    fn process(&self) -> Misplaced<usize>
    where
        Self: IsOwner,
    {
        Misplaced(PhantomData)
    }
    fn process_only<M>(&self, _methods: M) -> Misplaced<usize>
    where
        Self: IsOwner,
    {
        Misplaced(PhantomData)
    }
    fn process_forever(&self) -> Misplaced<super::Served>
    where
        Self: IsOwner,
    {
        Misplaced(PhantomData)
    }
}

impl<H: Handler> MisplacedOwnerCalls for H {}

/// What a misplaced owner's call returns: see [`MisplacedOwnerCalls`].
#[doc(hidden)]
pub struct Misplaced<T>(PhantomData<T>);

impl<T> std::future::IntoFuture for Misplaced<T> {
    type Output = T;
    type IntoFuture = std::future::Pending<T>;
    fn into_future(self) -> Self::IntoFuture {
        std::future::pending()
    }
}

/// Implemented by nothing: see [`MisplacedOwnerCalls`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is the handler, not its owner: `process`, `process_only` and \
               `process_forever` are methods of `Deferred<{Self}>`",
    label = "called on the handler",
    note = "to write the owner's loop as a method of the handler, take the owner as the \
            receiver: `async fn manage(self: &mut Deferred<Self>)` in the \
            `#[deferred_handler]` impl block, and call it on the `Deferred`: \
            `owner.manage().await`"
)]
pub trait IsOwner {}

/// Runs a sync method, turning a panic into its message.
#[doc(hidden)]
pub fn guard<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).map_err(panic_message)
}

/// Awaits an async method, turning a panic into its message.
#[doc(hidden)]
pub async fn guard_async<T>(fut: impl Future<Output = T>) -> Result<T, String> {
    crate::panic::catch_unwind(fut).await.map_err(panic_message)
}

/// Reports the value a oneway call returned: an `Err` is logged, anything else is not.
///
/// Picked by autoref specialisation in generated code, where the type is concrete:
/// `(&&&Outcome(&value)).coact_report(method)` prefers the `Display` form, then `Debug`,
/// then the silent fallback.
#[doc(hidden)]
pub struct Outcome<'a, T>(pub &'a T);

#[doc(hidden)]
pub trait ReportDisplay {
    fn coact_report(&self, method: &'static str);
}
impl<T, E: fmt::Display> ReportDisplay for &&Outcome<'_, Result<T, E>> {
    fn coact_report(&self, method: &'static str) {
        if let Err(error) = self.0 {
            tracing::error!(method, %error, "oneway call returned an error");
        }
    }
}

#[doc(hidden)]
pub trait ReportDebug {
    fn coact_report(&self, method: &'static str);
}
impl<T, E: fmt::Debug> ReportDebug for &Outcome<'_, Result<T, E>> {
    fn coact_report(&self, method: &'static str) {
        if let Err(error) = self.0 {
            tracing::error!(method, ?error, "oneway call returned an error");
        }
    }
}

#[doc(hidden)]
pub trait ReportOther {
    fn coact_report(&self, method: &'static str);
}
impl<T> ReportOther for Outcome<'_, T> {
    fn coact_report(&self, _method: &'static str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A queued call carries its reply: the remote kinds must not make local calls bigger
    /// (unboxed, they made a `Reply<u64>` eight words). Three words with or without them:
    /// the reply slot's sender and a timed call's claim, a pointer each, and the tag.
    #[test]
    fn a_reply_is_three_words_with_or_without_remote_calls() {
        assert_eq!(
            std::mem::size_of::<Reply<u64>>(),
            3 * std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn panic_messages_are_extracted() {
        assert_eq!(guard(|| panic!("boom {}", 1)).unwrap_err(), "boom 1");
        assert_eq!(
            guard(|| std::panic::panic_any("static")).unwrap_err(),
            "static"
        );
        assert_eq!(
            guard(|| std::panic::panic_any(7_u8)).unwrap_err(),
            "<non-string panic payload>"
        );
        assert_eq!(guard(|| 3), Ok(3));
    }
}
