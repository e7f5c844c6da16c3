//! [`Kept`]: what a generator driven by [`accumulate`](super::accumulate),
//! [`batch_accumulate`](super::batch_accumulate) or a [`Cooperator`](super::Cooperator)
//! may yield, and which of its items are kept.
//
// Why a trait of its own and not `Into<Option<T>>`, which these functions took before:
// for an `Option<u64>` item, `Option<u64>: Into<Option<T>>` holds for `T = u64` (std's
// `From<T> for T`) and for `T = Option<u64>` (std's `From<T> for Option<T>`), so the
// natural call `accumulate(gen).await` over the "yield `None` to skip" idiom needed a type
// annotation (E0283). An associated type names one kept type per item type, so `T` is
// inferred. The price: a blanket impl for every type would overlap the one for
// `Option<T>`, so plain values are the std types below, and a type of the user's own takes
// a four-line impl (the diagnostic says so).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet, LinkedList, VecDeque};
use std::rc::Rc;
use std::sync::Arc;

/// A value a cooperative generator yields: an `Option<T>` is kept when it is `Some` (yield
/// `None` for a step that produced nothing), any other value is kept whole.
///
/// Implemented for `Option<T>` and for the standard library's value types: numbers,
/// `bool`, `char`, `()`, `String`, references, `Box`, `Rc`, `Arc`, `Cow`, `Vec` and the
/// other collections, `Result`, arrays and tuples (up to twelve). For a type of your own,
/// yield `Some(value)` from a `Gen<Option<MyType>>`, or implement it:
///
/// ```
/// use coact::coroutine::{accumulate, Gen, Kept};
///
/// #[derive(Debug, PartialEq)]
/// struct Point { x: i32, y: i32 }
///
/// impl Kept for Point {
///     type Value = Self;
///     fn kept(self) -> Option<Self> { Some(self) }
/// }
///
/// #[coact::coroutine]
/// fn diagonal(n: i32) -> Gen<Point> {
///     for i in 0..n {
///         yield_!(Point { x: i, y: i });
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let points = accumulate(diagonal(2)).await.unwrap();
/// assert_eq!(points, [Point { x: 0, y: 0 }, Point { x: 1, y: 1 }]);
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value a cooperative generator's results can be made of",
    label = "a generator of `{Self}`",
    note = "yield `Some(value)` (and `None` to skip a step), or implement \
            `coact::coroutine::Kept` for `{Self}` with `type Value = Self`"
)]
pub trait Kept {
    /// The type of the values kept.
    type Value;

    /// The value to keep, or `None` for a step that produced nothing.
    fn kept(self) -> Option<Self::Value>;
}

impl<T> Kept for Option<T> {
    type Value = T;

    fn kept(self) -> Option<T> {
        self
    }
}

/// Kept whole: `Value = Self`.
macro_rules! whole {
    ($({$($generics:tt)*} $ty:ty;)*) => {$(
        impl<$($generics)*> Kept for $ty {
            type Value = Self;

            fn kept(self) -> Option<Self> {
                Some(self)
            }
        }
    )*};
}

whole! {
    {} i8; {} i16; {} i32; {} i64; {} i128; {} isize;
    {} u8; {} u16; {} u32; {} u64; {} u128; {} usize;
    {} f32; {} f64; {} bool; {} char; {} (); {} String;
    {} std::time::Duration; {} std::path::PathBuf; {} std::ffi::OsString;
    {'a, T: ?Sized} &'a T;
    {'a, T: ?Sized} &'a mut T;
    {T: ?Sized} Box<T>;
    {T: ?Sized} Rc<T>;
    {T: ?Sized} Arc<T>;
    {'a, B: ?Sized + ToOwned} Cow<'a, B>;
    {T} Vec<T>;
    {T} VecDeque<T>;
    {T} LinkedList<T>;
    {T} BinaryHeap<T>;
    {K, V, S} HashMap<K, V, S>;
    {T, S} HashSet<T, S>;
    {K, V} BTreeMap<K, V>;
    {T} BTreeSet<T>;
    {T, E} Result<T, E>;
    {T} std::num::Wrapping<T>;
    {T, const N: usize} [T; N];
}

/// Tuples of anything, kept whole.
macro_rules! tuples {
    ($($name:ident)+) => {
        whole! { {$($name),+} ($($name,)+); }
    };
}

tuples!(A);
tuples!(A B);
tuples!(A B C);
tuples!(A B C D);
tuples!(A B C D E);
tuples!(A B C D E F);
tuples!(A B C D E F G);
tuples!(A B C D E F G H);
tuples!(A B C D E F G H I);
tuples!(A B C D E F G H I J);
tuples!(A B C D E F G H I J K);
tuples!(A B C D E F G H I J K L);

#[cfg(test)]
mod tests {
    use super::Kept;

    #[test]
    fn options_skip_none_and_other_values_are_kept_whole() {
        assert_eq!(Some(3_u8).kept(), Some(3));
        assert_eq!(None::<u8>.kept(), None);
        assert_eq!(Some(None::<u8>).kept(), Some(None));
        assert_eq!(5_u64.kept(), Some(5));
        assert_eq!(("a", 1).kept(), Some(("a", 1)));
        assert_eq!(Err::<u8, _>("no").kept(), Some(Err("no")));
    }
}
