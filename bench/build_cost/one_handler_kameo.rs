//! One actor with two methods, in kameo.
use kameo::actor::Spawn as _;
use kameo::message::{Context, Message};
use kameo::Actor;

#[derive(Actor)]
struct Counter {
    n: u64,
}

struct Add(u64);
struct Get;

impl Message<Add> for Counter {
    type Reply = u64;

    async fn handle(&mut self, Add(by): Add, _: &mut Context<Self, Self::Reply>) -> u64 {
        self.n += by;
        self.n
    }
}

impl Message<Get> for Counter {
    type Reply = u64;

    async fn handle(&mut self, _: Get, _: &mut Context<Self, Self::Reply>) -> u64 {
        self.n
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let counter = Counter::spawn(Counter { n: 0 });
    counter.tell(Add(2)).await.unwrap();
    let n = counter.ask(Add(3)).await.unwrap();
    assert_eq!(counter.ask(Get).await.unwrap(), n);
    assert_eq!(n, 5);
}
