//! The no-panic corpus: each macro's expansion function, called as its entry point in
//! `lib.rs` calls it (with `proc_macro2`'s fallback, in a plain test), must return tokens
//! and never panic on thousands of mutants of a few seed inputs (`seeds`): a malformed
//! input gets a spanned `compile_error!`, never "proc macro panicked". The mutants are
//! every prefix of each seed's arguments, item and body, and `MUTANTS` random ones per
//! seed (`mutate`): identifiers renamed to odd legal names throughout; tokens deleted,
//! swapped, duplicated, inserted or replaced at any depth; groups emptied or
//! re-delimited; bad arguments in the attribute and in each `#[state(…)]`.
//!
//! A PRNG seeded by the case's number makes the edits, so a case id (`handler/3/117`:
//! family, seed, mutant) names one input for good. A failure prints the id, the panic and
//! the input; `COACT_CORPUS_CASE=handler/3/117 RUST_BACKTRACE=1 cargo test -p
//! coact-macros corpus::handler` runs that case alone, uncaught, for its backtrace (the
//! input as printed loses what text cannot show, such as invisible delimiters; the id
//! does not). `COACT_CORPUS_MUTANTS=5000` makes a longer run than `cargo test`'s.

mod mutate;
mod pools;
mod seeds;

use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use proc_macro2::{Group, TokenStream, TokenTree};

use mutate::Rng;

/// Random mutants per seed, unless `COACT_CORPUS_MUTANTS` says how many: about five
/// thousand cases in all, three seconds of CPU in a debug build.
const MUTANTS: usize = 200;

/// A macro family: what its `#[proc_macro_attribute]` in `lib.rs` calls. Its name is
/// its test's.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Handler,
    Machine,
    State,
    Coroutine,
    Identity,
}

impl Family {
    fn name(self) -> &'static str {
        match self {
            Self::Handler => "handler",
            Self::Machine => "machine",
            Self::State => "state",
            Self::Coroutine => "coroutine",
            Self::Identity => "identity",
        }
    }

    fn expand(self, args: TokenStream, item: TokenStream) -> TokenStream {
        match self {
            Self::Handler => crate::handler::expand(args, item),
            Self::Machine => crate::machine::expand(args, item),
            // `#[state]` on its own ignores its arguments, as in `lib.rs`.
            Self::State => crate::machine::state_outside_machine(item),
            Self::Coroutine => crate::coroutine::expand(args, item),
            Self::Identity => crate::identity::expand(args, item),
        }
    }
}

/// One input: an id that names it (see the module doc), the arguments and the item.
struct Case {
    id: String,
    args: TokenStream,
    item: TokenStream,
}

