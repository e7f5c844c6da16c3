// A key made of several arguments is one tuple: each part is compared and hashed.
#[coact::identity_cached(memoize, key = [scale, x])]
async fn scaled(scale: u32, x: f64) -> f64 {
    x * f64::from(scale)
}

fn main() {}
