//! A story as get_task, cancel_task and a restart see it: its progress across
//! the clips from the journal, a wait that follows the clips, cancelling, and
//! resuming the stories an earlier run left unfinished.

use std::{path::PathBuf, time::Duration};

use tokio::time::Instant;

use super::{ClipTask, StoryPlan, StoryProgress, run::STITCH_FAILED, run::clip_index};
use crate::{
    clock,
    domain::{Amount, OutputKind, TaskStatus},
    journal::Entry,
    service::{
        GetTaskOutput, PROGRESS_EVERY, Service, TaskSummary, ToolError, ToolErrorKind,
        WaitProgress, Waiting,
    },
};

impl Service {
    /// The story's row when `task_id` names a story of this provider.
    pub(crate) async fn story_entry(&self, task_id: &str) -> Result<Option<Entry>, ToolError> {
        if !task_id.starts_with("story-") {
            return Ok(None);
        }
        Ok(self
            .journal
            .story(self.provider.id(), task_id.to_owned())
            .await?
            .filter(|story| self.sees(story)))
    }

    /// get_task about a story: one step at once, then (with a wait) follows the
    /// background driver until the story ends or the wait is over.
    pub(crate) async fn story_waiting(
        &self,
        story: Entry,
        waiting: Waiting<'_>,
    ) -> Result<GetTaskOutput, ToolError> {
        let story_id = story.task_id.clone().unwrap_or_default();
        let started = Instant::now();
        let deadline = started + waiting.up_to;
        if !story.status.is_none_or(TaskStatus::is_terminal) {
            self.drive_story(story_id.clone());
            if waiting.up_to.is_zero() {
                if let Err(e) = self.story_step_alone(&story_id).await {
                    tracing::warn!(story_id, error = %e, "a story step failed");
                }
            } else {
                self.story_poke.notify_waiters();
            }
        }
        loop {
            let output = self.story_output(&story_id).await?;
            let now = Instant::now();
            if output.finished || now >= deadline || waiting.cancel.is_cancelled() {
                return Ok(output);
            }
            if let Some(sink) = waiting.progress {
                // The whole story's age against all its clips' usual time.
                let clips = output.story.as_ref().map_or(1, |s| s.clips.max(1));
                let typical = self.provider.typical_duration(OutputKind::Video) * clips;
                let age = clock::parse_utc(&story.created_at)
                    .map(|t| (clock::unix_now() - t).max(0) as u64)
                    .unwrap_or(0);
                let part = output
                    .story
                    .as_ref()
                    .and_then(|s| s.current_clip.map(|k| format!("clip {k} of {}", s.clips)));
                let progress = WaitProgress {
                    status: output.status,
                    age: Duration::from_secs(age),
                    typical,
                    waited: started.elapsed(),
                    up_to: waiting.up_to,
                    trouble: None,
                    part,
                };
                sink.report(&progress).await;
            }
            let slice = (deadline - now).min(PROGRESS_EVERY);
            tokio::select! {
                () = tokio::time::sleep(slice) => {}
                () = self.story_changed.notified() => {}
                () = waiting.cancel.cancelled() => {}
            }
        }
    }

    /// A story as an MCP task sees it (`tasks/get`): the journal's word, never a
    /// provider request, since the background driver (kept running here) asks the
    /// provider on its own schedule; looking again after `next_look` may bring news.
    pub async fn look_at_story(
        &self,
        story_id: &str,
    ) -> Result<crate::service::TaskLook, ToolError> {
        let Some(story) = self.story_entry(story_id).await? else {
            return Err(ToolError::new(
                ToolErrorKind::NotFound,
                format!(
                    "no story \"{story_id}\" in this machine's journal; list_tasks shows the tasks it has"
                ),
            ));
        };
        if !story.status.is_none_or(TaskStatus::is_terminal) {
            self.drive_story(story_id.to_owned());
        }
        Ok(crate::service::TaskLook {
            output: self.story_output(story_id).await?,
            next_look: PROGRESS_EVERY,
            created_at: story.created_at,
        })
    }

