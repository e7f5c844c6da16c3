//! Small pieces of syntax several macros need: types checked or rewritten for generated
//! code, names derived from the user's, and types printed for messages.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens as _;
use syn::parse::Parser as _;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned as _;
use syn::{
    AngleBracketedGenericArguments, Attribute, GenericArgument, Ident, Item, Lifetime, Meta,
    PathArguments, ReturnType, Token, Type, TypeParamBound,
};

/// Finds a part of `ty` that borrows (a non-`'static` lifetime or reference) or is opaque
/// (`impl Trait`): its tokens, for the error's span, and a phrase for the message.
pub fn borrowed_or_opaque(ty: &Type) -> Option<(TokenStream, &'static str)> {
    let mut found = None;
    walk(&mut ty.clone(), &mut |node| {
        if found.is_some() {
            return false;
        }
        match node {
            Node::Type(Type::Reference(r))
                if r.lifetime.as_ref().is_none_or(|lt| lt.ident != "static") =>
            {
                found = Some((r.to_token_stream(), "is borrowed"));
                false
            }
            Node::Type(Type::ImplTrait(t)) => {
                found = Some((t.to_token_stream(), "is `impl Trait`"));
                false
            }
            Node::Lifetime(lt) if lt.ident != "static" => {
                found = Some((lt.to_token_stream(), "borrows with a lifetime"));
                false
            }
            _ => true,
        }
    });
    found
}

/// Whether `ty` borrows with an elided lifetime (`&T`, `Cow<'_, T>`), outside `fn(…)`
/// pointer types, whose lifetimes are their own.
pub fn has_elided_lifetime(ty: &Type) -> bool {
    let mut elided = false;
    walk(&mut ty.clone(), &mut |node| {
        match node {
            Node::Type(Type::FnPtr(_)) => return false,
            Node::Type(Type::Reference(r)) => elided |= r.lifetime.is_none(),
            Node::Lifetime(lt) => elided |= lt.ident == "_",
            Node::Type(_) => {}
        }
        true
    });
    elided
}

/// `Self` means the handler type in the impl block, but generated items live outside it.
pub fn replace_self(ty: &Type, self_ty: &Type) -> Type {
    let mut ty = ty.clone();
    walk(&mut ty, &mut |node| {
        let Node::Type(ty) = node else { return true };
        let replacement = match &*ty {
            Type::Path(path)
                if path.qself.is_none()
                    && path.path.leading_colon.is_none()
                    && path
                        .path
                        .segments
                        .first()
                        .is_some_and(|s| s.ident == "Self") =>
            {
                if path.path.segments.len() == 1 {
                    self_ty.clone()
                } else {
                    let rest = path.path.segments.iter().skip(1);
                    syn::parse_quote!(<#self_ty>::#(#rest)::*)
                }
            }
            _ => return true,
        };
        *ty = replacement;
        false
    });
    ty
}

/// The typed arguments of a signature, each with the name generated code calls it by: its
/// own identifier when the pattern is a plain one, `arg{i}` otherwise (the stand-ins of a
/// signature whose patterns were refused).
pub fn named_args<'a>(
    inputs: impl IntoIterator<Item = &'a syn::FnArg>,
) -> impl Iterator<Item = (Ident, &'a syn::PatType)> {
    inputs
        .into_iter()
        .filter_map(|input| match input {
            syn::FnArg::Typed(typed) => Some(typed),
            syn::FnArg::Receiver(_) => None,
        })
        .enumerate()
        .map(|(i, typed)| {
            let ident = match &*typed.pat {
                syn::Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => p.ident.clone(),
                _ => quote::format_ident!("arg{}", i),
            };
            (ident, typed)
        })
}

/// `ty` with every lifetime `'static`, so that a stand-in signature needs none.
pub fn make_static(mut ty: Type) -> Type {
    walk(&mut ty, &mut |node| {
        match node {
            Node::Type(Type::Reference(r)) => {
                if r.lifetime.is_none() {
                    r.lifetime = Some(Lifetime::new("'static", r.and_token.span));
                }
            }
            Node::Lifetime(lt) => *lt = Lifetime::new("'static", lt.span()),
            Node::Type(_) => {}
        }
        true
    });
    ty
}

