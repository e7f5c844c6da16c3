//! Procedural macros of [coact](https://docs.rs/coact). Use them through the `coact` crate:
//! the code they generate names `::coact::__private`, so this crate alone is not enough.
//!
//! Each macro lives in its own module, split parse -> check -> expand: a `model` that
//! checks the input and keeps the user's syntax nodes for spans, an `expand` that
//! generates code, and stand-ins emitted next to the errors when there are any. All of
//! them report through the shared diagnostics layer in `diag`.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod args;
mod coroutine;
#[cfg(test)]
mod corpus;
mod diag;
mod handler;
mod identity;
mod machine;
#[cfg(test)]
mod snapshots;
mod syntax;

/// Turns an inherent impl block into a deferred handler; see `coact::deferred_handler`.
#[proc_macro_attribute]
pub fn deferred_handler(args: TokenStream, item: TokenStream) -> TokenStream {
    handler::expand(args.into(), item.into()).into()
}

/// Turns a function whose body calls `yield_!(value)` into a generator; see
/// `coact::coroutine`.
#[proc_macro_attribute]
pub fn coroutine(args: TokenStream, item: TokenStream) -> TokenStream {
    coroutine::expand(args.into(), item.into()).into()
}

/// Caches an `async fn` by its arguments: an identity map or a memoized function; see
/// `coact::identity_cached`.
#[proc_macro_attribute]
pub fn identity_cached(args: TokenStream, item: TokenStream) -> TokenStream {
    identity::expand(args.into(), item.into()).into()
}

/// Turns an inline module of state functions, or an inherent impl block of state methods,
/// into a state machine; see `coact::machine`.
#[proc_macro_attribute]
pub fn machine(args: TokenStream, item: TokenStream) -> TokenStream {
    machine::expand(args.into(), item.into()).into()
}

/// Marks a state inside a `#[machine]`; on its own it is an error. See `coact::state`.
#[proc_macro_attribute]
pub fn state(_args: TokenStream, item: TokenStream) -> TokenStream {
    machine::state_outside_machine(item.into()).into()
}
