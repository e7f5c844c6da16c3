//! `#[coroutine]`: parse the arguments (`attr`), check the function and rewrite the
//! `yield_!`s of its body into a checked model (`model`, with the body's token-level
//! rewrite in `rewrite`), then generate the function that builds the generator
//! (`expand`). On any error, `fallback` emits the function with the generator type it
//! would have had and a body that only panics.

mod attr;
mod expand;
mod fallback;
mod model;
mod rewrite;

use proc_macro2::TokenStream;

use crate::diag::Ctxt;
use model::Coroutine;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let args = attr::Args::parse(&cx, args);
    let item = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            cx.syn_error(error);
            return crate::diag::emit(cx, item);
        }
    };
    let model = Coroutine::from_item(&cx, &item);
    let checked = cx.check();
    if let (Ok(()), Some(model)) = (&checked, &model) {
        return expand::expand(&args, model);
    }
    drop(model);
    let mut out = fallback::stand_in(&args, item);
    out.extend(checked.err().map(syn::Error::into_compile_error));
    out
}
