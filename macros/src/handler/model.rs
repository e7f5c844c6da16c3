//! The checked model of a `#[deferred_handler]` impl block. Keeps the user's syntax nodes
//! so that generated code and errors point at the user's own tokens.
//!
//! `Handler::from_item` checks and reports every mistake; `Handler::stand_in` builds the
//! same model without judging, from whatever methods can be read, for the fallback.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::ToTokens as _;
use syn::spanned::Spanned as _;
use syn::{
    Attribute, GenericParam, Ident, ImplItem, ImplItemFn, Item, ItemImpl, ReturnType, Type,
    Visibility,
};

use crate::diag::sig::{self, Generics, Receivers, Rules};
use crate::diag::Ctxt;
use crate::syntax::{
    borrowed_or_opaque, cfgs, item_span, make_static, named_args, replace_self, type_ident,
    upper_camel,
};

/// The whole impl block, checked.
pub struct Handler<'a> {
    pub item: &'a ItemImpl,
    /// The last segment of the self type's path: the default prefix of generated items.
    pub type_ident: &'a Ident,
    pub methods: Vec<Method<'a>>,
    /// The owner's methods (`self: &mut Deferred<Self>`): they leave the impl block for
    /// the generated `<Type>Owner` trait.
    pub owners: Vec<Owner<'a>>,
    /// The handler methods whose bodies call an owner's method on `self`
    /// (`self.process()`) that this block does not define.
    pub misplaced: Vec<Ident>,
}

/// An owner method: its receiver is the `Deferred` around the handler.
pub struct Owner<'a> {
    pub f: &'a ImplItemFn,
    /// How it takes the owner: `self` (`Deferred<Self>`), `&self` or `&mut self`.
    pub receiver: OwnerReceiver,
}

/// The receiver of an owner method, as the generated trait writes it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum OwnerReceiver {
    Value,
    Ref,
    Mut,
}

/// The methods of `Deferred` a handler method may mistakenly call on `self`: the methods
/// of the runtime's `MisplacedOwnerCalls`, which must name the same three.
pub const OWNER_ONLY: [&str; 3] = ["process", "process_only", "process_forever"];

/// One handler method.
pub struct Method<'a> {
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    pub is_async: bool,
    pub args: Vec<Arg>,
    /// The output type with `Self` replaced by the impl's self type; `()` when none.
    pub output: Type,
    /// `#[doc]` attributes, carried onto the proxies.
    pub docs: Vec<&'a Attribute>,
    /// The `#[cfg]`s under which the method exists, carried onto everything generated
    /// for it.
    pub cfgs: Vec<Attribute>,
    /// The `UpperCamelCase` variant name of the method id.
    pub variant: Ident,
    pub span: Span,
}

/// One argument: a plain name and an owned type (`Self` replaced).
pub struct Arg {
    pub ident: Ident,
    pub ty: Type,
}

impl<'a> Handler<'a> {
    /// Checks the impl block, reporting every mistake to `cx`; `None` when it cannot be a
    /// handler at all.
    pub fn from_item(cx: &Ctxt, item: &'a Item) -> Option<Self> {
        let Item::Impl(item) = item else {
            cx.error(
                item_span(item),
                "#[deferred_handler] goes on an inherent impl block, like `impl Manager { … }`",
            );
            return None;
        };
        if let Some((path, _)) = &item.trait_ {
            cx.error(
                path.span(),
                "#[deferred_handler] goes on an inherent impl block, not a trait impl: \
                 write the handler methods in `impl Type { … }`",
            );
        }
        if let Some(unsafety) = &item.unsafety {
            cx.error(
                unsafety.span,
                "#[deferred_handler] does not support `unsafe impl`",
            );
        }
        for param in &item.generics.params {
            match param {
                GenericParam::Type(_) => {}
                GenericParam::Lifetime(lt) => cx.error(
                    lt.span(),
                    "a deferred handler must be 'static (its owner may run on another task): \
                     lifetime parameters are not supported",
                ),
                GenericParam::Const(c) => cx.error(
                    c.span(),
                    "const generic parameters are not supported on a deferred handler",
                ),
            }
        }
        let Some(type_ident) = type_ident(&item.self_ty) else {
            cx.error(
                item.self_ty.span(),
                "#[deferred_handler] needs a named type, like `impl Manager { … }`",
            );
            return None;
        };

        let mut methods: Vec<Method<'a>> = Vec::new();
        let mut owners = Vec::new();
        for impl_item in &item.items {
            match impl_item {
                ImplItem::Fn(f) => {
                    if let Some(receiver) = owner_receiver(cx, f) {
                        owners.push(Owner { f, receiver });
                        continue;
                    }
                    let Some(method) = Method::check(cx, f, &item.self_ty) else {
                        continue;
                    };
                    if let Some(earlier) = methods.iter().find(|m| m.variant == method.variant) {
                        cx.error(
                            method.ident.span(),
                            format!(
                                "methods `{}` and `{}` would share the method id `{}`: rename one",
                                earlier.ident, method.ident, method.variant
                            ),
                        );
                        continue;
                    }
                    methods.push(method);
                }
                ImplItem::Const(_) => {}
                other => cx.error(
                    other.span(),
                    "a deferred handler impl block holds only methods (and consts); \
                     move other items to a separate impl block",
                ),
            }
        }
        if methods.is_empty() && !cx.has_errors() {
            cx.error(
                item.self_ty.span(),
                "a deferred handler needs at least one method taking `&self` or `&mut self`",
            );
        }
        let misplaced = misplaced_calls(item, &methods, &owners);
        Some(Self {
            item,
            type_ident,
            methods,
            owners,
            misplaced,
        })
    }

