//! The lint wall: code using every macro, held to `#![deny(warnings)]` here and to clippy's
//! `all` and `pedantic` groups by CI's `cargo clippy --all-targets -- -D warnings`. A lint
//! that fires on generated code fails the build.
//!
//! Exempted lints: none.

#![deny(warnings, clippy::all, clippy::pedantic)]
#![deny(missing_docs, unreachable_pub, unused_qualifications, unused_results)]

/// A public handler in a public module, the strictest setting for `missing_docs`.
pub mod api {
    /// A counter served by its owner.
    #[derive(Debug, Default)]
    pub struct Counter {
        n: u64,
    }

    #[coact::deferred_handler]
    impl Counter {
        /// Adds `by` and returns the new value.
        pub fn add(&mut self, by: u64) -> u64 {
            self.n += by;
            self.n
        }

        /// The value after an await point.
        pub async fn get(&self) -> u64 {
            tokio::task::yield_now().await;
            self.n
        }

        /// Fails for zero.
        ///
        /// # Errors
        ///
        /// When `by` is zero.
        pub fn checked_add(&mut self, by: u64) -> Result<u64, String> {
            if by == 0 {
                return Err("zero".to_owned());
            }
            Ok(self.add(by))
        }

        fn reset(&mut self) {
            self.n = 0;
        }

        /// The owner's loop: runs the pending calls until the count reaches `target`.
        /// Returns the calls run.
        pub async fn run_until(self: &mut coact::Deferred<Self>, target: u64) -> usize {
            let mut ran = 0;
            while self.n < target {
                ran += self.process().await;
            }
            ran
        }

        /// The value, read by the owner; `Self` is the handler here too.
        #[must_use]
        pub fn peek(self: &coact::Deferred<Self>) -> Self {
            Self { n: self.n }
        }
    }

    /// A generic handler.
    #[derive(Debug)]
    pub struct Store<T> {
        items: Vec<T>,
    }

    impl<T> Store<T> {
        /// An empty store.
        #[must_use]
        pub fn new() -> Self {
            Self { items: Vec::new() }
        }
    }

    impl<T> Default for Store<T> {
        fn default() -> Self {
            Self::new()
        }
    }

    #[coact::deferred_handler]
    impl<T: Clone + Send + Sync + 'static> Store<T> {
        /// Appends `item`.
        pub fn push(&mut self, item: T) {
            self.items.push(item);
        }

        /// A copy of the items.
        pub async fn items(&self) -> Vec<T> {
            tokio::task::yield_now().await;
            self.items.clone()
        }

        /// The owner's drain: the items, once every pending call has run.
        pub async fn drain(mut self: coact::Deferred<Self>) -> Vec<T> {
            let _ran = self.process().await;
            self.into_inner().items
        }
    }
}

/// Remote handlers (feature `nats`): the wire form, held to the same wall.
#[cfg(feature = "nats")]
pub mod remote_api {
    /// Stock served over NATS.
    #[derive(Debug, Default)]
    pub struct Stock {
        n: u32,
    }

    #[coact::deferred_handler(remote, version = 2)]
    impl Stock {
        /// Takes `n` items; the count left, or `None` when there were too few.
        pub fn take(&mut self, n: u32) -> Option<u32> {
            self.n = self.n.checked_sub(n)?;
            Some(self.n)
        }

        /// Adds items after an await point.
        pub async fn restock(&mut self, n: u32, note: String) {
            tokio::task::yield_now().await;
            drop(note);
            self.n += n;
        }

        fn count(&self) -> u32 {
            self.n
        }
    }

    /// A generic remote handler.
    #[derive(Debug)]
    pub struct Shelf<T> {
        items: Vec<T>,
    }

    #[coact::deferred_handler(remote)]
    impl<T> Shelf<T>
    where
        T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    {
        /// Puts an item on the shelf.
        pub fn put(&mut self, item: T) -> usize {
            self.items.push(item);
            self.items.len()
        }

        /// Every item.
        #[must_use]
        pub fn all(&self) -> Vec<T> {
            self.items.clone()
        }
    }
}

/// A public machine of free functions in a public module.
#[coact::machine(derive(Clone, PartialEq, Eq))]
pub mod plant {
    /// The seed.
    #[state(transitions_to = growing)]
    pub fn sprouting() {
        growing(1)
    }

