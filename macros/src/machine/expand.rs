//! Code generation for `#[machine]`.
//!
//! For `mod plant { … }` (enum `PlantState`) each state `growing(args)` becomes three items:
//! the checked constructor `growing::<N>(args) -> N` in the hidden module, which builds the
//! transition and is what the name `growing` means inside every state's body (each body
//! starts with `use` items that import the constructors under the states' names); the
//! plain constructor `growing(args) -> PlantState` that the name means everywhere else, so
//! `run_sync(&mut (), growing(1))` infers; and the body, the user's function renamed and
//! made private, returning `Next<PlantState, growing>` instead of `_`. Beside them: the
//! enum, its `Machine` impl (the loop's one step: run the state a value names), and the
//! hidden module of type-level markers.
//!
//! The compile-time check: a constructor requires its return type `N` to be a
//! `<Enum>Transition` whose source state `S` declares the target: `S: transitions_to<target>`,
//! implemented for the declared edges alone and worded by `#[diagnostic::on_unimplemented]`,
//! so that an error reads in the terms of the user's `#[state(transitions_to = …)]`. The
//! enum's source is any state (a machine may start anywhere); a state's `Next` has that
//! state as its source.
//!
//! For `impl Flower { … }` the bodies stay methods (private, hidden), and there is no
//! plain constructor: the enum's variants name the states outside.
//!
//! The fallback (`Mode::StandIn`) emits the same names with no checks and no behaviour:
//! constructors generic over any return type, the enum, a `Machine` impl whose step
//! panics. The user's bodies still type-check against them, so the macro's own errors are
//! the only ones.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens as _};
use syn::{FnArg, Ident, ImplItem, Item, ItemImpl, ItemMod, Path, ReturnType, Type, Visibility};

use super::attr::is_state;
use super::attr::MachineArgs;
use super::model::{Arg, Form, Machine, State};
use crate::syntax::{in_child_module, krate, snake, upper_camel};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The real expansion of a checked model.
    Real,
    /// Stand-ins next to the errors: same names, no checks, no behaviour.
    StandIn,
}

pub(super) struct Cx<'m, 'a> {
    pub(super) model: &'m Machine<'a>,
    pub(super) mode: Mode,
    pub(super) private: TokenStream,
    pub(super) enum_ident: Ident,
    /// The hidden module of markers and traits.
    pub(super) hidden: Ident,
    /// The visibility of items in the hidden module: `pub` when the enum is, so that they
    /// are reachable exactly when it is.
    pub(super) hidden_vis: TokenStream,
    /// The `&mut Object` argument of the step, when a state or callback uses it.
    pub(super) object: Ident,
    /// The trait of the values a constructor may return, named after the enum so that
    /// an error shows a name of the user's.
    pub(super) transition: Ident,
}

