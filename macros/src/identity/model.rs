//! The checked model of a cached function: which arguments make the key, what the
//! function returns and what is cached.

use proc_macro2::Span;
use syn::spanned::Spanned as _;
use syn::{
    FnArg, GenericArgument, GenericParam, Ident, Item, ItemFn, Pat, PathArguments, ReturnType, Type,
};

use super::attr::Args;
use crate::common::{borrowed_or_opaque, Errors};

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
    pub fn from_item(item: &'a Item, args: Option<&Args>) -> syn::Result<Self> {
        let Item::Fn(item) = item else {
            return Err(syn::Error::new(
                crate::common::item_span(item),
                "`#[identity_cached]` goes on an `async fn`: a loader, or a function to memoize",
            ));
        };
        let mut errors = Errors::default();
        let sig = &item.sig;
        if sig.asyncness.is_none() {
            errors.push(
                sig.fn_token.span,
                "`#[identity_cached]` needs an `async fn`: callers of a key wait for its one load",
            );
        }
        if let Some(unsafety) = &sig.unsafety {
            errors.push(unsafety.span, "an `unsafe fn` cannot be cached");
        }
        if let Some(abi) = &sig.abi {
            errors.push_spanned(abi, "an `extern` function cannot be cached");
        }
        for param in &sig.generics.params {
            if !matches!(param, GenericParam::Lifetime(_)) {
                errors.push_spanned(
                    param,
                    "a cached function cannot be generic: its one cache has one key type \
                     and one value type",
                );
            }
        }
        if let Some(variadic) = &sig.variadic {
            errors.push_spanned(variadic, "a variadic function cannot be cached");
        }

        let mut params = Vec::new();
        for input in &sig.inputs {
            match input {
                FnArg::Receiver(receiver) => errors.push_spanned(
                    receiver,
                    "a cached function takes no `self`: its cache is shared by every caller; \
                     write a free function that takes what it needs as arguments",
                ),
                FnArg::Typed(typed) => params.push(typed),
            }
        }

        // Which arguments make the key: those named by `key = [...]`, or all of them.
        let chosen = args.and_then(|args| args.key.as_ref());
        let mut keys = Vec::new();
        if let Some((_, names)) = chosen {
            for name in names {
                let found = params
                    .iter()
                    .find(|p| matches!(&*p.pat, Pat::Ident(i) if i.ident == *name));
                match found {
                    Some(param) => keys.extend(key(param, &mut errors)),
                    None => errors.push(
                        name.span(),
                        format!(
                            "`{name}` is not an argument of `{}`: `key` lists arguments by name",
                            sig.ident
                        ),
                    ),
                }
            }
        } else {
            for param in &params {
                keys.extend(key(param, &mut errors));
            }
        }
        // Without arguments (they failed to parse) this cannot tell a memoized function.
        let memoize = args.is_none_or(|args| args.memoize.is_some());
        if !memoize && keys.is_empty() && !errors.has_errors() {
            let span = chosen.map_or(sig.paren_token.span.join(), |(span, _)| *span);
            errors.push(
                span,
                "an identity map needs a key: give the loader an argument to key by (such as \
                 an id), or add `memoize` to cache the one value of a function without one",
            );
        }
        if let Some(args) = args {
            if args.redis.is_none() {
                for (span, name) in [
                    (args.namespace.as_ref().map(|(span, _)| *span), "namespace"),
                    (args.version.as_ref().map(|(span, _)| *span), "version"),
                ] {
                    if let Some(span) = span {
                        errors.push(
                            span,
                            format!("`{name}` names values in the shared tier: it goes with `redis = …`"),
                        );
                    }
                }
            }
            if let Some(weak) = args.weak {
                if args.ttl.is_some() || args.capacity.is_some() {
                    errors.push(
                        weak,
                        "`weak` keeps an entry while a handle to it lives; `ttl` and `capacity` \
                         make the cache keep entries itself: choose one",
                    );
                }
            }
        }

        let output = match &sig.output {
            ReturnType::Type(_, ty) => Some(&**ty),
            ReturnType::Default => {
                errors.push(
                    sig.ident.span(),
                    "a cached function returns what it caches: add its return type",
                );
                None
            }
        };
        let shape = output.and_then(|ty| shape(ty, &mut errors));
        if let Some((_, value, _)) = &shape {
            if let Some((tokens, what)) = borrowed_or_opaque(value) {
                errors.add(syn::Error::new_spanned(
                    tokens,
                    format!(
                        "a cached value outlives the call, so its type cannot be borrowed: \
                         this part {what}"
                    ),
                ));
            }
        }
        let (Some(output), Some((shape, value, error))) = (output, shape) else {
            // Each way here recorded its error.
            errors.finish(())?;
            return Err(syn::Error::new(
                sig.ident.span(),
                "`#[identity_cached]` cannot cache this function",
            ));
        };
        errors.finish(Self {
            item,
            keys,
            shape,
            value,
            error,
            output,
            identity: args.is_none_or(|args| args.memoize.is_none()),
        })
    }
}

/// The key part of one argument, or an error if it cannot be one.
fn key<'a>(param: &'a syn::PatType, errors: &mut Errors) -> Option<Key<'a>> {
    let name = match &*param.pat {
        Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => &pat.ident,
        other => {
            errors.push_spanned(
                other,
                "a key argument must be a plain name, as in `id: u32`: destructure it in the \
                 body, or leave it out of the key with `key = [...]`",
            );
            return None;
        }
    };
    let ty = match &*param.ty {
        Type::Reference(reference) if reference.mutability.is_some() => {
            errors.push_spanned(
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
        errors.add(syn::Error::new_spanned(
            tokens,
            format!(
                "`{name}` cannot be part of the key, which outlives the call: this part {what}; \
                 pass it owned, or leave it out with `key = [...]`"
            ),
        ));
        return None;
    }
    Some(Key { name, ty })
}

/// Reads the return type's shape: `Result<Option<T>, E>`, `Result<T, E>`, `Option<T>` or `T`.
fn shape<'a>(ty: &'a Type, errors: &mut Errors) -> Option<(Shape, &'a Type, Option<&'a Type>)> {
    if let Some(args) = generic_args(ty, "Result") {
        let [GenericArgument::Type(ok), GenericArgument::Type(error)] = args[..] else {
            errors.push_spanned(
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
        errors.push_spanned(
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
