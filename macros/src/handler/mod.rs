//! `#[deferred_handler]`: parse the arguments (`Args`) and the impl block into a checked
//! model (`model`), then generate the mailbox types, proxies and (with `remote`) the wire
//! form (`expand`). On any error, the same items are generated as stand-ins
//! (`Mode::StandIn`) next to the errors, so code that uses the handler still type-checks
//! and one mistake gives one error.

mod expand;
mod model;

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::ToTokens as _;
use syn::parse::discouraged::Speculative as _;
use syn::parse::{ParseStream, Parser as _};
use syn::{
    braced, Attribute, Block, FnModifiers, ImplItem, ImplItemFn, Item, LitInt, Signature, Stmt,
    Visibility,
};

use crate::args::NameArgs;
use crate::diag::{eq, flag, Attr, Ctxt};
use expand::Mode;
use model::Handler;

/// `#[deferred_handler(name = …, crate = …, remote, version = N)]`.
pub struct Args {
    pub names: NameArgs,
    /// With `remote`: the wire version (`version = N`, 1 by default).
    pub remote: Option<u32>,
}

impl Args {
    fn parse(cx: &Ctxt, tokens: TokenStream) -> Self {
        let mut remote = Attr::none("remote");
        let mut version = Attr::none("version");
        let keys = ["name", "crate", "remote", "version"];
        let names = NameArgs::parse_with(cx, tokens, &keys, |key, input| {
            if key == "remote" {
                remote.set(cx, key, flag(input, key))?;
            } else if key == "version" {
                let value = eq(input, key, "`version = 2`").and_then(|()| {
                    input.parse::<LitInt>()?.base10_parse::<u32>().map_err(|e| {
                        syn::Error::new(e.span(), "expected a version number, as in `version = 2`")
                    })
                });
                version.set(cx, key, value)?;
            } else {
                return Ok(false);
            }
            Ok(true)
        });
        if let (Some(span), false) = (version.span(), remote.is_given()) {
            cx.error(
                span,
                "`version` is the wire version of a remote handler: add `remote`, or remove it",
            );
        }
        if let (Some(span), false) = (remote.span(), cfg!(feature = "nats")) {
            cx.error(
                span,
                "`remote` needs coact's `nats` feature: \
                 `coact = { version = \"0.1\", features = [\"nats\"] }` in Cargo.toml",
            );
        }
        let remote = (remote.is_given() && cfg!(feature = "nats"))
            .then(|| version.into_inner().unwrap_or(1));
        Self { names, remote }
    }
}

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let args = Args::parse(&cx, args);
    let item = match parse_item(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            cx.syn_error(error);
            return crate::diag::emit(cx, item);
        }
    };
    let model = Handler::from_item(&cx, &item);
    let checked = cx.check();
    if let (Ok(()), Some(model)) = (&checked, &model) {
        return expand::expand(&args, model, Mode::Real);
    }
    let mut out = Handler::stand_in(&item).map_or_else(
        || item.to_token_stream(),
        |stand_in| expand::expand(&args, &stand_in, Mode::StandIn),
    );
    out.extend(checked.err().map(syn::Error::into_compile_error));
    out
}

/// Parses the item as syn would, except that in an impl block each method's body stays
/// tokens (one verbatim statement after its inner attributes): the macro never looks
/// inside a body but as tokens (`self.process()` calls, `Self` in owner methods), and
/// parsing them was a quarter of its run on a large handler. A body's syntax errors are
/// then rustc's own, reported where they are. Any other item is parsed by syn in full, for
/// the model to refuse.
fn parse_item(item: TokenStream) -> syn::Result<Item> {
    let mut header: Vec<TokenTree> = item.clone().into_iter().collect();
    let body = match header.pop() {
        Some(TokenTree::Group(body)) if body.delimiter() == Delimiter::Brace => body,
        _ => return syn::parse2(item),
    };
    let mut empty = Group::new(Delimiter::Brace, TokenStream::new());
    empty.set_span(body.span());
    header.push(TokenTree::Group(empty));
    let Ok(Item::Impl(mut parsed)) = syn::parse2(header.into_iter().collect()) else {
        return syn::parse2(item);
    };
    let items = |input: ParseStream<'_>| {
        let inner = input.call(Attribute::parse_inner)?;
        let mut items = Vec::new();
        while !input.is_empty() {
            let fork = input.fork();
            if let Ok(f) = method_with_unparsed_body(&fork) {
                input.advance_to(&fork);
                items.push(ImplItem::Fn(f));
            } else {
                items.push(input.parse()?);
            }
        }
        Ok((inner, items))
    };
    let (inner, items) = items.parse2(body.stream())?;
    parsed.attrs.extend(inner);
    parsed.items = items;
    Ok(Item::Impl(parsed))
}

/// A method (`fn` with a body, no `default`), its body kept as tokens.
fn method_with_unparsed_body(input: ParseStream<'_>) -> syn::Result<ImplItemFn> {
    let mut attrs = input.call(Attribute::parse_outer)?;
    let vis: Visibility = input.parse()?;
    let sig: Signature = input.parse()?;
    let content;
    let brace_token = braced!(content in input);
    attrs.extend(content.call(Attribute::parse_inner)?);
    let body: TokenStream = content.parse()?;
    Ok(ImplItemFn {
        attrs,
        vis,
        modifiers: FnModifiers::default(),
        sig,
        block: Block {
            brace_token,
            stmts: vec![Stmt::Item(Item::Verbatim(body))],
        },
    })
}
