#[coact::machine]
mod plant {
    #[state(transitions_to = "dead")]
    pub fn sprouting() { dead() }

    #[state(transitions_to = other::dead)]
    pub fn growing() { dead() }

    #[state]
    pub fn dead() {}
}

fn main() {}
