//! Expansion snapshots: one representative input per macro, expanded and pretty-printed,
//! compared with `macros/tests/expand/<family>.expanded.rs`, so that a reviewer sees what
//! users get and any change to it shows in the diff. `COACT_BLESS=1 cargo test -p
//! coact-macros snapshots` rewrites the files; read the diff before committing. Also
//! here: every family's stand-ins honour `crate =`. That no input panics is `corpus`'s.

use std::path::PathBuf;

use proc_macro2::TokenStream;
use quote::quote;

fn check(family: &str, expanded: TokenStream) {
    let file = match syn::parse2::<syn::File>(expanded) {
        Ok(file) => prettyplease::unparse(&file),
        Err(error) => panic!("{family}: the expansion does not parse: {error}"),
    };
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expand")
        .join(format!("{family}.expanded.rs"));
    if std::env::var_os("COACT_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &file).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != file {
        let mut diff = String::new();
        for (i, (want, got)) in expected.lines().zip(file.lines()).enumerate() {
            if want != got {
                diff = format!("first difference at line {}:\n- {want}\n+ {got}", i + 1);
                break;
            }
        }
        if diff.is_empty() {
            diff = format!(
                "lengths differ: {} lines expected, {} now",
                expected.lines().count(),
                file.lines().count()
            );
        }
        panic!(
            "the expansion of {family} changed ({}); {diff}\n\
             rerun with COACT_BLESS=1 to accept it, then read the diff",
            path.display()
        );
    }
}

#[test]
fn deferred_handler() {
    let item = quote! {
        impl Manager {
            /// The resources, as they are now.
            pub fn access_resources(&self) -> Vec<u32> {
                self.resources.clone()
            }

            pub fn update_resource(&mut self, i: usize, v: u32) {
                self.resources[i] = v;
            }

            pub async fn slow(&mut self) -> u32 {
                7
            }
        }
    };
    check("handler", crate::handler::expand(TokenStream::new(), item));
}

#[test]
fn machine() {
    let item = quote! {
        mod plant {
            #[state(transitions_to = growing)]
            pub fn sprouting() { growing(3) }

            #[state(transitions_to = [dead, sprouting], on_start = log)]
            pub fn growing(days: u32) { if days > 2 { dead(false) } else { sprouting() } }

            /// The end.
            #[state]
            pub fn dead(eaten: bool) -> bool { eaten }

            fn log(state: &PlantState) { let _ = state; }
        }
    };
    check("machine", crate::machine::expand(TokenStream::new(), item));
}

#[test]
fn coroutine() {
    let item = quote! {
        pub fn countdown(from: u32) -> Gen<u32, Return = &'static str> {
            for i in (1..=from).rev() {
                yield_!(i);
            }
            "liftoff"
        }
    };
    check(
        "coroutine",
        crate::coroutine::expand(TokenStream::new(), item),
    );
}

#[test]
fn identity_cached() {
    let args = quote!(ttl = 30s, capacity = 1000);
    let item = quote! {
        pub async fn user(id: u32) -> Result<Option<User>, DbError> {
            db::load(id).await
        }
    };
    check("identity", crate::identity::expand(args, item));
}

/// The fallback honours `crate =`: a stand-in names the runtime through it.
#[test]
fn stand_ins_honour_the_crate_path() {
    let cases = [
        crate::coroutine::expand(
            quote!(crate = my::coact),
            quote!(
                unsafe fn numbers() -> Gen<u32> {
                    yield_!(1);
                }
            ),
        ),
        crate::handler::expand(
            quote!(crate = my::coact),
            quote!(impl Counter { fn add(&mut self, by: &str) {} }),
        ),
        crate::machine::expand(
            quote!(crate = my::coact),
            quote!(
                mod plant {
                    #[state]
                    pub fn dead() -> _ {}
                }
            ),
        ),
        crate::identity::expand(
            quote!(crate = my::coact, ttl = "x"),
            quote!(
                async fn user(id: u32) -> Option<String> {
                    None
                }
            ),
        ),
    ];
    for out in cases {
        let out = out.to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("my :: coact ::"), "{out}");
        assert!(
            !out.replace("my :: coact", "").contains("coact ::"),
            "{out}"
        );
    }
}
