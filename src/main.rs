//! Entry point: parse flags, set up logging on stderr, run the command.

use std::{io::IsTerminal, process::ExitCode, time::Duration};

use anyhow::Context;
use clap::FromArgMatches;
use seedance_mcp::{
    cli::{
        Cli, Command, OutputMode, SkillAction,
        doctor::{self, DoctorArgs},
        human::Human,
        progress::StderrProgress,
        tokens::TokenAction,
    },
    config::{Config, Settings, http::HttpSettings},
    env_vars,
    error::ErrorKind,
    journal::{
        Journal,
        tokens::{LimitsChange, NewToken, valid_user_name},
    },
    mcp,
    service::{
        GetTaskOutput, ListTasksParams, Service, ToolError, ToolErrorKind, UploadImageParams,
        Waiting, clips, media::LocalScope, story::SubmitStoryParams,
    },
};
use tokio_util::sync::CancellationToken;
use tracing::Level;
use tracing_subscriber::{filter::Targets, layer::SubscriberExt, util::SubscriberInitExt};

/// Longest `--wait` of the CLI.
const MAX_WAIT: Duration = Duration::from_secs(30 * 60);

fn main() -> ExitCode {
    let matches = seedance_mcp::cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let user_limits = match user_limits_given(&matches) {
        Ok(change) => change,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(exit::BAD_INPUT);
        }
    };
    // A server's stderr is its client's log: it keeps INFO (the address served, tasks
    // reconciled); a command run by hand shows INFO only with -v.
    let serving = matches!(cli.command, None | Some(Command::Serve { .. }));
    init_logging(cli.verbose || serving);
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
    match runtime.block_on(run(cli, user_limits)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The user's limits given on the command line to `token create` or `token
/// limits` (the same flags set through the environment are the server's own
/// limits, not a user's): a value sets a limit, `--no-…` lifts it.
fn user_limits_given(matches: &clap::ArgMatches) -> Result<LimitsChange, String> {
    let Some((_, sub)) = matches
        .subcommand_matches("token")
        .and_then(clap::ArgMatches::subcommand)
    else {
        return Ok(LimitsChange::default());
    };
    let given = |id: &str, lift: &str| -> Result<Option<Option<f64>>, String> {
        if sub.try_get_one::<bool>(lift).ok().flatten() == Some(&true) {
            return Ok(Some(None));
        }
        if sub.value_source(id) != Some(clap::parser::ValueSource::CommandLine) {
            return Ok(None);
        }
        match sub.get_one::<f64>(id).copied() {
            Some(value) if value.is_finite() && value >= 0.0 => Ok(Some(Some(value))),
            Some(value) => Err(format!(
                "`--{}` is {value}: give an amount of 0 or more in the provider's unit",
                id.replace('_', "-")
            )),
            None => Ok(None),
        }
    };
    Ok(LimitsChange {
        daily_budget: given("daily_budget", "no_daily_budget")?,
        max_cost_per_task: given("max_cost_per_task", "no_max_cost_per_task")?,
    })
}

/// stdout belongs to JSON-RPC (stdio) or to command output: logs go to stderr.
fn init_logging(verbose: bool) {
    // `target=level` lists (`Targets`), e.g. `info` or `seedance_mcp=debug,warn`;
    // a value that does not parse leaves the default.
    let filter = std::env::var(env_vars::SEEDANCE_LOG)
        .ok()
        .and_then(|value| value.parse::<Targets>().ok())
        .unwrap_or_else(|| {
            // INFO is for `-v` and for servers (whose stderr is a client's log), not
            // for a person at a terminal running one command.
            let ours = if verbose { Level::INFO } else { Level::WARN };
            Targets::new()
                .with_target("seedance_mcp", ours)
                .with_default(Level::WARN)
        });
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(filter)
        .init();
}

async fn run(cli: Cli, user_limits: LimitsChange) -> anyhow::Result<ExitCode> {
    // Installing the skill needs no provider, journal or output folder.
    if let Some(Command::Skill { action }) = cli.command {
        return install_skill(action);
    }
    // The doctor reports settings that do not work instead of stopping at them.
    if let Some(Command::Doctor(args)) = &cli.command {
        return doctor(&cli.settings, cli.json, args).await;
    }
    let config = Config::from_settings(&cli.settings)?;
    if let Some(Command::Token { action }) = &cli.command {
        let journal = open_journal(&config).await?;
        return manage_tokens(&journal, action, user_limits, OutputMode::detect(cli.json)).await;
    }
    let notice = config.simulation_notice();
    let provider = config.build_provider()?;
    let journal = open_journal(&config).await?;
    // The CLI reads local files in the current folder (and SEEDANCE_ALLOWED_DIRS); the
    // MCP server replaces this per call with the client's roots or the HTTP rule.
    let cwd = std::env::current_dir().context("reading the current folder")?;
    let service = Service::new(provider, config.output_dir.clone(), journal)
        .with_spend_limits(config.spend)
        .with_local_files(config.allowed_dirs.clone(), LocalScope::Folder(cwd));
    let command = cli.command.unwrap_or(Command::Serve {
        http: None,
        access: HttpSettings::default(),
    });
    let mode = OutputMode::detect(cli.json);
    match (&notice, &command) {
        // A server's stderr is a client's log: the notice goes there as a log line.
        (Some(notice), Command::Serve { .. }) => tracing::warn!("{notice}"),
        // A command at a terminal or in a script: once, plainly.
        (Some(notice), _) => eprintln!("{notice}"),
        (None, _) => {}
    }
    match command {
        Command::Serve { http, access } => {
            if http.is_none() && std::io::stdin().is_terminal() {
                eprintln!(
                    "seedance-mcp is an MCP server: it waits for an MCP client on stdin (JSON-RPC). \
                     Add it to your agent (see README), or run `seedance-mcp --help` for the CLI. \
                     Stop it with Ctrl-C or Ctrl-D."
                );
            }
            let http_config = access.resolve()?;
            // Finish what an earlier run left unanswered, without delaying start-up,
            // then what any server on the journal leaves unanswered by dying.
            tokio::spawn(service.clone().keep_settled());
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
            match submitted {
                Ok(out) if wait && out.task_id.is_some() => {
                    let task_id = out.task_id.clone().unwrap_or_default();
                    if mode == OutputMode::Json {
                        eprintln!("submitted {task_id}; waiting");
                    } else {
                        eprint!("{}", out.human_while_waiting());
                    }
                    finish(mode, wait_for(&service, &task_id).await)
                }
                result => finish(mode, result),
            }
        }
        Command::Story {
            file,
            dry_run,
            confirm_cost,
            wait,
        } => {
            let inline = file.to_str().filter(|t| t.trim_start().starts_with('{'));
            let text = if let Some(json) = inline {
                json.to_owned()
            } else if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("reading the story from stdin")?
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("reading the story {}", file.display()))?
            };
            let mut params: SubmitStoryParams = match serde_json::from_str(&text) {
                Ok(params) => params,
                Err(e) => {
                    eprintln!(
                        "error: invalid_argument: the story file is not submit_story's arguments: {e}"
                    );
                    return Ok(ExitCode::from(exit::BAD_INPUT));
                }
            };
            if dry_run {
                params.dry_run = Some(true);
            }
            if confirm_cost.is_some() {
                params.confirm_cost = confirm_cost;
            }
            let cwd = std::env::current_dir().context("reading the current folder")?;
            let submitted = service
                .submit_story_in(&params, &LocalScope::Folder(cwd))
                .await;
            match submitted {
                Ok(out) if wait && out.story_id.is_some() => {
                    let story_id = out.story_id.clone().unwrap_or_default();
                    eprintln!("submitted story {story_id}; waiting");
                    finish(mode, wait_for(&service, &story_id).await)
                }
                result => finish(mode, result),
            }
        }
        Command::Get { task_id, wait } => {
            if wait {
                finish(mode, wait_for(&service, &task_id).await)
            } else {
                finish(mode, service.get_task(&task_id).await)
            }
        }
        Command::Wait { task_id } => finish(mode, wait_for(&service, &task_id).await),
        Command::Balance => finish(mode, service.balance().await),
        Command::List { filter } => {
            let params = ListTasksParams {
                status: filter.status,
                provider: None,
                since: filter.since,
                limit: filter.limit,
                cursor: filter.cursor,
            };
            finish(mode, service.list_tasks(&params).await)
        }
        Command::Cancel { task_id } => finish(mode, service.cancel_task(&task_id).await),
        Command::Skill { action } => install_skill(action),
        Command::Doctor(args) => doctor(&cli.settings, cli.json, &args).await,
        // Answered above, before any provider is built; kept whole here all the same.
        Command::Token { action } => {
            manage_tokens(&open_journal(&config).await?, &action, user_limits, mode).await
        }
        Command::Frame { source, at } => {
            let at = match at.trim().parse::<f64>() {
                Ok(seconds) => clips::At::Seconds(seconds),
                Err(_) => clips::At::Word(at),
            };
            let params = clips::ExtractFrameParams {
                source,
                at: Some(at),
            };
            finish(mode, service.extract_frame(&params).await)
        }
        Command::Stitch { inputs } => finish(
            mode,
            service
                .stitch_videos(&clips::StitchVideosParams { inputs })
                .await,
        ),
        Command::Upload { file, url } => {
            // A file is read like any local path: inside the current folder or
            // SEEDANCE_ALLOWED_DIRS, checked by content, uploaded once per content.
            let image_url = file.map(|path| path.to_string_lossy().into_owned()).or(url);
            finish(
                mode,
                service
                    .upload_image(&UploadImageParams {
                        image_url,
                        image_data: None,
                    })
                    .await,
            )
        }
    }
}

