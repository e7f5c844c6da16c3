struct Grid;

#[coact::deferred_handler]
impl Grid {
    fn set(&mut self, (x, y): (u32, u32)) {
        let _ = (x, y);
    }
}

fn main() {}
