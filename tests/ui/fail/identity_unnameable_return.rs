// The cache names the value's type: an opaque or borrowed one cannot be stored.
#[coact::identity_cached(memoize)]
async fn label(n: u32) -> impl std::fmt::Display {
    n
}

#[coact::identity_cached(memoize)]
async fn first<'a>(n: u32) -> Vec<&'a str> {
    let _ = n;
    Vec::new()
}

fn main() {}
