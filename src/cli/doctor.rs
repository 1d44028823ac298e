//! `seedance-mcp doctor`: what a new user needs to know when something does not
//! work, in one report. Which provider runs and why, its key (masked) and base
//! URL; whether the output and data folders can be written and how much space
//! they have; whether the task journal is sound and of a schema this build
//! knows; which folders local media may come from; and which MCP client configs
//! on this machine run seedance-mcp, with a binary that exists.
//!
//! With `--live` it also makes one free call to each provider whose key is set:
//! the balance where the provider has a balance endpoint, else a read of a task
//! id that cannot exist (a not-found answer means the key was accepted). It
//! never submits anything.
//!
//! Nothing here fails early: a setting that cannot be resolved is reported and
//! the other checks still run. The exit code says the worst finding
//! ([`EXIT_CODES`]).

pub mod clients;

use std::{
    fmt::Write as _,
    io,
    path::{Path, PathBuf},
};

use serde::Serialize;

use crate::{
    cli::human::Human,
    config::{Config, Selection, Settings},
    confine::AllowedRoots,
    domain::TaskRef,
    env_vars,
    error::ProviderError,
    journal,
    providers::{answers, capabilities::BalanceSource, registry},
    secret::Secret,
};

pub use clients::{ClientConfig, Places, Scope, ServerEntry};

/// The exit codes, for `--help`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  nothing is broken (warnings may remain)
  1  something on this machine is broken: settings, folders, journal, or a client config
     whose command does not exist
  3  --live: a provider could not be reached (network, outage, rate limit): try again later
  4  --live: a provider refused its key
  5  --live: a provider gave an answer this build cannot read (the report names the kept file)
When several apply, the first in this order wins: 1, 4, 5, 3.";

/// A made-up task id for the live read of providers without a balance
/// endpoint: digits, so every provider's id rules accept its shape, and 0,
/// which no provider hands out.
const PROBE_TASK_ID: &str = "0";
/// Less free space than this in the output folder is worth a warning (a few
/// 1080p clips).
const LOW_SPACE_OUTPUT: u64 = 1 << 30;
/// Less free space than this in the data folder is worth a warning.
const LOW_SPACE_DATA: u64 = 64 << 20;

/// `doctor` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct DoctorArgs {
    /// Also call each provider whose key is set, with free calls only (the balance,
    /// or a read of a task that cannot exist), to see that it is reachable and
    /// accepts the key.
    #[arg(long)]
    pub live: bool,
    /// The project whose client configs (.cursor/mcp.json, .mcp.json,
    /// .vscode/mcp.json) are checked [default: the current folder].
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
}

/// How a finding stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Works.
    Ok,
    /// Works, but worth knowing.
    Warn,
    /// Broken.
    Fail,
}

impl Status {
    fn tag(self) -> &'static str {
        match self {
            Self::Ok => "[ok]  ",
            Self::Warn => "[warn]",
            Self::Fail => "[FAIL]",
        }
    }
}

/// The whole report: what `--json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// This build's version.
    pub version: &'static str,
    /// The exit code (see [`EXIT_CODES`]).
    pub exit_code: u8,
    /// The provider that runs, and why.
    pub provider: ActiveProvider,
    /// Every provider's key and base URL.
    pub providers: Vec<ProviderSetup>,
    /// The output and data folders.
    pub folders: Vec<Folder>,
    /// The task journal.
    pub journal: JournalCheck,
    /// Where local media may be read from.
    pub allowed_folders: AllowedFolders,
    /// The MCP client configs looked at.
    pub clients: Vec<ClientConfig>,
    /// Whether any client config runs seedance-mcp.
    pub client_status: Status,
    /// The live calls, with `--live`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<Vec<LiveCheck>>,
    /// Every warning and failure in a sentence, worst first.
    pub problems: Vec<Problem>,
}

/// One warning or failure.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// Warn or fail.
    pub status: Status,
    /// Where: `provider`, `folders`, `journal`, `clients`, `live`...
    pub area: &'static str,
    /// What is wrong and what to do.
    pub message: String,
}

