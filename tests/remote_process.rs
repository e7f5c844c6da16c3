//! Remote handlers across OS processes: this binary starts copies of itself as the owners.
//!
//! Its own test binary without the test harness (`harness = false`), so that a child can
//! be started as an owner by role (`COACT_CHILD_ROLE`), and the parent run each scenario
//! in order. Needs `--features nats` and a server at `COACT_NATS_URL`: fails, never skips,
//! when it is missing.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use coact::handler::remote::RemoteHandle;
use coact::prelude::*;

mod support;
use support::nats::{client, name, Manager};

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
}
