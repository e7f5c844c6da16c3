//! `#[coroutine]` generators and cooperative execution, through the facade as a user
//! writes them.

use std::cell::RefCell;
use std::future::Future as _;
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use coact::coroutine::{
    accumulate, accumulate_some, batch_accumulate, batch_accumulate_some, CooperativeError,
    Cooperator, Gen, GenState, ValueBucket,
};
use futures::StreamExt as _;

#[coact::coroutine]
fn count(n: u64) -> Gen<u64> {
    for i in 0..n {
        yield_!(i);
    }
}

#[coact::coroutine]
fn count_and_sum(n: u64) -> Gen<u64, Return = u64> {
    let mut sum = 0;
    for i in 0..n {
        yield_!(i);
        sum += i;
    }
    sum
}

#[test]
fn a_sync_coroutine_is_an_iterator() {
    assert_eq!(count(5).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    assert_eq!(count(0).count(), 0);
    let evens: Vec<u64> = count(10).filter(|n| n % 2 == 0).collect();
    assert_eq!(evens, [0, 2, 4, 6, 8]);
}

#[test]
fn the_return_value_is_distinct_from_the_yields() {
    let mut numbers = count_and_sum(5);
    assert_eq!(numbers.take_return(), None, "not ended yet");
    assert_eq!(numbers.by_ref().sum::<u64>(), 10);
    assert_eq!(numbers.next(), None, "fused");
    assert_eq!(numbers.take_return(), Some(10));
    assert_eq!(numbers.take_return(), None, "taken once");

    let mut driven = count_and_sum(2);
    assert_eq!(driven.start(), GenState::Yielded(0));
    assert_eq!(driven.resume(()), GenState::Yielded(1));
    assert_eq!(driven.resume(()), GenState::Complete(1));
    assert!(driven.is_finished());
}

/// cogen's shape: yields an operation, receives its result.
#[coact::coroutine]
fn accumulator(limit: i64) -> Gen<i64, Return = Vec<i64>, Resume = i64> {
    let mut seen = Vec::new();
    let mut total = 0;
    while total < limit {
        let sent = yield_!(total);
        seen.push(sent);
        total += sent;
    }
    seen
}

#[test]
fn resume_values_are_the_value_of_yield() {
    let mut acc = accumulator(10);
    assert_eq!(acc.start(), GenState::Yielded(0));
    assert_eq!(acc.resume(3), GenState::Yielded(3));
    assert_eq!(acc.resume(4), GenState::Yielded(7));
    assert_eq!(acc.resume(5), GenState::Complete(vec![3, 4, 5]));
}

#[test]
fn a_first_resume_starts_the_body_and_drops_its_value() {
    let mut acc = accumulator(1);
    assert_eq!(acc.resume(100), GenState::Yielded(0));
    assert_eq!(acc.resume(1), GenState::Complete(vec![1]));
}

#[test]
#[should_panic(expected = "resumed after it finished")]
fn resuming_a_finished_coroutine_panics() {
    let mut acc = accumulator(0);
    assert_eq!(acc.start(), GenState::Complete(vec![]));
    let _ = acc.resume(1);
}

#[coact::coroutine]
async fn ticks(n: u32) -> Gen<u32, Return = &'static str> {
    for i in 0..n {
        tokio::task::yield_now().await;
        yield_!(i);
    }
    "done"
}

#[tokio::test]
async fn an_async_coroutine_is_a_stream() {
    let stream = ticks(4);
    assert_eq!(stream.collect::<Vec<_>>().await, [0, 1, 2, 3]);

    let mut stream = pin!(ticks(2));
    assert_eq!(stream.next().await, Some(0));
    assert_eq!(stream.next().await, Some(1));
    assert_eq!(stream.next().await, None);
    assert_eq!(stream.as_mut().take_return_pinned(), Some("done"));
}

