#[coact::machine]
mod plant {
    #[state(transitions_to = [dead, eaten])]
    pub fn growing() -> u32 { dead() }

    #[state]
    pub fn dead() -> &'static str { "dead" }

    #[state]
    pub fn eaten() -> String { "eaten".to_owned() }

    #[state]
    pub fn gone() -> _ { () }
}

fn main() {}
