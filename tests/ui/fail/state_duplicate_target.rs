#[coact::machine]
mod plant {
    #[state(transitions_to = [dead, growing, dead])]
    pub fn sprouting() { growing() }

    #[state(transitions_to = dead, transitions_to = growing)]
    pub fn growing() { dead() }

    #[state]
    pub fn dead() {}
}

fn main() {}
