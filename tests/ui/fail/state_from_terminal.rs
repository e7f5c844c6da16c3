#[coact::machine]
mod plant {
    #[state(transitions_to = dead)]
    pub fn growing() { dead() }

    #[state]
    pub fn dead() -> u32 { growing() }
}

fn main() {}
