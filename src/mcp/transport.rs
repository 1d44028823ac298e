//! Serving the MCP server over stdio and over streamable HTTP.
//!
//! stdio: stdout carries only JSON-RPC (logs go to stderr, see `main`). A request
//! for a method MCP does not define, sent before `initialize`, is answered with
//! JSON-RPC -32601 here, because rmcp would otherwise answer it as a stateless
//! request with missing metadata (-32602).
//!
//! HTTP: `/mcp` (streamable HTTP) and `/healthz`, bound to loopback only, with
//! rmcp's Host and Origin checks restricted to loopback names.

use std::{net::SocketAddr, sync::Arc, time::Duration};

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

use super::SeedanceServer;

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
    /// Refused to bind a non-loopback address.
    #[error(
        "refusing to serve on {0}: only loopback addresses (127.0.0.1, ::1) are allowed, because the \
         server spends money on behalf of whoever can reach it"
    )]
    NotLoopback(SocketAddr),
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

/// Host names a local client uses; anything else may be DNS rebinding.
const LOOPBACK_HOSTS: [&str; 4] = ["localhost", "127.0.0.1", "::1", "[::1]"];

/// Whether Host (and Origin, when sent) name this machine.
fn from_loopback(headers: &axum::http::HeaderMap) -> bool {
    let host_of = |authority: &str| -> bool {
        let host = match authority.rsplit_once(':') {
            Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
            _ => authority,
        };
        LOOPBACK_HOSTS.contains(&host)
    };
    let host_ok = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(host_of);
    let origin_ok = match headers.get(axum::http::header::ORIGIN).map(|o| o.to_str()) {
        None => true,
        Some(Ok(origin)) => origin.strip_prefix("http://").is_some_and(host_of),
        Some(Err(_)) => false,
    };
    host_ok && origin_ok
}

/// Largest request body: a 10 MB image in base64 inside JSON, as over stdio.
const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// Before a session exists rmcp answers any non-initialize POST with a plain 400;
/// a request for a method MCP does not define deserves JSON-RPC -32601 instead.
async fn unknown_methods_without_session(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if request.method() != axum::http::Method::POST
        || request.headers().contains_key("mcp-session-id")
        || !from_loopback(request.headers())
    {
        // Foreign Host/Origin headers are rmcp's to refuse (403), before anything else.
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_REQUEST_BYTES).await else {
        return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    if let Ok(ClientJsonRpcMessage::Request(request)) =
        serde_json::from_slice::<ClientJsonRpcMessage>(&bytes)
        && let ClientRequest::CustomRequest(custom) = &request.request
    {
        {
            let error = ErrorData::new(
                ErrorCode::METHOD_NOT_FOUND,
                format!("method not found: {}", custom.method),
                None,
            );
            let reply = ServerJsonRpcMessage::error(error, Some(request.id.clone()));
            return axum::Json(reply).into_response();
        }
    }
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

/// Serves streamable HTTP at `/mcp` (and `/healthz`) until `shutdown` is cancelled.
pub async fn serve_http(
    server: SeedanceServer,
    addr: SocketAddr,
    shutdown: CancellationToken,
    bound: Option<tokio::sync::oneshot::Sender<SocketAddr>>,
) -> Result<(), TransportError> {
    if !addr.ip().is_loopback() {
        return Err(TransportError::NotLoopback(addr));
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| TransportError::Http { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| TransportError::Http { addr, source })?;
    tracing::info!(address = %local, "serving MCP over streamable HTTP at /mcp");
    if let Some(bound) = bound {
        let _ = bound.send(local);
    }
    let config = StreamableHttpServerConfig::default()
        .with_max_request_body_bytes(MAX_REQUEST_BYTES)
        .with_allowed_hosts(LOOPBACK_HOSTS)
        .with_allowed_origins(["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"])
        .with_cancellation_token(shutdown.child_token());
    let mut sessions = LocalSessionManager::default();
    // Local single-user servers: an hour of idleness before a session is dropped,
    // since some clients never re-initialise after a 404.
    sessions.session_config.keep_alive = Some(Duration::from_secs(3600));
    let mcp = StreamableHttpService::new(move || Ok(server.clone()), Arc::new(sessions), config);
    let mcp = axum::Router::new()
        .fallback_service(mcp)
        .layer(axum::middleware::from_fn(unknown_methods_without_session));
    let app = axum::Router::new()
        .nest("/mcp", mcp)
        .route("/healthz", axum::routing::get(|| async { "ok" }));
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
        .map_err(|source| TransportError::Http {
            addr: local,
            source,
        })
}
