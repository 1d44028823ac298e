//! All configuration, in one typed place.
//!
//! [`Settings`] is what clap reads from flags and environment variables: the
//! general ones are named in [`crate::env_vars`], each provider's key and base URL
//! come from the provider registry ([`ProviderFlags`]). [`Config::from_settings`]
//! resolves them: which provider runs, with which key and base URL, where results
//! are saved and how much may be spent. The HTTP transport's settings are in [`http`].

pub mod http;
mod provider_flags;

use std::{path::PathBuf, sync::Arc, time::Duration};

pub use provider_flags::ProviderFlags;

use crate::{
    domain::ProviderId,
    env_vars as env,
    error::ProviderError,
    providers::{
        Provider, ProviderConfig,
        registry::{self, Entry},
    },
    secret::Secret,
};

/// Flags and environment variables shared by every subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// Provider backend; without one, the first provider whose key is set, else sim.
    #[arg(long, global = true, env = env::SEEDANCE_PROVIDER, help = provider_help())]
    pub provider: Option<String>,
    /// Folder where finished videos and images are saved [default: ./seedance-output].
    #[arg(long, global = true, env = env::SEEDANCE_OUTPUT_DIR)]
    pub output_dir: Option<PathBuf>,
    /// Folders local media may be read from (`:`-separated), besides the client's roots
    /// (MCP over stdio) or the current folder (CLI), and the output folder.
    #[arg(long, global = true, env = env::SEEDANCE_ALLOWED_DIRS, value_name = "DIRS")]
    pub allowed_dirs: Option<std::ffi::OsString>,
    /// Folder of the task journal [default: the platform data folder, e.g. ~/.local/share/seedance-mcp].
    #[arg(long, global = true, env = env::SEEDANCE_DATA_DIR)]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL database for the task journal (postgres://USER@HOST/DB), shared by a team
    /// server's replicas [default: journal.sqlite3 in the data folder]. Set it in the environment.
    #[arg(long, global = true, env = env::SEEDANCE_DATABASE_URL, hide_env_values = true, value_name = "URL")]
    pub database_url: Option<Secret>,
    /// Each provider's API key and base URL.
    #[command(flatten)]
    pub providers: ProviderFlags,
    /// Seconds an API call may take before it counts as failed (uploads: twice that).
    #[arg(long, global = true, env = env::SEEDANCE_API_TIMEOUT_SECS, default_value_t = DEFAULT_API_TIMEOUT_SECS, value_parser = clap::value_parser!(u64).range(1..=MAX_API_TIMEOUT_SECS))]
    pub api_timeout_secs: u64,
    /// Most one task may cost, in the provider's unit (credits, USD…); a dearer
    /// submission is refused unless it passes `confirm_cost`.
    #[arg(long, global = true, env = env::SEEDANCE_MAX_COST_PER_TASK)]
    pub max_cost_per_task: Option<f64>,
    /// Most all tasks of the last 24 hours may cost together, in the provider's unit.
    #[arg(long, global = true, env = env::SEEDANCE_DAILY_BUDGET)]
    pub daily_budget: Option<f64>,
    /// Every paid submission needs the user's yes, whatever its price.
    #[arg(long, global = true, env = env::SEEDANCE_CONFIRM_EVERY_TASK)]
    pub confirm_every_task: bool,
    /// Seconds a simulated task takes to finish.
    #[arg(long, global = true, env = env::SEEDANCE_SIM_SECONDS, default_value_t = DEFAULT_SIM_SECONDS)]
    pub sim_seconds: f64,
    /// Test-only, never a flag or variable: media URLs at loopback or private
    /// addresses pass validation (tests whose media come from local fakes).
    #[arg(skip)]
    pub private_media_urls: bool,
}

/// `--provider`'s help, naming every provider of the registry.
fn provider_help() -> String {
    format!(
        "Provider backend: {}. Default: the first provider whose key is set, else sim",
        registry::names_with_or()
    )
}

/// Default of `SEEDANCE_API_TIMEOUT_SECS`.
pub const DEFAULT_API_TIMEOUT_SECS: u64 = 30;
/// Largest `SEEDANCE_API_TIMEOUT_SECS` accepted (orphaned submissions are told
/// from slow ones by it: see `service::orphans`).
pub const MAX_API_TIMEOUT_SECS: u64 = 300;
/// Default of `SEEDANCE_SIM_SECONDS`.
pub const DEFAULT_SIM_SECONDS: f64 = 6.0;

impl Default for Settings {
    /// As if no flag or variable were set (the clap defaults).
    fn default() -> Self {
        Self {
            provider: None,
            output_dir: None,
            allowed_dirs: None,
            data_dir: None,
            database_url: None,
            providers: ProviderFlags::default(),
            api_timeout_secs: DEFAULT_API_TIMEOUT_SECS,
            max_cost_per_task: None,
            daily_budget: None,
            confirm_every_task: false,
            sim_seconds: DEFAULT_SIM_SECONDS,
            private_media_urls: false,
        }
    }
}

