//! The checked model of a cached function: which arguments make the key, what the
//! function returns and what is cached.

use proc_macro2::Span;
use syn::spanned::Spanned as _;
use syn::{FnArg, GenericArgument, Ident, Item, ItemFn, Pat, PathArguments, ReturnType, Type};

use super::attr::Args;
use crate::diag::sig::{self, Generics, Receivers, Rules};
use crate::diag::Ctxt;
use crate::syntax::borrowed_or_opaque;

/// A cached `async fn`.
pub struct Cached<'a> {
    pub item: &'a ItemFn,
    pub keys: Vec<Key<'a>>,
    pub shape: Shape,
    /// The cached value's type (the `T` of the shape).
    pub value: &'a Type,
    /// The loader's error type, for the two `Result` shapes.
    pub error: Option<&'a Type>,
    /// The function's own return type.
    pub output: &'a Type,
    /// An identity map (`Shared` handles) rather than a memoized value (`Arc`).
    pub identity: bool,
}

/// An argument that is part of the key.
pub struct Key<'a> {
    pub name: &'a Ident,
    pub ty: KeyType<'a>,
}

pub enum KeyType<'a> {
    /// Cloned into the key.
    Owned(&'a Type),
    /// `&T`: the key holds `T::to_owned()`.
    Ref(&'a Type),
}

/// How the function's return type says "no data" and "failed".
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `T`: always a value.
    Plain,
    /// `Option<T>`: `None` is "no data".
    Optional,
    /// `Result<T, E>`.
    Fallible,
    /// `Result<Option<T>, E>`.
    FallibleOptional,
}

impl<'a> Cached<'a> {
    /// Checks the function against its arguments, reporting every mistake to `cx`.
    /// `None` when what it caches cannot be told; otherwise a model that holds the keys
    /// that passed, which the stand-ins use when there were errors.
    pub fn from_item(cx: &Ctxt, item: &'a Item, args: &Args) -> Option<Self> {
        let Item::Fn(item) = item else {
            cx.error(
                crate::syntax::item_span(item),
                "`#[identity_cached]` goes on an `async fn`: a loader, or a function to memoize",
            );
            return None;
        };
        let sig = &item.sig;
        if sig.asyncness.is_none() {
            cx.error(
                sig.fn_token.span,
                "`#[identity_cached]` needs an `async fn`: callers of a key wait for its one load",
            );
        }
        sig::check(
            cx,
            sig,
            &Rules {
                subject: "a cached function",
                const_ok: false,
                unsafe_reason: "",
                receiver: Receivers::Forbidden(
                    "takes no `self`: its cache is shared by every caller; write a free \
                     function that takes what it needs as arguments",
                ),
                generics: Generics::Lifetimes("its one cache has one key type and one value type"),
                plain_args: None,
                owned_args: None,
            },
        );
        let keys = keys(cx, sig, args);
        check_args(cx, sig, args, &keys);

        let output = match &sig.output {
            ReturnType::Type(_, ty) => Some(&**ty),
            ReturnType::Default => {
                cx.error(
                    sig.ident.span(),
                    "a cached function returns what it caches: add its return type",
                );
                None
            }
        };
        let shape = output.and_then(|ty| shape(cx, ty));
        if let Some((_, value, _)) = &shape {
            if let Some((tokens, what)) = borrowed_or_opaque(value) {
                cx.error_spanned_by(
                    tokens,
                    format!(
                        "a cached value outlives the call, so its type cannot be borrowed: \
                         this part {what}"
                    ),
                );
            }
        }
        let (output, (shape, value, error)) = (output?, shape?);
        Some(Self {
            item,
            keys,
            shape,
            value,
            error,
            output,
            identity: !args.memoize.is_given(),
        })
    }
}

/// The key parts: the arguments named by `key = [...]`, or all of them.
fn keys<'a>(cx: &Ctxt, sig: &'a syn::Signature, args: &Args) -> Vec<Key<'a>> {
    let params: Vec<_> = sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some(typed),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let mut keys = Vec::new();
    if let Some(names) = args.key.get() {
        for name in names {
            let found = params
                .iter()
                .find(|p| matches!(&*p.pat, Pat::Ident(i) if i.ident == *name));
            match found {
                Some(param) => keys.extend(key(cx, param)),
                None => cx.error(
                    name.span(),
                    format!(
                        "`{name}` is not an argument of `{}`: `key` lists arguments by name",
                        sig.ident
                    ),
                ),
            }
        }
    } else if !args.key.is_invalid() {
        for param in &params {
            keys.extend(key(cx, param));
        }
    }
    keys
}

