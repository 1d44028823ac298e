//! Who may use the streamable HTTP endpoint, checked before rmcp sees a request.
//!
//! The order matters: Host and Origin first (403), so a DNS-rebinding page learns
//! nothing, not even whether a token is wanted; then the bearer token (401); then,
//! for a POST that opens no existing session, the body: a method MCP does not
//! define gets -32601 and an `initialize` beyond the session cap gets 503. rmcp
//! repeats the Host/Origin check with the same lists as a second line of defence.
//! The `Authorization` header is removed once checked, so the token never reaches
//! rmcp, the tools (which can read request parts) or a log line.

use std::{sync::Arc, time::Duration};

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use rmcp::{
    model::{ClientJsonRpcMessage, ClientRequest, ErrorCode, ErrorData, ServerJsonRpcMessage},
    transport::streamable_http_server::session::local::LocalSessionManager,
};

use crate::{
    config::http::{HostRule, OriginRule, parse_origin, split_authority},
    env_vars,
    secret::Secret,
};

/// Host names a local client uses; anything else may be DNS rebinding.
pub const LOOPBACK_HOSTS: [&str; 4] = ["localhost", "127.0.0.1", "::1", "[::1]"];

/// Origins a page served from this machine has.
pub const LOOPBACK_ORIGINS: [&str; 3] =
    ["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"];

/// Which Host and Origin values are accepted.
#[derive(Debug, Clone)]
pub enum Exposure {
    /// Loopback bind: loopback host names only, and pages served over http from them.
    Loopback,
    /// Any other bind: the listed hosts; origins only when listed (none by default).
    Public {
        /// Accepted `Host` values.
        hosts: Vec<HostRule>,
        /// Accepted `Origin` values.
        origins: Vec<OriginRule>,
    },
}

/// Why Host/Origin checking refused a request.
enum Refusal {
    BadHost,
    ForeignHost,
    ForeignOrigin,
}

impl Exposure {
    fn check(&self, request: &Request) -> Result<(), Refusal> {
        let headers = request.headers();
        // HTTP/2 carries the host in :authority, which hyper may not copy to Host.
        let host = match headers.get(header::HOST) {
            Some(value) => value.to_str().ok().and_then(split_authority),
            None => request
                .uri()
                .authority()
                .and_then(|a| split_authority(a.as_str())),
        };
        let (host, port) = host.ok_or(Refusal::BadHost)?;
        let origin = match headers.get(header::ORIGIN) {
            None => None,
            Some(value) => Some(
                value
                    .to_str()
                    .ok()
                    .and_then(parse_origin)
                    .ok_or(Refusal::ForeignOrigin)?,
            ),
        };
        match self {
            Self::Loopback => {
                if !LOOPBACK_HOSTS.contains(&host.as_str()) {
                    return Err(Refusal::ForeignHost);
                }
                if let Some(origin) = origin
                    && (origin.scheme() != "http" || !LOOPBACK_HOSTS.contains(&origin.host()))
                {
                    return Err(Refusal::ForeignOrigin);
                }
            }
            Self::Public { hosts, origins } => {
                if !hosts.iter().any(|rule| rule.allows(&host, port)) {
                    return Err(Refusal::ForeignHost);
                }
                if let Some(origin) = origin
                    && !origins.contains(&origin)
                {
                    return Err(Refusal::ForeignOrigin);
                }
            }
        }
        Ok(())
    }
}

/// Everything the access check needs, shared by all requests.
#[derive(Debug)]
pub struct Gate {
    /// Accepted Host and Origin values.
    pub exposure: Exposure,
    /// The bearer token, when one is configured.
    pub token: Option<Secret>,
    /// Where users' tokens are looked up (`seedance-mcp token create`).
    pub journal: crate::journal::Journal,
    /// Whether every request needs a token, whatever the journal holds: a
    /// non-loopback bind (so revoking the last user never opens the server).
    pub always_authenticate: bool,
    /// rmcp's session table, read to count open sessions.
    pub sessions: Arc<LocalSessionManager>,
    /// Most sessions open at once.
    pub max_sessions: usize,
    /// How long an idle session lives (quoted in the refusal).
    pub session_idle: Duration,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Held while an `initialize` is counted and served, so that concurrent ones
    /// cannot all see the last free place.
    pub opening: tokio::sync::Mutex<()>,
}

