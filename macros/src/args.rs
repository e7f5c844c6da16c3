//! The arguments `#[deferred_handler(...)]` and `#[machine(...)]` share: `name = Ident`
//! and `crate = path`, read by the one argument parser of `diag`; each macro reads more
//! keys of its own through `NameArgs::parse_with`.

use proc_macro2::TokenStream;
use syn::parse::ParseStream;
use syn::{Ident, Path};

use crate::diag::{crate_path, eq, parse_args, Attr, Ctxt};

pub struct NameArgs {
    /// Prefix of the generated items instead of the type's name.
    pub name: Option<Ident>,
    /// Path of the `coact` crate.
    pub krate: Option<Path>,
}

impl NameArgs {
    /// Also reads the keys `more` takes (returning `true` for a key it knows); `keys`
    /// lists every key, for "expected one of …".
    pub fn parse_with(
        cx: &Ctxt,
        tokens: TokenStream,
        keys: &[&str],
        mut more: impl FnMut(&Ident, ParseStream<'_>) -> syn::Result<bool>,
    ) -> Self {
        let mut name = Attr::none("name");
        let mut krate = Attr::none("crate");
        parse_args(cx, tokens, keys, |key, input| {
            if key == "name" {
                let value = eq(input, key, "`name = Counter`").and_then(|()| {
                    input.parse::<Ident>().map_err(|e| {
                        syn::Error::new(e.span(), "expected an identifier, as in `name = Counter`")
                    })
                });
                name.set(cx, key, value)?;
            } else if key == "crate" {
                krate.set(cx, key, crate_path(input, key))?;
            } else {
                return more(key, input);
            }
            Ok(true)
        });
        Self {
            name: name.into_inner(),
            krate: krate.into_inner(),
        }
    }
}
