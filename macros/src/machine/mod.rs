//! `#[machine]`: parse the module or impl block and its `#[state]` functions into a
//! checked model (`model`, with `attr` for the inner attributes), then generate the
//! constructors, the state enum and the transition checks (`expand`) and the `Machine`
//! impl that runs it (`step`). On any error, the same names are generated as stand-ins
//! (`Mode::StandIn`) next to the errors.

mod attr;
mod expand;
mod model;
mod state_enum;
mod step;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens as _;
use syn::{Item, ReturnType, Type};

use crate::diag::Ctxt;
use attr::MachineArgs;
use expand::Mode;
use model::Machine;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let args = MachineArgs::parse(&cx, args);
    let mut item: Item = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            cx.syn_error(error);
            return crate::diag::emit(cx, item);
        }
    };
    let model = Machine::from_item(&cx, &item);
    let checked = cx.check();
    if let (Ok(()), Some(model)) = (&checked, &model) {
        return expand::expand(&args, model, Mode::Real);
    }
    drop(model);
    let mut out = if let Some(stand_in) = Machine::stand_in(&item) {
        expand::expand(&args, &stand_in, Mode::StandIn)
    } else {
        strip_markers(&mut item);
        item.into_token_stream()
    };
    out.extend(checked.err().map(syn::Error::into_compile_error));
    out
}

/// `#[state]` outside a machine: explain where it belongs, and keep the item.
pub fn state_outside_machine(item: TokenStream) -> TokenStream {
    let error = syn::Error::new(
        Span::call_site(),
        "`#[state]` marks a state of a machine: put `#[coact::machine]` on the enclosing \
         inline module (`mod plant { … }`) or impl block (`impl Flower { … }`)",
    );
    let mut out = error.into_compile_error();
    out.extend(item);
    out
}

/// Without stand-ins, the item is emitted without its `#[state]` markers (which would
/// each report being outside a machine) and without `-> _`, which only the macro can
/// fill in.
fn strip_markers(item: &mut Item) {
    match item {
        Item::Mod(module) => {
            for item in module.content.iter_mut().flat_map(|(_, items)| items) {
                if let Item::Fn(f) = item {
                    strip(&mut f.attrs, &mut f.sig);
                }
            }
        }
        Item::Impl(imp) => {
            for item in &mut imp.items {
                if let syn::ImplItem::Fn(f) = item {
                    strip(&mut f.attrs, &mut f.sig);
                }
            }
        }
        _ => {}
    }
}

fn strip(attrs: &mut Vec<syn::Attribute>, sig: &mut syn::Signature) {
    if attrs.iter().any(attr::is_state) {
        attrs.retain(|a| !attr::is_state(a));
        if matches!(&sig.output, ReturnType::Type(_, ty) if matches!(**ty, Type::Infer(_))) {
            sig.output = ReturnType::Default;
        }
    }
}
