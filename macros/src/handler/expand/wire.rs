//! With `remote`: `impl Remote for Manager`, the wire form of every call of a handler
//! (feature `nats`). The proxies' side of it (`call_wire`, `send_wire` and the decoders
//! they take) stays with the proxy emitter in `expand.rs`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;

use super::{Cx, Mode};

/// With `remote`, `impl Remote for Manager`: the wire form of every call. Each argument
/// and value type is checked once, at its own span (`assert_wire`), so a type that cannot
/// cross the wire is one error at the user's type; the encoders and decoders are picked by
/// autoref (`Probe`), which falls back to failing ones for such a type instead of adding
/// errors of its own.
pub(super) fn remote_impl(cx: &Cx<'_, '_>) -> Option<TokenStream> {
    let version = cx.remote?;
    let Cx {
        private,
        call,
        kind,
        reply,
        ..
    } = cx;
    let self_ty = &cx.model.item.self_ty;
    let (impl_generics, _, where_clause) = cx.model.item.generics.split_for_impl();
    let real = cx.mode == Mode::Real;
    let methods = || cx.methods().iter().filter(|_| real);
    let checks = methods().map(|m| {
        let cfgs = &m.cfgs;
        let tys = m.args.iter().map(|a| &a.ty).chain([&m.output]);
        let asserts = tys.map(|ty| quote_spanned!(ty.span()=> #private::assert_wire::<#ty>();));
        quote!(#(#cfgs)* { #(#asserts)* })
    });
    let encode_arms = methods().map(|m| {
        let (cfgs, variant) = (&m.cfgs, &m.variant);
        let tys = m.args.iter().map(|a| &a.ty);
        quote! {
            #(#cfgs)*
            #kind::#variant(args, _) => (&&#private::Probe::<(#(#tys,)*)>::NEW).encoder()(args),
        }
    });
    let decode_arms = methods().map(|m| {
        let (cfgs, variant, output) = (&m.cfgs, &m.variant, &m.output);
        let tys = m.args.iter().map(|a| &a.ty);
        let name = m.ident.to_string();
        quote! {
            #(#cfgs)*
            #name => {
                let args = (&&#private::Probe::<(#(#tys,)*)>::NEW).decoder()(payload)?;
                let #reply = #reply.reply((&&#private::Probe::<#output>::NEW).encoder());
                ::core::result::Result::Ok(#call(#kind::#variant(args, #reply)))
            }
        }
    });
    let phantom = (!cx.type_args.is_empty())
        .then(|| quote!(#kind::__CoactPhantom(never, _) => match *never {},));
    let encode_body = if real || phantom.is_some() {
        quote!(match &call.0 { #(#encode_arms)* #phantom })
    } else {
        quote!(match call.0 {})
    };
    Some(quote! {
        #[automatically_derived]
        impl #impl_generics #private::Remote for #self_ty #where_clause {
            const VERSION: u32 = #version;

            fn encode(
                call: &Self::Call,
            ) -> ::core::result::Result<::std::vec::Vec<u8>, #private::DecodeError> {
                #(#checks)*
                #[allow(unused_imports)]
                use #private::{ViaNothing as _, ViaSerde as _};
                #encode_body
            }

            #[allow(unused_variables)]
            fn decode(
                method: &str,
                payload: &[u8],
                #reply: &mut #private::WireSlot,
            ) -> ::core::result::Result<Self::Call, #private::DecodeError> {
                #[allow(unused_imports)]
                use #private::{ViaNothing as _, ViaSerde as _};
                match method {
                    #(#decode_arms)*
                    _ => ::core::result::Result::Err(#private::DecodeError::unknown_method(method)),
                }
            }
        }
    })
}
