//! The backends' own state on PostgreSQL (see `crate::journal::provider_state`).

use super::PgJournal;
use crate::{domain::ProviderId, journal::JournalError};

impl PgJournal {
    /// The value under `key`, if any.
    pub(in crate::journal) async fn state(
        &self,
        provider: ProviderId,
        key: &str,
    ) -> Result<Option<String>, JournalError> {
        let row = self
            .cached_query_opt(
                "SELECT value FROM provider_state WHERE provider = $1 AND key = $2",
                &[&provider.as_str(), &key],
            )
            .await?;
        Ok(row.map(|r| r.try_get("value")).transpose()?)
    }

    /// Stores `value` under `key`, replacing what was there.
    pub(in crate::journal) async fn put_state(
        &self,
        provider: ProviderId,
        key: &str,
        value: &str,
    ) -> Result<(), JournalError> {
        self.cached_execute(
            "INSERT INTO provider_state (provider, key, value) VALUES ($1, $2, $3) \
                 ON CONFLICT (provider, key) DO UPDATE SET value = EXCLUDED.value",
            &[&provider.as_str(), &key, &value],
        )
        .await?;
        Ok(())
    }

    /// Every value whose key starts with `prefix`, in key order.
    pub(in crate::journal) async fn state_values(
        &self,
        provider: ProviderId,
        prefix: &str,
    ) -> Result<Vec<String>, JournalError> {
        // `left` rather than LIKE: a key may hold `%` or `_`.
        let rows = self
            .cached_query(
                "SELECT value FROM provider_state WHERE provider = $1 \
                 AND left(key, length($2)) = $2 ORDER BY key",
                &[&provider.as_str(), &prefix],
            )
            .await?;
        rows.iter().map(|r| Ok(r.try_get("value")?)).collect()
    }
}
