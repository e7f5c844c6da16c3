//! The arguments of `#[coroutine(...)]`: only `crate = path`. What the generator yields,
//! returns and is resumed with is declared in the return type, where a reader looks.

use proc_macro2::TokenStream;
use syn::Path;

use crate::diag::{crate_path, parse_args, Attr, Ctxt};

const IN_RETURN_TYPE: &str =
    "declare the types in the return type, not here: `-> Gen<Yield, Return = R, Resume = S>`";

pub struct Args {
    /// Path of the `coact` crate.
    pub krate: Option<Path>,
}

impl Args {
    pub fn parse(cx: &Ctxt, tokens: TokenStream) -> Self {
        let mut krate = Attr::none("crate");
        parse_args(cx, tokens, &["crate"], |key, input| {
            match key.to_string().as_str() {
                "crate" => krate.set(cx, key, crate_path(input, key))?,
                "yield" | "return" | "resume" | "Resume" => {
                    return Err(syn::Error::new(key.span(), IN_RETURN_TYPE))
                }
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown argument `{key}`: `#[coroutine]` takes only `crate = path`; \
                             declare the types in the return type, \
                             `-> Gen<Yield, Return = R, Resume = S>`"
                        ),
                    ))
                }
            }
            Ok(true)
        });
        Self {
            krate: krate.into_inner(),
        }
    }
}