#[coact::coroutine]
async fn echo_later(prefix: String) -> Gen<String, Return = usize, Resume = Option<String>> {
    let mut answered = 0;
    let mut reply = yield_!(format!("{prefix}: ready"));
    while let Some(line) = reply {
        tokio::task::yield_now().await;
        answered += 1;
        reply = yield_!(format!("{prefix}: {line}"));
    }
    answered
}

#[tokio::test]
async fn an_async_coroutine_takes_resume_values() {
    let mut echo = pin!(echo_later("echo".to_owned()));
    assert_eq!(
        echo.as_mut().start_async().await,
        GenState::Yielded("echo: ready".to_owned())
    );
    assert_eq!(
        echo.as_mut().resume_async(Some("hi".to_owned())).await,
        GenState::Yielded("echo: hi".to_owned())
    );
    assert_eq!(
        echo.as_mut().resume_async(None).await,
        GenState::Complete(1)
    );
}

#[derive(Debug, PartialEq)]
struct Odd(u32);

/// `?` ends the generator: the error becomes its return value.
#[coact::coroutine]
fn halves(values: Vec<u32>) -> Gen<u32, Return = Result<usize, Odd>> {
    let mut count = 0;
    for value in values {
        let half = if value % 2 == 0 {
            Ok(value / 2)
        } else {
            Err(Odd(value))
        }?;
        yield_!(half);
        count += 1;
    }
    Ok(count)
}

#[test]
fn question_mark_ends_the_coroutine_with_the_error() {
    let mut ok = halves(vec![2, 4]);
    assert_eq!(ok.by_ref().collect::<Vec<_>>(), [1, 2]);
    assert_eq!(ok.take_return(), Some(Ok(2)));

    let mut failing = halves(vec![2, 3, 4]);
    assert_eq!(failing.by_ref().collect::<Vec<_>>(), [1]);
    assert_eq!(failing.take_return(), Some(Err(Odd(3))));
}

/// Records when it is dropped.
struct Noisy(&'static str, Arc<Mutex<Vec<&'static str>>>);

impl Drop for Noisy {
    fn drop(&mut self) {
        self.1.lock().unwrap().push(self.0);
    }
}

#[coact::coroutine]
fn guarded(log: Arc<Mutex<Vec<&'static str>>>, argument: Noisy) -> Gen<u32> {
    let _local = Noisy("local", Arc::clone(&log));
    yield_!(1);
    let _later = Noisy("later", Arc::clone(&log));
    yield_!(2);
    drop(argument);
}

#[test]
fn dropping_a_coroutine_midway_drops_its_locals_and_arguments() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut gen = guarded(Arc::clone(&log), Noisy("argument", Arc::clone(&log)));
    assert!(
        log.lock().unwrap().is_empty(),
        "an argument lives with the generator"
    );
    assert_eq!(gen.next(), Some(1));
    drop(gen);
    let mut dropped = log.lock().unwrap().clone();
    dropped.sort_unstable();
    assert_eq!(dropped, ["argument", "local"]);

    let log = Arc::new(Mutex::new(Vec::new()));
    let gen = guarded(Arc::clone(&log), Noisy("argument", Arc::clone(&log)));
    drop(gen);
    assert_eq!(*log.lock().unwrap(), ["argument"], "never started");
}

#[coact::coroutine]
fn panics_at(at: u32) -> Gen<u32> {
    for i in 0.. {
        assert!(i != at, "generator failed at {i}");
        yield_!(i);
    }
}

#[test]
fn a_panic_propagates_to_the_driver_and_finishes_the_coroutine() {
    let mut gen = panics_at(2);
    assert_eq!(gen.next(), Some(0));
    assert_eq!(gen.next(), Some(1));
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| gen.next()));
    let message = panic.unwrap_err();
    assert_eq!(
        message.downcast_ref::<String>().map(String::as_str),
        Some("generator failed at 2")
    );
    assert!(gen.is_finished());
    assert_eq!(gen.next(), None);
}

