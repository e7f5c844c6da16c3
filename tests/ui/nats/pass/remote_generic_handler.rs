// A generic remote handler: its wire bounds hold for the types it is used with.
use coact::handler::remote::{async_nats, RemoteHandle};
use coact::Deferred;

struct Store<T> {
    items: Vec<T>,
}

#[coact::deferred_handler(remote, version = 3)]
impl<T: Clone + Send + Sync + 'static> Store<T>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    fn push(&mut self, item: T) -> usize {
        self.items.push(item);
        self.items.len()
    }

    async fn all(&self) -> Vec<T> {
        tokio::task::yield_now().await;
        self.items.clone()
    }
}

#[allow(dead_code)]
async fn use_it(client: &async_nats::Client) {
    let owner = Deferred::new(Store::<String> { items: Vec::new() });
    let _serving = owner.serve_remote(client, "store").await.unwrap();
    let remote = RemoteHandle::<Store<String>>::new(client, "store").unwrap();
    let _: Result<usize, coact::CallError> = remote.sync().push("a".to_owned()).await;
    let _: Result<Vec<String>, coact::CallError> = remote
        .sync()
        .timeout(std::time::Duration::from_secs(1))
        .all()
        .await;
    let _: Result<(), coact::CallError> = remote.oneway().push("b".to_owned());
}

fn main() {}
