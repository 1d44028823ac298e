//! Which provider: [`ProviderId`], a copyable handle on a backend's static
//! [`ProviderInfo`] (its names, key and base-URL variables, default host).
//!
//! The domain does not list the providers: each backend declares its own
//! `ProviderInfo` in its folder and the registry (`providers::registry`) lists
//! the backends. Parsing a name, and the JSON schema of the list, live there.

use std::{fmt, hash::Hash};

/// What every layer may know about a backend without depending on it.
#[derive(Debug, PartialEq, Eq)]
pub struct ProviderInfo {
    /// The name used in `SEEDANCE_PROVIDER`, tool results and the journal.
    pub name: &'static str,
    /// The name people know it by, e.g. `BytePlus ModelArk`.
    pub display_name: &'static str,
    /// The environment variable holding its API key; `None` when it needs none.
    pub key_var: Option<&'static str>,
    /// The environment variable that overrides its base URL (tests point it at a
    /// fake); `None` when it has no URL.
    pub base_url_var: Option<&'static str>,
    /// Its API base URL when the variable is unset.
    pub default_base_url: &'static str,
}

/// A backend's identity. Two ids are equal when their names are.
#[derive(Clone, Copy)]
pub struct ProviderId(&'static ProviderInfo);

impl ProviderId {
    /// The id of the backend described by `info`.
    pub const fn new(info: &'static ProviderInfo) -> Self {
        Self(info)
    }

    /// Everything declared about it.
    pub fn info(self) -> &'static ProviderInfo {
        self.0
    }

    /// The name used in `SEEDANCE_PROVIDER` and in tool results.
    pub fn as_str(self) -> &'static str {
        self.0.name
    }

    /// The env var holding this provider's key, if it needs one.
    pub fn key_env(self) -> Option<&'static str> {
        self.0.key_var
    }
}

impl PartialEq for ProviderId {
    fn eq(&self, other: &Self) -> bool {
        self.0.name == other.0.name
    }
}

impl Eq for ProviderId {}

impl Hash for ProviderId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.name.hash(state);
    }
}

impl fmt::Debug for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name)
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name)
    }
}

impl serde::Serialize for ProviderId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.name)
    }
}

/// An id for unit tests below the registry, which cannot reach the real ones; it
/// equals the real provider of the same name.
#[cfg(test)]
pub(crate) fn test_id(name: &'static str) -> ProviderId {
    ProviderId::new(Box::leak(Box::new(ProviderInfo {
        name,
        display_name: name,
        key_var: None,
        base_url_var: None,
        default_base_url: "http://127.0.0.1:9",
    })))
}
