//! The body's rewrite, at the token level: every `yield_!(value)` becomes an await of the
//! coroutine's yield future, also inside other macros' arguments (`vec![…]`,
//! `println!(…)`), whose tokens rustc has not parsed yet and a syntax-tree visitor would
//! not see. A `yield_!` inside a closure, an `async` block or a nested `fn` cannot
//! suspend this coroutine: those are reported, not rewritten.
//!
//! Without a syntax tree, closures are found by their leading `|` in expression position
//! (after an operator, `(`, `,`, `=`, `=>`, `move`, `return`, … rather than after an
//! operand, where `|` is an or).

use proc_macro2::{Delimiter, Group, Ident, Spacing, Span, TokenStream, TokenTree};
use quote::quote_spanned;

use crate::diag::Ctxt;

/// Where the tokens being rewritten run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// The coroutine's own body: a `yield_!` suspends it.
    Body,
    /// Code that runs on its own: a `yield_!` here is an error.
    Closure,
    AsyncBlock,
    NestedFn,
}

pub struct Rewrite<'a> {
    /// The local holding the body's end of the slot (mixed-site: the user cannot name it).
    pub co: &'a Ident,
    /// An `async fn` coroutine may `.await`; a sync one may not.
    pub is_async: bool,
    pub cx: &'a Ctxt,
    /// Whether the body yields at all.
    pub yields: bool,
}

