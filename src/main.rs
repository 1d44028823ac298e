//! Entry point: parse flags, set up logging on stderr, run the command.

use std::{process::ExitCode, time::Duration};

use anyhow::Context;
use base64::Engine;
use clap::Parser;
use seedance_mcp::{
    cli::{Cli, Command},
    config::{Config, HttpSettings},
    env_vars, mcp, providers,
    service::{
        GetTaskOutput, ListTasksParams, ProgressSink, Service, ToolError, UploadImageParams,
        Waiting,
    },
};
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

/// Longest `--wait` of the CLI.
const MAX_WAIT: Duration = Duration::from_secs(30 * 60);

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// stdout belongs to JSON-RPC (stdio) or to command output: logs go to stderr.
fn init_logging() {
    let filter = EnvFilter::try_from_env(env_vars::SEEDANCE_LOG)
        .unwrap_or_else(|_| EnvFilter::new("seedance_mcp=info,warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::from_settings(&cli.settings)?;
    let notice = config.simulation_notice();
    let provider = providers::build(&config)?;
    let sim_seconds = (config.provider == providers::ProviderId::Sim).then_some(config.sim.seconds);
    let journal = seedance_mcp::journal::Journal::open(&config.data_dir)
        .with_context(|| format!("opening the task journal in {}", config.data_dir.display()))?;
    let service = Service::new(provider, config.output_dir.clone(), sim_seconds, journal);
    let command = cli.command.unwrap_or(Command::Serve {
        http: None,
        access: HttpSettings::default(),
    });
    if let Some(notice) = &notice {
        tracing::warn!("{notice}");
    }
    match command {
        Command::Serve { http, access } => {
            let http_config = access.resolve()?;
            // Finish what an earlier run left unanswered, without delaying start-up.
            let reconciling = service.clone();
            tokio::spawn(async move {
                match reconciling.reconcile().await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(tasks = n, "reconciled journalled tasks from an earlier run")
                    }
                    Err(e) => tracing::warn!(error = %e, "reconciling the task journal failed"),
                }
            });
            let server = mcp::SeedanceServer::new(service, notice);
            match http {
                None => mcp::transport::serve_stdio(server).await?,
                Some(addr) => {
                    let shutdown = CancellationToken::new();
                    tokio::spawn(cancel_on_signal(shutdown.clone()));
                    mcp::transport::serve_http(server, addr, http_config, shutdown, None).await?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Submit { params, wait } => {
            let submitted = service.submit(&params).await;
            match (submitted, wait) {
                (Ok(out), true) => {
                    eprintln!("submitted {}; waiting", out.task_id);
                    finish(wait_for(&service, &out.task_id).await)
                }
                (result, _) => finish(result),
            }
        }
        Command::Get { task_id, wait } => {
            if wait {
                finish(wait_for(&service, &task_id).await)
            } else {
                finish(service.get_task(&task_id).await)
            }
        }
        Command::Wait { task_id } => finish(wait_for(&service, &task_id).await),
        Command::Balance => finish(service.balance().await),
        Command::List { filter } => {
            let params = ListTasksParams {
                status: filter.status,
                provider: None,
                since: filter.since,
                limit: filter.limit,
                cursor: filter.cursor,
            };
            finish(service.list_tasks(&params).await)
        }
        Command::Cancel { task_id } => finish(service.cancel_task(&task_id).await),
        Command::Upload { file, url } => {
            let image_data = match file {
                Some(path) => {
                    let bytes = tokio::fs::read(&path)
                        .await
                        .with_context(|| format!("reading {}", path.display()))?;
                    Some(base64::engine::general_purpose::STANDARD.encode(bytes))
                }
                None => None,
            };
            finish(
                service
                    .upload_image(&UploadImageParams {
                        image_url: url,
                        image_data,
                    })
                    .await,
            )
        }
    }
}

async fn wait_for(service: &Service, task_id: &str) -> Result<GetTaskOutput, ToolError> {
    let started = tokio::time::Instant::now();
    let never = CancellationToken::new();
    let progress = StderrProgress;
    loop {
        let window = Duration::from_secs(u64::from(seedance_mcp::service::MAX_WAIT_SECONDS));
        let waiting = Waiting {
            up_to: window,
            cancel: &never,
            progress: Some(&progress),
        };
        let out = service.get_task_waiting(task_id, waiting).await?;
        if out.finished || started.elapsed() > MAX_WAIT {
            return Ok(out);
        }
    }
}

/// Progress lines for people watching a terminal (stdout stays JSON-only).
struct StderrProgress;

#[async_trait::async_trait]
impl ProgressSink for StderrProgress {
    async fn report(&self, _done: f64, _total: f64, message: String) {
        eprintln!("{message}");
    }
}

/// Exit codes scripts can branch on.
mod exit {
    /// Bad arguments (or a duplicate, or something the provider cannot do): fix the call.
    pub const BAD_INPUT: u8 = 2;
    /// The provider could not be reached or failed: try again later.
    pub const UNREACHABLE: u8 = 3;
    /// The task ended without a result (failed, cancelled, expired).
    pub const TASK_FAILED: u8 = 4;
    /// Anything else the provider refused (key, balance, not found).
    pub const REFUSED: u8 = 1;
}

/// Prints a command's structured output, or its error, and picks the exit code.
fn finish<T: serde::Serialize>(result: Result<T, ToolError>) -> anyhow::Result<ExitCode> {
    match result {
        Ok(out) => {
            let json = serde_json::to_value(&out)?;
            seedance_mcp::cli::print_json(&json)?;
            // A finished task that did not succeed is a failure for scripts.
            let ended_badly = json.get("finished") == Some(&serde_json::Value::Bool(true))
                && json.get("status").and_then(|s| s.as_str()) != Some("succeeded");
            Ok(if ended_badly {
                ExitCode::from(exit::TASK_FAILED)
            } else {
                ExitCode::SUCCESS
            })
        }
        Err(e) => {
            eprintln!("error: {e}");
            let code = match e.kind {
                "invalid_argument" | "duplicate_submission" | "unsupported" => exit::BAD_INPUT,
                "upstream_error" | "rate_limited" => exit::UNREACHABLE,
                _ => exit::REFUSED,
            };
            Ok(ExitCode::from(code))
        }
    }
}

async fn cancel_on_signal(shutdown: CancellationToken) {
    let interrupted = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            tokio::select! {
                _ = interrupted => {}
                _ = term.recv() => {}
            }
        } else {
            let _ = interrupted.await;
        }
    }
    #[cfg(not(unix))]
    let _ = interrupted.await;
    shutdown.cancel();
}
