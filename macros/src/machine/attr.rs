//! The arguments of an inner `#[state(...)]` attribute, read by the shared argument
//! parser.

use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::spanned::Spanned as _;
use syn::{Attribute, Ident, Meta, Path};

use crate::diag::{eq, names, parse_args, Attr, Ctxt};

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
