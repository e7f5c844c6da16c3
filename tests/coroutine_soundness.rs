//! The soundness of the one `unsafe` module in coact, `runtime/src/coroutine/frame.rs`:
//! a `yield_!` reaches the exchange of the step polling its body through a pointer in a
//! thread-local, checked against its generator's id. Each test aims at one of the rules
//! that module states (type, lifetime, aliasing), and at the values crossing it: every
//! value is dropped exactly once, whatever way the generator ends.
//!
//! CI also runs this binary under valgrind's memcheck (`.ci/run`), which reports a read
//! of freed or uninitialised memory even where the test's own assertions would pass.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use coact::coroutine::{Gen, GenState};

/// Wraps an expression in an `async` block the rewrite cannot see: the one way to take a
/// `yield_!` out of its coroutine's own body.
macro_rules! deferred {
    ($e:expr) => {
        async { $e }
    };
}

/// A panic's message.
fn message(payload: &(dyn std::any::Any + Send)) -> String {
    match payload.downcast_ref::<String>() {
        Some(message) => message.clone(),
        None => payload
            .downcast_ref::<&str>()
            .copied()
            .unwrap_or("")
            .to_string(),
    }
}

fn cx() -> Context<'static> {
    Context::from_waker(Waker::noop())
}

/// A value that counts its drops, and its live instances.
#[derive(Debug)]
struct Counted {
    value: u64,
    live: Arc<AtomicUsize>,
}

