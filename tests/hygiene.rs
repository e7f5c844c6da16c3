//! Generated code must not depend on the user's scope: every macro is used in a module
//! where user items shadow the usual std names, inside `#![no_implicit_prelude]` where
//! the compiler allows it.
//!
//! `#[machine]` is the exception to `no_implicit_prelude`: its compile-time check words
//! errors with `#[diagnostic::on_unimplemented]`, and rustc does not resolve the
//! `diagnostic` tool namespace in such a module (for any macro, or hand-written code).

#![allow(dead_code, non_camel_case_types)]
// Methods and states of every shape, whatever they do with `self`, awaits or results.
#![allow(clippy::unused_self, clippy::unused_async, clippy::unnecessary_wraps)]

/// User items named like the std items generated code must not rely on.
macro_rules! shadow_std {
    () => {
        struct Result;
        struct Option;
        struct Box;
        struct Vec;
        struct String;
        struct Send;
        struct Future;
        struct Duration;
        struct Infallible;
        struct Next;
        mod core {}
        mod std {}
        enum Ok {}
        enum Err {}
        enum Some {}
        enum None {}
    };
}

mod hygiene {
    #![no_implicit_prelude]

    shadow_std!();

    pub struct Counter {
        n: u64,
    }

    #[::coact::deferred_handler]
    impl Counter {
        /// Adds `by`.
        pub fn add(&mut self, by: u64) -> u64 {
            self.n += by;
            self.n
        }

        pub async fn get(&self) -> u64 {
            self.n
        }

        pub fn fallible(&self) -> ::core::result::Result<u64, u8> {
            ::core::result::Result::Ok(self.n)
        }
    }

    pub struct Store<T> {
        items: ::std::vec::Vec<T>,
    }

    #[::coact::deferred_handler]
    impl<T: ::core::marker::Send + ::core::marker::Sync + 'static> Store<T> {
        pub fn push(&mut self, item: T) {
            self.items.push(item);
        }

        pub async fn len(&self) -> usize {
            self.items.len()
        }
    }

    pub fn new_counter() -> Counter {
        Counter { n: 0 }
    }

    pub fn new_store() -> Store<u8> {
        Store {
            items: ::std::vec::Vec::new(),
        }
    }
}

/// Cached functions, every return shape, inside `no_implicit_prelude`.
mod cached {
    #![no_implicit_prelude]

    shadow_std!();

    #[::coact::identity_cached(key = id)]
    pub async fn user(
        prefix: &str,
        id: u32,
    ) -> ::core::result::Result<::core::option::Option<::std::string::String>, u8> {
        if id == 0 {
            return ::core::result::Result::Err(1);
        }
        ::core::result::Result::Ok(::core::option::Option::Some(::std::format!("{prefix}{id}")))
    }

    #[::coact::identity_cached(memoize, ttl = 1s, capacity = 4)]
    pub async fn double(n: u64, label: &str) -> ::core::result::Result<u64, u8> {
        let _ = label;
        ::core::result::Result::Ok(n * 2)
    }

    #[::coact::identity_cached(memoize, ttl = ::core::time::Duration::from_secs(1))]
    pub async fn even(n: u64) -> ::core::option::Option<u64> {
        if n % 2 == 0 {
            ::core::option::Option::Some(n)
        } else {
            ::core::option::Option::None
        }
    }

    #[::coact::identity_cached(memoize, weak)]
    pub async fn page() -> ::std::string::String {
        ::std::borrow::ToOwned::to_owned("<html></html>")
    }
}

/// Coroutines of every form, inside `no_implicit_prelude`.
mod coroutines {
    #![no_implicit_prelude]

    shadow_std!();

    #[::coact::coroutine]
    pub fn numbers(n: u64) -> ::coact::coroutine::Gen<u64, Return = u64> {
        let mut sum = 0;
        for i in 0..n {
            yield_!(i);
            sum += i;
        }
        sum
    }

