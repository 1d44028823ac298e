//! A string that must never be printed: API keys and bearer tokens.
//!
//! `Debug` and `Display` print `[redacted]`, and the only way to the value is the
//! explicit [`Secret::expose`], so a key cannot reach a log line, an error or a
//! tool result by accident.

use std::fmt;

/// An API key or token. Cloning is cheap enough for the few places that need it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value; leading and trailing whitespace (a common copy-paste slip) is trimmed.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into().trim().to_owned())
    }

    /// The value itself, for the one place that puts it into a request header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty (an env var set to "" counts as unset).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let key = Secret::new("sk-very-secret");
        assert_eq!(format!("{key:?} {key}"), "[redacted] [redacted]");
        assert_eq!(key.expose(), "sk-very-secret");
    }
}
