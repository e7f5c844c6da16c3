//! Code generation for `#[identity_cached]`: the function, now looking its value up in a
//! cache first, and an accessor for that cache.
//!
//! The fallback (`Mode::StandIn`) emits both with the same signatures and bodies that
//! only panic, so that callers type-check against them and the macro's errors are the
//! only ones.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::{parse_quote, Type};

use super::attr::{Args, Ttl};
use super::model::{Cached, KeyType, Shape};
use crate::syntax::{krate, make_static, outer_and_inner};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The real expansion of a checked model.
    Real,
    /// Stand-ins next to the errors: same signatures, no behaviour.
    StandIn,
}

/// The types and expressions both emitters use.
struct Parts {
    krate: syn::Path,
    private: TokenStream,
    accessor: syn::Ident,
    /// The value's type, `'static` in a stand-in (whose accessor cannot name the
    /// function's lifetimes: the error is that the value borrows).
    value: Type,
    /// `Shared<T>` or `Arc<T>`.
    handle: TokenStream,
    error: TokenStream,
    key_type: TokenStream,
    key_value: TokenStream,
    cache_type: TokenStream,
    cache_doc: String,
}

pub fn expand(args: &Args, model: &Cached<'_>, mode: Mode) -> TokenStream {
    let parts = parts(args, model, mode);
    let (returns, adapt, finish) = returns(model, &parts);
    let mut sig = model.item.sig.clone();
    sig.output = parse_quote!(-> #returns);
    match mode {
        Mode::Real => {
            let mut out = accessor(args, model, &parts);
            out.extend(function(model, &parts, &sig, &adapt, &finish));
            out
        }
        Mode::StandIn => stand_ins(model, &parts, sig),
    }
}

fn parts(args: &Args, model: &Cached<'_>, mode: Mode) -> Parts {
    let krate = krate(args.krate.get());
    let private = quote!(#krate::__private::identity);
    let name = &model.item.sig.ident;
    let accessor = format_ident!("{}_cache", name.unraw(), span = name.span());
    let stand_in_types = |ty: &Type| match mode {
        Mode::Real => ty.clone(),
        Mode::StandIn => make_static(ty.clone()),
    };
    let value = stand_in_types(model.value);
    let handle = if model.identity {
        quote!(#krate::identity::Shared<#value>)
    } else {
        quote!(::std::sync::Arc<#value>)
    };
    let error = model
        .error
        .map(stand_in_types)
        .map_or_else(|| quote!(::core::convert::Infallible), |e| quote!(#e));
    // Spanned at the user's types: an unmet bound of the cache is reported there.
    let key_types: Vec<TokenStream> = model
        .keys
        .iter()
        .map(|key| match key.ty {
            KeyType::Owned(ty) => quote!(#ty),
            KeyType::Ref(ty) => {
                quote_spanned!(key.owned_span()=> <#ty as ::std::borrow::ToOwned>::Owned)
            }
        })
        .collect();
    let key_values: Vec<TokenStream> = model
        .keys
        .iter()
        .map(|key| {
            let name = key.name;
            match key.ty {
                KeyType::Owned(_) => quote!(::core::clone::Clone::clone(&#name)),
                KeyType::Ref(_) => quote!(::std::borrow::ToOwned::to_owned(#name)),
            }
        })
        .collect();
    let (key_type, key_value) = match (&key_types[..], &key_values[..]) {
        ([ty], [value]) => (ty.clone(), value.clone()),
        (types, values) => (
            quote_spanned!(key_span(args, model)=> (#(#types,)*)),
            quote!((#(#values,)*)),
        ),
    };
    let cache_type = quote!(#krate::identity::Cache<#key_type, #handle, #error>);
    let cache_doc = format!(
        "The cache behind [`{name}`]: its statistics, and `forget(&key)` or `clear()` to \
         invalidate what it holds."
    );
    Parts {
        krate,
        private,
        accessor,
        value,
        handle,
        error,
        key_type,
        key_value,
        cache_type,
        cache_doc,
    }
}

/// Where the key's type is written: the argument's, or for several the `key = [..]`
/// argument (the call site when they are all the function's arguments).
fn key_span(args: &Args, model: &Cached<'_>) -> Span {
    match &model.keys[..] {
        [key] => key.owned_span(),
        _ => args.key.span().unwrap_or_else(Span::call_site),
    }
}

/// What the function now returns, how its body's value is adapted for the cache, and
/// how the cache's answer is turned back into that return type.
fn returns(model: &Cached<'_>, parts: &Parts) -> (TokenStream, TokenStream, TokenStream) {
    let Parts {
        krate,
        private,
        handle,
        error,
        ..
    } = parts;
    match model.shape {
        Shape::Plain => (handle.clone(), quote!(plain), quote!(#private::value)),
        Shape::Optional => (
            quote!(::core::option::Option<#handle>),
            quote!(optional),
            quote!(#private::optional_value),
        ),
        Shape::Fallible | Shape::FallibleOptional => {
            let adapt = if model.shape == Shape::Fallible {
                quote!(fallible)
            } else {
                quote!(fallible_optional)
            };
            let returns =
                quote!(::core::result::Result<#handle, #krate::identity::LoadError<#error>>);
            (returns, adapt, TokenStream::new())
        }
    }
}

/// `fn name_cache() -> &'static Cache<K, H, E>`: the cache, made on first use.
fn accessor(args: &Args, model: &Cached<'_>, parts: &Parts) -> TokenStream {
    let Parts {
        private,
        accessor,
        key_type,
        value,
        error,
        cache_type,
        cache_doc,
        ..
    } = parts;
    let vis = &model.item.vis;
    let name = &model.item.sig.ident;
    let retention = retention(args, private);
    let kind = if model.identity { "identity" } else { "memo" };
    let make = match args.redis.get() {
        None => {
            let function = format_ident!("{kind}_cache");
            quote!(#private::#function::<#key_type, #value, #error>(&SLOT, || #retention))
        }
        Some(tier) => {
            let namespace = args.namespace.get().map_or_else(
                || {
                    quote!(::core::concat!(
                        ::core::module_path!(),
                        "::",
                        ::core::stringify!(#name)
                    ))
                },
                |namespace| quote!(#namespace),
            );
            let version = args
                .version
                .get()
                .map_or_else(|| quote!(1), |version| quote!(#version));
            let tier = quote_spanned!(tier.span()=> &(#tier));
            let function = format_ident!("{kind}_shared_cache");
            quote! {
                #private::#function::<#key_type, #value, #error>(
                    &SLOT, || #retention, #tier, #namespace, #version,
                )
            }
        }
    };
    let checks = cacheable(parts);
    quote! {
        #[doc = #cache_doc]
        #vis fn #accessor() -> &'static #cache_type {
            #checks
            static SLOT: #private::Slot = #private::Slot::new();
            #make
        }
    }
}

/// The call that checks the cache's types, first in each generated body (see
/// `coact_runtime::identity::generated` for why this makes an unmet bound one error).
fn cacheable(parts: &Parts) -> TokenStream {
    let Parts {
        private,
        key_type,
        value,
        error,
        ..
    } = parts;
    quote!(#private::cacheable::<#key_type, #value, #error>();)
}

/// The function: its key, then the cache's value for it, loaded by the original body on
/// a miss.
fn function(
    model: &Cached<'_>,
    parts: &Parts,
    sig: &syn::Signature,
    adapt: &TokenStream,
    finish: &TokenStream,
) -> TokenStream {
    let Parts {
        private,
        accessor,
        key_type,
        key_value,
        ..
    } = parts;
    let checks = cacheable(parts);
    let item = model.item;
    let ((attrs, inner), vis) = (outer_and_inner(&item.attrs), &item.vis);
    let output = model.output;
    let stmts = &item.block.stmts;
    quote! {
        #(#attrs)*
        #vis #sig {
            #(#inner)*
            let __coact_key: #key_type = #key_value;
            #checks
            let __coact_lookup =
                #private::load(#accessor(), __coact_key, move || #private::#adapt(async move {
                    // Fixes the block's output type before the body, so `?` and `return`
                    // in the body mean what they meant in the function.
                    if let ::core::option::Option::Some(__coact_ret) =
                        ::core::option::Option::None::<#output>
                    {
                        #[allow(unreachable_code)]
                        return __coact_ret;
                    }
                    #(#stmts)*
                }));
            // A hit is a plain call; only a miss builds the load's future. `found` and
            // `run` are `Run`'s, or `Unfit`'s when the key is not a `Key`: then the check
            // above is the only error (see `__private::identity`).
            #finish({
                use #private::{Run as _, Unfit as _};
                match (&__coact_lookup).found() {
                    ::core::option::Option::Some(__coact_found) => {
                        ::core::result::Result::Ok(__coact_found)
                    }
                    ::core::option::Option::None => __coact_lookup.run().await,
                }
            })
        }
    }
}

/// The accessor and the function with their signatures and bodies that only panic.
fn stand_ins(model: &Cached<'_>, parts: &Parts, mut sig: syn::Signature) -> TokenStream {
    let Parts {
        accessor,
        cache_type,
        cache_doc,
        ..
    } = parts;
    let ((attrs, inner), vis) = (outer_and_inner(&model.item.attrs), &model.item.vis);
    // A `self` is reported; the stand-in, a free function, does without it.
    sig.inputs = std::mem::take(&mut sig.inputs)
        .into_iter()
        .filter(|input| matches!(input, syn::FnArg::Typed(_)))
        .collect();
    let generic = sig
        .generics
        .params
        .iter()
        .any(|p| !matches!(p, syn::GenericParam::Lifetime(_)));
    // A generic function's cache could not name its types: no accessor then.
    let accessor = (!generic).then(|| {
        quote! {
            #[doc = #cache_doc]
            #vis fn #accessor() -> &'static #cache_type {
                ::core::unimplemented!("the cached function did not compile")
            }
        }
    });
    quote! {
        #accessor
        #(#attrs)*
        #[allow(unused_variables)]
        #vis #sig {
            #(#inner)*
            ::core::unimplemented!("the cached function did not compile")
        }
    }
}

fn retention(args: &Args, private: &TokenStream) -> TokenStream {
    let ttl = args.ttl.get().map(|ttl| match ttl {
        Ttl::Millis(millis, span) => {
            quote_spanned!(*span=> ::core::time::Duration::from_millis(#millis))
        }
        Ttl::Expr(expr) => quote_spanned!(expr.span()=> #private::ttl(#expr)),
    });
    let capacity = args.capacity.get().map(
        |capacity| quote_spanned!(capacity.span()=> ::core::num::NonZeroUsize::new(#capacity)),
    );
    // The default holds entries itself, for identity maps too: a weak default lost a
    // change made through a handle as soon as the last one was dropped (issue 13).
    match (ttl, capacity) {
        (None, None) if args.weak.is_given() => quote!(#private::Retention::Weak),
        (ttl, capacity) => {
            let ttl = ttl.map_or_else(
                || quote!(::core::option::Option::None),
                |ttl| quote!(::core::option::Option::Some(#ttl)),
            );
            let capacity = capacity.unwrap_or_else(|| quote!(::core::option::Option::None));
            quote!(#private::Retention::Keep { ttl: #ttl, capacity: #capacity })
        }
    }
}
