use coact::state;

#[state(transitions_to = dead)]
fn sprouting() {}

fn main() {}
