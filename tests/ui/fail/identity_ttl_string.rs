#[coact::identity_cached(memoize, ttl = "ten")]
async fn page() -> String {
    String::new()
}

fn main() {}
