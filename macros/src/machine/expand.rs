//! Code generation for `#[machine]`.
//!
//! For `mod plant { … }` (enum `PlantState`) each state `growing(args)` becomes two items:
//! the constructor `growing::<N>(args) -> N`, which builds the transition and is what the
//! name `growing` means from then on, and the body `__coact_state_growing(args)`, the
//! user's function renamed, returning `Next<PlantState, growing>` instead of `_`. Beside
//! them: the enum, its `Machine` impl (the loop's one step: run the state a value names),
//! and a hidden module of type-level markers.
//!
//! The compile-time check: a constructor requires its return type `N` to implement
//! `Accepts<target>`. The enum accepts every state (to start a machine anywhere), and the
//! `Next` type of a state accepts a target `T` only if `T: from_<state>`, a trait
//! implemented for the declared targets alone and worded by `#[diagnostic::on_unimplemented]`.
//!
//! For `impl Flower { … }` the bodies stay methods, the constructors are free functions
//! beside the impl block, and each body starts with `use` items that bring the
//! constructors in under the states' names.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{Ident, ImplItem, Item, Path, ReturnType, Type, Visibility};

use super::attr::is_state;
use super::model::{Form, Machine, Receiver, State};
use crate::args::Args;
use crate::common::upper_camel;

struct Names {
    krate: Path,
    enum_ident: Ident,
    hidden: Ident,
    /// The visibility of items in the hidden module: `pub` when the enum is, so that they
    /// are reachable exactly when it is.
    hidden_vis: TokenStream,
}

