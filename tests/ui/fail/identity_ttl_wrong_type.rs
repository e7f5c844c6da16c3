// An expression is accepted when it is a `Duration`.
const TEN_SECONDS: u64 = 10;

#[coact::identity_cached(memoize, ttl = TEN_SECONDS)]
async fn page() -> String {
    String::new()
}

fn main() {}
