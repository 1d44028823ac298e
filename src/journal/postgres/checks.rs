//! Shared status checks on PostgreSQL (see `crate::journal::checks`, which owns
//! the rules; the statements here are the same, in PostgreSQL's words).

use super::PgJournal;
use crate::{
    domain::ProviderId,
    journal::{
        JournalError,
        checks::{CheckAnswer, RawCheck, SharedCheck, snapshot_json},
    },
};

impl PgJournal {
    /// See [`crate::journal::Journal::shared_check`].
    pub(in crate::journal) async fn shared_check(
        &self,
        provider: ProviderId,
        task_id: &str,
    ) -> Result<Option<SharedCheck>, JournalError> {
        let row = self
            .cached_query_opt(
                "SELECT snapshot, checked_ms, due_ms, checked_by, lease_holder, lease_until_ms \
                 FROM task_checks WHERE provider = $1 AND task_id = $2",
                &[&provider.as_str(), &task_id],
            )
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        RawCheck {
            snapshot: row.try_get("snapshot")?,
            checked_ms: row.try_get("checked_ms")?,
            due_ms: row.try_get("due_ms")?,
            checked_by: row.try_get("checked_by")?,
            lease_holder: row.try_get("lease_holder")?,
            lease_until_ms: row.try_get("lease_until_ms")?,
        }
        .read()
        .map(Some)
    }

    /// See [`crate::journal::Journal::take_check_lease`]: one upsert, which
    /// PostgreSQL runs under the row's lock, so two replicas never both win.
    pub(in crate::journal) async fn take_check_lease(
        &self,
        provider: ProviderId,
        task_id: &str,
        holder: &str,
        last_checked_ms: Option<i64>,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<bool, JournalError> {
        let changed = self.cached_execute(
                "INSERT INTO task_checks (provider, task_id, lease_holder, lease_until_ms) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (provider, task_id) DO UPDATE SET \
                 lease_holder = EXCLUDED.lease_holder, lease_until_ms = EXCLUDED.lease_until_ms \
                 WHERE (task_checks.lease_holder IS NULL OR task_checks.lease_holder = EXCLUDED.lease_holder \
                 OR task_checks.lease_until_ms <= $5) \
                 AND task_checks.checked_ms IS NOT DISTINCT FROM $6::bigint",
                &[
                    &provider.as_str(),
                    &task_id,
                    &holder,
                    &until_ms,
                    &now_ms,
                    &last_checked_ms,
                ],
            )
            .await?;
        Ok(changed == 1)
    }

    /// See [`crate::journal::Journal::store_check`].
    pub(in crate::journal) async fn store_check(
        &self,
        provider: ProviderId,
        answer: &CheckAnswer,
    ) -> Result<(), JournalError> {
        let snapshot = snapshot_json(&answer.snapshot)?;
        self.cached_execute(
                "INSERT INTO task_checks (provider, task_id, snapshot, checked_ms, due_ms, checked_by) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (provider, task_id) DO UPDATE SET \
                 snapshot = CASE WHEN task_checks.checked_ms IS NULL OR task_checks.checked_ms <= EXCLUDED.checked_ms \
                     THEN EXCLUDED.snapshot ELSE task_checks.snapshot END, \
                 due_ms = CASE WHEN task_checks.checked_ms IS NULL OR task_checks.checked_ms <= EXCLUDED.checked_ms \
                     THEN EXCLUDED.due_ms ELSE task_checks.due_ms END, \
                 checked_by = CASE WHEN task_checks.checked_ms IS NULL OR task_checks.checked_ms <= EXCLUDED.checked_ms \
                     THEN EXCLUDED.checked_by ELSE task_checks.checked_by END, \
                 checked_ms = GREATEST(task_checks.checked_ms, EXCLUDED.checked_ms), \
                 lease_until_ms = CASE WHEN task_checks.lease_holder = EXCLUDED.checked_by \
                     THEN NULL ELSE task_checks.lease_until_ms END, \
                 lease_holder = CASE WHEN task_checks.lease_holder = EXCLUDED.checked_by \
                     THEN NULL ELSE task_checks.lease_holder END",
                &[
                    &provider.as_str(),
                    &answer.snapshot.task_id,
                    &snapshot,
                    &answer.checked_ms,
                    &answer.due_ms,
                    &answer.checked_by,
                ],
            )
            .await?;
        Ok(())
    }

    /// See [`crate::journal::Journal::release_check_lease`].
    pub(in crate::journal) async fn release_check_lease(
        &self,
        provider: ProviderId,
        task_id: &str,
        holder: &str,
    ) -> Result<(), JournalError> {
        self.cached_execute(
            "UPDATE task_checks SET lease_holder = NULL, lease_until_ms = NULL \
                 WHERE provider = $1 AND task_id = $2 AND lease_holder = $3",
            &[&provider.as_str(), &task_id, &holder],
        )
        .await?;
        Ok(())
    }
}
