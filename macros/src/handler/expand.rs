//! Code generation for `#[deferred_handler]`.
//!
//! For `impl Manager { … }` (prefix `Manager`) this emits, beside the untouched impl block:
//! `ManagerMethod` (method ids), `ManagerCall` (the queued call: a public newtype around a
//! private enum, so argument types of private methods never leak), `ManagerSync` and
//! `ManagerOneway` (the proxies), and `impl Handler for Manager`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{GenericParam, Ident, Path};

use super::model::{Handler, Method};
use crate::args::Args;

pub fn expand(args: &Args, model: &Handler<'_>) -> TokenStream {
    let item = model.item;
    let krate: Path = args
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::coact));
    let private = quote!(#krate::__private);
    let prefix = args.name.as_ref().unwrap_or(model.type_ident);
    let method_enum = format_ident!("{}Method", prefix);
    let call = format_ident!("{}Call", prefix);
    let kind = format_ident!("__{}CallKind", prefix);
    let sync = format_ident!("{}Sync", prefix);
    let oneway = format_ident!("{}Oneway", prefix);
    let lt = syn::Lifetime::new("'__coact", Span::call_site());
    let reply = Ident::new("__coact_reply", Span::mixed_site());

    let self_ty = &item.self_ty;
    let (impl_generics, ty_generics, where_clause) = item.generics.split_for_impl();
    let where_preds = where_clause.map(|w| &w.predicates);
    // The proxies' generics: their lifetime, then the impl block's parameters.
    let params = &item.generics.params;
    let params_lt = if params.is_empty() {
        quote!(#lt)
    } else {
        quote!(#lt, #params)
    };
    let type_args: Vec<_> = params
        .iter()
        .filter_map(|p| match p {
            GenericParam::Type(t) => Some(&t.ident),
            _ => None,
        })
        .collect();
    let args_lt = quote!(#lt, #(#type_args),*);
    let self_name = model.type_ident.to_string();
    // Spanned at the type, so "`Rc<..>` cannot be sent" points at it, not at the attribute.
    let send_bound = quote_spanned!(self_ty.span()=> Self: ::core::marker::Send + 'static);
    let dispatch_future = quote_spanned!(self_ty.span()=>
        impl #private::Future<Output = bool> + ::core::marker::Send + '_
    );

    let variants: Vec<_> = model.methods.iter().map(|m| &m.variant).collect();
    let cfgs: Vec<_> = model.methods.iter().map(|m| &m.cfgs).collect();
    let names: Vec<_> = model.methods.iter().map(|m| m.ident.to_string()).collect();
    let method_docs = model
        .methods
        .iter()
        .map(|m| format!("A call to [`{self_name}::{}`].", m.ident));

    let kind_variants = model.methods.iter().map(|m| {
        let variant = &m.variant;
        let cfgs = &m.cfgs;
        let tys = m.args.iter().map(|a| &a.ty);
        let output = &m.output;
        quote! { #(#cfgs)* #variant((#(#tys,)*), #private::Reply<#output>) }
    });
    let phantom = (!type_args.is_empty()).then(|| {
        quote! {
            __CoactPhantom(
                ::core::convert::Infallible,
                ::core::marker::PhantomData<fn() -> (#(#type_args,)*)>,
            ),
        }
    });
    let phantom_arm = phantom
        .as_ref()
        .map(|_| quote!(#kind::__CoactPhantom(never, _) => match *never {},));

    let method_of = model.methods.iter().map(|m| {
        let variant = &m.variant;
        let cfgs = &m.cfgs;
        quote!(#(#cfgs)* #kind::#variant(..) => #method_enum::#variant,)
    });
    let (async_fns, sync_fns): (Vec<_>, Vec<_>) = model.methods.iter().partition(|m| m.is_async);
    let sync_arms = sync_fns
        .iter()
        .map(|m| dispatch_arm(m, &kind, &private, &reply));
    let dispatch_now_body = if sync_fns.is_empty() {
        quote!(::core::result::Result::Err(call))
    } else {
        quote! {
            #[allow(unused_imports)]
            use #private::{ReportDebug as _, ReportDisplay as _, ReportOther as _};
            ::core::result::Result::Ok(match call.0 {
                #(#sync_arms)*
                #[allow(unreachable_patterns)]
                kind => return ::core::result::Result::Err(#call(kind)),
            })
        }
    };
    let async_arms = async_fns
        .iter()
        .map(|m| dispatch_arm(m, &kind, &private, &reply));
    let sync_methods = model
        .methods
        .iter()
        .map(|m| proxy_method(m, Proxy::Sync, &call, &kind, &private, &reply));
    let oneway_methods = model
        .methods
        .iter()
        .map(|m| proxy_method(m, Proxy::Oneway, &call, &kind, &private, &reply));

    let sync_doc = format!(
        "Sync proxy of [`{self_name}`], from `handle.sync()`: each method queues a call, waits \
         until the owner has run it and returns its value.\n\nChain \
         [`timeout`](Self::timeout) to bound the wait."
    );
    let oneway_doc = format!(
        "Oneway proxy of [`{self_name}`], from `handle.oneway()`: each method queues a call and \
         returns at once; a panic or returned `Err` of the method is logged through `tracing`."
    );
    let method_enum_doc =
        format!("The methods of [`{self_name}`]'s deferred handler, for `Deferred::process_only`.");

    // Proxies are `Copy` whatever the impl's type parameters are, so no derive.
    let copy_impls = [&sync, &oneway].map(|proxy| {
        quote! {
            #[automatically_derived]
            impl<#params_lt> ::core::clone::Clone for #proxy<#args_lt>
            where
                #self_ty: #private::Handler,
                #where_preds
            {
                fn clone(&self) -> Self {
                    *self
                }
            }

            #[automatically_derived]
            impl<#params_lt> ::core::marker::Copy for #proxy<#args_lt>
            where
                #self_ty: #private::Handler,
                #where_preds
            {
            }
        }
    });

    quote! {
        #item

        #[doc = #method_enum_doc]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug,
                 ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash)]
        pub enum #method_enum {
            #( #(#cfgs)* #[doc = #method_docs] #variants, )*
        }

        #[doc(hidden)]
        #[allow(dead_code, non_camel_case_types)]
        enum #kind #impl_generics #where_clause {
            #(#kind_variants,)*
            #phantom
        }

        /// A queued call to a deferred handler (generated; not for direct use).
        #[doc(hidden)]
        pub struct #call #impl_generics (#kind #ty_generics) #where_clause;

        #[doc = #sync_doc]
        pub struct #sync<#params_lt>(#private::SyncProxy<#lt, #self_ty>)
        where
            #self_ty: #private::Handler,
            #where_preds;

        #[doc = #oneway_doc]
        pub struct #oneway<#params_lt>(#private::OnewayProxy<#lt, #self_ty>)
        where
            #self_ty: #private::Handler,
            #where_preds;

        #(#copy_impls)*

        #[allow(dead_code)]
        impl<#params_lt> #sync<#args_lt>
        where
            #self_ty: #private::Handler<Call = #call #ty_generics>,
            #where_preds
        {
            /// Bounds how long each call made through this proxy waits for its result.
            ///
            /// A call that is still queued when the time runs out is withdrawn and never
            /// runs; one that has started finishes, but its result is discarded. Either way
            /// the caller gets `CallError::TimedOut`.
            #[must_use]
            pub fn timeout(self, limit: #private::Duration) -> Self {
                Self(self.0.with_timeout(limit))
            }

            #(#sync_methods)*
        }

        #[allow(dead_code)]
        impl<#params_lt> #oneway<#args_lt>
        where
            #self_ty: #private::Handler<Call = #call #ty_generics>,
            #where_preds
        {
            #(#oneway_methods)*
        }

        #[automatically_derived]
        impl #impl_generics #private::Handler for #self_ty
        where
            #send_bound,
            #call #ty_generics: ::core::marker::Send + 'static,
            #where_preds
        {
            type Call = #call #ty_generics;
            type Method = #method_enum;
            type Sync<#lt> = #sync<#args_lt> where Self: #lt;
            type Oneway<#lt> = #oneway<#args_lt> where Self: #lt;

            fn method(call: &Self::Call) -> #method_enum {
                match &call.0 {
                    #(#method_of)*
                    #phantom_arm
                }
            }

            fn method_name(method: #method_enum) -> &'static str {
                match method {
                    #( #(#cfgs)* #method_enum::#variants => #names, )*
                }
            }

            fn sync_proxy(proxy: #private::SyncProxy<'_, Self>) -> Self::Sync<'_> {
                #sync(proxy)
            }

            fn oneway_proxy(proxy: #private::OnewayProxy<'_, Self>) -> Self::Oneway<'_> {
                #oneway(proxy)
            }

            fn dispatch_now(
                &mut self,
                call: Self::Call,
            ) -> ::core::result::Result<bool, Self::Call> {
                #dispatch_now_body
            }

            fn dispatch(
                &mut self,
                call: Self::Call,
            ) -> #dispatch_future {
                async move {
                    #[allow(unused_imports)]
                    use #private::{ReportDebug as _, ReportDisplay as _, ReportOther as _};
                    match call.0 {
                        #(#async_arms)*
                        #[allow(unreachable_patterns)]
                        kind => match Self::dispatch_now(self, #call(kind)) {
                            ::core::result::Result::Ok(ran) => ran,
                            // Only async methods are handed back, and they matched above.
                            ::core::result::Result::Err(_) => false,
                        },
                    }
                }
            }
        }
    }
}

/// The owner-side arm that runs one queued call.
fn dispatch_arm(m: &Method<'_>, kind: &Ident, private: &TokenStream, reply: &Ident) -> TokenStream {
    let variant = &m.variant;
    let ident = m.ident;
    let cfgs = &m.cfgs;
    let name = ident.to_string();
    let args: Vec<_> = m.args.iter().map(|a| &a.ident).collect();
    // Spanned at the method, so "future is not `Send`" and friends point at the user's code.
    let run = if m.is_async {
        quote_spanned!(m.span=> #private::guard_async(Self::#ident(self, #(#args),*)).await)
    } else {
        quote_spanned!(m.span=> #private::guard(|| Self::#ident(self, #(#args),*)))
    };
    quote! {
        #(#cfgs)*
        #kind::#variant((#(#args,)*), #reply) => match #reply.start() {
            // The caller withdrew the call before it started: it does not run.
            ::core::option::Option::None => false,
            ::core::option::Option::Some(#reply) => {
                let outcome = #run;
                if let ::core::option::Option::Some(value) = #reply.finish(#name, outcome) {
                    (&&&#private::Outcome(&value)).coact_report(#name);
                }
                true
            }
        },
    }
}

#[derive(Clone, Copy)]
enum Proxy {
    Sync,
    Oneway,
}

/// One proxy method: same name, arguments and docs as the handler method.
fn proxy_method(
    m: &Method<'_>,
    proxy: Proxy,
    call: &Ident,
    kind: &Ident,
    private: &TokenStream,
    reply: &Ident,
) -> TokenStream {
    let Method {
        ident,
        vis,
        variant,
        output,
        cfgs,
        docs,
        ..
    } = m;
    let name = ident.to_string();
    let params = m.args.iter().map(|a| {
        let (ident, ty) = (&a.ident, &a.ty);
        quote!(#ident: #ty)
    });
    let args: Vec<_> = m.args.iter().map(|a| &a.ident).collect();
    let separator = (!docs.is_empty()).then(|| quote!(#[doc = ""]));
    match proxy {
        Proxy::Sync => {
            let errors = format!(
                "# Errors\n\nA `CallError` when the call could not complete: the owner is gone, \
                 the time set with `timeout` ran out, `{name}` panicked, or the call was made \
                 from inside this same handler."
            );
            quote! {
                #(#cfgs)* #(#docs)* #separator #[doc = #errors]
                #vis async fn #ident(self, #(#params),*)
                    -> ::core::result::Result<#output, #private::CallError>
                {
                    self.0
                        .call(#name, |#reply| #call(#kind::#variant((#(#args,)*), #reply)))
                        .await
                }
            }
        }
        Proxy::Oneway => {
            let errors = format!(
                "Returns once the call to `{name}` is queued.\n\n# Errors\n\n\
                 A `CallError` when the call could not be queued: the owner is gone, or its \
                 bounded mailbox is full."
            );
            let reply_value = quote!(#private::Reply::oneway());
            quote! {
                #(#cfgs)* #(#docs)* #separator #[doc = #errors]
                #vis fn #ident(self, #(#params),*)
                    -> ::core::result::Result<(), #private::CallError>
                {
                    self.0.send(#name, #call(#kind::#variant((#(#args,)*), #reply_value)))
                }
            }
        }
    }
}
