#[coact::machine]
mod plant {
    #[state(transitions_to = dead)]
    pub async fn growing() {
        let shared = std::rc::Rc::new(1);
        tokio::task::yield_now().await;
        drop(shared);
        dead()
    }

    #[state]
    pub fn dead() {}
}

fn main() {}