fn assert_send<T: Send>(_: &T) {}

#[coact::coroutine]
async fn sends_across_awaits(items: Vec<String>) -> Gen<String> {
    for item in items {
        tokio::task::yield_now().await;
        yield_!(item);
    }
}

#[test]
fn coroutines_are_send_when_their_state_is() {
    assert_send(&count(1));
    assert_send(&accumulator(1));
    assert_send(&sends_across_awaits(vec![]));
}

/// Not `Send`: holds an `Rc` across a yield. It still works on one thread.
#[coact::coroutine]
fn shares(counter: Rc<RefCell<u32>>) -> Gen<u32> {
    loop {
        *counter.borrow_mut() += 1;
        let now = *counter.borrow();
        yield_!(now);
    }
}

#[test]
fn coroutines_that_are_not_send_work_on_their_thread() {
    let counter = Rc::new(RefCell::new(0));
    let seen: Vec<u32> = shares(Rc::clone(&counter)).take(3).collect();
    assert_eq!(seen, [1, 2, 3]);
    assert_eq!(*counter.borrow(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_stream_runs_on_another_task() {
    let items = vec!["a".to_owned(), "b".to_owned()];
    let collected = tokio::spawn(sends_across_awaits(items).collect::<Vec<_>>())
        .await
        .unwrap();
    assert_eq!(collected, ["a", "b"]);
}

/// A yield inside other macros' arguments.
#[coact::coroutine]
fn inside_macros() -> Gen<u32, Return = String, Resume = u32> {
    let mut list = vec![yield_!(1)];
    list.push(yield_!(2));
    let text = format!("{}+{}", list[0], yield_!(3));
    assert!(matches!(yield_!(4), 40));
    coact::yield_!(5);
    text
}

#[test]
fn yields_inside_macro_invocations_suspend_the_coroutine() {
    let mut gen = inside_macros();
    assert_eq!(gen.start(), GenState::Yielded(1));
    assert_eq!(gen.resume(10), GenState::Yielded(2));
    assert_eq!(gen.resume(20), GenState::Yielded(3));
    assert_eq!(gen.resume(30), GenState::Yielded(4));
    assert_eq!(gen.resume(40), GenState::Yielded(5));
    assert_eq!(gen.resume(0), GenState::Complete("10+30".to_owned()));
}

/// Drives another coroutine inside its own body: the async-stream #106 shape, where a
/// thread-local slot let the inner generator's values land in the outer one.
#[coact::coroutine]
fn outer() -> Gen<String, Return = Vec<u64>> {
    let mut inner_values = Vec::new();
    let inner = count(3);
    yield_!("outer start".to_owned());
    for value in inner {
        inner_values.push(value);
        yield_!(format!("outer saw {value}"));
        // A nested coroutine driven completely between two outer yields.
        let nested: Vec<u64> = count(2).collect();
        assert_eq!(nested, [0, 1]);
    }
    inner_values
}

#[test]
fn a_coroutine_driven_inside_another_coroutine_keeps_its_values() {
    let mut gen = outer();
    let seen: Vec<String> = gen.by_ref().collect();
    assert_eq!(
        seen,
        ["outer start", "outer saw 0", "outer saw 1", "outer saw 2"]
    );
    assert_eq!(gen.take_return(), Some(vec![0, 1, 2]));
}

#[test]
fn interleaved_coroutines_of_one_type_keep_their_own_values() {
    let mut a = accumulator(100);
    let mut b = accumulator(100);
    assert_eq!(a.start(), GenState::Yielded(0));
    assert_eq!(b.start(), GenState::Yielded(0));
    assert_eq!(a.resume(1), GenState::Yielded(1));
    assert_eq!(b.resume(50), GenState::Yielded(50));
    assert_eq!(a.resume(2), GenState::Yielded(3));
    assert_eq!(b.resume(50), GenState::Complete(vec![50, 50]));
    assert_eq!(a.resume(97), GenState::Complete(vec![1, 2, 97]));
}

#[tokio::test]
async fn an_async_coroutine_drives_a_sync_one_inside_it() {
    #[coact::coroutine]
    async fn relay(n: u64) -> Gen<u64> {
        for value in count(n) {
            tokio::task::yield_now().await;
            yield_!(value * 10);
        }
    }
    assert_eq!(relay(3).collect::<Vec<_>>().await, [0, 10, 20]);
}

/// Methods, generics and borrowed arguments.
struct Deck {
    cards: Vec<u8>,
}

impl Deck {
    #[coact::coroutine]
    fn high_cards(&self, above: u8) -> Gen<&u8> {
        for card in &self.cards {
            if *card > above {
                yield_!(card);
            }
        }
    }
}

#[coact::coroutine]
fn pairs<'a, T: Clone>(items: &'a [T], other: &'a [T]) -> Gen<(T, T)> {
    for (a, b) in items.iter().zip(other) {
        yield_!((a.clone(), b.clone()));
    }
}

#[test]
fn methods_generics_and_borrows_work() {
    let deck = Deck {
        cards: vec![1, 9, 4, 12],
    };
    assert_eq!(deck.high_cards(5).copied().collect::<Vec<_>>(), [9, 12]);
    let pairs: Vec<_> = pairs(&["a", "b"], &["x", "y"]).collect();
    assert_eq!(pairs, [("a", "x"), ("b", "y")]);
}

// ---- the exchange ----
//
// A value crosses between a generator and its body within one poll, through the frame
// its step publishes on its thread: these tests drive generators inside each other,
// across threads and through panics (`coroutine_soundness.rs` aims at the unsafe frame
// itself).

/// Yields `depth`, takes a resume value, then drives a generator of its own function to
/// its end, resuming it with values of its own and yielding what it
/// yields, and returns the sum of all it was resumed with.
#[coact::coroutine]
fn nested(depth: u64) -> Gen<u64, Return = u64, Resume = u64> {
    let mut total = yield_!(depth);
    if depth > 0 {
        let mut inner = nested(depth - 1);
        let mut state = inner.start();
        while let GenState::Yielded(value) = state {
            total += yield_!(value);
            // The inner generator is resumed with its own values, inside our poll.
            state = inner.resume(value * 100);
        }
        if let GenState::Complete(inner_total) = state {
            total += inner_total;
        }
    }
    total
}

#[test]
fn a_coroutine_driving_one_of_its_own_function_keeps_its_values() {
    let mut gen = nested(2);
    assert_eq!(gen.start(), GenState::Yielded(2));
    assert_eq!(gen.resume(1), GenState::Yielded(1));
    assert_eq!(gen.resume(2), GenState::Yielded(0));
    // The inner generator was resumed with 1 * 100, then 0 * 100 (and its own inner one
    // with 0): it returns 100.
    assert_eq!(gen.resume(3), GenState::Complete(1 + 2 + 3 + 100));
}

#[test]
fn a_coroutine_moves_to_another_thread_between_items() {
    let mut acc = accumulator(100);
    assert_eq!(acc.start(), GenState::Yielded(0));
    assert_eq!(acc.resume(1), GenState::Yielded(1));
    // A generator of the same function, suspended on this thread while the other runs
    // elsewhere.
    let mut here = accumulator(100);
    assert_eq!(here.start(), GenState::Yielded(0));
    let mut acc = std::thread::spawn(move || {
        assert_eq!(acc.resume(2), GenState::Yielded(3));
        acc
    })
    .join()
    .unwrap();
    assert_eq!(here.resume(10), GenState::Yielded(10));
    assert_eq!(acc.resume(97), GenState::Complete(vec![1, 2, 97]));
    assert_eq!(here.resume(90), GenState::Complete(vec![10, 90]));
}

/// A future that is pending on its first poll (waking itself) and ready on the second.
struct Once(bool);

impl std::future::Future for Once {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            std::task::Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
}

/// Waits before each yield (the generator's poll returns `Pending` with nothing in the
/// exchange) and panics when resumed with 0.
#[coact::coroutine]
async fn waits(n: u64) -> Gen<u64, Return = u64, Resume = u64> {
    let mut total = 0;
    for i in 0..n {
        Once(false).await;
        let sent = yield_!(i);
        assert!(sent != 0, "resumed with 0");
        Once(false).await;
        total += sent;
    }
    total
}

fn cx_noop() -> std::task::Context<'static> {
    std::task::Context::from_waker(std::task::Waker::noop())
}

/// Polls `future` to its end, each poll on a new thread.
fn poll_on_new_threads<F: std::future::Future + Unpin + Send>(mut future: F) -> F::Output
where
    F::Output: Send,
{
    loop {
        let polled = std::thread::scope(|scope| {
            scope
                .spawn(|| std::pin::Pin::new(&mut future).poll(&mut cx_noop()))
                .join()
                .unwrap()
        });
        if let std::task::Poll::Ready(output) = polled {
            return output;
        }
    }
}

#[test]
fn an_async_coroutine_waits_between_yields_on_any_thread() {
    let mut gen = Box::pin(waits(3));
    let mut seen = Vec::new();
    let mut state = poll_on_new_threads(gen.as_mut().start_async());
    let mut next = 10;
    while let GenState::Yielded(value) = state {
        seen.push(value);
        state = poll_on_new_threads(gen.as_mut().resume_async(next));
        next += 10;
    }
    assert_eq!(seen, [0, 1, 2]);
    assert_eq!(state, GenState::Complete(10 + 20 + 30));
}

#[test]
fn a_panic_leaves_nothing_in_the_exchange() {
    let mut cx = cx_noop();
    let mut failing = Box::pin(waits(3));
    let mut start = failing.as_mut().start_async();
    let mut start = std::pin::Pin::new(&mut start);
    assert!(start.as_mut().poll(&mut cx).is_pending(), "waits first");
    assert_eq!(
        start.as_mut().poll(&mut cx),
        std::task::Poll::Ready(GenState::Yielded(0))
    );
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut resume = failing.as_mut().resume_async(0);
        let _ = std::pin::Pin::new(&mut resume).poll(&mut cx_noop());
    }));
    assert!(panicked.is_err());
    assert!(failing.is_finished());

    // The next generator of that function on this thread: its first poll waits without
    // yielding, and must find its exchange empty, not the value the panic interrupted.
    let mut next = Box::pin(waits(1));
    let mut start = next.as_mut().start_async();
    let mut start = std::pin::Pin::new(&mut start);
    assert!(start.as_mut().poll(&mut cx).is_pending());
    assert_eq!(
        start.as_mut().poll(&mut cx),
        std::task::Poll::Ready(GenState::Yielded(0))
    );
    let mut resume = next.as_mut().resume_async(5);
    let mut resume = std::pin::Pin::new(&mut resume);
    assert!(resume.as_mut().poll(&mut cx).is_pending());
    assert_eq!(
        resume.as_mut().poll(&mut cx),
        std::task::Poll::Ready(GenState::Complete(5))
    );
}

