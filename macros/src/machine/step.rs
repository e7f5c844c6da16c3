//! The machine's run-time side of `#[machine]`'s output: `impl Machine for Enum`, whose
//! step runs the state a value names (after its `on_start` callback), and `SyncMachine`
//! when no state is `async`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens as _};
use syn::Path;

use super::expand::{body_ident, variant_pattern, Cx, Mode};
use super::model::{Form, State};
use crate::diag::sig::Receiver;

/// `impl Machine for Enum`: the graph, and the step that runs the state a value names
/// (and `SyncMachine` when no state is `async`).
pub(super) fn machine_impl(cx: &Cx<'_, '_>) -> TokenStream {
    let Cx {
        private,
        enum_ident,
        ..
    } = cx;
    let model = cx.model;
    let machine_name = model.name.to_string();
    let states = &model.states;
    let object_ty = match &model.form {
        Form::Module(_) => quote!(()),
        Form::Impl(imp) => {
            let ty = &imp.self_ty;
            quote!(#ty)
        }
    };
    let output = model
        .output
        .as_ref()
        .map_or_else(|| quote!(::core::convert::Infallible), |ty| quote!(#ty));
    let infos = states.iter().map(|s| {
        let name = s.ident.to_string();
        let targets = s
            .targets
            .iter()
            .flatten()
            .map(|&t| states[t].ident.to_string());
        let takes_arguments = !s.fields().is_empty();
        quote!(#private::state_info(#name, &[#(#targets),*], #takes_arguments))
    });
    let index_arms = states.iter().enumerate().map(|(i, s)| {
        let pattern = variant_pattern(s);
        quote!(#pattern => #i)
    });
    let without_arguments_arms = states
        .iter()
        .enumerate()
        .filter(|(_, s)| s.fields().is_empty())
        .map(|(i, s)| {
            let variant = &s.variant;
            quote!(#i => ::core::option::Option::Some(Self::#variant))
        });

    let (step, sync_impl) = step(cx, &object_ty);
    quote! {
        impl #private::Machine for #enum_ident {
            type Object = #object_ty;
            type Output = #output;
            const GRAPH: &'static #private::Graph =
                &#private::graph(#machine_name, &[#(#infos),*]);

            #[inline]
            fn __index(&self) -> usize {
                match *self { #(#index_arms,)* }
            }

            fn __without_arguments(index: usize) -> ::core::option::Option<Self> {
                match index {
                    #(#without_arguments_arms,)*
                    _ => ::core::option::Option::None,
                }
            }

            #step
        }

        #sync_impl
    }
}

/// `Machine::__run`, and the `SyncMachine` impl that does the work when no state is
/// `async`. One step runs the `on_start` callbacks, then the state the value names;
/// `__run` loops over the steps in one future, so that an `async` machine's states sit in
/// that future as they would in a hand-written loop (a future per step, polled from a
/// loop in the runtime, made each transition about three times as slow).
fn step(cx: &Cx<'_, '_>, object_ty: &TokenStream) -> (TokenStream, Option<TokenStream>) {
    let Cx {
        private,
        enum_ident,
        object,
        ..
    } = cx;
    let model = cx.model;
    let states = &model.states;
    let is_async = states.iter().any(|s| s.is_async);
    let uses_object = cx.mode == Mode::Real
        && matches!(model.form, Form::Impl(_))
        && states
            .iter()
            .any(|s| s.on_start.is_some() || s.receiver != Receiver::None);
    let object_param = if uses_object {
        quote!(#object: &mut #object_ty)
    } else {
        quote!(_: &mut #object_ty)
    };
    // One step of the state in `subject`: `self` in `__step_sync`, the loop's local in
    // `__run`.
    let run = |subject: &TokenStream| match cx.mode {
        Mode::Real => {
            let on_starts = on_starts(cx, subject);
            let arms = states.iter().map(|s| step_arm(cx, s, is_async));
            quote! {
                #on_starts
                match #subject { #(#arms)* }
            }
        }
        Mode::StandIn => quote! {
            let step: #private::Step<Self> = ::core::unimplemented!("the machine did not compile");
            step
        },
    };
    let allow = (cx.mode == Mode::StandIn).then(|| quote!(#[allow(unreachable_code)]));
    // The state the loop runs is a local of the future, not the captured `self`: a
    // captured value lives in the future's memory, and storing it there on each transition
    // cost the bench's machine a fifth of its time.
    let state = Ident::new("__coact_state", Span::mixed_site()).into_token_stream();
    let (object_param_run, one_step) = if is_async {
        (object_param.clone(), run(&state))
    } else {
        (
            quote!(#object: &mut #object_ty),
            quote!(#private::SyncMachine::__step_sync(#state, #object)),
        )
    };
    let track = Ident::new("__coact_track", Span::mixed_site());
    let next = Ident::new("__coact_next", Span::mixed_site());
    let output = Ident::new("__coact_output", Span::mixed_site());
    let step = quote! {
        #allow
        fn __run<__CoactTrack: #private::Track>(
            self,
            #object_param_run,
            mut #track: __CoactTrack,
        ) -> impl #private::Future<Output = ::core::option::Option<Self::Output>>
            + ::core::marker::Send
        {
            async move {
                let mut #state = self;
                loop {
                    let #next = match { #one_step } {
                        #private::Step::Next(#next) => #next,
                        #private::Step::Done(#output) => {
                            return ::core::option::Option::Some(#output);
                        }
                    };
                    if !#private::Track::enter(&mut #track, #private::Machine::__index(&#next)) {
                        return ::core::option::Option::None;
                    }
                    #state = #next;
                }
            }
        }
    };
    let sync_run = run(&quote!(self));
    let sync_impl = (!is_async).then(|| {
        quote! {
            impl #private::SyncMachine for #enum_ident {
                #allow
                fn __step_sync(self, #object_param) -> #private::Step<Self> {
                    #sync_run
                }
            }
        }
    });
    (step, sync_impl)
}

/// The `on_start` callbacks, each called as its state starts, through a runtime helper
/// whose bound words a wrong signature as the signature expected, at the callback.
///
/// In a module machine, the callback's path is resolved in the module, then in the
/// module's parent: a callback defined next to the module is found without `super::`.
/// Two nested blocks do it: the inner glob (the module's own names) shadows the outer one
/// (the parent's), and both only for the callback's path.
fn on_starts(cx: &Cx<'_, '_>, subject: &TokenStream) -> TokenStream {
    let Cx {
        private, object, ..
    } = cx;
    let object_ty = match &cx.model.form {
        Form::Module(_) => quote!(()),
        Form::Impl(imp) => imp.self_ty.to_token_stream(),
    };
    let calls = cx.model.states.iter().filter_map(|s| {
        let path = s.on_start.as_ref()?;
        let span = callback_span(path);
        let callback = callback_path(path, &cx.model.form);
        let pattern = variant_pattern(s);
        let call = match &cx.model.form {
            Form::Module(_) => {
                let callback = quote_spanned! {span=>
                    {
                        #[allow(unused_imports, clippy::wildcard_imports)]
                        use super::*;
                        {
                            #[allow(unused_imports, clippy::wildcard_imports)]
                            use self::*;
                            #callback
                        }
                    }
                };
                quote_spanned!(span=> #private::on_start::<Self, _, _>(#callback, &#subject))
            }
            Form::Impl(_) => {
                quote_spanned!(span=> #private::on_start_method::<#object_ty, Self, _, _>(#callback, #object, &#subject))
            }
        };
        Some(quote!(if let #pattern = &#subject { #call; }))
    });
    quote!(#(#calls)*)
}

/// One arm of the step's `match`: run the state the value names.
fn step_arm(cx: &Cx<'_, '_>, state: &State, machine_is_async: bool) -> TokenStream {
    let Cx {
        private, object, ..
    } = cx;
    let variant = &state.variant;
    let idents: Vec<_> = state.args.iter().map(|a| &a.ident).collect();
    let pattern = if state.args.is_empty() {
        quote!(Self::#variant)
    } else {
        quote!(Self::#variant { #(#idents),* })
    };
    let body = body_ident(&state.ident);
    let call = match (&cx.model.form, state.receiver) {
        (Form::Module(_), _) => quote!(#body(#(#idents),*)),
        (Form::Impl(imp), Receiver::None) => {
            let ty = &imp.self_ty;
            quote!(<#ty>::#body(#(#idents),*))
        }
        (Form::Impl(imp), Receiver::Ref | Receiver::Mut) => {
            let ty = &imp.self_ty;
            quote!(<#ty>::#body(#object, #(#idents),*))
        }
    };
    let call = if state.is_async && machine_is_async {
        quote!(#call.await)
    } else {
        call
    };
    if state.targets.is_some() {
        quote!(#pattern => #private::Step::Next(#private::state_of(#call)),)
    } else {
        quote!(#pattern => #private::Step::Done(#call),)
    }
}

/// The callback's path as seen from the enum's impl, where `Self` is the enum: a leading
/// `Self` of a method machine means the impl block's type.
fn callback_path(path: &Path, form: &Form<'_>) -> TokenStream {
    match form {
        Form::Impl(imp) if path.segments.len() > 1 && path.segments[0].ident == "Self" => {
            let ty = &imp.self_ty;
            let rest = path.segments.iter().skip(1);
            quote!(<#ty>::#(#rest)::*)
        }
        _ => quote!(#path),
    }
}

fn callback_span(path: &Path) -> Span {
    path.segments
        .last()
        .map_or_else(Span::call_site, |s| s.ident.span())
}