impl Rewrite<'_> {
    pub fn body(&mut self, tokens: TokenStream) -> TokenStream {
        self.tokens(tokens, Place::Body)
    }

    fn tokens(&mut self, tokens: TokenStream, place: Place) -> TokenStream {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut out: Vec<TokenTree> = Vec::with_capacity(tokens.len());
        // The next `fn` item is a `#[coroutine]` of its own: left for its own expansion.
        let mut nested_coroutine = false;
        let mut i = 0;
        while i < tokens.len() {
            let token = &tokens[i];
            match token {
                TokenTree::Ident(ident) if ident == "yield_" => {
                    if let (Some(TokenTree::Punct(bang)), Some(TokenTree::Group(args))) =
                        (tokens.get(i + 1), tokens.get(i + 2))
                    {
                        if bang.as_char() == '!' {
                            pop_path_prefix(&mut out);
                            out.extend(self.yield_(ident, args, place));
                            i += 3;
                            continue;
                        }
                    }
                    out.push(token.clone());
                }
                TokenTree::Ident(ident) if ident == "async" => {
                    // `async {…}`, `async move {…}`: a separate future. `async |…|` and
                    // `async move |…|`: a closure, handled at the `|`.
                    let mut j = i + 1;
                    if matches!(tokens.get(j), Some(TokenTree::Ident(m)) if m == "move") {
                        j += 1;
                    }
                    if let Some(TokenTree::Group(block)) = tokens.get(j) {
                        if block.delimiter() == Delimiter::Brace {
                            out.extend(tokens[i..j].iter().cloned());
                            out.push(self.group(block, Place::AsyncBlock));
                            i = j + 1;
                            continue;
                        }
                    }
                    out.push(token.clone());
                }
                TokenTree::Ident(ident)
                    if ident == "fn" && matches!(tokens.get(i + 1), Some(TokenTree::Ident(_))) =>
                {
                    // A nested fn item (not a `fn(…)` pointer type): its body is the first
                    // brace group after its name.
                    let body = tokens[i..]
                        .iter()
                        .position(|t| matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace))
                        .map(|at| i + at);
                    let Some(body) = body else {
                        out.push(token.clone());
                        i += 1;
                        continue;
                    };
                    out.extend(tokens[i..body].iter().cloned());
                    if nested_coroutine {
                        out.push(tokens[body].clone());
                        nested_coroutine = false;
                    } else if let TokenTree::Group(group) = &tokens[body] {
                        out.push(self.group(group, Place::NestedFn));
                    }
                    i = body + 1;
                    continue;
                }
                TokenTree::Punct(p) if p.as_char() == '#' => {
                    if let Some(TokenTree::Group(attr)) = tokens.get(i + 1) {
                        if attr.delimiter() == Delimiter::Bracket && names_coroutine(attr) {
                            nested_coroutine = true;
                        }
                    }
                    out.push(token.clone());
                }
                TokenTree::Punct(p) if p.as_char() == '|' && starts_closure(out.last()) => {
                    i = self.closure(&tokens, i, &mut out);
                    continue;
                }
                TokenTree::Punct(p) if p.as_char() == '.' => {
                    if let Some(TokenTree::Ident(next)) = tokens.get(i + 1) {
                        if next == "await" && place == Place::Body && !self.is_async {
                            self.cx.error(
                                next.span(),
                                "a sync coroutine cannot `.await`: make it an `async fn` \
                                 (its generator is then a `Stream`)",
                            );
                        }
                    }
                    out.push(token.clone());
                }
                TokenTree::Group(group) => out.push(self.group(group, place)),
                _ => out.push(token.clone()),
            }
            i += 1;
        }
        out.into_iter().collect()
    }

    fn group(&mut self, group: &Group, place: Place) -> TokenTree {
        let mut rewritten = Group::new(group.delimiter(), self.tokens(group.stream(), place));
        rewritten.set_span(group.span());
        TokenTree::Group(rewritten)
    }

    /// A closure starting at `tokens[start]` (its first `|`): its parameters as they are,
    /// its body checked as code that runs on its own. Returns where scanning goes on.
    fn closure(&mut self, tokens: &[TokenTree], start: usize, out: &mut Vec<TokenTree>) -> usize {
        let is_pipe =
            |t: Option<&TokenTree>| matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == '|');
        // `||` or `|params|`.
        let mut i = start + 1;
        let no_params = matches!(&tokens[start], TokenTree::Punct(p) if p.spacing() == Spacing::Joint)
            && is_pipe(tokens.get(i));
        if !no_params {
            while i < tokens.len() && !is_pipe(tokens.get(i)) {
                i += 1;
            }
        }
        let params_end = (i + 1).min(tokens.len());
        out.extend(tokens[start..params_end].iter().cloned());
        i = params_end;
        // `-> T { … }`: the body is the block; otherwise an expression up to `,` or `;`.
        let returns = matches!(
            (tokens.get(i), tokens.get(i + 1)),
            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == '-' && b.as_char() == '>'
        );
        let end = if returns {
            tokens[i..]
                .iter()
                .position(|t| matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace))
                .map_or(tokens.len(), |at| i + at + 1)
        } else {
            tokens[i..]
                .iter()
                .position(|t| matches!(t, TokenTree::Punct(p) if matches!(p.as_char(), ',' | ';')))
                .map_or(tokens.len(), |at| i + at)
        };
        let body: TokenStream = tokens[i..end].iter().cloned().collect();
        out.extend(self.tokens(body, Place::Closure));
        end
    }

    /// `yield_!(value)` in `place`: in the body, an await of the yield future.
    fn yield_(&mut self, ident: &Ident, args: &Group, place: Place) -> TokenStream {
        let span = ident.span();
        let message = match place {
            Place::Body => {
                self.yields = true;
                let value = self.tokens(args.stream(), Place::Body);
                let value = if value.is_empty() {
                    quote_spanned!(args.span()=> ())
                } else {
                    value
                };
                let co = self.co;
                let mut value = Group::new(Delimiter::Parenthesis, value);
                value.set_span(args.span());
                return quote_spanned!(span=> #co.yield_ #value .await);
            }
            Place::Closure => {
                "`yield_!` inside a closure cannot suspend the coroutine: the closure runs \
                 whenever it is called, not as a step of the body; yield from the body itself \
                 (a `for` loop instead of `for_each`, say)"
            }
            Place::AsyncBlock => {
                "`yield_!` inside an `async` block cannot suspend the coroutine: the block is a \
                 future of its own; write its code in the body (an `async fn` coroutine may \
                 `.await` there)"
            }
            Place::NestedFn => {
                "`yield_!` inside a nested `fn` cannot suspend this coroutine: make that fn a \
                 `#[coroutine]` of its own and yield its values from here"
            }
        };
        self.cx.error(span, message);
        // A placeholder of any type, so that the error is the only one.
        quote_spanned!(span=> ::core::unreachable!())
    }
}

