//! `#[identity_cached]`: parse the arguments (`attr`) and the function into a checked
//! model (`model`), then generate the cache and the function that consults it (`expand`).

mod attr;
mod expand;
mod model;

use proc_macro2::TokenStream;

/// Entry point. On error the user's function is emitted unchanged, next to the errors:
/// it still compiles as the plain function it was, so one mistake does not cascade.
pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    crate::common::attribute(
        args,
        item,
        |args: Option<&attr::Args>, item| {
            let model = model::Cached::from_item(item, args)?;
            Ok(args
                .map(|args| expand::expand(args, &model))
                .unwrap_or_default())
        },
        |_| {},
    )
}
