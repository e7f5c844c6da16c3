//! The error collector of one expansion (`serde_derive`'s `Ctxt`): every check pushes its
//! error here instead of returning early, and the entry point `check`s it once, by value,
//! so every mistake of the input is reported in one build.
//!
//! Unlike serde's, a `Ctxt` that was never checked does not panic in `Drop`: a macro must
//! never panic in a user's build. Forgetting to check is caught by `#[must_use]` at the
//! constructor and, in this crate's own unit tests only, by an assertion in `Drop`.

#[cfg(test)]
use std::cell::Cell;
use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

#[must_use = "a Ctxt holds errors: call `check` to report them"]
pub struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
    #[cfg(test)]
    checked: Cell<bool>,
}

/// How many errors a `Ctxt` held at one point, to ask whether a pass since then failed.
#[derive(Clone, Copy)]
pub struct Mark(usize);

impl Ctxt {
    pub fn new() -> Self {
        Self {
            errors: RefCell::new(Vec::new()),
            #[cfg(test)]
            checked: Cell::new(false),
        }
    }

    /// An error at `span`.
    pub fn error(&self, span: Span, message: impl Display) {
        self.syn_error(syn::Error::new(span, message));
    }

    /// An error covering all of `tokens` (a whole type, not only its first token).
    pub fn error_spanned_by(&self, tokens: impl ToTokens, message: impl Display) {
        self.syn_error(syn::Error::new_spanned(tokens, message));
    }

    pub fn syn_error(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    pub fn mark(&self) -> Mark {
        Mark(self.errors.borrow().len())
    }

    /// Whether any error was pushed since `mark`: each check of one part (a method, a
    /// state, an argument) asks this, not whether the whole input has failed so far.
    pub fn failed_since(&self, mark: Mark) -> bool {
        self.errors.borrow().len() > mark.0
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.borrow().is_empty()
    }

    /// Ends the expansion's checks: every error collected, combined into one.
    pub fn check(self) -> syn::Result<()> {
        #[cfg(test)]
        self.checked.set(true);
        let mut errors = self.errors.take().into_iter();
        let Some(mut all) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            all.combine(error);
        }
        Err(all)
    }
}

#[cfg(test)]
impl Drop for Ctxt {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert!(self.checked.get(), "a Ctxt was dropped without `check`");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_is_kept_in_order() {
        let cx = Ctxt::new();
        cx.error(Span::call_site(), "one");
        let mark = cx.mark();
        assert!(!cx.failed_since(mark));
        cx.error(Span::call_site(), "two");
        assert!(cx.failed_since(mark));
        let error = cx.check().unwrap_err();
        let messages: Vec<_> = error.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages, ["one", "two"]);
    }

    #[test]
    fn no_error_checks_ok() {
        assert!(Ctxt::new().check().is_ok());
    }
}
