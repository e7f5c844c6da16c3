// The shared tier is behind coact's `redis` feature, which this build does not enable.
struct Tier;

static TIER: Tier = Tier;

#[coact::identity_cached(memoize, redis = TIER)]
async fn page(path: String) -> String {
    path
}

fn main() {}