    #[::coact::coroutine]
    pub fn fallible(
        values: ::std::vec::Vec<u8>,
    ) -> ::coact::coroutine::Gen<u8, Return = ::core::result::Result<u8, u8>, Resume = bool> {
        let mut kept = 0;
        for value in values {
            if value == 0 {
                ::core::result::Result::Err(value)?;
            }
            if yield_!(value) {
                kept += 1;
            }
        }
        ::core::result::Result::Ok(kept)
    }

    #[::coact::coroutine(crate = ::coact)]
    pub async fn later(n: u32) -> ::coact::coroutine::Gen<u32> {
        for i in 0..n {
            ::std::future::ready(()).await;
            yield_!(i);
        }
    }
}

mod machines {
    shadow_std!();

    #[derive(Default)]
    pub struct Counter {
        n: u64,
    }

    /// A machine of free functions, sync, with derives and a callback found beside it.
    #[::coact::machine(derive(::core::clone::Clone, ::core::cmp::PartialEq))]
    pub mod plant {
        #[state(transitions_to = [growing, dead], on_start = started)]
        pub fn sprouting(rain: u32) {
            if rain > 0 {
                growing(rain)
            } else {
                dead(0)
            }
        }

        #[state(transitions_to = dead)]
        pub fn growing(rain: u32) -> _ {
            dead(rain)
        }

        #[state]
        pub fn dead(height: u32) -> u32 {
            height
        }
    }

    pub fn started(_state: &plant::PlantState) {}

    /// A machine of methods, async.
    #[::coact::machine]
    impl Counter {
        #[state(transitions_to = [counting, done], on_start = Self::seen)]
        pub(crate) async fn counting(&mut self, left: u64) {
            self.n += 1;
            if left == 0 {
                done()
            } else {
                counting(left - 1)
            }
        }

        #[state]
        fn done(&self) -> u64 {
            self.n
        }
    }

    impl Counter {
        fn seen(&mut self, _state: &CounterState) {}
    }
}

#[tokio::test]
async fn generated_machines_are_hygienic() {
    let plant = machines::plant::PlantState::Sprouting { rain: 3 };
    assert!(plant.clone() == machines::plant::sprouting(3));
    assert_eq!(coact::state::run_sync(&mut (), plant), Ok(3));
    let mut counter = machines::Counter::default();
    let result =
        coact::state::run(&mut counter, machines::CounterState::Counting { left: 2 }).await;
    assert_eq!(result, Ok(3));
}

#[tokio::test]
async fn generated_caches_are_hygienic() {
    assert_eq!(*cached::user("u", 1).await.unwrap().read(), "u1");
    assert!(cached::user("u", 0).await.is_err());
    assert_eq!(*cached::double(2, "x").await.unwrap(), 4);
    assert_eq!(cached::even(3).await, None);
    assert_eq!(*cached::page().await, "<html></html>");
    assert_eq!(cached::user_cache().stats().loads, 2);
}

#[tokio::test]
async fn generated_coroutines_are_hygienic() {
    use coact::coroutine::GenState;
    use futures::StreamExt as _;

    let mut numbers = coroutines::numbers(3);
    assert_eq!(numbers.by_ref().collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(numbers.take_return(), Some(3));
    let mut fallible = coroutines::fallible(vec![1, 0]);
    assert_eq!(fallible.start(), GenState::Yielded(1));
    assert_eq!(fallible.resume(true), GenState::Complete(Err(0)));
    assert_eq!(coroutines::later(2).collect::<Vec<_>>().await, [0, 1]);
}

#[tokio::test]
async fn generated_code_is_hygienic() {
    let mut counter = coact::Deferred::new(hygiene::new_counter());
    let handle = counter.handle();
    handle.oneway().add(2).unwrap();
    handle.oneway().fallible().unwrap();
    assert_eq!(counter.process().await, 2);
    let caller = tokio::spawn(async move { handle.sync().get().await });
    counter.process_forever().await;
    assert_eq!(caller.await.unwrap(), Ok(2));

    let mut store = coact::Deferred::new(hygiene::new_store());
    let handle = store.handle();
    handle.oneway().push(1).unwrap();
    let caller = tokio::spawn(async move { handle.sync().len().await });
    store.process_forever().await;
    assert_eq!(caller.await.unwrap(), Ok(1));
}
