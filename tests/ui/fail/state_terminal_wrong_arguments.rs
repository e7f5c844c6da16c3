#[coact::machine]
mod plant {
    #[state(transitions_to = dead)]
    pub fn withering() { dead(true, 3) }

    #[state(transitions_to = dead)]
    pub fn flowering() { dead("eaten") }

    #[state]
    pub fn dead(is_eaten: bool) {}
}

fn main() {}
