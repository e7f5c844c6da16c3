//! Compile-fail cases of the macros, checked with trybuild: each pins the error a misuse
//! gets. Regenerate the expected output with `TRYBUILD=overwrite cargo test -p coact-ui
//! --test ui` (and again with `--features nats` for the remote handler's cases), then
//! read it.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    if cfg!(feature = "nats") {
        // `#[deferred_handler(remote)]`'s checks. The other cases run without features
        // only: rustc words some messages differently when more crates are linked (it
        // writes `std::marker::Send` where a name is no longer unique), and the expected
        // output pins one wording.
        cases.compile_fail("nats/fail/*.rs");
    } else {
        cases.compile_fail("fail/*.rs");
        // `remote` without the feature: the error that asks for it.
        cases.compile_fail("no-nats/*.rs");
    }
}
