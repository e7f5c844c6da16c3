//! One actor with two methods, written by hand: an mpsc mailbox and a oneshot reply.
use tokio::sync::{mpsc, oneshot};

struct Counter {
    n: u64,
}

enum Call {
    Add(u64, Option<oneshot::Sender<u64>>),
    Get(oneshot::Sender<u64>),
}

async fn serve(mut counter: Counter, mut calls: mpsc::UnboundedReceiver<Call>) {
    while let Some(call) = calls.recv().await {
        match call {
            Call::Add(by, reply) => {
                counter.n += by;
                if let Some(reply) = reply {
                    let _ = reply.send(counter.n);
                }
            }
            Call::Get(reply) => {
                let _ = reply.send(counter.n);
            }
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (tx, rx) = mpsc::unbounded_channel();
    let caller = tokio::spawn(async move {
        tx.send(Call::Add(2, None)).unwrap();
        let (reply, n) = oneshot::channel();
        tx.send(Call::Add(3, Some(reply))).unwrap();
        let n = n.await.unwrap();
        let (reply, got) = oneshot::channel();
        tx.send(Call::Get(reply)).unwrap();
        assert_eq!(got.await.unwrap(), n);
        n
    });
    serve(Counter { n: 0 }, rx).await;
    assert_eq!(caller.await.unwrap(), 5);
}
