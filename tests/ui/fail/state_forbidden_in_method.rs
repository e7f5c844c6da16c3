struct Flower { days: u32 }

#[coact::machine]
impl Flower {
    #[state(transitions_to = growing)]
    fn sprouting(&mut self) {
        self.days += 1;
        dead()
    }

    #[state(transitions_to = dead)]
    fn growing(&mut self) { dead() }

    #[state]
    fn dead(&self) -> u32 { self.days }
}

fn main() {}
