//! Procedural macros of [coact](https://docs.rs/coact). Use them through the `coact` crate:
//! the code they generate names `::coact::__private`, so this crate alone is not enough.
//!
//! Each macro lives in its own module, split parse -> check -> expand: a `model` that
//! checks the input and keeps the user's syntax nodes for spans, an `expand` that
//! generates code, and stand-ins emitted next to the errors when there are any. All of
//! them report through the shared diagnostics layer in `diag`.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
// A family whose feature is off is not compiled: its attribute expands to an error that
// names the feature. The shared modules then hold items only the other families use, so
// dead code is reported only in the full build (every family), which CI lints.
#![cfg_attr(
    not(all(
        feature = "handler",
        feature = "state",
        feature = "coroutine",
        feature = "identity"
    )),
    allow(dead_code, unused_imports)
)]

use proc_macro::TokenStream;

mod args;
#[cfg(feature = "coroutine")]
mod coroutine;
// The crate's own tests exercise every family: they build with the default features.
#[cfg(test)]
mod corpus;
mod diag;
#[cfg(feature = "handler")]
mod handler;
#[cfg(feature = "identity")]
mod identity;
#[cfg(feature = "state")]
mod machine;
#[cfg(test)]
mod snapshots;
mod syntax;

/// Turns an inherent impl block into a deferred handler; see `coact::deferred_handler`.
#[proc_macro_attribute]
pub fn deferred_handler(args: TokenStream, item: TokenStream) -> TokenStream {
    #[cfg(feature = "handler")]
    return handler::expand(args.into(), item.into()).into();
    #[cfg(not(feature = "handler"))]
    return feature_off("#[deferred_handler]", "handler", &args, item);
}

/// Turns a function whose body calls `yield_!(value)` into a generator; see
/// `coact::coroutine`.
#[proc_macro_attribute]
pub fn coroutine(args: TokenStream, item: TokenStream) -> TokenStream {
    #[cfg(feature = "coroutine")]
    return coroutine::expand(args.into(), item.into()).into();
    #[cfg(not(feature = "coroutine"))]
    return feature_off("#[coroutine]", "coroutine", &args, item);
}

/// Caches an `async fn` by its arguments: an identity map or a memoized function; see
/// `coact::identity_cached`.
#[proc_macro_attribute]
pub fn identity_cached(args: TokenStream, item: TokenStream) -> TokenStream {
    #[cfg(feature = "identity")]
    return identity::expand(args.into(), item.into()).into();
    #[cfg(not(feature = "identity"))]
    return feature_off("#[identity_cached]", "identity", &args, item);
}

/// Turns an inline module of state functions, or an inherent impl block of state methods,
/// into a state machine; see `coact::machine`.
#[proc_macro_attribute]
pub fn machine(args: TokenStream, item: TokenStream) -> TokenStream {
    #[cfg(feature = "state")]
    return machine::expand(args.into(), item.into()).into();
    #[cfg(not(feature = "state"))]
    return feature_off("#[machine]", "state", &args, item);
}

/// Marks a state inside a `#[machine]`; on its own it is an error. See `coact::state`.
#[proc_macro_attribute]
pub fn state(args: TokenStream, item: TokenStream) -> TokenStream {
    #[cfg(feature = "state")]
    {
        let _ = args;
        machine::state_outside_machine(item.into()).into()
    }
    #[cfg(not(feature = "state"))]
    return feature_off("#[state]", "state", &args, item);
}

/// The expansion of an attribute whose family's feature is off: one error, at the
/// attribute, that names the feature, and the item as written (with the item gone, every
/// use of it would be a second error).
#[cfg(not(all(
    feature = "handler",
    feature = "state",
    feature = "coroutine",
    feature = "identity"
)))]
fn feature_off(
    attribute: &str,
    feature: &str,
    _args: &TokenStream,
    item: TokenStream,
) -> TokenStream {
    let message = format!(
        "`{attribute}` needs coact's `{feature}` feature, which is off: add \"{feature}\" \
         to the `features` of coact in Cargo.toml"
    );
    let error: TokenStream = syn::Error::new(proc_macro2::Span::call_site(), message)
        .to_compile_error()
        .into();
    error.into_iter().chain(item).collect()
}
