//! Provider requests per completed task, on a simulated clock (`bench/run.py`).
//!
//! For jobs that finish after `--jobs` seconds (default 1, 3 and 10 minutes), this
//! counts the requests each polling strategy sends to the provider (the create
//! plus every status query up to the one that sees the task finished) and how
//! long after completion that query comes:
//!
//! - `fixed`: a query right away, then one every `--fixed-every` seconds (5 s):
//!   the usual hand-written loop.
//! - `schedule`: a query right away, then after
//!   `seedance_mcp::service::schedule::next_check(age, typical)` each time.
//! - `windowed`: the same schedule the way the service runs it for
//!   `get_task(wait_seconds = 50)` and the CLI's `--wait`: each call waits at most
//!   50 s; a check that falls due inside the window is made, a call whose window
//!   ends before the next check is due returns the last answer without asking,
//!   and the next call continues the schedule instead of asking again at once.
//!   This mirrors `Service::wait_for_change` (private, so restated here).
//!
//! Completion times are spread evenly over `job ± 5 %` (200 points), so that no
//! strategy gains or loses by where its checks happen to fall; requests are
//! averaged over them, delays given as mean and max. Nothing sleeps: the clock is
//! simulated.

use std::time::Duration;

use clap::Parser;
use seedance_mcp::service::schedule::next_check;
use serde_json::{Value, json};

/// Completion times per job, spread over ±5 % of its duration.
const SPREAD_POINTS: u32 = 200;
/// Bounds every simulated loop.
const MAX_QUERIES: u32 = 100_000;

#[derive(Debug, Parser)]
#[command(about = "Polling cost on a simulated clock")]
struct Args {
    /// Job durations in seconds.
    #[arg(long, value_delimiter = ',', default_value = "60,180,600")]
    jobs: Vec<f64>,
    /// How long such a task typically takes, as the service assumes (90 s for
    /// video on a real provider: `Service::typical`).
    #[arg(long, default_value_t = 90.0)]
    typical: f64,
    /// Period of the fixed poll.
    #[arg(long, default_value_t = 5.0)]
    fixed_every: f64,
    /// Longest wait of one get_task call (`MAX_WAIT_SECONDS`).
    #[arg(long, default_value_t = f64::from(seedance_mcp::service::MAX_WAIT_SECONDS))]
    window: f64,
}

/// Queries sent and the time of the one that saw the task finished.
struct Outcome {
    queries: u32,
    noticed_at: f64,
}

fn fixed(done: f64, every: f64) -> Outcome {
    let mut t = 0.0;
    let mut queries = 0;
    loop {
        queries += 1;
        if t >= done || queries >= MAX_QUERIES {
            return Outcome {
                queries,
                noticed_at: t,
            };
        }
        t += every;
    }
}

fn schedule(done: f64, typical: Duration) -> Outcome {
    let mut t = 0.0;
    let mut queries = 0;
    loop {
        queries += 1;
        if t >= done || queries >= MAX_QUERIES {
            return Outcome {
                queries,
                noticed_at: t,
            };
        }
        t += next_check(Duration::from_secs_f64(t), typical).as_secs_f64();
    }
}

fn windowed(done: f64, typical: Duration, window: f64) -> Outcome {
    // The first call asks at once; after that only when the schedule says so.
    let mut checked_at = 0.0;
    let mut queries = 1;
    let mut call_started = 0.0;
    loop {
        if checked_at >= done || queries >= MAX_QUERIES {
            return Outcome {
                queries,
                noticed_at: checked_at,
            };
        }
        let due =
            checked_at + next_check(Duration::from_secs_f64(checked_at), typical).as_secs_f64();
        let call_ends = call_started + window;
        if due > call_ends {
            // This call returns the last answer; the next one starts right away.
            call_started = call_ends;
            continue;
        }
        checked_at = due;
        queries += 1;
    }
}

/// Mean requests (create + queries) and notice delays over completion times.
fn summarise(job: f64, run: impl Fn(f64) -> Outcome) -> Value {
    let outcomes: Vec<(f64, Outcome)> = (0..SPREAD_POINTS)
        .map(|i| job * (0.95 + 0.1 * f64::from(i) / f64::from(SPREAD_POINTS)))
        .map(|done| (done, run(done)))
        .collect();
    let n = outcomes.len() as f64;
    let requests = outcomes
        .iter()
        .map(|(_, o)| f64::from(o.queries + 1))
        .sum::<f64>()
        / n;
    let delays: Vec<f64> = outcomes
        .iter()
        .map(|(done, o)| o.noticed_at - done)
        .collect();
    let allowed: Vec<f64> = outcomes.iter().map(|(done, _)| done * 0.1 + 5.0).collect();
    let within = delays.iter().zip(&allowed).all(|(d, a)| d <= a);
    json!({
        "requests_mean": requests,
        "delay_mean_s": delays.iter().sum::<f64>() / n,
        "delay_max_s": delays.iter().copied().fold(0.0, f64::max),
        "delay_within_10pct_plus_5s": within,
    })
}

fn main() {
    let args = Args::parse();
    let typical = Duration::from_secs_f64(args.typical.max(0.0));
    let rows: Vec<Value> = args
        .jobs
        .iter()
        .map(|&job| {
            let fixed = summarise(job, |done| fixed(done, args.fixed_every.max(0.1)));
            let schedule = summarise(job, |done| schedule(done, typical));
            let windowed = summarise(job, |done| windowed(done, typical, args.window.max(1.0)));
            let ratio = |v: &Value| {
                v["requests_mean"].as_f64().unwrap_or(f64::NAN)
                    / fixed["requests_mean"].as_f64().unwrap_or(f64::NAN)
            };
            json!({
                "job_s": job,
                "typical_s": args.typical,
                "first_check_s": next_check(Duration::ZERO, typical).as_secs_f64(),
                "fixed_every_s": args.fixed_every,
                "schedule_vs_fixed": ratio(&schedule),
                "windowed_vs_fixed": ratio(&windowed),
                "fixed": fixed,
                "schedule": schedule,
                "windowed": windowed,
            })
        })
        .collect();
    println!("{}", Value::Array(rows));
}
