//! Arguments, cfg'd methods, private methods, a handler inside a module and `Self` in
//! signatures all compile.

mod shop {
    pub struct Counter {
        pub n: u64,
    }

    #[coact::deferred_handler(name = Tally, crate = ::coact)]
    impl Counter {
        const STEP: u64 = 1;

        /// Adds one.
        pub fn bump(&mut self) -> u64 {
            self.n += Self::STEP;
            self.n
        }

        #[cfg(any())]
        pub fn never_compiled(&mut self, x: NotAType) {}

        fn private_reset(&mut self) {
            self.n = 0;
        }

        pub(crate) fn swap(&mut self, other: Self) -> Self {
            std::mem::replace(self, other)
        }

        pub fn label(&self, prefix: &'static str) -> String {
            format!("{prefix}{}", self.n)
        }
    }

    pub fn reset(handle: &coact::Handle<Counter>) -> Result<(), coact::CallError> {
        handle.oneway().private_reset()
    }
}

fn main() {
    let owner = coact::Deferred::new(shop::Counter { n: 0 });
    let handle = owner.handle();
    let _ = shop::reset(&handle);
    let _ = handle.oneway().bump();
    let _ = handle.oneway().swap(shop::Counter { n: 5 });
    let _future = handle.sync().label("n=");
    let _: shop::TallyMethod = shop::TallyMethod::Bump;
}
