#[coact::machine]
mod plant {
    #[state(transitions_to = growing)]
    pub fn sprouting() { dead(true) }

    #[state(transitions_to = dead)]
    pub fn growing() { dead(false) }

    #[state]
    pub fn dead(is_eaten: bool) {}
}

fn main() {}
