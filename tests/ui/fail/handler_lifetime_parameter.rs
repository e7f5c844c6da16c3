struct View<'a> {
    data: &'a [u8],
}

#[coact::deferred_handler]
impl<'a> View<'a> {
    fn len(&self) -> usize {
        self.data.len()
    }
}

fn main() {}
