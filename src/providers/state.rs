//! A place a backend keeps what must outlive its process: text values under keys,
//! per provider. The journal lends one to the provider when the service starts
//! (see [`super::Provider::keep_state_in`]), so every process on the same data
//! folder sees the same values; until then, and in tests without a journal, the
//! values live in memory ([`MemoryState`]).

use std::{collections::BTreeMap, fmt, sync::Mutex};

use async_trait::async_trait;

use crate::{domain::ProviderId, error::ProviderError, sync::lock};

/// Keyed text, per provider.
#[async_trait]
pub trait StateStore: Send + Sync + fmt::Debug {
    /// The value under `key`, if any.
    async fn get(&self, provider: ProviderId, key: &str) -> Result<Option<String>, ProviderError>;

    /// Stores `value` under `key`, replacing what was there.
    async fn put(
        &self,
        provider: ProviderId,
        key: &str,
        value: String,
    ) -> Result<(), ProviderError>;

    /// Every value whose key starts with `prefix`.
    async fn values(
        &self,
        provider: ProviderId,
        prefix: &str,
    ) -> Result<Vec<String>, ProviderError>;
}

/// Values kept for this process only.
#[derive(Debug, Default)]
pub struct MemoryState(Mutex<BTreeMap<(&'static str, String), String>>);

#[async_trait]
impl StateStore for MemoryState {
    async fn get(&self, provider: ProviderId, key: &str) -> Result<Option<String>, ProviderError> {
        Ok(lock(&self.0)
            .get(&(provider.as_str(), key.to_owned()))
            .cloned())
    }

    async fn put(
        &self,
        provider: ProviderId,
        key: &str,
        value: String,
    ) -> Result<(), ProviderError> {
        lock(&self.0).insert((provider.as_str(), key.to_owned()), value);
        Ok(())
    }

    async fn values(
        &self,
        provider: ProviderId,
        prefix: &str,
    ) -> Result<Vec<String>, ProviderError> {
        Ok(lock(&self.0)
            .iter()
            .filter(|((p, k), _)| *p == provider.as_str() && k.starts_with(prefix))
            .map(|(_, v)| v.clone())
            .collect())
    }
}
