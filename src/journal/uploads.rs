//! The upload cache: which file contents (by SHA-256) a provider already hosts,
//! and at which URL, so the same file is not uploaded twice.

use rusqlite::{OptionalExtension, params};

use super::{Journal, JournalError};
use crate::{clock::unix_now, domain::ProviderId};

impl Journal {
    /// The URL `provider` hosts this content at, if it was uploaded since `since_unix`.
    pub async fn cached_upload(
        &self,
        provider: ProviderId,
        sha256: String,
        since_unix: i64,
    ) -> Result<Option<String>, JournalError> {
        if let Some(pg) = self.postgres() {
            return pg.cached_upload(provider, sha256, since_unix).await;
        }
        self.run(move |c| {
            c.query_row(
                "SELECT url FROM uploads WHERE provider = ?1 AND sha256 = ?2 AND created_unix >= ?3",
                params![provider.as_str(), sha256, since_unix],
                |row| row.get(0),
            )
            .optional()
        })
        .await
    }

    /// Remembers an upload (a newer one of the same content replaces it).
    pub async fn record_upload(
        &self,
        provider: ProviderId,
        sha256: String,
        url: String,
        size: u64,
    ) -> Result<(), JournalError> {
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        if let Some(pg) = self.postgres() {
            return pg.record_upload(provider, sha256, url, size).await;
        }
        self.run(move |c| {
            c.execute(
                "INSERT OR REPLACE INTO uploads (provider, sha256, url, size, created_unix) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![provider.as_str(), sha256, url, size, unix_now()],
            )?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_upload_is_found_by_provider_and_content_until_it_is_too_old() {
        for place in crate::journal::tests::places().await {
            let journal = place.open().await;
            let sha = "ab".repeat(32);
            let cached = |p, since| journal.cached_upload(p, sha.clone(), since);
            assert_eq!(
                cached(crate::domain::test_id("xskill"), 0).await.unwrap(),
                None
            );
            journal
                .record_upload(
                    crate::domain::test_id("xskill"),
                    sha.clone(),
                    "https://cdn/1.png".into(),
                    10,
                )
                .await
                .unwrap();
            assert_eq!(
                cached(crate::domain::test_id("xskill"), 0)
                    .await
                    .unwrap()
                    .as_deref(),
                Some("https://cdn/1.png")
            );
            assert_eq!(
                cached(crate::domain::test_id("sim"), 0).await.unwrap(),
                None
            );
            assert_eq!(
                cached(crate::domain::test_id("xskill"), unix_now() + 10)
                    .await
                    .unwrap(),
                None
            );
        }
    }
}
