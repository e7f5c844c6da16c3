//! One argument parser for every macro (`serde_derive`'s `internals/attr.rs`): a typed
//! `Attr<T>` slot per key, filled by `parse_args`, which reads `key`, `key = value`, … and
//! reports an unknown key ("expected one of …"), a duplicate key and a value that does not
//! parse, each at the offending token, all of them in one build: after an error it skips
//! to the next `,` and goes on.

use std::fmt::Write as _;

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::{bracketed, Ident, Path, Token};

use super::Ctxt;

/// The value of one key: absent, given but ill-formed (its error is already reported),
/// or given.
pub struct Attr<T> {
    name: &'static str,
    /// Said after "duplicate argument `name`", for keys where the fix is not obvious.
    duplicate_hint: &'static str,
    state: State<T>,
}

enum State<T> {
    Absent,
    Invalid(Span),
    Given(Span, T),
}

impl<T> Attr<T> {
    pub const fn none(name: &'static str) -> Self {
        Self {
            name,
            duplicate_hint: "",
            state: State::Absent,
        }
    }

    /// A hint for the duplicate-key error, starting with `: `.
    pub const fn duplicate_hint(mut self, hint: &'static str) -> Self {
        self.duplicate_hint = hint;
        self
    }

    /// Records the value read after `key`, or its error: a duplicate key is reported at
    /// the second key; a value that failed keeps the key as given (so that checks which
    /// involve two keys do not report a second, made-up mistake) and its error goes back
    /// to `parse_args`.
    pub fn set(&mut self, cx: &Ctxt, key: &Ident, value: syn::Result<T>) -> syn::Result<()> {
        if !matches!(self.state, State::Absent) {
            cx.error(
                key.span(),
                format!("duplicate argument `{}`{}", self.name, self.duplicate_hint),
            );
            // The second value is still read, to report what is wrong in it too.
            return value.map(drop);
        }
        match value {
            Ok(value) => {
                self.state = State::Given(key.span(), value);
                Ok(())
            }
            Err(error) => {
                self.state = State::Invalid(key.span());
                Err(error)
            }
        }
    }

    pub fn get(&self) -> Option<&T> {
        match &self.state {
            State::Given(_, value) => Some(value),
            _ => None,
        }
    }

    pub fn into_inner(self) -> Option<T> {
        match self.state {
            State::Given(_, value) => Some(value),
            _ => None,
        }
    }

    /// The key's span, whether or not its value was well formed.
    pub fn span(&self) -> Option<Span> {
        match self.state {
            State::Absent => None,
            State::Invalid(span) | State::Given(span, _) => Some(span),
        }
    }

    pub fn is_given(&self) -> bool {
        !matches!(self.state, State::Absent)
    }

    /// Given, but its value did not parse.
    pub fn is_invalid(&self) -> bool {
        matches!(self.state, State::Invalid(_))
    }
}

/// Reads a comma-separated list of arguments: each key (any identifier, or a keyword such
/// as `crate`) goes to `each` with the stream just after it; `each` reads the value, if
/// any, and returns `false` for a key it does not know, which is reported as unknown,
/// naming the `keys` it takes. Every error goes to `cx`, and reading goes on after it.
pub fn parse_args(
    cx: &Ctxt,
    tokens: TokenStream,
    keys: &[&str],
    mut each: impl FnMut(&Ident, ParseStream<'_>) -> syn::Result<bool>,
) {
    let parser = |input: ParseStream<'_>| -> syn::Result<()> {
        while !input.is_empty() {
            let result = match input.call(Ident::parse_any) {
                Ok(key) => match each(&key, input) {
                    Ok(true) => Ok(()),
                    Ok(false) => Err(syn::Error::new(
                        key.span(),
                        format!("unknown argument `{key}`: expected {}", one_of(keys)),
                    )),
                    Err(error) => Err(error),
                },
                Err(_) => Err(syn::Error::new(
                    input.span(),
                    format!("expected an argument: {}", one_of(keys)),
                )),
            };
            let result = result.and_then(|()| {
                if input.is_empty() || input.peek(Token![,]) {
                    Ok(())
                } else {
                    Err(input.error("expected `,` between arguments"))
                }
            });
            if let Err(error) = result {
                cx.syn_error(error);
                while !input.is_empty() && !input.peek(Token![,]) {
                    input.parse::<TokenTree>()?;
                }
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(())
    };
    if let Err(error) = parser.parse2(tokens) {
        cx.syn_error(error);
    }
}

/// "`a`", "`a` or `b`", "one of `a`, `b`, `c`".
fn one_of(keys: &[&str]) -> String {
    match keys {
        [] => "no arguments".to_owned(),
        [one] => format!("only `{one}`"),
        [a, b] => format!("`{a}` or `{b}`"),
        keys => {
            let mut out = "one of ".to_owned();
            for (i, key) in keys.iter().enumerate() {
                let sep = if i == 0 { "" } else { ", " };
                let _ = write!(out, "{sep}`{key}`");
            }
            out
        }
    }
}

/// After a key: `=` and a value, or an error at the key that shows the `form` to write.
pub fn eq(input: ParseStream<'_>, key: &Ident, form: &str) -> syn::Result<()> {
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        if !input.is_empty() && !input.peek(Token![,]) {
            return Ok(());
        }
    }
    Err(syn::Error::new(
        key.span(),
        format!("missing value: write {form}"),
    ))
}

/// A key that stands alone (`memoize`): a value after it is an error at the key.
pub fn flag(input: ParseStream<'_>, key: &Ident) -> syn::Result<()> {
    if input.peek(Token![=]) || input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            key.span(),
            format!("`{key}` takes no value: write `{key}` alone"),
        ));
    }
    Ok(())
}

/// After the `crate` key: `= path`, the path of the `coact` crate.
pub fn crate_path(input: ParseStream<'_>, key: &Ident) -> syn::Result<Path> {
    eq(input, key, "`crate = ::my_crate::coact`")?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(tokens: &str) -> Vec<String> {
        let cx = Ctxt::new();
        let mut name = Attr::none("name");
        let mut krate = Attr::none("crate");
        parse_args(
            &cx,
            tokens.parse().unwrap(),
            &["name", "crate"],
            |key, input| {
                match key.to_string().as_str() {
                    "name" => name.set(
                        &cx,
                        key,
                        eq(input, key, "`name = X`").and_then(|()| input.parse::<Ident>()),
                    )?,
                    "crate" => krate.set(&cx, key, crate_path(input, key))?,
                    _ => return Ok(false),
                }
                Ok(true)
            },
        );
        cx.check()
            .err()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn good_arguments_parse() {
        assert!(messages("name = Counter, crate = ::my::coact").is_empty());
        assert!(messages("").is_empty());
        assert!(messages("name = Counter,").is_empty());
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        let all = messages("bogus = 1, name = 2, name = X, name = Y, crate");
        assert_eq!(
            all,
            [
                "unknown argument `bogus`: expected `name` or `crate`",
                "expected identifier",
                "duplicate argument `name`",
                "duplicate argument `name`",
                "missing value: write `crate = ::my_crate::coact`",
            ]
        );
    }

    #[test]
    fn lists_of_keys_read_well() {
        assert_eq!(one_of(&["crate"]), "only `crate`");
        assert_eq!(one_of(&["a", "b", "c"]), "one of `a`, `b`, `c`");
    }
}
