//! The corpus's seeds: for each family, inputs as users write them (from the snapshots,
//! `tests/*.rs` and `tests/ui`), together exercising every argument and the forms each
//! macro takes, plus a few that are already wrong, so the mutants reach the error paths.

use proc_macro2::TokenStream;
use quote::quote;

use super::Family;

/// An attribute's arguments and the item it is on.
pub type Seed = (TokenStream, TokenStream);

pub fn seeds(family: Family) -> Vec<Seed> {
    match family {
        Family::Handler => handler(),
        Family::Machine => machine(),
        Family::State => state(),
        Family::Coroutine => coroutine(),
        Family::Identity => identity(),
    }
}

fn handler() -> Vec<Seed> {
    vec![
        (
            quote!(name = Counter, crate = ::coact),
            quote!(
                impl<T: Send> Store<T> {
                    pub fn put(&mut self, item: T, at: usize) -> Option<Self> {
                        None
                    }
                    pub async fn get(&self) -> u32 {
                        7
                    }
                }
            ),
        ),
        (
            quote!(),
            quote! {
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
            },
        ),
        (
            quote!(name = Tally, crate = crate::reexport::renamed),
            quote! {
                impl shop::Counter {
                    const STEP: u64 = 1;
                    #[cfg(any())]
                    pub fn never_compiled(&mut self, x: NotAType) {}
                    #[cfg_attr(test, inline)]
                    fn private_reset(&mut self) { self.n = 0; }
                    pub(crate) fn swap(&mut self, other: Self) -> Self { other }
                    pub fn label(&self, prefix: &'static str) -> String { prefix.to_owned() }
                    fn r#type(&mut self, _1: u8, self_: (u8, u8)) {}
                }
            },
        ),
        (
            quote!(name = r#Odd),
            quote! {
                impl Manager {
                    fn new() -> Self { Manager }
                    fn shutdown(self) {}
                    fn write(&mut self, line: &str, (a, b): (u8, u8), f: impl Fn()) {}
                    fn timeout(&self) {}
                    fn generic<T>(&self, t: T) {}
                    fn get_x(&self) {}
                    fn get__x(&self) {}
                }
            },
        ),
        (
            quote!(capacity = 16),
            quote!(
                impl<'a> Trait for Manager<'a> {
                    fn f(self: Box<Self>) -> &'a str {
                        ""
                    }
                }
            ),
        ),
    ]
}

fn machine() -> Vec<Seed> {
    vec![
        (
            quote!(),
            quote! {
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
            },
        ),
        (
            quote!(derive(Clone, PartialEq, ::core::hash::Hash), name = Flow),
            quote! {
                mod plant {
                    #[state(transitions_to = dead, on_start = beside)]
                    pub fn growing(days: u32, seed: super::Seed) { dead(days > 2) }
                    #[state]
                    pub fn dead(eaten: bool) -> bool { eaten }
                }
            },
        ),
        (
            quote!(name = Flow),
            quote!(impl Flower {
                #[state(transitions_to = [dead, growing], on_start = Self::log)]
                fn growing(&mut self, days: u32) -> _ { dead(true) }
                #[state]
                fn dead(&self, eaten: bool) -> bool { eaten }
            }),
        ),
        (
            quote!(name = Lifecycle, crate = crate::reexport::renamed),
            quote! {
                mod plant {
                    const START: u32 = 1;
                    fn helper(n: u32) -> u32 { n * 2 }
                    #[state(transitions_to = growing)]
                    pub(crate) fn sprouting() { growing(helper(START)) }
                    #[state(transitions_to = [growing, done])]
                    pub(crate) async fn growing(n: u32) {
                        if n < 10 { growing(n + 1) } else { done(n) }
                    }
                    #[coact::state]
                    pub(crate) fn done(n: u32) -> Result<u32, Error> { Ok(n) }
                }
            },
        ),
        (
            quote!(),
            quote! {
                impl Tree {
                    fn not_a_state(&self) -> u32 { self.rings }
                    #[state(transitions_to = [grow, cut])]
                    fn grow(&mut self, copy: Option<Self>) {
                        if self.rings > 3 { cut(copy) } else { grow(Some(self.clone())) }
                    }
                    #[state]
                    fn cut(&mut self, copy: Option<Self>) -> (u32, u32) { (0, 0) }
                    #[state]
                    fn associated() -> (u32, u32) { (0, 0) }
                }
            },
        ),
        (
            quote!(initial = sprouting),
            quote! {
                mod r#type {
                    #[state(transitions_to = self_)]
                    fn _1(r#type: u8) { self_() }
                    #[state(transitions_to = [], on_start = super::refuse)]
                    fn self_() {}
                    #[state(transitions_to = other::dead, transitions_to = "dead")]
                    fn ñandú(&self) {}
                    #[state = dead]
                    async unsafe fn generic<T: Default>(t: T) -> _ {}
                }
            },
        ),
    ]
}

fn state() -> Vec<Seed> {
    vec![
        (
            quote!(transitions_to = [growing, dead]),
            quote!(
                pub fn sprouting(days: u32) {
                    growing(days)
                }
            ),
        ),
        (
            quote!(),
            quote!(
                fn dead() -> bool {
                    true
                }
            ),
        ),
    ]
}

fn coroutine() -> Vec<Seed> {
    vec![
        (
            quote!(),
            quote! {
                pub fn countdown(from: u32) -> Gen<u32, Return = &'static str> {
                    for i in (1..=from).rev() {
                        yield_!(i);
                    }
                    "liftoff"
                }
            },
        ),
        (
            quote!(crate = ::coact),
            quote! {
                async fn numbers<'a>(x: &'a u8) -> Gen<u32, Return = u8, Resume = bool> {
                    let r = yield_!(1);
                    if r { *x } else { 0 }
                }
            },
        ),
        (
            quote!(),
            quote! {
                async fn echo_later(prefix: String) -> coact::coroutine::Gen<String, Return = usize, Resume = Option<String>> {
                    #![allow(unused_mut)]
                    let mut answered = 0;
                    let mut reply = yield_!(format!("{prefix}: ready"));
                    while let Some(line) = reply {
                        tokio::task::yield_now().await;
                        answered += 1;
                        reply = yield_!(format!("{prefix}: {line}"));
                    }
                    answered
                }
            },
        ),
        (
            quote!(crate = my::coact),
            quote! {
                fn halves<T: Copy>(mut values: Vec<T>, (a, b): (u8, u8), r#type: &str) -> Gen<T, Return = Result<usize, Odd>> {
                    let half = if a == b { Ok(1) } else { Err(Odd(a)) }?;
                    for value in values.drain(..) {
                        yield_!(value);
                    }
                    Ok(half)
                }
            },
        ),
        (
            quote!(yield = u32),
            quote! {
                unsafe fn everything(&self, values: Vec<u32>) -> Gen<u32, Output = u8> {
                    let _ = values.iter().map(|v| yield_!(*v));
                    let _ = async { yield_!(1) };
                    fn nested() { yield_!(2) }
                    std::future::ready(()).await;
                }
            },
        ),
    ]
}