/// Catches the panic of a generator of its own function, driven inside its body, and
/// goes on yielding and being resumed.
#[coact::coroutine]
fn survives(fail: bool) -> Gen<u64, Return = u64, Resume = u64> {
    if fail {
        let sent = yield_!(7);
        panic!("inner failed after {sent}");
    }
    let first = yield_!(1);
    let mut inner = survives(true);
    assert_eq!(inner.start(), GenState::Yielded(7));
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.resume(8)));
    assert!(caught.is_err());
    let second = yield_!(2);
    first + second
}

#[test]
fn a_panic_inside_a_coroutine_of_the_same_function_leaves_the_outer_one_intact() {
    let mut gen = survives(false);
    assert_eq!(gen.start(), GenState::Yielded(1));
    assert_eq!(gen.resume(10), GenState::Yielded(2));
    assert_eq!(gen.resume(20), GenState::Complete(30));
}

/// Wraps an expression in an `async` block the rewrite cannot see: the one way to take a
/// `yield_!` out of its coroutine's own body.
macro_rules! deferred {
    ($e:expr) => {
        async { $e }
    };
}

/// Polls `smuggled`, a yield of another generator of this function, inside its own body.
#[coact::coroutine]
fn smuggler(
    smuggled: Option<std::pin::Pin<&mut dyn std::future::Future<Output = ()>>>,
) -> Gen<u64> {
    if let Some(smuggled) = smuggled {
        let _ = smuggled.poll(&mut cx_noop());
        yield_!(99);
        return;
    }
    let mut taken = pin!(deferred!(yield_!(1)));
    for value in smuggler(Some(taken.as_mut())) {
        yield_!(value);
    }
}

