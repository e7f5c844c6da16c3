// One mistake in a cached function gives one error: the function's rewritten signature
// and its cache accessor are still generated (as stand-ins), so callers do not add
// errors of their own.
use coact::identity::Shared;

#[coact::identity_cached(ttl = "30s")]
async fn user(id: u32) -> Option<String> {
    Some(id.to_string())
}

async fn use_it() {
    let found: Option<Shared<String>> = user(7).await;
    let _ = found;
    let _ = user_cache().forget(&7).await;
    user_cache().clear();
}

fn main() {
    let _ = use_it();
}
