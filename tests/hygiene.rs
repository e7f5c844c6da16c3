//! Generated code must not depend on the user's scope: every macro is used inside a
//! `#![no_implicit_prelude]` module where user items shadow the usual std names.

#![allow(dead_code, non_camel_case_types)]

mod hygiene {
    #![no_implicit_prelude]

    // User items named like the std items generated code must not rely on.
    struct Result;
    struct Option;
    struct Box;
    struct Vec;
    struct String;
    struct Send;
    struct Future;
    struct Duration;
    mod core {}
    mod std {}
    enum Ok {}
    enum Err {}
    enum Some {}
    enum None {}

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