    /// The story as the journal has it now.
    async fn story_output(&self, story_id: &str) -> Result<GetTaskOutput, ToolError> {
        let story = self
            .journal
            .story(self.provider.id(), story_id.to_owned())
            .await?
            .ok_or_else(|| {
                ToolError::new(ToolErrorKind::NotFound, format!("no story {story_id} here"))
            })?;
        let plan: Option<StoryPlan> = serde_json::from_str(&story.request_json).ok();
        let count = plan.as_ref().map_or(0, |p| p.params.clips.len());
        let rows = self.journal.story_clips(story_id.to_owned()).await?;
        let mut clips: Vec<ClipTask> = Vec::with_capacity(count);
        let mut price: Option<Amount> = None;
        for index in 0..count {
            let row = rows.iter().rev().find(|r| clip_index(r) == Some(index));
            let Some(row) = row else { break };
            price = match (price, &row.price) {
                (None, Some(p)) => Some(p.clone()),
                (Some(sum), Some(p)) if sum.unit == p.unit => {
                    Some(Amount::new(sum.amount + p.amount, sum.unit))
                }
                (sum, _) => sum,
            };
            clips.push(ClipTask {
                task_id: row.task_id.clone(),
                status: row.status,
                local_files: row.local_files.clone(),
            });
        }
        let status = story.status.unwrap_or(TaskStatus::Queued);
        let finished = status.is_terminal();
        let current = (!finished).then(|| {
            clips
                .iter()
                .position(|c| c.status != Some(TaskStatus::Succeeded))
                .unwrap_or(clips.len().min(count.saturating_sub(1)))
                + 1
        });
        let stitched = story
            .local_files
            .first()
            .filter(|_| status == TaskStatus::Succeeded)
            .filter(|_| {
                !story
                    .error
                    .as_deref()
                    .is_some_and(|e| e.starts_with(STITCH_FAILED))
            })
            .cloned();
        let next_step =
            story_next_step(story_id, status, current, count, &story, stitched.as_ref());
        Ok(GetTaskOutput {
            task_id: story_id.to_owned(),
            provider: self.provider.id(),
            simulated: self.simulated(),
            status,
            finished,
            result_urls: Vec::new(),
            local_files: if status == TaskStatus::Succeeded {
                story.local_files.clone()
            } else {
                Vec::new()
            },
            resource_uris: if status == TaskStatus::Succeeded {
                (1..=story.local_files.len())
                    .map(|n| crate::service::resources::resource_uri(story.local_id, n))
                    .collect()
            } else {
                Vec::new()
            },
            download_urls: Vec::new(),
            last_frame_url: None,
            download_error: None,
            failure: None,
            progress: story.error.clone().filter(|_| !finished),
            price,
            // The clips' own answers say what each refunded.
            refunded: None,
            urls_expire_at: None,
            seed: None,
            usage_tokens: None,
            poll_after_seconds: (!finished).then(|| self.poll_after_seconds()),
            provider_status: None,
            provider_trouble: None,
            result: None,
            story: Some(StoryProgress {
                clips: count as u32,
                current_clip: current.map(|k| k as u32),
                clip_tasks: clips,
                stitched_file: stitched,
            }),
            next_step,
        })
    }

    /// cancel_task of a story: no further clip is submitted, and the clip under
    /// way is cancelled where the provider can (else it finishes and is billed).
    pub(crate) async fn cancel_story(&self, story: Entry) -> Result<TaskSummary, ToolError> {
        let story_id = story.task_id.clone().unwrap_or_default();
        if story.status.is_none_or(TaskStatus::is_terminal) {
            return Err(ToolError::new(
                ToolErrorKind::NotCancellable,
                format!(
                    "Story \"{story_id}\" is already {}; there is nothing to cancel.",
                    story.status.map_or("finished", TaskStatus::as_str)
                ),
            ));
        }
        // Taken with the step lock, so no clip is being submitted as it ends.
        let running = {
            let _alone = self.story_steps.lock().await;
            let rows = self.journal.story_clips(story_id.clone()).await?;
            let running = rows
                .iter()
                .rev()
                .find(|r| r.task_id.is_some() && !r.status.is_some_and(TaskStatus::is_terminal))
                .and_then(|r| r.task_id.clone());
            let note = Some("cancelled on request; no further clip is submitted".to_owned());
            self.journal
                .update_story(story_id.clone(), TaskStatus::Cancelled, Vec::new(), note)
                .await?;
            running
        };
        self.story_changed.notify_waiters();
        let clip_note = match running {
            None => String::new(),
            Some(task_id) if self.provider.capabilities().cancel => {
                match self.cancel_provider_task(&task_id).await {
                    Ok(_) => format!(" Its running clip {task_id} was cancelled too."),
                    Err(e) => format!(" Its clip {task_id} goes on: {}", e.message),
                }
            }
            Some(task_id) => format!(
                " Its clip {task_id} cannot be stopped through {}'s API; it finishes and is billed.",
                self.provider.id()
            ),
        };
        let row = self
            .journal
            .story(self.provider.id(), story_id.clone())
            .await?
            .ok_or_else(|| ToolError::new(ToolErrorKind::JournalError, "the story vanished"))?;
        let mut summary = super::super::tasks::summary(row);
        summary.note = Some(format!("{}{clip_note}", summary.note.unwrap_or_default()));
        Ok(summary)
    }

    /// After a restart: carries on with every story an earlier run left unfinished.
    pub(crate) async fn resume_stories(&self) -> Result<usize, ToolError> {
        let stories = self.journal.unfinished_stories(self.provider.id()).await?;
        let count = stories.len();
        for story in stories {
            if let Some(id) = story.task_id {
                tracing::info!(story_id = %id, "resuming a story");
                self.for_user(story.owner.as_deref()).drive_story(id);
            }
        }
        Ok(count)
    }
}

fn story_next_step(
    story_id: &str,
    status: TaskStatus,
    current: Option<usize>,
    count: usize,
    story: &Entry,
    stitched: Option<&PathBuf>,
) -> String {
    match (status, stitched) {
        (TaskStatus::Succeeded, Some(file)) => format!(
            "Done. The whole story is one file: {}. Give the user that path; the clips are in story.clip_tasks.",
            file.display()
        ),
        (TaskStatus::Succeeded, None) => format!(
            "Every clip is done. {} Give the user the clip files in order (local_files).",
            story.error.as_deref().unwrap_or_default()
        ),
        (TaskStatus::Queued | TaskStatus::Running, _) => format!(
            "Clip {} of {count} is under way. Call get_task with task_id \"{story_id}\" and wait_seconds 45 \
             again; do not submit again.",
            current.unwrap_or(1)
        ),
        (TaskStatus::Cancelled, _) => {
            "Cancelled; no further clip will be made. Finished clips are in story.clip_tasks."
                .to_owned()
        }
        _ => format!(
            "The story stopped. {} Finished clips are in story.clip_tasks; to go on, submit a story of the \
             remaining clips (its first clip can start from the last finished clip's frame).",
            story.error.as_deref().unwrap_or("No reason was recorded.")
        ),
    }
}
