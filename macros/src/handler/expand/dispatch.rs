//! The owner's side of `impl Handler for Manager`: which method a queued call is for, and
//! the arms that run it (sync methods at once, async ones awaited in the owner's turn),
//! shaped to be cheap for `cargo check` (see BENCHMARKS.md, "Build cost").

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::{Cx, Mode};
use crate::handler::model::Method;

/// The bodies of `Handler::method`, `dispatch_now` and `dispatch`.
pub(super) struct Bodies {
    pub(super) method: TokenStream,
    pub(super) dispatch_now: TokenStream,
    pub(super) dispatch: TokenStream,
}

/// The owner's side: which method a call is for, and running it (sync methods at once,
/// async ones awaited in the owner's turn). A stand-in's call enum holds no method, so
/// its bodies only show that.
pub(super) fn bodies(cx: &Cx<'_, '_>) -> Bodies {
    let Cx {
        private,
        method_enum,
        call,
        kind,
        ..
    } = cx;
    let phantom = !cx.type_args.is_empty();
    let phantom_ref = phantom.then(|| quote!(#kind::__CoactPhantom(never, _) => match *never {},));
    let phantom_value = phantom.then(|| quote!(#kind::__CoactPhantom(never, _) => match never {},));
    let real = cx.mode == Mode::Real;
    let method_of = cx.methods().iter().filter(|_| real).map(|m| {
        let (cfgs, variant) = (&m.cfgs, &m.variant);
        quote!(#(#cfgs)* #kind::#variant(..) => #method_enum::#variant,)
    });
    let (async_fns, sync_fns): (Vec<_>, Vec<_>) = cx
        .methods()
        .iter()
        .filter(|_| real)
        .partition(|m| m.is_async);
    let sync_arms = sync_fns.iter().map(|m| dispatch_arm(cx, m));
    let async_arms = async_fns.iter().map(|m| dispatch_arm(cx, m));
    let method_body = if real || phantom {
        quote!(match &call.0 { #(#method_of)* #phantom_ref })
    } else {
        quote!(match call.0 {})
    };
    let dispatch_now_body = if !real {
        quote!(match call.0 { #phantom_value })
    } else if sync_fns.is_empty() {
        quote!(::core::result::Result::Err(call))
    } else {
        quote! {
            #[allow(unused_imports)]
            use #private::{ReportDebug as _, ReportDisplay as _, ReportOther as _};
            ::core::result::Result::Ok(match call.0 {
                #(#sync_arms)*
                #[allow(unreachable_patterns)]
                kind => return ::core::result::Result::Err(#call(kind)),
            })
        }
    };
    let dispatch_body = if real && async_fns.is_empty() {
        // No method awaits: the call runs at once and the future is only its answer, so
        // it holds no call (whose `Send` is then checked once, by `Handler::Call`).
        quote! {
            ::core::future::ready(match Self::dispatch_now(self, call) {
                ::core::result::Result::Ok(ran) => ran,
                ::core::result::Result::Err(_) => false,
            })
        }
    } else if real {
        quote! {
            async move {
                #[allow(unused_imports)]
                use #private::{ReportDebug as _, ReportDisplay as _, ReportOther as _};
                match call.0 {
                    #(#async_arms)*
                    #[allow(unreachable_patterns)]
                    kind => match Self::dispatch_now(self, #call(kind)) {
                        ::core::result::Result::Ok(ran) => ran,
                        // Only async methods are handed back, and they matched above.
                        ::core::result::Result::Err(_) => false,
                    },
                }
            }
        }
    } else {
        quote!(async move { match call.0 { #phantom_value } })
    };
    Bodies {
        method: method_body,
        dispatch_now: dispatch_now_body,
        dispatch: dispatch_body,
    }
}

/// The owner-side arm that runs one queued call.
fn dispatch_arm(cx: &Cx<'_, '_>, m: &Method<'_>) -> TokenStream {
    let Cx {
        private,
        kind,
        reply,
        ..
    } = cx;
    let variant = &m.variant;
    let ident = m.ident;
    let cfgs = &m.cfgs;
    let name = ident.to_string();
    let args: Vec<_> = m.args.iter().map(|a| &a.ident).collect();
    // A oneway call's returned `Err` is logged; the autoref that finds out whether the
    // value is a `Result` (and how to show its error) is left out for the types that
    // plainly are not one, the common case, which type-checks faster.
    let report = (!never_a_result(&m.output)).then(|| {
        quote! {
            if let ::core::option::Option::Some(value) = value {
                (&&&#private::Outcome(&value)).coact_report(#name);
            }
        }
    });
    let value = if report.is_some() {
        quote!(value)
    } else {
        quote!(_)
    };
    if m.is_async {
        // Spanned at the method, so "future is not `Send`" and friends point at the
        // user's code.
        let run =
            quote_spanned!(m.span=> #private::guard_async(Self::#ident(self, #(#args),*)).await);
        quote! {
            #(#cfgs)*
            #kind::#variant((#(#args,)*), #reply) => match #reply.start() {
                // The caller withdrew the call before it started: it does not run.
                ::core::option::Option::None => false,
                ::core::option::Option::Some(#reply) => {
                    let #value = #reply.finish(#name, #run);
                    #report
                    true
                }
            },
        }
    } else {
        let method = quote_spanned!(m.span=> || Self::#ident(self, #(#args),*));
        // `None`: the caller withdrew the call before it started, and it did not run.
        if report.is_none() {
            return quote! {
                #(#cfgs)*
                #kind::#variant((#(#args,)*), #reply) => #reply.run(#name, #method).is_some(),
            };
        }
        quote! {
            #(#cfgs)*
            #kind::#variant((#(#args,)*), #reply) => match #reply.run(#name, #method) {
                ::core::option::Option::None => false,
                ::core::option::Option::Some(#value) => {
                    #report
                    true
                }
            },
        }
    }
}

/// Whether a method's declared output is plainly not a `Result`: `()`, a tuple, a
/// reference, an array, or a standard type that is not one by name (`u64`, `String`,
/// `Vec<T>`, `Option<T>`...). A type alias of `Result` is none of these.
fn never_a_result(ty: &syn::Type) -> bool {
    const NOT_RESULTS: [&str; 29] = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64", "bool", "char", "String", "str", "Vec", "VecDeque", "Option", "Box", "Arc",
        "Rc", "HashMap", "HashSet", "BTreeMap", "BTreeSet", "Duration",
    ];
    match ty {
        syn::Type::Tuple(_)
        | syn::Type::Reference(_)
        | syn::Type::Array(_)
        | syn::Type::Slice(_)
        | syn::Type::Never(_) => true,
        syn::Type::Paren(inner) => never_a_result(&inner.elem),
        syn::Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .is_some_and(|last| NOT_RESULTS.contains(&last.ident.to_string().as_str())),
        _ => false,
    }
}