/// Compares in time that depends only on the expected length, never on where the
/// first differing byte is.
fn same_token(given: &[u8], expected: &[u8]) -> bool {
    let mut difference = given.len() ^ expected.len();
    for (i, byte) in expected.iter().enumerate() {
        let other = given.get(i).copied().unwrap_or(0);
        difference |= usize::from(other ^ byte);
    }
    std::hint::black_box(difference) == 0
}

/// `None` when the header is absent or not a bearer credential.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

fn unauthorized(challenge: &'static str) -> Response {
    let mut response = plain(
        StatusCode::UNAUTHORIZED,
        "Unauthorized: send the server's token as Authorization: Bearer <token>",
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

/// The user a request's token belongs to (set on the request by [`check`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedUser(pub String);

/// Who the bearer token says the caller is: `Ok(None)` for the shared token or
/// where no token is needed, the user for a user's live token, else a 401.
async fn authenticate(
    gate: &Gate,
    given: Option<&str>,
) -> Result<Option<AuthenticatedUser>, Box<Response>> {
    let invalid = || {
        Box::new(unauthorized(
            "Bearer realm=\"seedance-mcp\", error=\"invalid_token\"",
        ))
    };
    if let (Some(given), Some(token)) = (given, &gate.token)
        && same_token(given.as_bytes(), token.expose().as_bytes())
    {
        return Ok(None);
    }
    let looked_up = match given {
        Some(given) => gate.journal.token_user(given).await,
        None => Ok(None),
    };
    match looked_up {
        Ok(Some(user)) => return Ok(Some(AuthenticatedUser(user.user))),
        Ok(None) => {}
        Err(error) => {
            tracing::error!(%error, "could not look up a user token");
            return Err(Box::new(plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Unavailable: the task journal cannot be read; try again shortly",
            )));
        }
    }
    let needed = gate.token.is_some()
        || gate.always_authenticate
        || gate.journal.has_users().await.unwrap_or(true);
    match (needed, given) {
        (false, _) => Ok(None),
        (true, None) => Err(Box::new(unauthorized("Bearer realm=\"seedance-mcp\""))),
        (true, Some(_)) => Err(invalid()),
    }
}

/// The axum middleware in front of `/mcp`.
pub async fn check(State(gate): State<Arc<Gate>>, mut request: Request, next: Next) -> Response {
    match gate.exposure.check(&request) {
        Ok(()) => {}
        Err(Refusal::BadHost) => {
            return plain(
                StatusCode::BAD_REQUEST,
                "Bad Request: missing or invalid Host header",
            );
        }
        Err(Refusal::ForeignHost) => {
            return plain(
                StatusCode::FORBIDDEN,
                "Forbidden: Host header is not allowed",
            );
        }
        Err(Refusal::ForeignOrigin) => {
            return plain(
                StatusCode::FORBIDDEN,
                "Forbidden: Origin header is not allowed",
            );
        }
    }
    match authenticate(&gate, bearer(request.headers())).await {
        Ok(None) => {}
        Ok(Some(user)) => {
            request.extensions_mut().insert(user);
        }
        Err(response) => return *response,
    }
    request.headers_mut().remove(header::AUTHORIZATION);
    if request.method() != Method::POST || request.headers().contains_key("mcp-session-id") {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, gate.max_body_bytes).await else {
        return plain(StatusCode::PAYLOAD_TOO_LARGE, "Payload Too Large");
    };
    let message = serde_json::from_slice::<ClientJsonRpcMessage>(&bytes).ok();
    let request = Request::from_parts(parts, axum::body::Body::from(bytes));
    let Some(ClientJsonRpcMessage::Request(rpc)) = message else {
        return next.run(request).await;
    };
    match &rpc.request {
        // Before a session exists rmcp answers any non-initialize POST with a plain
        // 400; a method MCP does not define deserves JSON-RPC -32601 instead.
        ClientRequest::CustomRequest(custom) => {
            let error = ErrorData::new(
                ErrorCode::METHOD_NOT_FOUND,
                format!("method not found: {}", custom.method),
                None,
            );
            axum::Json(ServerJsonRpcMessage::error(error, Some(rpc.id.clone()))).into_response()
        }
        ClientRequest::InitializeRequest(_) => {
            let _opening = gate.opening.lock().await;
            let open = gate.sessions.sessions.read().await.len();
            if open >= gate.max_sessions {
                tracing::warn!(
                    open,
                    max = gate.max_sessions,
                    "refused a new MCP session: the session cap is reached"
                );
                let error = ErrorData::new(
                    ErrorCode(-32000),
                    format!(
                        "too many MCP sessions: {open} are open and {var}={max}; end one (HTTP \
                         DELETE with its Mcp-Session-Id) or wait, since idle sessions close after \
                         {idle} s",
                        var = env_vars::SEEDANCE_HTTP_MAX_SESSIONS,
                        max = gate.max_sessions,
                        idle = gate.session_idle.as_secs(),
                    ),
                    None,
                );
                let body = ServerJsonRpcMessage::error(error, Some(rpc.id.clone()));
                return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
            }
            // rmcp has put the session in its table by the time the response exists.
            next.run(request).await
        }
        _ => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(host: &str, origin: Option<&str>) -> Request {
        let mut builder = Request::builder().uri("/mcp").header(header::HOST, host);
        if let Some(origin) = origin {
            builder = builder.header(header::ORIGIN, origin);
        }
        builder.body(axum::body::Body::empty()).unwrap()
    }

    fn allowed(exposure: &Exposure, host: &str, origin: Option<&str>) -> bool {
        exposure.check(&request(host, origin)).is_ok()
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token(b"abc123", b"abc123"));
        assert!(!same_token(b"abc124", b"abc123"));
        assert!(!same_token(b"abc12", b"abc123"));
        assert!(!same_token(b"abc1234", b"abc123"));
        assert!(!same_token(b"", b"abc123"));
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  t0k "),
        );
        assert_eq!(bearer(&headers), Some("t0k"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic dXNlcg=="),
        );
        assert_eq!(bearer(&headers), None);
    }

    #[test]
    fn loopback_accepts_only_this_machine() {
        let loopback = Exposure::Loopback;
        assert!(allowed(&loopback, "127.0.0.1:8931", None));
        assert!(allowed(
            &loopback,
            "localhost",
            Some("http://localhost:3000")
        ));
        assert!(allowed(&loopback, "[::1]:80", Some("http://[::1]:5173")));
        assert!(!allowed(&loopback, "evil.example.com", None));
        assert!(!allowed(
            &loopback,
            "127.0.0.1",
            Some("http://evil.example.com")
        ));
        assert!(!allowed(&loopback, "127.0.0.1", Some("null")));
    }

    #[test]
    fn public_lists_are_exact_about_ports_and_schemes() {
        let public = Exposure::Public {
            hosts: vec![
                "MCP.example.com".parse().unwrap(),
                "10.0.0.5:8931".parse().unwrap(),
            ],
            origins: vec!["https://app.example.com".parse().unwrap()],
        };
        assert!(allowed(&public, "mcp.example.com:443", None));
        assert!(allowed(&public, "10.0.0.5:8931", None));
        assert!(!allowed(&public, "10.0.0.5:8932", None));
        assert!(!allowed(&public, "localhost", None));
        assert!(allowed(
            &public,
            "mcp.example.com",
            Some("https://app.example.com")
        ));
        assert!(allowed(
            &public,
            "mcp.example.com",
            Some("https://app.example.com:443")
        ));
        assert!(!allowed(
            &public,
            "mcp.example.com",
            Some("http://app.example.com")
        ));
        assert!(!allowed(
            &public,
            "mcp.example.com",
            Some("https://app.example.com:8443")
        ));
        let no_origins = Exposure::Public {
            hosts: vec![HostRule::for_address("[::]:8931".parse().unwrap())],
            origins: vec![],
        };
        assert!(allowed(&no_origins, "[::]:8931", None));
        assert!(!allowed(
            &no_origins,
            "[::]:8931",
            Some("https://app.example.com")
        ));
    }

    #[test]
    fn urls_are_not_hosts_and_hosts_are_not_origins() {
        assert!("https://mcp.example.com".parse::<HostRule>().is_err());
        assert!("mcp.example.com/mcp".parse::<HostRule>().is_err());
        assert!("".parse::<HostRule>().is_err());
        assert!("app.example.com".parse::<OriginRule>().is_err());
        assert!(
            "https://app.example.com/path"
                .parse::<OriginRule>()
                .is_err()
        );
        assert_eq!(
            "HTTPS://App.Example.com/"
                .parse::<OriginRule>()
                .unwrap()
                .to_string(),
            "https://app.example.com:443"
        );
        assert_eq!(
            "[::1]:8931".parse::<HostRule>().unwrap().to_string(),
            "[::1]:8931"
        );
    }
}
