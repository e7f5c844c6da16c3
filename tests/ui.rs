//! Compile-fail and compile-pass cases of the macros, checked with trybuild.
//! Regenerate expected output with `TRYBUILD=overwrite cargo test --test ui`, then read it.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
