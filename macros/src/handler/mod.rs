//! `#[deferred_handler]`: parse the arguments and the impl block into a checked model
//! (`model`), then generate the mailbox types and proxies (`expand`).

mod expand;
mod model;

use proc_macro2::TokenStream;
use quote::ToTokens as _;

/// Entry point: on any error the user's item is still emitted unchanged, next to the
/// errors, so one mistake does not cascade into unresolved-name errors everywhere.
pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = syn::parse2::<crate::args::Args>(args);
    let item = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            let mut out = error.into_compile_error();
            out.extend(item);
            return out;
        }
    };
    let model = model::Handler::from_item(&item);
    match (args, model) {
        (Ok(args), Ok(model)) => expand::expand(&args, &model),
        (args, model) => {
            let errors = [args.err(), model.err()].into_iter().flatten();
            let mut out = item.to_token_stream();
            for error in errors {
                out.extend(error.into_compile_error());
            }
            out
        }
    }
}
