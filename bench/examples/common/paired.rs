//! Paired runs: contenders run in turn, round after round, so that each round's
//! contenders meet the same state of the machine, and compared round by round.
//!
//! On a shared machine the speed drifts by more than the differences being measured, over
//! seconds and minutes: criterion, which runs each contender for seconds after the other,
//! then reports the drift as a difference. A round of a few milliseconds is short beside
//! those drifts, and the ratio of two runs of one round cancels them; the median of the
//! ratios over hundreds of rounds, with its quartiles and the count of rounds won, is the
//! comparison. The order is reversed every other round, so neither contender always runs
//! first.

/// The arguments `CONTENDER[,CONTENDER...] COUNT [ROUNDS]`: the contenders' names, the
/// count, and the number of rounds if given; panics with `usage` on any other.
#[allow(dead_code)] // `handler_calls` takes a runtime too, and reads its own.
pub fn arguments(usage: &str) -> (String, u64, Option<usize>) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (names, count, rounds) = match args.as_slice() {
        [names, count] => (names, count, None),
        [names, count, rounds] => (names, count, Some(rounds)),
        _ => panic!("{usage}"),
    };
    let rounds = rounds.map(|n| n.parse().expect(usage));
    (names.clone(), count.parse().expect(usage), rounds)
}

/// Runs `contenders` in turn for `rounds` rounds, `run(name)` timing one run of a
/// contender and returning its time per `unit`, then prints each contender's median, first
/// quartile, third quartile and fastest time, and the first contender's time divided by
/// each other's, round by round: median, quartiles, and in how many rounds it was faster.
pub fn compare(contenders: &[&str], rounds: usize, unit: &str, mut run: impl FnMut(&str) -> f64) {
    assert!(rounds > 0, "at least one round");
    let mut times = vec![Vec::with_capacity(rounds); contenders.len()];
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..contenders.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            times[i].push(run(contenders[i]));
        }
    }
    for (name, row) in contenders.iter().zip(&times) {
        let row = sorted(row.clone());
        println!(
            "{name}: median {} {unit} (q1 {}, q3 {}, fastest {})",
            figure(quantile(&row, 0.5)),
            figure(quantile(&row, 0.25)),
            figure(quantile(&row, 0.75)),
            figure(row[0])
        );
    }
    for (name, row) in contenders.iter().zip(&times).skip(1) {
        let ratios: Vec<f64> = times[0].iter().zip(row).map(|(a, b)| a / b).collect();
        let faster = ratios.iter().filter(|&&r| r < 1.0).count();
        let ratios = sorted(ratios);
        println!(
            "{} ÷ {name}, per round: median {:.3} (q1 {:.3}, q3 {:.3}); faster in {faster} of {rounds} rounds",
            contenders[0],
            quantile(&ratios, 0.5),
            quantile(&ratios, 0.25),
            quantile(&ratios, 0.75),
        );
    }
}

/// The value at quantile `q` of sorted `values` (the nearest rank).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    // Rounds are few: the rank is exact in a float.
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let rank = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[rank]
}

/// A time with three or four significant digits.
fn figure(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.3}")
    } else {
        format!("{value:.1}")
    }
}

fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}
