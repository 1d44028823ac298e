//! All configuration, in one typed place.
//!
//! [`Settings`] is what clap reads from flags and environment variables (names from
//! [`crate::env_vars`]); [`Config::from_settings`] resolves it: which provider runs,
//! with which key and base URL, and where results are saved.

use std::{path::PathBuf, time::Duration};

use crate::{
    env_vars as env,
    mcp::access::{HostRule, OriginRule},
    providers::ProviderId,
    secret::Secret,
};

/// Default xskill.ai API host.
pub const XSKILL_DEFAULT_BASE_URL: &str = "https://api.xskill.ai";
/// BytePlus ModelArk (international) API base.
pub const BYTEPLUS_DEFAULT_BASE_URL: &str = "https://ark.ap-southeast.bytepluses.com/api/v3";
/// Volcengine Ark (China) API base.
pub const VOLCENGINE_DEFAULT_BASE_URL: &str = "https://ark.cn-beijing.volces.com/api/v3";
/// seedance2ai.io API base (the `www.` host: the apex redirects and drops the key).
pub const SEEDANCE2AI_DEFAULT_BASE_URL: &str = "https://www.seedance2ai.io/api/v1";
/// seed2.io API base.
pub const SEED2_DEFAULT_BASE_URL: &str = "https://api.seed2.io";

/// Flags and environment variables shared by every subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// Provider backend: xskill or sim. Default: the first provider whose key is set, else sim.
    #[arg(long, global = true, env = env::SEEDANCE_PROVIDER)]
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
    /// xskill.ai API key (set it in the environment, not on the command line).
    #[arg(long, global = true, env = env::XSKILL_API_KEY, hide = true, hide_env_values = true)]
    pub xskill_api_key: Option<Secret>,
    /// xskill.ai API base URL.
    #[arg(long, global = true, env = env::XSKILL_BASE_URL, default_value = XSKILL_DEFAULT_BASE_URL)]
    pub xskill_base_url: String,
    /// BytePlus / Volcengine Ark API key (set it in the environment).
    #[arg(long, global = true, env = env::ARK_API_KEY, hide = true, hide_env_values = true)]
    pub ark_api_key: Option<Secret>,
    /// Ark API base URL [default: the region's endpoint].
    #[arg(long, global = true, env = env::ARK_BASE_URL)]
    pub ark_base_url: Option<String>,
    /// seedance2ai.io API key (set it in the environment).
    #[arg(long, global = true, env = env::SEEDANCE2AI_API_KEY, hide = true, hide_env_values = true)]
    pub seedance2ai_api_key: Option<Secret>,
    /// seedance2ai.io API base URL.
    #[arg(long, global = true, env = env::SEEDANCE2AI_BASE_URL, default_value = SEEDANCE2AI_DEFAULT_BASE_URL)]
    pub seedance2ai_base_url: String,
    /// seed2.io API key (set it in the environment).
    #[arg(long, global = true, env = env::SEED2_API_KEY, hide = true, hide_env_values = true)]
    pub seed2_api_key: Option<Secret>,
    /// seed2.io API base URL.
    #[arg(long, global = true, env = env::SEED2_BASE_URL, default_value = SEED2_DEFAULT_BASE_URL)]
    pub seed2_base_url: String,
    /// Seconds an API call may take before it counts as failed (uploads: twice that).
    #[arg(long, global = true, env = env::SEEDANCE_API_TIMEOUT_SECS, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub api_timeout_secs: u64,
    /// Most one task may cost, in the provider's unit (credits, USD…); a dearer
    /// submission is refused unless it passes `confirm_cost`.
    #[arg(long, global = true, env = env::SEEDANCE_MAX_COST_PER_TASK)]
    pub max_cost_per_task: Option<f64>,
    /// Most all tasks of the last 24 hours may cost together, in the provider's unit.
    #[arg(long, global = true, env = env::SEEDANCE_DAILY_BUDGET)]
    pub daily_budget: Option<f64>,
    /// Seconds a simulated task takes to finish.
    #[arg(long, global = true, env = env::SEEDANCE_SIM_SECONDS, default_value_t = 6.0)]
    pub sim_seconds: f64,
}

