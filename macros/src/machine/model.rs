//! The checked model of a `#[machine]` module or impl block: its states, their arguments
//! and the declared transitions, resolved to indices.
//!
//! `Machine::from_item` checks and reports every mistake; `Machine::stand_in` reads the
//! same model without judging, for the stand-ins emitted next to the errors.

use quote::ToTokens as _;
use syn::spanned::Spanned as _;
use syn::{
    Attribute, GenericParam, Generics, Ident, ImplItem, Item, ItemImpl, ItemMod, Path, ReturnType,
    Signature, Type, Visibility,
};

use super::attr::{is_state, StateArgs};
use crate::diag::sig::{self, Receiver, Receivers, Rules};
use crate::diag::Ctxt;
use crate::syntax::{
    borrowed_or_opaque, item_span, make_static, named_args, pretty, replace_self, type_ident,
    upper_camel,
};

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
    /// The state's own generic parameters: none in a checked model; a stand-in keeps
    /// them for its constructor, and gives its variant no fields.
    pub generics: Generics,
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

/// A state function as found in the module or impl block.
struct Found<'a> {
    attrs: &'a [Attribute],
    sig: &'a Signature,
    vis: &'a Visibility,
}

impl<'a> Machine<'a> {
    /// Checks the module or impl block, reporting every mistake to `cx`; `None` when it
    /// cannot be a machine at all.
    pub fn from_item(cx: &Ctxt, item: &'a Item) -> Option<Self> {
        let (form, name, self_ty, fns) = read(cx, item)?;
        let mut parsed = Vec::new();
        for found in fns {
            let mut markers = found.attrs.iter().filter(|a| is_state(a));
            let Some(marker) = markers.next() else {
                continue;
            };
            for extra in markers {
                cx.error_spanned_by(
                    extra,
                    "a function is one state: remove the second `#[state]`",
                );
            }
            let mark = cx.mark();
            let args = StateArgs::from_attr(cx, marker);
            // With arguments that failed, whether the state is terminal is unknown: its
            // return type is not judged.
            let args_ok = !cx.failed_since(mark);
            if let Some(state) = Parsed::check(cx, &found, args, args_ok, self_ty) {
                parsed.push(state);
            }
        }
        if parsed.is_empty() && !cx.has_errors() {
            cx.error(
                name.span(),
                "a machine needs at least one state: mark its functions with `#[state]`",
            );
        }
        let (states, output) = resolve(parsed, Some(cx));
        let vis = widest(states.iter().map(|s| &s.vis));
        Some(Self {
            form,
            name,
            states,
            output,
            vis,
        })
    }

    /// The model of the stand-ins: every state function, its arguments as far as they
    /// can be read (lifetimes made `'static`), whatever was wrong with them.
    pub fn stand_in(item: &'a Item) -> Option<Self> {
        let ignored = Ctxt::new();
        let read = read(&ignored, item);
        let _ = ignored.check();
        let (form, name, self_ty, fns) = read?;
        let mut parsed = Vec::new();
        for found in fns {
            let Some(marker) = found.attrs.iter().find(|a| is_state(a)) else {
                continue;
            };
            let ignored = Ctxt::new();
            let args = StateArgs::from_attr(&ignored, marker);
            let _ = ignored.check();
            parsed.push(Parsed::stand_in(&found, args, self_ty));
        }
        let (states, output) = resolve(parsed, None);
        // Two states of one name: the stand-ins could not tell them apart.
        for (i, state) in states.iter().enumerate() {
            if states[..i]
                .iter()
                .any(|s| s.ident == state.ident || s.variant == state.variant)
            {
                return None;
            }
        }
        let vis = widest(states.iter().map(|s| &s.vis));
        Some(Self {
            form,
            name,
            states,
            output,
            vis,
        })
    }
}

type Read<'a> = (Form<'a>, &'a Ident, Option<&'a Type>, Vec<Found<'a>>);

