#[coact::machine]
mod plant {
    #[state(transitions_to = dead, on_exit = log)]
    pub fn sprouting() { dead() }

    #[state]
    pub fn dead() {}
}

#[coact::machine(initial = sprouting)]
mod tree {
    #[state]
    pub fn dead() {}
}

fn main() {}
