//! The checked model of a `#[machine]` module or impl block: its states, their arguments
//! and the declared transitions, resolved to indices.

use quote::ToTokens as _;
use syn::spanned::Spanned as _;
use syn::{
    Attribute, FnArg, GenericParam, Ident, ImplItem, Item, ItemImpl, ItemMod, Pat, Path,
    ReturnType, Signature, Type, Visibility,
};

use super::attr::{is_state, StateArgs};
use crate::common::{borrowed_or_opaque, item_span, replace_self, upper_camel, Errors};

/// A whole machine.
pub struct Machine<'a> {
    pub form: Form<'a>,
    /// The module's or the type's name: the machine's name in messages and diagrams.
    pub name: &'a Ident,
    pub states: Vec<State>,
    /// The terminal states' return type; `None` when no state is terminal.
    pub output: Option<Type>,
    /// The widest visibility among the states: that of the generated enum.
    pub vis: Visibility,
}

pub enum Form<'a> {
    /// Free functions in an inline module.
    Module(&'a ItemMod),
    /// Methods of an inherent impl block.
    Impl(&'a ItemImpl),
}

/// How a method state reaches the object.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Receiver {
    None,
    Ref,
    Mut,
}

pub struct State {
    pub ident: Ident,
    pub variant: Ident,
    pub receiver: Receiver,
    pub is_async: bool,
    pub args: Vec<Arg>,
    /// Indices of the declared targets; `None` for a terminal state.
    pub targets: Option<Vec<usize>>,
    pub on_start: Option<Path>,
    pub vis: Visibility,
    pub docs: Vec<Attribute>,
}

pub struct Arg {
    pub ident: Ident,
    pub ty: Type,
}

/// A state before its targets are resolved.
struct Parsed {
    state: State,
    targets: Option<Vec<Ident>>,
    output: Option<Type>,
}

impl<'a> Machine<'a> {
    pub fn from_item(item: &'a Item) -> syn::Result<Self> {
        let mut errors = Errors::default();
        let (form, name, self_ty, fns) = match item {
            Item::Mod(module) => {
                let Some((_, content)) = &module.content else {
                    return Err(syn::Error::new(
                        module.semi.span(),
                        "#[machine] needs the module's states inline: `mod name { … }`",
                    ));
                };
                let fns: Vec<_> = content
                    .iter()
                    .filter_map(|item| match item {
                        Item::Fn(f) => Some((&f.attrs, &f.sig, &f.vis)),
                        _ => None,
                    })
                    .collect();
                (Form::Module(module), &module.ident, None, fns)
            }
            Item::Impl(imp) => {
                check_impl(imp, &mut errors);
                let name = match &*imp.self_ty {
                    Type::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| &s.ident),
                    _ => None,
                };
                let Some(name) = name else {
                    return Err(errors.fail(syn::Error::new(
                        imp.self_ty.span(),
                        "#[machine] needs a named type, like `impl Flower { … }`",
                    )));
                };
                let fns: Vec<_> = imp
                    .items
                    .iter()
                    .filter_map(|item| match item {
                        ImplItem::Fn(f) => Some((&f.attrs, &f.sig, &f.vis)),
                        _ => None,
                    })
                    .collect();
                (Form::Impl(imp), name, Some(&*imp.self_ty), fns)
            }
            other => {
                return Err(syn::Error::new(
                    item_span(other),
                    "#[machine] goes on an inline module of state functions (`mod plant { … }`) \
                     or on an inherent impl block of state methods (`impl Flower { … }`)",
                ))
            }
        };

        let mut parsed = Vec::new();
        for (attrs, sig, vis) in fns {
            let mut markers = attrs.iter().filter(|a| is_state(a));
            let Some(marker) = markers.next() else {
                continue;
            };
            for extra in markers {
                errors.push_spanned(
                    extra,
                    "a function is one state: remove the second `#[state]`",
                );
            }
            let args = StateArgs::from_attr(marker).map_err(|e| errors.add(e)).ok();
            if let Some(state) = Parsed::check(sig, vis, attrs, args, self_ty, &mut errors) {
                parsed.push(state);
            }
        }
        if parsed.is_empty() && !errors.has_errors() {
            errors.push(
                name.span(),
                "a machine needs at least one state: mark its functions with `#[state]`",
            );
        }
        let (states, output) = resolve(parsed, &mut errors);
        let vis = widest(states.iter().map(|s| &s.vis));
        errors.finish(Self {
            form,
            name,
            states,
            output,
            vis,
        })
    }
}

