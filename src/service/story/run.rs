//! Making a story's clips: one step at a time, from what the journal says.
//!
//! Each step reads the story and its clip rows and does the one thing due: submit
//! the next clip (through the same claim as any create, so a clip whose create may
//! have happened is never sent again), ask about the running clip, or join the
//! finished clips. Nothing is kept in memory that the journal does not have, so a
//! restarted server (`Service::reconcile`) carries on where the last one stopped.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use super::{FrameSource, StoryPlan};
use crate::{
    domain::TaskStatus,
    journal::{Entry, StoryPart, SubmitState},
    service::{Service, ToolError, ToolErrorKind, media::LocalScope},
};

/// How long a driver waits after a step that could not be done (the journal or
/// the provider did not answer) before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(30);

/// Steps in a row that may fail before a driver gives up (a later get_task or
/// restart starts another).
const MAX_FAILED_STEPS: u32 = 20;

/// What a step left to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// Look again after this long.
    Again(Duration),
    /// The story has ended.
    Done,
}

/// A finished clip, as the next clip and the join need it.
#[derive(Debug, Clone)]
struct MadeClip {
    task_id: String,
    files: Vec<PathBuf>,
}

impl MadeClip {
    fn video(&self) -> Option<&Path> {
        self.files
            .iter()
            .map(PathBuf::as_path)
            .find(|f| has_extension(f, &["mp4", "mov", "webm"]))
    }

    fn frame(&self) -> Option<&Path> {
        self.files
            .iter()
            .map(PathBuf::as_path)
            .find(|f| has_extension(f, &["png", "jpg", "jpeg", "webp"]))
    }
}

fn has_extension(path: &Path, wanted: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| wanted.iter().any(|w| w.eq_ignore_ascii_case(e)))
}

