//! The tool contract: arguments and structured results of every tool.
//!
//! Field docs become the JSON schema descriptions an agent reads, so they say what
//! a value is for and what to do with it.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::{Amount, ProviderId, TaskFailure, TaskStatus};

/// Arguments of `get_task`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetTaskParams {
    /// From submit_task.
    pub task_id: String,
    /// Seconds (0-50, default 0) to wait for the task to finish, with progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 50))]
    pub wait_seconds: Option<u32>,
}

/// Arguments of `upload_image`: exactly one of the two.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadImageParams {
    /// An image URL or local path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// The image as base64 (a `data:` URL is fine): PNG, JPEG, WebP, GIF, BMP or TIFF,
    /// at most 10 MB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_data: Option<String>,
}

/// Result of `submit_task`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SubmitTaskOutput {
    /// Keep this: get_task needs it. Never submit the same clip again to "check" it.
    /// Absent on a dry run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// True when nothing was sent: `request` shows what would have been.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    /// Which provider runs the task.
    pub provider: ProviderId,
    /// True when the provider is the built-in simulator (placeholder results, no cost).
    pub simulated: bool,
    /// Status right after submitting (absent on a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TaskStatus>,
    /// What the provider charged, when it reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Amount>,
    /// The cost estimated before sending, in the provider's unit (Ark: from tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_price: Option<Amount>,
    /// The estimate in US dollars, where the provider's unit converts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_usd: Option<f64>,
    /// Balance left after the charge, when the provider reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance_after: Option<Amount>,
    /// Dry run: the balance now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance: Option<Amount>,
    /// Dry run: the exact request that would be sent (keys as placeholders).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestPreview>,
    /// Likely problems with the prompt that do not block it; tell the user.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Seconds to wait before the first get_task (absent on a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_after_seconds: Option<u32>,
    /// What to do next.
    pub next_step: String,
}

/// A provider request, as a dry run shows it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RequestPreview {
    /// HTTP method (`SIMULATE` for the simulator).
    pub method: String,
    /// Where it would go.
    pub url: String,
    /// Headers, secrets as `<VARIABLE>` placeholders.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<String>,
    /// The JSON body, exactly as it would be sent.
    pub body: serde_json::Value,
}

/// Result of `get_task`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct GetTaskOutput {
    /// The task id.
    pub task_id: String,
    /// Which provider runs the task.
    pub provider: ProviderId,
    /// True when the provider is the built-in simulator.
    pub simulated: bool,
    /// queued, running, succeeded, failed, cancelled or expired.
    pub status: TaskStatus,
    /// True once the status can no longer change.
    pub finished: bool,
    /// Result URLs (they expire, typically after 24 h).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub result_urls: Vec<String>,
    /// Where the results were saved on this machine.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub local_files: Vec<PathBuf>,
    /// The saved files as MCP resources, for clients that cannot open local paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_uris: Vec<String>,
    /// Over HTTP: where each saved file downloads (with the same bearer token).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub download_urls: Vec<String>,
    /// The last frame as an image (when return_last_frame was asked), for the next clip's first_frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_frame_url: Option<String>,
    /// Why saving the results failed, when it did (call get_task again to retry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_error: Option<String>,
    /// Why the task failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<TaskFailure>,
    /// The provider's progress words, while running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<String>,
    /// What the task cost, when the provider reports it (an estimate says so in its unit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Amount>,
    /// Refunded, when the provider says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refunded: Option<Amount>,
    /// When the result URLs stop working, when the provider says; local_files stay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urls_expire_at: Option<String>,
    /// The seed used, when the provider says (pass it as `seed` to repeat a look).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Tokens billed (token-priced providers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_tokens: Option<u64>,
    /// Seconds to wait before asking again, while the task is unfinished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_after_seconds: Option<u32>,
    /// The provider's own status word when it is not one of ours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_status: Option<String>,
    /// Why status reads failed in the wait; `status` is then the last known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_trouble: Option<String>,
    /// On success, result_urls again where agents taught by the xskill skill look
    /// for them (`result.output.images[0]`). Left out of the schema: those agents
    /// never read it, and every byte of tools/list costs each turn.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(skip)]
    pub result: Option<ResultBlock>,
    /// For a story (submit_story): its clips and the joined file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story: Option<super::story::StoryProgress>,
    /// What to do next.
    pub next_step: String,
}

/// `result` of `get_task`: `{"output": {"images": [url, ...]}}`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ResultBlock {
    /// The result URLs.
    pub output: ResultOutput,
}

/// `result.output` of `get_task`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ResultOutput {
    /// Every result URL (a video too), in result_urls' order.
    pub images: Vec<String>,
}

