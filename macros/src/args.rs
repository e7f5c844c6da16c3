//! The arguments shared by `#[deferred_handler(...)]` and `#[machine(...)]`, and the
//! pieces every macro's argument parser is made of.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{bracketed, Ident, Path, Token};

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
                let value = crate_path(input, key.span)?;
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

/// After a key: `=` and a value, or an error at the key that shows the `form` to write.
pub fn expect_eq(input: ParseStream<'_>, key: Span, form: &str) -> syn::Result<()> {
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        if !input.is_empty() && !input.peek(Token![,]) {
            return Ok(());
        }
    }
    Err(syn::Error::new(key, format!("missing value: write {form}")))
}

/// After the `crate` key: `= path`, the path of the `coact` crate.
pub fn crate_path(input: ParseStream<'_>, key: Span) -> syn::Result<Path> {
    expect_eq(input, key, "`crate = ::my_crate::coact`")?;
    Path::parse_mod_style(input).map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected a path, as in `crate = ::my_crate::coact`",
        )
    })
}

/// `name` or `[a, b, …]`, each read by `one`, none twice in the argument `key`; with
/// the brackets' span, for a caller that refuses an empty list.
pub fn names(
    input: ParseStream<'_>,
    key: &str,
    one: fn(ParseStream<'_>) -> syn::Result<Ident>,
) -> syn::Result<(Vec<Ident>, Option<Span>)> {
    let mut names: Vec<Ident> = Vec::new();
    let mut brackets = None;
    if input.peek(syn::token::Bracket) {
        let content;
        brackets = Some(bracketed!(content in input).span.join());
        while !content.is_empty() {
            names.push(one(&content)?);
            if !content.is_empty() {
                content.parse::<Token![,]>()?;
            }
        }
    } else {
        names.push(one(input)?);
    }
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(syn::Error::new(
                name.span(),
                format!("`{name}` is listed twice in `{key}`"),
            ));
        }
    }
    Ok((names, brackets))
}
