//! The journal as a backend's [`StateStore`]: values any process on the same data
//! folder (or, on PostgreSQL, any replica) reads back, in the `provider_state` table.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::{Journal, JournalError};
use crate::{domain::ProviderId, error::ProviderError, providers::state::StateStore};

/// A journal that cannot be read is the backend's failure to answer.
fn failed(provider: ProviderId, e: &JournalError) -> ProviderError {
    ProviderError::Upstream {
        provider,
        status: None,
        message: e.to_string(),
    }
}

#[async_trait]
impl StateStore for Journal {
    async fn get(&self, provider: ProviderId, key: &str) -> Result<Option<String>, ProviderError> {
        if let Some(pg) = self.postgres() {
            return pg
                .state(provider, key)
                .await
                .map_err(|e| failed(provider, &e));
        }
        let key = key.to_owned();
        self.run(move |c| {
            c.query_row(
                "SELECT value FROM provider_state WHERE provider = ?1 AND key = ?2",
                params![provider.as_str(), key],
                |row| row.get(0),
            )
            .optional()
        })
        .await
        .map_err(|e| failed(provider, &e))
    }

    async fn put(
        &self,
        provider: ProviderId,
        key: &str,
        value: String,
    ) -> Result<(), ProviderError> {
        if let Some(pg) = self.postgres() {
            return pg
                .put_state(provider, key, &value)
                .await
                .map_err(|e| failed(provider, &e));
        }
        let key = key.to_owned();
        self.run(move |c| {
            c.execute(
                "INSERT OR REPLACE INTO provider_state (provider, key, value) VALUES (?1, ?2, ?3)",
                params![provider.as_str(), key, value],
            )?;
            Ok(())
        })
        .await
        .map_err(|e| failed(provider, &e))
    }

    async fn values(
        &self,
        provider: ProviderId,
        prefix: &str,
    ) -> Result<Vec<String>, ProviderError> {
        if let Some(pg) = self.postgres() {
            return pg
                .state_values(provider, prefix)
                .await
                .map_err(|e| failed(provider, &e));
        }
        // `substr` rather than LIKE: a key may hold `%` or `_`.
        let prefix = prefix.to_owned();
        self.run(move |c| {
            let mut statement = c.prepare(
                "SELECT value FROM provider_state WHERE provider = ?1 \
                 AND substr(key, 1, length(?2)) = ?2 ORDER BY key",
            )?;
            let rows = statement.query_map(params![provider.as_str(), prefix], |row| row.get(0))?;
            rows.collect()
        })
        .await
        .map_err(|e| failed(provider, &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_outlive_the_handle_and_stay_with_their_provider() {
        for place in crate::journal::tests::places().await {
            let sim = crate::domain::test_id("sim");
            let other = crate::domain::test_id("xskill");
            let journal = place.open().await;
            journal.put(sim, "task/1", "one".into()).await.unwrap();
            journal.put(sim, "task/1", "uno".into()).await.unwrap();
            journal.put(sim, "task/2", "two".into()).await.unwrap();
            journal.put(sim, "upload/x", "bytes".into()).await.unwrap();
            journal.put(other, "task/3", "three".into()).await.unwrap();
            drop(journal);
            let journal = place.open().await;
            assert_eq!(
                journal.get(sim, "task/1").await.unwrap().as_deref(),
                Some("uno")
            );
            assert_eq!(journal.get(sim, "task/3").await.unwrap(), None);
            assert_eq!(journal.values(sim, "task/").await.unwrap(), ["uno", "two"]);
        }
    }
}
