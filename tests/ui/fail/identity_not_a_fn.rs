// The attribute caches functions, not types.
#[coact::identity_cached]
struct User {
    id: u32,
}

fn main() {}
