//! The one HTTP client every remote backend talks through.
//!
//! A backend states each request ([`ApiRequest`]: method, URL, body, what it is
//! for, and whether it may be repeated) and supplies only its [`Dialect`]: how its
//! answers carry data or a refusal, and the few codes of its own. Everything else
//! is here, once: the key, the timeouts, bounded reading, retries (only for
//! requests declared safe to repeat, decided inside [`ApiClient::send`]), and the
//! one status ladder that turns a refusal's number into a [`ProviderError`] kind.
//! An answer no dialect can read is kept, redacted, for a bug report
//! ([`super::answers`]), and the error names the file.

use std::{fmt, path::PathBuf, time::Duration};

use bytes::Bytes;
use reqwest::Method;
use serde::de::DeserializeOwned;

use super::{
    Download, ProviderConfig, answers,
    http::{self, ApiResponse},
};
use crate::{
    domain::ProviderId,
    error::{ErrorKind, ProviderError},
    secret::Secret,
};

/// An answer the provider gave instead of data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// The HTTP-like status that decides the kind: the HTTP status, or an
    /// envelope code that stands for one. `None` when the answer names none (a
    /// 200 whose envelope carries an unknown code).
    pub number: Option<u16>,
    /// The provider's own error code, when it gave one.
    pub code: Option<String>,
    /// The provider's words, ready for a message.
    pub message: String,
}

/// What an answer holds.
#[derive(Debug)]
pub(crate) enum Answer<T> {
    /// The data asked for.
    Data(T),
    /// A refusal.
    Refused(Refusal),
}

/// How one provider's answers look. Reading is the backend's; classifying is
/// shared ([`kind_of`]) except for the codes [`Dialect::special`] names.
pub(crate) trait Dialect: fmt::Debug + Send + Sync + 'static {
    /// Reads an answer into data or a refusal. `Err` carries the decoder's own
    /// message when the answer is neither (it is then reported with an excerpt).
    fn read<T: DeserializeOwned>(&self, response: &ApiResponse) -> Result<Answer<T>, String>;

    /// The kind of a refusal this provider marks with a code of its own, before the
    /// common ladder; it may add to the refusal's message. `None`: use the ladder.
    fn special(&self, refusal: &mut Refusal, response: &ApiResponse) -> Option<ErrorKind> {
        let _ = (refusal, response);
        None
    }
}

/// How APIs that answer data as the whole body and refusals with an error status
/// read: a success decodes as `T`, anything else is the refusal `refused` reads.
pub(crate) fn plain_json<T: DeserializeOwned>(
    response: &ApiResponse,
    refused: impl FnOnce(&ApiResponse) -> Refusal,
) -> Result<Answer<T>, String> {
    if response.status.is_success() {
        serde_json::from_slice(&response.body)
            .map(Answer::Data)
            .map_err(|e| e.to_string())
    } else {
        Ok(Answer::Refused(refused(response)))
    }
}

/// Decodes an envelope's `data` field, keeping the decoder's message.
pub(crate) fn data<T: DeserializeOwned>(
    data: Option<&serde_json::value::RawValue>,
) -> Result<Answer<T>, String> {
    let data = data.ok_or("the answer holds no `data`")?;
    serde_json::from_str(data.get())
        .map(Answer::Data)
        .map_err(|e| format!("in `data`: {e}"))
}

/// The common ladder: the kind an HTTP-like status means.
pub(crate) fn kind_of(number: u16) -> ErrorKind {
    match number {
        401 | 403 => ErrorKind::Unauthenticated,
        402 => ErrorKind::InsufficientBalance,
        404 => ErrorKind::NotFound,
        429 => ErrorKind::RateLimited,
        // A request timeout is the network's fault, not the request's.
        408 => ErrorKind::Upstream,
        400..=499 => ErrorKind::InvalidRequest,
        _ => ErrorKind::Upstream,
    }
}

/// Whether a request may be sent again after a failure that left its outcome
/// unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    /// A read, or a write the provider deduplicates by key: retried on transient failures.
    Safe,
    /// A write that could be done twice (and paid twice): sent once.
    Once,
}

/// One API call, as a backend states it.
#[derive(Debug)]
pub(crate) struct ApiRequest<'a> {
    method: Method,
    url: String,
    /// The encoded body, or why it could not be encoded.
    body: Option<Result<Bytes, String>>,
    what: String,
    repeat: Repeat,
    idempotency_key: Option<&'a str>,
    /// Multiplies the API timeout (uploads carry big bodies).
    patience: u32,
}

impl<'a> ApiRequest<'a> {
    /// A call that changes nothing (status, balance, a list): safe to repeat.
    pub(crate) fn read(method: Method, url: impl Into<String>, what: impl Into<String>) -> Self {
        Self {
            method,
            url: url.into(),
            body: None,
            what: what.into(),
            repeat: Repeat::Safe,
            idempotency_key: None,
            patience: 1,
        }
    }

