// A namespace names values in the shared tier; without `redis` there is none.
#[coact::identity_cached(memoize, namespace = "pages", version = 2)]
async fn page(path: String) -> String {
    path
}

fn main() {}