    /// Growing taller.
    #[state(transitions_to = [growing, flowering])]
    pub async fn growing(height: u32) {
        tokio::task::yield_now().await;
        if height < 3 {
            growing(height + 1)
        } else {
            flowering()
        }
    }

    /// In bloom.
    #[state(transitions_to = dead, on_start = record)]
    pub fn flowering() -> _ {
        dead(false)
    }

    /// The end.
    #[state]
    pub fn dead(is_eaten: bool) -> &'static str {
        if is_eaten {
            "eaten"
        } else {
            "withered"
        }
    }
}

fn record(state: &plant::PlantState) {
    assert_eq!(state.name(), "flowering");
    assert_eq!(state.clone(), plant::flowering());
}

/// An argument without `Debug`.
struct Opaque(String);

/// A private machine whose argument has no `Debug`.
#[coact::machine]
mod holder {
    #[state]
    pub(super) fn holding(kept: super::Opaque, n: u8) -> (String, u8) {
        (kept.0, n)
    }
}

/// Cached functions, public and private, of every return shape.
pub mod cached {
    use std::fmt;

    /// A user of the lint wall.
    #[derive(Debug)]
    pub struct User {
        /// Its name.
        pub name: String,
    }

    /// Why a user could not be loaded.
    #[derive(Debug)]
    pub struct Unavailable;

    impl fmt::Display for Unavailable {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("unavailable")
        }
    }

    impl std::error::Error for Unavailable {}

    /// Loads a user by id.
    ///
    /// # Errors
    ///
    /// When the source is unavailable.
    #[coact::identity_cached(key = id)]
    pub async fn user(source: &str, id: u32) -> Result<Option<User>, Unavailable> {
        if source.is_empty() {
            return Err(Unavailable);
        }
        Ok((id > 0).then(|| User {
            name: format!("{source}/{id}"),
        }))
    }

    /// A page rendered once a minute.
    #[coact::identity_cached(memoize, ttl = 1min, capacity = 16)]
    pub async fn page(path: &str) -> String {
        format!("<html>{path}</html>")
    }

    #[coact::identity_cached(memoize)]
    async fn even(n: u64) -> Option<u64> {
        (n % 2 == 0).then_some(n)
    }

    #[coact::identity_cached(memoize, weak)]
    pub(crate) async fn parsed(text: String) -> Result<u64, std::num::ParseIntError> {
        text.parse()
    }

    /// Uses the private ones.
    pub async fn private_ones() -> (Option<u64>, usize) {
        let even = even(4).await.map(|n| *n);
        (even, even_cache().stats().size)
    }
}

#[tokio::test]
async fn lint_wall_caches_run() {
    let ada = cached::user("db", 1).await.unwrap();
    assert_eq!(ada.read().name, "db/1");
    assert!(cached::user("", 2).await.is_err());
    assert_eq!(*cached::page("/").await, "<html>/</html>");
    assert_eq!(cached::private_ones().await, (Some(4), 1));
    assert_eq!(*cached::parsed("7".to_owned()).await.unwrap(), 7);
    assert_eq!(cached::user_cache().stats().loads, 2);
    assert!(cached::page_cache().forget(&"/".to_owned()).await);
}

/// Generators of every form, public and private.
pub mod generators {
    use coact::coroutine::Gen;

    /// A request of the cogen-style session.
    #[derive(Debug, PartialEq, Eq)]
    pub enum Op {
        /// Read a line.
        Read,
        /// Write this.
        Write(String),
    }

    /// Numbers below `n`; returns their sum.
    #[coact::coroutine]
    pub fn numbers(n: u64) -> Gen<u64, Return = u64> {
        let mut sum = 0;
        for i in 0..n {
            yield_!(i);
            sum += i;
        }
        sum
    }

    /// Echoes what it is resumed with until an empty line.
    #[coact::coroutine]
    pub fn echo(mut greeting: String) -> Gen<Op, Resume = String> {
        greeting.push('!');
        yield_!(Op::Write(greeting));
        loop {
            let line = yield_!(Op::Read);
            if line.is_empty() {
                return;
            }
            yield_!(Op::Write(line));
        }
    }

