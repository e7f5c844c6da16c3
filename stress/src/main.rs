//! coact's standing stress suite: many tasks on a multi-thread runtime drive deferred
//! handlers, identity maps and access collections while faults are injected (panics,
//! timeouts, cancelled callers, dropped owners, failing loaders), then every call, load
//! and entry is checked against an exact invariant of the contract. It prints what it did
//! and every violation it found, and exits non-zero if it found any.
//!
//! ```text
//! cargo run --release -p coact-stress                     # the bounded default CI runs
//! cargo run --release -p coact-stress -- --seed 0x2a --scale 4 --only identity
//! ```
//!
//! The checks hold under any scheduling: no check waits for time to pass, and sleeps are
//! injected latency only. The seed decides every fault; a violation prints the seed, so
//! the same plan can be run again (the interleaving will differ, as it does in use).

#![forbid(unsafe_code)]

mod access;
mod handler;
mod identity;
mod report;
mod rng;

use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const USAGE: &str = "\
usage: coact-stress [--seed N] [--scale N] [--workers N] [--only handler|identity|access]

  --seed N     decides every injected fault (decimal or 0x-hex); default: from the clock
  --scale N    multiplies the work of every scenario (default 1: under half a minute in
               release on two cores)
  --workers N  tokio worker threads (default 4)
  --only NAME  runs one scenario; repeat for several";

const SCENARIOS: [&str; 3] = ["handler", "identity", "access"];

/// How long a scenario may take per unit of scale before it counts as hung: many times
/// what it takes on a loaded two-core machine.
const HANG: Duration = Duration::from_secs(300);

struct Options {
    seed: u64,
    scale: u64,
    workers: usize,
    only: Vec<String>,
}

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Self>, String> {
        let mut options = Self {
            seed: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |t| t.as_secs() ^ u64::from(t.subsec_nanos())),
            scale: 1,
            workers: 4,
            only: Vec::new(),
        };
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            match arg.as_str() {
                "--seed" => options.seed = number(&value("--seed")?)?,
                "--scale" => options.scale = number(&value("--scale")?)?.max(1),
                "--workers" => {
                    let workers = number(&value("--workers")?)?.max(1);
                    options.workers = usize::try_from(workers).map_err(|e| e.to_string())?;
                }
                "--only" => {
                    let name = value("--only")?;
                    if !SCENARIOS.contains(&name.as_str()) {
                        return Err(format!("no scenario named `{name}`"));
                    }
                    options.only.push(name);
                }
                "-h" | "--help" => return Ok(None),
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        Ok(Some(options))
    }
}

fn number(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|e| format!("`{text}` is not a number: {e}"))
}

fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("coact-stress: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    report::quiet_injected_panics();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.workers)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let Options {
        seed, scale, only, ..
    } = &options;
    println!(
        "coact-stress: seed {seed:#x}, scale {scale}, {} worker threads",
        options.workers
    );
    let started = Instant::now();
    let mut violations = 0;
    for name in SCENARIOS {
        if !only.is_empty() && !only.iter().any(|o| o == name) {
            continue;
        }
        let scenario = async {
            match name {
                "handler" => handler::run(*seed, *scale).await,
                "identity" => identity::run(*seed, *scale).await,
                _ => access::run(*seed, *scale).await,
            }
        };
        let deadline = HANG * u32::try_from(*scale).unwrap_or(u32::MAX);
        // Inside the runtime: the timer is made there.
        let bounded = async { tokio::time::timeout(deadline, scenario).await };
        if let Ok(report) = runtime.block_on(bounded) {
            print!("{report}");
            violations += report.violations();
        } else {
            println!("{name}: VIOLATION  not finished after {deadline:?}: something hangs");
            violations += 1;
        }
    }
    println!(
        "coact-stress: {violations} violations in {:.1}s (seed {seed:#x})",
        started.elapsed().as_secs_f64()
    );
    // Whatever a hung scenario left behind is not waited for.
    runtime.shutdown_background();
    if violations == 0 {
        ExitCode::SUCCESS
    } else {
        println!(
            "rerun with: cargo run --release -p coact-stress -- --seed {seed:#x} --scale {scale}"
        );
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::Options;

    fn parse(args: &[&str]) -> Result<Option<Options>, String> {
        Options::parse(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn flags_parse_and_mistakes_are_refused() {
        let options = parse(&["--seed", "0x2a", "--scale", "3", "--only", "identity"])
            .unwrap()
            .unwrap();
        assert_eq!((options.seed, options.scale), (42, 3));
        assert_eq!(options.only, ["identity"]);
        assert!(parse(&["--help"]).unwrap().is_none());
        assert!(parse(&["--seed"]).is_err());
        assert!(parse(&["--scale", "x"]).is_err());
        assert!(parse(&["--only", "state"]).is_err());
        assert!(parse(&["--fast"]).is_err());
    }
}
