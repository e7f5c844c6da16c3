struct Flower;

#[coact::machine]
impl Flower {
    #[state(transitions_to = growing)]
    fn sprouting(self) { growing((1, 2)) }

    #[state(transitions_to = dead)]
    fn growing(&mut self, (a, b): (u8, u8)) { let _ = (a, b); dead("x") }

    #[state(transitions_to = dead)]
    fn generic<T: Default>(&mut self, t: T) { let _ = t; dead("x") }

    #[state]
    async unsafe fn dead(&self, name: &str) {}
}

#[coact::machine]
mod free {
    #[state]
    pub fn with_self(&self) {}
}

fn main() {}
