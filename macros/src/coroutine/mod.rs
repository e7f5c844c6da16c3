//! `#[coroutine]`: parse the arguments (`attr`), check the function and rewrite the
//! `yield_!`s of its body into a checked model (`model`, with the body's token-level
//! rewrite in `rewrite`), then generate the function that builds the generator
//! (`expand`).

mod attr;
mod expand;
mod model;
mod rewrite;

use proc_macro2::TokenStream;

/// Entry point. On error the function is emitted with a body that only panics and, where
/// the declared generator type was understood, that type: its callers still type-check,
/// so one mistake does not cascade.
pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    crate::common::attribute(
        args,
        item,
        |args: Option<&attr::Args>, item| {
            let model = model::Coroutine::from_item(item)?;
            Ok(args
                .map(|args| expand::expand(args, &model))
                .unwrap_or_default())
        },
        model::fallback,
    )
}