/// Whether a `|` after `prev` starts a closure rather than being an or: it does where an
/// operand is expected.
fn starts_closure(prev: Option<&TokenTree>) -> bool {
    match prev {
        None => true,
        // `x? | y`: `?` ends an operand; any other punctuation expects one.
        Some(TokenTree::Punct(p)) => p.as_char() != '?',
        Some(TokenTree::Ident(ident)) => matches!(
            ident.to_string().as_str(),
            "move" | "return" | "break" | "in" | "else" | "async" | "static"
        ),
        Some(TokenTree::Literal(_) | TokenTree::Group(_)) => false,
    }
}

/// Drops the path written before `yield_` (`coact::`, `::coact::`) from `out`.
fn pop_path_prefix(out: &mut Vec<TokenTree>) {
    let is_colon =
        |t: Option<&TokenTree>| matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == ':');
    while is_colon(out.last()) && is_colon(out.get(out.len().wrapping_sub(2))) {
        out.truncate(out.len() - 2);
        if matches!(out.last(), Some(TokenTree::Ident(_))) {
            out.pop();
        } else {
            break;
        }
    }
}

/// Whether an attribute's tokens (`[coroutine]`, `[coact::coroutine(...)]`) name
/// `coroutine`.
fn names_coroutine(attr: &Group) -> bool {
    let mut tokens = attr.stream().into_iter().peekable();
    let mut last = None;
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Ident(ident) => last = Some(ident),
            TokenTree::Punct(p) if p.as_char() == ':' => {}
            _ => break,
        }
        if tokens.peek().is_none() {
            break;
        }
    }
    last.is_some_and(|ident| ident == "coroutine")
}

/// The local that holds the body's end of the slot.
pub fn co_ident() -> Ident {
    Ident::new("__coact_co", Span::mixed_site())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(body: &str, is_async: bool) -> (String, bool) {
        let cx = Ctxt::new();
        let co = Ident::new("co", Span::call_site());
        let mut rewrite = Rewrite {
            co: &co,
            is_async,
            cx: &cx,
            yields: false,
        };
        let out = rewrite.body(body.parse().unwrap()).to_string();
        (out, cx.check().is_err())
    }

    #[test]
    fn yields_are_rewritten_everywhere_in_the_body() {
        let (out, failed) = rewrite(
            "let r = yield_!(1); println!(\"{}\", yield_!(r)); vec![coact::yield_!(2)]; \
             if yield_!() == () {}",
            false,
        );
        assert!(!failed);
        assert!(!out.contains("yield_ !"), "{out}");
        assert_eq!(out.matches("co . yield_").count(), 4, "{out}");
        assert!(!out.contains("coact"), "{out}");
    }

    #[test]
    fn yields_that_cannot_suspend_are_errors() {
        for body in [
            "v.iter().for_each(|x| { yield_!(*x); });",
            "let f = move || yield_!(1);",
            "let f = async { yield_!(1) };",
            "let f = async move { yield_!(1) };",
            "fn inner() { yield_!(1); }",
            "foo(x, |y| yield_!(y), z);",
        ] {
            assert!(rewrite(body, false).1, "{body}");
        }
    }

    #[test]
    fn ors_are_not_closures() {
        for body in [
            "let a = b | yield_!(1);",
            "let a = b || yield_!(true);",
            "match x { A | B => yield_!(1), _ => {} }",
            "let a = f()? | yield_!(2);",
        ] {
            let (out, failed) = rewrite(body, false);
            assert!(!failed, "{body}: {out}");
        }
    }

    #[test]
    fn nested_coroutines_are_left_alone() {
        let (out, failed) = rewrite(
            "#[coroutine] fn inner() -> Gen<u8> { yield_!(1) } yield_!(2);",
            false,
        );
        assert!(!failed);
        assert_eq!(out.matches("co . yield_").count(), 1, "{out}");
    }

    #[test]
    fn await_only_in_async_bodies() {
        assert!(rewrite("f().await;", false).1);
        assert!(!rewrite("f().await;", true).1);
        assert!(!rewrite("let x = async { f().await };", false).1);
    }
}
