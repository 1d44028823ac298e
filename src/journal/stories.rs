//! Stories in the journal: a story (`submit_story`) is one row of its own, and
//! each of its clips an ordinary submission row naming the story and its place.
//!
//! Clip rows go through the same claim as any create (`Journal::claim`), keyed by
//! a fingerprint unique to the story and the clip, so however many drivers look
//! at a story (a restart, a second process), each clip is created at most once.

use std::path::PathBuf;

use rusqlite::params;

use super::{COLUMNS, Entry, Journal, JournalError, entry};
use crate::domain::{ProviderId, TaskStatus};

/// What a row is to a story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoryPart {
    /// The story itself; its id is also the row's task id.
    Whole {
        /// The story's id.
        story_id: String,
    },
    /// One of its clips.
    Clip {
        /// The story's id.
        story_id: String,
        /// From 0, in story order.
        index: u32,
    },
}

/// The SQL condition that picks story rows (as opposed to tasks and clips).
pub(in crate::journal) const STORY_ROW: &str = "(story_id IS NOT NULL AND clip_index IS NULL)";

/// The `story_id` and `clip_index` columns of a row.
pub(in crate::journal) fn columns(part: Option<&StoryPart>) -> (Option<&str>, Option<u32>) {
    match part {
        None => (None, None),
        Some(StoryPart::Whole { story_id }) => (Some(story_id), None),
        Some(StoryPart::Clip { story_id, index }) => (Some(story_id), Some(*index)),
    }
}

/// A row's part in a story, from its columns.
pub(in crate::journal) fn part(
    story_id: Option<String>,
    clip_index: Option<u32>,
) -> Option<StoryPart> {
    let story_id = story_id?;
    Some(match clip_index {
        None => StoryPart::Whole { story_id },
        Some(index) => StoryPart::Clip { story_id, index },
    })
}

impl Journal {
    /// The story's row, when `story_id` names a story of this provider.
    pub async fn story(
        &self,
        provider: ProviderId,
        story_id: String,
    ) -> Result<Option<Entry>, JournalError> {
        if let Some(pg) = self.postgres() {
            return pg.story(provider, &story_id).await;
        }
        self.run(move |c| {
            let mut statement = c.prepare(&format!(
                "SELECT {COLUMNS} FROM submissions WHERE provider = ?1 AND task_id = ?2 AND {STORY_ROW}"
            ))?;
            let mut rows = statement.query_map(params![provider.as_str(), story_id], entry)?;
            rows.next().transpose()
        })
        .await
    }

    /// The rows of a story's clips, in story order; a clip refused and claimed
    /// again has several rows, the newest last.
    pub async fn story_clips(&self, story_id: String) -> Result<Vec<Entry>, JournalError> {
        if let Some(pg) = self.postgres() {
            return pg.story_clips(&story_id).await;
        }
        self.run(move |c| {
            let mut statement = c.prepare(&format!(
                "SELECT {COLUMNS} FROM submissions WHERE story_id = ?1 AND clip_index IS NOT NULL \
                 ORDER BY clip_index, local_id"
            ))?;
            let rows = statement.query_map(params![story_id], entry)?;
            rows.collect()
        })
        .await
    }

    /// Stories of this provider not yet finished, to resume after a restart.
    pub async fn unfinished_stories(
        &self,
        provider: ProviderId,
    ) -> Result<Vec<Entry>, JournalError> {
        if let Some(pg) = self.postgres() {
            return pg.unfinished_stories(provider).await;
        }
        self.run(move |c| {
            let mut statement = c.prepare(&format!(
                "SELECT {COLUMNS} FROM submissions WHERE provider = ?1 AND {STORY_ROW} \
                 AND status IN ('queued', 'running') ORDER BY local_id"
            ))?;
            let rows = statement.query_map(params![provider.as_str()], entry)?;
            rows.collect()
        })
        .await
    }

    /// What the story still holds against the daily budget: the estimates of
    /// its clips not yet claimed.
    pub async fn hold_for_story(&self, story_id: String, amount: f64) -> Result<(), JournalError> {
        if let Some(pg) = self.postgres() {
            return pg.hold_for_story(&story_id, amount).await;
        }
        self.run(move |c| {
            c.execute(
                &format!(
                    "UPDATE submissions SET estimate_amount = ?2 WHERE task_id = ?1 AND {STORY_ROW}"
                ),
                params![story_id, amount],
            )?;
            Ok(())
        })
        .await
    }