impl Service {
    /// Makes the story's clips in the background until it ends, unless this
    /// process already does.
    pub(crate) fn drive_story(&self, story_id: String) {
        if !crate::sync::lock(&self.stories_driven).insert(story_id.clone()) {
            return;
        }
        let service = self.clone();
        tokio::spawn(async move {
            let mut failures = 0;
            loop {
                let wait = match service.story_step_alone(&story_id).await {
                    Ok(Step::Done) => break,
                    Ok(Step::Again(wait)) => {
                        failures = 0;
                        wait
                    }
                    Err(e) => {
                        failures += 1;
                        tracing::warn!(story_id, error = %e, "a story step failed; trying again");
                        if failures >= MAX_FAILED_STEPS {
                            break;
                        }
                        RETRY_AFTER
                    }
                };
                service.story_changed.notify_waiters();
                // A get_task about the story cuts the wait short (its caller is there).
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = service.story_poke.notified() => {}
                }
            }
            crate::sync::lock(&service.stories_driven).remove(&story_id);
            service.story_changed.notify_waiters();
        });
    }

    /// One step, never two at once in this process (another process's steps
    /// are kept apart by the journal's claims).
    pub(super) async fn story_step_alone(&self, story_id: &str) -> Result<Step, ToolError> {
        let _alone = self.story_steps.lock().await;
        self.story_step(story_id).await
    }

    /// Does the one thing the story needs next.
    async fn story_step(&self, story_id: &str) -> Result<Step, ToolError> {
        let Some(story) = self
            .journal
            .story(self.provider.id(), story_id.to_owned())
            .await?
        else {
            return Ok(Step::Done);
        };
        if story.status.is_none_or(TaskStatus::is_terminal) {
            return Ok(Step::Done);
        }
        // Whoever drives it (the shared token after a restart, say), a story's
        // clips are its owner's: their rows, their folder.
        if story.owner != self.owner {
            let owner = self.for_user(story.owner.as_deref());
            let story_id = story_id.to_owned();
            return Box::pin(async move { owner.story_step(&story_id).await }).await;
        }
        let plan: StoryPlan = serde_json::from_str(&story.request_json).map_err(|e| {
            ToolError::new(
                ToolErrorKind::JournalError,
                format!("story {story_id} cannot be read back from the journal: {e}"),
            )
        })?;
        let rows = latest_rows(self.journal.story_clips(story_id.to_owned()).await?);
        let count = plan.params.clips.len();
        let source = if plan.chain() {
            Some(self.frame_source()?)
        } else {
            None
        };
        let mut made: Vec<MadeClip> = Vec::with_capacity(count);
        for index in 0..count {
            let row = rows.iter().find(|r| clip_index(r) == Some(index));
            let Some(row) = row else {
                return self
                    .submit_clip(story_id, &plan, index, source, made.last())
                    .await;
            };
            let task_id = match (row.submit_state, &row.task_id) {
                (SubmitState::Created, Some(task_id)) => task_id.clone(),
                // A create under way here or elsewhere; a restart settles it.
                (SubmitState::Sending, _) => return Ok(Step::Again(self.story_poll())),
                _ => {
                    let why = row.error.clone().unwrap_or_else(|| {
                        "the provider's answer to its create was not recorded".to_owned()
                    });
                    return self.clip_failed(story_id, index, count, &why).await;
                }
            };
            let files = if row.status == Some(TaskStatus::Succeeded)
                && !row.local_files.is_empty()
                && row.local_files.iter().all(|f| f.is_file())
            {
                row.local_files.clone()
            } else {
                let answer = self.provider_task(&task_id).await?;
                match answer.status {
                    TaskStatus::Succeeded if !answer.local_files.is_empty() => answer.local_files,
                    TaskStatus::Succeeded | TaskStatus::Queued | TaskStatus::Running => {
                        self.note_story(story_id, index, count, answer.status).await;
                        return Ok(Step::Again(self.story_poll()));
                    }
                    ended => {
                        let why = answer.failure.map_or_else(
                            || format!("its task {task_id} ended {}", ended.as_str()),
                            |f| format!("{} {}", f.message, f.advice),
                        );
                        return self.clip_failed(story_id, index, count, &why).await;
                    }
                }
            };
            made.push(MadeClip { task_id, files });
        }
        self.join_clips(story_id, &made).await
    }

    /// Submits clip `index`, starting from the last frame of `previous` when chained.
    async fn submit_clip(
        &self,
        story_id: &str,
        plan: &StoryPlan,
        index: usize,
        source: Option<FrameSource>,
        previous: Option<&MadeClip>,
    ) -> Result<Step, ToolError> {
        let count = plan.params.clips.len();
        let frame = match (source, previous) {
            (Some(source), Some(previous)) if index > 0 => {
                match self.chain_frame(story_id, index, source, previous).await {
                    Ok(frame) => Some(frame),
                    Err(e) => {
                        let why = format!("the last frame of clip {index} could not be used: {e}");
                        return self.clip_failed(story_id, index, count, &why).await;
                    }
                }
            }
            _ => None,
        };
        let wants_frame = source.is_some_and(|s| s != FrameSource::Extracted);
        let params = plan.clip_params(index, frame, wants_frame && index + 1 < count);
        let part = StoryPart::Clip {
            story_id: story_id.to_owned(),
            index: index as u32,
        };
        match self
            .submit_as(&params, &self.story_scope(plan), Some(part), None)
            .await
        {
            Ok(_) => {
                let unclaimed = plan.estimates.iter().skip(index + 1).sum::<f64>();
                if let Err(e) = self
                    .journal
                    .hold_for_story(story_id.to_owned(), unclaimed)
                    .await
                {
                    tracing::warn!(story_id, error = %e, "could not update the story's reserve");
                }
                self.note_story(story_id, index, count, TaskStatus::Queued)
                    .await;
                Ok(Step::Again(self.story_poll()))
            }
            // Claimed meanwhile by another driver: the next step follows its row.
            Err(e) if e.kind == ToolErrorKind::DuplicateSubmission => {
                Ok(Step::Again(self.story_poll()))
            }
            Err(e) => {
                self.end_story(
                    story_id,
                    TaskStatus::Failed,
                    Vec::new(),
                    clip_said(index, count, &e.to_string()),
                )
                .await
            }
        }
    }

    /// The first frame of clip `index`, in the form its provider takes.
    async fn chain_frame(
        &self,
        story_id: &str,
        index: usize,
        source: FrameSource,
        previous: &MadeClip,
    ) -> Result<String, String> {
        match source {
            FrameSource::ProviderUrl => {
                // Asked again: the journal keeps result files, not the frame's URL.
                let task = crate::domain::TaskRef::new(previous.task_id.clone());
                let snapshot = self.provider.task(&task).await.map_err(|e| e.to_string())?;
                snapshot
                    .last_frame_url
                    .ok_or_else(|| "the provider returned no last frame".to_owned())
            }
            FrameSource::ProviderFile => previous
                .frame()
                .map(|f| f.display().to_string())
                .ok_or_else(|| "the provider's last frame was not saved".to_owned()),
            FrameSource::Extracted => {
                let video = previous
                    .video()
                    .ok_or_else(|| "the clip's video was not saved".to_owned())?
                    .to_owned();
                let out = self
                    .output_dir
                    .join(format!("{story_id}-clip{index}-last.png"));
                let media = std::sync::Arc::clone(&self.story_media);
                let frame = tokio::task::spawn_blocking(move || media.last_frame(&video, &out))
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())?;
                Ok(frame.display().to_string())
            }
        }
    }

    /// Ends the story as failed, in the words of its clip `index` (of `count`).
    async fn clip_failed(
        &self,
        story_id: &str,
        index: usize,
        count: usize,
        why: &str,
    ) -> Result<Step, ToolError> {
        self.end_story(
            story_id,
            TaskStatus::Failed,
            Vec::new(),
            clip_said(index, count, why),
        )
        .await
    }

    /// Joins the finished clips and ends the story; when they cannot be joined,
    /// the story still succeeds with its clips, and says why they are apart.
    async fn join_clips(&self, story_id: &str, made: &[MadeClip]) -> Result<Step, ToolError> {
        let videos: Vec<PathBuf> = made
            .iter()
            .filter_map(|c| c.video().map(Path::to_path_buf))
            .collect();
        let out = self.output_dir.join(format!("{story_id}.mp4"));
        let media = std::sync::Arc::clone(&self.story_media);
        let inputs = videos.clone();
        let joined = tokio::task::spawn_blocking(move || media.stitch(&inputs, &out))
            .await
            .map_err(|e| ToolError::new(ToolErrorKind::InternalError, e.to_string()))?;
        let (files, note) = match joined {
            Ok(joined) => {
                let mut files = vec![joined.path];
                files.extend(videos);
                (files, None)
            }
            Err(e) => (videos, Some(format!("{STITCH_FAILED}{e}"))),
        };
        self.end_story(story_id, TaskStatus::Succeeded, files, note)
            .await
    }

    async fn end_story(
        &self,
        story_id: &str,
        status: TaskStatus,
        files: Vec<PathBuf>,
        note: Option<String>,
    ) -> Result<Step, ToolError> {
        tracing::info!(story_id, status = status.as_str(), "story ended");
        self.journal
            .update_story(story_id.to_owned(), status, files, note)
            .await?;
        Ok(Step::Done)
    }

    /// Records which clip is under way (a failed write only delays the news).
    async fn note_story(&self, story_id: &str, index: usize, count: usize, status: TaskStatus) {
        let note = format!("clip {} of {count} {}", index + 1, status.as_str());
        if let Err(e) = self
            .journal
            .update_story(
                story_id.to_owned(),
                TaskStatus::Running,
                Vec::new(),
                Some(note),
            )
            .await
        {
            tracing::warn!(story_id, error = %e, "could not record the story's progress");
        }
    }

    /// Where a story's clips may read local files: the caller's folders, and the
    /// output folder, where chained frames are saved.
    fn story_scope(&self, plan: &StoryPlan) -> LocalScope {
        match &plan.scope {
            // Over HTTP only the server's own folders count; its output folder is one.
            LocalScope::ServerOnly => LocalScope::Folder(self.output_dir.clone()),
            scope => scope.clone(),
        }
    }

    /// How long between looks at a running clip: as for a single task.
    fn story_poll(&self) -> Duration {
        Duration::from_secs(u64::from(self.poll_after_seconds()))
    }
}

/// How a story that joined nothing explains it (the rest is the library's reason).
pub(super) const STITCH_FAILED: &str = "The clips are saved but were not joined: ";

/// The newest row of each clip (a clip refused outright may have been claimed again).
fn latest_rows(rows: Vec<Entry>) -> Vec<Entry> {
    let mut latest: Vec<Entry> = Vec::new();
    for row in rows {
        match latest
            .iter_mut()
            .find(|r| clip_index(r) == clip_index(&row))
        {
            Some(slot) => *slot = row,
            None => latest.push(row),
        }
    }
    latest
}

pub(super) fn clip_index(row: &Entry) -> Option<usize> {
    match &row.story {
        Some(StoryPart::Clip { index, .. }) => Some(*index as usize),
        _ => None,
    }
}

fn clip_said(index: usize, count: usize, why: &str) -> Option<String> {
    Some(format!("Clip {} of {count} failed: {why}", index + 1))
}
