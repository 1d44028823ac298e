//! A provider fake as a standalone process, for benchmarks and manual runs.
//!
//! Starts one of the stateful fakes from the `provider-fakes` crate on `127.0.0.1`,
//! prints its base URL on the first line of stdout and, on the second, the
//! environment a `seedance-mcp` process needs to use it
//! (`SEEDANCE_PROVIDER=… KEY_VAR=… BASE_URL_VAR=…`), then serves until SIGINT or
//! SIGTERM.
//!
//! The fakes advance a task by queries, not by wall-clock time: a task answers
//! "pending" `--pending-polls` times and "processing" `--processing-polls` times
//! before it completes. A very large `--processing-polls` keeps tasks running
//! forever (for timing status checks); `--result-bytes` sets the size of the
//! result video every finished task serves.
//!
//! ```sh
//! cargo run --release --example fake_provider -- \
//!     --provider xskill --pending-polls 0 --processing-polls 0 --result-bytes 52428800
//! ```

use std::io::Write as _;

use clap::{Parser, ValueEnum};
use provider_fakes::{FakeControl, PLACEHOLDER_MP4, ark, seed2, seedance2ai, xskill};

/// Which fake to run.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Which {
    Xskill,
    Byteplus,
    Seedance2ai,
    Seed2,
}

#[derive(Debug, Parser)]
#[command(about = "Runs one provider fake on 127.0.0.1 and prints its base URL")]
struct Args {
    /// The provider API to fake.
    #[arg(long, value_enum, default_value = "xskill")]
    provider: Which,
    /// Queries answered "pending" (Ark: "queued") before a task runs.
    #[arg(long, default_value_t = 1)]
    pending_polls: u32,
    /// Queries answered "processing" (Ark: "running") before a task finishes.
    #[arg(long, default_value_t = 1)]
    processing_polls: u32,
    /// Size in bytes of the result video every finished task serves (an MP4
    /// `ftyp` header, then filler).
    #[arg(long)]
    result_bytes: Option<usize>,
}

/// What a `seedance-mcp` process needs to talk to a running fake.
struct Running {
    base_url: String,
    env: Vec<(&'static str, String)>,
    /// Keeps the fake alive; dropping it stops the server.
    _guard: Box<dyn Send>,
}

fn result_body(size: Option<usize>) -> Vec<u8> {
    let Some(size) = size else {
        return PLACEHOLDER_MP4.to_vec();
    };
    let mut body = Vec::with_capacity(size.max(PLACEHOLDER_MP4.len()));
    body.extend_from_slice(PLACEHOLDER_MP4);
    // Filler that does not compress to nothing, cheap to make.
    let mut state: u32 = 0x9e37_79b9;
    while body.len() < size {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        body.extend_from_slice(&state.to_le_bytes());
    }
    body.truncate(size.max(PLACEHOLDER_MP4.len()));
    body
}

async fn start(args: &Args) -> std::io::Result<Running> {
    let result_bytes = result_body(args.result_bytes);
    let (pending, processing) = (args.pending_polls, args.processing_polls);
    Ok(match args.provider {
        Which::Xskill => {
            let fake = xskill::FakeXskill::start_with(xskill::FakeXskillConfig {
                pending_polls: pending,
                processing_polls: processing,
                result_bytes,
                ..Default::default()
            })
            .await?;
            Running {
                base_url: fake.base_url(),
                env: vec![
                    ("SEEDANCE_PROVIDER", "xskill".to_owned()),
                    ("XSKILL_API_KEY", fake.api_key().to_owned()),
                    ("XSKILL_BASE_URL", fake.base_url()),
                ],
                _guard: Box::new(fake),
            }
        }
        Which::Byteplus => {
            let fake = ark::FakeArk::start_with(ark::FakeArkConfig {
                queued_polls: pending,
                running_polls: processing,
                result_bytes,
                ..Default::default()
            })
            .await?;
            Running {
                base_url: fake.base_url(),
                env: vec![
                    ("SEEDANCE_PROVIDER", "byteplus".to_owned()),
                    ("ARK_API_KEY", fake.api_key().to_owned()),
                    ("ARK_BASE_URL", fake.base_url()),
                ],
                _guard: Box::new(fake),
            }
        }
        Which::Seedance2ai => {
            // This API has no separate pending state: both counts run as "processing".
            let fake =
                seedance2ai::FakeSeedance2ai::start_with(seedance2ai::FakeSeedance2aiConfig {
                    processing_polls: pending.saturating_add(processing),
                    result_bytes,
                    ..Default::default()
                })
                .await?;
            Running {
                base_url: fake.base_url(),
                env: vec![
                    ("SEEDANCE_PROVIDER", "seedance2ai".to_owned()),
                    ("SEEDANCE2AI_API_KEY", fake.api_key().to_owned()),
                    ("SEEDANCE2AI_BASE_URL", fake.base_url()),
                ],
                _guard: Box::new(fake),
            }
        }
        Which::Seed2 => {
            let fake = seed2::FakeSeed2::start_with(seed2::FakeSeed2Config {
                pending_polls: pending,
                processing_polls: processing,
                result_bytes,
                ..Default::default()
            })
            .await?;
            Running {
                base_url: fake.base_url(),
                env: vec![
                    ("SEEDANCE_PROVIDER", "seed2".to_owned()),
                    ("SEED2_API_KEY", fake.api_key().to_owned()),
                    ("SEED2_BASE_URL", fake.base_url()),
                ],
                _guard: Box::new(fake),
            }
        }
    })
}

async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let running = start(&args).await?;
    let env = running
        .env
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", running.base_url)?;
    writeln!(stdout, "{env}")?;
    stdout.flush()?;
    drop(stdout);
    stopped().await;
    Ok(())
}