/// `ty` as written one module further down: a leading `self::` becomes `super::` and
/// a leading `super::` gains one more, so that a type written in a module names the same
/// type inside a module nested in it (where a machine's checked constructors live).
pub fn in_child_module(ty: &Type) -> Type {
    /// Whether a segment was inserted.
    fn down(path: &mut syn::Path) -> bool {
        if path.leading_colon.is_some() {
            return false;
        }
        let Some(first) = path.segments.first_mut() else {
            return false;
        };
        let span = first.ident.span();
        if first.ident == "self" {
            first.ident = Ident::new("super", span);
        } else if first.ident == "super" {
            path.segments
                .insert(0, syn::PathSegment::from(Ident::new("super", span)));
            return true;
        }
        false
    }
    let mut ty = ty.clone();
    walk(&mut ty, &mut |node| {
        match node {
            Node::Type(Type::Path(path)) => match &mut path.qself {
                // `<T>::Assoc`: the path names an associated item, not a module.
                Some(qself) if qself.position == 0 => {}
                // `<T as super::Trait>::Assoc`: the trait's path counts one more segment.
                Some(qself) => {
                    if down(&mut path.path) {
                        qself.position += 1;
                    }
                }
                None => {
                    down(&mut path.path);
                }
            },
            Node::Type(Type::TraitObject(object)) => {
                for bound in &mut object.bounds {
                    if let TypeParamBound::Trait(bound) = bound {
                        let _ = down(&mut bound.path);
                    }
                }
            }
            _ => {}
        }
        true
    });
    ty
}

