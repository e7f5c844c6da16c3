//! One checker for what the macros reject in a function's signature: `const`, `unsafe`,
//! `extern` and variadic functions, generic parameters, receivers, arguments bound by a
//! pattern and borrowed argument types. Each family says which of these it refuses and
//! why (`Rules`); the message is built the same way everywhere: the function as the
//! family calls it (`` `put` ``, ``state `dead` ``, `a coroutine`), then the reason.

use syn::{FnArg, GenericParam, Ident, Pat, ReceiverKind, Safety, Signature, Type};

use super::Ctxt;
use crate::syntax::borrowed_or_opaque;

pub struct Rules<'r> {
    /// How messages name the function: "`put`", "state `dead`", "a coroutine".
    pub subject: &'r str,
    /// Whether a `const fn` is fine (a handler method may be one).
    pub const_ok: bool,
    /// After "cannot be `unsafe`": why.
    pub unsafe_reason: &'r str,
    pub receiver: Receivers<'r>,
    pub generics: Generics<'r>,
    /// `Some(place)`: each argument binds a plain name, destructured inside `place`.
    pub plain_args: Option<&'r str>,
    /// `Some(reason)`: each argument's type is owned (no borrow, no `impl Trait`).
    pub owned_args: Option<&'r str>,
}

/// What a family accepts as a `self` receiver; each text follows the subject.
pub enum Receivers<'r> {
    /// Any receiver, or none.
    Any,
    /// None at all.
    Forbidden(&'r str),
    /// `&self` or `&mut self`; `missing`: the text when there is none (`None`: allowed).
    Borrowed {
        missing: Option<&'r str>,
        by_value: &'r str,
    },
}

/// What a family accepts as generic parameters; the text says why the others are refused.
pub enum Generics<'r> {
    Any,
    /// Lifetimes only.
    Lifetimes(&'r str),
    /// None, and no `where` clause.
    None(&'r str),
}

/// How a checked function reaches its receiver.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Receiver {
    None,
    Ref,
    Mut,
}

/// An argument bound to a plain name.
pub struct Arg<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
}

pub struct Checked<'a> {
    pub receiver: Receiver,
    /// The arguments that passed every rule, in order.
    pub args: Vec<Arg<'a>>,
}

/// Checks `sig` against `rules`, reporting every problem to `cx`.
pub fn check<'a>(cx: &Ctxt, sig: &'a Signature, rules: &Rules<'_>) -> Checked<'a> {
    qualifiers(cx, sig, rules);
    generics(cx, sig, rules);
    inputs(cx, sig, rules)
}

/// `const`, `unsafe`, `extern`, variadic.
fn qualifiers(cx: &Ctxt, sig: &Signature, rules: &Rules<'_>) {
    let subject = rules.subject;
    if let Some(constness) = &sig.constness {
        if !rules.const_ok {
            cx.error(constness.span, format!("{subject} cannot be a `const fn`"));
        }
    }
    if let Safety::Unsafe(unsafety) = &sig.safety {
        cx.error(
            unsafety.span,
            format!("{subject} cannot be `unsafe`{}", rules.unsafe_reason),
        );
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(
            abi,
            format!("{subject} cannot be `extern`: it uses the Rust ABI"),
        );
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, format!("{subject} cannot be variadic"));
    }
}

fn generics(cx: &Ctxt, sig: &Signature, rules: &Rules<'_>) {
    let subject = rules.subject;
    match rules.generics {
        Generics::Any => {}
        Generics::Lifetimes(reason) => {
            for param in &sig.generics.params {
                if !matches!(param, GenericParam::Lifetime(_)) {
                    cx.error_spanned_by(param, format!("{subject} cannot be generic: {reason}"));
                }
            }
        }
        Generics::None(reason) => {
            if let Some(param) = sig.generics.params.first() {
                cx.error_spanned_by(param, format!("{subject} cannot be generic: {reason}"));
            } else if let Some(where_clause) = &sig.generics.where_clause {
                cx.error(
                    where_clause.where_token.span,
                    format!("{subject} cannot have a `where` clause: {reason}"),
                );
            }
        }
    }
}

/// The receiver and the arguments.
fn inputs<'a>(cx: &Ctxt, sig: &'a Signature, rules: &Rules<'_>) -> Checked<'a> {
    let subject = rules.subject;
    let mut receiver = Receiver::None;
    let mut args = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => match &rules.receiver {
                Receivers::Any => {}
                Receivers::Forbidden(text) => cx.error_spanned_by(r, format!("{subject} {text}")),
                Receivers::Borrowed { by_value, .. } => match &r.kind {
                    ReceiverKind::Reference(_, lifetime, mutability) => {
                        receiver = if mutability.is_some() {
                            Receiver::Mut
                        } else {
                            Receiver::Ref
                        };
                        if let Some(lifetime) = lifetime {
                            cx.error(
                                lifetime.span(),
                                format!(
                                    "{subject}: write the receiver as `&self` or `&mut self`, \
                                     without a lifetime"
                                ),
                            );
                        }
                    }
                    _ => cx.error_spanned_by(r, format!("{subject} {by_value}")),
                },
            },
            FnArg::Typed(typed) => {
                let ident = match &*typed.pat {
                    Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => Some(&p.ident),
                    _ => None,
                };
                let Some(ident) = ident else {
                    if let Some(place) = rules.plain_args {
                        cx.error_spanned_by(
                            &typed.pat,
                            format!(
                                "{subject}: bind each argument to a plain name (`point: Point`, \
                                 not a pattern); destructure it inside {place}"
                            ),
                        );
                    }
                    continue;
                };
                if let Some(reason) = rules.owned_args {
                    if let Some((node, what)) = borrowed_or_opaque(&typed.ty) {
                        cx.error_spanned_by(
                            node,
                            format!("{subject}: argument `{ident}` {what}: {reason}"),
                        );
                        continue;
                    }
                }
                args.push(Arg {
                    ident,
                    ty: &typed.ty,
                });
            }
        }
    }
    if let Receivers::Borrowed {
        missing: Some(text),
        ..
    } = &rules.receiver
    {
        if sig.receiver().is_none() {
            cx.error(sig.ident.span(), format!("{subject} {text}"));
        }
    }
    Checked { receiver, args }
}
