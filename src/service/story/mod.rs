//! Stories longer than one clip (`submit_story`): one journalled job that makes
//! its clips one after another, each starting from the last frame of the one
//! before, and joins them into one file.
//!
//! This module owns the story's checks and price (every clip is validated, and
//! the total priced and guarded, before anything is paid) and its journal row;
//! `run` makes the clips, `status` answers get_task and cancel_task about it,
//! and `media` is the seam to the video library.

pub mod media;
mod run;
mod status;
pub mod types;

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use self::{
    media::{Joined, NoVideoLibrary, StoryMedia, StoryMediaError, VideoLibrary},
    types::{ClipTask, StoryClip, StoryProgress, SubmitStoryOutput, SubmitStoryParams},
};
use super::{Service, ToolError, ToolErrorKind, media::LocalScope, sentences};
use crate::{
    clock::unix_now,
    domain::{Amount, TaskFacts, ValidationError},
    error::ProviderError,
    journal::{Claim, NewSubmission, StoryPart},
    providers::capabilities::LocalFiles,
    request::SubmitTaskParams,
    validate,
};

/// Most clips one story may have (3 minutes at 15 s each).
pub const MAX_CLIPS: usize = 12;

/// Identical stories within this window are refused as duplicates.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(30 * 60);

/// Where a chained clip's first frame stands while the story is checked: the
/// real frame exists only once the clip before it is made.
const FRAME_PLACEHOLDER: &str = "https://frames.invalid/previous-clip-last-frame.png";

/// What the journal keeps of a story: its arguments, and where its calls may
/// read local files (later clips are submitted after the call that made it).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoryPlan {
    params: SubmitStoryParams,
    scope: LocalScope,
    /// Each clip's estimate: what the story holds against the daily budget
    /// until its clips are claimed (and carry their own).
    #[serde(default)]
    estimates: Vec<f64>,
}

/// How a chained clip gets the last frame of the clip before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FrameSource {
    /// The provider returns it (`return_last_frame`) and takes it back as a URL.
    ProviderUrl,
    /// The provider returns it; it is saved and sent the way the provider takes files.
    ProviderFile,
    /// Taken from the saved clip by the video library, and sent as a file.
    Extracted,
}

impl FrameSource {
    fn sentence(self) -> &'static str {
        match self {
            Self::ProviderUrl => {
                "each clip starts from the previous clip's last frame, as the provider returns it"
            }
            Self::ProviderFile => {
                "each clip starts from the previous clip's last frame, returned by the provider and sent back as a file"
            }
            Self::Extracted => {
                "each clip starts from the previous clip's last frame, taken from the saved clip on this machine"
            }
        }
    }
}

impl StoryPlan {
    fn chain(&self) -> bool {
        self.params.chain.unwrap_or(true)
    }

    /// The submit_task arguments of clip `index`; `frame` is the chained first frame.
    fn clip_params(
        &self,
        index: usize,
        frame: Option<String>,
        return_last_frame: bool,
    ) -> SubmitTaskParams {
        let story = &self.params;
        let clip = story.clips.get(index).cloned().unwrap_or_default();
        let prompt = match story.style.as_deref().map(str::trim) {
            Some(style) if !style.is_empty() => format!("{}\n{style}", clip.prompt.trim()),
            _ => clip.prompt.clone(),
        };
        let first_frame = frame.or(clip.first_frame);
        SubmitTaskParams {
            prompt,
            model: story.model.clone(),
            mode: first_frame.as_ref().map(|_| "first_last_frames".to_owned()),
            image_files: clip.image_files,
            video_files: clip.video_files,
            audio_files: clip.audio_files,
            first_frame,
            ratio: story.ratio.clone(),
            duration: clip.duration,
            resolution: story.resolution.clone(),
            generate_audio: story.generate_audio,
            seed: story.seed,
            return_last_frame: return_last_frame.then_some(true),
            ..SubmitTaskParams::default()
        }
    }
}

impl Service {
    /// The same service with `media` for stories' frames and joins.
    pub fn with_story_media(mut self, media: std::sync::Arc<dyn StoryMedia>) -> Self {
        self.story_media = media;
        self
    }

