// Keys are plain names of owned values or shared references.
#[coact::identity_cached(memoize)]
async fn sum((a, b): (u32, u32)) -> u32 {
    a + b
}

#[coact::identity_cached(memoize)]
async fn bump(counter: &mut u32) -> u32 {
    *counter += 1;
    *counter
}

#[coact::identity_cached(memoize)]
async fn shout<'a>(text: std::borrow::Cow<'a, str>) -> String {
    text.to_uppercase()
}

fn main() {}
