//! Every general environment variable the program reads, declared once.
//!
//! Clap binds flags to these names (`#[arg(env = ...)]`) and the README's config
//! table lists them, so a name never drifts between code and docs. Each
//! provider's key and base-URL variables are declared by its registry entry
//! (`providers::registry`), and read through `config::ProviderFlags`.

/// Which provider backend to use: `xskill`, `byteplus`, `volcengine`, `seedance2ai`,
/// `seed2` or `sim`. Unset: the first provider whose key is set, else `sim`.
pub const SEEDANCE_PROVIDER: &str = "SEEDANCE_PROVIDER";
/// Folder where finished videos and images are saved.
pub const SEEDANCE_OUTPUT_DIR: &str = "SEEDANCE_OUTPUT_DIR";
/// Folders (a `PATH`-style list, `:`-separated on Unix) from which local media files
/// may be read, besides the MCP client's roots (stdio), the working directory (CLI)
/// and the output folder. Over HTTP, local files are refused unless it is set.
pub const SEEDANCE_ALLOWED_DIRS: &str = "SEEDANCE_ALLOWED_DIRS";
/// Folder of the task journal (default: the platform data folder + `seedance-mcp`).
pub const SEEDANCE_DATA_DIR: &str = "SEEDANCE_DATA_DIR";
/// `postgres://…`: keep the task journal in this PostgreSQL database instead of
/// the data folder's SQLite file, so several server replicas share it.
pub const SEEDANCE_DATABASE_URL: &str = "SEEDANCE_DATABASE_URL";

/// The general variables whose values are secrets (the providers' keys are
/// declared by the registry): never logged, marked secret wherever listed.
pub static SECRET_VARS: [&str; 2] = [SEEDANCE_HTTP_TOKEN, SEEDANCE_DATABASE_URL];
/// Log filter for stderr: a level, or `target=level` pairs with an optional default
/// level, e.g. `info` or `seedance_mcp=debug,warn`.
pub const SEEDANCE_LOG: &str = "SEEDANCE_LOG";
/// How many seconds a simulated task takes from submit to `succeeded` (default 6).
pub const SEEDANCE_SIM_SECONDS: &str = "SEEDANCE_SIM_SECONDS";
/// Seconds an API call (create, status, balance) may take before it counts as
/// failed (default 30); uploads get twice as long.
pub const SEEDANCE_API_TIMEOUT_SECS: &str = "SEEDANCE_API_TIMEOUT_SECS";
/// Most one task may cost, in the provider's unit; dearer ones need `confirm_cost`.
pub const SEEDANCE_MAX_COST_PER_TASK: &str = "SEEDANCE_MAX_COST_PER_TASK";
/// Most all tasks of the last 24 hours may cost together, in the provider's unit.
pub const SEEDANCE_DAILY_BUDGET: &str = "SEEDANCE_DAILY_BUDGET";
/// `1`: every paid submission needs the user's yes, whatever its price (asked
/// through the MCP client where it can ask, else `confirm_cost`).
pub const SEEDANCE_CONFIRM_EVERY_TASK: &str = "SEEDANCE_CONFIRM_EVERY_TASK";
/// Bearer token for streamable HTTP: with it set, every `/mcp` request needs
/// `Authorization: Bearer <token>`; serving a non-loopback address requires it.
pub const SEEDANCE_HTTP_TOKEN: &str = "SEEDANCE_HTTP_TOKEN";
/// `Host` values accepted on a non-loopback bind (comma list; default: the bind address).
pub const SEEDANCE_HTTP_ALLOWED_HOSTS: &str = "SEEDANCE_HTTP_ALLOWED_HOSTS";
/// Browser `Origin`s accepted on a non-loopback bind (comma list; default: none).
pub const SEEDANCE_HTTP_ALLOWED_ORIGINS: &str = "SEEDANCE_HTTP_ALLOWED_ORIGINS";
/// Most streamable HTTP sessions open at once (default 64).
pub const SEEDANCE_HTTP_MAX_SESSIONS: &str = "SEEDANCE_HTTP_MAX_SESSIONS";
/// Seconds of idleness after which an HTTP session is closed (default 3600).
pub const SEEDANCE_HTTP_SESSION_IDLE_SECS: &str = "SEEDANCE_HTTP_SESSION_IDLE_SECS";
/// Serve streamable HTTP without sessions: every request stands alone, so
/// replicas behind a load balancer need no sticky sessions.
pub const SEEDANCE_HTTP_STATELESS: &str = "SEEDANCE_HTTP_STATELESS";
/// The address clients reach the HTTP server at (e.g. `https://mcp.example.com`
/// behind a reverse proxy), for the download links of saved results; default:
/// `http://` and the Host the request came to.
pub const SEEDANCE_HTTP_PUBLIC_URL: &str = "SEEDANCE_HTTP_PUBLIC_URL";