impl Settings {
    /// These settings with the provider `name` chosen, its key and its base URL
    /// set, as `SEEDANCE_PROVIDER` and the provider's variables would (tests point
    /// a provider at its fake this way). An unknown name is left for
    /// [`Config::from_settings`] to refuse.
    pub fn with_provider(mut self, name: &str, key: &str, base_url: &str) -> Self {
        self.provider = Some(name.to_owned());
        if let Some(entry) = registry::find(name) {
            self.providers.set_key(entry.id, key);
            self.providers.set_base_url(entry.id, base_url);
        }
        self
    }
}

impl Settings {
    /// What the backend `entry` is built from with these settings: its key and
    /// base URL, the timeouts, and `<data_dir>/answers` for unreadable answers.
    pub fn backend(&self, entry: &Entry, data_dir: &std::path::Path) -> ProviderConfig {
        ProviderConfig {
            api_key: self.providers.key(entry.id),
            base_url: base_url(entry, &self.providers),
            api_timeout: Duration::from_secs(self.api_timeout_secs),
            // Checked by `Config::from_settings`; a value it would refuse is no
            // reason to panic where doctor builds a backend without it.
            simulated_task: Duration::try_from_secs_f64(self.sim_seconds).unwrap_or_default(),
            answers_dir: Some(data_dir.join(crate::providers::answers::FOLDER)),
        }
    }

    /// The output folder: as set, or the default.
    pub fn output_dir(&self) -> PathBuf {
        self.output_dir.clone().unwrap_or_else(default_output_dir)
    }

    /// The data folder (the journal's): as set, or the default.
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(default_data_dir)
    }
}

/// Why this provider runs: reported on stderr and in the server instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// Chosen by `SEEDANCE_PROVIDER`.
    Explicit,
    /// The first provider whose key is set.
    KeyFound,
    /// No key at all: the simulator.
    NoKeyFallback,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The backend that runs.
    pub provider: ProviderId,
    /// Why it was chosen.
    pub selection: Selection,
    /// What the backend is built from: key, base URL, timeouts.
    pub backend: ProviderConfig,
    /// Where results are saved.
    pub output_dir: PathBuf,
    /// Where the task journal lives (and, on PostgreSQL, the kept answers).
    pub data_dir: PathBuf,
    /// The PostgreSQL journal, when set; `None`: the SQLite file in `data_dir`.
    pub database_url: Option<Secret>,
    /// `SEEDANCE_ALLOWED_DIRS`: folders local media may be read from.
    pub allowed_dirs: Option<std::ffi::OsString>,
    /// How much the server may spend without the caller confirming.
    pub spend: SpendLimits,
}

/// Spend limits, in the provider's own unit (credits, points, USD, CNY).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SpendLimits {
    /// Most one task may cost.
    pub per_task: Option<f64>,
    /// Most the tasks of the last 24 hours may cost together.
    pub daily: Option<f64>,
    /// Every paid submission needs the user's yes, whatever its price.
    pub confirm_every: bool,
}

/// A setting that cannot work.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--provider` or `SEEDANCE_PROVIDER` names no provider.
    #[error("{setting} is not a provider; use one of: {allowed}")]
    UnknownProvider {
        /// Where the name came from, as the user wrote it (`--provider foo` or
        /// `SEEDANCE_PROVIDER=foo`).
        setting: String,
        /// The names that work.
        allowed: String,
    },
    /// The chosen provider needs a key that is not set.
    #[error("provider {provider} needs an API key: set {var}")]
    MissingKey {
        /// The provider.
        provider: ProviderId,
        /// The env var to set.
        var: &'static str,
    },
    /// A base URL that does not parse.
    #[error("{var} is not a valid http(s) URL: {value}")]
    BadUrl {
        /// The env var.
        var: &'static str,
        /// What it held.
        value: String,
    },
    /// A spend limit that is not a positive number.
    #[error("{var} must be a positive amount in the provider's unit (e.g. 200), got {value}")]
    BadSpendLimit {
        /// The env var.
        var: &'static str,
        /// What it held.
        value: f64,
    },
    /// An allow-list entry that cannot work.
    #[error("{var}: {value:?} is not usable: {why}")]
    BadHttpEntry {
        /// The env var.
        var: &'static str,
        /// The entry.
        value: String,
        /// What is wrong.
        why: String,
    },
    /// A count or duration of zero.
    #[error("{var} must be at least 1")]
    NotPositive {
        /// The env var.
        var: &'static str,
    },
    /// A number out of range.
    #[error("{var} must be between 0 and 3600 seconds, got {value}")]
    BadSimSeconds {
        /// The env var.
        var: &'static str,
        /// What it held.
        value: f64,
    },
}

