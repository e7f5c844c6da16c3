//! The owner's methods: `async fn manage(self: &mut Deferred<Self>)` in the impl block
//! becomes a method of the generated `<Type>Owner` trait, implemented for
//! `Deferred<Type>` (a receiver of another type than `Self` is not stable Rust), so the
//! owner's loop is written next to the handler's methods and called as
//! `owner.manage().await`. Also the error that points a handler method calling
//! `self.process()` at that form.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::{format_ident, quote, ToTokens as _};
use syn::{FnArg, ImplItem, Pat, Type};

use super::Cx;
use crate::handler::model::{Owner, OwnerReceiver};

/// The user's impl block, without its owner methods (they move to the trait). A handler
/// method whose body calls `self.process(…)` (or `process_only`, `process_forever`) gets
/// `MisplacedOwnerCalls` in scope: if the handler has no method of that name of its own
/// (which would come first), the call finds the trait's, whose bound fails at the call
/// with a message that says what to write instead, and it is the only error.
pub(super) fn impl_block(cx: &Cx<'_, '_>) -> TokenStream {
    let model = cx.model;
    if model.owners.is_empty() && model.misplaced.is_empty() {
        return model.item.to_token_stream();
    }
    let private = &cx.private;
    let mut item = model.item.clone();
    item.items.retain(|impl_item| match impl_item {
        ImplItem::Fn(f) => !model
            .owners
            .iter()
            .any(|owner| owner.f.sig.ident == f.sig.ident),
        _ => true,
    });
    for impl_item in &mut item.items {
        if let ImplItem::Fn(f) = impl_item {
            if model.misplaced.contains(&f.sig.ident) {
                f.block.stmts.insert(
                    0,
                    syn::parse_quote! {
                        #[allow(unused_imports)]
                        use #private::MisplacedOwnerCalls as _;
                    },
                );
            }
        }
    }
    item.to_token_stream()
}

/// `trait ManagerOwner { … }` and its impl for `Deferred<Manager>`.
pub(super) fn owner_trait(cx: &Cx<'_, '_>) -> TokenStream {
    let model = cx.model;
    if model.owners.is_empty() {
        return TokenStream::new();
    }
    let Cx {
        private,
        owner,
        self_name,
        type_args,
        ..
    } = cx;
    let self_ty = &model.item.self_ty;
    let as_path = expr_path(self_ty);
    let unself = |tokens: TokenStream| replace_self(tokens, &as_path);
    let generics = &model.item.generics;
    let params = unself(generics.params.to_token_stream());
    let where_clause = unself(generics.where_clause.to_token_stream());
    let vis = widest(model.owners.iter().map(|o| &o.f.vis));
    let decls = model.owners.iter().map(|o| declaration(o, &unself));
    let defs = model.owners.iter().map(|o| definition(o, &unself));
    let doc = format!(
        "The owner's methods of [`{self_name}`]'s deferred handler: call them on the \
         `Deferred<{self_name}>`, with this trait in scope."
    );
    quote! {
        #[doc = #doc]
        #[allow(async_fn_in_trait)]
        #vis trait #owner<#params> #where_clause {
            #(#decls)*
        }

        impl<#params> #owner<#(#type_args),*> for #private::Deferred<#self_ty> #where_clause {
            #(#defs)*
        }
    }
}

