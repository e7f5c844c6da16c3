//! What a scenario reports: counts by name, the violations it found, how long it took;
//! and the helpers every scenario shares (the global clock, injected latency).

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::rng::Rng;

/// How many violations a report prints in full; the rest are counted.
const SHOWN: usize = 8;

/// One scenario's result.
pub struct Report {
    name: &'static str,
    started: Instant,
    elapsed: Duration,
    /// Groups of counts, each printed on its own line: ("faults", [("panic", 12), …]).
    groups: Vec<(&'static str, Vec<(String, u64)>)>,
    violations: Vec<String>,
}

impl Report {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            started: Instant::now(),
            elapsed: Duration::ZERO,
            groups: Vec::new(),
            violations: Vec::new(),
        }
    }

    /// Adds `n` to the count `label` of `group`, keeping first-seen order.
    pub fn count(&mut self, group: &'static str, label: impl Into<String>, n: u64) {
        let label = label.into();
        let counts = if let Some(i) = self.groups.iter().position(|(name, _)| *name == group) {
            &mut self.groups[i].1
        } else {
            self.groups.push((group, Vec::new()));
            &mut self.groups.last_mut().expect("just pushed").1
        };
        match counts.iter_mut().find(|(name, _)| *name == label) {
            Some((_, count)) => *count += n,
            None => counts.push((label, n)),
        }
    }

    /// Fixes the order in which `group` prints these labels (any others follow).
    pub fn labels(&mut self, group: &'static str, labels: &[&str]) {
        for label in labels {
            self.count(group, *label, 0);
        }
    }

    pub fn violation(&mut self, what: impl Into<String>) {
        self.violations.push(what.into());
    }

    pub fn violations(&self) -> usize {
        self.violations.len()
    }

    /// Every violation, for the checks' own tests.
    #[cfg(test)]
    pub fn found(&self) -> &[String] {
        &self.violations
    }

    /// Adds another report's counts and violations to this one's.
    pub fn merge(&mut self, other: Self) {
        for (group, counts) in other.groups {
            for (label, n) in counts {
                self.count(group, label, n);
            }
        }
        self.violations.extend(other.violations);
    }

    pub fn finish(mut self) -> Self {
        self.elapsed = self.started.elapsed();
        self
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} violations in {:.1}s",
            self.name,
            self.violations.len(),
            self.elapsed.as_secs_f64()
        )?;
        for (group, counts) in &self.groups {
            let mut line = String::new();
            for (i, (label, n)) in counts.iter().enumerate() {
                let sep = if i == 0 { "" } else { ", " };
                let _ = write!(line, "{sep}{label} {n}");
            }
            writeln!(f, "  {group:<10} {line}")?;
        }
        for violation in self.violations.iter().take(SHOWN) {
            writeln!(f, "  VIOLATION  {violation}")?;
        }
        if self.violations.len() > SHOWN {
            writeln!(f, "  … and {} more", self.violations.len() - SHOWN)?;
        }
        Ok(())
    }
}

/// A global logical clock: every event a check compares is stamped from this one counter,
/// so that "A's stamp is below B's" holds whenever A happened before B.
pub fn stamp() -> u64 {
    static CLOCK: AtomicU64 = AtomicU64::new(1);
    CLOCK.fetch_add(1, Ordering::SeqCst)
}

/// Injected latency, never synchronisation: a few scheduler yields, or a short sleep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latency {
    None,
    Yields(u8),
    Sleep(Duration),
}

impl Latency {
    /// Mostly yields, sometimes a millisecond or two of sleep.
    pub fn pick(rng: &mut Rng) -> Self {
        match rng.below(10) {
            0..=2 => Self::None,
            3..=7 => Self::Yields(u8::try_from(rng.between(1, 6)).unwrap_or(1)),
            _ => Self::Sleep(Duration::from_millis(rng.between(1, 2))),
        }
    }

    pub async fn wait(self) {
        match self {
            Self::None => {}
            Self::Yields(n) => {
                for _ in 0..n {
                    tokio::task::yield_now().await;
                }
            }
            Self::Sleep(d) => tokio::time::sleep(d).await,
        }
    }
}

/// The prefix of every panic the suite injects: the panic hook keeps them off stderr.
pub const INJECTED: &str = "stress: injected";

/// Keeps injected panics quiet; any other panic is printed as usual.
pub fn quiet_injected_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied());
        if !message.is_some_and(|m| m.starts_with(INJECTED)) {
            default(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::Report;

    #[test]
    fn a_report_prints_counts_in_order_and_the_first_violations() {
        let mut report = Report::new("demo");
        report.count("calls", "sync", 2);
        report.count("faults", "panic", 1);
        report.count("calls", "oneway", 3);
        report.count("calls", "sync", 1);
        for i in 0..10 {
            report.violation(format!("call {i} ran twice"));
        }
        let text = report.finish().to_string();
        assert!(text.starts_with("demo: 10 violations in "), "{text}");
        assert!(text.contains("  calls      sync 3, oneway 3\n"), "{text}");
        assert!(text.contains("  faults     panic 1\n"), "{text}");
        assert!(text.contains("VIOLATION  call 7 ran twice"), "{text}");
        assert!(!text.contains("call 8 ran twice"), "{text}");
        assert!(text.contains("… and 2 more"), "{text}");
    }
}