pub fn expand(args: &MachineArgs, model: &Machine<'_>, mode: Mode) -> TokenStream {
    let krate: Path = krate(args.names.krate.as_ref());
    let enum_ident = args
        .names
        .name
        .clone()
        .unwrap_or_else(|| format_ident!("{}State", upper_camel(model.name)));
    let cx = Cx {
        model,
        mode,
        private: quote!(#krate::__private),
        hidden: format_ident!("__coact_{}", snake(&enum_ident)),
        hidden_vis: if matches!(model.vis, Visibility::Public(_)) {
            quote!(pub)
        } else {
            quote!(pub(crate))
        },
        transition: format_ident!("{}Transition", enum_ident),
        enum_ident,
        object: Ident::new("__coact_object", Span::mixed_site()),
    };
    let mut generated = super::state_enum::state_enum(&cx, &args.derive);
    generated.extend(super::step::machine_impl(&cx));
    if mode == Mode::Real {
        // The checked constructors live in the hidden module, under the states' names
        // (which errors then show), private to the machine's module; each state's body
        // imports them. Outside the bodies, a module machine's state names are plain
        // constructors of the enum (`outside_constructor`).
        let within: Visibility = syn::parse_quote!(pub(super));
        let mut constructors: TokenStream = model
            .states
            .iter()
            .map(|s| constructor(&cx, s, &s.ident, &within))
            .collect();
        if let Form::Module(_) = model.form {
            constructors.extend(
                model
                    .states
                    .iter()
                    .map(|s| outside_constructor(&cx, s, true)),
            );
        }
        generated.extend(transition_checks(&cx, &constructors));
    }
    match &model.form {
        Form::Module(module) => rewrite_module(&cx, module, generated),
        Form::Impl(imp) => rewrite_impl(&cx, imp, &generated),
    }
}

impl State {
    /// The fields of the state's variant: its arguments, unless it is a generic stand-in.
    pub(super) fn fields(&self) -> &[Arg] {
        if self.generics.params.is_empty() {
            &self.args
        } else {
            &[]
        }
    }
}

/// The module with each state split into its constructor and its renamed body, and the
/// generated items at its end.
fn rewrite_module(cx: &Cx<'_, '_>, module: &ItemMod, generated: TokenStream) -> TokenStream {
    let mut module = module.clone();
    if let Some((_, content)) = &mut module.content {
        let mut items = Vec::with_capacity(content.len() + cx.model.states.len() + 1);
        for item in content.drain(..) {
            match item {
                Item::Fn(mut f) if f.attrs.iter().any(is_state) => {
                    let Some(state) = cx.model.states.iter().find(|s| s.ident == f.sig.ident)
                    else {
                        continue;
                    };
                    items.push(Item::Verbatim(match cx.mode {
                        Mode::Real => {
                            let (hidden, ident) = (&cx.hidden, &state.ident);
                            let vis = &state.vis;
                            let def = outside_ident(cx, state);
                            quote! {
                                #[allow(unused_imports)]
                                #vis use self::#hidden::#def as #ident;
                            }
                        }
                        // The same names, unchecked, with no hidden module: the constructor
                        // beside the body, the value under the state's name.
                        Mode::StandIn => {
                            let (ident, vis) = (&state.ident, &state.vis);
                            let free = free_constructor(cx, state);
                            let def = outside_ident(cx, state);
                            let mut out = constructor(cx, state, &free, &Visibility::Inherited);
                            out.extend(outside_constructor(cx, state, false));
                            out.extend(quote! {
                                #[allow(unused_imports)]
                                #vis use self::#def as #ident;
                            });
                            out
                        }
                    }));
                    f.attrs.retain(|a| !is_state(a));
                    f.vis = Visibility::Inherited;
                    body_signature(cx, &mut f.sig, state);
                    import_constructors(cx, &mut f.block, |other| match cx.mode {
                        Mode::Real => {
                            let (hidden, ident) = (&cx.hidden, &other.ident);
                            quote!(#hidden::#ident)
                        }
                        Mode::StandIn => free_constructor(cx, other).into_token_stream(),
                    });
                    // A free function cannot take `self`: that mistake is reported, and the
                    // stand-in body does without it.
                    if cx.mode == Mode::StandIn {
                        f.sig.inputs = std::mem::take(&mut f.sig.inputs)
                            .into_iter()
                            .filter(|input| matches!(input, FnArg::Typed(_)))
                            .collect();
                    }
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

/// The impl block with each state's body renamed, hidden and private, starting with `use`
/// items that name the constructors as the states; the constructors beside it.
fn rewrite_impl(cx: &Cx<'_, '_>, imp: &ItemImpl, generated: &TokenStream) -> TokenStream {
    let mut imp = imp.clone();
    let mut constructors = TokenStream::new();
    for item in &mut imp.items {
        let ImplItem::Fn(f) = item else { continue };
        if !f.attrs.iter().any(is_state) {
            continue;
        }
        let Some(state) = cx.model.states.iter().find(|s| s.ident == f.sig.ident) else {
            continue;
        };
        if cx.mode == Mode::StandIn {
            let free = free_constructor(cx, state);
            constructors.extend(constructor(cx, state, &free, &Visibility::Inherited));
        }
        f.attrs.retain(|a| !is_state(a));
        f.attrs.push(syn::parse_quote!(#[doc(hidden)]));
        f.vis = Visibility::Inherited;
        body_signature(cx, &mut f.sig, state);
        // Inside a method, a state is entered by its bare name, as in a module.
        import_constructors(cx, &mut f.block, |other| {
            let (hidden, ident) = (&cx.hidden, &other.ident);
            match cx.mode {
                Mode::Real => quote!(#hidden::#ident),
                Mode::StandIn => free_constructor(cx, other).into_token_stream(),
            }
        });
    }
    quote!(#imp #constructors #generated)
}

/// Starts a state's body with `use <path> as <state>;` for every state, so that inside
/// it a state's name is its checked constructor.
fn import_constructors(
    cx: &Cx<'_, '_>,
    block: &mut syn::Block,
    path: impl Fn(&State) -> TokenStream,
) {
    for other in &cx.model.states {
        let alias = &other.ident;
        let free = path(other);
        block.stmts.insert(
            0,
            syn::parse_quote!(#[allow(unused_imports)] use #free as #alias;),
        );
    }
}

/// The renamed body: `fn __coact_state_x(..) -> Next<Enum, marker>` (terminal states
/// keep their result type; a stand-in returns the enum).
fn body_signature(cx: &Cx<'_, '_>, sig: &mut syn::Signature, state: &State) {
    let Cx {
        private,
        enum_ident,
        hidden,
        ..
    } = cx;
    sig.ident = body_ident(&state.ident);
    let is_infer = matches!(&sig.output, ReturnType::Type(_, ty) if matches!(**ty, Type::Infer(_)));
    if state.targets.is_some() {
        let marker = &state.ident;
        let span = match &sig.output {
            ReturnType::Type(arrow, _) => arrow.spans[0],
            ReturnType::Default => state.ident.span(),
        };
        let ty: Type = match cx.mode {
            Mode::Real => {
                syn::parse_quote_spanned!(span=> #private::Next<#enum_ident, #hidden::#marker>)
            }
            Mode::StandIn => syn::parse_quote_spanned!(span=> #enum_ident),
        };
        sig.output = ReturnType::Type(syn::Token![->](span), Box::new(ty));
    } else if is_infer {
        // Only in a stand-in: a checked terminal state has its type written out.
        sig.output = ReturnType::Default;
    }
}

pub(super) fn body_ident(state: &Ident) -> Ident {
    // Without the state's own leading underscores, so that `_1` gives a snake-case name
    // (two states that differ only there already clash on their enum variant).
    let name = syn::ext::IdentExt::unraw(state).to_string();
    format_ident!(
        "__coact_state_{}",
        name.trim_start_matches('_'),
        span = state.span()
    )
}

fn free_constructor(cx: &Cx<'_, '_>, state: &State) -> Ident {
    format_ident!("{}_{}", cx.hidden, state.ident)
}

/// `fn growing<N: PlantStateTransition>(args) -> N where N::Source: transitions_to<growing>`,
/// named
/// `ident`; a stand-in takes any `N`.
fn constructor(cx: &Cx<'_, '_>, state: &State, ident: &Ident, vis: &Visibility) -> TokenStream {
    let Cx { enum_ident, .. } = cx;
    let span = state.ident.span();
    let marker = &state.ident;
    let docs = &state.docs;
    let idents: Vec<_> = state.args.iter().map(|a| &a.ident).collect();
    // A checked constructor lives in the hidden module, one module down.
    let tys: Vec<Type> = state
        .args
        .iter()
        .map(|a| match cx.mode {
            Mode::Real => in_child_module(&a.ty),
            Mode::StandIn => a.ty.clone(),
        })
        .collect();
    let n = Ident::new("__N", Span::mixed_site());
    // A free constructor of a method machine is only named through the `use` aliases.
    let hidden_doc = (ident != &state.ident).then(|| quote!(#[doc(hidden)]));
    let summary = format!(
        "Enters the state [`{marker}`]({enum_ident}::{}): return this from a state that \
         declares it in `transitions_to`.",
        state.variant
    );
    let head = quote! {
        #[doc = #summary]
        #[doc = ""]
        #(#docs)*
        #hidden_doc
        #[must_use = "a transition takes effect when the state returns it"]
        #[allow(dead_code)]
    };
    match cx.mode {
        Mode::Real => {
            let value = variant_value(state, enum_ident);
            // A checked constructor lives inside the hidden module: that is `self`.
            let hidden = quote!(self);
            let transition = &cx.transition;
            let transition = quote_spanned!(span=> #hidden::#transition);
            let declared = quote_spanned!(span=> #hidden::transitions_to<#hidden::#marker>);
            quote! {
                #head
                #vis fn #ident<#n: #transition>(#(#idents: #tys),*) -> #n
                where
                    <#n as #transition>::Source: #declared,
                {
                    <#n as #transition>::accept(#value)
                }
            }
        }
        Mode::StandIn => {
            let params = state.generics.params.iter();
            let where_clause = &state.generics.where_clause;
            quote! {
                #head
                #[allow(unused_variables)]
                #vis fn #ident<#(#params,)* #n>(#(#idents: #tys),*) -> #n #where_clause {
                    ::core::unimplemented!("the machine did not compile")
                }
            }
        }
    }
}

/// A module machine's state name outside its states' bodies: `fn growing(args) -> Enum`,
/// the value a machine starts from (`run_sync(&mut (), growing(1))`). Inside a body, the
/// same name is the checked constructor, imported by `import_constructors`.
///
/// It is defined in the hidden module under a name of its own (`outside_ident`) and
/// re-exported under the state's name: rustc names an item in a message by its own name
/// alone only while no other item of the crate has it, so the checked constructor must be
/// the only `fn growing` for an error to say "required by a bound in `growing`".
///
/// A stand-in's (`in_hidden` false) is defined beside the bodies and keeps the state's own
/// generic parameters, if any.
fn outside_constructor(cx: &Cx<'_, '_>, state: &State, in_hidden: bool) -> TokenStream {
    let enum_ident = &cx.enum_ident;
    let ident = &state.ident;
    let def = outside_ident(cx, state);
    let docs = &state.docs;
    let idents = state.args.iter().map(|a| &a.ident);
    let value = variant_value(state, enum_ident);
    if !in_hidden {
        let vis = &state.vis;
        let tys = state.args.iter().map(|a| &a.ty);
        let params = state.generics.params.iter();
        let where_clause = &state.generics.where_clause;
        return quote! {
            #[doc(hidden)]
            #[allow(dead_code, unused_variables)]
            #vis fn #def<#(#params),*>(#(#idents: #tys),*) -> #enum_ident #where_clause {
                #value
            }
        };
    }
    let vis = &cx.hidden_vis;
    let tys = state.args.iter().map(|a| in_child_module(&a.ty));
    let summary = format!(
        "The state [`{ident}`]({enum_ident}::{}) with these arguments, as a value of \
         [`{enum_ident}`]: where a machine can start.",
        state.variant
    );
    let inside = format!(
        "Inside a state of the machine, `{ident}(…)` enters this state instead, where that \
         state's `transitions_to` declares it."
    );
    quote! {
        #[doc = #summary]
        #[doc = ""]
        #[doc = #inside]
        #[doc = ""]
        #(#docs)*
        #[must_use]
        #[allow(dead_code)]
        #vis fn #def(#(#idents: #tys),*) -> #enum_ident {
            #value
        }
    }
}

/// The name `outside_constructor` defines a state's value under: unique in the crate.
fn outside_ident(cx: &Cx<'_, '_>, state: &State) -> Ident {
    // Without the state's leading underscores, as in `body_ident`.
    let name = syn::ext::IdentExt::unraw(&state.ident).to_string();
    let name = name.trim_start_matches('_');
    format_ident!("{}_value_{}", cx.hidden, name, span = state.ident.span())
}

/// `Enum::Variant` or `Enum::Variant { a, b }`.
fn variant_value(state: &State, enum_ident: &Ident) -> TokenStream {
    let variant = &state.variant;
    let idents = state.fields().iter().map(|a| &a.ident);
    if state.fields().is_empty() {
        quote!(#enum_ident::#variant)
    } else {
        quote!(#enum_ident::#variant { #(#idents),* })
    }
}

/// `Self::Variant` or `Self::Variant { .. }`, matching any value of the state.
pub(super) fn variant_pattern(state: &State) -> TokenStream {
    let variant = &state.variant;
    let rest = (!state.fields().is_empty()).then(|| quote!({ .. }));
    quote!(Self::#variant #rest)
}

/// The hidden module of markers and the two traits of the compile-time check, worded
/// in the user's terms: a constructor's return type must be an `<Enum>Transition` (the value a
/// non-terminal state returns, or the enum, which may start anywhere), and that
/// transition's source state must declare the target, `source: transitions_to<target>`,
/// implemented for the edges of the `#[state(transitions_to = …)]`s alone.
fn transition_checks(cx: &Cx<'_, '_>, constructors: &TokenStream) -> TokenStream {
    let Cx {
        private,
        enum_ident,
        hidden,
        hidden_vis,
        transition,
        ..
    } = cx;
    let vis = &cx.model.vis;
    let machine_name = cx.model.name.to_string();
    let states = &cx.model.states;
    let markers: Vec<_> = states.iter().map(|s| &s.ident).collect();
    let transition_message =
        format!("`{{Self}}` cannot hold a transition of machine `{machine_name}`");
    let transition_note = "a state enters another by returning its constructor's value \
                           (`next(…)`) as its result; a terminal state cannot enter any";
    let edges = states.iter().flat_map(|s| {
        let source = &s.ident;
        s.targets.iter().flatten().map(move |&t| {
            let target = &states[t].ident;
            quote!(impl transitions_to<#target> for #source {})
        })
    });
    let nexts = states.iter().filter(|s| s.targets.is_some()).map(|s| {
        let marker = &s.ident;
        quote! {
            #[diagnostic::do_not_recommend]
            impl #hidden::#transition for #private::Next<#enum_ident, #hidden::#marker> {
                type Source = #hidden::#marker;
                fn accept(state: #enum_ident) -> Self {
                    #private::next_state(state)
                }
            }
        }
    });
    let marker_indices = markers.iter().enumerate().map(|(i, marker)| {
        quote! {
            impl #private::StateMarker for #hidden::#marker {
                const INDEX: usize = #i;
            }
        }
    });
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis mod #hidden {
            #[allow(unused_imports)]
            use super::*;
            #constructors
            #[diagnostic::on_unimplemented(
                message = #transition_message,
                label = "a terminal state returns the machine's result, not a transition",
                note = #transition_note
            )]
            #hidden_vis trait #transition {
                type Source;
                fn accept(state: #enum_ident) -> Self;
            }
            #[diagnostic::on_unimplemented(
                message = "state `{Self}` cannot transition to `{T}`",
                label = "`{Self}` does not declare this transition",
                note = "to allow it, add `{T}` to `transitions_to` in the `#[state(…)]` of `{Self}`"
            )]
            #hidden_vis trait transitions_to<T> {}
            #(#hidden_vis struct #markers {})*
            /// The source of the enum's values, which may start in any state.
            #hidden_vis struct __AnyState {}
            impl<T> transitions_to<T> for __AnyState {}
            #(#edges)*
        }

        #[diagnostic::do_not_recommend]
        impl #hidden::#transition for #enum_ident {
            type Source = #hidden::__AnyState;
            fn accept(state: #enum_ident) -> Self {
                state
            }
        }
        #(#nexts)*
        #(#marker_indices)*
    }
}
