//! Following a task for a client that polls on its own (MCP `tasks/get`).
//!
//! Such clients may ask every second. Answers come from the last check until the
//! polite schedule (`schedule::next_check`) says the provider is due again, so
//! fast polling costs the provider no more requests than a waiting `get_task`,
//! and the suggested poll interval is the time until that next check.

use std::time::Duration;

use tokio::time::Instant;

use super::{GetTaskOutput, Service, ToolError, ToolErrorKind, schedule};
use crate::{domain::TaskRef, error::ErrorKind};

/// Where a task stands, and when looking again may bring news.
#[derive(Debug, Clone)]
pub struct TaskLook {
    /// What `get_task` answers now (from the last check while none is due).
    pub output: GetTaskOutput,
    /// When the provider is next due to be asked about it.
    pub next_look: Duration,
    /// When it was submitted (RFC 3339), as the journal has it.
    pub created_at: String,
}

impl Service {
    /// The task's state without asking the provider before the schedule says so.
    /// Only tasks in this machine's journal can be followed.
    pub async fn look_at_task(&self, task_id: &str) -> Result<TaskLook, ToolError> {
        let Some(known) = self.journal_entry(task_id).await else {
            return Err(ToolError {
                kind: ToolErrorKind::NotFound,
                message: format!(
                    "no task \"{task_id}\" in this machine's journal; list_tasks shows the tasks it has"
                ),
            });
        };
        let task = TaskRef::with_facts(task_id, known.facts);
        let (since, typical) = self.schedule_origin(&task, Some(&known), Instant::now());
        let due = |checked_at: Instant| {
            checked_at + schedule::next_check(checked_at.saturating_duration_since(since), typical)
        };
        // Before the first check, the journal's word from the submission stands
        // until the schedule's first check is due.
        let last = crate::sync::lock(&self.last_checks)
            .get(task_id)
            .cloned()
            .or_else(|| {
                super::journal_snapshot(&known)
                    .filter(|s| !s.status.is_terminal())
                    .map(|s| (since, s))
            });
        // Past this process's own schedule, another replica's answer that still
        // stands saves a request (a client polling through a load balancer).
        let last = match last {
            Some((checked_at, _)) if Instant::now() < due(checked_at) => last,
            _ => match self.shared_answer(task_id).await {
                Some((snapshot, at)) if !snapshot.status.is_terminal() => Some((at, snapshot)),
                _ => last,
            },
        };
        if let Some((checked_at, snapshot)) = last
            && Instant::now() < due(checked_at)
        {
            let output = self.task_output(snapshot, Vec::new(), None, Some(known.local_id));
            return Ok(TaskLook {
                output,
                next_look: due(checked_at).saturating_duration_since(Instant::now()),
                created_at: known.created_at,
            });
        }
        let output = match self.get_task(task_id).await {
            Ok(output) => output,
            // A provider having trouble is no news: the last word known stands,
            // with the trouble said, and the next look comes on the schedule.
            Err(e) if is_passing(&e) => {
                let Some(snapshot) = super::journal_snapshot(&known) else {
                    return Err(e);
                };
                let mut output = self.task_output(snapshot, Vec::new(), None, Some(known.local_id));
                output.provider_trouble = Some(e.message);
                output
            }
            Err(e) => return Err(e),
        };
        let next_look = match crate::sync::lock(&self.last_checks).get(task_id) {
            Some((checked_at, _)) => due(*checked_at).saturating_duration_since(Instant::now()),
            None => schedule::next_check(since.elapsed(), typical),
        }
        .max(schedule::MIN_GAP);
        Ok(TaskLook {
            output,
            next_look,
            created_at: known.created_at,
        })
    }
}

/// Whether a failed look is the provider's passing trouble (busy, down a while).
fn is_passing(error: &ToolError) -> bool {
    matches!(
        error.kind,
        ToolErrorKind::Provider(ErrorKind::RateLimited | ErrorKind::Upstream)
    )
}
