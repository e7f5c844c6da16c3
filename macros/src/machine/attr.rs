//! The arguments of `#[machine(...)]` and of an inner `#[state(...)]` attribute, read by
//! the shared argument parser.

use proc_macro2::{Span, TokenStream};
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned as _;
use syn::{parenthesized, Attribute, Ident, Meta, Path, Token};

use crate::args::NameArgs;
use crate::diag::{eq, names, parse_args, Attr, Ctxt};

/// `#[machine(name = …, crate = …, derive(Clone, PartialEq, …))]`.
pub struct MachineArgs {
    pub names: NameArgs,
    /// Derives for the state enum, as written.
    pub derive: Vec<Path>,
}

impl MachineArgs {
    pub fn parse(cx: &Ctxt, tokens: TokenStream) -> Self {
        let mut derive = Attr::none("derive")
            .duplicate_hint(": list every trait in one `derive(Clone, PartialEq)`");
        let keys = ["name", "crate", "derive"];
        let names = NameArgs::parse_with(cx, tokens, &keys, |key, input| {
            if key == "derive" {
                derive.set(cx, key, parse_derive(input, key))?;
                Ok(true)
            } else {
                Ok(false)
            }
        });
        Self {
            names,
            derive: derive.into_inner().unwrap_or_default(),
        }
    }
}

/// `(Trait, path::Trait, …)`: at least one, none twice, not `Debug` (always implemented).
fn parse_derive(input: ParseStream<'_>, key: &Ident) -> syn::Result<Vec<Path>> {
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            key.span(),
            "expected a list of traits: write `derive(Clone, PartialEq)`",
        ));
    }
    let content;
    let parens = parenthesized!(content in input);
    let paths = Punctuated::<Path, Token![,]>::parse_terminated_with(&content, |input| {
        Path::parse_mod_style(input).map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the path of a derivable trait, as in `derive(Clone, PartialEq)`",
            )
        })
    })?;
    let paths: Vec<Path> = paths.into_iter().collect();
    if paths.is_empty() {
        return Err(syn::Error::new(
            parens.span.join(),
            "`derive()` lists no trait: name some, as in `derive(Clone, PartialEq)`, or remove it",
        ));
    }
    // `syn::Path` has no `PartialEq` without syn's `extra-traits`: compare as written.
    let written: Vec<String> = paths
        .iter()
        .map(|p| {
            quote::ToTokens::to_token_stream(p)
                .to_string()
                .replace(' ', "")
        })
        .collect();
    let mut errors: Option<syn::Error> = None;
    let mut push = |error: syn::Error| match &mut errors {
        Some(errors) => errors.combine(error),
        None => errors = Some(error),
    };
    for (i, path) in paths.iter().enumerate() {
        let last = path.segments.last().map(|s| &s.ident);
        if last.is_some_and(|ident| ident == "Debug") {
            push(syn::Error::new_spanned(
                path,
                "the state enum always implements `Debug` (showing each state's arguments): \
                 remove it from `derive`",
            ));
        } else if written[..i].contains(&written[i]) {
            push(syn::Error::new_spanned(
                path,
                format!("`{}` is listed twice in `derive`", written[i]),
            ));
        }
    }
    errors.map_or(Ok(paths), Err)
}

/// `transitions_to = name` or `= [a, b]`, and `on_start = path`, each at most once.
pub struct StateArgs {
    /// The declared targets, by name; `None` for a terminal state.
    pub transitions_to: Attr<Vec<Ident>>,
    pub on_start: Attr<Path>,
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
    pub fn from_attr(cx: &Ctxt, attr: &Attribute) -> Self {
        let mut transitions_to = Attr::none("transitions_to")
            .duplicate_hint(": list every target in one `transitions_to = [a, b]`");
        let mut on_start = Attr::none("on_start");
        match &attr.meta {
            Meta::Path(_) => {}
            Meta::List(list) => parse_args(
                cx,
                list.tokens.clone(),
                &["transitions_to", "on_start"],
                |key, input| {
                    if key == "transitions_to" {
                        transitions_to.set(cx, key, parse_targets(input, key))?;
                    } else if key == "on_start" {
                        let callback = eq(input, key, "`on_start = callback`").and_then(|()| {
                            input.parse::<Path>().map_err(|e| {
                                syn::Error::new(
                                    e.span(),
                                    "expected a function path, as in `on_start = record`",
                                )
                            })
                        });
                        on_start.set(cx, key, callback)?;
                    } else {
                        return Ok(false);
                    }
                    Ok(true)
                },
            ),
            Meta::NameValue(nv) => cx.error(
                nv.eq_token.span,
                "write `#[state]` for a terminal state, or `#[state(transitions_to = next)]`",
            ),
        }
        Self {
            transitions_to,
            on_start,
        }
    }
}

/// `= name` or `= [a, b, …]`: names of states of the same machine.
fn parse_targets(input: ParseStream<'_>, key: &Ident) -> syn::Result<Vec<Ident>> {
    eq(
        input,
        key,
        "`transitions_to = next` or `transitions_to = [a, b]`",
    )?;
    let (targets, brackets): (Vec<Ident>, Option<Span>) =
        names(input, "transitions_to", parse_target)?;
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