    /// Checks a whole story, prices it and (unless `dry_run`) journals it as one
    /// job whose clips are then made one after another.
    pub async fn submit_story_in(
        &self,
        params: &SubmitStoryParams,
        scope: &LocalScope,
    ) -> Result<SubmitStoryOutput, ToolError> {
        let count = params.clips.len();
        if !(2..=MAX_CLIPS).contains(&count) {
            return Err(ValidationError::new(
                "clips",
                format!("it has {count} clips"),
                format!("give 2 to {MAX_CLIPS} clips; one clip is a submit_task"),
            )
            .into());
        }
        let mut plan = StoryPlan {
            params: params.clone(),
            scope: scope.clone(),
            estimates: Vec::new(),
        };
        let source = if plan.chain() {
            Some(self.frame_source()?)
        } else {
            None
        };
        let mut total = Some(0.0_f64);
        let mut unit = None;
        let mut seconds = 0_u32;
        let mut warnings = Vec::new();
        for index in 0..count {
            let (estimate, clip_seconds, clip_warnings) =
                self.check_clip(&plan, index, source).await?;
            seconds += clip_seconds;
            plan.estimates
                .push(estimate.as_ref().map_or(0.0, |a| a.amount));
            warnings.extend(
                clip_warnings
                    .into_iter()
                    .map(|w| format!("clip {}: {w}", index + 1)),
            );
            total = match (total, estimate) {
                (Some(sum), Some(amount)) => {
                    unit = Some(amount.unit);
                    Some(sum + amount.amount)
                }
                _ => None,
            };
        }
        let estimate = total.zip(unit).map(|(sum, unit)| Amount::new(sum, unit));
        let chaining = source.map_or(
            "chain: false; each clip is made on its own and the clips are joined in order",
            FrameSource::sentence,
        );
        if params.dry_run.unwrap_or(false) {
            return Ok(self
                .story_dry_run(params, count, seconds, estimate, chaining, warnings)
                .await);
        }
        self.check_spend_for(
            story_summary(params, seconds),
            params.confirm_cost,
            estimate.as_ref(),
            None,
        )
        .await?;
        let story_id = self.journal_story(&plan, estimate.as_ref()).await?;
        // The first clip is sent before answering, as submit_task does: a caller
        // that exits at once (the CLI without --wait) never cuts a create short.
        if let Err(e) = self.story_step_alone(&story_id).await {
            tracing::warn!(story_id, error = %e, "the story's first step failed; it is retried");
        }
        self.drive_story(story_id.clone());
        let stopped = match self
            .journal
            .story(self.provider.id(), story_id.clone())
            .await
        {
            Ok(Some(row)) if row.status == Some(crate::domain::TaskStatus::Failed) => row.error,
            _ => None,
        };
        let next_step = match stopped {
            Some(why) => format!(
                "The story stopped before anything was made: {why} Fix that clip and submit the story again."
            ),
            None => format!(
                "Story submitted: {count} clips, made one after another. Call get_task with task_id \
                 \"{story_id}\" and wait_seconds 45, again until finished; do not submit again."
            ),
        };
        Ok(SubmitStoryOutput {
            next_step,
            story_id: Some(story_id),
            dry_run: false,
            provider: self.provider.id(),
            simulated: self.simulated(),
            clips: count as u32,
            total_seconds: seconds,
            estimated_price: estimate,
            balance: None,
            chaining: chaining.to_owned(),
            warnings,
        })
    }

    /// How this provider's clips can be chained; a provider that can do it no
    /// way is refused with the alternative, before anything is paid.
    fn frame_source(&self) -> Result<FrameSource, ToolError> {
        let caps = self.provider.capabilities();
        let takes_files = caps.media.local != LocalFiles::Refused;
        match (caps.last_frame, takes_files) {
            (true, false) => Ok(FrameSource::ProviderUrl),
            (true, true) => Ok(FrameSource::ProviderFile),
            (false, true) if self.story_media.available() => Ok(FrameSource::Extracted),
            (false, true) => Err(unchainable(
                self,
                "this build cannot take a clip's last frame itself (no video library)",
            )),
            (false, false) => Err(unchainable(
                self,
                "it neither returns a clip's last frame nor takes a frame file from this machine",
            )),
        }
    }