fn check_impl(imp: &ItemImpl, errors: &mut Errors) {
    if let Some((_, path, _)) = &imp.trait_ {
        errors.push(
            path.span(),
            "#[machine] goes on an inherent impl block, not a trait impl",
        );
    }
    if let Some(unsafety) = &imp.unsafety {
        errors.push(unsafety.span, "#[machine] does not support `unsafe impl`");
    }
    if let Some(param) = imp.generics.params.first() {
        let what = match param {
            GenericParam::Lifetime(_) => "lifetime",
            GenericParam::Type(_) => "type",
            GenericParam::Const(_) => "const",
        };
        errors.push_spanned(
            param,
            format!(
                "#[machine] does not support {what} parameters on the impl block: the machine's \
                 state enum is not generic"
            ),
        );
    }
}

impl Parsed {
    fn check(
        sig: &Signature,
        vis: &Visibility,
        attrs: &[Attribute],
        state_args: Option<StateArgs>,
        self_ty: Option<&Type>,
        errors: &mut Errors,
    ) -> Option<Self> {
        let name = &sig.ident;
        let before = errors.has_errors();
        if let Some(constness) = &sig.constness {
            errors.push(
                constness.span,
                format!("state `{name}` cannot be a `const fn`"),
            );
        }
        if let Some(unsafety) = &sig.unsafety {
            errors.push(unsafety.span, format!("state `{name}` cannot be `unsafe`"));
        }
        if let Some(abi) = &sig.abi {
            errors.push(abi.span(), format!("state `{name}` uses the Rust ABI"));
        }
        if let Some(variadic) = &sig.variadic {
            errors.push(
                variadic.span(),
                format!("state `{name}` cannot be variadic"),
            );
        }
        if let Some(param) = sig.generics.params.first() {
            errors.push_spanned(
                param,
                format!(
                    "state `{name}` is generic: its arguments are stored in the machine's state \
                     enum, so their types must be concrete"
                ),
            );
        } else if let Some(where_clause) = &sig.generics.where_clause {
            errors.push(
                where_clause.span(),
                format!("state `{name}`: a `where` clause on a state is not supported"),
            );
        }

        let mut receiver = Receiver::None;
        let mut arguments = Vec::new();
        for input in &sig.inputs {
            match input {
                FnArg::Receiver(r) if self_ty.is_none() => errors.push_spanned(
                    r,
                    format!(
                        "state `{name}` is a free function: `self` belongs to states written as \
                         methods, in `#[machine] impl Type {{ … }}`"
                    ),
                ),
                FnArg::Receiver(r) if r.reference.is_some() && r.colon_token.is_none() => {
                    receiver = if r.mutability.is_some() {
                        Receiver::Mut
                    } else {
                        Receiver::Ref
                    };
                    if let Some((_, Some(lt))) = &r.reference {
                        errors.push(
                            lt.span(),
                            format!("state `{name}`: write the receiver as `&self` or `&mut self`, without a lifetime"),
                        );
                    }
                }
                FnArg::Receiver(r) => errors.push_spanned(
                    r,
                    format!(
                        "state `{name}` takes `self` by value: the machine owns the object and \
                         lends it to each state, so states take `&self` or `&mut self`"
                    ),
                ),
                FnArg::Typed(typed) => {
                    let ident = match &*typed.pat {
                        Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                            Some(p.ident.clone())
                        }
                        _ => None,
                    };
                    let Some(ident) = ident else {
                        errors.push_spanned(
                            &typed.pat,
                            format!(
                                "state `{name}`: bind each argument to a plain name (`point: Point`, \
                                 not a pattern); destructure it inside the state"
                            ),
                        );
                        continue;
                    };
                    if let Some((node, what)) = borrowed_or_opaque(&typed.ty) {
                        errors.push_spanned(
                            &node,
                            format!(
                                "state `{name}`: argument `{ident}` {what}: a state's arguments are \
                                 stored in the machine's state enum, so they must be owned types"
                            ),
                        );
                        continue;
                    }
                    let ty = match self_ty {
                        Some(self_ty) => replace_self(&typed.ty, self_ty),
                        None => (*typed.ty).clone(),
                    };
                    arguments.push(Arg { ident, ty });
                }
            }
        }