/// How the running provider was chosen.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChosenBy {
    /// `SEEDANCE_PROVIDER` in the environment.
    Variable {
        /// The variable.
        name: &'static str,
    },
    /// `--provider` on the command line.
    Flag,
    /// The first provider whose key is set.
    KeyFound {
        /// The key's variable.
        variable: &'static str,
    },
    /// No key is set: the simulator.
    NoKey,
    /// The settings could not be resolved.
    Unresolved,
}

/// The provider that runs.
#[derive(Debug, Clone, Serialize)]
pub struct ActiveProvider {
    /// Fine, simulated (warn) or not resolvable (fail).
    pub status: Status,
    /// Its name, when the settings resolve.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'static str>,
    /// How it was chosen.
    pub chosen_by: ChosenBy,
    /// Why, in a sentence.
    pub reason: String,
    /// Whether results are simulated.
    pub simulated: bool,
    /// Its key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<KeyState>,
    /// Its base URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

/// A key, never shown whole.
#[derive(Debug, Clone, Serialize)]
pub struct KeyState {
    /// Its variable.
    pub variable: &'static str,
    /// Whether it is set (and not empty).
    pub present: bool,
    /// Its start and end, e.g. `sk-…a1b2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub masked: Option<String>,
    /// Its length in characters (a cut-off paste shows here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<usize>,
    /// Something odd about it (a placeholder, spaces, quotes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// One provider's key and base URL.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderSetup {
    /// Its name.
    pub provider: &'static str,
    /// The name people know.
    pub display_name: &'static str,
    /// Whether it is the one that runs.
    pub active: bool,
    /// Its key.
    pub key: KeyState,
    /// Its base URL.
    pub base_url: String,
    /// Whether the base URL was set (else the default).
    pub base_url_set: bool,
}

/// Which folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FolderRole {
    /// Where results are saved.
    Output,
    /// Where the journal and kept answers live.
    Data,
}

/// A folder the program writes to.
#[derive(Debug, Clone, Serialize)]
pub struct Folder {
    /// Which.
    pub role: FolderRole,
    /// Where.
    pub path: PathBuf,
    /// Whether it exists now (else it is created on first use).
    pub exists: bool,
    /// Whether a file could be written (in it, or where it would be created).
    pub writable: bool,
    /// Free bytes for this user, where the platform tells.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free_bytes: Option<u64>,
    /// The finding.
    pub status: Status,
    /// In a sentence.
    pub detail: String,
}

/// The task journal.
#[derive(Debug, Clone, Serialize)]
pub struct JournalCheck {
    /// The file (unused while `database` is set).
    pub path: PathBuf,
    /// The PostgreSQL journal of `SEEDANCE_DATABASE_URL`, without its password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// Whether it exists yet.
    pub exists: bool,
    /// `ok`, or what SQLite's integrity check found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// The file's schema version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// The version this build writes.
    pub known_schema_version: u32,
    /// The finding.
    pub status: Status,
    /// In a sentence.
    pub detail: String,
}

impl JournalCheck {
    /// The database, or else the file.
    fn location(&self) -> String {
        self.database
            .clone()
            .unwrap_or_else(|| self.path.display().to_string())
    }
}

/// Where local media may be read from.
#[derive(Debug, Clone, Serialize)]
pub struct AllowedFolders {
    /// `SEEDANCE_ALLOWED_DIRS` as set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setting: Option<String>,
    /// The folders it grants, canonical, plus the output folder.
    pub folders: Vec<PathBuf>,
    /// Entries that grant nothing, and why.
    pub skipped: Vec<SkippedFolder>,
    /// Warn when an entry grants nothing.
    pub status: Status,
    /// The rule, in a sentence.
    pub detail: String,
}

/// An allowed-folder entry that grants nothing.
#[derive(Debug, Clone, Serialize)]
pub struct SkippedFolder {
    /// As written.
    pub given: String,
    /// Why it is left out.
    pub reason: String,
}

/// What one provider's live call showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It answered and took the key.
    KeyAccepted,
    /// It refused the key.
    KeyRefused,
    /// No answer (network, outage) or a busy answer (5xx, rate limit).
    Unreachable,
    /// An answer this build does not understand.
    UnexpectedAnswer,
}

/// Which free call was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Probe {
    /// The balance endpoint.
    Balance,
    /// A read of a task that cannot exist.
    TaskRead,
}

