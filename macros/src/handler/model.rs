//! The checked model of a `#[deferred_handler]` impl block. Keeps the user's syntax nodes
//! so that generated code and errors point at the user's own tokens.

use crate::common::{borrowed_or_opaque, item_span, replace_self, upper_camel, Errors};
use proc_macro2::Span;
use syn::spanned::Spanned as _;
use syn::{
    Attribute, FnArg, GenericParam, Ident, ImplItem, ImplItemFn, Item, ItemImpl, Pat, ReturnType,
    Type, Visibility,
};

/// The whole impl block, checked.
pub struct Handler<'a> {
    pub item: &'a ItemImpl,
    /// The last segment of the self type's path: the default prefix of generated items.
    pub type_ident: &'a Ident,
    pub methods: Vec<Method<'a>>,
}

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
    /// `#[cfg]`/`#[cfg_attr]` attributes, carried onto everything generated for it.
    pub cfgs: Vec<&'a Attribute>,
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
    pub fn from_item(item: &'a Item) -> syn::Result<Self> {
        let Item::Impl(item) = item else {
            return Err(syn::Error::new(
                item_span(item),
                "#[deferred_handler] goes on an inherent impl block, like `impl Manager { … }`",
            ));
        };
        let mut errors = Errors::default();
        if let Some((_, path, _)) = &item.trait_ {
            errors.push(
                path.span(),
                "#[deferred_handler] goes on an inherent impl block, not a trait impl: \
                 write the handler methods in `impl Type { … }`",
            );
        }
        if let Some(unsafety) = &item.unsafety {
            errors.push(
                unsafety.span,
                "#[deferred_handler] does not support `unsafe impl`",
            );
        }
        for param in &item.generics.params {
            match param {
                GenericParam::Type(_) => {}
                GenericParam::Lifetime(lt) => errors.push(
                    lt.span(),
                    "a deferred handler must be 'static (its owner may run on another task): \
                     lifetime parameters are not supported",
                ),
                GenericParam::Const(c) => errors.push(
                    c.span(),
                    "const generic parameters are not supported on a deferred handler",
                ),
            }
        }
        let type_ident = match &*item.self_ty {
            Type::Path(path) if path.qself.is_none() => path.path.segments.last().map(|s| &s.ident),
            _ => None,
        };
        let Some(type_ident) = type_ident else {
            return Err(errors.fail(syn::Error::new(
                item.self_ty.span(),
                "#[deferred_handler] needs a named type, like `impl Manager { … }`",
            )));
        };

        let mut methods = Vec::new();
        for impl_item in &item.items {
            match impl_item {
                ImplItem::Fn(f) => {
                    if let Some(method) = Method::check(f, &item.self_ty, &mut errors) {
                        methods.push(method);
                    }
                }
                ImplItem::Const(_) => {}
                other => errors.push(
                    other.span(),
                    "a deferred handler impl block holds only methods (and consts); \
                     move other items to a separate impl block",
                ),
            }
        }
        if methods.is_empty() && !errors.has_errors() {
            errors.push(
                item.self_ty.span(),
                "a deferred handler needs at least one method taking `&self` or `&mut self`",
            );
        }
        errors.finish(Self {
            item,
            type_ident,
            methods,
        })
    }
}

impl<'a> Method<'a> {
    /// Checks one method, pushing every problem; `None` when it can't be a handler method.
    fn check(f: &'a ImplItemFn, self_ty: &Type, errors: &mut Errors) -> Option<Self> {
        let sig = &f.sig;
        let name = &sig.ident;
        let before = errors.has_errors();

        match sig.inputs.first() {
            Some(FnArg::Receiver(r)) if r.reference.is_some() && r.colon_token.is_none() => {
                if let Some((_, Some(lt))) = &r.reference {
                    errors.push(
                        lt.span(),
                        format!("`{name}`: write the receiver as `&self` or `&mut self`, without a lifetime"),
                    );
                }
            }
            Some(FnArg::Receiver(r)) => errors.push_spanned(
                r,
                format!(
                    "`{name}` takes `self` by value (or a typed `self`): the owner keeps the value, \
                     so handler methods take `&self` or `&mut self`"
                ),
            ),
            _ => errors.push(
                name.span(),
                format!(
                    "`{name}` has no `self` receiver: handler methods take `&self` or `&mut self`; \
                     move associated functions (constructors, helpers) to a separate impl block"
                ),
            ),
        }
        if let Some(unsafety) = &sig.unsafety {
            errors.push(
                unsafety.span,
                format!("`{name}` is `unsafe`: a queued call can't uphold its contract"),
            );
        }
        if let Some(abi) = &sig.abi {
            errors.push(
                abi.span(),
                format!("`{name}`: handler methods use the Rust ABI"),
            );
        }
        if let Some(variadic) = &sig.variadic {
            errors.push(
                variadic.span(),
                format!("`{name}`: variadic methods are not supported"),
            );
        }
        if let Some(param) = sig.generics.params.first() {
            errors.push_spanned(
                param,
                format!(
                    "`{name}` is generic: a queued call is stored as data, so its argument types \
                     must be concrete (make the impl block generic instead)"
                ),
            );
        } else if let Some(where_clause) = &sig.generics.where_clause {
            errors.push(
                where_clause.span(),
                format!("`{name}`: a `where` clause on a handler method is not supported; put it on the impl block"),
            );
        }
        if name == "timeout" {
            errors.push(
                name.span(),
                "`timeout` is reserved on the sync proxy (`handle.sync().timeout(d)`): \
                 rename this method"
                    .to_owned(),
            );
        }

        let mut args = Vec::new();
        for input in sig.inputs.iter().skip(1) {
            let FnArg::Typed(typed) = input else { continue };
            let ident = match &*typed.pat {
                Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => Some(p.ident.clone()),
                _ => None,
            };
            let Some(ident) = ident else {
                errors.push_spanned(
                    &typed.pat,
                    format!(
                        "`{name}`: bind each argument to a plain name (`point: Point`, not a \
                         pattern); destructure it inside the method"
                    ),
                );
                continue;
            };
            if let Some((node, what)) = borrowed_or_opaque(&typed.ty) {
                errors.push_spanned(
                    &node,
                    format!(
                        "`{name}`: argument `{ident}` {what}: queued arguments must be owned \
                         (`Send + 'static`), use an owned type such as `String` or `Vec<T>`"
                    ),
                );
                continue;
            }
            args.push(Arg {
                ident,
                ty: replace_self(&typed.ty, self_ty),
            });
        }
        let output = match &sig.output {
            ReturnType::Default => syn::parse_quote!(()),
            ReturnType::Type(_, ty) => {
                if let Some((node, what)) = borrowed_or_opaque(ty) {
                    errors.push_spanned(
                        &node,
                        format!(
                            "`{name}`: the return type {what}: results travel back to the caller, \
                             so they must be owned (`Send + 'static`){}",
                            if matches!(**ty, Type::ImplTrait(_)) {
                                "; for a future, write `async fn`"
                            } else {
                                ""
                            }
                        ),
                    );
                }
                replace_self(ty, self_ty)
            }
        };

        if errors.has_errors() != before {
            return None;
        }
        Some(Self {
            ident: name,
            vis: &f.vis,
            is_async: sig.asyncness.is_some(),
            args,
            output,
            docs: f
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("doc"))
                .collect(),
            cfgs: f
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("cfg") || a.path().is_ident("cfg_attr"))
                .collect(),
            variant: upper_camel(name),
            span: sig.span(),
        })
    }
}
