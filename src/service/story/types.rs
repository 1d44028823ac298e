//! The `submit_story` contract: its arguments, its answer, and the story part
//! of `get_task`'s answer. Field docs are schema text an agent reads, so they
//! stay short (the tools/list size budget).

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::{Amount, ProviderId, TaskStatus};

/// Arguments of `submit_story`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitStoryParams {
    /// In order. Media as in submit_task; with chain, on the first clip only.
    #[schemars(length(min = 2, max = 12))]
    pub clips: Vec<StoryClip>,
    // The next five are submit_task's, shared by every clip; left without schema
    // text, which the tool's description covers (tools/list size budget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate_audio: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Added to every clip's prompt: look and characters, word for word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    /// Default true: each clip starts from the previous clip's last frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<bool>,
    /// true: check and price the whole story; nothing is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    /// The total a spend_limit refusal quoted, once accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_cost: Option<f64>,
}

/// One clip of a story.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StoryClip {
    // Fields as in submit_task, without schema text (the size budget again).
    pub prompt: String,
    /// Seconds (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 4, max = 15))]
    pub duration: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_files: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub video_files: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audio_files: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_frame: Option<String>,
}

/// Result of `submit_story`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SubmitStoryOutput {
    /// The story's id, for get_task, list_tasks and cancel_task (absent on a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub story_id: Option<String>,
    /// True when nothing was sent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    /// Which provider makes the clips.
    pub provider: ProviderId,
    /// True on the built-in simulator.
    pub simulated: bool,
    /// How many clips.
    pub clips: u32,
    /// Seconds of video in all.
    pub total_seconds: u32,
    /// The whole story's estimated cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_price: Option<Amount>,
    /// Dry run: the balance now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance: Option<Amount>,
    /// How each clip continues the one before, in a sentence.
    pub chaining: String,
    /// Likely prompt problems, per clip; tell the user.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What to do next.
    pub next_step: String,
}

/// Where a story stands, in `get_task`'s answer about it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StoryProgress {
    /// Clips in the story.
    pub clips: u32,
    /// The clip being made (from 1), while unfinished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_clip: Option<u32>,
    /// Each clip's task so far, in order.
    pub clip_tasks: Vec<ClipTask>,
    /// The joined video, once every clip is done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stitched_file: Option<PathBuf>,
}

/// One clip's task in a story.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ClipTask {
    /// The provider's task id, once created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Its status, once known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TaskStatus>,
    /// Its saved video (and last frame).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub local_files: Vec<PathBuf>,
}
