//! Identity maps and memoization: the same key gives the very same instance, loaded once.
//!
//! A [`Cache`] maps keys to values behind `Arc`s. [`Cache::get_or_load`] returns the
//! cached value, or runs the loader it is given: concurrent misses for one key run it once
//! (single-flight) and every caller gets the same `Arc`; [`Cache::get`] only looks, and
//! as a plain call is the cheapest hit. A loader that finds nothing (`Ok(None)`) gives
//! [`LoadError::NotFound`] and caches nothing ("no data, no instance"); a loader error or
//! panic is returned to every waiter and never cached.
//!
//! For identity maps the value is a [`Shared`] handle (an `Arc<RwLock<V>>`), so a change
//! made through one handle is seen through every other; memoized functions cache their
//! result as a plain `Arc<V>`. The default [`Retention`] keeps an entry until it is
//! forgotten or cleared, so such a change outlives the handle it was made through; see
//! [`Retention`] for the bounded and weak alternatives and what they cost.
//!
//! `#[identity_cached]` keeps one `static` cache per function. A `Cache` can also be a
//! field of a struct (`Cache::default()`), for a map per database, tenant or test, with
//! [`Cache::get_or_load`] given a loader that borrows the struct's pool.
//!
//! ```
//! use coact::identity::{Cache, Retention, Shared};
//!
//! #[derive(Debug)]
//! struct User { name: String }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let users: Cache<u32, Shared<User>, std::io::Error> = Cache::new(Retention::default());
//! let load = |id: u32| async move {
//!     Ok(if id == 1 { Some(User { name: "Ada".into() }) } else { None })
//! };
//! let a = users.get_or_load(1, || load(1)).await.unwrap();
//! let b = users.get_or_load(1, || load(1)).await.unwrap();
//! assert!(Shared::ptr_eq(&a, &b));                  // the very same instance
//! a.write().name = "Steve".into();
//! assert_eq!(b.read().name, "Steve");                // seen through every handle
//! drop((a, b));
//! let again = users.get_or_load(1, || load(1)).await.unwrap();
//! assert_eq!(again.read().name, "Steve");            // and kept: no reload
//! assert!(users.get_or_load(2, || load(2)).await.is_err()); // no data, no instance
//! # }
//! ```

// Where things are: `cache.rs` is the `Cache` API and its map's entries, `flight.rs`
// single-flight loading, `housekeeper.rs` expiry and eviction, `stats.rs` the counters,
// `shared.rs` what a cache hands out, `error.rs` `LoadError`, `redis/` the shared tier
// (feature `redis`), and `generated.rs` the items only `#[identity_cached]`'s output names.
// `loom.rs` models single-flight and eviction under loom (`--cfg loom`).

mod cache;
mod error;
mod flight;
pub(crate) mod generated;
mod housekeeper;
#[cfg(all(test, loom))]
mod loom;
#[cfg(feature = "redis")]
mod redis;
mod shared;
mod stats;

pub use self::cache::{Cache, Retention};
pub use self::error::LoadError;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use self::redis::{RedisTier, TierError};
pub use self::shared::{Cached, Shared};
pub use self::stats::Stats;
