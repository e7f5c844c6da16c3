//! The corpus's mutator: a small seeded PRNG and the edits it makes to a token stream,
//! at any depth (delete, swap, duplicate, insert, replace a token with an odd one, empty
//! a group or change its delimiters), to the names in it (a rename throughout) and to an
//! argument list (unknown, duplicated and ill-valued keys, a missing `=`, stray commas).
//! Every edit builds tokens through `proc_macro2`'s API, so each mutant is a stream
//! another macro could hand to ours.

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

use super::pools::{
    ARGUMENTS, FRAGMENTS, KEYWORDS, ODD_IDENTS, ODD_LITERALS, PUNCTS, RAW_IDENTS, VALUES,
};

/// splitmix64: deterministic, so a case number names one mutant for good.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`; `n` is never 0.
    pub fn below(&mut self, n: usize) -> usize {
        // The modulo bias is irrelevant here; `n` is tiny.
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

fn parse(text: &str) -> TokenStream {
    text.parse()
        .unwrap_or_else(|e| panic!("corpus pool entry `{text}` does not tokenize: {e}"))
}

fn odd_ident(rng: &mut Rng) -> Ident {
    if rng.below(4) == 0 {
        return Ident::new_raw(rng.pick(RAW_IDENTS), Span::call_site());
    }
    match rng.below(12) {
        0 => Ident::new(&"long_name_".repeat(40), Span::call_site()),
        1 => Ident::new(&"L".repeat(300), Span::call_site()),
        _ => Ident::new(rng.pick(ODD_IDENTS), Span::call_site()),
    }
}

fn odd_literal(rng: &mut Rng) -> Literal {
    match rng.below(6) {
        // Built, not lexed: a negative number as one token comes only from a macro.
        0 => Literal::i64_unsuffixed(-1),
        1 => Literal::u128_suffixed(u128::MAX),
        2 => Literal::f64_unsuffixed(-0.5),
        _ => rng.pick(ODD_LITERALS).parse().unwrap_or_else(|e| {
            panic!("corpus literal does not tokenize: {e}");
        }),
    }
}

fn odd_token(rng: &mut Rng) -> TokenTree {
    match rng.below(5) {
        0 => odd_ident(rng).into(),
        1 => odd_literal(rng).into(),
        2 => {
            let delimiter = delimiter(rng);
            Group::new(delimiter, TokenStream::new()).into()
        }
        _ => {
            let spacing = if rng.below(2) == 0 {
                Spacing::Alone
            } else {
                Spacing::Joint
            };
            Punct::new(rng.pick(PUNCTS), spacing).into()
        }
    }
}

fn delimiter(rng: &mut Rng) -> Delimiter {
    rng.pick(&[
        Delimiter::Parenthesis,
        Delimiter::Brace,
        Delimiter::Bracket,
        Delimiter::None,
    ])
}

/// The number of tokens in `tokens`, counting each group and everything inside it.
fn count(tokens: &TokenStream) -> usize {
    tokens
        .clone()
        .into_iter()
        .map(|token| match &token {
            TokenTree::Group(group) => 1 + count(&group.stream()),
            _ => 1,
        })
        .sum()
}

/// Calls `edit` with the stream that holds the token numbered `at` (depth first, as
/// `count` counts) and that token's index in it, and rebuilds the groups around it.
fn edit_at(
    tokens: TokenStream,
    at: &mut usize,
    edit: &mut dyn FnMut(&mut Vec<TokenTree>, usize),
) -> Option<TokenStream> {
    let mut tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for i in 0..tokens.len() {
        if *at == 0 {
            edit(&mut tokens, i);
            return Some(tokens.into_iter().collect());
        }
        *at -= 1;
        if let TokenTree::Group(group) = &tokens[i] {
            if let Some(inner) = edit_at(group.stream(), at, edit) {
                tokens[i] = regroup(group, inner);
                return Some(tokens.into_iter().collect());
            }
        }
    }
    None
}

/// `group` with `stream` inside instead: its delimiters and span kept.
fn regroup(group: &Group, stream: TokenStream) -> TokenTree {
    let mut rebuilt = Group::new(group.delimiter(), stream);
    rebuilt.set_span(group.span());
    rebuilt.into()
}

/// One edit at a random token, at any depth; an empty stream gets a token inserted.
pub fn mutate_tokens(rng: &mut Rng, tokens: TokenStream) -> TokenStream {
    let total = count(&tokens);
    if total == 0 {
        return std::iter::once(odd_token(rng)).collect();
    }
    let mut at = rng.below(total);
    let op = rng.below(7);
    let edited = edit_at(tokens.clone(), &mut at, &mut |stream, i| match op {
        0 => {
            stream.remove(i);
        }
        1 => {
            let j = if i + 1 < stream.len() {
                i + 1
            } else {
                i.saturating_sub(1)
            };
            stream.swap(i, j);
        }
        2 => stream.insert(i, stream[i].clone()),
        3 => stream.insert(i, odd_token(rng)),
        4 => {
            let fragment = parse(rng.pick(FRAGMENTS));
            stream.splice(i..i, fragment);
        }
        _ => stream[i] = replace(rng, &stream[i]),
    });
    edited.unwrap_or(tokens)
}

/// A token of the same kind, oddly chosen: an identifier for an identifier, a literal for
/// a literal, another punctuation, a group emptied or with other delimiters.
fn replace(rng: &mut Rng, token: &TokenTree) -> TokenTree {
    match token {
        TokenTree::Ident(_) => odd_ident(rng).into(),
        TokenTree::Literal(_) => odd_literal(rng).into(),
        TokenTree::Punct(punct) => Punct::new(rng.pick(PUNCTS), punct.spacing()).into(),
        TokenTree::Group(group) => {
            let stream = if rng.below(2) == 0 {
                TokenStream::new()
            } else {
                group.stream()
            };
            Group::new(delimiter(rng), stream).into()
        }
    }
}

/// Renames one to three of the identifiers of a seed, everywhere in the arguments and
/// the item alike, to odd ones: a legal input stays legal (mostly), so the odd names
/// reach the code that derives new names from them.
pub fn rename(rng: &mut Rng, args: TokenStream, item: TokenStream) -> (TokenStream, TokenStream) {
    let mut names = Vec::new();
    idents(&args, &mut names);
    idents(&item, &mut names);
    names.retain(|name| !KEYWORDS.contains(&name.as_str()));
    names.sort();
    names.dedup();
    if names.is_empty() {
        return (args, item);
    }
    let renames: Vec<(String, Ident)> = (0..=rng.below(3))
        .map(|_| (names[rng.below(names.len())].clone(), odd_ident(rng)))
        .collect();
    (apply(args, &renames), apply(item, &renames))
}

fn idents(tokens: &TokenStream, out: &mut Vec<String>) {
    for token in tokens.clone() {
        match token {
            TokenTree::Ident(ident) => out.push(ident.to_string()),
            TokenTree::Group(group) => idents(&group.stream(), out),
            _ => {}
        }
    }
}

fn apply(tokens: TokenStream, renames: &[(String, Ident)]) -> TokenStream {
    tokens
        .into_iter()
        .map(|token| match token {
            TokenTree::Ident(ident) => renames
                .iter()
                .find(|(from, _)| ident == from)
                .map_or(ident, |(_, to)| to.clone())
                .into(),
            TokenTree::Group(group) => regroup(&group, apply(group.stream(), renames)),
            other => other,
        })
        .collect()
}

/// One edit of an argument list at the level of its `key = value` entries.
pub fn mutate_args(rng: &mut Rng, args: TokenStream) -> TokenStream {
    let mut entries: Vec<Vec<TokenTree>> = vec![Vec::new()];
    for token in args {
        match &token {
            TokenTree::Punct(p) if p.as_char() == ',' => entries.push(Vec::new()),
            _ => entries.last_mut().expect("never empty").push(token),
        }
    }
    if entries.last().is_some_and(Vec::is_empty) && entries.len() > 1 {
        entries.pop(); // a trailing comma, restored by the edits that want one
    }
    let n = entries.len();
    let is_eq = |t: &TokenTree| matches!(t, TokenTree::Punct(p) if p.as_char() == '=');
    match rng.below(7) {
        0 => {
            let at = rng.below(n + 1);
            entries.insert(at, parse(rng.pick(ARGUMENTS)).into_iter().collect());
        }
        1 => {
            let at = rng.below(n);
            entries.insert(at, entries[at].clone());
        }
        2 => {
            let entry = &mut entries[rng.below(n)];
            if let Some(eq) = entry.iter().position(is_eq) {
                entry.truncate(eq + 1);
                entry.extend(parse(rng.pick(VALUES)));
            }
        }
        3 => entries[rng.below(n)].retain(|t| !is_eq(t)),
        4 => {
            let entry = &mut entries[rng.below(n)];
            if let Some(eq) = entry.iter().position(is_eq) {
                entry.truncate(eq + usize::from(rng.below(2) == 0));
            }
        }
        5 => entries.extend((0..=rng.below(2)).map(|_| Vec::new())),
        _ => entries.insert(rng.below(n + 1), Vec::new()),
    }
    let mut out = TokenStream::new();
    for (i, entry) in entries.into_iter().enumerate() {
        if i > 0 {
            out.extend([TokenTree::from(Punct::new(',', Spacing::Alone))]);
        }
        out.extend(entry);
    }
    out
}

/// The argument lists inside an item: the parentheses after `state` in an attribute.
/// Edits one of them, chosen at random, with `mutate_args`; `None` if there are none.
pub fn mutate_inner_args(rng: &mut Rng, item: &TokenStream) -> Option<TokenStream> {
    let lists = count_lists(item);
    if lists == 0 {
        return None;
    }
    let mut at = Some(rng.below(lists));
    Some(edit_list(rng, item.clone(), &mut at))
}

fn is_list(tokens: &[TokenTree], i: usize) -> bool {
    matches!(
        (&tokens[i], i.checked_sub(1).map(|j| &tokens[j])),
        (TokenTree::Group(g), Some(TokenTree::Ident(key)))
            if g.delimiter() == Delimiter::Parenthesis && key == "state"
    )
}

/// The argument lists in `tokens`, at any depth.
fn count_lists(tokens: &TokenStream) -> usize {
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    (0..tokens.len())
        .map(|i| match &tokens[i] {
            TokenTree::Group(g) => usize::from(is_list(&tokens, i)) + count_lists(&g.stream()),
            _ => 0,
        })
        .sum()
}

/// `tokens` with the argument list numbered `at` (as `count_lists` counts) edited; `at`
/// becomes `None` once it is.
fn edit_list(rng: &mut Rng, tokens: TokenStream, at: &mut Option<usize>) -> TokenStream {
    let mut tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for i in 0..tokens.len() {
        let (TokenTree::Group(group), Some(n)) = (&tokens[i], *at) else {
            continue;
        };
        let stream = match (is_list(&tokens, i), n) {
            (true, 0) => {
                *at = None;
                mutate_args(rng, group.stream())
            }
            (list, n) => {
                *at = Some(n - usize::from(list));
                edit_list(rng, group.stream(), at)
            }
        };
        tokens[i] = regroup(group, stream);
    }
    tokens.into_iter().collect()
}