impl Counted {
    fn new(value: u64, live: &Arc<AtomicUsize>) -> Self {
        live.fetch_add(1, Ordering::SeqCst);
        Self {
            value,
            live: Arc::clone(live),
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        let before = self.live.fetch_sub(1, Ordering::SeqCst);
        assert!(before > 0, "a value was dropped twice");
    }
}

// ---- type: a yield only ever writes to its own generator's exchange ----

/// Polls `smuggled` (a yield of a `String` generator) inside the body of a generator of
/// another type, whose exchange a confused write would corrupt.
#[coact::coroutine]
fn narrow(smuggled: std::pin::Pin<&mut dyn Future<Output = ()>>) -> Gen<u8> {
    let _ = smuggled.poll(&mut cx());
    yield_!(1);
}

#[coact::coroutine]
fn wide() -> Gen<String> {
    let mut taken = pin!(deferred!(yield_!(String::from("smuggled"))));
    for value in narrow(taken.as_mut()) {
        yield_!(value.to_string());
    }
}

#[test]
fn a_yield_polled_in_a_generator_of_another_type_is_refused() {
    let refused = catch_unwind(|| wide().collect::<Vec<_>>()).expect_err("must panic");
    let message = message(&*refused);
    assert!(message.contains("outside its coroutine"), "{message}");
}

/// Polls a yield of its own on another thread while its step runs on this one: that
/// thread has no frame published.
#[coact::coroutine]
fn polls_elsewhere() -> Gen<u64, Return = bool> {
    let mut taken = pin!(deferred!(yield_!(1)));
    let refused = std::thread::scope(|scope| {
        scope
            .spawn(|| taken.as_mut().poll(&mut cx()))
            .join()
            .is_err()
    });
    yield_!(2);
    refused
}

#[test]
fn a_yield_polled_on_a_thread_where_its_generator_does_not_run_is_refused() {
    let mut gen = polls_elsewhere();
    assert_eq!(gen.by_ref().collect::<Vec<_>>(), [2], "the 1 never arrived");
    assert_eq!(gen.take_return(), Some(true), "refused on the other thread");
}

// ---- lifetime: the published frame is always the live one ----

/// Drives a generator of another type inside its body, item by item, interleaved with
/// its own yields.
#[coact::coroutine]
fn interleaves(n: u64) -> Gen<String, Resume = u64, Return = u64> {
    let mut total = 0;
    for value in counts(n) {
        total += yield_!(format!("outer {value}"));
    }
    total
}

#[coact::coroutine]
fn counts(n: u64) -> Gen<u64> {
    for i in 0..n {
        yield_!(i);
    }
}

#[test]
fn nested_steps_of_other_types_restore_the_outer_frame() {
    let mut gen = interleaves(3);
    assert_eq!(gen.start(), GenState::Yielded("outer 0".to_string()));
    assert_eq!(gen.resume(10), GenState::Yielded("outer 1".to_string()));
    assert_eq!(gen.resume(20), GenState::Yielded("outer 2".to_string()));
    assert_eq!(gen.resume(30), GenState::Complete(60));
}

#[coact::coroutine]
fn panics_inside(live: Arc<AtomicUsize>) -> Gen<Counted, Resume = Counted> {
    let sent = yield_!(Counted::new(1, &live));
    assert_eq!(sent.value, 10);
    panic!("the body panics holding a resume value");
}

#[coact::coroutine]
fn survives_a_panic_inside(live: Arc<AtomicUsize>) -> Gen<Counted, Resume = Counted> {
    let mut inner = panics_inside(Arc::clone(&live));
    let first = match inner.start() {
        GenState::Yielded(value) => value,
        GenState::Complete(()) => unreachable!("yields first"),
    };
    let caught = catch_unwind(AssertUnwindSafe(|| inner.resume(Counted::new(10, &live))));
    assert!(caught.is_err());
    // The inner step unwound: this body's own frame must be published again.
    let sent = yield_!(first);
    yield_!(sent);
}

#[test]
fn a_step_that_unwinds_puts_the_outer_frame_back() {
    let live = Arc::new(AtomicUsize::new(0));
    {
        let mut gen = survives_a_panic_inside(Arc::clone(&live));
        let GenState::Yielded(first) = gen.start() else {
            panic!("yields first");
        };
        assert_eq!(first.value, 1);
        let GenState::Yielded(echoed) = gen.resume(Counted::new(2, &live)) else {
            panic!("echoes");
        };
        assert_eq!(echoed.value, 2);
        assert!(matches!(
            gen.resume(Counted::new(3, &live)),
            GenState::Complete(())
        ));
    }
    assert_eq!(live.load(Ordering::SeqCst), 0, "every value dropped once");
}

#[test]
fn a_generator_moved_between_threads_finds_its_values() {
    let live = Arc::new(AtomicUsize::new(0));
    let mut gen = echo(Arc::clone(&live));
    assert!(matches!(gen.start(), GenState::Yielded(ref v) if v.value == 0));
    for round in 1..=4 {
        let sent = Counted::new(round, &live);
        gen = std::thread::spawn(move || {
            let state = gen.resume(sent);
            assert!(matches!(state, GenState::Yielded(ref v) if v.value == round));
            gen
        })
        .join()
        .expect("no panic");
    }
    drop(gen);
    assert_eq!(live.load(Ordering::SeqCst), 0);
}

#[coact::coroutine]
fn echo(live: Arc<AtomicUsize>) -> Gen<Counted, Resume = Counted> {
    let mut last = Counted::new(0, &live);
    loop {
        last = yield_!(last);
    }
}

// ---- aliasing and ownership: every value moves exactly once ----

#[test]
fn values_in_flight_are_dropped_once_however_the_generator_ends() {
    let live = Arc::new(AtomicUsize::new(0));
    // Dropped while suspended: the yielded values were all taken, the body's locals go.
    {
        let mut gen = echo(Arc::clone(&live));
        let _ = gen.start();
        let _ = gen.resume(Counted::new(1, &live));
    }
    assert_eq!(live.load(Ordering::SeqCst), 0);
    // Dropped before it started: only the arguments.
    drop(echo(Arc::clone(&live)));
    assert_eq!(live.load(Ordering::SeqCst), 0);
    // A panic right after the resume value was taken.
    {
        let mut gen = panics_inside(Arc::clone(&live));
        let _ = gen.start();
        let caught = catch_unwind(AssertUnwindSafe(|| gen.resume(Counted::new(10, &live))));
        assert!(caught.is_err());
        assert!(gen.is_finished());
    }
    assert_eq!(live.load(Ordering::SeqCst), 0);
}

/// Awaits two yields at once: the second finds the first's value still in the exchange.
#[coact::coroutine]
async fn two_at_once(live: Arc<AtomicUsize>) -> Gen<Counted> {
    let first = deferred!(yield_!(Counted::new(1, &live)));
    let second = deferred!(yield_!(Counted::new(2, &live)));
    futures::future::join(first, second).await;
}

#[test]
fn two_yields_at_once_are_refused_and_lose_nothing() {
    let live = Arc::new(AtomicUsize::new(0));
    let refused = catch_unwind(AssertUnwindSafe(|| {
        let mut gen = pin!(two_at_once(Arc::clone(&live)));
        let _ = futures::Stream::poll_next(gen.as_mut(), &mut cx());
    }))
    .expect_err("must panic");
    let message = message(&*refused);
    assert!(message.contains("at once"), "{message}");
    assert_eq!(live.load(Ordering::SeqCst), 0, "both values dropped, once");
}

/// Polls its own yield twice in one poll before the generator resumes it, as a `select!`
/// may.
#[coact::coroutine]
async fn polls_twice() -> Gen<u8, Resume = u8, Return = u8> {
    let mut yielded = pin!(deferred!(yield_!(5)));
    std::future::poll_fn(|cx| {
        let first = yielded.as_mut().poll(cx);
        if first.is_pending() {
            assert!(yielded.as_mut().poll(cx).is_pending(), "not resumed yet");
        }
        first
    })
    .await
}

#[test]
fn a_yield_polled_again_before_its_resume_stays_suspended() {
    let mut gen = pin!(polls_twice());
    let mut start = gen.as_mut().start_async();
    assert_eq!(
        std::pin::Pin::new(&mut start).poll(&mut cx()),
        Poll::Ready(GenState::Yielded(5))
    );
    let mut resume = gen.as_mut().resume_async(7);
    assert_eq!(
        std::pin::Pin::new(&mut resume).poll(&mut cx()),
        Poll::Ready(GenState::Complete(7))
    );
}

#[test]
fn folding_and_iterating_give_the_same_values() {
    let live = Arc::new(AtomicUsize::new(0));
    #[coact::coroutine]
    fn owned(n: u64, live: Arc<AtomicUsize>) -> Gen<Counted> {
        for i in 0..n {
            yield_!(Counted::new(i, &live));
        }
    }
    let folded = owned(100, Arc::clone(&live)).fold(0, |sum, v| sum + v.value);
    let mut iterated = 0;
    for value in owned(100, Arc::clone(&live)) {
        iterated += value.value;
    }
    assert_eq!((folded, iterated), (4950, 4950));
    // Stopped half-way: the rest is never made, nothing leaks.
    let taken: Vec<_> = owned(100, Arc::clone(&live)).take(10).collect();
    assert_eq!(taken.len(), 10);
    drop(taken);
    assert_eq!(live.load(Ordering::SeqCst), 0);
}
