//! Orphaned submissions on PostgreSQL: the same look and claim as on SQLite (see
//! `crate::journal::orphans`, which owns what an orphan is). Under READ COMMITTED
//! a second replica's claim waits for the first one's row lock, then finds the
//! row no longer matches (its clock was restarted) and changes nothing.

use super::{COLUMNS, PgJournal};
use crate::{
    domain::ProviderId,
    journal::{Entry, JournalError, orphans::orphan_condition},
};

impl PgJournal {
    /// See [`crate::journal::Journal::orphans`].
    pub(in crate::journal) async fn orphans(
        &self,
        provider: ProviderId,
        sent_before_unix: i64,
        stale_unix: i64,
    ) -> Result<Vec<Entry>, JournalError> {
        self.entries(
            &format!(
                "SELECT {COLUMNS} FROM submissions WHERE provider = $1 AND {} ORDER BY local_id",
                orphan_condition("$2", "$3")
            ),
            &[&provider.as_str(), &sent_before_unix, &stale_unix],
        )
        .await
    }

    /// See [`crate::journal::Journal::heartbeat`].
    pub(in crate::journal) async fn heartbeat(
        &self,
        sender: &str,
        now_unix: i64,
    ) -> Result<(), JournalError> {
        self.cached_execute(
            "INSERT INTO senders (id, seen_unix) VALUES ($1, $2) \
                 ON CONFLICT (id) DO UPDATE SET seen_unix = EXCLUDED.seen_unix",
            &[&sender, &now_unix],
        )
        .await?;
        Ok(())
    }

    /// See [`crate::journal::Journal::claim_orphan`].
    pub(in crate::journal) async fn claim_orphan(
        &self,
        local_id: i64,
        sent_before_unix: i64,
        now_unix: i64,
        stale_unix: i64,
        sender: &str,
    ) -> Result<bool, JournalError> {
        let changed = self.cached_execute(
                &format!(
                    "UPDATE submissions SET claimed_unix = $3, sender = $5 WHERE local_id = $1 AND {}",
                    orphan_condition("$2", "$4")
                ),
                &[&local_id, &sent_before_unix, &now_unix, &stale_unix, &sender],
            )
            .await?;
        Ok(changed == 1)
    }

    /// See [`crate::journal::Journal::unknown_outcomes`] (`sql` is its query).
    pub(in crate::journal) async fn unknown_outcomes(
        &self,
        sql: &str,
        provider: ProviderId,
        created_after_unix: i64,
        retry_before_unix: i64,
    ) -> Result<Vec<Entry>, JournalError> {
        self.entries(
            sql,
            &[&provider.as_str(), &created_after_unix, &retry_before_unix],
        )
        .await
    }

    /// See [`crate::journal::Journal::claim_unknown`] (`sql` is its update).
    pub(in crate::journal) async fn claim_unknown(
        &self,
        sql: &str,
        local_id: i64,
        created_after_unix: i64,
        retry_before_unix: i64,
        now_unix: i64,
    ) -> Result<bool, JournalError> {
        let changed = self
            .cached_execute(
                sql,
                &[
                    &local_id,
                    &created_after_unix,
                    &retry_before_unix,
                    &now_unix,
                ],
            )
            .await?;
        Ok(changed == 1)
    }
}
