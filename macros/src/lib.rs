//! Procedural macros of [coact](https://docs.rs/coact). Use them through the `coact` crate:
//! the code they generate names `::coact::__private`, so this crate alone is not enough.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod handler;

/// Turns an inherent impl block into a deferred handler; see `coact::deferred_handler`.
#[proc_macro_attribute]
pub fn deferred_handler(args: TokenStream, item: TokenStream) -> TokenStream {
    handler::expand(args.into(), item.into()).into()
}