/// The form of the item and its functions.
fn read<'a>(cx: &Ctxt, item: &'a Item) -> Option<Read<'a>> {
    match item {
        Item::Mod(module) => {
            let Some((_, content)) = &module.content else {
                cx.error(
                    module.semi.span(),
                    "#[machine] needs the module's states inline: `mod name { … }`",
                );
                return None;
            };
            let fns = content
                .iter()
                .filter_map(|item| match item {
                    Item::Fn(f) => Some(Found {
                        attrs: &f.attrs,
                        sig: &f.sig,
                        vis: &f.vis,
                    }),
                    _ => None,
                })
                .collect();
            Some((Form::Module(module), &module.ident, None, fns))
        }
        Item::Impl(imp) => {
            check_impl(cx, imp);
            let Some(name) = type_ident(&imp.self_ty) else {
                cx.error(
                    imp.self_ty.span(),
                    "#[machine] needs a named type, like `impl Flower { … }`",
                );
                return None;
            };
            let fns = imp
                .items
                .iter()
                .filter_map(|item| match item {
                    ImplItem::Fn(f) => Some(Found {
                        attrs: &f.attrs,
                        sig: &f.sig,
                        vis: &f.vis,
                    }),
                    _ => None,
                })
                .collect();
            Some((Form::Impl(imp), name, Some(&*imp.self_ty), fns))
        }
        other => {
            cx.error(
                item_span(other),
                "#[machine] goes on an inline module of state functions (`mod plant { … }`) \
                 or on an inherent impl block of state methods (`impl Flower { … }`)",
            );
            None
        }
    }
}

