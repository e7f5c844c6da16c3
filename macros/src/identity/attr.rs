//! The arguments of `#[identity_cached(...)]`, read by the shared argument parser.

use proc_macro2::{Span, TokenStream};
use syn::parse::ParseStream;
use syn::{Expr, Ident, Lit, LitInt, LitStr, Path};

use crate::diag::{crate_path, eq, flag, names, parse_args, Attr, Ctxt};

const KEYS: &[&str] = &[
    "memoize",
    "weak",
    "ttl",
    "capacity",
    "key",
    "redis",
    "namespace",
    "version",
    "crate",
];

/// Every argument, each at most once; the slots keep the keys' spans for the checks that
/// involve two of them.
pub struct Args {
    /// Cache the function's value behind an `Arc` (memoization) instead of a `Shared`
    /// instance (identity map).
    pub memoize: Attr<()>,
    /// Keep an entry only while a handle to it lives.
    pub weak: Attr<()>,
    pub ttl: Attr<Ttl>,
    pub capacity: Attr<LitInt>,
    /// The arguments the key is made of; absent: all of them.
    pub key: Attr<Vec<Ident>>,
    /// The shared tier: an expression giving a `RedisTier` (or a reference to one).
    pub redis: Attr<Expr>,
    pub namespace: Attr<LitStr>,
    pub version: Attr<LitInt>,
    pub krate: Attr<Path>,
    /// Whether any argument failed: then what is absent may only have been misspelled.
    pub failed: bool,
}

/// A time-to-live: a literal with a unit, turned into milliseconds here, or an expression
/// that must be a `Duration`.
pub enum Ttl {
    Millis(u64, Span),
    Expr(Box<Expr>),
}

impl Args {
    pub fn parse(cx: &Ctxt, tokens: TokenStream) -> Self {
        let mut args = Self {
            memoize: Attr::none("memoize"),
            weak: Attr::none("weak"),
            ttl: Attr::none("ttl"),
            capacity: Attr::none("capacity"),
            key: Attr::none("key"),
            redis: Attr::none("redis"),
            namespace: Attr::none("namespace"),
            version: Attr::none("version"),
            krate: Attr::none("crate"),
            failed: false,
        };
        let mark = cx.mark();
        parse_args(cx, tokens, KEYS, |key, input| {
            match key.to_string().as_str() {
                "memoize" => args.memoize.set(cx, key, flag(input, key))?,
                "weak" => args.weak.set(cx, key, flag(input, key))?,
                "ttl" => {
                    let ttl = eq(input, key, "`ttl = 30s` (units: `ms`, `s`, `min`, `h`)")
                        .and_then(|()| parse_ttl(input));
                    args.ttl.set(cx, key, ttl)?;
                }
                "capacity" => {
                    let capacity =
                        eq(input, key, "`capacity = 1000`").and_then(|()| parse_capacity(input));
                    args.capacity.set(cx, key, capacity)?;
                }
                "key" => {
                    let names = eq(input, key, "`key = id` or `key = [tenant, id]`")
                        .and_then(|()| parse_key(input));
                    args.key.set(cx, key, names)?;
                }
                "redis" => {
                    let tier = eq(
                        input,
                        key,
                        "`redis = TIER`, an expression giving a `RedisTier`",
                    )
                    .and_then(|()| input.parse::<Expr>());
                    args.redis.set(cx, key, tier)?;
                }
                "namespace" => {
                    let namespace = eq(input, key, "`namespace = \"users\"`")
                        .and_then(|()| parse_namespace(input));
                    args.namespace.set(cx, key, namespace)?;
                }
                "version" => {
                    let version =
                        eq(input, key, "`version = 2`").and_then(|()| parse_version(input));
                    args.version.set(cx, key, version)?;
                }
                "crate" => args.krate.set(cx, key, crate_path(input, key))?,
                _ => return Ok(false),
            }
            Ok(true)
        });
        args.failed = cx.failed_since(mark);
        args
    }
}

fn parse_namespace(input: ParseStream<'_>) -> syn::Result<LitStr> {
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
    Ok(namespace)
}

fn parse_version(input: ParseStream<'_>) -> syn::Result<LitInt> {
    match input.parse::<Lit>()? {
        Lit::Int(int) if int.base10_parse::<u32>().is_ok() && int.suffix().is_empty() => Ok(int),
        other => Err(syn::Error::new(
            other.span(),
            "expected a version number, as in `version = 2`",
        )),
    }
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