/// One provider's live call.
#[derive(Debug, Clone, Serialize)]
pub struct LiveCheck {
    /// The provider.
    pub provider: &'static str,
    /// The base URL called.
    pub base_url: String,
    /// The call.
    pub probe: Probe,
    /// What it showed.
    pub outcome: Outcome,
    /// Ok when the key was accepted, else fail.
    pub status: Status,
    /// In a sentence.
    pub detail: String,
    /// The balance, when the call read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance: Option<String>,
    /// The kept answer (keys removed) to attach to a bug report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_file: Option<PathBuf>,
}

/// Runs every check (and the live calls with `--live`).
pub async fn run(settings: &Settings, args: &DoctorArgs) -> Report {
    let config = Config::from_settings(settings);
    let output_dir = absolute(&settings.output_dir());
    let data_dir = absolute(&settings.data_dir());
    let project = args
        .project
        .clone()
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    let clients = clients::check(&Places::here(project));
    let client_status = if clients.iter().any(|c| !c.servers.is_empty()) {
        Status::Ok
    } else {
        Status::Warn
    };
    let live = if args.live {
        Some(live(settings, &config, &data_dir).await)
    } else {
        None
    };
    let mut report = Report {
        version: env!("CARGO_PKG_VERSION"),
        exit_code: 0,
        provider: active_provider(settings, &config),
        providers: providers(settings, &config),
        folders: vec![
            folder(FolderRole::Output, &output_dir, LOW_SPACE_OUTPUT),
            folder(FolderRole::Data, &data_dir, LOW_SPACE_DATA),
        ],
        journal: match settings.database_url.as_ref().filter(|url| !url.is_empty()) {
            Some(url) => database_check(url.expose()).await,
            None => journal_check(&data_dir),
        },
        allowed_folders: allowed_folders(settings, &output_dir),
        clients,
        client_status,
        live,
        problems: Vec::new(),
    };
    report.problems = problems(&report);
    report.exit_code = exit_code(&report);
    report
}

/// `path` made absolute against the current folder (as the server would use it).
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

fn active_provider(
    settings: &Settings,
    config: &Result<Config, crate::config::ConfigError>,
) -> ActiveProvider {
    let config = match config {
        Ok(config) => config,
        Err(e) => {
            return ActiveProvider {
                status: Status::Fail,
                name: None,
                chosen_by: ChosenBy::Unresolved,
                reason: format!("the settings do not work: {e}"),
                simulated: false,
                key: None,
                base_url: None,
            };
        }
    };
    let id = config.provider;
    let simulated = config.simulated();
    let chosen_by = match config.selection {
        Selection::Explicit => {
            let from_env = std::env::var(env_vars::SEEDANCE_PROVIDER).ok();
            if from_env.is_some() && from_env == settings.provider {
                ChosenBy::Variable {
                    name: env_vars::SEEDANCE_PROVIDER,
                }
            } else {
                ChosenBy::Flag
            }
        }
        Selection::KeyFound => ChosenBy::KeyFound {
            variable: id.key_env().unwrap_or_default(),
        },
        Selection::NoKeyFallback => ChosenBy::NoKey,
    };
    let reason = match &chosen_by {
        ChosenBy::Variable { name } => format!("{name}={} chooses it", id.as_str()),
        ChosenBy::Flag => format!("--provider {} chooses it", id.as_str()),
        ChosenBy::KeyFound { variable } => format!(
            "{variable} is set and {} is unset, so it is the first provider with a key ({})",
            env_vars::SEEDANCE_PROVIDER,
            key_order()
        ),
        ChosenBy::NoKey => format!(
            "no key: simulator. No provider key is set, so tasks are simulated (free placeholder \
             clips); set one of {} for real videos",
            registry::key_vars().join(", ")
        ),
        ChosenBy::Unresolved => String::new(),
    };
    ActiveProvider {
        status: if simulated { Status::Warn } else { Status::Ok },
        name: Some(id.as_str()),
        chosen_by,
        reason,
        simulated,
        key: id
            .key_env()
            .map(|var| key_state(var, config.backend.api_key.as_ref())),
        base_url: (!simulated).then(|| config.backend.base_url.clone()),
    }
}

