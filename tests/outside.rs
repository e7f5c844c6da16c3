//! Builds and runs `tests/outside`, a crate outside the workspace that depends on `coact`
//! by path, so generated code is checked from a user's point of view.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `cargo <args> --manifest-path tests/<krate>/Cargo.toml`, as a user would in that
/// crate.
fn cargo(krate: &str, args: &[&str]) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    Command::new(env!("CARGO"))
        .args(args)
        .arg("--manifest-path")
        .arg(root.join("tests").join(krate).join("Cargo.toml"))
        // Their own target directory: no lock contention with the running `cargo test`.
        .env("CARGO_TARGET_DIR", root.join("target/outside"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs")
}

#[test]
fn a_crate_outside_the_workspace_builds_and_runs() {
    let output = cargo("outside", &["run", "--quiet"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the outside crate failed:\n{stdout}\n{stderr}"
    );
    assert_eq!(
        stdout.trim(),
        "outside: user 1 loaded once\noutside: user 2 is now Steve\n\
         outside: the plant withered, after [Flowering { is_eaten: false }, Dead { is_eaten: false }]\n\
         outside: 2 calls served, sum 3\noutside: squares [0, 1] then [4, 9], sum 14\n\
         outside: evens [0, 2, 4]\n\
         outside: a protocol coroutine yielded 3 operations"
    );
}

#[test]
fn a_crate_that_asks_for_one_pattern_builds_and_runs_it() {
    let output = cargo("one_pattern", &["run", "--quiet"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "it failed:\n{stdout}\n{stderr}");
    assert_eq!(stdout.trim(), "one pattern: sum 3");
}

#[test]
fn a_crate_that_asks_for_one_pattern_compiles_none_of_the_others_dependencies() {
    let output = cargo("one_pattern", &["tree", "-e", "normal", "--prefix", "none"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(tree.contains("coact-runtime"), "{tree}");
    // papaya (and its reclamation and hash crates) come with `identity`, futures-util
    // with `state`, `identity` and `access`, crossbeam-utils with `coroutine`.
    for other in [
        "papaya",
        "seize",
        "foldhash",
        "futures-util",
        "crossbeam-utils",
    ] {
        assert!(!tree.contains(other), "`{other}` is compiled:\n{tree}");
    }
}

#[test]
fn a_macro_whose_pattern_is_off_is_an_error_that_names_the_feature() {
    let output = cargo("one_pattern", &["check", "--quiet", "--features", "misuse"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "it compiled");
    assert!(
        stderr.contains(
            "`#[identity_cached]` needs coact's `identity` feature, which is off: \
             add \"identity\" to the `features` of coact in Cargo.toml"
        ),
        "{stderr}"
    );
    let errors = stderr
        .lines()
        .filter(|line| line.starts_with("error") && !line.starts_with("error: could not compile"))
        .count();
    assert_eq!(errors, 1, "one error, and only one:\n{stderr}");
}