    /// Parses each text; the first error ends it.
    ///
    /// # Errors
    ///
    /// As its return value, when a text is not a number.
    #[coact::coroutine]
    pub fn parsed(texts: Vec<String>) -> Gen<u64, Return = Result<usize, std::num::ParseIntError>> {
        let mut count = 0;
        for text in texts {
            yield_!(text.parse()?);
            count += 1;
        }
        Ok(count)
    }

    /// Awaits between yields.
    #[coact::coroutine]
    pub async fn ticks(n: u32) -> Gen<u32> {
        for i in 0..n {
            tokio::task::yield_now().await;
            yield_!(i);
        }
    }

    /// Borrows its argument.
    #[coact::coroutine]
    pub fn words(text: &str) -> Gen<&str> {
        for word in text.split_whitespace() {
            yield_!(word);
        }
    }

    #[coact::coroutine]
    fn private_one() -> Gen<u8> {
        yield_!(1);
    }

    /// Uses the private one.
    #[must_use]
    pub fn private_sum() -> u32 {
        private_one().map(u32::from).sum()
    }
}

#[tokio::test]
async fn lint_wall_generators_run() {
    use coact::coroutine::GenState;
    use futures::StreamExt as _;

    let mut numbers = generators::numbers(4);
    assert_eq!(numbers.by_ref().count(), 4);
    assert_eq!(numbers.take_return(), Some(6));
    let mut echo = generators::echo("hi".to_owned());
    assert_eq!(
        echo.start(),
        GenState::Yielded(generators::Op::Write("hi!".to_owned()))
    );
    assert_eq!(
        echo.resume(String::new()),
        GenState::Yielded(generators::Op::Read)
    );
    assert_eq!(echo.resume(String::new()), GenState::Complete(()));
    let mut parsed = generators::parsed(vec!["1".to_owned(), "x".to_owned()]);
    assert_eq!(parsed.by_ref().collect::<Vec<_>>(), [1]);
    assert!(matches!(parsed.take_return(), Some(Err(_))));
    assert_eq!(generators::ticks(2).collect::<Vec<_>>().await, [0, 1]);
    assert_eq!(generators::words("a b").collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(generators::private_sum(), 1);
}

/// A private machine of methods.
#[derive(Debug, Default)]
struct Door {
    pushes: u32,
}

fn looked(door: &Door, state: &DoorState) {
    assert!(door.pushes >= 2, "{state:?}");
}

#[coact::machine(derive(Clone))]
impl Door {
    #[state(transitions_to = open)]
    fn closed(&mut self) {
        self.pushes += 1;
        open()
    }

    #[state(transitions_to = [closed, stuck])]
    fn open(&mut self) {
        if self.pushes < 2 {
            closed()
        } else {
            stuck()
        }
    }

    #[state(on_start = looked)]
    fn stuck(&self) -> u32 {
        self.pushes
    }
}

#[tokio::test]
async fn lint_wall_machines_run() {
    let ended = coact::state::run(&mut (), plant::sprouting()).await;
    assert_eq!(ended, Ok("withered"));
    assert_eq!(plant::PlantState::GRAPH.machine(), "plant");
    let mut door = Door::default();
    assert_eq!(
        coact::state::run_sync(&mut door, DoorState::Closed.clone()),
        Ok(2)
    );
    let holding = holder::holding(Opaque("kept".to_owned()), 1);
    assert_eq!(format!("{holding:?}"), "Holding { kept: _, n: 1 }");
    assert_eq!(
        coact::state::run_sync(&mut (), holding),
        Ok(("kept".to_owned(), 1))
    );
}

#[tokio::test]
async fn lint_wall_code_runs() {
    let mut counter = coact::Deferred::new(api::Counter::default());
    let handle = counter.handle();
    handle.oneway().add(1).unwrap();
    handle.oneway().checked_add(0).unwrap();
    assert_eq!(counter.process().await, 2);
    let caller = tokio::spawn(async move {
        let sum = handle.sync().add(2).await;
        let got = handle.sync().get().await;
        (sum, got)
    });
    let _served = counter.process_forever().await;
    assert_eq!(caller.await.unwrap(), (Ok(3), Ok(3)));

    let mut store = coact::Deferred::new(api::Store::<u8>::new());
    let handle = store.handle();
    handle.oneway().push(7).unwrap();
    let caller = tokio::spawn(async move { handle.sync().items().await });
    let _served = store.process_forever().await;
    assert_eq!(caller.await.unwrap(), Ok(vec![7]));
}
