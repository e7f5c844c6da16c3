//! Code generation for `#[deferred_handler]`.
//!
//! For `impl Manager { … }` (prefix `Manager`) this emits, beside the untouched impl block:
//! `ManagerMethod` (method ids), `ManagerCall` (the queued call: a public newtype around a
//! private enum, so argument types of private methods never leak), `ManagerSync` and
//! `ManagerOneway` (the proxies), and `impl Handler for Manager`. Each is made by one
//! emitter below; the bodies of the impl's dispatch are in `dispatch.rs`, owner methods in
//! `owner.rs`, the remote wire form in `wire.rs`.
//!
//! The fallback (`Mode::StandIn`) emits the same items with nothing inside: the call
//! enum holds no method, the proxies' methods only panic. User code that names them
//! still type-checks, so the macro's own error is the only one.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{GenericParam, Ident, Lifetime};

use super::model::{Handler, Method};
use super::Args;
use crate::syntax::krate;

// The owner's dispatch arms, the owner's methods (`self: &mut Deferred<Self>`) and the
// wire form of a `remote` handler: each its own concern, in its own file.
mod dispatch;
mod owner;
mod wire;
use dispatch::{bodies, Bodies};
use wire::remote_impl;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The real expansion of a checked model.
    Real,
    /// Stand-ins next to the errors: same names and signatures, no behaviour.
    StandIn,
}

/// Names and generic pieces every emitter uses.
struct Cx<'m, 'a> {
    model: &'m Handler<'a>,
    mode: Mode,
    private: TokenStream,
    method_enum: Ident,
    call: Ident,
    kind: Ident,
    sync: Ident,
    oneway: Ident,
    owner: Ident,
    lt: Lifetime,
    reply: Ident,
    /// The proxies' generic parameters: their lifetime, then the impl block's.
    params_lt: TokenStream,
    /// The proxies' generic arguments.
    args_lt: TokenStream,
    type_args: Vec<&'a Ident>,
    self_name: String,
    /// With `remote`: the wire version.
    remote: Option<u32>,
}

pub fn expand(args: &Args, model: &Handler<'_>, mode: Mode) -> TokenStream {
    let cx = Cx::new(args, model, mode);
    let mut out = owner::impl_block(&cx);
    out.extend(owner::owner_trait(&cx));
    out.extend(method_enum(&cx));
    out.extend(call_types(&cx));
    out.extend(proxies(&cx));
    out.extend(handler_impl(&cx));
    out.extend(remote_impl(&cx));
    out
}

impl<'m, 'a> Cx<'m, 'a> {
    fn new(args: &Args, model: &'m Handler<'a>, mode: Mode) -> Self {
        let krate = krate(args.names.krate.as_ref());
        let prefix = args.names.name.as_ref().unwrap_or(model.type_ident);
        let lt = Lifetime::new("'__coact", Span::call_site());
        let params = &model.item.generics.params;
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
        Self {
            model,
            mode,
            private: quote!(#krate::__private),
            method_enum: format_ident!("{}Method", prefix),
            call: format_ident!("{}Call", prefix),
            kind: format_ident!("__{}CallKind", prefix),
            sync: format_ident!("{}Sync", prefix),
            oneway: format_ident!("{}Oneway", prefix),
            owner: format_ident!("{}Owner", prefix),
            lt,
            reply: Ident::new("__coact_reply", Span::mixed_site()),
            params_lt,
            args_lt,
            type_args,
            self_name: model.type_ident.to_string(),
            remote: args.remote,
        }
    }

    fn methods(&self) -> &'m [Method<'a>] {
        &self.model.methods
    }
}

/// `ManagerMethod`: one variant per method, for `Deferred::process_only`.
fn method_enum(cx: &Cx<'_, '_>) -> TokenStream {
    let Cx {
        method_enum,
        self_name,
        ..
    } = cx;
    let doc =
        format!("The methods of [`{self_name}`]'s deferred handler, for `Deferred::process_only`.");
    let variants = cx.methods().iter().map(|m| {
        let (cfgs, variant) = (&m.cfgs, &m.variant);
        let doc = format!("A call to [`{self_name}::{}`].", m.ident);
        quote!(#(#cfgs)* #[doc = #doc] #variant,)
    });
    quote! {
        #[doc = #doc]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug,
                 ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash)]
        pub enum #method_enum {
            #(#variants)*
        }
    }
}

