#[coact::identity_cached(memoize, ttl = 5s, ttl = 10s)]
async fn page() -> String {
    String::new()
}

fn main() {}
