// `derive(…)` on `#[machine]`: every mistake at its token, in one build.
#[coact::machine(derive(Clone, Debug, PartialEq, Clone))]
mod listed_twice {
    #[state]
    pub fn dead() {}
}

#[coact::machine(derive = Clone)]
mod not_a_list {
    #[state]
    pub fn dead() {}
}

#[coact::machine(derive())]
mod empty {
    #[state]
    pub fn dead() {}
}

#[coact::machine(derive(Clone), derive(PartialEq))]
mod key_twice {
    #[state]
    pub fn dead() {}
}

#[coact::machine(derives(Clone))]
mod unknown_key {
    #[state]
    pub fn dead() {}
}

// An argument that cannot be cloned: rustc's own error, at the argument's type.
struct Seed;

#[coact::machine(derive(Clone))]
mod not_clone {
    #[state]
    pub fn dead(seed: super::Seed) { let _ = seed; }
}

fn main() {}
