// An alias hides the error type, and with it which results must not be cached.
#[coact::identity_cached(memoize)]
async fn read(path: String) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

fn main() {}