#[test]
#[should_panic(expected = "outside its coroutine")]
fn a_yield_smuggled_into_another_coroutine_is_refused() {
    let _ = smuggler(None).collect::<Vec<_>>();
}

/// `()` under another name: the macro cannot tell it is `()`, so the generator is
/// resumed through the exchange like any other resume type.
type Nothing = ();

#[coact::coroutine]
fn resumed_with_nothing(n: u64) -> Gen<u64, Resume = Nothing> {
    for i in 0..n {
        let () = yield_!(i);
    }
}

#[test]
fn a_unit_resume_type_under_another_name_iterates_folds_and_resumes() {
    assert_eq!(resumed_with_nothing(4).collect::<Vec<_>>(), [0, 1, 2, 3]);
    assert_eq!(resumed_with_nothing(4).sum::<u64>(), 6);
    let mut gen = resumed_with_nothing(2);
    assert_eq!(gen.start(), GenState::Yielded(0));
    assert_eq!(gen.resume(()), GenState::Yielded(1));
    assert_eq!(gen.resume(()), GenState::Complete(()));
}

#[test]
fn a_type_of_the_users_own_is_yielded_and_resumed_like_any_other() {
    #[derive(Debug, PartialEq)]
    struct Item(u8);
    #[coact::coroutine]
    fn items(n: u8) -> Gen<Item, Resume = u8> {
        let mut sent = 0;
        for i in 0..n {
            sent += yield_!(Item(i + sent));
        }
    }
    let mut gen = items(2);
    assert_eq!(gen.start(), GenState::Yielded(Item(0)));
    assert_eq!(gen.resume(5), GenState::Yielded(Item(6)));
    assert_eq!(gen.resume(1), GenState::Complete(()));
}

