//! Journal write latency on both backends (`bench/run.py`, row "journal").
//!
//! One submission's journal writes, as the service makes them, timed one by one:
//! `claim` (the duplicate look and the row, before the create is sent; the only
//! write a user waits for before money moves), `mark_created`, and one
//! `record_status`. Both backends are measured in the same run, alternating
//! submission by submission so that a noisy neighbour hurts both alike: the
//! SQLite file in a temporary folder (WAL, synchronous FULL) and a fresh schema on
//! the PostgreSQL server of `SEEDANCE_TEST_DATABASE_URL` (default: the local one).
//! Prints one JSON document: per backend and operation, the median and p90 in ms.
//!
//! For finding where PostgreSQL's time goes: `--variant NAME=VALUE` (repeatable)
//! adds a third journal, `postgres_variant`, on a schema of its own whose
//! connections run with that server setting (through the URL's `options`, as
//! `-c NAME=VALUE`), e.g. `synchronous_commit=off`, measured in turn with the other
//! two; `--no-sqlite` leaves SQLite out (then nothing else fsyncs in between).

use std::time::Instant;

use clap::Parser;
use seedance_mcp::{
    domain::{ProviderId, TaskFacts, TaskStatus},
    journal::{Claim, Journal, NewSubmission, StatusUpdate, postgres::testing},
    providers::registry,
};
use serde_json::json;

#[derive(Debug, Parser)]
#[command(about = "Journal write latency, SQLite and PostgreSQL side by side")]
struct Args {
    /// Submissions per backend.
    #[arg(long, default_value_t = 300)]
    submissions: usize,
    /// A PostgreSQL setting for an extra journal measured alongside, `NAME=VALUE`.
    #[arg(long = "variant", value_name = "NAME=VALUE")]
    variant: Vec<String>,
    /// Leave SQLite out.
    #[arg(long)]
    no_sqlite: bool,
}

#[derive(Default)]
struct Timings {
    claim: Vec<f64>,
    created: Vec<f64>,
    status: Vec<f64>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let mut journals: Vec<(&str, Journal)> = Vec::new();
    if !args.no_sqlite {
        journals.push(("sqlite", Journal::open(dir.path())?));
    }
    journals.push((
        "postgres",
        Journal::connect(&testing::fresh().await?.url).await?,
    ));
    if !args.variant.is_empty() {
        // The URL ends in `options=-csearch_path%3D<schema>`: more `-c` switches join it.
        let mut url = testing::fresh().await?.url;
        for setting in &args.variant {
            let (name, value) = setting
                .split_once('=')
                .ok_or("--variant takes NAME=VALUE")?;
            url.push_str(&format!("%20-c{name}%3D{value}"));
        }
        journals.push(("postgres_variant", Journal::connect(&url).await?));
    }
    let provider: ProviderId = registry::find("xskill").ok_or("no xskill backend")?.id;
    let mut times: Vec<Timings> = journals.iter().map(|_| Timings::default()).collect();
    for n in 0..args.submissions {
        for ((_, journal), times) in journals.iter().zip(times.iter_mut()) {
            one_submission(journal, provider, n, times).await?;
        }
    }
    let mut report = json!({
        "submissions": args.submissions,
        "variant": args.variant,
    });
    for ((name, _), t) in journals.iter().zip(&times) {
        report[*name] = json!({
            "claim": spread(&t.claim),
            "mark_created": spread(&t.created),
            "record_status": spread(&t.status),
        });
    }
    println!("{report}");
    Ok(())
}

async fn one_submission(
    journal: &Journal,
    provider: ProviderId,
    n: usize,
    times: &mut Timings,
) -> Result<(), Box<dyn std::error::Error>> {
    let new = NewSubmission {
        provider,
        submission_key: format!("bench-{n}"),
        fingerprint: format!("fingerprint-{n}"),
        request_json: r#"{"prompt":"a lighthouse at dusk"}"#.into(),
        prompt: "a lighthouse at dusk".into(),
        model: "seedance-2.0".into(),
        facts: TaskFacts::default(),
        estimate: Some(40.0),
        story: None,
        created_as: None,
        owner: None,
        owner_budget: None,
    };
    let started = Instant::now();
    let Claim::Claimed(local_id) = journal.claim(new, Some(0)).await? else {
        return Err("a fresh fingerprint was taken for a duplicate".into());
    };
    times.claim.push(ms(started));
    let task_id = format!("task-{n}");
    let started = Instant::now();
    journal
        .mark_created(local_id, task_id.clone(), TaskStatus::Queued, None)
        .await?;
    times.created.push(ms(started));
    let started = Instant::now();
    journal
        .record_status(StatusUpdate {
            provider,
            task_id,
            status: TaskStatus::Running,
            price: None,
            result_urls: Vec::new(),
            local_files: Vec::new(),
            error: None,
        })
        .await?;
    times.status.push(ms(started));
    Ok(())
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// Median and p90 of the samples, in ms.
fn spread(samples: &[f64]) -> serde_json::Value {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
        sorted.get(index).copied().unwrap_or(f64::NAN)
    };
    json!({"median": at(0.5), "p90": at(0.9), "n": sorted.len()})
}
