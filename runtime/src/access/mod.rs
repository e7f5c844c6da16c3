//! Concurrent data access: start several fetches at once and read their results like a
//! map ([`KV`]), in the order they were asked for ([`Ordered`]), or in the order they
//! answer ([`FirstReply`]).
//!
//! Each entry is a future, run as its own tokio task from the moment it is added (so
//! fetches from a database, an object store and a REST service overlap), or a blocking
//! closure (`put_blocking`, `push_blocking`), run on tokio's blocking pool for drivers that
//! block. Every collection takes the same options: a concurrency limit
//! (`with_limit`) and a per-entry timeout (`with_timeout`). An entry that panics or times
//! out is reported as an [`EntryError`] for that entry alone; the others go on. Dropping a
//! collection aborts its unfinished entries.
//!
//! ```
//! use coact::access::KV;
//!
//! async fn photos(user: u32, limit: usize) -> Vec<String> {
//!     (0..limit).map(|i| format!("photo {i} of {user}")).collect()
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let mut page = KV::new();
//! page.put("cats", async { photos(7, 2).await.join(", ") }).unwrap();
//! page.put_blocking("motd", || "blocking drivers work too".to_owned()).unwrap();
//! let context = page.finish().await.into_map().unwrap();   // a HashMap, ready for a template
//! assert_eq!(context["cats"], "photo 0 of 7, photo 1 of 7");
//! # }
//! ```

// Where things are: `tasks.rs` is the engine every collection shares (tasks, limit,
// timeout, completion order), `kv.rs`, `ordered.rs` and `first_reply.rs` the three
// collections, `error.rs` what can fail. No macro names anything here.

mod error;
mod first_reply;
mod kv;
mod ordered;
mod tasks;

pub use self::error::{AllFailed, DuplicateKey, Entry, EntryError, Failure, Failures};
pub use self::first_reply::FirstReply;
pub use self::kv::{Finished, KV};
pub use self::ordered::Ordered;
