#[coact::identity_cached(memoize, capacity = 0)]
async fn page(n: u32) -> String {
    n.to_string()
}

fn main() {}
