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

    let channel = channel(&private, model, yields, &returns);

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

/// The call that makes the generator's two ends: resumed with `()`, a generator needs no
/// trip through its exchange to resume.
fn channel(
    private: &TokenStream,
    model: &Coroutine<'_>,
    yields: &Type,
    returns: &Type,
) -> TokenStream {
    match model.types.resume {
        None => quote!(#private::unit_channel::<#yields, #returns>()),
        Some(Type::Tuple(tuple)) if tuple.elems.is_empty() => {
            quote!(#private::unit_channel::<#yields, #returns>())
        }
        Some(resume) => quote!(#private::channel::<#yields, #returns, #resume>()),
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
