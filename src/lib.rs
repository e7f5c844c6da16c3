//! # coact
//!
//! Cooperative-concurrency patterns for tokio, as attribute macros plus a small runtime.
//!
//! ## Deferred handlers: owner-driven actor mailboxes
//!
//! Put [`#[deferred_handler]`](deferred_handler) on an inherent impl block. The owner wraps
//! the value in a [`Deferred`] and decides when queued calls run; any task calls it through
//! a cloneable [`Handle`]: `handle.sync().method(args).await` waits for the result,
//! `handle.oneway().method(args)` returns at once.
//!
//! ```
//! use coact::prelude::*;
//!
//! struct Manager { resources: Vec<u32> }
//!
//! #[deferred_handler]
//! impl Manager {
//!     /// A consistent copy of the resources.
//!     pub fn access_resources(&self) -> Vec<u32> { self.resources.clone() }
//!     /// Replaces one resource.
//!     pub fn update_resource(&mut self, i: usize, v: u32) { self.resources[i] = v; }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let mut manager = Deferred::new(Manager { resources: vec![0; 4] });
//! let handle = manager.handle();
//!
//! handle.oneway().update_resource(1, 7).unwrap();     // queued, not run yet
//! assert_eq!(manager.resources[1], 0);
//! assert_eq!(manager.process().await, 1);              // the owner's safe point
//! assert_eq!(manager.resources[1], 7);
//!
//! let consumer = tokio::spawn(async move { handle.sync().access_resources().await });
//! let served = manager.process_forever().await;        // until every handle is gone
//! assert_eq!(served.reason, StopReason::HandlesGone);
//! assert_eq!(consumer.await.unwrap(), Ok(vec![0, 7, 0, 0]));
//! # }
//! ```
//!
//! See the [`handler`] module for the owner's options (whitelists, bounded mailboxes,
//! stopping) and [`CallError`] for what can fail.
//!
//! ## State machines: undeclared transitions fail to compile
//!
//! Put [`#[machine]`](macro@machine) on a module of state functions or an impl block of
//! state methods and mark each with `#[state(transitions_to = …)]`; a state enters the
//! next by returning it, `growing()`. The [`state`](mod@state) module runs machines inline or as
//! observable, cancellable tasks.
//!
//! ## Generators and cooperative work
//!
//! Put [`#[coact::coroutine]`](macro@coroutine) on a function whose body yields with
//! [`yield_!(value)`](yield_): a plain `fn` becomes an `Iterator`, an `async fn` a
//! `Stream`, and `let r = yield_!(v);` receives what the driver
//! [resumes](coroutine::Gen::resume) it with. Literal `yield` is impossible on stable Rust
//! (rustc rejects it while parsing, before any macro runs), hence the macro call. The
//! [`coroutine`](mod@coroutine) module also runs CPU-heavy generators cooperatively on
//! tokio: [`coroutine::batch_accumulate`], [`coroutine::ValueBucket`],
//! [`coroutine::Cooperator`].
//!
//! ## Identity maps and memoization
//!
//! Put [`#[identity_cached]`](identity_cached) on an `async fn` that loads a value by its
//! arguments: the same key gives the very same instance ([`identity::Shared`]), loaded
//! once however many callers ask at the same time; no data, no instance; a change made
//! through one handle is seen through every other, and kept. With `memoize`, any
//! function's result is cached by its arguments. The [`identity`] module has the cache
//! itself: retention (until forgotten by default; weak, TTL, capacity), invalidation and
//! statistics.
//!
//! ## Concurrent data access
//!
//! [`KV`], [`Ordered`] and [`FirstReply`] (in [`access`]) run several fetches at once and
//! give their results by name, in push order, or first-come.
//!
//! ## Feature flags
//!
//! - `redis` (off by default): a shared second tier in Redis for identity maps and
//!   memoized functions, [`identity::RedisTier`], so that several processes share what
//!   they load and what they invalidate.
//!
//! ## Minimum supported Rust version
//!
//! Rust 1.85, with or without features. Raising it is a deliberate change, made in a minor
//! release and noted in the changelog.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// Turns an inherent impl block into a deferred handler: an actor mailbox whose owner
/// decides when queued calls run.
///
/// For `impl Manager { … }` it generates, next to the impl block:
///
/// - `impl Handler for Manager`, so that [`Deferred<Manager>`](Deferred) and
///   [`Handle<Manager>`](Handle) work;
/// - `ManagerSync<'_>`, returned by [`Handle::sync`]: one method per handler method, same
///   name and arguments, returning a [`SyncCall`](handler::SyncCall), a future of
///   `Result<Output, CallError>`, plus `timeout(d)`;
/// - `ManagerOneway<'_>`, returned by [`Handle::oneway`]: one `fn` per method returning
///   `Result<(), CallError>` as soon as the call is queued;
/// - `ManagerMethod`, one variant per method (`update_resource` → `UpdateResource`), for
///   [`Deferred::process_only`] and [`Deferred::process_forever_only`];
/// - `ManagerOwner`, when the block has owner methods (below): a trait implemented for
///   `Deferred<Manager>` that holds them.
///
/// # The owner's methods
///
/// The owner's own loop belongs with the handler, but `process` is a method of the owner,
/// [`Deferred<Manager>`](Deferred), not of `Manager` (a handler method calling
/// `self.process()` gets an error that says so). A method whose receiver is the owner,
/// `self: &mut Deferred<Self>` (or `&Deferred<Self>`, or `Deferred<Self>` by value), is
/// an owner method: it is not a handler method (no proxy calls it), it moves to the
/// generated `ManagerOwner` trait, and it is called on the `Deferred` with that trait in
/// scope: `owner.manage().await`. Inside it, `self` is the `Deferred`: `self.process()`
/// runs the queued calls, and the handler's fields and methods are reached through it;
/// `Self` still means `Manager`. (`process()` returns at once when nothing is pending, so
/// a loop around it must await its own work each round, as below, or it spins.)
///
/// ```
/// use coact::{deferred_handler, Deferred};
///
/// struct Manager { rounds: u32, done: bool }
///
/// #[deferred_handler]
/// impl Manager {
///     fn finish(&mut self) -> u32 { self.done = true; self.rounds }
///
///     /// The owner's loop: a round of management, then the safe point.
///     async fn manage(self: &mut Deferred<Self>) {
///         while !self.done {
///             self.rounds += 1;                     // management, on the handler's fields
///             tokio::task::yield_now().await;       // (which awaits something real)
///             self.process().await;                 // the safe point: queued calls run
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let mut owner = Deferred::new(Manager { rounds: 0, done: false });
/// let handle = owner.handle();
/// let rounds = tokio::spawn(async move { handle.sync().finish().await });
/// owner.manage().await;
/// assert!(rounds.await.unwrap().unwrap() >= 1);
/// # }
/// ```
///
/// Methods take `&self` or `&mut self`, may be `async` (awaited inside the owner's turn;
/// their future must be `Send`, so a type with an async `&self` method must be `Sync`), and
/// take owned, `Send + 'static` arguments. Doc comments
/// and `#[cfg]`s are carried onto the proxy methods; proxy methods have the visibility of
/// the method they stand for.
///
/// # Arguments
///
/// - `name = Ident`: the prefix of the generated items (default: the type's name), for two
///   handlers whose types share a name in one module.
/// - `crate = path`: where the `coact` crate is (default `::coact`), for crates that
///   re-export it.
///
/// # Errors at compile time
///
/// Associated functions without `self`, `self` by value, generic methods, pattern or
/// `impl Trait` or borrowed arguments, trait impls, and unknown or repeated arguments
/// are each reported at the offending span, as is an owner method whose receiver is not
/// `Deferred<Self>`.
///
/// One method name is reserved: `timeout`, the sync proxy's own method
/// (`handle.sync().timeout(d).method()`). A handler method named `timeout` is refused;
/// rename it.
///
/// ```
/// use coact::{deferred_handler, Deferred};
///
/// struct Store<T> { items: Vec<T> }
///
/// #[deferred_handler]
/// impl<T: Clone + Send + Sync + 'static> Store<T> {
///     fn push(&mut self, item: T) -> usize { self.items.push(item); self.items.len() }
///     async fn last(&self) -> Option<T> { self.items.last().cloned() }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let mut store = Deferred::new(Store { items: Vec::<String>::new() });
/// let handle = store.handle();
/// handle.oneway().push("a".to_owned()).unwrap();
/// store.process_only(&[StoreMethod::Push]).await;
/// let last = tokio::spawn(async move { handle.sync().last().await });
/// store.process_forever().await;
/// assert_eq!(last.await.unwrap(), Ok(Some("a".to_owned())));
/// # }
/// ```
pub use coact_macros::deferred_handler;

