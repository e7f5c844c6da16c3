//! What `#[coroutine]` emits next to its errors: the function with a body that only
//! panics and, where the declared type was understood, the generator type it would have
//! returned (through the `crate =` path), so that its callers type-check and the errors
//! are the only ones.

use proc_macro2::TokenStream;
use quote::ToTokens as _;
use syn::{Item, ItemFn, ReturnType, Type};

use super::attr::Args;
use super::expand::gen_type;
use super::model::gen_types;
use crate::syntax::krate;

pub fn stand_in(args: &Args, mut item: Item) -> TokenStream {
    if let Item::Fn(f) = &mut item {
        stand_in_fn(args, f);
    }
    item.into_token_stream()
}

fn stand_in_fn(args: &Args, item: &mut ItemFn) {
    let krate = krate(args.krate.as_ref());
    let is_async = item.sig.asyncness.take().is_some();
    if let ReturnType::Type(_, ty) = &item.sig.output {
        let Some(types) = gen_types(ty, None) else {
            // Not a type the generator could have: the error says so, and a type checked
            // against a body that is gone would only add errors.
            item.sig.output = ReturnType::Default;
            return stand_in_body(item);
        };
        let (yields, returns, resume) = (
            types.yields,
            types
                .returns
                .map_or_else(|| syn::parse_quote!(()), Clone::clone),
            types
                .resume
                .map_or_else(|| syn::parse_quote!(()), Clone::clone),
        );
        let ready: Type = syn::parse_quote!(
            #krate::__private::coroutine::Keyed<
                ::core::future::Ready<#returns>,
                #krate::__private::coroutine::Shared,
            >
        );
        let body: Type = if is_async {
            ready
        } else {
            syn::parse_quote!(#krate::coroutine::SyncBody<#ready>)
        };
        let output = gen_type(types.path, yields, &returns, &resume, &body);
        item.sig.output = ReturnType::Type(syn::token::RArrow::default(), Box::new(output));
    }
    stand_in_body(item);
}

fn stand_in_body(item: &mut ItemFn) {
    // The body is gone: its arguments are unused now, which is not the user's mistake.
    item.attrs
        .push(syn::parse_quote!(#[allow(unused_variables, unused_mut)]));
    *item.block = syn::parse_quote!({ ::core::unimplemented!("this coroutine did not compile") });
}
