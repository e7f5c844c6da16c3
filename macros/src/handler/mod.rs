//! `#[deferred_handler]`: parse the arguments (`Args`) and the impl block into a checked
//! model (`model`), then generate the mailbox types, proxies and (with `remote`) the wire
//! form (`expand`). On any error, the same items are generated as stand-ins
//! (`Mode::StandIn`) next to the errors, so code that uses the handler still type-checks
//! and one mistake gives one error.

mod expand;
mod model;

use proc_macro2::TokenStream;
use quote::ToTokens as _;
use syn::LitInt;

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
    let item = match syn::parse2(item.clone()) {
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
