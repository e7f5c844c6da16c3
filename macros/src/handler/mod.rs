//! `#[deferred_handler]`: parse the arguments (`NameArgs`) and the impl block into a
//! checked model (`model`), then generate the mailbox types and proxies (`expand`). On
//! any error, the same items are generated as stand-ins (`Mode::StandIn`) next to the
//! errors, so code that uses the handler still type-checks and one mistake gives one
//! error.

mod expand;
mod model;

use proc_macro2::TokenStream;
use quote::ToTokens as _;

use crate::args::NameArgs;
use crate::diag::Ctxt;
use expand::Mode;
use model::Handler;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let args = NameArgs::parse(&cx, args);
    let item = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            cx.syn_error(error);
            return crate::diag::emit(cx, item);
        }
    };
    let model = Handler::from_item(&cx, &item);
    let checked = cx.check();
    if let (Ok(()), Some(model)) = (&checked, &model) {
        return expand::expand(&args, model, Mode::Real);
    }
    let mut out = Handler::stand_in(&item).map_or_else(
        || item.to_token_stream(),
        |stand_in| expand::expand(&args, &stand_in, Mode::StandIn),
    );
    out.extend(checked.err().map(syn::Error::into_compile_error));
    out
}