fn cases(family: Family) -> Vec<Case> {
    let mutants = std::env::var("COACT_CORPUS_MUTANTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(MUTANTS);
    let mut cases = Vec::new();
    for (s, (args, item)) in seeds::seeds(family).into_iter().enumerate() {
        let id = |what: String| format!("{}/{s}/{what}", family.name());
        let mut case = |what: String, args: TokenStream, item: TokenStream| {
            cases.push(Case {
                id: id(what),
                args,
                item,
            });
        };
        for (cut, args) in prefixes(&args).into_iter().enumerate() {
            case(format!("args..{cut}"), args, item.clone());
        }
        for (cut, item) in prefixes(&item).into_iter().enumerate() {
            case(format!("item..{cut}"), args.clone(), item);
        }
        // Inside the body: the last group of the item, cut token by token.
        let tokens: Vec<TokenTree> = item.clone().into_iter().collect();
        if let Some((TokenTree::Group(body), head)) = tokens.split_last() {
            for (cut, inner) in prefixes(&body.stream()).into_iter().enumerate() {
                let mut item: TokenStream = head.iter().cloned().collect();
                item.extend([TokenTree::Group(Group::new(body.delimiter(), inner))]);
                case(format!("body..{cut}"), args.clone(), item);
            }
        }
        for m in 0..mutants {
            let mut rng = Rng::new((family as u64) << 48 | (s as u64) << 32 | m as u64);
            let (args, item) = mutant(&mut rng, family, args.clone(), item.clone());
            case(m.to_string(), args, item);
        }
    }
    cases
}

/// Every prefix of `tokens`, cut between top-level tokens, from empty to whole.
fn prefixes(tokens: &TokenStream) -> Vec<TokenStream> {
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    (0..=tokens.len())
        .map(|cut| tokens[..cut].iter().cloned().collect())
        .collect()
}

/// A rename of identifiers throughout, or one to three edits, each of the arguments (bad
/// arguments or any token edit), of an argument list inside the item, or of the item's
/// tokens.
fn mutant(
    rng: &mut Rng,
    family: Family,
    mut args: TokenStream,
    mut item: TokenStream,
) -> (TokenStream, TokenStream) {
    if rng.below(3) == 0 {
        return mutate::rename(rng, args, item);
    }
    for _ in 0..=rng.below(3) {
        match rng.below(10) {
            0..=2 if family != Family::State => {
                args = if rng.below(2) == 0 {
                    mutate::mutate_args(rng, args)
                } else {
                    mutate::mutate_tokens(rng, args)
                };
            }
            3 => {
                item = mutate::mutate_inner_args(rng, &item)
                    .unwrap_or_else(|| mutate::mutate_tokens(rng, item));
            }
            _ => item = mutate::mutate_tokens(rng, item),
        }
    }
    (args, item)
}

thread_local! {
    /// Set while this thread runs a case: the panic hook keeps quiet and records the
    /// panic here instead of printing it.
    static CAUGHT: Cell<bool> = const { Cell::new(false) };
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`, catching a panic and returning its message and location. Other tests' panics
/// on other threads still print as usual: the hook is silenced per thread.
fn catch(f: impl FnOnce() -> TokenStream) -> Result<TokenStream, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CAUGHT.get() {
                PANIC.set(Some(info.to_string()));
            } else {
                previous(info);
            }
        }));
    });
    CAUGHT.set(true);
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CAUGHT.set(false);
    result.map_err(|_| PANIC.take().unwrap_or_else(|| "a panic".to_owned()))
}

/// Runs every case of `family` and fails with the first failure in full and the ids of
/// the others; with `COACT_CORPUS_CASE` set, runs that one case alone, uncaught.
fn run(family: Family) {
    let only = std::env::var("COACT_CORPUS_CASE").ok();
    let cases = cases(family);
    let total = cases.len();
    let mut first = None;
    let mut others = Vec::new();
    for Case { id, args, item } in cases {
        if let Some(only) = &only {
            if *only == id {
                family.expand(args, item);
            }
            continue;
        }
        let failure = match catch(|| family.expand(args.clone(), item.clone())) {
            Ok(out) if out.is_empty() => "returned no tokens".to_owned(),
            Ok(_) => continue,
            Err(panic) => panic,
        };
        if first.is_none() {
            first = Some(format!(
                "{id}: {failure}\n  args: {args}\n  item: {item}\n\
                 rerun it alone, uncaught: COACT_CORPUS_CASE={id} RUST_BACKTRACE=1 \
                 cargo test -p coact-macros corpus::{}",
                family.name()
            ));
        } else {
            others.push(id);
        }
    }
    if let Some(mut message) = first {
        let failed = others.len() + 1;
        let _ = write!(message, "\n{failed} of {total} cases failed");
        if !others.is_empty() {
            let shown = others.iter().take(20).cloned().collect::<Vec<_>>();
            let _ = write!(message, "; the others include {}", shown.join(", "));
        }
        panic!("{message}");
    }
}

#[test]
fn handler() {
    run(Family::Handler);
}

#[test]
fn machine() {
    run(Family::Machine);
}

#[test]
fn state() {
    run(Family::State);
}

#[test]
fn coroutine() {
    run(Family::Coroutine);
}

#[test]
fn identity() {
    run(Family::Identity);
}