    /// A call that creates or changes something: sent once, unless it carries an
    /// [`ApiRequest::idempotency_key`].
    pub(crate) fn write(method: Method, url: impl Into<String>, what: impl Into<String>) -> Self {
        Self {
            repeat: Repeat::Once,
            ..Self::read(method, url, what)
        }
    }

    /// The JSON body, encoded once for every attempt.
    pub(crate) fn json(mut self, body: &impl serde::Serialize) -> Self {
        self.body = Some(
            serde_json::to_vec(body)
                .map(Bytes::from)
                .map_err(|e| e.to_string()),
        );
        self
    }

    /// Sends `Idempotency-Key: key` on every attempt: the provider answers a
    /// repeat with the first result, so the request becomes safe to repeat.
    pub(crate) fn idempotency_key(mut self, key: &'a str) -> Self {
        self.idempotency_key = Some(key);
        self.repeat = Repeat::Safe;
        self
    }

    /// Twice the usual time (uploads).
    pub(crate) fn slow(mut self) -> Self {
        self.patience = 2;
        self
    }
}

/// A backend's connection: its key, timeouts and dialect.
#[derive(Debug)]
pub(crate) struct ApiClient<D> {
    provider: ProviderId,
    /// Built on first use: an idle server never loads the TLS roots and
    /// connection pool machinery, which keeps its resident memory down.
    http: std::sync::OnceLock<reqwest::Client>,
    key: Secret,
    timeout: Duration,
    dialect: D,
    /// Where unreadable answers are kept; `None`: nowhere.
    answers_dir: Option<PathBuf>,
}

impl<D: Dialect> ApiClient<D> {
    /// A client for `provider`; refused when no key is configured.
    pub(crate) fn new(
        provider: ProviderId,
        config: &ProviderConfig,
        dialect: D,
    ) -> Result<Self, ProviderError> {
        let key = config
            .api_key
            .clone()
            .ok_or_else(|| ProviderError::Unauthenticated {
                provider,
                message: format!(
                    "no key configured; set {}",
                    provider.key_env().unwrap_or("its API key")
                ),
            })?;
        Ok(Self {
            provider,
            http: std::sync::OnceLock::new(),
            key,
            timeout: config.api_timeout,
            dialect,
            answers_dir: config.answers_dir.clone(),
        })
    }

    /// The underlying client, for requests whose body streams (see `inline`).
    pub(crate) fn http(&self) -> Result<&reqwest::Client, ProviderError> {
        if let Some(client) = self.http.get() {
            return Ok(client);
        }
        let built = http::client().map_err(|e| ProviderError::Upstream {
            provider: self.provider,
            status: None,
            message: format!("cannot build the HTTP client: {e}"),
        })?;
        // Two first calls at once may both build; one client is kept.
        Ok(self.http.get_or_init(|| built))
    }

