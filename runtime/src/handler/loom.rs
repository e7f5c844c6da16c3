//! Loom models of a sync call's hand-off between its caller and the owner, and of the
//! mailbox's queue (run with
//! `RUSTFLAGS="--cfg loom" cargo test -p coact-runtime --release --lib loom`).
//!
//! What runs is production code: `Reply::sync` (what `SyncProxy::call` builds a call
//! with), `Reply::run` (what every `#[deferred_handler]` dispatch arm calls, as
//! `dispatch` below does) and `Claim` (`handoff.rs`), on loom's atomics.
//! The caller's side is `SyncCall`'s two lines for it, mirrored in each model: when its
//! timeout fires it polls the reply once more, then withdraws and drops the receiver; when
//! it is dropped, its `Drop` withdraws and then its fields (the receiver) drop. `SyncCall`
//! itself cannot run here: its timer needs tokio's time driver.
//!
//! The reply travels through coact's own slot (`reply_slot.rs`), whose lock and flag
//! are loom's here: loom tries every order of its steps against the claim's, with
//! every memory ordering loom explores. Only the slot's reuse by the caller's thread is
//! left out (loom's `Arc` cannot be type-erased; each model makes one call). The models
//! are small enough for loom to try every interleaving, with no preemption bound.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::{Acquire, Release};

use loom::sync::atomic::AtomicBool;
use loom::sync::Arc;
use loom::thread;

use super::generated::Reply;
use super::mailbox::Caller;

const VALUE: u32 = 7;

/// What a generated dispatch arm does with a queued call: `Reply::run`, which starts it,
/// runs the method and hands over the outcome (an untimed call on its short path, a timed
/// one through `start` and `finish`). Returns whether the method ran (each model's `ran`).
fn dispatch(reply: Reply<u32>) -> bool {
    reply.run("m", || VALUE).is_some()
}

/// Timed: the caller drops its `SyncCall` while the owner reaches the call. Exactly one
/// of them claims it: the call runs iff the owner won.
#[test]
fn timed_call_dropped_while_the_owner_starts_it() {
    loom::model(|| {
        let (reply, rx, claim) = Reply::<u32>::sync(true);
        let claim = claim.expect("a timed call has a claim");
        let owner = thread::spawn(move || dispatch(reply));
        // `SyncCall::drop`, then its fields.
        let started = claim.withdraw();
        drop(rx);
        let ran = owner.join().unwrap();
        assert_eq!(ran, started, "the call ran iff the owner claimed it first");
    });
}

/// Timed: the deadline fires while the owner may be starting or finishing the call. The
/// caller gets the value, or `TimedOut { started }` with `started` true iff the call
/// ran; a call withdrawn before it started never runs.
#[test]
fn timed_call_times_out_while_the_owner_starts_it() {
    loom::model(|| {
        let (reply, mut rx, claim) = Reply::<u32>::sync(true);
        let claim = claim.expect("a timed call has a claim");
        let owner = thread::spawn(move || dispatch(reply));
        // `SyncCall::poll` at the deadline: the reply first, then the timer.
        let outcome = if let Some(result) = rx.try_recv() {
            Ok(result)
        } else {
            let started = claim.withdraw();
            drop(rx);
            Err(started)
        };
        let ran = owner.join().unwrap();
        match outcome {
            Ok(result) => {
                assert!(ran, "a reply comes only from a call that ran");
                assert_eq!(result, Ok(VALUE));
            }
            Err(started) => assert_eq!(ran, started, "`started` says whether it ran"),
        }
    });
}

/// Untimed, the caller waiting: nothing withdraws the call, so it runs and the caller
/// gets its value (the wake-up through the channel is not lost).
#[test]
fn untimed_call_runs_for_a_waiting_caller() {
    loom::model(|| {
        let (reply, rx, claim) = Reply::<u32>::sync(false);
        assert!(claim.is_none(), "an untimed call carries no claim");
        let owner = thread::spawn(move || dispatch(reply));
        let result = loom::future::block_on(rx);
        assert!(owner.join().unwrap(), "an awaited call runs");
        assert_eq!(result, Some(Ok::<_, String>(VALUE)));
    });
}

/// Untimed, the owner dropping the call without running it (it went, or the call was
/// dropped from its mailbox) while the caller waits: the caller learns it (`None`, which
/// `SyncCall` reports as `Gone`), and is woken for it.
#[test]
fn untimed_call_dropped_unrun_tells_its_waiting_caller() {
    loom::model(|| {
        let (reply, rx, _) = Reply::<u32>::sync(false);
        let owner = thread::spawn(move || drop(reply));
        assert_eq!(loom::future::block_on(rx), None);
        owner.join().unwrap();
    });
}

/// Untimed, the caller dropping its future while the owner reaches the call: the drop is
/// the withdrawal. A drop the owner could know of before starting (here: published
/// through `dropped`) keeps the call from running; a later one lets it run, and its
/// outcome is discarded without harm.
#[test]
fn untimed_call_dropped_while_the_owner_starts_it() {
    loom::model(|| {
        let (reply, rx, _) = Reply::<u32>::sync(false);
        let dropped = Arc::new(AtomicBool::new(false));
        let owner = thread::spawn({
            let dropped = Arc::clone(&dropped);
            move || {
                let dropped_before = dropped.load(Acquire);
                let ran = dispatch(reply);
                assert!(
                    !(dropped_before && ran),
                    "a call dropped before the owner reached it ran"
                );
                ran
            }
        });
        drop(rx);
        dropped.store(true, Release);
        owner.join().unwrap();
    });
}