/// The queued call: a hidden enum of each method's arguments and reply, inside a public
/// newtype (so argument types of private methods never leak).
fn call_types(cx: &Cx<'_, '_>) -> TokenStream {
    let Cx {
        private,
        call,
        kind,
        type_args,
        ..
    } = cx;
    let (impl_generics, ty_generics, where_clause) = cx.model.item.generics.split_for_impl();
    let variants = cx
        .methods()
        .iter()
        .filter(|_| cx.mode == Mode::Real)
        .map(|m| {
            let (cfgs, variant, output) = (&m.cfgs, &m.variant, &m.output);
            let tys = m.args.iter().map(|a| &a.ty);
            quote! { #(#cfgs)* #variant((#(#tys,)*), #private::Reply<#output>), }
        });
    let phantom = (!type_args.is_empty()).then(|| {
        quote! {
            __CoactPhantom(
                ::core::convert::Infallible,
                ::core::marker::PhantomData<fn() -> (#(#type_args,)*)>,
            ),
        }
    });
    quote! {
        #[doc(hidden)]
        #[allow(dead_code, non_camel_case_types)]
        enum #kind #impl_generics #where_clause {
            #(#variants)*
            #phantom
        }

        /// A queued call to a deferred handler (generated; not for direct use).
        #[doc(hidden)]
        pub struct #call #impl_generics (#kind #ty_generics) #where_clause;

        impl #impl_generics ::core::convert::From<#kind #ty_generics> for #call #ty_generics
        #where_clause
        {
            #[inline]
            fn from(kind: #kind #ty_generics) -> Self {
                Self(kind)
            }
        }
    }
}

/// `ManagerSync` and `ManagerOneway`: `Copy` wrappers of the runtime's proxies with one
/// method per handler method.
fn proxies(cx: &Cx<'_, '_>) -> TokenStream {
    let Cx {
        private,
        call,
        sync,
        oneway,
        lt,
        params_lt,
        args_lt,
        self_name,
        ..
    } = cx;
    let self_ty = &cx.model.item.self_ty;
    let (_, ty_generics, where_clause) = cx.model.item.generics.split_for_impl();
    let where_preds = where_clause.map(|w| &w.predicates);
    // A remote handler's proxies also reach owners over NATS, through its wire form.
    let remote_bound = cx.remote.map(|_| quote!(#self_ty: #private::Remote,));
    let sync_doc = format!(
        "Sync proxy of [`{self_name}`], from `handle.sync()`: each method queues a call, waits \
         until the owner has run it and returns its value.\n\nChain \
         [`timeout`](Self::timeout) to bound the wait."
    );
    let oneway_doc = format!(
        "Oneway proxy of [`{self_name}`], from `handle.oneway()`: each method queues a call and \
         returns at once; a panic or returned `Err` of the method is logged through `tracing`."
    );
    // `timeout` is the sync proxy's own; a method of that name is refused, and exists here
    // only as a stand-in (on the oneway proxy, so that its uses there type-check).
    let sync_methods = cx
        .methods()
        .iter()
        .filter(|m| m.ident != "timeout")
        .map(|m| proxy_method(cx, m, Proxy::Sync));
    let oneway_methods = cx
        .methods()
        .iter()
        .map(|m| proxy_method(cx, m, Proxy::Oneway));
    // Proxies are `Copy` whatever the impl's type parameters are, so no derive.
    let copy_impls = [sync, oneway].map(|proxy| {
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
            #remote_bound
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
            #remote_bound
            #where_preds
        {
            #(#oneway_methods)*
        }
    }
}

/// `impl Handler for Manager`: the method ids, the proxies, and the owner's dispatch.
fn handler_impl(cx: &Cx<'_, '_>) -> TokenStream {
    let Cx {
        private,
        method_enum,
        call,
        sync,
        oneway,
        lt,
        args_lt,
        ..
    } = cx;
    let self_ty = &cx.model.item.self_ty;
    let (impl_generics, ty_generics, where_clause) = cx.model.item.generics.split_for_impl();
    let where_preds = where_clause.map(|w| &w.predicates);
    // Spanned at the type, so "`Rc<..>` cannot be sent" points at it, not at the attribute.
    // The stand-ins leave that check to the real expansion.
    let send_bound = (cx.mode == Mode::Real)
        .then(|| quote_spanned!(self_ty.span()=> Self: ::core::marker::Send + 'static,));
    let dispatch_future = quote_spanned!(self_ty.span()=>
        impl #private::Future<Output = bool> + ::core::marker::Send + '_
    );
    let name_arms = cx.methods().iter().map(|m| {
        let (cfgs, variant) = (&m.cfgs, &m.variant);
        let name = m.ident.to_string();
        quote!(#(#cfgs)* #method_enum::#variant => #name,)
    });
    let Bodies {
        method: method_body,
        dispatch_now: dispatch_now_body,
        dispatch: dispatch_body,
    } = bodies(cx);
    quote! {
        #[automatically_derived]
        impl #impl_generics #private::Handler for #self_ty
        where
            #send_bound
            #where_preds
        {
            type Call = #call #ty_generics;
            type Method = #method_enum;
            type Sync<#lt> = #sync<#args_lt> where Self: #lt;
            type Oneway<#lt> = #oneway<#args_lt> where Self: #lt;

            fn method(call: &Self::Call) -> #method_enum {
                #method_body
            }

            fn method_name(method: #method_enum) -> &'static str {
                match method {
                    #(#name_arms)*
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
                #dispatch_body
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Proxy {
    Sync,
    Oneway,
}

/// One proxy method: same name, arguments and docs as the handler method.
fn proxy_method(cx: &Cx<'_, '_>, m: &Method<'_>, proxy: Proxy) -> TokenStream {
    let Cx { private, kind, .. } = cx;
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
    let stand_in = quote!(::core::unimplemented!(
        "the deferred handler did not compile"
    ));
    let allow = (cx.mode == Mode::StandIn).then(|| quote!(#[allow(unused_variables)]));
    match proxy {
        Proxy::Sync => {
            let errors = format!(
                "Queues the call when awaited and resolves to `{name}`'s value once the owner \
                 has run it.\n\n# Errors\n\nA `CallError` when the call could not complete: \
                 the owner is gone, the time set with `timeout` ran out, `{name}` panicked, or \
                 the call was made from inside this same handler."
            );
            let call_fn = if cx.remote.is_some() {
                quote!(call_wire)
            } else {
                quote!(call)
            };
            // A remote handler's proxy also takes the value's decoder, picked by autoref:
            // a type that cannot cross the wire is reported once, by the `Remote` impl.
            let decoder = cx.remote.map(|_| {
                quote! {
                    , {
                        #[allow(unused_imports)]
                        use #private::{ViaNothing as _, ViaSerde as _};
                        (&&#private::Probe::<#output>::NEW).decoder()
                    }
                }
            });
            let body = match cx.mode {
                // The variant is the constructor: no closure per method to check.
                Mode::Real => quote! {
                    self.0.#call_fn(#name, (#(#args,)*), #kind::#variant #decoder)
                },
                Mode::StandIn => stand_in,
            };
            // One named future for every method (not an `async fn` each): the compiler
            // checks its state machine once, in the runtime, not once per method here.
            let (lt, self_ty) = (&cx.lt, &cx.model.item.self_ty);
            quote! {
                #(#cfgs)* #(#docs)* #separator #[doc = #errors] #allow
                // Inlined into the awaiting code with the runtime's `call` under it, so
                // that the call's future is built in the caller's own frame.
                #[allow(clippy::inline_always)]
                #[inline(always)]
                #vis fn #ident(self, #(#params),*) -> #private::SyncCall<#lt, #self_ty, #output> {
                    #body
                }
            }
        }
        Proxy::Oneway => {
            let errors = format!(
                "Returns once the call to `{name}` is queued.\n\n# Errors\n\n\
                 A `CallError` when the call could not be queued: the owner is gone, or its \
                 bounded mailbox is full."
            );
            let send_fn = if cx.remote.is_some() {
                quote!(send_wire)
            } else {
                quote!(send)
            };
            let body = match cx.mode {
                Mode::Real => quote! {
                    self.0.#send_fn(#name, (#(#args,)*), #kind::#variant)
                },
                Mode::StandIn => stand_in,
            };
            quote! {
                #(#cfgs)* #(#docs)* #separator #[doc = #errors] #allow
                // Inlined with the runtime's `send` under it, so that the call is assembled
                // in the queue's push, not built here and handed down by pointer.
                #[allow(clippy::inline_always)]
                #[inline(always)]
                #vis fn #ident(self, #(#params),*)
                    -> ::core::result::Result<(), #private::CallError>
                {
                    #body
                }
            }
        }
    }
}