    /// The model the fallback generates stand-ins from: every method with a `self`
    /// receiver, as far as it can be read, its lifetimes made `'static` so that the
    /// stand-in signatures compile whatever the mistake was.
    pub fn stand_in(item: &'a Item) -> Option<Self> {
        let Item::Impl(item) = item else { return None };
        // A handler is `'static` and its generics are types: stand-ins for others would
        // only repeat the error.
        if item.generics.lifetimes().next().is_some()
            || item.generics.const_params().next().is_some()
        {
            return None;
        }
        let type_ident = type_ident(&item.self_ty)?;
        let mut methods: Vec<Method<'a>> = Vec::new();
        let mut owners = Vec::new();
        for impl_item in &item.items {
            match impl_item {
                ImplItem::Fn(f) if owner_type(&f.sig).is_some() => {
                    let receiver = owner_type(&f.sig).map_or(OwnerReceiver::Mut, receiver_kind);
                    owners.push(Owner { f, receiver });
                }
                // A method whose id another already has is reported, and left out here.
                ImplItem::Fn(f) if f.sig.receiver().is_some() => {
                    let method = Method::stand_in(f, &item.self_ty);
                    if methods.iter().all(|m| m.variant != method.variant) {
                        methods.push(method);
                    }
                }
                _ => {}
            }
        }
        Some(Self {
            item,
            type_ident,
            methods,
            owners,
            misplaced: Vec::new(),
        })
    }
}

/// The type of a typed receiver naming `Deferred` (`self: &mut Deferred<Self>`).
fn owner_type(sig: &syn::Signature) -> Option<&Type> {
    let syn::ReceiverKind::Typed(_, typed) = &sig.receiver()?.kind else {
        return None;
    };
    let mut ty = &**typed;
    if let Type::Reference(r) = ty {
        ty = &r.elem;
    }
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    (last.ident == "Deferred").then_some(&**typed)
}

/// How a receiver of type `ty` (an [`owner_type`]) takes the owner.
fn receiver_kind(ty: &Type) -> OwnerReceiver {
    match ty {
        Type::Reference(r) if r.mutability.is_some() => OwnerReceiver::Mut,
        Type::Reference(_) => OwnerReceiver::Ref,
        _ => OwnerReceiver::Value,
    }
}

/// How an owner method takes the owner, or `None` for a method that is not one. A typed
/// receiver naming `Deferred` must be exactly `Deferred<Self>`, by value or by reference
/// without a lifetime; anything else is reported.
fn owner_receiver(cx: &Ctxt, f: &ImplItemFn) -> Option<OwnerReceiver> {
    let ty = owner_type(&f.sig)?;
    let inner = match ty {
        Type::Reference(r) => {
            if let Some(lifetime) = &r.lifetime {
                cx.error_spanned_by(
                    lifetime,
                    "an owner method takes `self: &mut Deferred<Self>`, without a lifetime",
                );
            }
            &*r.elem
        }
        other => other,
    };
    let of_self = match inner {
        Type::Path(path) => match &path.path.segments.last()?.arguments {
            syn::PathArguments::AngleBracketed(args) => {
                args.args.len() == 1
                    && matches!(
                        args.args.first(),
                        Some(syn::GenericArgument::Type(Type::Path(p)))
                            if p.qself.is_none() && p.path.is_ident("Self")
                    )
            }
            _ => false,
        },
        _ => false,
    };
    if !of_self {
        cx.error_spanned_by(
            inner,
            "an owner method takes the owner of this handler: write the receiver as \
             `self: &mut Deferred<Self>` (or `&Deferred<Self>`, or `Deferred<Self>` by value)",
        );
    }
    Some(receiver_kind(ty))
}