fn check_impl(cx: &Ctxt, imp: &ItemImpl) {
    if let Some((path, _)) = &imp.trait_ {
        cx.error(
            path.span(),
            "#[machine] goes on an inherent impl block, not a trait impl",
        );
    }
    if let Some(unsafety) = &imp.unsafety {
        cx.error(unsafety.span, "#[machine] does not support `unsafe impl`");
    }
    if let Some(param) = imp.generics.params.first() {
        let what = match param {
            GenericParam::Lifetime(_) => "lifetime",
            GenericParam::Type(_) => "type",
            GenericParam::Const(_) => "const",
        };
        cx.error_spanned_by(
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
        cx: &Ctxt,
        found: &Found<'_>,
        state_args: StateArgs,
        args_ok: bool,
        self_ty: Option<&Type>,
    ) -> Option<Self> {
        let sig = found.sig;
        let name = &sig.ident;
        let mark = cx.mark();
        let subject = format!("state `{name}`");
        let receiver = match self_ty {
            None => Receivers::Forbidden(
                "is a free function: `self` belongs to states written as methods, in \
                 `#[machine] impl Type { … }`",
            ),
            Some(_) => Receivers::Borrowed {
                missing: None,
                by_value: "takes `self` by value: the machine owns the object and lends it to \
                           each state, so states take `&self` or `&mut self`",
            },
        };
        let checked = sig::check(
            cx,
            sig,
            &Rules {
                subject: &subject,
                const_ok: false,
                unsafe_reason: "",
                receiver,
                generics: sig::Generics::None(
                    "its arguments are stored in the machine's state enum, so their types must \
                     be concrete",
                ),
                plain_args: Some("the state"),
                owned_args: Some(
                    "a state's arguments are stored in the machine's state enum, so they must \
                     be owned types",
                ),
            },
        );
        let args = checked
            .args
            .iter()
            .map(|arg| Arg {
                ident: arg.ident.clone(),
                ty: self_ty.map_or_else(|| arg.ty.clone(), |s| replace_self(arg.ty, s)),
            })
            .collect();
        let output = if args_ok {
            check_output(cx, sig, &state_args, self_ty)
        } else {
            None
        };
        if cx.failed_since(mark) {
            return None;
        }
        Some(Self::new(
            found,
            checked.receiver,
            args,
            state_args,
            output,
            Generics::default(),
        ))
    }

    fn stand_in(found: &Found<'_>, state_args: StateArgs, self_ty: Option<&Type>) -> Self {
        let sig = found.sig;
        let receiver = match sig.receiver().map(|r| &r.kind) {
            Some(syn::ReceiverKind::Reference(_, _, Some(_))) if self_ty.is_some() => Receiver::Mut,
            Some(_) if self_ty.is_some() => Receiver::Ref,
            _ => Receiver::None,
        };
        let generic = !sig.generics.params.is_empty();
        let args = named_args(&sig.inputs)
            .map(|(ident, typed)| {
                let ty =
                    self_ty.map_or_else(|| (*typed.ty).clone(), |s| replace_self(&typed.ty, s));
                Arg {
                    ident,
                    ty: make_static(ty),
                }
            })
            .collect::<Vec<_>>();
        let output = match (&state_args.transitions_to.is_given(), &sig.output) {
            (false, ReturnType::Type(_, ty)) if !matches!(**ty, Type::Infer(_)) => {
                let ty = self_ty.map_or_else(|| (**ty).clone(), |s| replace_self(ty, s));
                Some(make_static(ty))
            }
            (false, _) => Some(syn::parse_quote!(())),
            (true, _) => None,
        };
        let mut state = Self::new(
            found,
            receiver,
            args,
            state_args,
            output,
            sig.generics.clone(),
        );
        if generic {
            // Its fields' types may name its own parameters, unknown to the enum.
            state.state.args.clear();
        }
        state
    }

    fn new(
        found: &Found<'_>,
        receiver: Receiver,
        args: Vec<Arg>,
        state_args: StateArgs,
        output: Option<Type>,
        generics: Generics,
    ) -> Self {
        let name = &found.sig.ident;
        Self {
            state: State {
                ident: name.clone(),
                variant: upper_camel(name),
                receiver,
                is_async: found.sig.asyncness.is_some(),
                args,
                targets: None,
                on_start: state_args.on_start.into_inner(),
                vis: found.vis.clone(),
                docs: found
                    .attrs
                    .iter()
                    .filter(|a| a.path().is_ident("doc"))
                    .cloned()
                    .collect(),
                generics,
            },
            targets: state_args.transitions_to.into_inner(),
            output,
        }
    }
}

/// The machine's result type if the state is terminal, checking its return type either way.
fn check_output(
    cx: &Ctxt,
    sig: &Signature,
    state_args: &StateArgs,
    self_ty: Option<&Type>,
) -> Option<Type> {
    let name = &sig.ident;
    match (state_args.transitions_to.is_given(), &sig.output) {
        (true, ReturnType::Default) => None,
        (true, ReturnType::Type(_, ty)) if matches!(**ty, Type::Infer(_)) => None,
        (true, ReturnType::Type(_, ty)) => {
            cx.error_spanned_by(
                ty,
                format!(
                    "state `{name}` declares `transitions_to`, so it returns the state it \
                     enters: remove the return type (or write `-> _`)"
                ),
            );
            None
        }
        (false, ReturnType::Default) => Some(syn::parse_quote!(())),
        (false, ReturnType::Type(_, ty)) if matches!(**ty, Type::Infer(_)) => {
            cx.error_spanned_by(
                ty,
                format!(
                    "state `{name}` is terminal: it returns the machine's result, so write \
                     its type (or nothing, for `()`)"
                ),
            );
            None
        }
        (false, ReturnType::Type(_, ty)) => {
            if let Some((node, what)) = borrowed_or_opaque(ty) {
                cx.error_spanned_by(
                    node,
                    format!(
                        "terminal state `{name}`: the result type {what}: the machine's \
                         result must be an owned type"
                    ),
                );
            }
            Some(self_ty.map_or_else(|| (**ty).clone(), |s| replace_self(ty, s)))
        }
    }
}

/// Resolves target names to indices and settles the machine's result type, reporting
/// unknown targets, clashing variants and differing result types to `cx` (a stand-in
/// passes none: it drops unknown targets and keeps the first result type).
fn resolve(parsed: Vec<Parsed>, cx: Option<&Ctxt>) -> (Vec<State>, Option<Type>) {
    let names: Vec<Ident> = parsed.iter().map(|p| p.state.ident.clone()).collect();
    let listing = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut output: Option<(Type, Ident)> = None;
    let mut states: Vec<State> = Vec::with_capacity(parsed.len());
    for p in parsed {
        let mut state = p.state;
        if let (Some(cx), Some(earlier)) = (cx, states.iter().find(|s| s.variant == state.variant))
        {
            cx.error(
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
                    None => {
                        if let Some(cx) = cx {
                            cx.error(
                                target.span(),
                                format!(
                                    "`{target}` is not a state of this machine: its states are \
                                     {listing}"
                                ),
                            );
                        }
                    }
                }
            }
            state.targets = Some(resolved);
        }
        if let Some(ty) = p.output {
            match &output {
                None => output = Some((ty, state.ident.clone())),
                Some((first, first_state)) => {
                    if let Some(cx) = cx {
                        if first.to_token_stream().to_string() != ty.to_token_stream().to_string() {
                            cx.error_spanned_by(
                                &ty,
                                format!(
                                    "terminal states return the machine's result, so they share \
                                     one type: `{first_state}` returns `{}`",
                                    pretty(first)
                                ),
                            );
                        }
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
    let rank = |v: &Visibility| match v {
        Visibility::Public(_) => 3,
        Visibility::Restricted(r) if r.path.is_ident("crate") => 2,
        Visibility::Restricted(_) => 1,
        Visibility::Inherited => 0,
    };
    let mut best = Visibility::Inherited;
    for v in vis {
        if rank(v) > rank(&best) {
            best = v.clone();
        }
    }
    best
}