/// What the arguments say together, and with the function: a key to look up by, and
/// no options of the shared tier without it.
fn check_args(cx: &Ctxt, sig: &syn::Signature, args: &Args, keys: &[Key<'_>]) {
    // When an argument failed, a misspelled `memoize` may be why there is no key.
    if !args.memoize.is_given() && !args.failed && keys.is_empty() && !cx.has_errors() {
        let span = args
            .key
            .span()
            .unwrap_or_else(|| sig.paren_token.span.join());
        cx.error(
            span,
            "an identity map needs a key: give the loader an argument to key by (such as \
             an id), or add `memoize` to cache the one value of a function without one",
        );
    }
    if !args.redis.is_given() {
        for (attr, name) in [
            (args.namespace.span(), "namespace"),
            (args.version.span(), "version"),
        ] {
            if let Some(span) = attr {
                cx.error(
                    span,
                    format!("`{name}` names values in the shared tier: it goes with `redis = …`"),
                );
            }
        }
    }
    if let Some(weak) = args.weak.span() {
        if args.ttl.is_given() || args.capacity.is_given() {
            cx.error(
                weak,
                "`weak` keeps an entry while a handle to it lives; `ttl` and `capacity` \
                 make the cache keep entries itself: choose one",
            );
        }
    }
}

/// The key part of one argument, or an error if it cannot be one.
fn key<'a>(cx: &Ctxt, param: &'a syn::PatType) -> Option<Key<'a>> {
    let name = match &*param.pat {
        Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => &pat.ident,
        other => {
            cx.error_spanned_by(
                other,
                "a key argument must be a plain name, as in `id: u32`: destructure it in the \
                 body, or leave it out of the key with `key = [...]`",
            );
            return None;
        }
    };
    let ty = match &*param.ty {
        Type::Reference(reference) if reference.mutability.is_some() => {
            cx.error_spanned_by(
                reference,
                format!(
                    "`{name}` cannot be part of the key: a `&mut` argument is not a value to \
                     look up; leave it out with `key = [...]`"
                ),
            );
            return None;
        }
        Type::Reference(reference) => KeyType::Ref(&reference.elem),
        owned => KeyType::Owned(owned),
    };
    let owned = match ty {
        KeyType::Owned(ty) | KeyType::Ref(ty) => ty,
    };
    if let Some((tokens, what)) = borrowed_or_opaque(owned) {
        cx.error_spanned_by(
            tokens,
            format!(
                "`{name}` cannot be part of the key, which outlives the call: this part {what}; \
                 pass it owned, or leave it out with `key = [...]`"
            ),
        );
        return None;
    }
    Some(Key { name, ty })
}

/// Reads the return type's shape: `Result<Option<T>, E>`, `Result<T, E>`, `Option<T>` or `T`.
fn shape<'a>(cx: &Ctxt, ty: &'a Type) -> Option<(Shape, &'a Type, Option<&'a Type>)> {
    if let Some(args) = generic_args(ty, "Result") {
        let [GenericArgument::Type(ok), GenericArgument::Type(error)] = args[..] else {
            cx.error_spanned_by(
                ty,
                "write the error type out, as in `Result<User, MyError>`: the macro reads it to \
                 keep errors out of the cache",
            );
            return None;
        };
        return Some(match single_arg(ok, "Option") {
            Some(value) => (Shape::FallibleOptional, value, Some(error)),
            None => (Shape::Fallible, ok, Some(error)),
        });
    }
    if let Some(value) = single_arg(ty, "Option") {
        return Some((Shape::Optional, value, None));
    }
    if let Type::ImplTrait(_) | Type::Infer(_) | Type::Never(_) = ty {
        cx.error_spanned_by(
            ty,
            "a cached value is stored under a type the cache names: write the type out",
        );
        return None;
    }
    Some((Shape::Plain, ty, None))
}

/// The generic arguments of `ty` if its path ends in `name`.
fn generic_args<'a>(ty: &'a Type, name: &str) -> Option<Vec<&'a GenericArgument>> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    match &last.arguments {
        PathArguments::AngleBracketed(args) => Some(args.args.iter().collect()),
        _ => Some(Vec::new()),
    }
}

fn single_arg<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    match generic_args(ty, name)?[..] {
        [GenericArgument::Type(inner)] => Some(inner),
        _ => None,
    }
}

impl Key<'_> {
    /// Where the argument's type is written (without its `&`), for errors about the key.
    pub fn owned_span(&self) -> Span {
        match self.ty {
            KeyType::Owned(ty) | KeyType::Ref(ty) => ty.span(),
        }
    }
}
