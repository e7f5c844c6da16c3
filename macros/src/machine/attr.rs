//! The arguments of an inner `#[state(...)]` attribute.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned as _;
use syn::{Attribute, Ident, Meta, Path, Token};

use crate::args::{expect_eq, names};

mod kw {
    syn::custom_keyword!(transitions_to);
    syn::custom_keyword!(on_start);
}

/// `transitions_to = name` or `= [a, b]`, and `on_start = path`, each at most once.
#[derive(Default)]
pub struct StateArgs {
    /// The declared targets, by name; `None` for a terminal state.
    pub transitions_to: Option<Vec<Ident>>,
    pub on_start: Option<Path>,
}

/// Whether `attr` is a `#[state]` marker: `state`, `coact::state` or any path ending in
/// `state`, since the machine strips them before they are resolved.
pub fn is_state(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "state")
}

impl StateArgs {
    pub fn from_attr(attr: &Attribute) -> syn::Result<Self> {
        match &attr.meta {
            Meta::Path(_) => Ok(Self::default()),
            Meta::List(list) => list.parse_args(),
            Meta::NameValue(nv) => Err(syn::Error::new(
                nv.eq_token.span,
                "write `#[state]` for a terminal state, or `#[state(transitions_to = next)]`",
            )),
        }
    }
}

impl Parse for StateArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Self::default();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::transitions_to) {
                let key: kw::transitions_to = input.parse()?;
                let targets = parse_targets(input, key.span)?;
                if args.transitions_to.replace(targets).is_some() {
                    return Err(syn::Error::new(
                        key.span,
                        "duplicate argument `transitions_to`: list every target in one \
                         `transitions_to = [a, b]`",
                    ));
                }
            } else if lookahead.peek(kw::on_start) {
                let key: kw::on_start = input.parse()?;
                expect_eq(input, key.span, "`on_start = callback`")?;
                let callback: Path = input.parse().map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "expected a function path, as in `on_start = record`",
                    )
                })?;
                if args.on_start.replace(callback).is_some() {
                    return Err(syn::Error::new(key.span, "duplicate argument `on_start`"));
                }
            } else if input.peek(Ident) {
                let unknown: Ident = input.parse()?;
                return Err(syn::Error::new(
                    unknown.span(),
                    format!(
                        "unknown argument `{unknown}`: expected `transitions_to` or `on_start`"
                    ),
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

/// `= name` or `= [a, b, …]`: names of states of the same machine.
fn parse_targets(input: ParseStream<'_>, key: Span) -> syn::Result<Vec<Ident>> {
    expect_eq(
        input,
        key,
        "`transitions_to = next` or `transitions_to = [a, b]`",
    )?;
    let (targets, brackets) = names(input, "transitions_to", parse_target)?;
    match brackets {
        Some(brackets) if targets.is_empty() => Err(syn::Error::new(
            brackets,
            "an empty `transitions_to` declares no transition: a terminal state is written `#[state]`",
        )),
        _ => Ok(targets),
    }
}

fn parse_target(input: ParseStream<'_>) -> syn::Result<Ident> {
    if input.peek(syn::LitStr) {
        let lit: syn::LitStr = input.parse()?;
        return Err(syn::Error::new(
            lit.span(),
            format!("name the state as a path, not a string: `{}`", lit.value()),
        ));
    }
    let path: Path = input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected the name of a state of this machine, as in `growing`",
        )
    })?;
    match path.get_ident() {
        Some(ident) => Ok(ident.clone()),
        None => Err(syn::Error::new(
            path.span(),
            "a state enters only states of its own machine: name it by its function's name alone, \
             as in `growing`",
        )),
    }
}
