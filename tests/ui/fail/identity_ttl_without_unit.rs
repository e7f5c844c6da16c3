#[coact::identity_cached(memoize, ttl = 10)]
async fn page() -> String {
    String::new()
}

fn main() {}