/// Default cap on open streamable HTTP sessions.
pub const DEFAULT_HTTP_MAX_SESSIONS: usize = 64;
/// Default idle time before an HTTP session is closed, in seconds.
pub const DEFAULT_HTTP_SESSION_IDLE_SECS: u64 = 3600;

/// Flags and environment variables of `serve --http`.
#[derive(Debug, Clone, clap::Args)]
pub struct HttpSettings {
    /// Bearer token every /mcp request must carry; required to serve a non-loopback address
    /// (set it in the environment).
    #[arg(long, env = env::SEEDANCE_HTTP_TOKEN, hide = true, hide_env_values = true)]
    pub http_token: Option<Secret>,
    /// Host header values accepted on a non-loopback address, comma-separated [default: the bind address].
    #[arg(long, env = env::SEEDANCE_HTTP_ALLOWED_HOSTS, value_delimiter = ',', value_name = "HOSTS")]
    pub http_allowed_hosts: Vec<String>,
    /// Browser origins accepted on a non-loopback address, comma-separated, e.g. https://app.example.com [default: none].
    #[arg(long, env = env::SEEDANCE_HTTP_ALLOWED_ORIGINS, value_delimiter = ',', value_name = "ORIGINS")]
    pub http_allowed_origins: Vec<String>,
    /// Most MCP sessions open at once.
    #[arg(long, env = env::SEEDANCE_HTTP_MAX_SESSIONS, default_value_t = DEFAULT_HTTP_MAX_SESSIONS)]
    pub http_max_sessions: usize,
    /// Seconds an idle MCP session is kept.
    #[arg(long, env = env::SEEDANCE_HTTP_SESSION_IDLE_SECS, default_value_t = DEFAULT_HTTP_SESSION_IDLE_SECS)]
    pub http_session_idle_secs: u64,
}

impl Default for HttpSettings {
    /// As if no flag or variable were set (the clap defaults).
    fn default() -> Self {
        Self {
            http_token: None,
            http_allowed_hosts: Vec::new(),
            http_allowed_origins: Vec::new(),
            http_max_sessions: DEFAULT_HTTP_MAX_SESSIONS,
            http_session_idle_secs: DEFAULT_HTTP_SESSION_IDLE_SECS,
        }
    }
}

/// Resolved streamable HTTP settings.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The bearer token; `None` when unset or empty.
    pub token: Option<Secret>,
    /// Accepted Host values on a non-loopback bind; empty means the bind address.
    pub allowed_hosts: Vec<HostRule>,
    /// Accepted Origin values on a non-loopback bind.
    pub allowed_origins: Vec<OriginRule>,
    /// Most sessions open at once (at least 1).
    pub max_sessions: usize,
    /// Idle time after which a session is closed.
    pub session_idle: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            token: None,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            max_sessions: DEFAULT_HTTP_MAX_SESSIONS,
            session_idle: Duration::from_secs(DEFAULT_HTTP_SESSION_IDLE_SECS),
        }
    }
}