impl Config {
    /// Resolves flags and environment into a configuration.
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        let keys = &settings.providers;
        let (entry, selection) = match settings.provider.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => {
                let entry = registry::find(name).ok_or_else(|| ConfigError::UnknownProvider {
                    setting: provider_setting(name),
                    allowed: registry::names(),
                })?;
                (entry, Selection::Explicit)
            }
            _ => match registry::entries().find(|e| e.chosen_by_key && keys.key(e.id).is_some()) {
                Some(entry) => (entry, Selection::KeyFound),
                None => (registry::simulator(), Selection::NoKeyFallback),
            },
        };
        let provider = entry.id;
        if let Some(var) = provider.key_env()
            && keys.key(provider).is_none()
        {
            return Err(ConfigError::MissingKey { provider, var });
        }
        // Every base URL that is set must parse, the chosen provider's or not.
        for other in registry::entries() {
            if let (Some(var), Some(url)) = (other.info().base_url_var, keys.base_url(other.id)) {
                checked_url(url, var)?;
            }
        }
        if !(0.0..=3600.0).contains(&settings.sim_seconds) {
            return Err(ConfigError::BadSimSeconds {
                var: env::SEEDANCE_SIM_SECONDS,
                value: settings.sim_seconds,
            });
        }
        let data_dir = settings.data_dir();
        Ok(Self {
            provider,
            selection,
            backend: settings.backend(entry, &data_dir),
            output_dir: settings.output_dir(),
            data_dir,
            database_url: settings.database_url.clone().filter(|url| !url.is_empty()),
            allowed_dirs: settings.allowed_dirs.clone().filter(|d| !d.is_empty()),
            spend: SpendLimits {
                per_task: spend_limit(settings.max_cost_per_task, env::SEEDANCE_MAX_COST_PER_TASK)?,
                daily: spend_limit(settings.daily_budget, env::SEEDANCE_DAILY_BUDGET)?,
                confirm_every: settings.confirm_every_task,
            },
        })
    }

    /// Builds the chosen backend.
    pub fn build_provider(&self) -> Result<Arc<dyn Provider>, ProviderError> {
        (registry::entry(self.provider).build)(&self.backend)
    }

    /// Whether the chosen backend is the built-in simulator.
    pub fn simulated(&self) -> bool {
        registry::entry(self.provider).capabilities.simulated
    }

    /// A sentence for stderr and the server instructions when results are simulated.
    pub fn simulation_notice(&self) -> Option<String> {
        self.simulated().then(|| {
            let why = match self.selection {
                Selection::NoKeyFallback => "no provider API key is set",
                _ => "SEEDANCE_PROVIDER=sim",
            };
            let vars = registry::key_vars();
            let vars = match vars.split_last() {
                Some((last, [])) => (*last).to_owned(),
                Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                None => "a provider's API key".to_owned(),
            };
            format!(
                "SIMULATED PROVIDER: {why}, so tasks are simulated: free, offline, and the results are \
                 placeholder clips, not real generations. Set one of {vars} to use a real provider."
            )
        })
    }
}

/// How the user set the provider `name`: the variable when it holds that name,
/// else the flag (clap fills `provider` from either, the flag winning).
fn provider_setting(name: &str) -> String {
    match std::env::var(env::SEEDANCE_PROVIDER) {
        Ok(value) if value.trim() == name => format!("{}={name}", env::SEEDANCE_PROVIDER),
        _ => format!("--provider {name}"),
    }
}

/// The provider's base URL: its variable when set, else its default, without a
/// trailing slash.
fn base_url(entry: &Entry, keys: &ProviderFlags) -> String {
    keys.base_url(entry.id)
        .unwrap_or(entry.info().default_base_url)
        .trim()
        .trim_end_matches('/')
        .to_owned()
}

/// Refuses a base URL that is not http(s).
fn checked_url(url: &str, var: &'static str) -> Result<(), ConfigError> {
    let url = url.trim().trim_end_matches('/');
    if reqwest::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
        Ok(())
    } else {
        Err(ConfigError::BadUrl {
            var,
            value: url.to_owned(),
        })
    }
}

/// The platform data folder (`~/.local/share/seedance-mcp` on Linux), or
/// `./seedance-data` where there is none.
fn default_data_dir() -> PathBuf {
    dirs::data_local_dir()
        .map(|d| d.join("seedance-mcp"))
        .unwrap_or_else(|| PathBuf::from("seedance-data"))
}

