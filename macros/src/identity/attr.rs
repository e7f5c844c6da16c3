//! The arguments of `#[identity_cached(...)]`.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident, Lit, LitInt, Path, Token};

use crate::args::{crate_path, expect_eq, names};

mod kw {
    syn::custom_keyword!(memoize);
    syn::custom_keyword!(weak);
    syn::custom_keyword!(ttl);
    syn::custom_keyword!(capacity);
    syn::custom_keyword!(key);
    syn::custom_keyword!(redis);
    syn::custom_keyword!(namespace);
    syn::custom_keyword!(version);
}

const EXPECTED: &str = "expected one of `memoize`, `weak`, `ttl`, `capacity`, `key`, `redis`, \
                        `namespace`, `version`, `crate`";

/// Every argument, each at most once; the spans of the keys are kept for the checks that
/// involve two of them.
#[derive(Default)]
pub struct Args {
    /// Cache the function's value behind an `Arc` (memoization) instead of a `Shared`
    /// instance (identity map).
    pub memoize: Option<Span>,
    /// Keep an entry only while a handle to it lives.
    pub weak: Option<Span>,
    pub ttl: Option<(Span, Ttl)>,
    pub capacity: Option<(Span, LitInt)>,
    /// The arguments the key is made of; `None`: all of them.
    pub key: Option<(Span, Vec<Ident>)>,
    /// The shared tier: an expression giving a `RedisTier` (or a reference to one).
    pub redis: Option<(Span, Box<Expr>)>,
    pub namespace: Option<(Span, syn::LitStr)>,
    pub version: Option<(Span, LitInt)>,
    pub krate: Option<Path>,
}

/// A time-to-live: a literal with a unit, turned into milliseconds here, or an expression
/// that must be a `Duration`.
pub enum Ttl {
    Millis(u64, Span),
    Expr(Box<Expr>),
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Self::default();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::memoize) {
                let key: kw::memoize = input.parse()?;
                no_value(input, key.span, "memoize")?;
                set(&mut args.memoize, key.span, key.span, "memoize")?;
            } else if lookahead.peek(kw::weak) {
                let key: kw::weak = input.parse()?;
                no_value(input, key.span, "weak")?;
                set(&mut args.weak, key.span, key.span, "weak")?;
            } else if lookahead.peek(kw::ttl) {
                let key: kw::ttl = input.parse()?;
                expect_eq(
                    input,
                    key.span,
                    "`ttl = 30s` (units: `ms`, `s`, `min`, `h`)",
                )?;
                let ttl = parse_ttl(input)?;
                set(&mut args.ttl, key.span, (key.span, ttl), "ttl")?;
            } else if lookahead.peek(kw::capacity) {
                let key: kw::capacity = input.parse()?;
                expect_eq(input, key.span, "`capacity = 1000`")?;
                let capacity = parse_capacity(input)?;
                set(
                    &mut args.capacity,
                    key.span,
                    (key.span, capacity),
                    "capacity",
                )?;
            } else if lookahead.peek(kw::key) {
                let key: kw::key = input.parse()?;
                expect_eq(input, key.span, "`key = id` or `key = [tenant, id]`")?;
                let names = parse_key(input)?;
                set(&mut args.key, key.span, (key.span, names), "key")?;
            } else if lookahead.peek(kw::redis) {
                let key: kw::redis = input.parse()?;
                expect_eq(
                    input,
                    key.span,
                    "`redis = TIER`, an expression giving a `RedisTier`",
                )?;
                let tier: Expr = input.parse()?;
                set(
                    &mut args.redis,
                    key.span,
                    (key.span, Box::new(tier)),
                    "redis",
                )?;
            } else if lookahead.peek(kw::namespace) {
                let key: kw::namespace = input.parse()?;
                expect_eq(input, key.span, "`namespace = \"users\"`")?;
                let lit: Lit = input.parse()?;
                let Lit::Str(namespace) = lit else {
                    return Err(syn::Error::new(
                        lit.span(),
                        "expected a string, as in `namespace = \"users\"`",
                    ));
                };
                if namespace.value().is_empty() {
                    return Err(syn::Error::new(
                        namespace.span(),
                        "a namespace cannot be empty",
                    ));
                }
                set(
                    &mut args.namespace,
                    key.span,
                    (key.span, namespace),
                    "namespace",
                )?;
            } else if lookahead.peek(kw::version) {
                let key: kw::version = input.parse()?;
                expect_eq(input, key.span, "`version = 2`")?;
                let lit: Lit = input.parse()?;
                let version = match lit {
                    Lit::Int(int)
                        if int.base10_parse::<u32>().is_ok() && int.suffix().is_empty() =>
                    {
                        int
                    }
                    other => {
                        return Err(syn::Error::new(
                            other.span(),
                            "expected a version number, as in `version = 2`",
                        ))
                    }
                };
                set(&mut args.version, key.span, (key.span, version), "version")?;
            } else if lookahead.peek(Token![crate]) {
                let key: Token![crate] = input.parse()?;
                let path = crate_path(input, key.span)?;
                set(&mut args.krate, key.span, path, "crate")?;
            } else if input.peek(Ident) {
                let unknown: Ident = input.parse()?;
                return Err(syn::Error::new(
                    unknown.span(),
                    format!("unknown argument `{unknown}`: {EXPECTED}"),
                ));
            } else {
                return Err(lookahead.error());
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}

