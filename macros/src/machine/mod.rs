//! `#[machine]`: parse the module or impl block and its `#[state]` functions into a
//! checked model (`model`, with `attr` for the inner attributes), then generate the
//! constructors, the state enum and its `Machine` impl (`expand`).

mod attr;
mod expand;
mod model;

use proc_macro2::{Span, TokenStream};
use syn::visit_mut::VisitMut;
use syn::{ReturnType, Type};

/// Entry point. On error the user's item is emitted without its `#[state]` markers (and
/// without `-> _`, which only the macro can fill in), next to the errors, so that one
/// mistake does not cascade.
pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    crate::common::attribute(
        args,
        item,
        |args: Option<&crate::args::Args>, item| {
            let model = model::Machine::from_item(item)?;
            Ok(args
                .map(|args| expand::expand(args, &model))
                .unwrap_or_default())
        },
        |item| Fallback.visit_item_mut(item),
    )
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

struct Fallback;

impl VisitMut for Fallback {
    fn visit_item_fn_mut(&mut self, f: &mut syn::ItemFn) {
        strip(&mut f.attrs, &mut f.sig);
    }

    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        strip(&mut f.attrs, &mut f.sig);
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