    /// Checks one clip as submit_task would (fields named `clips[N].…`) and
    /// returns its estimate, its seconds and its prompt warnings.
    async fn check_clip(
        &self,
        plan: &StoryPlan,
        index: usize,
        source: Option<FrameSource>,
    ) -> Result<(Option<Amount>, u32, Vec<String>), ToolError> {
        let chained = index > 0 && source.is_some();
        let at = |field: &str| format!("clips[{index}].{field}");
        let clip = plan.params.clips.get(index).cloned().unwrap_or_default();
        if chained && clip.first_frame.is_some() {
            return Err(ValidationError::new(
                at("first_frame"),
                "with chain, this clip starts from the previous clip's last frame",
                "drop it, or set chain: false",
            )
            .into());
        }
        if chained
            && !(clip.image_files.is_empty()
                && clip.video_files.is_empty()
                && clip.audio_files.is_empty())
        {
            return Err(ValidationError::new(
                at("image_files"),
                "a chained clip starts from a frame, and frame-started clips take no reference media",
                "keep references on the first clip only, or set chain: false",
            )
            .into());
        }
        let frame = chained.then(|| FRAME_PLACEHOLDER.to_owned());
        let wants_frame = source.is_some_and(|s| s != FrameSource::Extracted);
        let params = plan.clip_params(
            index,
            frame,
            wants_frame && index + 1 < plan.params.clips.len(),
        );
        let in_clip = |mut e: ValidationError| {
            e.field = at(&e.field);
            ToolError::from(e)
        };
        let request = validate::submit(&params).map_err(in_clip)?;
        if !self.private_media_urls {
            validate::public_media(&params).map_err(in_clip)?;
        }
        let local = self
            .check_local(super::media::wants(&params), self.access(&plan.scope))
            .await
            .map_err(|e| in_story(e, index))?;
        let mut checked = request.clone();
        local.apply(&mut checked);
        self.provider
            .capabilities()
            .check(self.provider.id(), &checked)
            .map_err(|e| in_story(e.into(), index))?;
        let warnings = crate::lint::lint(&checked).map_err(in_clip)?;
        self.provider
            .create_call(&checked)
            .map_err(|e| in_story(e.into(), index))?;
        let seconds = match &checked.generation {
            crate::domain::Generation::Video(video) => u32::from(video.duration),
            crate::domain::Generation::Image(_) => {
                return Err(ValidationError::new(
                    "model",
                    "a story is made of video clips",
                    "use a Seedance video model",
                )
                .into());
            }
        };
        Ok((self.provider.estimate(&checked), seconds, warnings))
    }

    async fn story_dry_run(
        &self,
        params: &SubmitStoryParams,
        count: usize,
        seconds: u32,
        estimate: Option<Amount>,
        chaining: &str,
        mut warnings: Vec<String>,
    ) -> SubmitStoryOutput {
        let balance = match self.provider.balance().await {
            Ok(balance) => Some(balance.available),
            Err(e) => {
                warnings.push(format!("The balance could not be read: {e}"));
                None
            }
        };
        let cost = estimate
            .as_ref()
            .map_or_else(|| "an unknown cost".to_owned(), ToString::to_string);
        let next_step = match self
            .check_spend_for(
                story_summary(params, seconds),
                params.confirm_cost,
                estimate.as_ref(),
                None,
            )
            .await
        {
            Err(refusal) => format!(
                "Nothing was sent. Submitting would be refused ({}): {}",
                refusal.kind, refusal.message
            ),
            Ok(()) => format!(
                "Nothing was sent. Show the user the whole story's cost ({cost} for {count} clips, \
                 {seconds} s); to go ahead, call submit_story again with the same arguments and \
                 without dry_run."
            ),
        };
        SubmitStoryOutput {
            story_id: None,
            dry_run: true,
            provider: self.provider.id(),
            simulated: self.simulated(),
            clips: count as u32,
            total_seconds: seconds,
            estimated_price: estimate,
            balance,
            chaining: chaining.to_owned(),
            warnings,
            next_step,
        }
    }

