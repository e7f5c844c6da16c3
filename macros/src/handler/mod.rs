//! `#[deferred_handler]`: parse the arguments and the impl block into a checked model
//! (`model`), then generate the mailbox types and proxies (`expand`).

mod expand;
mod model;

use proc_macro2::TokenStream;

/// Entry point: on any error the user's item is still emitted unchanged, next to the
/// errors, so one mistake does not cascade into unresolved-name errors everywhere.
pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    crate::common::attribute(
        args,
        item,
        |args: Option<&crate::args::Args>, item| {
            let model = model::Handler::from_item(item)?;
            Ok(args
                .map(|args| expand::expand(args, &model))
                .unwrap_or_default())
        },
        |_| {},
    )
}