/// Caches an `async fn` by its arguments: an identity map (the same key gives the very
/// same instance, loaded once) or a memoized function.
///
/// ```
/// use coact::identity::{LoadError, Shared};
/// use coact::identity_cached;
///
/// #[derive(Debug)]
/// pub struct User { pub id: u32, pub name: String }
///
/// /// Loads a user; `Ok(None)` when there is none.
/// #[identity_cached]
/// async fn user(id: u32) -> Result<Option<User>, std::io::Error> {
///     Ok((id < 100).then(|| User { id, name: format!("user {id}") }))
/// }
///
/// /// Rendered once, then served from the cache for a minute.
/// #[identity_cached(memoize, ttl = 60s)]
/// async fn homepage() -> String {
///     "<html>…</html>".to_owned()
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), LoadError<std::io::Error>> {
/// let a: Shared<User> = user(1).await?;
/// let b = user(1).await?;
/// assert!(Shared::ptr_eq(&a, &b));               // the very same instance
/// a.write().name = "Steve".to_owned();
/// assert_eq!(b.read().name, "Steve");             // seen through every handle
/// assert!(matches!(user(500).await, Err(LoadError::NotFound))); // no data, no instance
/// assert_eq!(user_cache().stats().loads, 2);
///
/// let page: std::sync::Arc<String> = homepage().await;
/// assert!(std::sync::Arc::ptr_eq(&page, &homepage().await));
/// # Ok(()) }
/// ```
///
/// # What it generates
///
/// For `async fn user(db: &Db, id: u32) -> R`:
///
/// - `async fn user(db: &Db, id: u32)` with the same attributes and visibility, which
///   looks the key up in the cache and runs the original body only on a miss. Concurrent
///   misses for one key run the body once (single-flight); if the caller running it is
///   cancelled, a waiting caller runs it instead.
/// - `fn user_cache() -> &'static Cache<K, H, E>`, with the same visibility: the
///   [`identity::Cache`] behind it, for [`forget`](identity::Cache::forget),
///   [`clear`](identity::Cache::clear) and [`stats`](identity::Cache::stats).
///
/// The handle `H` is [`identity::Shared<T>`] for an identity map (read and write through
/// any handle, every handle sees the change) and `Arc<T>` with `memoize` (read-only).
///
/// # What the function may return
///
/// The macro reads the declared return type and keeps "no data" and errors out of the
/// cache: nothing but a value is ever cached.
///
/// | the body returns | callers get |
/// |---|---|
/// | `Result<Option<T>, E>` | `Result<H, LoadError<E>>`; `Ok(None)` is [`LoadError::NotFound`](identity::LoadError::NotFound) |
/// | `Result<T, E>` | `Result<H, LoadError<E>>` |
/// | `Option<T>` | `Option<H>`; `None` is not cached |
/// | `T` | `H` |
///
/// With a `Result`, a panic of the body reaches every waiting caller as
/// [`LoadError::Panicked`](identity::LoadError::Panicked); without one, it resumes as a
/// panic in each of them, as a call would have panicked. Either way nothing is poisoned:
/// the next call runs the body afresh. `?` and `return` in the body mean what they mean in
/// any function returning the declared type. Write `Result` with both of its arguments
/// (`Result<T, MyError>`, not an alias such as `io::Result<T>`), so the macro sees it.
///
/// # Keys
///
/// The key is made of every argument, or of those named by `key = [...]` (leave out a
/// database pool, say). Key arguments are plain names (`id: u32`) of owned types, cloned
/// into the key, or references `&T`, stored as `T::to_owned()` (`&str` as `String`). Key
/// types must be `Eq + Hash + Clone + Send + Sync + 'static`; the compiler names the bound
/// a type misses at the argument. An identity map needs at least one key argument.
///
/// An argument left out of the key is ignored by the cache: there is **one cache per
/// function, for the whole process**, and every caller shares it. Two pools passed to
/// `user(pool, id)` with `key = id` share one map: once `user(&a, 1)` has loaded user 1,
/// `user(&b, 1)` gets that instance and never queries `b`. Leave an argument out when any
/// value of it gives the same data (one database behind several handles); for a cache per
/// database, tenant or test, see [below](#a-cache-per-instance).
///
/// # Arguments
///
/// - `memoize`: cache the function's value behind an `Arc` (default: an identity map of
///   [`identity::Shared`] handles).
/// - `ttl = 30s`: keep each entry for this long after its load; a whole number with `ms`,
///   `s`, `min` or `h`, or an expression of type `Duration` (`ttl = CONFIG_TTL`).
/// - `capacity = 1000`: keep at most this many entries, evicting the least recently used.
/// - `weak`: keep an entry only while some handle to it lives
///   ([`identity::Retention::Weak`]): the same instance while anyone uses it, nothing
///   kept between uses. A change made through a handle is then lost with the last handle
///   (in `user(1).await?.write().name = …` the handle is a temporary, dropped at the end
///   of the statement), and the next call loads the old value again: for read-only
///   values, or when every change is saved to the source as it is made.
///
///   Without any of these, the cache keeps every entry it loaded until
///   [`forget`](identity::Cache::forget) or [`clear`](identity::Cache::clear)
///   ([`identity::Retention::FOREVER`]), for identity maps and memoized functions alike:
///   a change made through a handle is never lost, and the map grows with the number of
///   distinct keys asked for. `capacity` bounds it and `ttl` ages entries out; an entry
///   evicted or expired takes with it the changes made through its handles and not saved
///   elsewhere.
/// - `key = id` or `key = [tenant, id]`: the arguments the key is made of; with
///   `memoize`, `key = []` caches one value whatever the arguments (a page rendered from
///   an application state passed in).
/// - `redis = TIER` (feature `redis`): share loaded values and invalidations with other
///   processes through Redis; `TIER` is an expression giving an [`identity::RedisTier`]
///   (or a reference to one, such as a `static LazyLock<RedisTier>`), evaluated once, on
///   first use. Keys and values must then be `Serialize + DeserializeOwned`. Only loaded
///   values are shared: a change made through a handle stays in this process's map.
/// - `namespace = "catalog:products"` and `version = 2`, with `redis`: where the values
///   live in Redis (default: the function's path, version 1). Processes share values
///   only under the same namespace and version. See [`identity::Cache::with_redis`].
/// - `crate = path`: where the `coact` crate is (default `::coact`).
///
/// # Errors at compile time
///
/// A non-`async` or generic function, `self`, a missing or unnameable return type
/// (`impl Trait`, a borrowed value), `Result` written as a one-argument alias, pattern,
/// `&mut` or borrowed key arguments, an identity map without key, and unknown, repeated or
/// ill-typed arguments (`ttl = "ten"`, `capacity = 0`, `weak` with `ttl`) are each
/// reported at the offending span.
///
/// If the caller running a load is cancelled, a waiting caller runs the body again; work
/// the first one handed to another thread (`spawn_blocking`) still finishes there, unread.
///
/// The attribute goes on free functions (in any module or function body), not on
/// functions in an `impl` block: the cache and its accessor are items next to the function.
///
/// # A cache per instance
///
/// The generated cache is a `static`, one per function. For a map per database, tenant or
/// test, hold an [`identity::Cache`] next to what it loads from and call
/// [`get_or_load`](identity::Cache::get_or_load): the same single-flight, retention
/// (`Cache::default()` keeps entries until forgotten, as the macro does;
/// `Cache::new(retention)` picks another), invalidation and statistics, with the loader a
/// closure that borrows the pool. Dropping the struct drops its map.
///
/// ```
/// use coact::identity::{Cache, LoadError, Shared};
///
/// pub struct User { pub id: u32, pub name: String }
///
/// /// A database, say; each has its own rows.
/// pub struct Db { pub label: &'static str }
///
/// impl Db {
///     async fn fetch_user(&self, id: u32) -> Result<Option<User>, std::io::Error> {
///         Ok((id < 100).then(|| User { id, name: format!("{} user {id}", self.label) }))
///     }
/// }
///
/// /// The users of one database, with their own identity map.
/// pub struct Users {
///     db: Db,
///     cache: Cache<u32, Shared<User>, std::io::Error>,
/// }
///
/// impl Users {
///     pub fn new(db: Db) -> Self {
///         Self { db, cache: Cache::default() }
///     }
///
///     /// The same instance for the same id, loaded from this database once.
///     pub async fn get(&self, id: u32) -> Result<Shared<User>, LoadError<std::io::Error>> {
///         self.cache.get_or_load(id, || self.db.fetch_user(id)).await
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), LoadError<std::io::Error>> {
/// let (eu, us) = (Users::new(Db { label: "eu" }), Users::new(Db { label: "us" }));
/// assert!(Shared::ptr_eq(&eu.get(1).await?, &eu.get(1).await?));
/// assert_eq!(eu.get(1).await?.read().name, "eu user 1");
/// assert_eq!(us.get(1).await?.read().name, "us user 1"); // its own map, its own load
/// assert_eq!(eu.cache.stats().loads, 1);
/// # Ok(()) }
/// ```
pub use coact_macros::identity_cached;

/// Turns a function whose body calls [`yield_!(value)`](yield_) into a generator, a
/// [`coroutine::Gen`]: an `Iterator` for a plain `fn`, a `Stream` for an `async fn`.
///
/// Write it with its path, `#[coact::coroutine]` (or a path of your own re-export):
/// rustc reserves the bare attribute name `coroutine` for its unstable coroutines, so a
/// bare `#[coroutine]` is ambiguous and does not compile.
///
/// ```
/// use coact::coroutine::{Gen, GenState};
///
/// /// Yields the numbers below `n` and returns their sum.
/// #[coact::coroutine]
/// fn count(n: u64) -> Gen<u64, Return = u64> {
///     let mut sum = 0;
///     for i in 0..n {
///         yield_!(i);
///         sum += i;
///     }
///     sum
/// }
///
/// /// Yields a request, receives its answer.
/// #[coact::coroutine]
/// fn ask(questions: Vec<&'static str>) -> Gen<&'static str, Return = usize, Resume = bool> {
///     let mut yes = 0;
///     for question in questions {
///         if yield_!(question) {
///             yes += 1;
///         }
///     }
///     yes
/// }
///
/// let mut numbers = count(4);
/// assert_eq!(numbers.by_ref().collect::<Vec<_>>(), [0, 1, 2, 3]);
/// assert_eq!(numbers.take_return(), Some(6));
///
/// let mut quiz = ask(vec!["tea?", "cake?"]);
/// assert_eq!(quiz.start(), GenState::Yielded("tea?"));
/// assert_eq!(quiz.resume(true), GenState::Yielded("cake?"));
/// assert_eq!(quiz.resume(true), GenState::Complete(2));
/// ```
///
/// # Declaring the generator
///
/// The return type says what the generator yields, and optionally what it returns at its
/// end and what each `yield_!` receives: `-> Gen<Y>`, `-> Gen<Y, Return = R>`,
/// `-> Gen<Y, Return = R, Resume = S>` (`R` and `S` default to `()`). The macro turns it
/// into the real type:
///
/// | written | returns |
/// |---|---|
/// | `fn f(…) -> Gen<Y, Return = R, Resume = S>` | `Gen<Y, R, S, SyncBody<impl Future<Output = R> + Slotted<Y, S>>>`: an `Iterator<Item = Y>` when `S` is `()`, else driven by `start()` / `resume(s)` |
/// | `async fn f(…) -> Gen<Y, Return = R, Resume = S>` | `Gen<Y, R, S, impl Future<Output = R> + Slotted<Y, S>>`, to pin: a `Stream<Item = Y>` when `S` is `()`, else driven by `start_async()` / `resume_async(s).await`; its body may `.await` |
///
/// (`Slotted` says how the body exchanges values with its generator; see the
/// [`coroutine`](mod@coroutine) module.)
///
/// `Gen` is named through the path you wrote (`use coact::coroutine::Gen`, or
/// `coact::coroutine::Gen<…>`), so it must resolve to [`coroutine::Gen`].
///
/// # The body
///
/// - `yield_!(v)` suspends the body, handing `v` to the driver; its value is what the
///   driver resumes it with (`let answer = yield_!(question);`), `()` for an iterator.
///   `yield_!()` yields `()`. It works anywhere in the body, inside other macros'
///   arguments too (`vec![yield_!(a)]`), and needs no import.
/// - `return x` (or the body's last expression) ends the generator with `x`:
///   [`GenState::Complete(x)`](coroutine::GenState::Complete) from `resume`, or
///   `take_return()` once an iterator has ended.
/// - `?` works when `Return` is a `Result` (or an `Option`): an error ends the generator
///   with that error as its return value; the values yielded before stay yielded.
/// - Arguments are moved into the generator, as an `async fn` moves them, and dropped with
///   it; dropping a generator mid-way drops the body's locals. A panic in the body
///   propagates to whoever resumed it, and the generator is finished from then on.
///
/// # Why `yield_!` and not `yield`
///
/// rustc rejects the `yield` keyword while parsing the function (`yield` syntax is
/// experimental), before any attribute macro runs, so no attribute can offer literal
/// `yield` on stable Rust. `yield_!` is an ordinary macro call, which rustc leaves for
/// `#[coroutine]` to rewrite. Used outside a `#[coroutine]` function it is a compile
/// error ([`yield_!`](yield_)).
///
/// # Cost
///
/// No allocation per item. Per generator: one (the slot shared by the generator and its
/// body) for an `async fn`'s generator, which is stored inline and must be pinned
/// (`std::pin::pin!` or `Box::pin`); two for a plain `fn`'s, whose body is boxed so that
/// the `Iterator` can be `Unpin`. A generator is `Send` whenever its arguments and the
/// locals its body keeps across a `yield_!` are.
///
/// # Arguments
///
/// - `crate = path`: where the `coact` crate is (default `::coact`).
///
/// # Errors at compile time
///
/// A `yield_!` inside a closure, an `async` block or a nested `fn` (none of which can
/// suspend this generator), `.await` in a plain `fn`, a missing or other return type, a
/// `const`, `unsafe` or `extern` fn, the attribute on anything but a function, and
/// unknown arguments are each reported at the offending span.
pub use coact_macros::coroutine;

/// Suspends a [`#[coroutine]`](macro@coroutine) body with a value; evaluates to the
/// value the generator is resumed with.
///
/// `#[coroutine]` rewrites every `yield_!` in its body; this macro exists only so that a
/// `yield_!` anywhere else is a clear compile error rather than an unknown macro:
///
/// ```compile_fail
/// fn not_a_coroutine() {
///     coact::yield_!(1); // error: `yield_!` only works in the body of a `#[coroutine]` fn
/// }
/// ```
#[macro_export]
macro_rules! yield_ {
    ($($value:tt)*) => {
        ::core::compile_error!(
            "`yield_!` only works in the body of a `#[coroutine]` fn, which rewrites it; \
             here nothing suspends (inside a closure, an async block or another macro's \
             definition, say)"
        )
    };
}

/// Turns an inline module of state functions, or an inherent impl block of state methods,
/// into a state machine whose undeclared transitions fail to compile.
///
/// Mark each state with [`#[state]`](macro@state):
///
/// - `#[state(transitions_to = next)]` or `#[state(transitions_to = [a, b])]`: the state
///   ends by returning the state it enters, written as a call of that state with its
///   arguments (`dead(true)`). Leave its return type out (or write `-> _`).
/// - `#[state]`: a terminal state; what it returns is the machine's result. All terminal
///   states return the same type.
/// - `on_start = callback`: called as the state starts, with the state value (its name via
///   `.name()`, its arguments as fields) and, for methods, the object: `fn(&PlantState)` in
///   a module, `fn(&mut Flower, &FlowerState)` (or `&Flower`) in an impl block. A callback
///   of another signature is an error at the callback that says which one is expected. In
///   a module, the path is resolved in the module first, then beside it: a callback
///   defined next to `mod plant` needs no `super::`.
///
/// States are free functions (in a module) or methods taking `&self` or `&mut self` (in
/// an impl block; the machine owns the object), `fn` or `async fn`, with owned arguments.
/// Their futures must be `Send`, so that a machine can be spawned (the compiler's note
/// then points at the value held across an `.await`). Other items in the module or impl
/// block are left alone.
///
/// # What it generates
///
/// For `mod plant` (or `impl Plant`), the enum `PlantState`, one variant per state holding
/// its arguments (`PlantState::Dead { is_eaten: bool }`), which implements
/// [`state::Machine`] (and [`state::SyncMachine`] when no state is `async`). A value of it
/// is where a machine starts: pass it to [`state::run`], [`state::run_sync`],
/// [`state::spawn`] or [`state::spawn_on`]. Inside the states, each state's name means its
/// *constructor*: `growing()` builds the transition to `growing`, and compiles only where
/// the current state declares it. Outside them, a module machine's state name builds the
/// enum's value: `run_sync(&mut (), plant::growing())`.
///
/// The enum implements `Debug`, showing each state's arguments (those whose type is
/// `Debug`; `_` stands for the others): `Flowering { is_eaten: true }`. Its `GRAPH`
/// (the declared table, printable as Mermaid or DOT) and `name()` need no trait import.
///
/// # Arguments
///
/// - `name = Ident`: the name of the generated enum (default: the module's or type's name
///   in `UpperCamelCase` followed by `State`).
/// - `derive(Clone, PartialEq, …)`: derives for the enum, so that a state value can be
///   stored (from an `on_start` callback, say), compared or hashed; each needs the states'
///   argument types to implement the trait. `Debug` is always implemented.
/// - `crate = path`: where the `coact` crate is (default `::coact`).
///
/// # Errors at compile time
///
/// An undeclared transition is reported at the call, naming the target and the allowed
/// ones. Unknown or repeated names in `transitions_to`, unknown or repeated arguments,
/// terminal states with different result types, generic or `unsafe` states, pattern or
/// borrowed arguments, and `self` by value are each reported at the offending span.
///
/// ```
/// #[coact::machine]
/// mod plant {
///     #[state(transitions_to = growing)]
///     pub fn sprouting() { growing() }
///
///     #[state(transitions_to = flowering)]
///     pub fn growing() { flowering(false) }
///
///     #[state(transitions_to = [dead, withering])]
///     pub fn flowering(is_eaten: bool) {
///         if is_eaten { dead(true) } else { withering() }
///     }
///
///     #[state(transitions_to = dead)]
///     pub fn withering() { dead(false) }
///
///     #[state]
///     pub fn dead(is_eaten: bool) -> &'static str {
///         if is_eaten { "eaten" } else { "withered" }
///     }
/// }
///
/// use plant::PlantState;
/// assert_eq!(coact::state::run_sync(&mut (), PlantState::Sprouting), Ok("withered"));
/// assert_eq!(coact::state::run_sync(&mut (), plant::flowering(true)), Ok("eaten"));
/// assert_eq!(format!("{:?}", plant::dead(true)), "Dead { is_eaten: true }");
/// assert!(PlantState::GRAPH.check("sprouting", "dead").is_err());
/// ```
///
/// A transition the state does not declare does not compile:
///
/// ```compile_fail
/// #[coact::machine]
/// mod plant {
///     #[state(transitions_to = growing)]
///     pub fn sprouting() { dead() } // error: state `sprouting` cannot transition to `dead`
///     #[state(transitions_to = dead)]
///     pub fn growing() { dead() }
///     #[state]
///     pub fn dead() {}
/// }
/// ```
pub use coact_macros::machine;

/// Marks a state inside a [`#[machine]`](macro@machine) module or impl block.
///
/// `#[state]` (terminal), `#[state(transitions_to = next)]`,
/// `#[state(transitions_to = [a, b], on_start = callback)]`; see
/// [`#[machine]`](macro@machine). The machine reads and removes these markers, so inside
/// it `#[state]` needs no import; used anywhere else it is a compile error.
pub use coact_macros::state;

pub use coact_runtime::access;
pub use coact_runtime::access::{FirstReply, Ordered, KV};
pub use coact_runtime::coroutine;
pub use coact_runtime::handler;
pub use coact_runtime::handler::{CallError, Deferred, Handle, Handler, Served, StopReason};
pub use coact_runtime::identity;
pub use coact_runtime::state;

/// The names most programs need: `use coact::prelude::*;`.
pub mod prelude {
    pub use crate::access::{FirstReply, Ordered, KV};
    pub use crate::coroutine::{Gen, GenState};
    pub use crate::handler::{CallError, Deferred, Handle, Served, StopReason};
    pub use crate::identity::{LoadError, Shared};
    pub use crate::{deferred_handler, identity_cached, machine};
}

// The README's examples are compiled and run as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// Items used by macro-generated code. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use coact_runtime::__private::*;
}
