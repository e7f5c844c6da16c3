// One cache per function, shared by every caller.
struct Users;

impl Users {
    #[coact::identity_cached(memoize)]
    async fn load(&self, id: u32) -> String {
        id.to_string()
    }
}

#[coact::identity_cached(memoize)]
async fn parse<T: std::str::FromStr>(text: String) -> Option<T> {
    text.parse().ok()
}

fn main() {
    let _ = Users;
}
