//! Small pieces of syntax several macros need: types checked or rewritten for generated
//! code, names derived from the user's, and types printed for messages.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens as _;
use syn::parse::Parser as _;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned as _;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{Attribute, Ident, Item, Meta, Token, Type};

/// Finds a part of `ty` that borrows (a non-`'static` lifetime or reference) or is opaque
/// (`impl Trait`): its tokens, for the error's span, and a phrase for the message.
pub fn borrowed_or_opaque(ty: &Type) -> Option<(TokenStream, &'static str)> {
    #[derive(Default)]
    struct Find(Option<(TokenStream, &'static str)>);
    impl<'ast> Visit<'ast> for Find {
        fn visit_type_reference(&mut self, r: &'ast syn::TypeReference) {
            match &r.lifetime {
                Some(lt) if lt.ident == "static" => syn::visit::visit_type_reference(self, r),
                _ => {
                    self.0.get_or_insert((r.to_token_stream(), "is borrowed"));
                }
            }
        }
        fn visit_lifetime(&mut self, lt: &'ast syn::Lifetime) {
            if lt.ident != "static" {
                self.0
                    .get_or_insert((lt.to_token_stream(), "borrows with a lifetime"));
            }
        }
        fn visit_type_impl_trait(&mut self, t: &'ast syn::TypeImplTrait) {
            self.0
                .get_or_insert((t.to_token_stream(), "is `impl Trait`"));
        }
    }
    let mut find = Find::default();
    find.visit_type(ty);
    find.0
}

/// `Self` means the handler type in the impl block, but generated items live outside it.
pub fn replace_self(ty: &Type, self_ty: &Type) -> Type {
    struct Replace<'a>(&'a Type);
    impl VisitMut for Replace<'_> {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if let Type::Path(path) = ty {
                if path.qself.is_none()
                    && path.path.leading_colon.is_none()
                    && path
                        .path
                        .segments
                        .first()
                        .is_some_and(|s| s.ident == "Self")
                {
                    if path.path.segments.len() == 1 {
                        *ty = self.0.clone();
                    } else {
                        let rest: Vec<_> = path.path.segments.iter().skip(1).collect();
                        let self_ty = self.0;
                        *ty = syn::parse_quote!(<#self_ty>::#(#rest)::*);
                    }
                    return;
                }
            }
            syn::visit_mut::visit_type_mut(self, ty);
        }
    }
    let mut ty = ty.clone();
    Replace(self_ty).visit_type_mut(&mut ty);
    ty
}

/// `ty` with every lifetime `'static`, so that a stand-in signature needs none.
pub fn make_static(mut ty: Type) -> Type {
    struct Static;
    impl VisitMut for Static {
        fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
            r.lifetime = Some(syn::Lifetime::new("'static", Span::call_site()));
            syn::visit_mut::visit_type_reference_mut(self, r);
        }
        fn visit_lifetime_mut(&mut self, lt: &mut syn::Lifetime) {
            *lt = syn::Lifetime::new("'static", lt.span());
        }
    }
    Static.visit_type_mut(&mut ty);
    ty
}

/// `update_resource` -> `UpdateResource`; `r#type` -> `Type`.
pub fn upper_camel(ident: &Ident) -> Ident {
    let name = ident.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name);
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    if out.is_empty() {
        out.push_str("Underscore");
    }
    Ident::new(&out, ident.span())
}

/// Where to report that the macro does not go on `item`: its name, when it has one.
pub fn item_span(item: &Item) -> Span {
    match item {
        Item::Fn(f) => f.sig.ident.span(),
        Item::Struct(s) => s.ident.span(),
        Item::Enum(e) => e.ident.span(),
        Item::Trait(t) => t.ident.span(),
        Item::Mod(m) => m.ident.span(),
        other => other.span(),
    }
}

/// `PlantState` -> `plant_state`.
pub fn snake(ident: &Ident) -> String {
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

/// The last segment of a plain type path (`Manager` of `crate::Manager<T>`): the default
/// prefix of what a macro on an impl block generates.
pub fn type_ident(ty: &Type) -> Option<&Ident> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last().map(|s| &s.ident),
        _ => None,
    }
}

/// The path of the `coact` crate: `crate = …` or `::coact`.
pub fn krate(path: Option<&syn::Path>) -> syn::Path {
    path.cloned().unwrap_or_else(|| syn::parse_quote!(::coact))
}