/// `./seedance-output` under the working directory (the project folder for
/// editors that start the server there); where the working directory is the file
/// system root, as some desktop apps leave it, `~/Videos/seedance-mcp` instead.
fn default_output_dir() -> PathBuf {
    match std::env::current_dir() {
        Ok(cwd) if cwd.parent().is_some() => cwd.join("seedance-output"),
        _ => dirs::video_dir()
            .or_else(|| dirs::home_dir().map(|h| h.join("Videos")))
            .map(|d| d.join("seedance-mcp"))
            .unwrap_or_else(|| PathBuf::from("seedance-output")),
    }
}

/// A spend limit must be a positive, finite amount.
fn spend_limit(value: Option<f64>, var: &'static str) -> Result<Option<f64>, ConfigError> {
    match value {
        Some(limit) if !(limit.is_finite() && limit > 0.0) => {
            Err(ConfigError::BadSpendLimit { var, value: limit })
        }
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn settings() -> Settings {
        Settings {
            output_dir: Some(PathBuf::from("/tmp/out")),
            data_dir: Some(PathBuf::from("/tmp/data")),
            ..Settings::default()
        }
    }

    fn id(name: &str) -> ProviderId {
        registry::find(name).unwrap().id
    }

    #[test]
    fn an_ark_key_selects_byteplus_and_volcengine_uses_its_own_host() {
        let mut s = settings();
        s.providers.set_key(id("byteplus"), "ark-1");
        let config = Config::from_settings(&s).unwrap();
        assert_eq!(config.provider, id("byteplus"));
        assert_eq!(
            config.backend.base_url,
            "https://ark.ap-southeast.bytepluses.com/api/v3"
        );
        s.provider = Some("volcengine".into());
        let config = Config::from_settings(&s).unwrap();
        assert_eq!(
            config.backend.base_url,
            "https://ark.cn-beijing.volces.com/api/v3"
        );
        s.providers
            .set_base_url(id("volcengine"), "http://127.0.0.1:9/api/v3/");
        assert_eq!(
            Config::from_settings(&s).unwrap().backend.base_url,
            "http://127.0.0.1:9/api/v3"
        );
        s.providers.set_key(id("volcengine"), "");
        assert!(
            Config::from_settings(&s)
                .unwrap_err()
                .to_string()
                .contains("ARK_API_KEY")
        );
    }

    #[test]
    fn keys_are_looked_for_in_a_fixed_order() {
        let mut s = settings();
        s.providers.set_key(id("seed2"), "sk-s2");
        assert_eq!(Config::from_settings(&s).unwrap().provider, id("seed2"));
        s.providers.set_key(id("seedance2ai"), "sk_live");
        assert_eq!(
            Config::from_settings(&s).unwrap().provider,
            id("seedance2ai")
        );
        s.providers.set_key(id("xskill"), "sk-x");
        assert_eq!(Config::from_settings(&s).unwrap().provider, id("xskill"));
    }

    #[test]
    fn no_key_falls_back_to_the_simulator_with_a_notice() {
        let config = Config::from_settings(&settings()).unwrap();
        assert_eq!(config.provider, id("sim"));
        assert_eq!(config.selection, Selection::NoKeyFallback);
        let notice = config.simulation_notice().unwrap();
        for var in [
            "XSKILL_API_KEY",
            "ARK_API_KEY",
            "SEEDANCE2AI_API_KEY",
            "SEED2_API_KEY",
        ] {
            assert!(notice.contains(var), "{notice}");
        }
    }

    #[test]
    fn a_set_key_selects_its_provider() {
        let mut s = settings();
        s.providers.set_key(id("xskill"), "sk-1");
        let config = Config::from_settings(&s).unwrap();
        assert_eq!(
            (config.provider, config.selection),
            (id("xskill"), Selection::KeyFound)
        );
        assert_eq!(
            config.backend.api_key.as_ref().map(Secret::expose),
            Some("sk-1")
        );
        assert!(config.simulation_notice().is_none());
    }

    #[test]
    fn an_explicit_provider_without_its_key_is_refused() {
        let mut s = settings();
        s.provider = Some("xskill".into());
        let err = Config::from_settings(&s).unwrap_err();
        assert!(err.to_string().contains("XSKILL_API_KEY"), "{err}");
        s.provider = Some("nope".into());
        assert!(
            Config::from_settings(&s)
                .unwrap_err()
                .to_string()
                .contains("xskill, byteplus")
        );
    }

    #[test]
    fn a_base_url_that_is_set_must_be_http_even_for_another_provider() {
        let mut s = settings();
        s.providers.set_base_url(id("seed2"), "ftp://example.com");
        let err = Config::from_settings(&s).unwrap_err().to_string();
        assert!(err.contains("SEED2_BASE_URL"), "{err}");
    }

    #[test]
    fn an_empty_key_counts_as_unset() {
        let mut s = settings();
        s.providers.set_key(id("xskill"), "  ");
        assert_eq!(Config::from_settings(&s).unwrap().provider, id("sim"));
    }
}
