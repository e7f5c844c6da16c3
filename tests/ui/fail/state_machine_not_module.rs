#[coact::machine]
struct Plant;

#[coact::machine]
mod empty {
    pub fn helper() {}
}

#[coact::machine]
impl std::fmt::Debug for Plant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { Ok(()) }
}

fn main() {}