        let state_args = state_args?;
        let output = match (&state_args.transitions_to, &sig.output) {
            (Some(_), ReturnType::Default) => None,
            (Some(_), ReturnType::Type(_, ty)) if matches!(**ty, Type::Infer(_)) => None,
            (Some(_), ReturnType::Type(_, ty)) => {
                errors.push_spanned(
                    ty,
                    format!(
                        "state `{name}` declares `transitions_to`, so it returns the state it \
                         enters: remove the return type (or write `-> _`)"
                    ),
                );
                None
            }
            (None, ReturnType::Default) => Some(syn::parse_quote!(())),
            (None, ReturnType::Type(_, ty)) if matches!(**ty, Type::Infer(_)) => {
                errors.push_spanned(
                    ty,
                    format!(
                        "state `{name}` is terminal: it returns the machine's result, so write \
                         its type (or nothing, for `()`)"
                    ),
                );
                None
            }
            (None, ReturnType::Type(_, ty)) => {
                if let Some((node, what)) = borrowed_or_opaque(ty) {
                    errors.push_spanned(
                        &node,
                        format!(
                            "terminal state `{name}`: the result type {what}: the machine's \
                             result must be an owned type"
                        ),
                    );
                }
                Some(match self_ty {
                    Some(self_ty) => replace_self(ty, self_ty),
                    None => (**ty).clone(),
                })
            }
        };
        if errors.has_errors() != before {
            return None;
        }
        Some(Self {
            state: State {
                ident: name.clone(),
                variant: upper_camel(name),
                receiver,
                is_async: sig.asyncness.is_some(),
                args: arguments,
                targets: None,
                on_start: state_args.on_start,
                vis: vis.clone(),
                docs: attrs
                    .iter()
                    .filter(|a| a.path().is_ident("doc"))
                    .cloned()
                    .collect(),
            },
            targets: state_args.transitions_to,
            output,
        })
    }
}

/// Resolves target names to indices and settles the machine's result type.
fn resolve(parsed: Vec<Parsed>, errors: &mut Errors) -> (Vec<State>, Option<Type>) {
    let names: Vec<Ident> = parsed.iter().map(|p| p.state.ident.clone()).collect();
    let listing = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut output: Option<(Type, Ident)> = None;
    let mut states = Vec::with_capacity(parsed.len());
    for (i, p) in parsed.into_iter().enumerate() {
        let mut state = p.state;
        if let Some(earlier) = states[..i]
            .iter()
            .find(|s: &&State| s.variant == state.variant)
        {
            errors.push(
                state.ident.span(),
                format!(
                    "states `{}` and `{}` would share the variant `{}` of the state enum: rename one",
                    earlier.ident, state.ident, state.variant
                ),
            );
        }
        if let Some(targets) = p.targets {
            let mut resolved = Vec::with_capacity(targets.len());
            for target in targets {
                match names.iter().position(|n| *n == target) {
                    Some(index) => resolved.push(index),
                    None => errors.push(
                        target.span(),
                        format!(
                            "`{target}` is not a state of this machine: its states are {listing}"
                        ),
                    ),
                }
            }
            state.targets = Some(resolved);
        }
        if let Some(ty) = p.output {
            match &output {
                None => output = Some((ty, state.ident.clone())),
                Some((first, first_state)) => {
                    if first.to_token_stream().to_string() != ty.to_token_stream().to_string() {
                        errors.push_spanned(
                            &ty,
                            format!(
                                "terminal states return the machine's result, so they share one \
                                 type: `{first_state}` returns `{}`",
                                crate::common::pretty(first)
                            ),
                        );
                    }
                }
            }
        }
        states.push(state);
    }
    (states, output.map(|(ty, _)| ty))
}

/// The widest of the states' visibilities, for the enum they all appear in.
fn widest<'v>(vis: impl Iterator<Item = &'v Visibility>) -> Visibility {
    let mut best = Visibility::Inherited;
    for v in vis {
        let rank = |v: &Visibility| match v {
            Visibility::Public(_) => 3,
            Visibility::Restricted(r) if r.path.is_ident("crate") => 2,
            Visibility::Restricted(_) => 1,
            Visibility::Inherited => 0,
        };
        if rank(v) > rank(&best) {
            best = v.clone();
        }
    }
    best
}
