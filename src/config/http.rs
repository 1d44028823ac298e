//! The settings of `serve --http`: the bearer token, the session cap and mode, and the
//! Host and Origin allow-lists (parsed here, enforced by `mcp::access`).

use std::{fmt, net::SocketAddr, str::FromStr, time::Duration};

use axum::http::uri::Authority;

use super::ConfigError;
use crate::{env_vars as env, secret::Secret};

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
    /// Keep no MCP session between requests (each POST stands alone, answered on its own
    /// stream), so replicas behind a load balancer need no sticky sessions.
    #[arg(long, env = env::SEEDANCE_HTTP_STATELESS)]
    pub http_stateless: bool,
    /// The address clients reach this server at, e.g. https://mcp.example.com behind a reverse
    /// proxy, for download links of saved results [default: http:// and the request's Host].
    #[arg(long, env = env::SEEDANCE_HTTP_PUBLIC_URL, value_name = "URL")]
    pub http_public_url: Option<String>,
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
            http_stateless: false,
            http_public_url: None,
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
    /// No sessions: each request is served by a fresh server and forgotten.
    pub stateless: bool,
    /// Where clients reach the server (scheme, host, optional path; no trailing
    /// slash), when configured.
    pub public_url: Option<String>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            token: None,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            max_sessions: DEFAULT_HTTP_MAX_SESSIONS,
            session_idle: Duration::from_secs(DEFAULT_HTTP_SESSION_IDLE_SECS),
            stateless: false,
            public_url: None,
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
            stateless: self.http_stateless,
            public_url: match self.http_public_url.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(url) => Some(public_url(url)?),
            },
        })
    }
}

/// `SEEDANCE_HTTP_PUBLIC_URL` checked: http or https, a host, no query or
/// fragment; returned without a trailing slash, ready for `/files/…`.
fn public_url(text: &str) -> Result<String, ConfigError> {
    let bad = |why: &str| ConfigError::BadHttpEntry {
        var: env::SEEDANCE_HTTP_PUBLIC_URL,
        value: text.to_owned(),
        why: format!("{why}; write it as https://HOST[:PORT][/PATH]"),
    };
    let url = reqwest::Url::parse(text).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad("it is not an http or https address"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(bad("it has a query, fragment or user name"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// An allowed `Host` value: a name or address, with a port or for any port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRule {
    /// Lower-case; IPv6 addresses keep their brackets, as in a Host header.
    host: String,
    port: Option<u16>,
}

impl HostRule {
    /// The rule a bind address gives itself when no list is configured.
    pub fn for_address(addr: SocketAddr) -> Self {
        let host = match addr {
            SocketAddr::V4(v4) => v4.ip().to_string(),
            SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
        };
        Self {
            host,
            port: Some(addr.port()),
        }
    }

    /// Whether a request for `host` (lower-case) on `port` matches.
    pub fn allows(&self, host: &str, port: Option<u16>) -> bool {
        self.host == host && self.port.is_none_or(|p| Some(p) == port)
    }
}

impl FromStr for HostRule {
    type Err = String;

    fn from_str(entry: &str) -> Result<Self, String> {
        let entry = entry.trim();
        // A URL where a host name belongs is the usual slip: say so.
        if entry.contains("://") || entry.contains('/') || entry.contains('@') {
            return Err(
                "a Host value is a name with an optional port, like mcp.example.com:8931, \
                 not a URL"
                    .to_owned(),
            );
        }
        let (host, port) = split_authority(entry).ok_or("not a host name or host:port")?;
        Ok(Self { host, port })
    }
}

impl fmt::Display for HostRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(port) => write!(f, "{}:{port}", self.host),
            None => f.write_str(&self.host),
        }
    }
}

/// An allowed browser origin: scheme, host and port (the scheme's default when
/// left out, as browsers leave it out of the `Origin` header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginRule {
    scheme: String,
    host: String,
    port: u16,
}

impl FromStr for OriginRule {
    type Err = String;

    fn from_str(entry: &str) -> Result<Self, String> {
        parse_origin(entry.trim().trim_end_matches('/')).ok_or_else(|| {
            "an origin is scheme://host with an optional port, like https://app.example.com"
                .to_owned()
        })
    }
}

impl OriginRule {
    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// Lower-case host, IPv6 in brackets.
    pub fn host(&self) -> &str {
        &self.host
    }
}

impl fmt::Display for OriginRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

/// `http://host[:port]` or `https://...`, nothing after the authority.
pub fn parse_origin(value: &str) -> Option<OriginRule> {
    let (scheme, authority) = value.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    if authority.contains('/') || authority.contains('@') {
        return None;
    }
    let (host, port) = split_authority(authority)?;
    Some(OriginRule {
        scheme,
        host,
        port: port.unwrap_or(default_port),
    })
}

/// Host (lower-case, IPv6 in brackets) and port of an authority such as `a.b:80`.
pub fn split_authority(authority: &str) -> Option<(String, Option<u16>)> {
    if authority.is_empty() {
        return None;
    }
    let parsed = Authority::from_str(authority).ok()?;
    if parsed.host().is_empty() {
        return None;
    }
    Some((parsed.host().to_ascii_lowercase(), parsed.port_u16()))
}
