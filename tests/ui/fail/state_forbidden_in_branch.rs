#[coact::machine]
mod plant {
    #[state(transitions_to = [growing, withering])]
    pub fn sprouting(rain: u8) {
        if rain > 3 { growing(rain) } else { dead() }
    }

    #[state(transitions_to = [withering, dead])]
    pub fn growing(rain: u8) {
        match rain {
            0 => withering(),
            1 => sprouting(0),
            _ => dead(),
        }
    }

    #[state(transitions_to = dead)]
    pub fn withering() { dead() }

    #[state]
    pub fn dead() {}
}

fn main() {}
