//! Arguments, other items beside the states, `Self` in signatures, a machine inside a
//! function, a path-qualified `#[coact::state]` and a re-exported crate path all compile.

mod reexport {
    pub use coact as renamed;
}

#[coact::machine(name = Lifecycle, crate = crate::reexport::renamed)]
mod plant {
    const START: u32 = 1;

    fn helper(n: u32) -> u32 {
        n * 2
    }

    #[state(transitions_to = growing)]
    pub(crate) fn sprouting() {
        growing(helper(START))
    }

    #[state(transitions_to = [growing, done])]
    pub(crate) async fn growing(n: u32) {
        tokio::task::yield_now().await;
        if n < 10 {
            growing(n + 1)
        } else {
            done(n)
        }
    }

    #[coact::state]
    pub(crate) fn done(n: u32) -> u32 {
        n
    }
}

#[derive(Clone, Default)]
struct Tree {
    rings: u32,
}

#[coact::machine]
impl Tree {
    fn not_a_state(&self) -> u32 {
        self.rings
    }

    #[state(transitions_to = [grow, cut])]
    fn grow(&mut self, copy: Option<Self>) {
        self.rings += 1;
        if self.rings > 3 {
            cut(copy)
        } else {
            grow(Some(self.clone()))
        }
    }

    #[state]
    fn cut(&mut self, copy: Option<Self>) -> (u32, u32) {
        (self.not_a_state(), copy.map_or(0, |t| t.rings))
    }

    #[state]
    fn associated() -> (u32, u32) {
        (0, 0)
    }
}

fn main() {
    #[coact::machine]
    mod local {
        #[state]
        pub fn only() -> u8 {
            1
        }
    }
    assert_eq!(
        coact::state::run_sync(&mut (), local::LocalState::Only),
        Ok(1)
    );
    let mut tree = Tree::default();
    assert_eq!(
        coact::state::run_sync(&mut tree, TreeState::Grow { copy: None }),
        Ok((4, 3))
    );
    assert_eq!(
        coact::state::run_sync(&mut tree, TreeState::Associated),
        Ok((0, 0))
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let done = runtime.block_on(coact::state::run(&mut (), plant::Lifecycle::Sprouting));
    assert_eq!(done, Ok(10));
}