    /// Stores where a story stands. A story already finished keeps its ending:
    /// a cancel and a last clip finishing at once cannot undo each other. An
    /// ending releases what the story held against the budget.
    pub async fn update_story(
        &self,
        story_id: String,
        status: TaskStatus,
        local_files: Vec<PathBuf>,
        note: Option<String>,
    ) -> Result<(), JournalError> {
        if let Some(pg) = self.postgres() {
            return pg
                .update_story(&story_id, status, &local_files, note.as_deref())
                .await;
        }
        let now = crate::clock::now_rfc3339();
        self.run(move |c| {
            let files = serde_json::to_string(&local_files).unwrap_or_else(|_| "[]".into());
            c.execute(
                &format!(
                    "UPDATE submissions SET status = ?2, local_files = ?3, error = ?4, updated_at = ?5, \
                     estimate_amount = CASE WHEN ?2 IN ('queued', 'running') THEN estimate_amount ELSE 0 END \
                     WHERE task_id = ?1 AND {STORY_ROW} AND status IN ('queued', 'running')"
                ),
                params![story_id, status.as_str(), files, note, now],
            )?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        domain::TaskFacts,
        journal::{Claim, NewSubmission},
    };

    fn row(story: StoryPart, fingerprint: &str, created_as: Option<&str>) -> NewSubmission {
        NewSubmission {
            provider: crate::domain::test_id("sim"),
            submission_key: format!("key-{fingerprint}"),
            fingerprint: fingerprint.into(),
            request_json: "{}".into(),
            prompt: "p".into(),
            model: "m".into(),
            facts: TaskFacts::default(),
            estimate: None,
            story: Some(story),
            created_as: created_as.map(str::to_owned),
            owner: None,
            owner_budget: None,
        }
    }

    #[tokio::test]
    async fn a_story_row_is_kept_apart_from_tasks_and_its_clips_are_claimed_once() {
        for place in crate::journal::tests::places().await {
            let journal = place.open().await;
            let sim = crate::domain::test_id("sim");
            let whole = StoryPart::Whole {
                story_id: "story-1".into(),
            };
            journal
                .claim(row(whole.clone(), "s", Some("story-1")), None)
                .await
                .unwrap();
            let clip = StoryPart::Clip {
                story_id: "story-1".into(),
                index: 0,
            };
            let first = journal
                .claim(row(clip.clone(), "story-1/clip/0", None), Some(0))
                .await
                .unwrap();
            assert!(matches!(first, Claim::Claimed(_)));
            // The same clip again (a restart, a second driver) finds the first claim.
            let again = journal
                .claim(row(clip.clone(), "story-1/clip/0", None), Some(0))
                .await
                .unwrap();
            assert!(matches!(again, Claim::Duplicate(_)));

            let story = journal.story(sim, "story-1".into()).await.unwrap().unwrap();
            assert_eq!(
                (story.story, story.status),
                (Some(whole), Some(TaskStatus::Queued))
            );
            let clips = journal.story_clips("story-1".into()).await.unwrap();
            assert_eq!(clips.len(), 1);
            assert_eq!(clips[0].story, Some(clip));
            // The provider is never asked about the story itself after a restart.
            let unfinished = journal.unfinished(sim).await.unwrap();
            assert_eq!(unfinished.len(), 1, "only the clip: {unfinished:?}");
            assert_eq!(journal.unfinished_stories(sim).await.unwrap().len(), 1);

            // An ended story keeps its ending.
            journal
                .update_story("story-1".into(), TaskStatus::Cancelled, vec![], None)
                .await
                .unwrap();
            journal
                .update_story("story-1".into(), TaskStatus::Succeeded, vec![], None)
                .await
                .unwrap();
            let story = journal.story(sim, "story-1".into()).await.unwrap().unwrap();
            assert_eq!(story.status, Some(TaskStatus::Cancelled));
            assert!(journal.unfinished_stories(sim).await.unwrap().is_empty());
        }
    }
}
