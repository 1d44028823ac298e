//! Provider failures, classified by what they mean for the caller.
//!
//! Every backend maps its own status codes and envelopes into these kinds, so the
//! MCP layer and the CLI can tell the agent what to do next without knowing which
//! provider answered. Messages carry the provider's words but never a key or token.

use std::time::Duration;

use crate::domain::ProviderId;

/// Why a provider call did not give an answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// The API key is missing, wrong or revoked.
    #[error("{provider} rejected the API key: {message}")]
    Unauthenticated {
        /// Which provider.
        provider: ProviderId,
        /// The provider's words.
        message: String,
    },
    /// The account cannot pay for the request.
    #[error("{provider}: insufficient balance: {message}")]
    InsufficientBalance {
        /// Which provider.
        provider: ProviderId,
        /// The provider's words.
        message: String,
    },
    /// Too many requests; wait before the next one.
    #[error("{provider} is rate limiting requests{}: {message}", retry_hint(*.retry_after))]
    RateLimited {
        /// Which provider.
        provider: ProviderId,
        /// How long the provider asked us to wait, when it said.
        retry_after: Option<Duration>,
        /// The provider's words.
        message: String,
    },
    /// The task (or other object) does not exist, or no longer does.
    #[error("{provider}: {what} not found: {message}")]
    NotFound {
        /// Which provider.
        provider: ProviderId,
        /// What was looked for, e.g. `task task_123`.
        what: String,
        /// The provider's words.
        message: String,
    },
    /// Content moderation refused the request.
    #[error("{provider} refused the content: {message}")]
    ContentRejected {
        /// Which provider.
        provider: ProviderId,
        /// The provider's words.
        message: String,
    },
    /// The provider judged the request invalid.
    #[error("{provider} rejected the request: {message}")]
    InvalidRequest {
        /// Which provider.
        provider: ProviderId,
        /// The provider's words.
        message: String,
    },
    /// The provider cannot do this at all; refused before sending.
    #[error("{provider} does not support {feature}. {alternative}")]
    Unsupported {
        /// Which provider.
        provider: ProviderId,
        /// What was asked for.
        feature: String,
        /// What to do instead.
        alternative: String,
    },
    /// The provider failed (5xx, malformed answer) or could not be reached.
    #[error("{provider} failed{}: {message}", status_hint(*.status))]
    Upstream {
        /// Which provider.
        provider: ProviderId,
        /// HTTP status, when there was a response.
        status: Option<u16>,
        /// What went wrong.
        message: String,
    },
}

fn retry_hint(after: Option<Duration>) -> String {
    after.map_or_else(String::new, |d| {
        format!(" (retry after {} s)", d.as_secs().max(1))
    })
}

fn status_hint(status: Option<u16>) -> String {
    status.map_or_else(String::new, |s| format!(" (HTTP {s})"))
}

/// A short machine-readable name for each kind, used as the first word of tool errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// See [`ProviderError::Unauthenticated`].
    Unauthenticated,
    /// See [`ProviderError::InsufficientBalance`].
    InsufficientBalance,
    /// See [`ProviderError::RateLimited`].
    RateLimited,
    /// See [`ProviderError::NotFound`].
    NotFound,
    /// See [`ProviderError::ContentRejected`].
    ContentRejected,
    /// See [`ProviderError::InvalidRequest`].
    InvalidRequest,
    /// See [`ProviderError::Unsupported`].
    Unsupported,
    /// See [`ProviderError::Upstream`].
    Upstream,
}

impl ErrorKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::InsufficientBalance => "insufficient_balance",
            Self::RateLimited => "rate_limited",
            Self::NotFound => "not_found",
            Self::ContentRejected => "content_rejected",
            Self::InvalidRequest => "invalid_request",
            Self::Unsupported => "unsupported",
            Self::Upstream => "upstream_error",
        }
    }
}

impl ProviderError {
    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Unauthenticated { .. } => ErrorKind::Unauthenticated,
            Self::InsufficientBalance { .. } => ErrorKind::InsufficientBalance,
            Self::RateLimited { .. } => ErrorKind::RateLimited,
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::ContentRejected { .. } => ErrorKind::ContentRejected,
            Self::InvalidRequest { .. } => ErrorKind::InvalidRequest,
            Self::Unsupported { .. } => ErrorKind::Unsupported,
            Self::Upstream { .. } => ErrorKind::Upstream,
        }
    }

    /// This failure, as the outcome of a wait that read no status at all: the
    /// same kind, its message saying how long it went on and that the task is safe.
    pub fn while_waiting(self, waited: std::time::Duration, task_id: &str) -> Self {
        let note = |message: String| {
            format!(
                "no status of task {task_id} could be read in {} s of waiting (the task itself is not \
                 affected): {message}",
                waited.as_secs()
            )
        };
        match self {
            Self::Upstream {
                provider,
                status,
                message,
            } => Self::Upstream {
                provider,
                status,
                message: note(message),
            },
            Self::RateLimited {
                provider,
                retry_after,
                message,
            } => Self::RateLimited {
                provider,
                retry_after,
                message: note(message),
            },
            other => other,
        }
    }

    /// What the agent should do next, in one or two sentences.
    pub fn next_step(&self) -> String {
        match self {
            Self::Unauthenticated { provider, .. } => format!(
                "Ask the user to check the {} API key in the MCP server config ({}), then restart the server.",
                provider,
                provider.key_env().unwrap_or("no key needed")
            ),
            Self::InsufficientBalance { .. } => {
                "Nothing was charged. Ask the user to top up the account, or make a shorter or \
                 fast-tier clip; get_balance shows what is left."
                    .to_owned()
            }
            Self::RateLimited { retry_after, .. } => format!(
                "Wait {} s, then try once more.",
                retry_after.map_or(30, |d| d.as_secs().max(1))
            ),
            Self::NotFound { .. } => {
                "Check the task id (copy it exactly from submit_task). Providers forget tasks after \
                 some days."
                    .to_owned()
            }
            Self::ContentRejected { .. } => {
                "Rephrase the prompt and check the references (no realistic faces, violence, brands), \
                 then submit again."
                    .to_owned()
            }
            Self::InvalidRequest { .. } => {
                "Fix the argument the message names and submit again.".to_owned()
            }
            // The message already carries the alternative.
            Self::Unsupported { .. } => String::new(),
            // A create that got this says itself whether its task may exist.
            Self::Upstream { .. } => {
                "The provider is having trouble; try again in a minute.".to_owned()
            }
        }
    }
}
