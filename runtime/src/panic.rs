//! Panic payloads as text: how every pattern reports a panic it caught (a handler method,
//! a state, a loader, a generator, a data-access entry).

use std::any::Any;

/// The message of a caught panic: its payload when that is a `String` or a `&str`.
pub(crate) fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload.downcast_ref::<&str>().map_or_else(
            || "<non-string panic payload>".to_owned(),
            |message| (*message).to_owned(),
        ),
    }
}

/// Awaits `future`, catching a panic of any of its polls as `Err` with the panic's
/// payload: what `futures`' `FutureExt::catch_unwind` does, for the patterns built without
/// that crate.
#[cfg(any(feature = "handler", feature = "state", feature = "ops"))]
pub(crate) async fn catch_unwind<F: std::future::Future>(
    future: F,
) -> Result<F::Output, Box<dyn Any + Send>> {
    use std::panic::AssertUnwindSafe;
    use std::task::Poll;

    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(payload)),
        }
    })
    .await
}
