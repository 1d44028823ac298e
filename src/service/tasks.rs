//! Listing journalled tasks and cancelling queued ones.

use super::{ListTasksOutput, ListTasksParams, Service, TaskSummary, ToolError};
use crate::{
    domain::{ProviderId, TaskRef, TaskStatus, ValidationError},
    journal::{Entry, ListFilter, StatusUpdate},
    providers::registry,
};

/// Most rows one list_tasks page returns.
const MAX_PAGE: u32 = 100;

impl Service {
    /// Tasks from the journal, newest first.
    pub async fn list_tasks(&self, params: &ListTasksParams) -> Result<ListTasksOutput, ToolError> {
        let status = match params.status.as_deref() {
            None => None,
            Some(text) => Some(parse_status(text).ok_or_else(|| {
                invalid(
                    "status",
                    format!("`{text}` is not a status"),
                    "use queued, running, succeeded, failed, cancelled or expired",
                )
            })?),
        };
        let provider = match params.provider.as_deref() {
            None => None,
            Some(name) => Some(registry::find(name).map(|e| e.id).ok_or_else(|| {
                invalid(
                    "provider",
                    format!("`{name}` is not a provider"),
                    &format!("use {}", registry::names_with_or()),
                )
            })?),
        };
        let since_unix = match params.since.as_deref() {
            None => None,
            Some(text) => Some(since(text).ok_or_else(|| invalid(
                "since",
                format!("`{text}` is not a time"),
                "use a date like 2026-11-28, a UTC time like 2026-11-28T09:00:00Z, or an age like 90m, 24h, 7d",
            ))?),
        };
        let limit = params.limit.unwrap_or(20).clamp(1, MAX_PAGE);
        let offset = match params.cursor.as_deref() {
            None => 0,
            Some(c) => c.parse::<u32>().map_err(|_| {
                invalid(
                    "cursor",
                    "it is not a cursor from list_tasks".into(),
                    "pass next_cursor unchanged, or omit it",
                )
            })?,
        };
        if self.simulated() {
            self.refresh_unfinished().await;
        }
        // One row more than asked tells whether another page exists.
        let mut rows = self
            .journal
            .list(ListFilter {
                status,
                provider,
                since_unix,
                limit: limit + 1,
                offset,
                owner: self.owner.clone(),
            })
            .await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        Ok(ListTasksOutput {
            tasks: rows.into_iter().map(summary).collect(),
            next_cursor: more.then(|| (offset + limit).to_string()),
        })
    }