    /// How long one call may take.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends the request and reads its data; a request declared safe to repeat is
    /// retried on transient failures within the retry budget.
    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        request: ApiRequest<'_>,
    ) -> Result<T, ProviderError> {
        let body = match request.body.transpose() {
            Ok(body) => body,
            Err(why) => {
                return Err(ProviderError::Upstream {
                    provider: self.provider,
                    status: None,
                    message: format!("could not encode the request for {}: {why}", request.what),
                });
            }
        };
        let client = self.http()?;
        let attempt = || {
            let mut builder = client
                .request(request.method.clone(), &request.url)
                .timeout(self.timeout * request.patience);
            if let Some(body) = &body {
                builder = builder
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            if let Some(key) = request.idempotency_key {
                builder = builder.header("Idempotency-Key", key);
            }
            self.exchange(builder, &request.what)
        };
        match request.repeat {
            Repeat::Safe => http::with_retries(http::retry_budget(self.timeout), attempt).await,
            Repeat::Once => attempt().await,
        }
    }

    /// Sends a request built elsewhere (a streamed body, which cannot be replayed),
    /// once.
    pub(crate) async fn send_once<T: DeserializeOwned>(
        &self,
        builder: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<T, ProviderError> {
        self.exchange(builder, what).await
    }

    /// One attempt: authorise, send, read at most `MAX_API_BODY` bytes, decode.
    async fn exchange<T: DeserializeOwned>(
        &self,
        builder: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<T, ProviderError> {
        let builder = builder
            .bearer_auth(self.key.expose())
            .header(reqwest::header::ACCEPT, "application/json");
        // Built here so an unreadable answer can name the request it answered.
        let (client, request) = builder.build_split();
        let request = request.map_err(|e| http::transport_error(self.provider, &e))?;
        let (method, url) = (request.method().clone(), request.url().clone());
        let builder = reqwest::RequestBuilder::from_parts(client, request);
        let response = http::send(self.provider, builder).await?;
        match self.dialect.read::<T>(&response) {
            Ok(Answer::Data(data)) => Ok(data),
            Ok(Answer::Refused(refusal)) => Err(classify(
                &self.dialect,
                self.provider,
                refusal,
                &response,
                what,
            )),
            Err(why) => Err(self.unreadable(&method, &url, &response, what, &why)),
        }
    }

    /// The error for an answer the dialect could not read: an excerpt, and the
    /// file the whole answer is kept in. Decoder messages quote the body, so
    /// the message is redacted like the file.
    fn unreadable(
        &self,
        method: &Method,
        url: &reqwest::Url,
        response: &ApiResponse,
        what: &str,
        why: &str,
    ) -> ProviderError {
        let secrets = [self.key.expose()];
        let kept = self.answers_dir.as_deref().and_then(|dir| {
            let answer = answers::KeptAnswer {
                provider: self.provider,
                purpose: what,
                method: method.as_str(),
                url,
                status: response.status.as_u16(),
                headers: &response.headers,
                why,
                body: &response.body,
            };
            answers::keep(dir, &answer, &secrets)
                .inspect_err(|e| {
                    tracing::warn!(error = %e, dir = %dir.display(), "could not keep an unreadable answer");
                })
                .ok()
        });
        let kept = kept.map_or_else(String::new, |path| {
            format!(
                "; the whole answer, keys removed, is in {}: attach it to a bug report",
                path.display()
            )
        });
        let message = format!(
            "could not read the answer to {what} ({why}): {}{kept}",
            response.snippet()
        );
        ProviderError::Upstream {
            provider: self.provider,
            status: Some(response.status.as_u16()),
            message: answers::redact(&message, &secrets),
        }
    }

    /// Streams a GET of a result URL (public links: the key is not sent to them).
    pub(crate) async fn download(&self, url: &str) -> Result<Download, ProviderError> {
        http::download(self.provider, self.http()?, url).await
    }
}

/// The refusal as an error: the dialect's own codes first, then the ladder.
fn classify(
    dialect: &impl Dialect,
    provider: ProviderId,
    mut refusal: Refusal,
    response: &ApiResponse,
    what: &str,
) -> ProviderError {
    let special = dialect.special(&mut refusal, response);
    let kind = special.or(refusal.number.map(kind_of));
    let message = refusal.message;
    {
        match kind {
            Some(ErrorKind::Unauthenticated) => {
                ProviderError::Unauthenticated { provider, message }
            }
            Some(ErrorKind::InsufficientBalance) => {
                ProviderError::InsufficientBalance { provider, message }
            }
            Some(ErrorKind::NotFound) => ProviderError::NotFound {
                provider,
                what: what.to_owned(),
                message,
            },
            Some(ErrorKind::RateLimited) => ProviderError::RateLimited {
                provider,
                retry_after: response.retry_after,
                message,
            },
            Some(ErrorKind::ContentRejected) => {
                ProviderError::ContentRejected { provider, message }
            }
            Some(ErrorKind::InvalidRequest) => ProviderError::InvalidRequest { provider, message },
            Some(ErrorKind::Unsupported | ErrorKind::Upstream) => ProviderError::Upstream {
                provider,
                status: refusal.number,
                message,
            },
            None => ProviderError::Upstream {
                provider,
                status: None,
                message: format!("unexpected answer: {message}"),
            },
        }
    }
}

/// What a backend's dialect makes of an answer with this status and body, for
/// its unit tests: the data's debug form, or the error.
#[cfg(test)]
pub(crate) fn read_answer<D: Dialect>(
    dialect: &D,
    status: u16,
    retry_after: Option<u64>,
    body: &str,
) -> Result<String, ProviderError> {
    let response = ApiResponse {
        status: reqwest::StatusCode::from_u16(status).unwrap_or(reqwest::StatusCode::OK),
        retry_after: retry_after.map(Duration::from_secs),
        body: Bytes::copy_from_slice(body.as_bytes()),
        headers: Vec::new(),
    };
    let provider = super::registry::simulator().id;
    match dialect.read::<serde_json::Value>(&response) {
        Ok(Answer::Data(data)) => Ok(data.to_string()),
        Ok(Answer::Refused(refusal)) => Err(classify(dialect, provider, refusal, &response, "t")),
        Err(why) => Err(ProviderError::Upstream {
            provider,
            status: Some(status),
            message: why,
        }),
    }
}

/// The answer of a call whose data nobody reads (a cancel).
pub(crate) type Nothing = serde::de::IgnoredAny;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ladder_names_each_status_family() {
        for (number, kind) in [
            (401, ErrorKind::Unauthenticated),
            (403, ErrorKind::Unauthenticated),
            (402, ErrorKind::InsufficientBalance),
            (404, ErrorKind::NotFound),
            (429, ErrorKind::RateLimited),
            (408, ErrorKind::Upstream),
            (400, ErrorKind::InvalidRequest),
            (422, ErrorKind::InvalidRequest),
            (500, ErrorKind::Upstream),
            (503, ErrorKind::Upstream),
        ] {
            assert_eq!(kind_of(number), kind, "{number}");
        }
    }
}
