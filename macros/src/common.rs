//! Helpers shared by the macros: error collection and the checks and rewrites of types
//! that several macros apply to user signatures.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens as _;
use syn::spanned::Spanned as _;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{Ident, Item, Type};

/// The shape every attribute macro shares: parse the arguments and the item, then
/// `expand` (which gets `None` for arguments that failed to parse, and then only checks
/// the item). On any error the item is still emitted, after `fallback` has removed what
/// only the macro can make sense of, next to every error at once.
pub fn attribute<A: syn::parse::Parse>(
    args: TokenStream,
    item: TokenStream,
    expand: impl FnOnce(Option<&A>, &Item) -> syn::Result<TokenStream>,
    fallback: impl FnOnce(&mut Item),
) -> TokenStream {
    let args = syn::parse2::<A>(args);
    let mut item = match syn::parse2::<Item>(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            let mut out = error.into_compile_error();
            out.extend(item);
            return out;
        }
    };
    let expanded = expand(args.as_ref().ok(), &item);
    let (args_error, expanded) = match (args, expanded) {
        (Ok(_), Ok(tokens)) => return tokens,
        (args, expanded) => (args.err(), expanded.err()),
    };
    fallback(&mut item);
    let mut out = item.to_token_stream();
    for error in [args_error, expanded].into_iter().flatten() {
        out.extend(error.into_compile_error());
    }
    out
}

/// Collects every error of a pass, so a user sees all of them in one build.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn add(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub fn push(&mut self, span: Span, message: impl std::fmt::Display) {
        self.add(syn::Error::new(span, message));
    }

    /// Like `push`, but the error covers all of `tokens` (a whole type, not its first token).
    pub fn push_spanned(&mut self, tokens: &dyn quote::ToTokens, message: impl std::fmt::Display) {
        self.add(syn::Error::new_spanned(tokens, message));
    }

    /// Ends the pass with `error` added to those collected so far.
    pub fn fail(self, error: syn::Error) -> syn::Error {
        match self.0 {
            Some(mut all) => {
                all.combine(error);
                all
            }
            None => error,
        }
    }

    pub fn has_errors(&self) -> bool {
        self.0.is_some()
    }

    pub fn finish<T>(self, value: T) -> syn::Result<T> {
        self.0.map_or(Ok(value), Err)
    }
}

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
