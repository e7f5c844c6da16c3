//! Code generation for `#[identity_cached]`: the function, now looking its value up in a
//! cache first, and an accessor for that cache.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::parse_quote;
use syn::spanned::Spanned as _;

use super::attr::{Args, Ttl};
use super::model::{Cached, KeyType, Shape};

pub fn expand(args: &Args, model: &Cached<'_>) -> TokenStream {
    let krate = args.krate.clone().unwrap_or_else(|| parse_quote!(::coact));
    let private = quote!(#krate::__private::identity);
    let item = model.item;
    let (attrs, vis, block) = (&item.attrs, &item.vis, &item.block);
    let name = &item.sig.ident;
    let accessor = format_ident!("{}_cache", name.unraw(), span = name.span());

    let value = model.value;
    let handle = if model.identity {
        quote!(#krate::identity::Shared<#value>)
    } else {
        quote!(::std::sync::Arc<#value>)
    };
    let error = model
        .error
        .map_or_else(|| quote!(::core::convert::Infallible), |e| quote!(#e));

    let key_types: Vec<TokenStream> = model
        .keys
        .iter()
        .map(|key| match key.ty {
            KeyType::Owned(ty) => quote!(#ty),
            KeyType::Ref(ty) => quote!(<#ty as ::std::borrow::ToOwned>::Owned),
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
        (types, values) => (quote!((#(#types,)*)), quote!((#(#values,)*))),
    };

    // Checks that put an unmet bound at the user's type, not at the attribute.
    let key_checks = model
        .keys
        .iter()
        .zip(&key_types)
        .map(|(key, ty)| quote_spanned!(key.owned_span()=> #private::assert_key::<#ty>();));
    let value_check = quote_spanned!(value.span()=> #private::assert_value::<#value>(););
    let error_check = model
        .error
        .map(|error| quote_spanned!(error.span()=> #private::assert_error::<#error>();));

    let retention = retention(args, &private);
    let new_cache = quote!(#krate::identity::Cache::new(#retention));
    let (new_cache, shared_checks) = match &args.redis {
        None => (new_cache, TokenStream::new()),
        Some((_, tier)) => {
            let namespace = args.namespace.as_ref().map_or_else(
                || {
                    quote!(::core::concat!(
                        ::core::module_path!(),
                        "::",
                        ::core::stringify!(#name)
                    ))
                },
                |(_, namespace)| quote!(#namespace),
            );
            let version = args
                .version
                .as_ref()
                .map_or_else(|| quote!(1), |(_, version)| quote!(#version));
            let tier = quote_spanned!(tier.span()=> &(#tier));
            let checks = model.keys.iter().zip(&key_types).map(
                |(key, ty)| quote_spanned!(key.owned_span()=> #private::assert_shared::<#ty>();),
            );
            let value_check = quote_spanned!(value.span()=> #private::assert_shared::<#value>(););
            (
                quote!(#private::with_redis(#new_cache, #tier, #namespace, #version)),
                quote!(#(#checks)* #value_check),
            )
        }
    };
    let output = model.output;
    let (returns, adapt, finish) = match model.shape {
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
    };
    let mut sig = item.sig.clone();
    sig.output = parse_quote!(-> #returns);
    let stmts = &block.stmts;
    let cache_doc = format!(
        "The cache behind [`{name}`]: its statistics, and `forget(&key)` or `clear()` to \
         invalidate what it holds."
    );
    let cache_type = quote!(#krate::identity::Cache<#key_type, #handle, #error>);

    quote! {
        #[doc = #cache_doc]
        #vis fn #accessor() -> &'static #cache_type {
            const _: () = {
                #(#key_checks)*
                #value_check
                #error_check
                #shared_checks
            };
            static CACHE: ::std::sync::LazyLock<#cache_type> =
                ::std::sync::LazyLock::new(|| #new_cache);
            &CACHE
        }

        #(#attrs)*
        #vis #sig {
            let __coact_key: #key_type = #key_value;
            #finish(#accessor()
                .get_or_load(__coact_key, move || #private::#adapt(async move {
                    // Fixes the block's output type before the body, so `?` and `return`
                    // in the body mean what they meant in the function.
                    if let ::core::option::Option::Some(__coact_ret) =
                        ::core::option::Option::None::<#output>
                    {
                        #[allow(unreachable_code)]
                        return __coact_ret;
                    }
                    #(#stmts)*
                }))
                .await)
        }
    }
}

fn retention(args: &Args, private: &TokenStream) -> TokenStream {
    let ttl = args.ttl.as_ref().map(|(_, ttl)| match ttl {
        Ttl::Millis(millis, span) => {
            quote_spanned!(*span=> ::core::time::Duration::from_millis(#millis))
        }
        Ttl::Expr(expr) => quote_spanned!(expr.span()=> #private::ttl(#expr)),
    });
    let capacity = args.capacity.as_ref().map(
        |(_, capacity)| quote_spanned!(capacity.span()=> ::core::num::NonZeroUsize::new(#capacity)),
    );
    let memoize = args.memoize.is_some();
    match (ttl, capacity) {
        (None, None) if args.weak.is_some() || !memoize => quote!(#private::Retention::Weak),
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
