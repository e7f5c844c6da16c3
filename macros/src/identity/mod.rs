//! `#[identity_cached]`: parse the arguments (`attr`) and the function into a checked
//! model (`model`), then generate the cache and the function that consults it (`expand`).
//! On any error, the accessor and the rewritten function are generated as stand-ins
//! (`Mode::StandIn`) next to the errors.

mod attr;
mod expand;
mod model;

use proc_macro2::TokenStream;
use quote::ToTokens as _;
use syn::Item;

use crate::diag::Ctxt;
use expand::Mode;
use model::Cached;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let args = attr::Args::parse(&cx, args);
    let mut item: Item = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            cx.syn_error(error);
            return crate::diag::emit(cx, item);
        }
    };
    let model = Cached::from_item(&cx, &item, &args);
    let checked = cx.check();
    let mut out = match (&checked, &model) {
        (Ok(()), Some(model)) => return expand::expand(&args, model, Mode::Real),
        (_, Some(model)) => expand::expand(&args, model, Mode::StandIn),
        (_, None) => {
            drop(model);
            // What it caches is unknown: the function as written, less a `self` it
            // cannot have (reported).
            if let Item::Fn(f) = &mut item {
                f.sig.inputs = std::mem::take(&mut f.sig.inputs)
                    .into_iter()
                    .filter(|input| matches!(input, syn::FnArg::Typed(_)))
                    .collect();
            }
            item.into_token_stream()
        }
    };
    out.extend(checked.err().map(syn::Error::into_compile_error));
    out
}
