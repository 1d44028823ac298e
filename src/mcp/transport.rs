//! Serving the MCP server over stdio and over streamable HTTP.
//!
//! stdio: stdout carries only JSON-RPC (logs go to stderr, see `main`). A request
//! for a method MCP does not define, sent before `initialize`, is answered with
//! JSON-RPC -32601 here, because rmcp would otherwise answer it as a stateless
//! request with missing metadata (-32602).
//!
//! HTTP: `/mcp` (streamable HTTP) and `/files/{local_id}/{n}` (saved results,
//! see `files`) behind [`access::check`], and `/healthz`, which stays open for
//! probes. A loopback bind accepts loopback Host/Origin values only;
//! any other bind needs a bearer token and accepts the configured hosts and origins.
//! In stateless mode no session outlives its request, so any replica can answer
//! any request.

use std::{net::SocketAddr, sync::Arc};

use rmcp::{
    RoleServer, ServiceExt,
    model::{ClientJsonRpcMessage, ClientRequest, ErrorCode, ErrorData, ServerJsonRpcMessage},
    service::{RxJsonRpcMessage, TxJsonRpcMessage},
    transport::{
        Transport,
        async_rw::AsyncRwTransport,
        streamable_http_server::{
            StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
        },
    },
};
use tokio_util::sync::CancellationToken;

use super::{
    SeedanceServer,
    access::{self, Exposure, Gate, LOOPBACK_HOSTS, LOOPBACK_ORIGINS},
};
use crate::{
    config::http::{HostRule, HttpConfig},
    env_vars,
};

/// Why a transport stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The client went away or sent garbage before `initialize`.
    #[error("MCP session did not start: {0}")]
    Initialize(Box<rmcp::service::ServerInitializeError>),
    /// The session ended abnormally.
    #[error("MCP session failed: {0}")]
    Session(#[from] tokio::task::JoinError),
    /// The HTTP listener failed.
    #[error("HTTP server on {addr}: {source}")]
    Http {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// Refused to serve a non-loopback address without a token.
    #[error(
        "refusing to serve on {0}: a non-loopback address needs a bearer token, because the server \
         spends money on behalf of whoever can reach it; set {var} (clients then send \
         `Authorization: Bearer <token>`), or give each user a token with `seedance-mcp token \
         create --user NAME`, or bind 127.0.0.1",
        var = env_vars::SEEDANCE_HTTP_TOKEN
    )]
    TokenRequired(SocketAddr),
}

impl From<rmcp::service::ServerInitializeError> for TransportError {
    fn from(e: rmcp::service::ServerInitializeError) -> Self {
        Self::Initialize(Box::new(e))
    }
}

/// Serves one MCP session on stdin/stdout until the client closes stdin.
pub async fn serve_stdio(server: SeedanceServer) -> Result<(), TransportError> {
    let transport = PreInitGuard::new(AsyncRwTransport::new_server(
        tokio::io::stdin(),
        tokio::io::stdout(),
    ));
    let running = server.serve(transport).await?;
    running.waiting().await?;
    Ok(())
}

/// Serves any transport; tests use it with in-memory pipes.
pub async fn serve_io<R, W>(server: SeedanceServer, read: R, write: W) -> Result<(), TransportError>
where
    R: tokio::io::AsyncRead + Send + Unpin + 'static,
    W: tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let running = server
        .serve(PreInitGuard::new(AsyncRwTransport::new_server(read, write)))
        .await?;
    running.waiting().await?;
    Ok(())
}

/// Answers requests for unknown methods before `initialize` with -32601.
struct PreInitGuard<T> {
    inner: T,
    initialized: bool,
}

impl<T> PreInitGuard<T> {
    fn new(inner: T) -> Self {
        Self {
            inner,
            initialized: false,
        }
    }
}

impl<T: Transport<RoleServer>> Transport<RoleServer> for PreInitGuard<T> {
    type Error = T::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        self.inner.send(item)
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            let message = self.inner.receive().await?;
            if self.initialized {
                return Some(message);
            }
            if let ClientJsonRpcMessage::Request(request) = &message {
                match &request.request {
                    ClientRequest::InitializeRequest(_) => self.initialized = true,
                    ClientRequest::CustomRequest(custom) => {
                        let error = ErrorData::new(
                            ErrorCode::METHOD_NOT_FOUND,
                            format!("method not found: {}", custom.method),
                            None,
                        );
                        let reply = ServerJsonRpcMessage::error(error, Some(request.id.clone()));
                        if self.inner.send(reply).await.is_err() {
                            return None;
                        }
                        continue;
                    }
                    _ => {}
                }
            }
            return Some(message);
        }
    }

    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.inner.close()
    }
}