// ---- cooperative execution ----

#[coact::coroutine]
fn maybe_evens(n: u64) -> Gen<Option<u64>> {
    for i in 0..n {
        yield_!((i % 2 == 0).then_some(i));
    }
}

#[tokio::test]
async fn accumulate_keeps_every_item_as_it_is() {
    assert_eq!(accumulate(count(4)).await, Ok(vec![0, 1, 2, 3]));
    // No annotation: the kept type is the generator's item, `None`s included.
    let steps = batch_accumulate(3, maybe_evens(4)).await.unwrap();
    assert_eq!(steps, [Some(0), None, Some(2), None]);
    assert_eq!(accumulate(maybe_evens(2)).await, Ok(vec![Some(0), None]));
}

#[tokio::test]
async fn accumulate_some_keeps_the_values_and_infers_their_type() {
    // No annotation anywhere: `T` comes from the generator's `Option<T>` items.
    let evens = batch_accumulate_some(3, maybe_evens(10)).await.unwrap();
    assert_eq!(evens, [0, 2, 4, 6, 8]);
    let evens = accumulate_some(maybe_evens(5)).await.unwrap();
    assert_eq!(evens.iter().sum::<u64>(), 6);
    let cooperator = Cooperator::new(2);
    let evens = cooperator.accumulate_some(maybe_evens(7)).await.unwrap();
    assert_eq!(evens, [0, 2, 4, 6]);
}