/// Untimed, as `SyncCall` waits: the call goes to the owner with the waker of the poll
/// that queues it (`Caller`), and that poll's look at the reply registers nothing in the
/// slot (`poll_alone`). The owner's end wakes the caller once done with the call, which
/// it runs or drops unrun, and in either order with the reply's end (a call to an async
/// method may let go of the waker first): the caller gets the value, or learns the call
/// is gone, and is never left waiting (loom fails a model where every thread is blocked).
#[test]
fn untimed_call_queued_with_its_callers_waker() {
    for (runs, wake_first) in [(true, false), (true, true), (false, false), (false, true)] {
        loom::model(move || {
            let (reply, mut rx, _) = Reply::<u32>::sync(false);
            let mut reply = Some(reply);
            let mut owner = None;
            let got = loom::future::block_on(std::future::poll_fn(|cx| {
                let Some(reply) = reply.take() else {
                    return Pin::new(&mut rx).poll(cx);
                };
                // `SyncCall`'s first poll: queued with its waker, then one look.
                let caller = Caller(Some(cx.waker().clone()));
                owner = Some(thread::spawn(move || {
                    let mut caller = Some(caller);
                    if wake_first {
                        drop(caller.take());
                    }
                    let ran = if runs {
                        dispatch(reply)
                    } else {
                        drop(reply);
                        false
                    };
                    drop(caller);
                    ran
                }));
                rx.poll_alone()
            }));
            let ran = owner.take().expect("polled once").join().unwrap();
            assert_eq!(ran, runs);
            assert_eq!(got, runs.then_some(Ok::<_, String>(VALUE)));
        });
    }
}

/// The mailbox's queue (`queue.rs`), and what an idle owner does with it
/// (`MailboxState::calls_ready`, which `serve.rs`'s loop awaits): take what is queued or
/// park its waker under the queue's lock, for the next push, stop or last drop to wake.
mod queue {
    use std::sync::atomic::Ordering::{AcqRel, Relaxed, Release};

    use loom::sync::Arc;
    use loom::thread;

    use super::super::mailbox::MailboxState;
    use super::super::queue::{queue, Refused, Rx};

    /// The owner's idle wait, production's: the model's handles are its pushers, counted
    /// as one live handle, and nobody asks for a stop, so a call always comes.
    async fn next(state: &MailboxState, rx: &mut Rx<u32>) -> u32 {
        state.handles.store(1, Relaxed);
        assert!(state.calls_ready(rx).await, "no stop, and a live handle");
        rx.try_recv_taken().expect("a call in the batch")
    }

    /// Two handles push while the owner waits: it takes both, in each handle's order,
    /// and no wake-up is lost (loom fails a model where every thread is blocked).
    #[test]
    fn an_idle_owner_wakes_for_pushes_from_two_handles() {
        crate::sync::model(|| {
            let state = std::sync::Arc::new(MailboxState::new("model"));
            let (tx, mut rx) = queue::<u32>(None);
            let pushers: Vec<_> = [1, 2]
                .into_iter()
                .map(|value| {
                    let tx = tx.clone();
                    thread::spawn(move || assert!(tx.try_send(value).is_ok()))
                })
                .collect();
            let mut got = loom::future::block_on(async {
                let first = next(&state, &mut rx).await;
                [first, next(&state, &mut rx).await]
            });
            for pusher in pushers {
                pusher.join().unwrap();
            }
            got.sort_unstable();
            assert_eq!(got, [1, 2]);
        });
    }

    /// A stop request, or the last handle's drop, while the owner waits for calls: it
    /// sets its flag, then wakes a parked owner (`Handle::stop_processing`,
    /// `Handle::drop`), and the owner's wait ends with `false` (loom fails a model where
    /// every thread is blocked).
    #[test]
    fn an_idle_owner_wakes_for_a_stop_or_the_last_handles_drop() {
        for stop in [true, false] {
            crate::sync::model(move || {
                let state = std::sync::Arc::new(MailboxState::new("model"));
                state.handles.store(1, Relaxed);
                let (tx, mut rx) = queue::<u32>(None);
                let ender = thread::spawn({
                    let state = std::sync::Arc::clone(&state);
                    move || {
                        if stop {
                            state.stop.store(true, Release);
                            tx.wake_owner();
                        } else if state.handles.fetch_sub(1, AcqRel) == 1 {
                            tx.wake_owner();
                        }
                    }
                });
                let ready = loom::future::block_on(state.calls_ready(&mut rx));
                assert!(!ready, "nothing was queued");
                ender.join().unwrap();
            });
        }
    }

    /// A push that races the owner's drop is refused (the value comes back) or queued and
    /// then dropped with the queue: either way exactly once, never kept alive by the queue.
    #[test]
    fn a_push_racing_the_owners_drop_is_refused_or_dropped_once() {
        crate::sync::model(|| {
            let (tx, rx) = queue::<Arc<()>>(None);
            // A handle that outlives the race keeps the queue itself alive: what it still
            // held would be kept, not freed with it.
            let kept = tx.clone();
            let value = Arc::new(());
            let pusher = thread::spawn({
                let value = Arc::clone(&value);
                move || match tx.try_send(value) {
                    Ok(()) => true,
                    Err(Refused::Closed(value)) => {
                        drop(value);
                        false
                    }
                    Err(Refused::Full(_)) => unreachable!("unbounded"),
                }
            });
            drop(rx);
            pusher.join().unwrap();
            assert_eq!(Arc::strong_count(&value), 1, "the queue kept a value");
            assert!(kept.is_closed());
        });
    }
}