/// Largest request body: a 10 MB image in base64 inside JSON, as over stdio.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// Serves streamable HTTP at `/mcp` (and `/healthz`) until `shutdown` is cancelled.
pub async fn serve_http(
    server: SeedanceServer,
    addr: SocketAddr,
    http: HttpConfig,
    shutdown: CancellationToken,
    bound: Option<tokio::sync::oneshot::Sender<SocketAddr>>,
) -> Result<(), TransportError> {
    let public = !addr.ip().is_loopback();
    // Users' tokens count as well as the shared one (read once here: the gate
    // itself keeps asking on a public bind whatever happens to the tokens).
    let users = server.journal().has_users().await.unwrap_or(false);
    if public && http.token.is_none() && !users {
        return Err(TransportError::TokenRequired(addr));
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| TransportError::Http { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| TransportError::Http { addr, source })?;
    let exposure = exposure(public, local, &http);
    tracing::info!(
        address = %local,
        token = http.token.is_some(),
        max_sessions = http.max_sessions,
        stateless = http.stateless,
        "serving MCP over streamable HTTP at /mcp"
    );
    if let Some(bound) = bound {
        let _ = bound.send(local);
    }
    let mut config = StreamableHttpServerConfig::default()
        .with_max_request_body_bytes(MAX_REQUEST_BYTES)
        .with_cancellation_token(shutdown.child_token())
        // Stateless: rmcp serves each POST with a fresh server from the factory
        // below and answers on that request's own stream (progress included).
        .with_legacy_session_mode(!http.stateless);
    config = match &exposure {
        Exposure::Loopback => config
            .with_allowed_hosts(LOOPBACK_HOSTS)
            .with_allowed_origins(LOOPBACK_ORIGINS),
        Exposure::Public { hosts, origins } => config
            .with_allowed_hosts(hosts.iter().map(ToString::to_string))
            .with_allowed_origins(origins.iter().map(ToString::to_string))
            .enforce_origin_validation(),
    };
    let mut sessions = LocalSessionManager::default();
    // Some clients never re-initialise after a 404, so sessions outlive rmcp's
    // five-minute default (an hour unless configured).
    sessions.session_config.keep_alive = Some(http.session_idle);
    let sessions = Arc::new(sessions);
    let gate = Arc::new(Gate {
        exposure,
        token: http.token,
        journal: server.journal().clone(),
        always_authenticate: public,
        sessions: sessions.clone(),
        max_sessions: http.max_sessions,
        session_idle: http.session_idle,
        max_body_bytes: MAX_REQUEST_BYTES,
        opening: tokio::sync::Mutex::new(()),
    });
    // Each session gets its own state; none reads the client's roots, which name
    // folders on the client's machine.
    let server = server.for_remote_clients(http.public_url.clone());
    let files = axum::Router::new()
        .route(
            "/{local_id}/{n}",
            axum::routing::get(super::files::download),
        )
        .with_state(server.service().clone())
        .layer(axum::middleware::from_fn_with_state(
            gate.clone(),
            access::check,
        ));
    let mcp = StreamableHttpService::new(move || Ok(server.for_new_session()), sessions, config);
    let mcp = axum::Router::new()
        .fallback_service(mcp)
        .layer(axum::middleware::from_fn_with_state(gate, access::check));
    let app = axum::Router::new()
        .nest("/mcp", mcp)
        .nest("/files", files)
        .route("/healthz", axum::routing::get(|| async { "ok" }));
    // Answers leave in two writes (headers, then the event); without TCP_NODELAY
    // the second waits for the client's delayed ACK, about 40 ms per call.
    let listener = axum::serve::ListenerExt::tap_io(listener, |stream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
        .map_err(|source| TransportError::Http {
            addr: local,
            source,
        })
}

/// The Host/Origin rule for the bound address.
fn exposure(public: bool, local: SocketAddr, http: &HttpConfig) -> Exposure {
    if !public {
        if !http.allowed_hosts.is_empty() || !http.allowed_origins.is_empty() {
            tracing::warn!(
                "{} and {} apply to non-loopback binds only; a loopback bind accepts loopback \
                 Host and Origin values",
                env_vars::SEEDANCE_HTTP_ALLOWED_HOSTS,
                env_vars::SEEDANCE_HTTP_ALLOWED_ORIGINS
            );
        }
        return Exposure::Loopback;
    }
    let hosts = if http.allowed_hosts.is_empty() {
        if local.ip().is_unspecified() {
            tracing::warn!(
                "serving on {local} accepts only `Host: {}`; set {} to the names clients use",
                HostRule::for_address(local),
                env_vars::SEEDANCE_HTTP_ALLOWED_HOSTS
            );
        }
        vec![HostRule::for_address(local)]
    } else {
        http.allowed_hosts.clone()
    };
    Exposure::Public {
        hosts,
        origins: http.allowed_origins.clone(),
    }
}
