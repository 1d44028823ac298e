//! A failed tool call as the agent reads it: a kind (the first word of the
//! message, stable across releases) and what happened and what to do next.
//!
//! The kinds are one closed enum, provider kinds included, so the MCP layer and
//! the CLI's exit codes match on meaning, never on text.

use crate::{
    domain::ValidationError,
    error::{ErrorKind, ProviderError},
    journal::JournalError,
};

/// What kind of failure a tool call met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolErrorKind {
    /// An argument is wrong; nothing was sent.
    InvalidArgument,
    /// The same request was made moments ago; nothing was sent.
    DuplicateSubmission,
    /// Over a spend limit until confirmed; nothing was sent.
    SpendLimit,
    /// The task is past the point where it can be cancelled.
    NotCancellable,
    /// The journal on this machine could not be read or written.
    JournalError,
    /// A saved file or journalled task that does not exist here.
    NotFound,
    /// A saved file is too large to return inline.
    TooLarge,
    /// A fault of this server (a worker that died).
    InternalError,
    /// What the provider answered, by meaning.
    Provider(ErrorKind),
}

impl ToolErrorKind {
    /// The snake_case word that starts the message.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidArgument => "invalid_argument",
            Self::DuplicateSubmission => "duplicate_submission",
            Self::SpendLimit => "spend_limit",
            Self::NotCancellable => "not_cancellable",
            Self::JournalError => "journal_error",
            Self::NotFound => "not_found",
            Self::TooLarge => "too_large",
            Self::InternalError => "internal_error",
            Self::Provider(kind) => kind.as_str(),
        }
    }
}

impl std::fmt::Display for ToolErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed tool call, as the agent will read it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct ToolError {
    /// What kind of failure.
    pub kind: ToolErrorKind,
    /// What happened and what to do next.
    pub message: String,
}

impl ToolError {
    /// An error of `kind` saying `message`.
    pub fn new(kind: ToolErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

impl From<ValidationError> for ToolError {
    fn from(e: ValidationError) -> Self {
        Self::new(
            ToolErrorKind::InvalidArgument,
            sentences(
                &e.to_string(),
                "Nothing was sent to the provider and nothing was charged.",
            ),
        )
    }
}

impl From<JournalError> for ToolError {
    fn from(e: JournalError) -> Self {
        Self::new(
            ToolErrorKind::JournalError,
            sentences(
                &e.to_string(),
                "The task journal on this machine could not be written, so nothing was sent. Check that \
                 SEEDANCE_DATA_DIR is writable.",
            ),
        )
    }
}

impl From<ProviderError> for ToolError {
    fn from(e: ProviderError) -> Self {
        Self::new(
            ToolErrorKind::Provider(e.kind()),
            sentences(&e.to_string(), &e.next_step()),
        )
    }
}

/// Joins two sentences with exactly one full stop between them.
pub(crate) fn sentences(first: &str, second: &str) -> String {
    let first = first.trim_end().trim_end_matches('.');
    match second.trim() {
        "" => format!("{first}."),
        second => format!("{first}. {second}"),
    }
}

impl rmcp::model::IntoContents for ToolError {
    fn into_contents(self) -> Vec<rmcp::model::ContentBlock> {
        vec![rmcp::model::ContentBlock::text(self.to_string())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_id;

    #[test]
    fn provider_kinds_keep_their_words_and_the_message_starts_with_the_kind() {
        let error = ToolError::from(ProviderError::RateLimited {
            provider: test_id("xskill"),
            retry_after: None,
            message: "slow down".into(),
        });
        assert_eq!(error.kind, ToolErrorKind::Provider(ErrorKind::RateLimited));
        assert!(error.to_string().starts_with("rate_limited: "), "{error}");
        assert_eq!(
            ToolErrorKind::Provider(ErrorKind::Upstream).as_str(),
            "upstream_error"
        );
    }
}