#[test]
fn a_value_bucket_keeps_and_drains() {
    let mut bucket = ValueBucket::new();
    assert!(bucket.push(1));
    assert!(!bucket.push(None));
    assert!(bucket.push(Some(2)));
    bucket.extend([Some(3), None]);
    assert_eq!(bucket.contents(), [1, 2, 3]);
    assert_eq!(bucket.drain_contents(), [1, 2, 3]);
    assert!(bucket.is_empty());
    bucket.push(4);
    assert_eq!(bucket.contents(), [4]);
}

/// Steps a generator took between two turns of another task, from a shared tick count
/// read at each step.
fn steps_per_tick(observed: &[usize]) -> Vec<usize> {
    let mut runs = Vec::new();
    let mut current = 0;
    let mut last = None;
    for &tick in observed {
        if last.is_some_and(|last| last != tick) {
            runs.push(current);
            current = 0;
        }
        current += 1;
        last = Some(tick);
    }
    runs.push(current);
    runs
}

#[coact::coroutine]
fn observing(steps: usize, ticks: Arc<AtomicUsize>) -> Gen<usize> {
    for _ in 0..steps {
        yield_!(ticks.load(Ordering::Relaxed));
    }
}

/// A task that counts its turns until told to stop.
fn ticker(ticks: &Arc<AtomicUsize>, stop: &Arc<AtomicUsize>) -> tokio::task::JoinHandle<()> {
    let (ticks, stop) = (Arc::clone(ticks), Arc::clone(stop));
    tokio::spawn(async move {
        while stop.load(Ordering::Relaxed) == 0 {
            ticks.fetch_add(1, Ordering::Relaxed);
            tokio::task::yield_now().await;
        }
    })
}

