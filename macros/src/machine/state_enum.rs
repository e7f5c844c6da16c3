//! The state enum of `#[machine]`'s output: one variant per state holding its arguments,
//! the derives the user asked for (`#[machine(derive(…))]`), a `Debug` that shows the
//! arguments that are `Debug`, and the inherent `GRAPH` and `name`.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Ident, Path};

use super::expand::Cx;

/// The state enum, one variant per state holding its arguments, with the user's derives;
/// its `Debug`, which shows the arguments that are `Debug`; and inherent `GRAPH` and
/// `name`, reachable without importing `Machine`.
pub(super) fn state_enum(cx: &Cx<'_, '_>, derive: &[Path]) -> TokenStream {
    let Cx {
        private,
        enum_ident,
        ..
    } = cx;
    let vis = &cx.model.vis;
    let machine_name = cx.model.name.to_string();
    let enum_doc = format!(
        "The states of machine `{machine_name}`: one variant per `#[state]`, holding its \
         arguments. A value names the state a machine starts in (see `coact::state::run` \
         and `coact::state::spawn`)."
    );
    let variants = cx.model.states.iter().map(|s| {
        let variant = &s.variant;
        let docs = &s.docs;
        let head = format!("The state `{}`.", s.ident);
        let fields = s.fields().iter().map(|a| {
            let ident = &a.ident;
            let ty = &a.ty;
            let doc = format!("Argument `{ident}` of `{}`.", s.ident);
            quote!(#[doc = #doc] #ident: #ty)
        });
        let body = (!s.fields().is_empty()).then(|| quote!({ #(#fields),* }));
        quote!(#[doc = #head] #[doc = ""] #(#docs)* #variant #body)
    });
    let derive = (!derive.is_empty()).then(|| quote!(#[derive(#(#derive),*)]));
    // The formatter's name cannot clash with an argument's.
    let f = Ident::new("f", Span::mixed_site());
    let debug_arms = cx.model.states.iter().map(|s| {
        let variant = &s.variant;
        let variant_name = syn::ext::IdentExt::unraw(variant).to_string();
        if s.fields().is_empty() {
            return quote!(Self::#variant => #f.write_str(#variant_name),);
        }
        let idents: Vec<_> = s.fields().iter().map(|a| &a.ident).collect();
        let names = idents
            .iter()
            .map(|i| syn::ext::IdentExt::unraw(*i).to_string());
        // Autoref picks each argument's own `Debug`, or a placeholder for a type without.
        quote! {
            Self::#variant { #(ref #idents),* } => #f
                .debug_struct(#variant_name)
                #(.field(#names, (&&#private::DebugArg(#idents)).coact_debug_arg()))*
                .finish(),
        }
    });
    let graph_doc = format!(
        "The declared states and transitions of machine `{machine_name}` (printable as \
         Mermaid or Graphviz DOT); the same as `Machine::GRAPH`."
    );
    quote! {
        #[doc = #enum_doc]
        #derive
        #vis enum #enum_ident { #(#variants),* }

        #[automatically_derived]
        impl ::core::fmt::Debug for #enum_ident {
            fn fmt(&self, #f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #[allow(unused_imports)]
                use #private::{DebugArgOpaque as _, DebugArgShown as _};
                match *self { #(#debug_arms)* }
            }
        }

        #[allow(dead_code)]
        impl #enum_ident {
            #[doc = #graph_doc]
            pub const GRAPH: &'static #private::Graph = <Self as #private::Machine>::GRAPH;

            /// The name of the state this value starts, as written in the source.
            #[must_use]
            pub fn name(&self) -> &'static str {
                #private::Machine::name(self)
            }
        }
    }
}
