//! Nothing to use: the package exists for its tests. Its compile-fail cases run under
//! trybuild (`ui.rs`), its compile-pass cases are tests of their own (see `Cargo.toml`).
//! The library is here because trybuild passes features to its cases only through one.
