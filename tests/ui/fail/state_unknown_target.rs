#[coact::machine]
mod plant {
    #[state(transitions_to = [growing, blooming])]
    pub fn sprouting() { growing() }

    #[state(transitions_to = dead)]
    pub fn growing() { dead() }

    #[state]
    pub fn dead() {}
}

fn main() {}
