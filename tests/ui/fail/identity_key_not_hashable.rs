// A key is compared and hashed: `f64` is neither `Eq` nor `Hash`.
#[coact::identity_cached(memoize)]
async fn root(x: f64) -> f64 {
    x.sqrt()
}

fn main() {}
