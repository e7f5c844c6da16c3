//! The checked model of a coroutine: the types its declared `Gen<…>` names, the
//! arguments its body owns, and the body with its `yield_!`s rewritten.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::spanned::Spanned as _;
use syn::{
    FnArg, GenericArgument, Ident, Item, ItemFn, Lifetime, Pat, PathArguments, ReturnType, Token,
    Type,
};

use super::rewrite::{co_ident, Rewrite};
use crate::diag::sig::{self, Generics, Receivers, Rules};
use crate::diag::Ctxt;
use crate::syntax::has_elided_lifetime;

/// A `#[coroutine]` function.
pub struct Coroutine<'a> {
    pub item: &'a ItemFn,
    /// An `async fn`: its generator is a stream.
    pub is_async: bool,
    pub types: GenTypes<'a>,
    /// The body's statements, `yield_!`s rewritten.
    pub body: TokenStream,
    /// The local that holds the body's end of the exchange.
    pub co: Ident,
    /// Lifetimes the generator may borrow from: the function's own, and `'_` when an
    /// argument borrows with an elided lifetime.
    pub captures: Vec<Lifetime>,
    /// Arguments bound to a plain name, moved into the body as an `async fn` moves them
    /// (so they live, and drop, with the generator): the name and its `mut`.
    pub moved: Vec<(&'a Ident, Option<Token![mut]>)>,
}

/// `Gen<Y, Return = R, Resume = S>`, as declared.
pub struct GenTypes<'a> {
    pub yields: &'a Type,
    pub returns: Option<&'a Type>,
    pub resume: Option<&'a Type>,
    /// The path as written (`Gen`, `coact::coroutine::Gen`): the generated signature
    /// names the type through it, as the user's imports resolve it.
    pub path: &'a syn::Path,
    /// The whole declared type, for spans.
    pub span: Span,
}

const SHAPE: &str = "`-> Gen<Yield>`, `-> Gen<Yield, Return = R>` or \
                     `-> Gen<Yield, Return = R, Resume = S>`";

impl<'a> Coroutine<'a> {
    /// Checks the function and rewrites its body, reporting every mistake to `cx`;
    /// `None` when no generator can be made of it.
    pub fn from_item(cx: &Ctxt, item: &'a Item) -> Option<Self> {
        let Item::Fn(item) = item else {
            cx.error(
                crate::syntax::item_span(item),
                "`#[coroutine]` goes on a function whose body yields values with `yield_!(value)`",
            );
            return None;
        };
        let sig = &item.sig;
        sig::check(
            cx,
            sig,
            &Rules {
                subject: "a coroutine",
                const_ok: false,
                unsafe_reason: ": its body runs later, when the generator is resumed, not in \
                                the caller's `unsafe` block; use `unsafe` blocks inside",
                receiver: Receivers::Any,
                generics: Generics::Any,
                plain_args: None,
                owned_args: None,
            },
        );

        let types = match &sig.output {
            ReturnType::Default => {
                cx.error(
                    sig.paren_token.span.close(),
                    format!("a coroutine declares what it yields in its return type: add {SHAPE}"),
                );
                None
            }
            ReturnType::Type(_, ty) => gen_types(ty, Some(cx)),
        };

        let mut moved = Vec::new();
        let mut captures: Vec<Lifetime> = sig
            .generics
            .lifetimes()
            .map(|l| l.lifetime.clone())
            .collect();
        let mut elided = false;
        for input in &sig.inputs {
            match input {
                FnArg::Receiver(receiver) => match &receiver.kind {
                    syn::ReceiverKind::Reference(_, None, _) => elided = true,
                    syn::ReceiverKind::Typed(_, ty) => elided |= has_elided_lifetime(ty),
                    _ => {}
                },
                FnArg::Typed(arg) => {
                    elided |= has_elided_lifetime(&arg.ty);
                    if let Pat::Ident(pat) = &*arg.pat {
                        if pat.by_ref.is_none() && pat.subpat.is_none() {
                            moved.push((&pat.ident, pat.mutability));
                        }
                    }
                }
            }
        }
        if elided {
            captures.push(Lifetime::new("'_", Span::call_site()));
        }

        let co = co_ident();
        let mut rewrite = Rewrite {
            co: &co,
            is_async: sig.asyncness.is_some(),
            cx,
            yields: false,
        };
        let body = rewrite.body(
            item.block
                .stmts
                .iter()
                .map(ToTokens::to_token_stream)
                .collect(),
        );

        // Without its types no generator can be made; each way here reported why.
        let types = types?;
        Some(Self {
            item,
            is_async: sig.asyncness.is_some(),
            types,
            body,
            co,
            captures,
            moved,
        })
    }
}

