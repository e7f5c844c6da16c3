// Nothing to cache.
#[coact::identity_cached(memoize)]
async fn log(line: String) {
    let _ = line;
}

fn main() {}
