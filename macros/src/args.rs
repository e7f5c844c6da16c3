//! The arguments shared by `#[deferred_handler(...)]` and `#[machine(...)]`.

use syn::parse::{Parse, ParseStream};
use syn::{Ident, Path, Token};

mod kw {
    syn::custom_keyword!(name);
}

/// `name = Ident`, `crate = path`, both optional, each at most once.
#[derive(Default)]
pub struct Args {
    /// Prefix of the generated items instead of the type's name.
    pub name: Option<Ident>,
    /// Path of the `coact` crate.
    pub krate: Option<Path>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Self::default();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::name) {
                let key: kw::name = input.parse()?;
                input.parse::<Token![=]>()?;
                let value: Ident = input.parse().map_err(|e| {
                    syn::Error::new(e.span(), "expected an identifier, as in `name = Counter`")
                })?;
                if args.name.replace(value).is_some() {
                    return Err(syn::Error::new(key.span, "duplicate argument `name`"));
                }
            } else if lookahead.peek(Token![crate]) {
                let key: Token![crate] = input.parse()?;
                input.parse::<Token![=]>()?;
                let value = Path::parse_mod_style(input).map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "expected a path, as in `crate = ::my_crate::coact`",
                    )
                })?;
                if args.krate.replace(value).is_some() {
                    return Err(syn::Error::new(key.span, "duplicate argument `crate`"));
                }
            } else if input.peek(Ident) {
                let unknown: Ident = input.parse()?;
                return Err(syn::Error::new(
                    unknown.span(),
                    format!("unknown argument `{unknown}`: expected `name` or `crate`"),
                ));
            } else {
                return Err(lookahead.error());
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}
