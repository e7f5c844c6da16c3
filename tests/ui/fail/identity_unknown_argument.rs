#[coact::identity_cached(memoize, tll = 5s)]
async fn page() -> String {
    String::new()
}

fn main() {}