    /// Writes the story's own row (refusing a story identical to a recent one).
    async fn journal_story(
        &self,
        plan: &StoryPlan,
        estimate: Option<&Amount>,
    ) -> Result<String, ToolError> {
        let story_id = story_id();
        let owner_budget = self.claim_budget().await?;
        let mut canonical = plan.params.clone();
        canonical.dry_run = None;
        canonical.confirm_cost = None;
        let first = canonical
            .clips
            .first()
            .map(|c| c.prompt.clone())
            .unwrap_or_default();
        let fingerprint = super::submit::fingerprint(
            &format!("{} story", self.provider.id().as_str()),
            &SubmitTaskParams {
                prompt: serde_json::to_string(&canonical).unwrap_or_default(),
                ..SubmitTaskParams::default()
            },
            &[],
        );
        let new = NewSubmission {
            provider: self.provider.id(),
            submission_key: story_id.clone(),
            fingerprint,
            request_json: serde_json::to_string(plan).unwrap_or_default(),
            prompt: format!("story of {} clips: {first}", canonical.clips.len()),
            model: canonical
                .model
                .clone()
                .unwrap_or_else(|| "seedance-2.0-fast".to_owned()),
            facts: TaskFacts::default(),
            // Held against the daily budget for the clips not yet claimed; each
            // claimed clip carries its own (see `run::submit_clip`).
            estimate: estimate.map(|e| e.amount),
            story: Some(StoryPart::Whole {
                story_id: story_id.clone(),
            }),
            created_as: Some(story_id.clone()),
            owner: self.owner.clone(),
            owner_budget,
        };
        let since = unix_now() - DUPLICATE_WINDOW.as_secs() as i64;
        match self.journal.claim(new, Some(since)).await? {
            Claim::Claimed(local_id) => {
                tracing::info!(story_id, local_id, estimate = ?estimate, "story journalled");
                Ok(story_id)
            }
            Claim::Duplicate(earlier) => Err(ToolError::new(
                ToolErrorKind::DuplicateSubmission,
                format!(
                    "this exact story was already submitted at {} as \"{}\"; this call sent nothing and \
                     charged nothing. Call get_task with that id instead of paying again.",
                    earlier.created_at,
                    earlier.task_id.unwrap_or_default()
                ),
            )),
            Claim::OverBudget { spent } => {
                let limit = owner_budget.map_or(0.0, |b| b.limit);
                let asked = estimate.cloned().unwrap_or_else(|| Amount::new(0.0, ""));
                Err(super::spend::over_budget(spent, &asked, limit))
            }
        }
    }
}

/// True when a story's clips name files on this machine.
pub fn reads_files(params: &SubmitStoryParams) -> bool {
    params.clips.iter().any(|clip| {
        clip.image_files
            .iter()
            .chain(&clip.video_files)
            .chain(&clip.audio_files)
            .chain(&clip.first_frame)
            .any(|value| super::media::is_local_path(value))
    })
}

fn unchainable(service: &Service, why: &str) -> ToolError {
    let provider = service.provider.id();
    let alternative = if service.provider.capabilities().max_videos > 0 {
        "Set chain: false (the clips are made independently, then joined); or continue from the previous \
         clip as a video reference: make the clips one by one with submit_task, each with the previous \
         clip's result URL in video_files (\"continue @video_file_1\"); or use a provider that returns \
         the last frame"
    } else {
        "Set chain: false (the clips are made independently, then joined), or use a provider that \
         returns the last frame"
    };
    ToolError::from(ProviderError::Unsupported {
        provider,
        feature: format!("chained clips ({why})"),
        alternative: sentences(alternative, "Nothing was sent or charged."),
    })
}

/// A clip's refusal, said of that clip.
fn in_story(error: ToolError, index: usize) -> ToolError {
    ToolError {
        kind: error.kind,
        message: format!("clips[{index}]: {}", error.message),
    }
}

/// A fresh story id.
fn story_id() -> String {
    use rand::Rng;
    let bytes: [u8; 8] = rand::rng().random();
    format!(
        "story-{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// The one line a person is shown when asked to pay for a story.
fn story_summary(params: &SubmitStoryParams, seconds: u32) -> String {
    let first: String = params
        .clips
        .first()
        .map(|clip| {
            clip.prompt
                .split_whitespace()
                .take(12)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    format!(
        "a story of {} clips, {seconds} s in all, starting \"{first}…\"",
        params.clips.len()
    )
}
