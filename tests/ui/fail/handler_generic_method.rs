struct Store;

#[coact::deferred_handler]
impl Store {
    fn put<T: Send + 'static>(&mut self, item: T) {
        drop(item);
    }
}

fn main() {}
