//! The arguments of `#[coroutine(...)]`: only `crate = path`. What the generator yields,
//! returns and is resumed with is declared in the return type, where a reader looks.

use syn::parse::{Parse, ParseStream};
use syn::{Ident, Path, Token};

/// `crate = path`, optional, at most once.
#[derive(Default)]
pub struct Args {
    /// Path of the `coact` crate.
    pub krate: Option<Path>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Self::default();
        while !input.is_empty() {
            if input.peek(Token![crate]) {
                let key: Token![crate] = input.parse()?;
                let path = crate::args::crate_path(input, key.span)?;
                if args.krate.replace(path).is_some() {
                    return Err(syn::Error::new(key.span, "duplicate argument `crate`"));
                }
            } else if input.peek(Token![yield]) || input.peek(Token![return]) {
                let span = input.cursor().token_tree().map(|(tt, _)| tt.span());
                return Err(syn::Error::new(
                    span.unwrap_or_else(|| input.span()),
                    "declare the types in the return type, not here: \
                     `-> Gen<Yield, Return = R, Resume = S>`",
                ));
            } else if input.peek(Ident) {
                let unknown: Ident = input.parse()?;
                let message = match unknown.to_string().as_str() {
                    "resume" | "Resume" => "declare the types in the return type, not here: \
                                            `-> Gen<Yield, Return = R, Resume = S>`"
                        .to_owned(),
                    _ => format!(
                        "unknown argument `{unknown}`: `#[coroutine]` takes only `crate = path`; \
                         declare the types in the return type, `-> Gen<Yield, Return = R, Resume = S>`"
                    ),
                };
                return Err(syn::Error::new(unknown.span(), message));
            } else {
                return Err(input.error("expected `crate = path`"));
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}
