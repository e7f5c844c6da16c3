//! The diagnostics layer every macro shares: one error collector (`Ctxt`), one argument
//! parser (`Attr<T>` slots filled by `parse_args`), and one checker of what all of them
//! reject in a signature (`sig`). A family's `model` reports through these, so a mistake
//! reads the same in all four families and every mistake of a build is reported at once.

mod attr;
mod ctxt;
pub mod sig;

pub use attr::{crate_path, eq, flag, names, parse_args, Attr};
pub use ctxt::Ctxt;

/// The output of an item that could not be parsed at all: the errors, then the item's
/// tokens as they came, for rustc to report on in its own words.
pub fn emit(cx: Ctxt, item: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let mut out = match cx.check() {
        Ok(()) => proc_macro2::TokenStream::new(),
        Err(error) => error.into_compile_error(),
    };
    out.extend(item);
    out
}
