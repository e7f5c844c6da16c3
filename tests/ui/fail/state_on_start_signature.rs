// gevent_async's `on_start(state, *args)` written naturally: the state's arguments as the
// callback's own. The error says which signature is expected, at the callback.
#[coact::machine]
mod plant {
    #[state(transitions_to = dead, on_start = started)]
    pub fn flowering(eaten: bool) { dead(eaten) }

    #[state]
    pub fn dead(is_eaten: bool) -> bool { is_eaten }
}

fn started(state: &plant::PlantState, eaten: bool) {
    let _ = (state, eaten);
}

// A machine of methods: the object comes first.
struct Flower;

fn on_transition(state: &FlowerState, flower: &mut Flower) {
    let _ = (state, flower);
}

#[coact::machine]
impl Flower {
    #[state(on_start = on_transition)]
    fn resting(&mut self) {}
}

fn main() {}