/// `xskill, byteplus, ...`: the order keys are looked for.
fn key_order() -> String {
    registry::entries()
        .filter(|e| e.chosen_by_key && e.info().key_var.is_some())
        .map(|e| e.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn providers(
    settings: &Settings,
    config: &Result<Config, crate::config::ConfigError>,
) -> Vec<ProviderSetup> {
    let active = config.as_ref().ok().map(|c| c.provider);
    registry::entries()
        .filter_map(|entry| {
            let info = entry.info();
            let variable = info.key_var?;
            let backend = settings.backend(entry, Path::new(""));
            Some(ProviderSetup {
                provider: info.name,
                display_name: info.display_name,
                active: active == Some(entry.id),
                key: key_state(variable, backend.api_key.as_ref()),
                base_url: backend.base_url,
                base_url_set: settings.providers.base_url(entry.id).is_some(),
            })
        })
        .collect()
}

fn key_state(variable: &'static str, key: Option<&Secret>) -> KeyState {
    let Some(key) = key.map(Secret::expose) else {
        return KeyState {
            variable,
            present: false,
            masked: None,
            length: None,
            warning: None,
        };
    };
    let lower = key.to_ascii_lowercase();
    let warning = if lower.contains("your") || lower.contains("xxxx") || key.contains(['<', '>']) {
        Some("it looks like a placeholder from an example, not a real key".to_owned())
    } else if key.contains(['"', '\'']) {
        Some("it contains quote marks: remove them".to_owned())
    } else if key.chars().any(char::is_whitespace) {
        Some("it contains spaces or line breaks: paste it again".to_owned())
    } else {
        None
    };
    KeyState {
        variable,
        present: true,
        masked: Some(mask(key)),
        length: Some(key.chars().count()),
        warning,
    }
}

/// `sk-…a1b2`: a short prefix (`sk-`, `sk_`) and, for keys long enough that it
/// gives little away, the last four characters.
fn mask(key: &str) -> String {
    let prefix = match key.find(['-', '_']) {
        Some(at) if at <= 3 => key.get(..=at).unwrap_or_default(),
        _ => "",
    };
    let chars: Vec<char> = key.chars().collect();
    let tail: String = if chars.len() >= 16 {
        chars[chars.len() - 4..].iter().collect()
    } else {
        String::new()
    };
    format!("{prefix}…{tail}")
}

fn folder(role: FolderRole, path: &Path, low: u64) -> Folder {
    let exists = path.exists();
    let mut found = Folder {
        role,
        path: path.to_owned(),
        exists,
        writable: false,
        free_bytes: None,
        status: Status::Ok,
        detail: String::new(),
    };
    if exists && !path.is_dir() {
        found.status = Status::Fail;
        found.detail = "it is a file, not a folder: point the setting at a folder".to_owned();
        return found;
    }
    // A missing folder is created on first use: where it would be created must be writable.
    let Some(base) = path.ancestors().find(|a| a.is_dir()) else {
        found.status = Status::Fail;
        found.detail = "neither it nor any folder above it exists".to_owned();
        return found;
    };
    found.free_bytes = free_space(base);
    match try_write(base) {
        Ok(()) => {
            found.writable = true;
            found.detail = if exists {
                "writable".to_owned()
            } else {
                format!(
                    "does not exist yet; it will be created in {}, which is writable",
                    base.display()
                )
            };
        }
        Err(e) => {
            found.status = Status::Fail;
            found.detail = format!("cannot write in {}: {e}", base.display());
        }
    }
    if let Some(free) = found.free_bytes {
        let _ = write!(found.detail, "; {} free", bytes(free));
        if free < low && found.status == Status::Ok {
            found.status = Status::Warn;
            let _ = write!(found.detail, " (less than {}: free some space)", bytes(low));
        }
    }
    found
}

/// Writes and removes a small file in `dir`: the only sure test of writability.
fn try_write(dir: &Path) -> io::Result<()> {
    use std::io::Write as _;
    let probe = dir.join(format!(
        ".seedance-doctor-{}-{}.tmp",
        std::process::id(),
        rand::random::<u32>()
    ));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .and_then(|mut file| file.write_all(b"seedance-mcp doctor"));
    let removed = std::fs::remove_file(&probe);
    written.and(removed)
}

/// Free bytes for an unprivileged user on the file system holding `dir`.
#[cfg(unix)]
fn free_space(dir: &Path) -> Option<u64> {
    let stats = rustix::fs::statvfs(dir).ok()?;
    Some(stats.f_bavail.saturating_mul(stats.f_frsize))
}

/// Elsewhere the free space is not reported.
#[cfg(not(unix))]
fn free_space(_dir: &Path) -> Option<u64> {
    None
}

/// `1.5 GiB`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn journal_check(data_dir: &Path) -> JournalCheck {
    let path = data_dir.join(journal::FILE_NAME);
    let mut check = JournalCheck {
        exists: path.is_file(),
        path,
        database: None,
        integrity: None,
        schema_version: None,
        known_schema_version: journal::SCHEMA_VERSION,
        status: Status::Ok,
        detail: String::new(),
    };
    if !check.exists {
        check.detail = "not created yet: the first command creates it".to_owned();
        return check;
    }
    match inspect_journal(&check.path) {
        Err(e) => {
            check.status = Status::Fail;
            check.detail = format!("cannot be opened: {e}");
        }
        Ok((integrity, version)) => {
            check.schema_version = Some(version);
            let sound = integrity == ["ok"];
            check.integrity = Some(integrity.join("; "));
            let known = journal::SCHEMA_VERSION;
            (check.status, check.detail) = if !sound {
                (
                    Status::Fail,
                    format!(
                        "damaged ({}): stop the server, move the file aside and start again; the \
                         tasks it listed stay on the provider's dashboard",
                        check.integrity.as_deref().unwrap_or_default()
                    ),
                )
            } else if version > known {
                (
                    Status::Fail,
                    format!(
                        "written by a newer seedance-mcp (schema {version}; this build knows up to \
                         {known}): update seedance-mcp, or point {} at another folder",
                        env_vars::SEEDANCE_DATA_DIR
                    ),
                )
            } else if version < known {
                (
                    Status::Ok,
                    format!(
                        "sound; schema {version}, upgraded to {known} the next time it is opened"
                    ),
                )
            } else {
                (Status::Ok, format!("sound; schema {version}"))
            };
        }
    }
    check
}

/// The PostgreSQL journal: reachable, and of a schema this build can use.
async fn database_check(url: &str) -> JournalCheck {
    let known = journal::postgres::SCHEMA_VERSION;
    let mut check = JournalCheck {
        path: PathBuf::new(),
        database: Some(
            journal::postgres::shown_url(url).unwrap_or_else(|| "(unreadable URL)".to_owned()),
        ),
        exists: false,
        integrity: None,
        schema_version: None,
        known_schema_version: known,
        status: Status::Ok,
        detail: String::new(),
    };
    match journal::postgres::PgJournal::inspect(url, PROBE_TIMEOUT).await {
        Err(e) => {
            check.status = Status::Fail;
            check.detail = format!(
                "cannot be reached: {e}; check {} and that the server accepts this machine",
                env_vars::SEEDANCE_DATABASE_URL
            );
        }
        Ok(None) => {
            check.detail =
                "reachable; no journal tables yet: the first command creates them".to_owned();
        }
        Ok(Some(version)) => {
            check.exists = true;
            check.schema_version = Some(version);
            (check.status, check.detail) = if version > known {
                (
                    Status::Fail,
                    format!(
                        "written by a newer seedance-mcp (schema {version}; this build knows up to \
                         {known}): update every replica to the same version"
                    ),
                )
            } else if version < known {
                (
                    Status::Ok,
                    format!("reachable; schema {version}, upgraded to {known} at the next start"),
                )
            } else {
                (Status::Ok, format!("reachable; schema {version}"))
            };
        }
    }
    check
}

/// SQLite's integrity findings (`["ok"]` when sound) and the schema version,
/// read without changing the file.
fn inspect_journal(path: &Path) -> rusqlite::Result<(Vec<String>, u32)> {
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // A running server may be writing: wait for it rather than fail.
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let version: u32 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let mut statement = conn.prepare("PRAGMA integrity_check(20)")?;
    let findings = statement
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok((findings, version))
}

fn allowed_folders(settings: &Settings, output_dir: &Path) -> AllowedFolders {
    let setting = settings.allowed_dirs.as_deref().filter(|d| !d.is_empty());
    let (mut roots, skipped) = AllowedRoots::from_sources(Vec::<String>::new(), setting, None);
    // The output folder is always allowed; it only counts once it exists.
    let _ = roots.add_dir(output_dir);
    let status = if skipped.is_empty() {
        Status::Ok
    } else {
        Status::Warn
    };
    AllowedFolders {
        setting: setting.map(|d| d.to_string_lossy().into_owned()),
        folders: roots.roots().to_vec(),
        skipped: skipped
            .into_iter()
            .map(|s| SkippedFolder {
                given: s.given,
                reason: s.reason,
            })
            .collect(),
        status,
        detail: format!(
            "Local media may come from these folders and, besides them, from the MCP client's roots \
             (stdio) or the current folder (CLI); over HTTP, only from these ({}).",
            env_vars::SEEDANCE_ALLOWED_DIRS
        ),
    }
}

/// One free call to each provider whose key is set. Providers sharing a key
/// variable are called once: the running one, else the first in key order.
async fn live(
    settings: &Settings,
    config: &Result<Config, crate::config::ConfigError>,
    data_dir: &Path,
) -> Vec<LiveCheck> {
    let active = config.as_ref().ok().map(|c| c.provider);
    let mut entries: Vec<_> = registry::entries()
        .filter(|e| !e.capabilities.simulated && settings.providers.key(e.id).is_some())
        .collect();
    // The running provider first, so it is the one checked for a shared key.
    entries.sort_by_key(|e| Some(e.id) != active);
    let mut checked_vars = Vec::new();
    let mut checks = Vec::new();
    for entry in entries {
        let var = entry.info().key_var;
        if checked_vars.contains(&var) {
            continue;
        }
        checked_vars.push(var);
        checks.push(probe(entry, settings.backend(entry, data_dir)).await);
    }
    checks
}

/// A live check's time limit per call. Its retry budget is twice that, so a host
/// that does not answer is reported in seconds, not after a read's full budget.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

async fn probe(
    entry: &registry::Entry,
    mut backend: crate::providers::ProviderConfig,
) -> LiveCheck {
    backend.api_timeout = backend.api_timeout.min(PROBE_TIMEOUT);
    let answers_dir = backend.answers_dir.clone().unwrap_or_default();
    let before = answers::list(&answers_dir);
    let probe = if entry.capabilities.balance == BalanceSource::Endpoint {
        Probe::Balance
    } else {
        Probe::TaskRead
    };
    let base_url = backend.base_url.clone();
    let result = match (entry.build)(&backend) {
        Ok(provider) => match probe {
            Probe::Balance => provider
                .balance()
                .await
                .map(|b| Some(b.available.to_string())),
            Probe::TaskRead => provider
                .task(&TaskRef::new(PROBE_TASK_ID))
                .await
                .map(|_| None),
        },
        Err(e) => Err(e),
    };
    // The calls run one after another, so an answer kept meanwhile is this one's.
    let answer_file = answers::list(&answers_dir)
        .into_iter()
        .rfind(|file| !before.contains(file));
    let (outcome, detail, balance) = judge(result, answer_file.is_some());
    LiveCheck {
        provider: entry.id.as_str(),
        base_url,
        probe,
        outcome,
        status: if outcome == Outcome::KeyAccepted {
            Status::Ok
        } else {
            Status::Fail
        },
        detail,
        balance,
        answer_file,
    }
}

/// What a live call's result means.
fn judge(
    result: Result<Option<String>, ProviderError>,
    kept: bool,
) -> (Outcome, String, Option<String>) {
    let accepted = "reachable, key accepted";
    match result {
        Ok(Some(balance)) => (
            Outcome::KeyAccepted,
            format!("{accepted}; balance {balance}"),
            Some(balance),
        ),
        Ok(None) | Err(ProviderError::NotFound { .. }) => {
            (Outcome::KeyAccepted, accepted.to_owned(), None)
        }
        Err(e @ ProviderError::InsufficientBalance { .. }) => {
            (Outcome::KeyAccepted, format!("{accepted}, but: {e}"), None)
        }
        Err(e @ ProviderError::Unauthenticated { .. }) => (
            Outcome::KeyRefused,
            format!("key refused: {e}. Copy the key again from the provider's dashboard"),
            None,
        ),
        Err(e @ ProviderError::RateLimited { .. }) => (
            Outcome::Unreachable,
            format!("busy: {e}; try again later"),
            None,
        ),
        Err(e @ ProviderError::Upstream { status, .. })
            if !kept && status.is_none_or(|s| s >= 500 || s == 408) =>
        {
            (
                Outcome::Unreachable,
                format!("unreachable: {e}. Check the network, a proxy, and the base URL"),
                None,
            )
        }
        Err(e) => (
            Outcome::UnexpectedAnswer,
            format!("unexpected answer: {e}"),
            None,
        ),
    }
}

fn problems(report: &Report) -> Vec<Problem> {
    let mut found = Vec::new();
    let mut add = |status: Status, area: &'static str, message: String| {
        if status != Status::Ok {
            found.push(Problem {
                status,
                area,
                message,
            });
        }
    };
    add(
        report.provider.status,
        "provider",
        report.provider.reason.clone(),
    );
    for setup in &report.providers {
        if let Some(warning) = &setup.key.warning {
            add(
                Status::Warn,
                "provider",
                format!("{}: {warning}", setup.key.variable),
            );
        }
    }
    for folder in &report.folders {
        add(
            folder.status,
            "folders",
            format!("{}: {}", folder.path.display(), folder.detail),
        );
    }
    add(
        report.journal.status,
        "journal",
        format!("{}: {}", report.journal.location(), report.journal.detail),
    );
    for skipped in &report.allowed_folders.skipped {
        add(
            report.allowed_folders.status,
            "allowed_folders",
            format!(
                "{} entry {} grants nothing: {}",
                env_vars::SEEDANCE_ALLOWED_DIRS,
                skipped.given,
                skipped.reason
            ),
        );
    }
    for config in &report.clients {
        if let Some(error) = &config.error {
            add(
                config.status,
                "clients",
                format!("{}: {error}", config.path.display()),
            );
        }
        for server in &config.servers {
            add(
                server.status,
                "clients",
                format!(
                    "{} ({}), \"{}\": {}",
                    config.client,
                    config.path.display(),
                    server.name,
                    server.detail
                ),
            );
        }
    }
    add(
        report.client_status,
        "clients",
        "no MCP client config found here runs seedance-mcp: see \"Add it to your agent\" in the README"
            .to_owned(),
    );
    for check in report.live.iter().flatten() {
        let mut message = format!("{}: {}", check.provider, check.detail);
        if let Some(file) = &check.answer_file {
            let _ = write!(
                message,
                " (the answer, keys removed, is in {})",
                file.display()
            );
        }
        add(check.status, "live", message);
    }
    found.sort_by_key(|p| std::cmp::Reverse(p.status));
    found
}