impl HttpSettings {
    /// Checks the lists and numbers.
    pub fn resolve(&self) -> Result<HttpConfig, ConfigError> {
        fn list<T: std::str::FromStr<Err = String>>(
            entries: &[String],
            var: &'static str,
        ) -> Result<Vec<T>, ConfigError> {
            entries
                .iter()
                .filter(|e| !e.trim().is_empty())
                .map(|e| {
                    e.parse().map_err(|why| ConfigError::BadHttpEntry {
                        var,
                        value: e.trim().to_owned(),
                        why,
                    })
                })
                .collect()
        }
        if self.http_max_sessions == 0 {
            return Err(ConfigError::NotPositive {
                var: env::SEEDANCE_HTTP_MAX_SESSIONS,
            });
        }
        if self.http_session_idle_secs == 0 {
            return Err(ConfigError::NotPositive {
                var: env::SEEDANCE_HTTP_SESSION_IDLE_SECS,
            });
        }
        Ok(HttpConfig {
            token: self.http_token.clone().filter(|t| !t.is_empty()),
            allowed_hosts: list(&self.http_allowed_hosts, env::SEEDANCE_HTTP_ALLOWED_HOSTS)?,
            allowed_origins: list(
                &self.http_allowed_origins,
                env::SEEDANCE_HTTP_ALLOWED_ORIGINS,
            )?,
            max_sessions: self.http_max_sessions,
            session_idle: Duration::from_secs(self.http_session_idle_secs),
        })
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

/// A remote provider's key and base URL.
#[derive(Debug, Clone)]
pub struct RemoteConfig {
    /// The key; `None` when unset.
    pub api_key: Option<Secret>,
    /// API base URL without a trailing slash (tests point it at a fake).
    pub base_url: String,
    /// How long one API call may take (uploads get twice as long).
    pub api_timeout: std::time::Duration,
}

/// Simulator settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Seconds from submit to `succeeded`.
    pub seconds: f64,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The backend that runs.
    pub provider: ProviderId,
    /// Why it was chosen.
    pub selection: Selection,
    /// xskill.ai settings.
    pub xskill: RemoteConfig,
    /// BytePlus / Volcengine Ark settings (base URL of the selected region).
    pub ark: RemoteConfig,
    /// seedance2ai.io settings.
    pub seedance2ai: RemoteConfig,
    /// seed2.io settings.
    pub seed2: RemoteConfig,
    /// Simulator settings.
    pub sim: SimConfig,
    /// Where results are saved.
    pub output_dir: PathBuf,
    /// Where the task journal lives.
    pub data_dir: PathBuf,
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
}

/// A setting that cannot work.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `SEEDANCE_PROVIDER` names no provider.
    #[error("{var}={value} is not a provider; use one of: {allowed}")]
    UnknownProvider {
        /// The env var.
        var: &'static str,
        /// What it held.
        value: String,
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
        let key = |k: &Option<Secret>| k.clone().filter(|k| !k.is_empty());
        let (xskill_key, ark_key) = (key(&settings.xskill_api_key), key(&settings.ark_api_key));
        let (seedance2ai_key, seed2_key) = (
            key(&settings.seedance2ai_api_key),
            key(&settings.seed2_api_key),
        );
        let has_key = |p: ProviderId| match p {
            ProviderId::Xskill => xskill_key.is_some(),
            ProviderId::Byteplus => ark_key.is_some(),
            // The same key serves both regions; an Ark key alone selects BytePlus.
            ProviderId::Volcengine => false,
            ProviderId::Seedance2ai => seedance2ai_key.is_some(),
            ProviderId::Seed2 => seed2_key.is_some(),
            ProviderId::Sim => false,
        };
        let (provider, selection) = match settings.provider.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => {
                let provider =
                    ProviderId::parse(name).ok_or_else(|| ConfigError::UnknownProvider {
                        var: env::SEEDANCE_PROVIDER,
                        value: name.to_owned(),
                        allowed: ProviderId::ALL
                            .iter()
                            .map(|p| p.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })?;
                (provider, Selection::Explicit)
            }
            _ => match ProviderId::ALL.iter().copied().find(|p| has_key(*p)) {
                Some(provider) => (provider, Selection::KeyFound),
                None => (ProviderId::Sim, Selection::NoKeyFallback),
            },
        };
        let key_missing = match provider {
            ProviderId::Volcengine => ark_key.is_none(),
            other => other.key_env().is_some() && !has_key(other),
        };
        if key_missing && let Some(var) = provider.key_env() {
            return Err(ConfigError::MissingKey { provider, var });
        }
        let ark_default = match provider {
            ProviderId::Volcengine => VOLCENGINE_DEFAULT_BASE_URL,
            _ => BYTEPLUS_DEFAULT_BASE_URL,
        };
        let ark_url = settings
            .ark_base_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or(ark_default);
        if !(0.0..=3600.0).contains(&settings.sim_seconds) {
            return Err(ConfigError::BadSimSeconds {
                var: env::SEEDANCE_SIM_SECONDS,
                value: settings.sim_seconds,
            });
        }
        let timeout = std::time::Duration::from_secs(settings.api_timeout_secs);
        let remote = |key, url: &str, var| remote(key, url, var, timeout);
        Ok(Self {
            provider,
            selection,
            xskill: remote(xskill_key, &settings.xskill_base_url, env::XSKILL_BASE_URL)?,
            ark: remote(ark_key, ark_url, env::ARK_BASE_URL)?,
            seedance2ai: remote(
                seedance2ai_key,
                &settings.seedance2ai_base_url,
                env::SEEDANCE2AI_BASE_URL,
            )?,
            seed2: remote(seed2_key, &settings.seed2_base_url, env::SEED2_BASE_URL)?,
            sim: SimConfig {
                seconds: settings.sim_seconds,
            },
            output_dir: settings
                .output_dir
                .clone()
                .unwrap_or_else(default_output_dir),
            data_dir: settings.data_dir.clone().unwrap_or_else(default_data_dir),
            allowed_dirs: settings.allowed_dirs.clone().filter(|d| !d.is_empty()),
            spend: SpendLimits {
                per_task: spend_limit(settings.max_cost_per_task, env::SEEDANCE_MAX_COST_PER_TASK)?,
                daily: spend_limit(settings.daily_budget, env::SEEDANCE_DAILY_BUDGET)?,
            },
        })
    }

