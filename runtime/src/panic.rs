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
