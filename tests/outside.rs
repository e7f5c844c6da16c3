//! Builds and runs `tests/outside`, a crate outside the workspace that depends on `coact`
//! by path, so generated code is checked from a user's point of view.

use std::path::Path;
use std::process::Command;

#[test]
fn a_crate_outside_the_workspace_builds_and_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--manifest-path"])
        .arg(root.join("tests/outside/Cargo.toml"))
        // Its own target directory: no lock contention with the running `cargo test`.
        .env("CARGO_TARGET_DIR", root.join("target/outside"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
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
         outside: evens [0, 2, 4]"
    );
}
