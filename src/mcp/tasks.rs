//! The Tasks extension (SEP-2663, `io.modelcontextprotocol/tasks`).
//!
//! For a client that declares the extension, a call to a task-backed tool that
//! starts a job (not a dry run, not a refusal) answers with a task handle instead
//! of the tool's result. The MCP task id is the job's own id (for `submit_task`,
//! the journal's task id), so `get_task`, `list_tasks` and the CLI see the same
//! job, and `tasks/get` works after a restart. Nothing is kept here: every
//! `tasks/get` reads the job through the service, which asks the provider only
//! when the polite schedule says so. Clients without the extension never see a
//! task handle.
//!
//! `submit_story` is task-backed as well; another long-running tool becomes task-backed
//! with one line in [`TASK_BACKED`], given a [`Job`] for its jobs: which result
//! started one, which ids are its own, how to look at one (politely) and how to
//! cancel it.

use std::time::Duration;

use rmcp::model::{
    CallToolResponse, CallToolResult, CreateTaskResult, DetailedTask, ErrorData, GetTaskResult,
    Task, TaskPayload, TaskStatus as McpStatus,
};
use serde::Deserialize;

use crate::{
    domain::TaskStatus,
    service::{Service, ToolError, ToolErrorKind},
};

/// A long job an MCP task follows: started by a tool call, then looked at.
#[async_trait::async_trait]
pub trait Job: Send + Sync {
    /// The id of the job a call's result started, or `None` when it started
    /// none (a dry run, a refusal): such results go back as they are.
    fn started(&self, result: &CallToolResult) -> Option<String>;
    /// Whether an MCP task id names one of this kind's jobs.
    fn owns(&self, task_id: &str) -> bool;
    /// Where the job stands; must not ask a provider more often than its schedule.
    async fn look(&self, service: &Service, id: &str) -> Result<Look, ToolError>;
    /// Stops the job at the provider, or says why it cannot.
    async fn cancel(&self, service: &Service, id: &str) -> Result<(), ToolError>;
}

/// A job's state as `tasks/get` reports it.
#[derive(Debug, Clone)]
pub struct Look {
    /// Working, finished or cancelled.
    pub state: State,
    /// When the job started (RFC 3339).
    pub created_at: String,
    /// When looking again may bring news.
    pub next_look: Duration,
}

/// Where a job is.
#[derive(Debug, Clone)]
pub enum State {
    /// Still going, with a sentence for the person.
    Working(String),
    /// Done: the final result, exactly what the job's status tool answers.
    Finished(CallToolResult),
    /// Cancelled.
    Cancelled,
}

/// A tool whose calls become MCP tasks, and the kind of job it starts.
pub struct TaskBacked {
    /// The tool's name.
    pub tool: &'static str,
    /// How its jobs are followed.
    pub job: &'static dyn Job,
}

/// The task-backed tools. A new long-running tool becomes task-backed with one
/// line here. Lookups take the first kind that owns an id, and generations own
/// every id, so kinds with ids of their own go first.
pub const TASK_BACKED: &[TaskBacked] = &[
    TaskBacked {
        tool: "submit_story",
        job: &Story,
    },
    TaskBacked {
        tool: "submit_task",
        job: &Generation,
    },
];

/// The kind of job `tool` starts, if it is task-backed.
pub fn backing(tool: &str) -> Option<&'static dyn Job> {
    TASK_BACKED.iter().find(|t| t.tool == tool).map(|t| t.job)
}

fn job_of(task_id: &str) -> Option<&'static dyn Job> {
    TASK_BACKED
        .iter()
        .map(|t| t.job)
        .find(|job| job.owns(task_id))
}

/// The answer to a task-backed call: a task handle when it started a job,
/// otherwise the tool's own result.
pub async fn answer(job: &dyn Job, service: &Service, result: CallToolResult) -> CallToolResponse {
    let Some(id) = job.started(&result) else {
        return result.into();
    };
    match job.look(service, &id).await {
        Ok(look) => CreateTaskResult::new(task(&id, &look)).into(),
        // The job started but cannot be looked at (its journal row unreadable):
        // the plain result still names it, so nothing is lost.
        Err(e) => {
            tracing::warn!(error = %e, task_id = %id, "answering without a task handle");
            result.into()
        }
    }
}

/// `tasks/get`.
pub async fn get(service: &Service, task_id: &str) -> Result<GetTaskResult, ErrorData> {
    let job = job_of(task_id).ok_or_else(|| unknown(task_id))?;
    let look = job
        .look(service, task_id)
        .await
        .map_err(|e| to_error(task_id, e))?;
    let payload = match &look.state {
        State::Working(_) => TaskPayload::Working,
        State::Cancelled => TaskPayload::Cancelled,
        State::Finished(result) => TaskPayload::Completed {
            result: object(result)?,
        },
    };
    Ok(GetTaskResult::new(DetailedTask::new(
        task(task_id, &look),
        payload,
    )))
}

