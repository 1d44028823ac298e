//! A request refused before anything was sent: which field, what is wrong, how
//! to fix it. Validation and backends (checking their own options) both raise it.

/// A request refused before sending: which field, what is wrong, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{field}`: {problem}. Fix: {fix}")]
pub struct ValidationError {
    /// The argument at fault, e.g. `duration` or `image_files[2]`.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
    /// What to send instead.
    pub fix: String,
}

impl ValidationError {
    /// An error about `field`: what is wrong and what to send instead.
    pub fn new(
        field: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}

/// Parses an enum-like string field with a message listing the allowed values.
pub fn one_of<T>(
    field: &str,
    value: Option<&str>,
    parse: fn(&str) -> Option<T>,
    allowed: fn() -> String,
) -> Result<Option<T>, ValidationError> {
    match value {
        None => Ok(None),
        Some(text) => parse(text.trim()).map(Some).ok_or_else(|| {
            ValidationError::new(
                field,
                format!("`{text}` is not allowed"),
                format!("use one of {}", allowed()),
            )
        }),
    }
}