/// See [`EXIT_CODES`].
fn exit_code(report: &Report) -> u8 {
    let local_failure = report
        .problems
        .iter()
        .any(|p| p.status == Status::Fail && p.area != "live");
    if local_failure {
        return 1;
    }
    let outcomes: Vec<Outcome> = report.live.iter().flatten().map(|c| c.outcome).collect();
    [
        (Outcome::KeyRefused, 4),
        (Outcome::UnexpectedAnswer, 5),
        (Outcome::Unreachable, 3),
    ]
    .into_iter()
    .find(|(outcome, _)| outcomes.contains(outcome))
    .map_or(0, |(_, code)| code)
}

impl Human for Report {
    fn human(&self) -> String {
        let mut out = format!("seedance-mcp {} doctor\n", self.version);
        let p = &self.provider;
        let _ = writeln!(out, "\nProvider");
        match p.name {
            Some(name) => {
                let _ = writeln!(out, "  {} {name}: {}", p.status.tag(), p.reason);
            }
            None => {
                let _ = writeln!(out, "  {} {}", p.status.tag(), p.reason);
            }
        }
        for setup in &self.providers {
            let key = match &setup.key.masked {
                Some(masked) => format!(
                    "{masked} ({} characters)",
                    setup.key.length.unwrap_or_default()
                ),
                None => "not set".to_owned(),
            };
            let url = if setup.base_url_set { " (set)" } else { "" };
            let active = if setup.active { "  <- runs" } else { "" };
            let _ = writeln!(
                out,
                "         {:<12} {} {key}; {}{url}{active}",
                setup.provider, setup.key.variable, setup.base_url
            );
        }
        let _ = writeln!(out, "\nFolders");
        for folder in &self.folders {
            let role = match folder.role {
                FolderRole::Output => "output",
                FolderRole::Data => "data",
            };
            let _ = writeln!(
                out,
                "  {} {role} {}: {}",
                folder.status.tag(),
                folder.path.display(),
                folder.detail
            );
        }
        let j = &self.journal;
        let _ = writeln!(out, "\nJournal");
        let _ = writeln!(out, "  {} {}: {}", j.status.tag(), j.location(), j.detail);
        let a = &self.allowed_folders;
        let _ = writeln!(out, "\nAllowed folders for local media");
        let listed = if a.folders.is_empty() {
            "none yet".to_owned()
        } else {
            a.folders
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(out, "  {} {listed}", a.status.tag());
        for skipped in &a.skipped {
            let _ = writeln!(
                out,
                "         skipped {}: {}",
                skipped.given, skipped.reason
            );
        }
        let _ = writeln!(out, "         {}", a.detail);
        let _ = writeln!(out, "\nMCP client configs");
        let mut missing = Vec::new();
        for config in &self.clients {
            let scope = match config.scope {
                Scope::User => "user",
                Scope::Project => "project",
            };
            if !config.found {
                missing.push(config.path.display().to_string());
                continue;
            }
            let head = format!("{} ({scope}) {}", config.client, config.path.display());
            if let Some(error) = &config.error {
                let _ = writeln!(out, "  {} {head}: {error}", config.status.tag());
            } else if config.servers.is_empty() {
                let _ = writeln!(
                    out,
                    "  {} {head}: no seedance-mcp server in it",
                    config.status.tag()
                );
            }
            for server in &config.servers {
                let _ = writeln!(
                    out,
                    "  {} {head}: \"{}\" {}",
                    server.status.tag(),
                    server.name,
                    server.detail
                );
            }
        }
        if self.client_status != Status::Ok {
            let _ = writeln!(
                out,
                "  {} none runs seedance-mcp (see \"Add it to your agent\" in the README)",
                self.client_status.tag()
            );
        }
        if !missing.is_empty() {
            let _ = writeln!(out, "         not found: {}", missing.join(", "));
        }
        if self
            .clients
            .iter()
            .any(|c| c.servers.iter().any(|s| !s.env_vars.is_empty()))
        {
            let _ = writeln!(
                out,
                "         A client starts the server with the env in its config, not this shell's: \
                 run doctor with those variables to check that setup."
            );
        }
        if let Some(live) = &self.live {
            let _ = writeln!(out, "\nLive checks (free calls only)");
            if live.is_empty() {
                let _ = writeln!(out, "         no provider key is set: nothing to call");
            }
            for check in live {
                let _ = writeln!(
                    out,
                    "  {} {} ({}): {}",
                    check.status.tag(),
                    check.provider,
                    check.base_url,
                    check.detail
                );
                if let Some(file) = &check.answer_file {
                    let _ = writeln!(
                        out,
                        "         the answer, keys removed, is in {}: attach it to a bug report",
                        file.display()
                    );
                }
            }
        } else {
            let _ = writeln!(
                out,
                "\nRun `seedance-mcp doctor --live` to call each provider whose key is set (free calls only)."
            );
        }
        let fails = self
            .problems
            .iter()
            .filter(|p| p.status == Status::Fail)
            .count();
        let warns = self.problems.len() - fails;
        let _ = writeln!(
            out,
            "\n{fails} broken, {warns} warning(s); exit code {}.",
            self.exit_code
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_masked_to_a_prefix_and_at_most_four_final_characters() {
        assert_eq!(mask("sk-0123456789abcdefa1b2"), "sk-…a1b2");
        assert_eq!(mask("sk_live_0123456789abc"), "sk_…9abc");
        assert_eq!(mask("ark-0123456789abcdef"), "ark-…cdef");
        assert_eq!(mask("short-key"), "…");
        assert_eq!(mask("0123456789abcdefXYZW"), "…XYZW");
    }

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(3 << 29), "1.5 GiB");
    }
}