/// The trait's declaration of an owner method: its docs, `cfg`s and lint levels, the
/// receiver as a plain `self`, and each argument's pattern reduced to a name (a
/// declaration takes no patterns).
fn declaration(o: &Owner<'_>, unself: &dyn Fn(TokenStream) -> TokenStream) -> TokenStream {
    let attrs = o.f.attrs.iter().filter(|a| !only_on_definition(a));
    let sig = signature(o, unself, true);
    quote!(#(#attrs)* #sig;)
}

/// Whether an attribute of an owner method belongs on the trait's declaration only (docs,
/// `must_use`, `deprecated`), on both (`cfg`, lint levels), or on the definition only
/// (`inline`, and anything else).
fn on_declaration(attr: &syn::Attribute) -> bool {
    ["doc", "must_use", "deprecated"]
        .iter()
        .any(|name| attr.path().is_ident(name))
}

fn on_both(attr: &syn::Attribute) -> bool {
    ["cfg", "allow", "warn", "deny", "forbid"]
        .iter()
        .any(|name| attr.path().is_ident(name))
}

fn only_on_definition(attr: &syn::Attribute) -> bool {
    !on_declaration(attr) && !on_both(attr)
}

/// The impl's definition: its attributes, the signature, the body with `Self` meaning the
/// handler type (in the impl, `Self` is the `Deferred`).
fn definition(o: &Owner<'_>, unself: &dyn Fn(TokenStream) -> TokenStream) -> TokenStream {
    let attrs = o.f.attrs.iter().filter(|a| !on_declaration(a));
    let sig = signature(o, unself, false);
    let body = unself(o.f.block.to_token_stream());
    quote!(#(#attrs)* #sig #body)
}

fn signature(
    o: &Owner<'_>,
    unself: &dyn Fn(TokenStream) -> TokenStream,
    declaration: bool,
) -> TokenStream {
    let sig = &o.f.sig;
    let (constness, asyncness, unsafety, ident) =
        (&sig.constness, &sig.asyncness, &sig.safety, &sig.ident);
    let self_token = if let Some(FnArg::Receiver(r)) = sig.inputs.first() {
        r.self_token.to_token_stream()
    } else {
        quote!(self)
    };
    let receiver = match o.receiver {
        OwnerReceiver::Value => quote!(#self_token),
        OwnerReceiver::Ref => quote!(&#self_token),
        OwnerReceiver::Mut => quote!(&mut #self_token),
    };
    let mutability = match (&sig.inputs.first(), declaration) {
        (Some(FnArg::Receiver(r)), false) => r.mutability.to_token_stream(),
        _ => TokenStream::new(),
    };
    let args = sig.inputs.iter().skip(1).enumerate().map(|(i, arg)| {
        let FnArg::Typed(typed) = arg else {
            return TokenStream::new();
        };
        let ty = unself(typed.ty.to_token_stream());
        let pat = if declaration {
            match &*typed.pat {
                Pat::Ident(p) if p.subpat.is_none() => p.ident.to_token_stream(),
                _ => format_ident!("arg{}", i).to_token_stream(),
            }
        } else {
            typed.pat.to_token_stream()
        };
        quote!(, #pat: #ty)
    });
    let generics = unself(sig.generics.params.to_token_stream());
    let generics = if sig.generics.params.is_empty() {
        TokenStream::new()
    } else {
        quote!(<#generics>)
    };
    let where_clause = unself(sig.generics.where_clause.to_token_stream());
    let output = unself(sig.output.to_token_stream());
    quote! {
        #constness #asyncness #unsafety fn #ident #generics(#mutability #receiver #(#args)*)
            #output #where_clause
    }
}

/// The widest of the methods' visibilities: the trait's.
fn widest<'a>(mut all: impl Iterator<Item = &'a syn::Visibility>) -> TokenStream {
    let rank = |vis: &syn::Visibility| match vis {
        syn::Visibility::Public(_) => 3,
        syn::Visibility::Restricted(r) if r.path.is_ident("crate") => 2,
        syn::Visibility::Restricted(_) => 1,
        syn::Visibility::Inherited => 0,
    };
    let first = all.next();
    let widest = all.fold(first, |best, vis| match best {
        Some(best) if rank(best) >= rank(vis) => Some(best),
        _ => Some(vis),
    });
    widest.to_token_stream()
}

/// The self type as a path usable in expressions and types alike: generic arguments with a
/// turbofish (`Manager::<T>`), so that `Self { .. }` and `Self::new()` keep working once
/// `Self` is replaced.
fn expr_path(ty: &Type) -> TokenStream {
    let Type::Path(path) = ty else {
        return quote!(<#ty>);
    };
    let mut path = path.clone();
    for segment in &mut path.path.segments {
        if let syn::PathArguments::AngleBracketed(args) = &mut segment.arguments {
            args.colon2_token = Some(syn::token::PathSep::default());
        }
    }
    path.to_token_stream()
}

/// `tokens` with every `Self` replaced by `with`, except inside nested items (`impl`,
/// `trait`, `struct`, `enum`, `union` where an item may start), which have a `Self` of
/// their own.
fn replace_self(tokens: TokenStream, with: &TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    let mut nested = false;
    // Whether an item may start here: at the start, after `;`, a block or an attribute,
    // or after `pub`, `pub(…)`, `unsafe`.
    let mut item_start = true;
    let mut after_pub = false;
    for token in tokens {
        let starts = match &token {
            TokenTree::Punct(p) => p.as_char() == ';' || (p.as_char() == '#' && item_start),
            TokenTree::Group(g) => match g.delimiter() {
                Delimiter::Brace | Delimiter::Bracket => true,
                Delimiter::Parenthesis => after_pub,
                Delimiter::None => false,
            },
            TokenTree::Ident(i) => item_start && (i == "pub" || i == "unsafe"),
            TokenTree::Literal(_) => false,
        };
        after_pub = matches!(&token, TokenTree::Ident(i) if i == "pub");
        let at_item_start = std::mem::replace(&mut item_start, starts);
        match token {
            TokenTree::Ident(ident) if !nested && ident == "Self" => {
                let replaced: TokenStream = with
                    .clone()
                    .into_iter()
                    .map(|mut t| {
                        t.set_span(ident.span());
                        t
                    })
                    .collect();
                out.extend(replaced);
            }
            TokenTree::Ident(ident) => {
                nested |= at_item_start
                    && ["impl", "trait", "struct", "enum", "union"]
                        .iter()
                        .any(|keyword| ident == keyword);
                out.extend([TokenTree::Ident(ident)]);
            }
            TokenTree::Group(group) if nested => {
                // A nested item's body (or its `;`, below) ends it.
                nested &= group.delimiter() != Delimiter::Brace;
                out.extend([TokenTree::Group(group)]);
            }
            TokenTree::Group(group) => {
                let mut replaced =
                    Group::new(group.delimiter(), replace_self(group.stream(), with));
                replaced.set_span(group.span());
                out.extend([TokenTree::Group(replaced)]);
            }
            TokenTree::Punct(punct) => {
                nested &= punct.as_char() != ';';
                out.extend([TokenTree::Punct(punct)]);
            }
            literal @ TokenTree::Literal(_) => out.extend([literal]),
        }
    }
    out
}
