// An identity map finds instances by key; this loader has none.
#[coact::identity_cached]
async fn config() -> Option<String> {
    None
}

// Leaving every argument out of the key is the same mistake.
#[coact::identity_cached(key = [])]
async fn user(id: u32) -> Option<String> {
    Some(id.to_string())
}

fn main() {}