fn install_skill(action: SkillAction) -> anyhow::Result<ExitCode> {
    let SkillAction::Install {
        target,
        dir,
        global,
        force,
    } = action;
    let base = match (dir, global) {
        (Some(dir), _) => dir,
        (None, true) => dirs::home_dir().context("no home folder to install into")?,
        (None, false) => std::env::current_dir()?,
    };
    match seedance_mcp::skill::install(&base, target, force) {
        Ok(files) => {
            for file in &files {
                eprintln!("wrote {}", file.display());
            }
            eprintln!("The seedance skill is installed; restart the agent to load it.");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(exit::BAD_INPUT))
        }
    }
}

/// The journal the settings name: PostgreSQL, or the data folder's SQLite file.
async fn open_journal(config: &Config) -> anyhow::Result<Journal> {
    Ok(match &config.database_url {
        Some(url) => Journal::connect(url.expose()).await.with_context(|| {
            format!(
                "connecting to the task journal database ({})",
                env_vars::SEEDANCE_DATABASE_URL
            )
        })?,
        None => Journal::open(&config.data_dir).with_context(|| {
            format!("opening the task journal in {}", config.data_dir.display())
        })?,
    })
}

async fn manage_tokens(
    journal: &Journal,
    action: &TokenAction,
    limits: LimitsChange,
    mode: OutputMode,
) -> anyhow::Result<ExitCode> {
    use seedance_mcp::cli::{print_result, tokens};
    // `Human::ended_badly` marks a revoke that found nothing; the code follows it.
    match action {
        TokenAction::Create { user } => {
            let user = user.trim();
            if !valid_user_name(user) {
                eprintln!(
                    "error: `--user` is {user:?}: a user name is 1 to 64 letters, digits, `.`, `_` or `-` \
                     (it names the user's folder of saved files)"
                );
                return Ok(ExitCode::from(exit::BAD_INPUT));
            }
            let (listed, token) = journal
                .create_token(NewToken {
                    user: user.to_owned(),
                    daily_budget: limits.daily_budget.flatten(),
                    max_cost_per_task: limits.max_cost_per_task.flatten(),
                })
                .await?;
            print_result(&tokens::TokenCreated { listed, token }, mode)?;
        }
        TokenAction::Limits { user, .. } => {
            let user = user.trim().to_owned();
            let limits = journal.change_user_limits(user.clone(), limits).await?;
            print_result(&tokens::LimitsShown { user, limits }, mode)?;
        }
        TokenAction::List => {
            let listed = journal.tokens().await?;
            print_result(&tokens::TokenList { tokens: listed }, mode)?;
        }
        TokenAction::Revoke { id_or_user } => {
            let revoked = journal.revoke_tokens(id_or_user.trim().to_owned()).await?;
            let result = tokens::TokensRevoked { revoked };
            print_result(&result, mode)?;
            if result.ended_badly() {
                return Ok(ExitCode::from(exit::REFUSED));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn doctor(settings: &Settings, json: bool, args: &DoctorArgs) -> anyhow::Result<ExitCode> {
    let report = doctor::run(settings, args).await;
    seedance_mcp::cli::print_result(&report, OutputMode::detect(json))?;
    Ok(ExitCode::from(report.exit_code))
}

async fn wait_for(service: &Service, task_id: &str) -> Result<GetTaskOutput, ToolError> {
    let started = tokio::time::Instant::now();
    let never = CancellationToken::new();
    let progress = StderrProgress::new(task_id);
    let outcome = loop {
        let window = Duration::from_secs(u64::from(seedance_mcp::service::MAX_WAIT_SECONDS));
        let waiting = Waiting {
            up_to: window,
            cancel: &never,
            progress: Some(&progress),
        };
        match service.get_task_waiting(task_id, waiting).await {
            Ok(out) if !out.finished && started.elapsed() <= MAX_WAIT => continue,
            outcome => break outcome,
        }
    };
    progress.finish();
    outcome
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

/// Prints a command's output, or its error, and picks the exit code.
fn finish<T: serde::Serialize + Human>(
    mode: OutputMode,
    result: Result<T, ToolError>,
) -> anyhow::Result<ExitCode> {
    match result {
        Ok(out) => {
            seedance_mcp::cli::print_result(&out, mode)?;
            Ok(if out.ended_badly() {
                ExitCode::from(exit::TASK_FAILED)
            } else {
                ExitCode::SUCCESS
            })
        }
        Err(e) => {
            eprintln!("error: {e}");
            let code = match e.kind {
                ToolErrorKind::InvalidArgument
                | ToolErrorKind::DuplicateSubmission
                | ToolErrorKind::Provider(ErrorKind::Unsupported) => exit::BAD_INPUT,
                ToolErrorKind::Provider(ErrorKind::Upstream | ErrorKind::RateLimited) => {
                    exit::UNREACHABLE
                }
                ToolErrorKind::SpendLimit
                | ToolErrorKind::NotCancellable
                | ToolErrorKind::JournalError
                | ToolErrorKind::NotFound
                | ToolErrorKind::TooLarge
                | ToolErrorKind::InternalError
                | ToolErrorKind::Provider(
                    ErrorKind::Unauthenticated
                    | ErrorKind::InsufficientBalance
                    | ErrorKind::NotFound
                    | ErrorKind::ContentRejected
                    | ErrorKind::InvalidRequest,
                ) => exit::REFUSED,
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