    /// A sentence for stderr and the server instructions when results are simulated.
    pub fn simulation_notice(&self) -> Option<String> {
        (self.provider == ProviderId::Sim).then(|| {
            let why = match self.selection {
                Selection::NoKeyFallback => "no provider API key is set",
                _ => "SEEDANCE_PROVIDER=sim",
            };
            format!(
                "SIMULATED PROVIDER: {why}, so tasks are simulated: free, offline, and the results are \
                 placeholder clips, not real generations. Set one of {}, {}, {} or {} to use a real provider.",
                env::XSKILL_API_KEY,
                env::ARK_API_KEY,
                env::SEEDANCE2AI_API_KEY,
                env::SEED2_API_KEY
            )
        })
    }
}

/// A key and a checked base URL.
fn remote(
    api_key: Option<Secret>,
    base_url: &str,
    var: &'static str,
    api_timeout: std::time::Duration,
) -> Result<RemoteConfig, ConfigError> {
    let base_url = base_url.trim().trim_end_matches('/').to_owned();
    if !reqwest::Url::parse(&base_url).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
        return Err(ConfigError::BadUrl {
            var,
            value: base_url,
        });
    }
    Ok(RemoteConfig {
        api_key,
        base_url,
        api_timeout,
    })
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

    fn settings() -> Settings {
        Settings {
            provider: None,
            output_dir: Some(PathBuf::from("/tmp/out")),
            data_dir: Some(PathBuf::from("/tmp/data")),
            allowed_dirs: None,
            xskill_api_key: None,
            xskill_base_url: XSKILL_DEFAULT_BASE_URL.to_owned(),
            ark_api_key: None,
            ark_base_url: None,
            seedance2ai_api_key: None,
            seedance2ai_base_url: SEEDANCE2AI_DEFAULT_BASE_URL.to_owned(),
            seed2_api_key: None,
            seed2_base_url: SEED2_DEFAULT_BASE_URL.to_owned(),
            sim_seconds: 6.0,
            api_timeout_secs: 30,
            max_cost_per_task: None,
            daily_budget: None,
        }
    }

    #[test]
    fn an_ark_key_selects_byteplus_and_volcengine_uses_its_own_host() {
        let mut s = settings();
        s.ark_api_key = Some(Secret::new("ark-1"));
        let config = Config::from_settings(&s).unwrap();
        assert_eq!(config.provider, ProviderId::Byteplus);
        assert_eq!(config.ark.base_url, BYTEPLUS_DEFAULT_BASE_URL);
        s.provider = Some("volcengine".into());
        let config = Config::from_settings(&s).unwrap();
        assert_eq!(config.ark.base_url, VOLCENGINE_DEFAULT_BASE_URL);
        s.ark_base_url = Some("http://127.0.0.1:9/api/v3/".into());
        assert_eq!(
            Config::from_settings(&s).unwrap().ark.base_url,
            "http://127.0.0.1:9/api/v3"
        );
        s.ark_api_key = None;
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
        s.seed2_api_key = Some(Secret::new("sk-s2"));
        assert_eq!(
            Config::from_settings(&s).unwrap().provider,
            ProviderId::Seed2
        );
        s.seedance2ai_api_key = Some(Secret::new("sk_live"));
        assert_eq!(
            Config::from_settings(&s).unwrap().provider,
            ProviderId::Seedance2ai
        );
        s.xskill_api_key = Some(Secret::new("sk-x"));
        assert_eq!(
            Config::from_settings(&s).unwrap().provider,
            ProviderId::Xskill
        );
    }

    #[test]
    fn no_key_falls_back_to_the_simulator_with_a_notice() {
        let config = Config::from_settings(&settings()).unwrap();
        assert_eq!(config.provider, ProviderId::Sim);
        assert_eq!(config.selection, Selection::NoKeyFallback);
        assert!(
            config
                .simulation_notice()
                .unwrap()
                .contains("XSKILL_API_KEY")
        );
    }

    #[test]
    fn a_set_key_selects_its_provider() {
        let mut s = settings();
        s.xskill_api_key = Some(Secret::new("sk-1"));
        let config = Config::from_settings(&s).unwrap();
        assert_eq!(
            (config.provider, config.selection),
            (ProviderId::Xskill, Selection::KeyFound)
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
    fn http_settings_check_their_lists_and_numbers() {
        let mut s = HttpSettings {
            http_token: Some(Secret::new(" ")),
            http_allowed_hosts: vec!["mcp.example.com".into(), " ".into()],
            http_allowed_origins: vec!["https://app.example.com".into()],
            ..HttpSettings::default()
        };
        let config = s.resolve().unwrap();
        assert!(config.token.is_none(), "an empty token counts as unset");
        assert_eq!(config.allowed_hosts.len(), 1);
        assert_eq!(config.session_idle, Duration::from_secs(3600));
        s.http_allowed_hosts = vec!["https://mcp.example.com".into()];
        let err = s.resolve().unwrap_err().to_string();
        assert!(
            err.contains("SEEDANCE_HTTP_ALLOWED_HOSTS") && err.contains("not a URL"),
            "{err}"
        );
        s.http_allowed_hosts.clear();
        s.http_allowed_origins = vec!["app.example.com".into()];
        let err = s.resolve().unwrap_err().to_string();
        assert!(err.contains("SEEDANCE_HTTP_ALLOWED_ORIGINS"), "{err}");
        s.http_allowed_origins.clear();
        s.http_max_sessions = 0;
        let err = s.resolve().unwrap_err().to_string();
        assert!(err.contains("SEEDANCE_HTTP_MAX_SESSIONS"), "{err}");
    }

    #[test]
    fn an_empty_key_counts_as_unset() {
        let mut s = settings();
        s.xskill_api_key = Some(Secret::new("  "));
        assert_eq!(Config::from_settings(&s).unwrap().provider, ProviderId::Sim);
    }
}
