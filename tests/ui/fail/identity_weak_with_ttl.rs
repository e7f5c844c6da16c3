// `weak` lets handles decide; `ttl` makes the cache keep entries itself.
#[coact::identity_cached(weak, ttl = 30s)]
async fn user(id: u32) -> Option<String> {
    Some(id.to_string())
}

fn main() {}