/// Reads `Gen<Y, Return = R, Resume = S>` (any path ending in `Gen`), reporting what is
/// wrong with it to `cx` (the fallback passes none: it only wants the types).
pub fn gen_types<'a>(ty: &'a Type, cx: Option<&Ctxt>) -> Option<GenTypes<'a>> {
    let ignored = Ctxt::new();
    let types = read_gen_types(ty, cx.unwrap_or(&ignored));
    let _ = ignored.check();
    types
}

fn read_gen_types<'a>(ty: &'a Type, cx: &Ctxt) -> Option<GenTypes<'a>> {
    let wrong = |cx: &Ctxt| {
        cx.error_spanned_by(
            ty,
            format!(
                "`#[coroutine]` makes the function return a generator: declare it as {SHAPE}, \
                 naming what it yields, returns at its end and is resumed with"
            ),
        );
        None
    };
    let Type::Path(path) = ty else {
        return wrong(cx);
    };
    let Some(last) = path.path.segments.last() else {
        return wrong(cx);
    };
    if path.qself.is_some() || last.ident != "Gen" {
        return wrong(cx);
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        cx.error_spanned_by(
            ty,
            "write what the coroutine yields: `Gen<u64>`, say, and `Return = R` or \
             `Resume = S` if it returns or is resumed with a value",
        );
        return None;
    };
    let mut yields = None;
    let mut returns: Option<&Type> = None;
    let mut resume: Option<&Type> = None;
    let mut ok = true;
    for (i, arg) in args.args.iter().enumerate() {
        match arg {
            GenericArgument::Type(ty) if i == 0 => yields = Some(ty),
            GenericArgument::AssocType(assoc) if assoc.generics.is_none() => {
                let slot = if assoc.ident == "Return" {
                    &mut returns
                } else if assoc.ident == "Resume" {
                    &mut resume
                } else {
                    cx.error(
                        assoc.ident.span(),
                        format!(
                            "unknown `{}`: a generator has `Return = R` (what it returns at its \
                             end) and `Resume = S` (what each `yield_!` receives)",
                            assoc.ident
                        ),
                    );
                    ok = false;
                    continue;
                };
                if slot.replace(&assoc.ty).is_some() {
                    cx.error(
                        assoc.ident.span(),
                        format!("`{}` is given twice", assoc.ident),
                    );
                    ok = false;
                }
            }
            other => {
                cx.error_spanned_by(
                    other,
                    format!("the yielded type comes first, then the others by name: {SHAPE}"),
                );
                ok = false;
            }
        }
    }
    let Some(yields) = yields else {
        if ok {
            cx.error_spanned_by(
                ty,
                format!("write what the coroutine yields first: {SHAPE}"),
            );
        }
        return None;
    };
    for part in [Some(yields), returns, resume].into_iter().flatten() {
        if let Type::ImplTrait(_) | Type::Infer(_) = part {
            cx.error_spanned_by(part, "write this type out: the generator's type names it");
            ok = false;
        }
    }
    ok.then(|| GenTypes {
        yields,
        returns,
        resume,
        path: &path.path,
        span: ty.span(),
    })
}
