// A callback found neither in the machine's module nor beside it: rustc's own error, at
// the callback, once.
#[coact::machine]
mod plant {
    #[state(on_start = recorded)]
    pub fn dead() {}
}

mod elsewhere {
    pub fn recorded(_: &super::plant::PlantState) {}
}

fn main() {}
