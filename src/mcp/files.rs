//! Saved results over HTTP: `GET /files/{local_id}/{n}` on the HTTP server, behind
//! the same gate as `/mcp` (Host/Origin, bearer token). A team server's user gets
//! their own files only; any other row answers 404 exactly like a missing one.
//!
//! This is how a client on another machine gets a video too large for
//! `resources/read` (which inlines base64): the file is streamed from the output
//! folder, with ranges (players seek), `HEAD` and conditional requests answered
//! by tower-http's `ServeFile`. The path on the server never reaches the client.

use axum::{
    body::Body,
    extract::{Path, Request, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::access::AuthenticatedUser;
use crate::service::{Service, ToolErrorKind};

/// The route's handler; `service` is the server's, scoped per request to the
/// caller the gate authenticated.
pub async fn download(
    State(service): State<Service>,
    Path((local_id, n)): Path<(i64, usize)>,
    request: Request,
) -> Response {
    let user = request
        .extensions()
        .get::<AuthenticatedUser>()
        .map(|user| user.0.clone());
    let caller = service.for_user(user.as_deref());
    let (path, mime, _) = match caller.saved_file(local_id, n).await {
        Ok(file) => file,
        Err(e) if e.kind == ToolErrorKind::NotFound => {
            return text(StatusCode::NOT_FOUND, "Not Found: no saved result there");
        }
        Err(e) => {
            tracing::warn!(error = %e, local_id, n, "could not look up a saved result");
            return text(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Unavailable: the task journal cannot be read; try again shortly",
            );
        }
    };
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| format!("result-{local_id}-{n}"));
    let served = tower_http::services::ServeFile::new(&path)
        .try_call(request)
        .await;
    let mut response = match served {
        Ok(response) => response.map(Body::new),
        Err(error) => {
            tracing::warn!(%error, local_id, n, "could not read a saved result");
            return text(StatusCode::NOT_FOUND, "Not Found: no saved result there");
        }
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(mime) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&attachment(&name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    // A user's file must not sit in a shared cache for the next person.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
    response
}

/// `attachment; filename="…"`, with anything outside plain ASCII replaced (our
/// names are ASCII already; this keeps a header from ever being malformed).
fn attachment(name: &str) -> String {
    let plain: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("attachment; filename=\"{plain}\"")
}

fn text(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_names_stay_one_plain_header() {
        assert_eq!(
            attachment("2026-12-03-a-fox.mp4"),
            "attachment; filename=\"2026-12-03-a-fox.mp4\""
        );
        assert_eq!(
            attachment("a \"quoted\"\nname.mp4"),
            "attachment; filename=\"a__quoted__name.mp4\""
        );
    }
}
