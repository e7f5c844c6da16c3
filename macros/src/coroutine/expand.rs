//! Code generation for `#[coroutine]`: the function, now returning the generator whose
//! body is the original body as an `async` block.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{parse_quote, PathArguments, Type};

use super::attr::Args;
use super::model::Coroutine;
use crate::syntax::{krate, outer_and_inner};

pub fn expand(args: &Args, model: &Coroutine<'_>) -> TokenStream {
    let krate = krate(args.krate.as_ref());
    let private = quote!(#krate::__private::coroutine);
    let item = model.item;
    let types = &model.types;
    let span = types.span;

    let yields = types.yields;
    let returns: Type = types.returns.cloned().unwrap_or_else(|| parse_quote!(()));
    let resume: Type = types.resume.cloned().unwrap_or_else(|| parse_quote!(()));
    let lifetimes = &model.captures;
    let captures = (!lifetimes.is_empty())
        .then(|| quote_spanned!(span=> + #private::Captures<(#(&#lifetimes (),)*)>));
    let future = quote_spanned!(span=>
        impl ::core::future::Future<Output = #returns>
            + #private::Slotted<#yields, #resume> #captures
    );
    // A plain `fn`'s body is boxed, so that its generator is an `Unpin` iterator.
    let (body_type, build): (Type, _) = if model.is_async {
        (parse_quote!(#future), quote!(stream))
    } else {
        (
            parse_quote!(#krate::coroutine::SyncBody<#future>),
            quote!(sync),
        )
    };

    let (local, channel) = slot(&private, model, yields, &returns, &resume);

    let mut sig = item.sig.clone();
    sig.asyncness = None;
    let output = gen_type(types.path, yields, &returns, &resume, &body_type);
    sig.output = parse_quote!(-> #output);
    // `mut` moves into the body with the argument.
    for input in &mut sig.inputs {
        if let syn::FnArg::Typed(typed) = input {
            if let syn::Pat::Ident(pat) = &mut *typed.pat {
                if pat.by_ref.is_none() && pat.subpat.is_none() {
                    pat.mutability = None;
                }
            }
        }
    }
    let moved = model
        .moved
        .iter()
        .map(|(name, mutability)| quote!(let #mutability #name = #name;));

    let ((attrs, inner), vis) = (outer_and_inner(&item.attrs), &item.vis);
    let co = &model.co;
    let body = &model.body;
    quote! {
        #(#attrs)*
        #vis #sig {
            #(#inner)*
            #local
            let (#co, __coact_builder) = #channel;
            __coact_builder.#build(async move {
                let #co = #co;
                #(#moved)*
                // Fixes the block's output type before the body, so `?` and `return` in
                // the body mean what they mean in a function returning it.
                if let ::core::option::Option::Some(__coact_ret) =
                    ::core::option::Option::None::<#returns>
                {
                    #[allow(unreachable_code)]
                    return __coact_ret;
                }
                #body
            })
        }
    }
}

/// The slot a generator exchanges values through, and the call that makes its two ends:
/// the items to declare first (a per-thread slot's key), then the channel expression.
fn slot(
    private: &TokenStream,
    model: &Coroutine<'_>,
    yields: &Type,
    returns: &Type,
    resume: &Type,
) -> (TokenStream, TokenStream) {
    let types = &model.types;
    // Resumed with `()`, a generator needs no trip through its slot to resume.
    let unit = match types.resume {
        None => true,
        Some(Type::Tuple(tuple)) => tuple.elems.is_empty(),
        Some(_) => false,
    };
    // With `'static`, non-generic yield and resume types, the generator exchanges values
    // through a per-thread slot of this function's own, reached through a marker type
    // declared here (no allocation, no atomics); otherwise through a slot of its own.
    let key = quote!(__CoactSlot);
    match (model.local_slot, unit) {
        (true, unit) => {
            let channel = if unit {
                quote!(#private::local_unit_channel::<#yields, #returns, #key>())
            } else {
                quote!(#private::local_channel::<#yields, #returns, #resume, #key>())
            };
            let slot = quote!(#private::LocalSlot<#yields, #resume>);
            let local = quote! {
                struct #key;
                impl #private::SlotKey<#yields, #resume> for #key {
                    #[inline]
                    fn with<__CoactT>(
                        f: impl ::core::ops::FnOnce(::core::option::Option<&#slot>) -> __CoactT,
                    ) -> __CoactT {
                        ::std::thread_local! {
                            static __COACT_SLOT: #slot = const { #private::LocalSlot::new() };
                        }
                        __COACT_SLOT.with(|slot| f(::core::option::Option::Some(slot)))
                    }
                }
            };
            (local, channel)
        }
        (false, true) => (
            TokenStream::new(),
            quote!(#private::unit_channel::<#yields, #returns>()),
        ),
        (false, false) => (
            TokenStream::new(),
            quote!(#private::channel::<#yields, #returns, #resume>()),
        ),
    }
}

/// The generator's type through the path the user wrote: `Gen<Y, R, S, Body>`; the
/// fallback's stand-in names it too.
pub fn gen_type(
    path: &syn::Path,
    yields: &Type,
    returns: &Type,
    resume: &Type,
    body: &Type,
) -> Type {
    let mut path = path.clone();
    if let Some(last) = path.segments.last_mut() {
        let args: syn::AngleBracketedGenericArguments =
            parse_quote!(<#yields, #returns, #resume, #body>);
        last.arguments = PathArguments::AngleBracketed(args);
    }
    Type::Path(syn::TypePath {
        attrs: Vec::new(),
        qself: None,
        path,
    })
}