impl ResultBlock {
    /// The block for a finished task's URLs; none without URLs.
    pub fn of(urls: &[String]) -> Option<Self> {
        (!urls.is_empty()).then(|| Self {
            output: ResultOutput {
                images: urls.to_vec(),
            },
        })
    }
}

/// Result of `upload_image`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct UploadImageOutput {
    /// Hosted URL: use it in image_files, first_frame, last_frame or image_urls.
    pub url: String,
    /// Which provider hosts it.
    pub provider: ProviderId,
}

/// Result of `get_balance`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct BalanceOutput {
    /// Which provider's account.
    pub provider: ProviderId,
    /// True when the provider is the built-in simulator (the balance is pretend).
    pub simulated: bool,
    /// What is left, in the provider's unit.
    pub available: Amount,
    /// Set when the provider has no balance endpoint: when this figure was last reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen_at: Option<String>,
    /// How prices are counted, to compare with `available`.
    pub pricing: String,
}

/// Arguments of `list_tasks`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTasksParams {
    /// Only tasks with this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<TaskStatus>")]
    pub status: Option<String>,
    /// Only this provider's tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<ProviderId>")]
    pub provider: Option<String>,
    /// An age (`90m`, `24h`, `7d`) or a UTC date/time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Page size, 1-100 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
    /// The previous page's `next_cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// Result of `list_tasks`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ListTasksOutput {
    /// Newest first.
    pub tasks: Vec<TaskSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// One journalled task.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TaskSummary {
    /// This machine's id for the submission.
    pub local_id: i64,
    /// The provider.
    pub provider: String,
    /// The provider's task id (absent when the create never got an answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// sending, created, rejected or outcome_unknown.
    pub submit_state: crate::journal::SubmitState,
    /// Last known status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TaskStatus>,
    /// The prompt (first 100 characters).
    pub prompt: String,
    /// The model as asked.
    pub model: String,
    /// Cost, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Amount>,
    /// Saved result files (always listed, for scripts).
    pub local_files: Vec<PathBuf>,
    /// Failure reason or advice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// When submitted (UTC).
    pub created_at: String,
    /// Last change (UTC).
    pub updated_at: String,
}

/// Arguments of `cancel_task`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelTaskParams {
    /// The task to cancel (it must still be queued).
    pub task_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The compacted output schemas (`mcp::schema`) leave `null` out of optional
    /// fields: an empty optional field must be left out, never sent as `null`.
    fn assert_no_null(value: &serde_json::Value) {
        match value {
            serde_json::Value::Null => panic!("a null in a tool result"),
            serde_json::Value::Array(items) => items.iter().for_each(assert_no_null),
            serde_json::Value::Object(fields) => fields.values().for_each(assert_no_null),
            _ => {}
        }
    }

    #[test]
    fn empty_optional_fields_are_left_out_not_null() {
        let get = GetTaskOutput {
            task_id: "t".into(),
            provider: crate::domain::test_id("sim"),
            simulated: true,
            status: TaskStatus::Running,
            finished: false,
            result_urls: vec![],
            local_files: vec![],
            resource_uris: vec![],
            download_urls: Vec::new(),
            last_frame_url: None,
            download_error: None,
            failure: Some(crate::domain::TaskFailure::new(
                crate::domain::FailureKind::Unknown,
                None,
                "x",
            )),
            progress: None,
            price: None,
            refunded: None,
            urls_expire_at: None,
            seed: None,
            usage_tokens: None,
            poll_after_seconds: None,
            provider_status: None,
            provider_trouble: None,
            result: None,
            story: None,
            next_step: String::new(),
        };
        assert_no_null(&serde_json::to_value(get).unwrap());
        let submit = SubmitTaskOutput {
            task_id: None,
            dry_run: false,
            provider: crate::domain::test_id("sim"),
            simulated: true,
            status: None,
            price: None,
            estimated_price: None,
            estimated_usd: None,
            balance_after: None,
            balance: None,
            request: None,
            warnings: vec![],
            poll_after_seconds: None,
            next_step: String::new(),
        };
        assert_no_null(&serde_json::to_value(submit).unwrap());
        let summary = TaskSummary {
            local_id: 1,
            provider: "sim".into(),
            task_id: None,
            submit_state: crate::journal::SubmitState::Sending,
            status: None,
            prompt: String::new(),
            model: String::new(),
            price: None,
            local_files: vec![],
            note: None,
            created_at: String::new(),
            updated_at: String::new(),
        };
        assert_no_null(&serde_json::to_value(summary).unwrap());
        let balance = BalanceOutput {
            provider: crate::domain::test_id("sim"),
            simulated: true,
            available: Amount::new(1.0, "x"),
            last_seen_at: None,
            pricing: String::new(),
        };
        assert_no_null(&serde_json::to_value(balance).unwrap());
    }
}