#[tokio::test(flavor = "current_thread")]
async fn batch_accumulate_hands_control_back_after_each_batch() {
    let (ticks, stop) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let ticking = ticker(&ticks, &stop);
    tokio::task::yield_now().await;
    let observed = batch_accumulate(100, observing(1000, Arc::clone(&ticks)))
        .await
        .unwrap();
    stop.store(1, Ordering::Relaxed);
    ticking.await.unwrap();
    let runs = steps_per_tick(&observed);
    // Exactly one batch between two turns of the ticker.
    assert_eq!(runs, vec![100; 10], "{runs:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_ticker_keeps_ticking_during_ten_million_steps() {
    const STEPS: usize = 10_000_000;
    const BATCH: usize = 10_000;
    let (ticks, stop) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let ticking = ticker(&ticks, &stop);
    let observed = Arc::clone(&ticks);
    // The generator keeps only the steps where the ticker's count moved, and counts the
    // longest run of steps without a tick.
    #[coact::coroutine]
    fn gaps(steps: usize, ticks: Arc<AtomicUsize>) -> Gen<Option<usize>, Return = ()> {
        let (mut last, mut run) = (ticks.load(Ordering::Relaxed), 0);
        for _ in 0..steps {
            let now = ticks.load(Ordering::Relaxed);
            if now == last {
                run += 1;
                yield_!(None);
            } else {
                last = now;
                yield_!(Some(run));
                run = 1;
            }
        }
    }
    let runs = batch_accumulate_some(BATCH, gaps(STEPS, observed))
        .await
        .unwrap();
    stop.store(1, Ordering::Relaxed);
    ticking.await.unwrap();
    let largest = runs.iter().copied().max().unwrap_or(0);
    assert!(largest <= BATCH, "largest gap {largest} steps");
    assert!(runs.len() >= STEPS / BATCH - 1, "{} ticks", runs.len());
}

#[tokio::test]
async fn a_panicking_generator_is_an_error() {
    let result = batch_accumulate(10, panics_at(25)).await;
    assert_eq!(
        result,
        Err(CooperativeError::Panicked {
            message: "generator failed at 25".to_owned()
        })
    );
    let cooperator = Cooperator::new(10);
    let result = cooperator.accumulate(panics_at(5)).await;
    assert!(matches!(result, Err(CooperativeError::Panicked { .. })));
    // The cooperator goes on with other generators.
    assert_eq!(cooperator.accumulate(count(3)).await, Ok(vec![0, 1, 2]));
}

#[tokio::test(flavor = "current_thread")]
async fn a_cooperator_runs_its_generators_in_turn() {
    let order = Arc::new(Mutex::new(Vec::new()));
    #[coact::coroutine]
    fn tagged(tag: char, n: usize, order: Arc<Mutex<Vec<char>>>) -> Gen<usize> {
        for i in 0..n {
            order.lock().unwrap().push(tag);
            yield_!(i);
        }
    }
    let cooperator = Cooperator::new(2);
    let a = cooperator.accumulate(tagged('a', 4, Arc::clone(&order)));
    let b = cooperator.accumulate(tagged('b', 6, Arc::clone(&order)));
    let (a, b) = tokio::join!(a, b);
    assert_eq!((a.unwrap().len(), b.unwrap().len()), (4, 6));
    let order: String = order.lock().unwrap().iter().collect();
    assert_eq!(order, "aabbaabbbb");
}

#[tokio::test(flavor = "current_thread")]
async fn a_cooperator_pauses_resumes_and_stops() {
    let progress = Arc::new(AtomicUsize::new(0));
    #[coact::coroutine]
    fn counting(progress: Arc<AtomicUsize>, n: usize) -> Gen<usize> {
        for i in 0..n {
            progress.fetch_add(1, Ordering::Relaxed);
            yield_!(i);
        }
    }
    async fn turns(n: usize) {
        for _ in 0..n {
            tokio::task::yield_now().await;
        }
    }

    let cooperator = Cooperator::new(10);
    let control = cooperator.control();
    let long = cooperator.accumulate(counting(Arc::clone(&progress), 1000));
    turns(3).await;
    let before_pause = progress.load(Ordering::Relaxed);
    assert!(before_pause > 0, "it runs");

    control.pause();
    assert!(control.is_paused());
    turns(2).await; // the batch that was running ends
    let paused_at = progress.load(Ordering::Relaxed);
    turns(20).await;
    assert_eq!(
        progress.load(Ordering::Relaxed),
        paused_at,
        "no batch while paused"
    );

    control.resume();
    turns(3).await;
    assert!(progress.load(Ordering::Relaxed) > paused_at, "it goes on");
    assert_eq!(long.await.unwrap().len(), 1000);

    let unfinished = cooperator.accumulate(counting(Arc::clone(&progress), 1_000_000));
    turns(2).await;
    control.stop();
    assert_eq!(unfinished.await, Err(CooperativeError::Stopped));
    assert_eq!(
        cooperator.accumulate(count(1)).await,
        Err(CooperativeError::Stopped),
        "stopped for good"
    );
    control.resume();
    assert!(control.is_stopped());
}

#[tokio::test]
async fn dropping_a_cooperator_stops_it() {
    let cooperator = Cooperator::new(1);
    cooperator.pause();
    let pending = cooperator.accumulate(count(10));
    assert_eq!(cooperator.pending(), 1);
    drop(cooperator);
    assert_eq!(pending.await, Err(CooperativeError::Stopped));
}

#[test]
fn an_inner_attribute_at_the_top_of_the_body_is_kept() {
    #[coact::coroutine]
    fn counted() -> Gen<u32> {
        #![allow(unused_variables)]
        let unused = 0;
        yield_!(1);
        yield_!(2);
    }
    assert_eq!(counted().collect::<Vec<_>>(), [1, 2]);
}