/// The handler methods that call an owner's method on `self` (`self.process()`, where
/// `self` is the handler) that this block does not define.
fn misplaced_calls(item: &ItemImpl, methods: &[Method<'_>], owners: &[Owner<'_>]) -> Vec<Ident> {
    let defined = |name: &Ident| {
        methods.iter().any(|m| m.ident == name) || owners.iter().any(|o| o.f.sig.ident == *name)
    };
    let mut found = Vec::new();
    for impl_item in &item.items {
        let ImplItem::Fn(f) = impl_item else { continue };
        if owner_type(&f.sig).is_some() || f.sig.receiver().is_none() {
            continue;
        }
        let mut calls = false;
        calls_on_self(f.block.to_token_stream(), &mut |name| {
            calls |= OWNER_ONLY.iter().any(|owner| name == owner) && !defined(&name);
        });
        if calls {
            found.push(f.sig.ident.clone());
        }
    }
    found
}

/// Calls `found` with the name of every method called on `self` (`self.name(…)`).
fn calls_on_self(tokens: TokenStream, found: &mut dyn FnMut(Ident)) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Group(group) => calls_on_self(group.stream(), found),
            TokenTree::Ident(this) if this == "self" => {
                if let [TokenTree::Punct(dot), TokenTree::Ident(name), TokenTree::Group(args), ..] =
                    &tokens[i + 1..]
                {
                    if dot.as_char() == '.' && args.delimiter() == Delimiter::Parenthesis {
                        found(name.clone());
                    }
                }
            }
            _ => {}
        }
    }
}

impl<'a> Method<'a> {
    /// Checks one method, reporting every problem; `None` when it can't be a handler method.
    fn check(cx: &Ctxt, f: &'a ImplItemFn, self_ty: &Type) -> Option<Self> {
        let sig = &f.sig;
        let name = &sig.ident;
        let mark = cx.mark();
        let subject = format!("`{name}`");
        let checked = sig::check(
            cx,
            sig,
            &Rules {
                subject: &subject,
                const_ok: true,
                unsafe_reason: ": a queued call can't uphold its contract",
                receiver: Receivers::Borrowed {
                    missing: Some(
                        "has no `self` receiver: handler methods take `&self` or `&mut self`; \
                         move associated functions (constructors, helpers) to a separate impl \
                         block",
                    ),
                    by_value: "takes `self` by value (or a typed `self`): the owner keeps the \
                               value, so handler methods take `&self` or `&mut self`",
                },
                generics: Generics::None(
                    "a queued call is stored as data, so its argument types must be concrete \
                     (make the impl block generic instead)",
                ),
                plain_args: Some("the method"),
                owned_args: Some(
                    "queued arguments must be owned (`Send + 'static`), use an owned type such \
                     as `String` or `Vec<T>`",
                ),
            },
        );
        if name == "timeout" {
            cx.error(
                name.span(),
                "`timeout` is reserved on the sync proxy (`handle.sync().timeout(d)`): \
                 rename this method",
            );
        }
        let output = match &sig.output {
            ReturnType::Default => syn::parse_quote!(()),
            ReturnType::Type(_, ty) => {
                if let Some((node, what)) = borrowed_or_opaque(ty) {
                    let hint = if matches!(**ty, Type::ImplTrait(_)) {
                        "; for a future, write `async fn`"
                    } else {
                        ""
                    };
                    cx.error_spanned_by(
                        node,
                        format!(
                            "`{name}`: the return type {what}: results travel back to the \
                             caller, so they must be owned (`Send + 'static`){hint}"
                        ),
                    );
                }
                replace_self(ty, self_ty)
            }
        };
        if cx.failed_since(mark) {
            return None;
        }
        let args = checked
            .args
            .iter()
            .map(|arg| Arg {
                ident: arg.ident.clone(),
                ty: replace_self(arg.ty, self_ty),
            })
            .collect();
        Some(Self::new(f, args, output))
    }

    fn stand_in(f: &'a ImplItemFn, self_ty: &Type) -> Self {
        let args = named_args(&f.sig.inputs)
            .map(|(ident, typed)| Arg {
                ident,
                ty: make_static(replace_self(&typed.ty, self_ty)),
            })
            .collect();
        let output = match &f.sig.output {
            ReturnType::Default => syn::parse_quote!(()),
            ReturnType::Type(_, ty) => make_static(replace_self(ty, self_ty)),
        };
        Self::new(f, args, output)
    }

    fn new(f: &'a ImplItemFn, args: Vec<Arg>, output: Type) -> Self {
        let name = &f.sig.ident;
        Self {
            ident: name,
            vis: &f.vis,
            is_async: f.sig.asyncness.is_some(),
            args,
            output,
            docs: f
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("doc"))
                .collect(),
            cfgs: cfgs(&f.attrs),
            variant: upper_camel(name),
            span: f.sig.span(),
        }
    }
}
