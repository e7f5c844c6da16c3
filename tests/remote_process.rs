//! Remote handlers across OS processes: this binary starts copies of itself as the owners.
//!
//! Its own test binary without the test harness (`harness = false`), so that a child can
//! be started as an owner by role (`COACT_CHILD_ROLE`), and the parent run each scenario
//! in order. Needs `--features nats` and a server at `COACT_NATS_URL`: fails, never skips,
//! when it is missing.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use coact::handler::remote::{RemoteHandle, ServeOptions};
use coact::prelude::*;

mod support;
use support::nats::{client, durable_stored, forget_durable, name, Manager, Orders};

// ---------------------------------------------------------------------------------------
// The handlers, shared by the parent (callers) and the children (owners).

struct Stuck;

#[deferred_handler(remote)]
impl Stuck {
    /// Tells the parent it started, then never returns.
    async fn hang(&mut self) {
        println!("started");
        std::io::stdout().flush().unwrap();
        std::future::pending::<()>().await;
    }
}

// ---------------------------------------------------------------------------------------
// The children.

fn child(role: &str, name: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = client().await;
        match role {
            "manager" => {
                let mut owner = Deferred::new(Manager::new(8));
                let _serving = owner.serve_remote(&client, name).await.unwrap();
                println!("ready");
                std::io::stdout().flush().unwrap();
                // The owner's own loop: manage, then run the queued calls at a safe point.
                while !owner.finished {
                    owner.manage().await;
                    owner.process().await;
                }
                client.flush().await.unwrap();
            }
            "stuck" => {
                let mut owner = Deferred::new(Stuck);
                let _serving = owner.serve_remote(&client, name).await.unwrap();
                println!("ready");
                std::io::stdout().flush().unwrap();
                owner.process_forever().await;
            }
            "crashing" => {
                let mut owner = Deferred::new(Orders::new());
                owner.exit_after_run = true;
                let options = ServeOptions::default().durable().ack_wait(ACK_WAIT);
                let _serving = owner
                    .serve_remote_with(&client, name, options)
                    .await
                    .unwrap();
                println!("ready");
                std::io::stdout().flush().unwrap();
                owner.process_forever().await;
            }
            other => panic!("unknown role {other}"),
        }
    });
}

/// Starts a copy of this binary as an owner, and waits until it serves `name`.
fn spawn(role: &str, name: &str) -> (Child, BufReader<ChildStdout>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env("COACT_CHILD_ROLE", role)
        .env("COACT_CHILD_NAME", name)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    assert_eq!(line(&mut out), "ready", "the {role} owner started");
    (child, out)
}

fn line(out: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    line.trim_end().to_owned()
}

// ---------------------------------------------------------------------------------------
// The scenarios.

/// Monitors send oneway updates and a consumer makes sync calls, from this process; the
/// owner, in another, runs them at its safe points. The consumer never sees a
/// half-managed state, and no update is lost.
async fn manager_across_two_processes() {
    const MONITORS: u64 = 4;
    const UPDATES: u64 = 250;
    let name = name("manager");
    let (mut owner, _out) = spawn("manager", &name);
    let client = client().await;
    let remote = RemoteHandle::<Manager>::new(&client, &name).unwrap();
    let monitors: Vec<_> = (0..MONITORS)
        .map(|_| {
            let remote = remote.clone();
            tokio::spawn(async move {
                for _ in 0..UPDATES {
                    remote.oneway().update_resource(1).unwrap();
                }
            })
        })
        .collect();
    for _ in 0..100 {
        let seen = remote.sync().access_resources().await.unwrap();
        assert!(
            seen.iter().all(|r| *r == seen[0]),
            "the consumer saw a half-managed state: {seen:?}"
        );
    }
    for monitor in monitors {
        monitor.await.unwrap();
    }
    // Oneway calls from one connection arrive in order, before this call.
    assert_eq!(
        remote.sync().finish().await,
        Ok(MONITORS * UPDATES),
        "no update is lost"
    );
    assert!(owner.wait().unwrap().success());
}

/// The owner's process dies while running a sync call: the caller gets a typed error
/// within its bound, and a later call learns at once that nobody serves the name.
async fn owner_killed_mid_call() {
    let name = name("killed");
    let (mut owner, mut out) = spawn("stuck", &name);
    let client = client().await;
    let remote = RemoteHandle::<Stuck>::new(&client, &name).unwrap();
    let limit = Duration::from_secs(5);
    let call = {
        let remote = remote.clone();
        tokio::spawn(async move { remote.sync().timeout(limit).hang().await })
    };
    assert_eq!(line(&mut out), "started");
    owner.kill().unwrap();
    owner.wait().unwrap();
    assert_eq!(
        call.await.unwrap(),
        Err(CallError::TimedOut {
            method: "hang",
            after: limit,
            started: true
        })
    );
    assert_eq!(
        remote.sync().hang().await,
        Err(CallError::NoResponders {
            method: "hang",
            name: name.clone()
        })
    );
}

/// The acknowledgement wait of the durable owners here: how long the server waits before
/// it delivers again a call whose owner died holding it.
const ACK_WAIT: Duration = Duration::from_secs(1);

/// A durable owner runs a call and dies before acknowledging it: the call is delivered
/// again, and runs on the next owner (at least once). Calls sent while no owner runs wait.
async fn durable_owner_crashes_after_running_a_call() {
    let name = name("crash");
    let client = client().await;
    let remote = RemoteHandle::<Orders>::new(&client, &name)
        .unwrap()
        .durable()
        .await
        .unwrap();
    remote.oneway().record(7).unwrap();
    remote.flush().await.unwrap();

    let (mut owner, mut out) = spawn("crashing", &name);
    assert_eq!(line(&mut out), "ran 7", "the first owner ran the call");
    assert!(
        owner.wait().unwrap().success(),
        "and exited before acknowledging it"
    );
    assert_eq!(
        durable_stored(&client, &name).await,
        1,
        "the call is still kept"
    );

    let mut next = Deferred::new(Orders::new());
    let options = ServeOptions::default().durable().ack_wait(ACK_WAIT);
    let _serving = next
        .serve_remote_with(&client, &name, options)
        .await
        .unwrap();
    let delivered_again = async {
        while next.runs.is_empty() {
            next.process().await;
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(20), delivered_again)
        .await
        .expect("the call was delivered again after the acknowledgement wait");
    assert_eq!(
        next.runs.get(&7),
        Some(&1),
        "the call ran again on the next owner"
    );
    while durable_stored(&client, &name).await > 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    forget_durable(&client, &name).await;
}

fn main() {
    if let Ok(role) = std::env::var("COACT_CHILD_ROLE") {
        let name = std::env::var("COACT_CHILD_NAME").unwrap();
        return child(&role, &name);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    print!("test manager_across_two_processes ... ");
    runtime.block_on(manager_across_two_processes());
    println!("ok");
    print!("test owner_killed_mid_call ... ");
    runtime.block_on(owner_killed_mid_call());
    println!("ok");
    print!("test durable_owner_crashes_after_running_a_call ... ");
    runtime.block_on(durable_owner_crashes_after_running_a_call());
    println!("ok");
}