fn set<T>(slot: &mut Option<T>, key: Span, value: T, name: &str) -> syn::Result<()> {
    if slot.replace(value).is_some() {
        return Err(syn::Error::new(key, format!("duplicate argument `{name}`")));
    }
    Ok(())
}

fn no_value(input: ParseStream<'_>, key: Span, name: &str) -> syn::Result<()> {
    if input.peek(Token![=]) || input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            key,
            format!("`{name}` takes no value: write `{name}` alone"),
        ));
    }
    Ok(())
}

/// `30s`, `500ms`, `10min`, `2h`, or any expression of type `Duration`.
fn parse_ttl(input: ParseStream<'_>) -> syn::Result<Ttl> {
    const UNITS: &str = "write a whole number with a unit: `500ms`, `30s`, `10min` or `2h`, \
                         or an expression of type `Duration`";
    let expr: Expr = input.parse()?;
    let Expr::Lit(lit) = &expr else {
        return Ok(Ttl::Expr(Box::new(expr)));
    };
    let int = match &lit.lit {
        Lit::Int(int) => int,
        other => {
            return Err(syn::Error::new(
                other.span(),
                format!("expected a duration: {UNITS}"),
            ))
        }
    };
    let per_unit: u64 = match int.suffix() {
        "ms" => 1,
        "s" => 1_000,
        "min" => 60_000,
        "h" => 3_600_000,
        "" => {
            return Err(syn::Error::new(
                int.span(),
                format!("a duration needs a unit: {UNITS}"),
            ))
        }
        other => {
            return Err(syn::Error::new(
                int.span(),
                format!("unknown unit `{other}`: {UNITS}"),
            ))
        }
    };
    let amount: u64 = int.base10_parse()?;
    let millis = amount
        .checked_mul(per_unit)
        .ok_or_else(|| syn::Error::new(int.span(), "this duration is too long"))?;
    if millis == 0 {
        return Err(syn::Error::new(
            int.span(),
            "a time-to-live of zero would cache nothing: leave the function uncached",
        ));
    }
    Ok(Ttl::Millis(millis, int.span()))
}

fn parse_capacity(input: ParseStream<'_>) -> syn::Result<LitInt> {
    let lit: Lit = input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected a number of entries, as in `capacity = 1000`",
        )
    })?;
    let Lit::Int(int) = lit else {
        return Err(syn::Error::new(
            lit.span(),
            "expected a number of entries, as in `capacity = 1000`",
        ));
    };
    if !matches!(int.suffix(), "" | "usize") {
        return Err(syn::Error::new(
            int.span(),
            "a capacity is a number of entries: write it without a unit",
        ));
    }
    match int.base10_parse::<usize>() {
        Ok(0) => Err(syn::Error::new(
            int.span(),
            "a capacity of zero would cache nothing: leave the function uncached",
        )),
        Ok(_) => Ok(int),
        Err(error) => Err(syn::Error::new(int.span(), error)),
    }
}

/// `id` or `[tenant, id]` (possibly empty): names of the function's arguments.
fn parse_key(input: ParseStream<'_>) -> syn::Result<Vec<Ident>> {
    Ok(names(input, "key", parse_name)?.0)
}

fn parse_name(input: ParseStream<'_>) -> syn::Result<Ident> {
    if input.peek(syn::LitStr) {
        let lit: syn::LitStr = input.parse()?;
        return Err(syn::Error::new(
            lit.span(),
            format!("name the argument, not a string: `{}`", lit.value()),
        ));
    }
    input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected the name of an argument, as in `key = id`",
        )
    })
}