/// A node `walk` shows: a type, or a lifetime written in one.
pub enum Node<'a> {
    Type(&'a mut Type),
    Lifetime(&'a mut Lifetime),
}

/// Calls `f` on `ty` and, where it returns `true`, on the types and lifetimes inside,
/// outermost first: a hand-written walk over the few syntax nodes a type holds, so that
/// the crate needs neither of syn's `visit` features.
pub fn walk(ty: &mut Type, f: &mut dyn FnMut(Node<'_>) -> bool) {
    if !f(Node::Type(ty)) {
        return;
    }
    match ty {
        Type::Array(array) => walk(&mut array.elem, f),
        Type::Group(group) => walk(&mut group.elem, f),
        Type::Paren(paren) => walk(&mut paren.elem, f),
        Type::Ptr(ptr) => walk(&mut ptr.elem, f),
        Type::Slice(slice) => walk(&mut slice.elem, f),
        Type::Reference(reference) => {
            if let Some(lifetime) = &mut reference.lifetime {
                f(Node::Lifetime(lifetime));
            }
            walk(&mut reference.elem, f);
        }
        Type::Tuple(tuple) => {
            for elem in &mut tuple.elems {
                walk(elem, f);
            }
        }
        Type::FnPtr(fn_ptr) => {
            for input in &mut fn_ptr.inputs {
                walk(&mut input.ty, f);
            }
            if let ReturnType::Type(_, output) = &mut fn_ptr.output {
                walk(output, f);
            }
        }
        Type::ImplTrait(impl_trait) => walk_bounds(&mut impl_trait.bounds, f),
        Type::TraitObject(object) => walk_bounds(&mut object.bounds, f),
        Type::Path(path) => {
            if let Some(qself) = &mut path.qself {
                walk(&mut qself.ty, f);
            }
            walk_path(&mut path.path, f);
        }
        _ => {}
    }
}

fn walk_bounds<P>(bounds: &mut Punctuated<TypeParamBound, P>, f: &mut dyn FnMut(Node<'_>) -> bool) {
    for bound in bounds {
        match bound {
            TypeParamBound::Trait(bound) => walk_path(&mut bound.path, f),
            TypeParamBound::Lifetime(lifetime) => {
                f(Node::Lifetime(lifetime));
            }
            _ => {}
        }
    }
}

fn walk_path(path: &mut syn::Path, f: &mut dyn FnMut(Node<'_>) -> bool) {
    for segment in &mut path.segments {
        match &mut segment.arguments {
            PathArguments::AngleBracketed(args) => walk_args(args, f),
            PathArguments::Parenthesized(args) => {
                for input in &mut args.inputs {
                    walk(&mut input.ty, f);
                }
                if let ReturnType::Type(_, output) = &mut args.output {
                    walk(output, f);
                }
            }
            PathArguments::None => {}
        }
    }
}

fn walk_args(args: &mut AngleBracketedGenericArguments, f: &mut dyn FnMut(Node<'_>) -> bool) {
    for arg in &mut args.args {
        match arg {
            GenericArgument::Lifetime(lifetime) => {
                f(Node::Lifetime(lifetime));
            }
            GenericArgument::Type(ty) => walk(ty, f),
            GenericArgument::AssocType(assoc) => walk(&mut assoc.ty, f),
            GenericArgument::Constraint(constraint) => walk_bounds(&mut constraint.bounds, f),
            _ => {}
        }
    }
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
    // Legal names that would not be once converted: `_1`, `_١` or `_·x` (a character
    // that may only continue a name comes first: an underscore before it makes it legal
    // again, as case conversion keeps every character one that may continue a name) and
    // `self_` (`Self`, a keyword no raw identifier can spell).
    if !is_ident(&out) {
        out.insert(0, '_');
    }
    if out == "Self" {
        out.push('_');
    }
    Ident::new(&out, ident.span())
}

/// Whether `name` is one identifier (keywords included), so that `Ident::new` takes it.
/// Lexing is safe inside the compiler too: `proc_macro2` checks the text with its own lexer
/// before handing it on.
fn is_ident(name: &str) -> bool {
    let mut tokens = name.parse::<TokenStream>().into_iter().flatten();
    matches!(
        (tokens.next(), tokens.next()),
        (Some(proc_macro2::TokenTree::Ident(ident)), None) if ident == name
    )
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
    for (i, c) in syn::ext::IdentExt::unraw(ident)
        .to_string()
        .chars()
        .enumerate()
    {
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

/// A function's attributes split by where they go: the outer ones before the signature,
/// the inner ones (`#![allow(…)]` at the top of the body) first inside the body.
pub fn outer_and_inner(attrs: &[Attribute]) -> (Vec<&Attribute>, Vec<&Attribute>) {
    attrs
        .iter()
        .partition(|attr| matches!(attr.style, syn::AttrStyle::Outer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_one_module_down() {
        let cases = [
            ("super::Seed", "super :: super :: Seed"),
            ("self::Seed", "super :: Seed"),
            ("Seed", "Seed"),
            ("::std::string::String", ":: std :: string :: String"),
            ("crate::Seed", "crate :: Seed"),
            ("Vec<super::Seed>", "Vec < super :: super :: Seed >"),
            (
                "<self::A as super::T>::Out",
                "< super :: A as super :: super :: T > :: Out",
            ),
            (
                "Box<dyn super::Tr + Send>",
                "Box < dyn super :: super :: Tr + Send >",
            ),
            (
                "(self::A, [super::B; 2])",
                "(super :: A , [super :: super :: B ; 2])",
            ),
        ];
        for (written, expected) in cases {
            let ty: Type = syn::parse_str(written).unwrap();
            let down = in_child_module(&ty).to_token_stream().to_string();
            assert_eq!(down, expected, "{written}");
        }
    }

    #[test]
    fn camel_case_names() {
        let cases = [
            ("update_resource", "UpdateResource"),
            ("r#type", "Type"),
            ("slow", "Slow"),
            ("_private_x", "PrivateX"),
            ("_1", "_1"),
            ("_١", "_١"),
            ("_·x", "_·x"),
            ("x_·", "X·"),
            ("self_", "Self_"),
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
    fn elided_lifetimes_are_found() {
        for ty in ["&str", "Cow<'_, str>", "Vec<&u8>"] {
            let ty: Type = syn::parse_str(ty).unwrap();
            assert!(has_elided_lifetime(&ty), "{}", quote::quote!(#ty));
        }
        for ty in ["&'a str", "fn(&u8)", "String"] {
            let ty: Type = syn::parse_str(ty).unwrap();
            assert!(!has_elided_lifetime(&ty), "{}", quote::quote!(#ty));
        }
    }

    #[test]
    fn stand_in_types_are_static() {
        let ty: Type = syn::parse_quote!(Vec<(&str, Cow<'a, [u8]>)>);
        let out = make_static(ty);
        assert_eq!(
            quote::quote!(#out).to_string(),
            "Vec < (& 'static str , Cow < 'static , [u8] >) >"
        );
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