fn identity() -> Vec<Seed> {
    vec![
        (
            quote!(
                ttl = 30s,
                capacity = 10,
                key = [id],
                redis = tier(),
                namespace = "n",
                version = 2
            ),
            quote!(
                pub async fn user(id: u32, db: &Db) -> Result<Option<User>, Error> {
                    db.load(id).await
                }
            ),
        ),
        (
            quote!(key = id),
            quote! {
                async fn user(db: &Db, id: u32) -> Result<Option<User>, DbError> {
                    #![allow(clippy::let_and_return)]
                    let user = db.query(id)?;
                    Ok(user)
                }
            },
        ),
        (
            quote!(
                memoize,
                ttl = ::core::time::Duration::from_secs(1),
                crate = ::coact
            ),
            quote!(
                async fn page(path: String, lang: Option<Lang>) -> String {
                    path
                }
            ),
        ),
        (
            quote!(memoize, weak, ttl = 1min, capacity = 16),
            quote!(
                pub(crate) async fn row(tenant: &str, r#type: u32, _1: u8) -> Option<Row> {
                    None
                }
            ),
        ),
        (
            quote!(
                key = [tenant, user_id],
                namespace = "pages",
                version = 3,
                tll = 5s
            ),
            quote! {
                async fn load<T: FromStr>(&self, tenant: impl AsRef<str>, (a, b): (u8, u8)) -> Result<T, Error> {
                    Err(Error)
                }
            },
        ),
    ]
}
