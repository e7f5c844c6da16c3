// Three mistakes, three errors in one build.
#[coact::identity_cached(memoize)]
fn lookup<T>(&self, (a, b): (u8, u8)) -> String {
    format!("{a}{b}")
}

fn main() {}
