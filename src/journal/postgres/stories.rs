//! Stories on PostgreSQL: the same rows and answers as on SQLite (see
//! `crate::journal::stories`, which owns what a story row is).

use std::path::PathBuf;

use super::{COLUMNS, PgJournal};
use crate::{
    domain::{ProviderId, TaskStatus},
    journal::{Entry, JournalError, stories::STORY_ROW},
};

impl PgJournal {
    /// See [`crate::journal::Journal::story`].
    pub(in crate::journal) async fn story(
        &self,
        provider: ProviderId,
        story_id: &str,
    ) -> Result<Option<Entry>, JournalError> {
        self.entry_opt(
                &format!(
                    "SELECT {COLUMNS} FROM submissions WHERE provider = $1 AND task_id = $2 AND {STORY_ROW}"
                ),
                &[&provider.as_str(), &story_id],
        )
        .await
    }

    /// See [`crate::journal::Journal::story_clips`].
    pub(in crate::journal) async fn story_clips(
        &self,
        story_id: &str,
    ) -> Result<Vec<Entry>, JournalError> {
        self.entries(
            &format!(
                "SELECT {COLUMNS} FROM submissions WHERE story_id = $1 AND clip_index IS NOT NULL \
                     ORDER BY clip_index, local_id"
            ),
            &[&story_id],
        )
        .await
    }

    /// See [`crate::journal::Journal::unfinished_stories`].
    pub(in crate::journal) async fn unfinished_stories(
        &self,
        provider: ProviderId,
    ) -> Result<Vec<Entry>, JournalError> {
        self.entries(
            &format!(
                "SELECT {COLUMNS} FROM submissions WHERE provider = $1 AND {STORY_ROW} \
                     AND status IN ('queued', 'running') ORDER BY local_id"
            ),
            &[&provider.as_str()],
        )
        .await
    }

    /// See [`crate::journal::Journal::hold_for_story`].
    pub(in crate::journal) async fn hold_for_story(
        &self,
        story_id: &str,
        amount: f64,
    ) -> Result<(), JournalError> {
        self.cached_execute(
            &format!(
                "UPDATE submissions SET estimate_amount = $2 WHERE task_id = $1 AND {STORY_ROW}"
            ),
            &[&story_id, &amount],
        )
        .await?;
        Ok(())
    }

    /// See [`crate::journal::Journal::update_story`].
    pub(in crate::journal) async fn update_story(
        &self,
        story_id: &str,
        status: TaskStatus,
        local_files: &[PathBuf],
        note: Option<&str>,
    ) -> Result<(), JournalError> {
        let files = serde_json::to_string(local_files).unwrap_or_else(|_| "[]".into());
        self.cached_execute(
                &format!(
                    "UPDATE submissions SET status = $2, local_files = $3, error = $4, updated_at = $5, \
                     estimate_amount = CASE WHEN $2 IN ('queued', 'running') THEN estimate_amount ELSE 0 END \
                     WHERE task_id = $1 AND {STORY_ROW} AND status IN ('queued', 'running')"
                ),
                &[&story_id, &status.as_str(), &files, &note, &crate::clock::now_rfc3339()],
            )
            .await?;
        Ok(())
    }
}