    /// Brings the journal's unfinished tasks of this provider up to date. Only for
    /// the simulator, which answers for free: a real provider's rows are updated by
    /// get_task and by the server's start-up reconciliation, not by a listing that
    /// would spend its rate limit. Results are saved later, by get_task; a failure
    /// leaves the rows as they were.
    async fn refresh_unfinished(&self) {
        let rows = match self.journal.unfinished(self.provider.id()).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "could not read unfinished tasks from the journal");
                return;
            }
        };
        let tasks: Vec<TaskRef> = rows
            .into_iter()
            .filter_map(|row| Some(TaskRef::with_facts(row.task_id?, row.facts)))
            .collect();
        match self.provider.tasks(&tasks).await {
            Ok(snapshots) => {
                for snapshot in snapshots {
                    self.record(&snapshot, Vec::new(), None).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not refresh unfinished tasks"),
        }
    }

    /// Cancels a task that has not started, where the provider allows it.
    pub async fn cancel_task(&self, task_id: &str) -> Result<TaskSummary, ToolError> {
        let task_id = task_id.trim();
        if let Some(story) = self.story_entry(task_id).await? {
            return self.cancel_story(story).await;
        }
        self.cancel_provider_task(task_id).await
    }

    /// Cancels one provider task (not a story).
    pub(super) async fn cancel_provider_task(
        &self,
        task_id: &str,
    ) -> Result<TaskSummary, ToolError> {
        let known = self.journal_entry(task_id).await;
        if self.owner.is_some() && known.is_none() {
            return Err(self.not_theirs(task_id));
        }
        if !self.provider.capabilities().cancel {
            return Err(ProviderIdError::cannot_cancel(self.provider.id()));
        }
        let task = TaskRef::with_facts(task_id, known.map(|e| e.facts).unwrap_or_default());
        let snapshot = self.provider.task(&task).await?;
        match snapshot.status {
            TaskStatus::Queued => {}
            TaskStatus::Running => {
                return Err(ToolError {
                    kind: crate::service::ToolErrorKind::NotCancellable,
                    message: format!(
                        "Task \"{task_id}\" is already running; {} can only cancel queued tasks. It will finish \
                         and be billed; get_task will save the result.",
                        self.provider.id()
                    ),
                });
            }
            done => {
                return Err(ToolError {
                    kind: crate::service::ToolErrorKind::NotCancellable,
                    message: format!(
                        "Task \"{task_id}\" is already {}; there is nothing to cancel.",
                        done.as_str()
                    ),
                });
            }
        }
        self.provider.cancel(task_id).await?;
        let update = StatusUpdate {
            provider: self.provider.id(),
            task_id: task_id.to_owned(),
            status: TaskStatus::Cancelled,
            price: None,
            result_urls: Vec::new(),
            local_files: Vec::new(),
            error: Some("cancelled on request".to_owned()),
        };
        self.journal.record_status(update).await?;
        let row = self
            .journal
            .by_task(self.provider.id(), task_id.to_owned())
            .await?;
        row.map(summary).ok_or_else(|| ToolError {
            kind: crate::service::ToolErrorKind::JournalError,
            message: "the cancelled task is missing from the journal".into(),
        })
    }
}

/// The refusal for providers without a cancel call.
struct ProviderIdError;

impl ProviderIdError {
    fn cannot_cancel(provider: ProviderId) -> ToolError {
        ToolError {
            kind: crate::service::ToolErrorKind::Provider(crate::error::ErrorKind::Unsupported),
            message: format!(
                "{provider} has no way to cancel a task through its API. Let it finish; get_task saves the result."
            ),
        }
    }
}

fn invalid(field: &str, problem: String, fix: &str) -> ToolError {
    ValidationError {
        field: field.into(),
        problem,
        fix: fix.into(),
    }
    .into()
}

fn parse_status(text: &str) -> Option<TaskStatus> {
    [
        TaskStatus::Queued,
        TaskStatus::Running,
        TaskStatus::Succeeded,
        TaskStatus::Failed,
        TaskStatus::Cancelled,
        TaskStatus::Expired,
    ]
    .into_iter()
    .find(|s| s.as_str() == text.trim())
}

/// `90m`, `24h`, `7d`, or a UTC date/time.
fn since(text: &str) -> Option<i64> {
    let text = text.trim();
    let unit = match text.chars().last()? {
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return crate::clock::parse_utc(text),
    };
    let amount: i64 = text.get(..text.len() - 1)?.parse().ok()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(i64::try_from(now).ok()? - amount * unit)
}

pub(super) fn summary(entry: Entry) -> TaskSummary {
    let prompt: String = entry.prompt.chars().take(100).collect();
    TaskSummary {
        local_id: entry.local_id,
        provider: entry.provider,
        task_id: entry.task_id,
        submit_state: entry.submit_state,
        status: entry.status,
        prompt,
        model: entry.model,
        price: entry.price,
        local_files: entry.local_files,
        note: entry.error,
        created_at: entry.created_at,
        updated_at: entry.updated_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_dates_are_understood() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!((since("24h").unwrap() - (now - 86_400)).abs() <= 1);
        assert_eq!(
            since("2026-11-28"),
            crate::clock::parse_utc("2026-11-28T00:00:00Z")
        );
        assert_eq!(since("soon"), None);
        assert_eq!(since("5x"), None);
    }
}
