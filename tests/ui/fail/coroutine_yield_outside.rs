fn not_a_coroutine() -> u32 {
    coact::yield_!(1);
    1
}

fn main() {
    not_a_coroutine();
}
