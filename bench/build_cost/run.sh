#!/usr/bin/env bash
# What coact costs at build time, measured against the same program without it.
#
#   bench/build_cost/run.sh            # both measures; takes a few minutes
#   bench/build_cost/run.sh build      # only the first; `check` for only the second
#
# 1. Clean debug build, CPU time (user + sys of every rustc), of one small program
#    written three ways: a `#[deferred_handler]` with two methods (with coact's default
#    features, every pattern, and with `features = ["handler"]` alone), the same actor
#    written by hand with bare tokio (mpsc + oneshot), and the same actor in kameo. Each builds
#    in a fresh target directory, offline, once `cargo fetch` has filled the registry cache.
# 2. `cargo check` of a 100-method handler (two arguments per method) against the same
#    impl block without the attribute: CPU seconds of rustc checking the final crate
#    alone (its dependencies are checked first; cargo's own time is left out), without
#    incremental compilation (which would replay the type check from its cache), best of 10. With RUSTC_BOOTSTRAP=1 it also prints rustc's own split of
#    that time (`-Z time-passes`: expansion against type checking).
#
# The fixtures live in this folder and are copied to a scratch directory, outside any
# workspace, with `coact` as a path dependency, as a user's crate would have it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
coact=$(cd "$here/../.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# A crate named $1 with extra [dependencies] lines $2 and src/main.rs from $3.
make_crate() {
    mkdir -p "$scratch/$1/src"
    cat > "$scratch/$1/Cargo.toml" <<TOML
[package]
name = "$1"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
tokio = { version = "1.47", default-features = false, features = ["rt", "macros", "sync"] }
$2
TOML
    cp "$3" "$scratch/$1/src/main.rs"
}

# CPU seconds (user + sys, children included) of a command, on stdout; its output hidden.
cpu_seconds() {
    local TIMEFORMAT='%U %S'
    { time "$@" >/dev/null 2>&1; } 2>&1 | awk '{ printf "%.2f", $1 + $2 }'
}

what=${1:-all}
if [ "$what" != check ]; then
echo "== 1. clean debug build, CPU seconds (user + sys) =="
make_crate one_coact "coact = { path = \"$coact\" }" "$here/one_handler_coact.rs"
# The same program asking coact for the one pattern it uses.
make_crate one_handler "coact = { path = \"$coact\", default-features = false, features = [\"handler\"] }" \
    "$here/one_handler_coact.rs"
make_crate one_tokio "" "$here/one_handler_tokio.rs"
make_crate one_kameo "kameo = \"0.22.2\"" "$here/one_handler_kameo.rs"
declare -A cpu
for crate in one_tokio one_coact one_handler one_kameo; do
    (cd "$scratch/$crate" && cargo fetch -q)   # the registry, once; the build is offline
    # The program must run: a build of something broken measures nothing.
    (cd "$scratch/$crate" && cargo run -q --offline >/dev/null)
    rm -rf "$scratch/$crate/target"
    cpu[$crate]=$(cd "$scratch/$crate" && cpu_seconds cargo build --offline)
    printf '%-10s %6s s\n' "$crate" "${cpu[$crate]}"
done
awk -v c="${cpu[one_coact]}" -v h="${cpu[one_handler]}" -v t="${cpu[one_tokio]}" -v k="${cpu[one_kameo]}" \
    'BEGIN { printf "coact / bare tokio: %.2fx (every pattern), %.2fx (features = [\"handler\"])   coact / kameo: %.2fx, %.2fx\n", c / t, h / t, c / k, h / k }'
for crate in one_coact one_handler; do
    echo "$crate's dependency tree (normal dependencies):"
    (cd "$scratch/$crate" && cargo tree --offline -e normal --prefix none | sort -u | tr '\n' ' ' && echo)
done
fi
[ "$what" = build ] && exit 0

echo
echo "== 2. cargo check of a 100-method handler, final crate only, CPU seconds, best of 10 =="
gen_handler() { # $1 = attribute line or empty
    echo '#![allow(dead_code)]'
    echo 'pub struct Big { n: u64 }'
    echo "$1"
    echo 'impl Big {'
    for i in $(seq 0 99); do
        echo "    pub fn method_$i(&mut self, a: u64, b: String) -> u64 { self.n += a + b.len() as u64; self.n }"
    done
    echo '}'
    echo 'fn main() {}'
}
gen_handler '#[coact::deferred_handler]' > "$scratch/big_coact.rs"
gen_handler '' > "$scratch/big_plain.rs"
make_crate big_coact "coact = { path = \"$coact\" }" "$scratch/big_coact.rs"
make_crate big_plain "coact = { path = \"$coact\" }" "$scratch/big_plain.rs"
# rustc's CPU time for the crate itself, through a wrapper cargo puts around the
# compiler for workspace members only (not for the dependencies).
cat > "$scratch/time_rustc.sh" <<'SH'
#!/usr/bin/env bash
TIMEFORMAT='%U %S'
{ time "$@" 2>"$RUSTC_STDERR"; } 2>"$RUSTC_TIME"
SH
chmod +x "$scratch/time_rustc.sh"
declare -A check
for crate in big_plain big_coact; do
    (cd "$scratch/$crate" && cargo fetch -q && cargo check -q --offline)
    best=
    for _ in $(seq 10); do
        touch "$scratch/$crate/src/main.rs"
        (cd "$scratch/$crate" && CARGO_INCREMENTAL=0 RUSTC_WORKSPACE_WRAPPER="$scratch/time_rustc.sh" \
            RUSTC_TIME="$scratch/rustc_time" RUSTC_STDERR="$scratch/rustc_stderr" \
            cargo check -q --offline)
        t=$(awk '{ printf "%.3f", $1 + $2 }' "$scratch/rustc_time")
        best=$(awk -v a="$t" -v b="${best:-$t}" 'BEGIN { print (a < b ? a : b) }')
    done
    check[$crate]=$best
    printf '%-10s %6s s\n' "$crate" "$best"
done
awk -v c="${check[big_coact]}" -v p="${check[big_plain]}" \
    'BEGIN { printf "with the attribute / without: %.1fx\n", c / p }'
# Wall and CPU time swing by a third from run to run on a shared VM, even as the best of
# 10; the instructions rustc executes do not. With valgrind installed, count them too.
if command -v valgrind >/dev/null; then
    cat > "$scratch/count_rustc.sh" <<'SH'
#!/usr/bin/env bash
valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$@" 2>"$RUSTC_COUNT"
SH
    chmod +x "$scratch/count_rustc.sh"
    declare -A count
    for crate in big_plain big_coact; do
        touch "$scratch/$crate/src/main.rs"
        (cd "$scratch/$crate" && CARGO_INCREMENTAL=0 RUSTC_WORKSPACE_WRAPPER="$scratch/count_rustc.sh" \
            RUSTC_COUNT="$scratch/rustc_count" cargo check -q --offline)
        count[$crate]=$(awk '/I *refs/ { gsub(",", "", $4); printf "%.0f", $4 / 1e6 }' "$scratch/rustc_count")
        printf '%-10s %6s M instructions\n' "$crate" "${count[$crate]}"
    done
    awk -v c="${count[big_coact]}" -v p="${count[big_plain]}" \
        'BEGIN { printf "with the attribute / without, in instructions: %.1fx\n", c / p }'
fi
if [ "${RUSTC_BOOTSTRAP:-}" = 1 ]; then
    echo "rustc's split for the 100-method handler (-Z time-passes, top passes):"
    touch "$scratch/big_coact/src/main.rs"
    (cd "$scratch/big_coact" && CARGO_INCREMENTAL=0 cargo rustc -q --offline --profile=check -- -Z time-passes 2>&1 |
        grep -E 'time: .*(expand_crate|macro_expand_crate|type_check_crate|MIR_borrow_checking|total)' || true)
fi
