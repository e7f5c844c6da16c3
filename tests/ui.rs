//! Compile-fail and compile-pass cases of the macros, checked with trybuild.
//! Regenerate expected output with `TRYBUILD=overwrite cargo test --test ui` (and again
//! with `--features nats` for the remote handler's cases), then read it.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
    // `#[deferred_handler(remote)]`: its checks with the `nats` feature, and the error
    // that asks for the feature without it.
    if cfg!(feature = "nats") {
        cases.compile_fail("tests/ui/nats/fail/*.rs");
        cases.pass("tests/ui/nats/pass/*.rs");
    } else {
        cases.compile_fail("tests/ui/no-nats/*.rs");
    }
}