/// The conditions under which an item with `attrs` exists, as `#[cfg]` attributes to
/// put on everything generated for it: its `#[cfg(..)]`s, and for each `cfg` inside a
/// `#[cfg_attr(pred, ..)]`, `#[cfg(any(not(pred), ..))]`. Other attributes a `cfg_attr`
/// applies (`inline`, `allow`, …) belong to the item alone and are not copied.
pub fn cfgs(attrs: &[Attribute]) -> Vec<Attribute> {
    let mut out = Vec::new();
    for attr in attrs {
        if attr.path().is_ident("cfg") {
            out.push(attr.clone());
        } else if attr.path().is_ident("cfg_attr") {
            if let Meta::List(list) = &attr.meta {
                cfg_attr_cfgs(&list.tokens, &mut Vec::new(), &mut out);
            }
        }
    }
    out
}

/// The `cfg`s that `cfg_attr(tokens)` applies under the predicates `outer`.
fn cfg_attr_cfgs(tokens: &TokenStream, outer: &mut Vec<TokenStream>, out: &mut Vec<Attribute>) {
    let parser = Punctuated::<Meta, Token![,]>::parse_terminated;
    let Ok(metas) = parser.parse2(tokens.clone()) else {
        return;
    };
    let mut metas = metas.into_iter();
    let Some(predicate) = metas.next() else {
        return;
    };
    outer.push(predicate.to_token_stream());
    for meta in metas {
        let Meta::List(list) = &meta else { continue };
        if list.path.is_ident("cfg") {
            let condition = &list.tokens;
            let predicates = &*outer;
            out.push(syn::parse_quote!(#[cfg(any(not(all(#(#predicates),*)), #condition))]));
        } else if list.path.is_ident("cfg_attr") {
            cfg_attr_cfgs(&list.tokens, outer, out);
        }
    }
    outer.pop();
}

/// A type as a user would write it, for messages: `&'static str`, not `& 'static str`.
pub fn pretty(ty: &Type) -> String {
    let mut out = ty.to_token_stream().to_string();
    for (from, to) in [
        ("& ", "&"),
        (" :: ", "::"),
        (":: ", "::"),
        (" < ", "<"),
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
    ] {
        out = out.replace(from, to);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_names() {
        let cases = [
            ("update_resource", "UpdateResource"),
            ("r#type", "Type"),
            ("slow", "Slow"),
            ("_private_x", "PrivateX"),
        ];
        for (input, want) in cases {
            let ident: Ident = syn::parse_str(input).unwrap();
            assert_eq!(upper_camel(&ident).to_string(), want);
        }
    }

    #[test]
    fn self_is_replaced_everywhere() {
        let self_ty: Type = syn::parse_quote!(Store<T>);
        let ty: Type = syn::parse_quote!(Vec<(Self, Option<Self::Item>)>);
        let out = replace_self(&ty, &self_ty);
        let out = quote::quote!(#out).to_string();
        assert_eq!(
            out,
            "Vec < (Store < T > , Option < < Store < T > > :: Item >) >"
        );
    }

    #[test]
    fn cfg_attr_is_a_cfg_only_for_its_cfgs() {
        let attrs: Vec<Attribute> = vec![
            syn::parse_quote!(#[cfg(unix)]),
            syn::parse_quote!(#[cfg_attr(test, inline)]),
            syn::parse_quote!(#[cfg_attr(feature = "x", cfg(windows), allow(dead_code))]),
            syn::parse_quote!(#[cfg_attr(a, cfg_attr(b, cfg(c)))]),
            syn::parse_quote!(#[doc = "not a cfg"]),
        ];
        let out: Vec<String> = cfgs(&attrs)
            .iter()
            .map(|a| a.to_token_stream().to_string())
            .collect();
        assert_eq!(
            out,
            [
                "# [cfg (unix)]",
                "# [cfg (any (not (all (feature = \"x\")) , windows))]",
                "# [cfg (any (not (all (a , b)) , c))]",
            ]
        );
    }

    #[test]
    fn snake_case_names() {
        let state: Ident = syn::parse_str("PlantState").unwrap();
        assert_eq!(snake(&state), "plant_state");
    }

    #[test]
    fn types_print_as_written() {
        for ty in [
            "&'static str",
            "Vec<Option<u8>>",
            "std::collections::HashMap<String, u32>",
        ] {
            let parsed: Type = syn::parse_str(ty).unwrap();
            assert_eq!(pretty(&parsed), ty);
        }
    }

    #[test]
    fn borrowed_types_are_found() {
        let owned: Type = syn::parse_quote!(Vec<&'static str>);
        assert!(borrowed_or_opaque(&owned).is_none());
        for ty in ["&str", "Cow<'a, str>", "impl Fn()", "Vec<&'a u8>"] {
            let ty: Type = syn::parse_str(ty).unwrap();
            assert!(borrowed_or_opaque(&ty).is_some(), "{}", quote::quote!(#ty));
        }
    }
}