pub fn expand(args: &Args, model: &Machine<'_>) -> TokenStream {
    let krate: Path = args
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::coact));
    let enum_ident = args
        .name
        .clone()
        .unwrap_or_else(|| format_ident!("{}State", upper_camel(model.name)));
    let names = Names {
        hidden: format_ident!("__coact_{}", snake(&enum_ident)),
        hidden_vis: match model.vis {
            Visibility::Public(_) => quote!(pub),
            _ => quote!(pub(crate)),
        },
        krate,
        enum_ident,
    };
    let generated = generated(model, &names);
    match &model.form {
        Form::Module(module) => {
            let mut module = (*module).clone();
            if let Some((_, content)) = &mut module.content {
                let mut items = Vec::with_capacity(content.len() + model.states.len());
                for item in content.drain(..) {
                    match item {
                        Item::Fn(mut f) if f.attrs.iter().any(is_state) => {
                            let Some(state) = model.states.iter().find(|s| s.ident == f.sig.ident)
                            else {
                                continue;
                            };
                            items.push(Item::Verbatim(constructor(state, &state.ident, &names)));
                            f.attrs.retain(|a| !is_state(a));
                            f.vis = Visibility::Inherited;
                            body_signature(&mut f.sig, state, &names);
                            items.push(Item::Fn(f));
                        }
                        other => items.push(other),
                    }
                }
                items.push(Item::Verbatim(generated));
                *content = items;
            }
            quote!(#module)
        }
        Form::Impl(imp) => {
            let mut imp = (*imp).clone();
            let mut constructors = TokenStream::new();
            for item in &mut imp.items {
                let ImplItem::Fn(f) = item else { continue };
                if !f.attrs.iter().any(is_state) {
                    continue;
                }
                let Some(state) = model.states.iter().find(|s| s.ident == f.sig.ident) else {
                    continue;
                };
                constructors.extend(constructor(state, &free_constructor(state, &names), &names));
                f.attrs.retain(|a| !is_state(a));
                f.attrs.push(syn::parse_quote!(#[doc(hidden)]));
                body_signature(&mut f.sig, state, &names);
                // Inside a method, a state is entered by its bare name, as in a module.
                for other in &model.states {
                    let alias = &other.ident;
                    let free = free_constructor(other, &names);
                    f.block.stmts.insert(
                        0,
                        syn::parse_quote!(#[allow(unused_imports)] use #free as #alias;),
                    );
                }
            }
            quote!(#imp #constructors #generated)
        }
    }
}

/// The renamed body: `fn __coact_state_x(..) -> Next<Enum, marker>` (terminal states
/// keep their result type).
fn body_signature(sig: &mut syn::Signature, state: &State, names: &Names) {
    let Names {
        krate,
        enum_ident,
        hidden,
        ..
    } = names;
    sig.ident = body_ident(&state.ident);
    if state.targets.is_some() {
        let marker = &state.ident;
        let span = match &sig.output {
            ReturnType::Type(arrow, _) => arrow.spans[0],
            ReturnType::Default => state.ident.span(),
        };
        let ty: Type = syn::parse_quote_spanned!(span=>
            #krate::__private::Next<#enum_ident, #hidden::#marker>
        );
        sig.output = ReturnType::Type(syn::Token![->](span), Box::new(ty));
    }
}

fn body_ident(state: &Ident) -> Ident {
    format_ident!("__coact_state_{}", state)
}

fn free_constructor(state: &State, names: &Names) -> Ident {
    format_ident!("{}_{}", names.hidden, state.ident)
}

/// `fn growing<N: Accepts<growing, Enum>>(args) -> N`, named `ident`.
fn constructor(state: &State, ident: &Ident, names: &Names) -> TokenStream {
    let Names {
        enum_ident, hidden, ..
    } = names;
    let span = state.ident.span();
    let marker = &state.ident;
    let docs = &state.docs;
    let vis = &state.vis;
    let idents: Vec<_> = state.args.iter().map(|a| &a.ident).collect();
    let tys = state.args.iter().map(|a| &a.ty);
    let value = variant_value(state, enum_ident);
    let n = Ident::new("__N", Span::mixed_site());
    let bound = quote_spanned!(span=> #hidden::Accepts<#hidden::#marker, #enum_ident>);
    let summary = format!(
        "Enters the state [`{marker}`]({enum_ident}::{}): return this from a state that \
         declares it in `transitions_to`.",
        state.variant
    );
    quote! {
        #[doc = #summary]
        #[doc = ""]
        #(#docs)*
        #[must_use = "a transition takes effect when the state returns it"]
        #[allow(dead_code)]
        #vis fn #ident<#n: #bound>(#(#idents: #tys),*) -> #n {
            <#n as #bound>::accept(#value)
        }
    }
}

/// `Enum::Variant` or `Enum::Variant { a, b }`.
fn variant_value(state: &State, enum_ident: &Ident) -> TokenStream {
    let variant = &state.variant;
    let idents = state.args.iter().map(|a| &a.ident);
    if state.args.is_empty() {
        quote!(#enum_ident::#variant)
    } else {
        quote!(#enum_ident::#variant { #(#idents),* })
    }
}

/// The enum, its impls, and the hidden module of markers.
fn generated(model: &Machine<'_>, names: &Names) -> TokenStream {
    let Names {
        krate,
        enum_ident,
        hidden,
        hidden_vis,
    } = names;
    let private = quote!(#krate::__private);
    let vis = &model.vis;
    let machine_name = model.name.to_string();
    let states = &model.states;
    let markers: Vec<_> = states.iter().map(|s| &s.ident).collect();
    let object = match &model.form {
        Form::Module(_) => quote!(()),
        Form::Impl(imp) => {
            let ty = &imp.self_ty;
            quote!(#ty)
        }
    };
    let output = match &model.output {
        Some(ty) => quote!(#ty),
        None => quote!(::core::convert::Infallible),
    };
    let object_ident = Ident::new("__coact_object", Span::mixed_site());

    let enum_doc = format!(
        "The states of machine `{machine_name}`: one variant per `#[state]`, holding its \
         arguments. A value names the state a machine starts in (see `coact::state::run` \
         and `coact::state::spawn`)."
    );
    let variants = states.iter().map(|s| {
        let variant = &s.variant;
        let docs = &s.docs;
        let head = format!("The state `{}`.", s.ident);
        let fields = s.args.iter().map(|a| {
            let ident = &a.ident;
            let ty = &a.ty;
            let doc = format!("Argument `{ident}` of `{}`.", s.ident);
            quote!(#[doc = #doc] #ident: #ty)
        });
        let body = (!s.args.is_empty()).then(|| quote!({ #(#fields),* }));
        quote!(#[doc = #head] #[doc = ""] #(#docs)* #variant #body)
    });

    let infos = states.iter().map(|s| {
        let name = s.ident.to_string();
        let targets = s
            .targets
            .iter()
            .flatten()
            .map(|&t| states[t].ident.to_string());
        let takes_arguments = !s.args.is_empty();
        quote!(#private::StateInfo::__new(#name, &[#(#targets),*], #takes_arguments))
    });
    let index_arms = states.iter().enumerate().map(|(i, s)| {
        let variant = &s.variant;
        let rest = (!s.args.is_empty()).then(|| quote!({ .. }));
        quote!(Self::#variant #rest => #i)
    });
    let without_arguments_arms = states
        .iter()
        .enumerate()
        .filter(|(_, s)| s.args.is_empty())
        .map(|(i, s)| {
            let variant = &s.variant;
            quote!(#i => ::core::option::Option::Some(Self::#variant))
        });

    let on_starts = states.iter().filter_map(|s| {
        let path = s.on_start.as_ref()?;
        let span = callback_span(path);
        let callback = callback_path(path, &model.form);
        let variant = &s.variant;
        let rest = (!s.args.is_empty()).then(|| quote!({ .. }));
        let call = match &model.form {
            Form::Module(_) => quote_spanned!(span=> #callback(&self)),
            Form::Impl(_) => quote_spanned!(span=> #callback(#object_ident, &self)),
        };
        Some(quote!(if let Self::#variant #rest = &self { #call; }))
    });
    let on_starts = quote!(#(#on_starts)*);

    let is_async = states.iter().any(|s| s.is_async);
    let arms: Vec<_> = states
        .iter()
        .map(|s| step_arm(s, model, names, &object_ident, is_async))
        .collect();
    let uses_object = matches!(model.form, Form::Impl(_))
        && states
            .iter()
            .any(|s| s.on_start.is_some() || s.receiver != Receiver::None);
    let object_param = if uses_object {
        quote!(#object_ident: &mut #object)
    } else {
        quote!(_: &mut #object)
    };
    let step = if is_async {
        quote! {
            #[inline]
            fn __step(self, #object_param)
                -> impl #private::Future<Output = #private::Step<Self>> + ::core::marker::Send + '_
            {
                async move {
                    #on_starts
                    match self { #(#arms)* }
                }
            }
        }
    } else {
        quote! {
            fn __step(self, #object_ident: &mut #object)
                -> impl #private::Future<Output = #private::Step<Self>> + ::core::marker::Send + '_
            {
                ::core::future::ready(#private::SyncMachine::__step_sync(self, #object_ident))
            }
        }
    };
    let sync_impl = (!is_async).then(|| {
        quote! {
            impl #private::SyncMachine for #enum_ident {
                fn __step_sync(self, #object_param) -> #private::Step<Self> {
                    #on_starts
                    match self { #(#arms)* }
                }
            }
        }
    });

    let accepts_message =
        format!("`{{Self}}` cannot hold a transition of machine `{machine_name}` to `{{T}}`");
    let accepts_note = "a state enters another by returning its constructor's value \
                        (`next(…)`) as its result; a terminal state cannot enter any";
    let from_traits = states.iter().filter_map(|s| {
        let targets = s.targets.as_ref()?;
        let from = from_trait(&s.ident);
        let message = format!("state `{}` cannot transition to `{{Self}}`", s.ident);
        let label = format!("`{}` does not declare this transition", s.ident);
        let allowed: Vec<_> = targets
            .iter()
            .map(|&t| format!("`{}`", states[t].ident))
            .collect();
        let note = format!("`{}` may transition to {}", s.ident, allowed.join(", "));
        let fix = format!(
            "to allow it, add the target to `transitions_to` in the `#[state(…)]` of `{}`",
            s.ident
        );
        Some(quote! {
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note, note = #fix)]
            #hidden_vis trait #from {}
        })
    });
    let from_impls = states.iter().flat_map(|s| {
        let from = from_trait(&s.ident);
        s.targets.iter().flatten().map(move |&t| {
            let target = &states[t].ident;
            quote!(impl #hidden::#from for #hidden::#target {})
        })
    });
    let next_impls = states.iter().filter(|s| s.targets.is_some()).map(|s| {
        let from = from_trait(&s.ident);
        let marker = &s.ident;
        quote! {
            impl<__T: #hidden::#from> #hidden::Accepts<__T, #enum_ident>
                for #private::Next<#enum_ident, #hidden::#marker>
            {
                fn accept(state: #enum_ident) -> Self {
                    #private::Next::__new(state)
                }
            }
        }
    });
    let marker_indices = (0..states.len()).map(|i| {
        let marker = &states[i].ident;
        quote! {
            impl #private::StateMarker for #hidden::#marker {
                const INDEX: usize = #i;
            }
        }
    });

    quote! {
        #[doc = #enum_doc]
        #vis enum #enum_ident { #(#variants),* }

        impl ::core::fmt::Debug for #enum_ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(#private::Machine::name(self))
            }
        }

        impl #private::Machine for #enum_ident {
            type Object = #object;
            type Output = #output;
            const GRAPH: &'static #private::Graph =
                &#private::Graph::__new(#machine_name, &[#(#infos),*]);

            #[inline]
            fn __index(&self) -> usize {
                match self { #(#index_arms,)* }
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

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis mod #hidden {
            #[diagnostic::on_unimplemented(message = #accepts_message, note = #accepts_note)]
            #hidden_vis trait Accepts<T, M> {
                fn accept(state: M) -> Self;
            }
            #(#hidden_vis struct #markers;)*
            #(#from_traits)*
        }

        impl<__T> #hidden::Accepts<__T, #enum_ident> for #enum_ident {
            fn accept(state: #enum_ident) -> Self {
                state
            }
        }
        #(#from_impls)*
        #(#next_impls)*
        #(#marker_indices)*
    }
}

/// One arm of the step's `match`: run the state the value names.
fn step_arm(
    state: &State,
    model: &Machine<'_>,
    names: &Names,
    object: &Ident,
    machine_is_async: bool,
) -> TokenStream {
    let private = {
        let krate = &names.krate;
        quote!(#krate::__private)
    };
    let variant = &state.variant;
    let idents: Vec<_> = state.args.iter().map(|a| &a.ident).collect();
    let pattern = if state.args.is_empty() {
        quote!(Self::#variant)
    } else {
        quote!(Self::#variant { #(#idents),* })
    };
    let body = body_ident(&state.ident);
    let call = match (&model.form, state.receiver) {
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
        quote!(#pattern => #private::Step::Next(#private::Next::__into_state(#call)),)
    } else {
        quote!(#pattern => #private::Step::Done(#call),)
    }
}

fn from_trait(state: &Ident) -> Ident {
    let name = state.to_string();
    format_ident!("from_{}", name.strip_prefix("r#").unwrap_or(&name))
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

/// `PlantState` -> `plant_state`.
fn snake(ident: &Ident) -> String {
    let mut out = String::new();
    for (i, c) in ident.to_string().chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let state: Ident = syn::parse_str("PlantState").unwrap();
        assert_eq!(snake(&state), "plant_state");
    }
}
