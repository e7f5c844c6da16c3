// The functions a method machine generates to run and enter its states are private to
// the module of the impl block: outside it, only the user's own API and the state enum
// are visible.
mod garden {
    pub struct Flower;

    #[coact::machine]
    impl Flower {
        #[state(transitions_to = blooming)]
        pub fn growing(&mut self) { blooming() }

        #[state]
        pub fn blooming(&mut self) {}
    }
}

fn main() {
    let mut flower = garden::Flower;
    garden::Flower::__coact_state_growing(&mut flower);
    let _: garden::FlowerState = garden::__coact_flower_state::blooming();
}
