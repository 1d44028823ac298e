//! What a provider reports back: task status, results, failures, prices and balances.
//!
//! These are the normalised shapes every backend maps its own wire format into, and
//! the MCP layer serialises them as structured tool output, so their field docs are
//! part of the tool schemas an agent reads.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Generation, GenerationRequest, OutputKind};

/// Where a task is in its life. Providers use other words; each backend maps its
/// own vocabulary here and treats words it does not know as `running`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Accepted, waiting for a worker.
    Queued,
    /// Being generated.
    Running,
    /// Finished; results are available.
    Succeeded,
    /// Finished without a result; see `failure`.
    Failed,
    /// Cancelled before it ran.
    Cancelled,
    /// Not finished within the provider's time limit.
    Expired,
}

impl TaskStatus {
    /// Reads a provider's status word with its vocabulary `known`. A word it does
    /// not know counts as running, so the task goes on being watched, and is kept
    /// (second value) so that the provider's own words can be shown.
    pub fn from_word(
        word: &str,
        known: impl Fn(&str) -> Option<TaskStatus>,
    ) -> (TaskStatus, Option<String>) {
        match known(word) {
            Some(status) => (status, None),
            None if word.trim().is_empty() => (Self::Running, Some("(no status given)".to_owned())),
            None => (Self::Running, Some(word.to_owned())),
        }
    }

    /// Every status.
    pub const ALL: [TaskStatus; 6] = [
        Self::Queued,
        Self::Running,
        Self::Succeeded,
        Self::Failed,
        Self::Cancelled,
        Self::Expired,
    ];

    /// The status a word names ([`TaskStatus::as_str`] in reverse).
    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == word)
    }

    /// True once the status can no longer change.
    pub fn is_terminal(self) -> bool {
        !matches!(self, Self::Queued | Self::Running)
    }

    /// The word used on the wire and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }
}

/// An amount of money or credits in the provider's own unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Amount {
    /// The number, in `unit`.
    pub amount: f64,
    /// The provider's unit, e.g. `credits` (xskill.ai) or `simulated credits`.
    pub unit: String,
}

impl Amount {
    /// An amount in the given unit.
    pub fn new(amount: f64, unit: impl Into<String>) -> Self {
        Self {
            amount,
            unit: unit.into(),
        }
    }
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.amount, self.unit)
    }
}

/// What the provider answered to a create request.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmittedTask {
    /// The provider's task id.
    pub task_id: String,
    /// Status right after creation (usually queued).
    pub status: TaskStatus,
    /// What the provider charged, when it says.
    pub price: Option<Amount>,
    /// The balance left after the charge, when the provider says.
    pub balance_after: Option<Amount>,
}

/// Why a task failed, in a form an agent can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// A face of a real person was detected in the reference media.
    FaceDetected,
    /// The prompt, the inputs or the output were refused by content moderation.
    ContentRejected,
    /// The provider judged a parameter or an input file invalid.
    InvalidInput,
    /// The task did not finish within the provider's time limit.
    Expired,
    /// The provider gave no usable reason.
    Unknown,
}

impl FailureKind {
    /// What the agent should change before trying again.
    pub fn advice(self) -> &'static str {
        match self {
            Self::FaceDetected => {
                "Reference media showing a realistic human face are refused. Use a stylised or \
                 generated character, crop the face out, or drop that reference, then submit again."
            }
            Self::ContentRejected => {
                "Content moderation refused the request. Rephrase the prompt without violence, \
                 weapons, gore, brands or real people, and check the reference images, then submit again."
            }
            Self::InvalidInput => {
                "An input was not accepted. Check that every URL is public and points at a supported \
                 file (images jpeg/png/webp, video mp4/mov, audio mp3/wav) within the size limits."
            }
            Self::Expired => {
                "The provider gave up waiting. Submit again, ideally at a quieter time."
            }
            Self::Unknown => {
                "The provider did not say why. Simplify the prompt or the references and submit again; \
                 failed tasks are normally not charged."
            }
        }
    }
}

/// A failed task's reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TaskFailure {
    /// What kind of failure this is.
    pub kind: FailureKind,
    /// The provider's error code, when it gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The provider's own words.
    pub message: String,
    /// What to change before trying again.
    pub advice: String,
}

impl TaskFailure {
    /// A failure of the given kind with the provider's words and our advice.
    pub fn new(kind: FailureKind, code: Option<String>, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
            advice: kind.advice().to_owned(),
        }
    }
}

/// A task as the provider reports it now (stored as JSON in the journal's
/// shared checks, see `journal::checks`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSnapshot {
    /// The provider's task id.
    pub task_id: String,
    /// Normalised status.
    pub status: TaskStatus,
    /// Result file URLs (videos or images), once succeeded.
    pub result_urls: Vec<String>,
    /// The video's last frame as an image, when asked for and provided.
    pub last_frame_url: Option<String>,
    /// Why it failed, when it failed.
    pub failure: Option<TaskFailure>,
    /// The provider's progress words while running, when it gives any.
    pub progress: Option<String>,
    /// What the task cost, when the provider says (or an estimate, marked in the unit).
    pub price: Option<Amount>,
    /// What the provider reports it gave back of the price (a failed task's
    /// refund), when it reports refunds per task.
    pub refunded: Option<Amount>,
    /// Tokens billed, for token-priced providers (Ark).
    pub usage_tokens: Option<u64>,
    /// The seed the provider used, when it says (reuse it to repeat a result).
    pub seed: Option<i64>,
    /// When the result URLs stop working (RFC 3339), when the provider says.
    pub urls_expire_at: Option<String>,
    /// The provider's status word when it is none this server knows (`status` is
    /// then `running`).
    pub provider_status: Option<String>,
}

/// An account balance.
#[derive(Debug, Clone, PartialEq)]
pub struct Balance {
    /// What is left.
    pub available: Amount,
    /// When the provider has no balance endpoint: when this figure was seen
    /// (RFC 3339), in the answer to our last create request.
    pub last_seen_at: Option<String>,
}

/// An image the provider now hosts.
#[derive(Debug, Clone, PartialEq)]
pub struct HostedImage {
    /// URL to use in `image_files`, `first_frame`, `last_frame` or `image_urls`.
    pub url: String,
}

/// What the server knows about a task from its own submission: facts the
/// provider's status answers do not repeat. The journal keeps them, so they
/// survive a restart, and every status query hands them back to the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskFacts {
    /// A video or images (image tasks usually finish sooner).
    pub kind: OutputKind,
    /// Its inputs include reference videos (Ark prices such tokens lower).
    pub reference_video: bool,
}

impl TaskFacts {
    /// The facts of a request about to be submitted.
    pub fn of(request: &GenerationRequest) -> Self {
        Self {
            kind: request.generation.kind(),
            reference_video: matches!(&request.generation, Generation::Video(v) if v.inputs.has_video()),
        }
    }
}

impl Default for TaskFacts {
    /// A task this server did not submit: assumed to be a plain video.
    fn default() -> Self {
        Self {
            kind: OutputKind::Video,
            reference_video: false,
        }
    }
}

/// A task to ask the provider about: its id and what the server knows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRef {
    /// The provider's task id.
    pub id: String,
    /// From the journal; the defaults for a task submitted elsewhere.
    pub facts: TaskFacts,
}

impl TaskRef {
    /// A task the server knows nothing more about.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            facts: TaskFacts::default(),
        }
    }

    /// A task with what the journal remembers of it.
    pub fn with_facts(id: impl Into<String>, facts: TaskFacts) -> Self {
        Self {
            id: id.into(),
            facts,
        }
    }
}