/// `tasks/cancel`: at the provider where it can; otherwise an error that says why not.
pub async fn cancel(service: &Service, task_id: &str) -> Result<(), ErrorData> {
    let job = job_of(task_id).ok_or_else(|| unknown(task_id))?;
    job.cancel(service, task_id)
        .await
        .map_err(|e| to_error(task_id, e))
}

fn task(id: &str, look: &Look) -> Task {
    let status = match look.state {
        State::Working(_) => McpStatus::Working,
        State::Finished(_) => McpStatus::Completed,
        State::Cancelled => McpStatus::Cancelled,
    };
    let mut task = Task::new(
        id,
        status,
        look.created_at.clone(),
        crate::clock::now_rfc3339(),
    );
    if let State::Working(message) = &look.state {
        task = task
            .with_status_message(message.clone())
            .with_poll_interval_ms(whole_millis(look.next_look));
    }
    // The journal keeps every task: no expiry (`ttlMs: null`).
    task
}

/// Milliseconds rounded up: a client that waits exactly this long finds the
/// provider due, instead of an answer from the last check.
fn whole_millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros().div_ceil(1000)).unwrap_or(u64::MAX)
}

fn object(result: &CallToolResult) -> Result<rmcp::model::JsonObject, ErrorData> {
    match serde_json::to_value(result) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        _ => Err(ErrorData::internal_error(
            "the result could not be encoded",
            None,
        )),
    }
}

fn unknown(task_id: &str) -> ErrorData {
    ErrorData::invalid_params(format!("unknown task: {task_id}"), None)
}

/// A tool error as the JSON-RPC error of a `tasks/*` request: an unknown task,
/// and one that cannot be cancelled (finished, or running where the provider
/// bills it anyway), are the spec's invalid params; the kind word leads the
/// message as in tool errors.
fn to_error(task_id: &str, e: ToolError) -> ErrorData {
    let data = serde_json::json!({ "kind": e.kind.as_str(), "taskId": task_id });
    match e.kind {
        ToolErrorKind::NotFound
        | ToolErrorKind::InvalidArgument
        | ToolErrorKind::NotCancellable => ErrorData::invalid_params(e.to_string(), Some(data)),
        _ => ErrorData::internal_error(e.to_string(), Some(data)),
    }
}

/// `submit_task`'s jobs: one generation, followed through the journal.
pub struct Generation;

impl Generation {
    /// A look at a job (a generation or a story) as `tasks/get` reports it.
    async fn state_of(
        service: &Service,
        look: crate::service::TaskLook,
    ) -> Result<Look, ToolError> {
        let output = look.output;
        let state = if output.status == TaskStatus::Cancelled {
            State::Cancelled
        } else if output.finished {
            State::Finished(super::task_result(service, output).await?)
        } else {
            State::Working(super::status_message(&output))
        };
        Ok(Look {
            state,
            created_at: look.created_at,
            next_look: look.next_look,
        })
    }
}

/// The part of `submit_task`'s result that names the job.
#[derive(Deserialize)]
struct Started {
    task_id: Option<String>,
}

#[async_trait::async_trait]
impl Job for Generation {
    fn started(&self, result: &CallToolResult) -> Option<String> {
        if result.is_error == Some(true) {
            return None;
        }
        let content = result.structured_content.clone()?;
        serde_json::from_value::<Started>(content).ok()?.task_id
    }

    fn owns(&self, _task_id: &str) -> bool {
        true
    }

    async fn look(&self, service: &Service, id: &str) -> Result<Look, ToolError> {
        Generation::state_of(service, service.look_at_task(id).await?).await
    }

    async fn cancel(&self, service: &Service, id: &str) -> Result<(), ToolError> {
        service.cancel_task(id).await.map(|_| ())
    }
}

/// `submit_story`'s jobs: a story of chained clips, followed through the journal.
pub struct Story;

/// The part of `submit_story`'s result that names the job.
#[derive(Deserialize)]
struct StoryStarted {
    story_id: Option<String>,
}

#[async_trait::async_trait]
impl Job for Story {
    fn started(&self, result: &CallToolResult) -> Option<String> {
        if result.is_error == Some(true) {
            return None;
        }
        let content = result.structured_content.clone()?;
        serde_json::from_value::<StoryStarted>(content)
            .ok()?
            .story_id
    }

    fn owns(&self, task_id: &str) -> bool {
        task_id.starts_with("story-")
    }

    async fn look(&self, service: &Service, id: &str) -> Result<Look, ToolError> {
        Generation::state_of(service, service.look_at_story(id).await?).await
    }

    async fn cancel(&self, service: &Service, id: &str) -> Result<(), ToolError> {
        service.cancel_task(id).await.map(|_| ())
    }
}
