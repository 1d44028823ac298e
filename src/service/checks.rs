//! Status checks shared by every process on the journal (issue 19).
//!
//! Several replicas serving waiting `get_task` calls for one task would each ask
//! the provider on their own schedule, so requests would grow with replicas.
//! Instead the last answer and a lease on the next request live in the journal
//! (`journal::checks`): when a check is due, a waiting call first takes a fresh
//! answer another process stored (no request), else takes the lease and asks,
//! else (someone else is asking) re-reads until that answer arrives or the lease
//! runs out. A call that answers at once (no wait) asks as before and shares
//! its answer.
//!
//! Journal times are wall-clock, tokio's may be paused (tests): an answer is
//! taken from the journal only if another process wrote it and this process has
//! not seen it yet, so one process alone behaves exactly as without sharing,
//! whichever clock runs.

use std::time::Duration;

use tokio::time::Instant;

use super::{Service, schedule};
use crate::{
    domain::{TaskRef, TaskSnapshot},
    error::ProviderError,
    journal::{
        Journal,
        checks::{CheckAnswer, SharedCheck, unix_millis},
    },
};

/// How often a process re-reads the journal while another one asks the provider.
const LEASE_POLL: Duration = Duration::from_millis(250);
/// How long a finished task's answer stands for other processes: long enough for
/// every replica waiting on it to take it, well inside its URLs' lifetime.
const FINISHED_STANDS: Duration = Duration::from_secs(10 * 60);

/// When a task's schedule started, on this process's clock, and how long such
/// tasks take (see `Service::schedule_origin`).
pub(super) type Origin = (Instant, Duration);

/// This process's id for leases and answers: random, so that replicas never
/// share one. Every service in a process has it, so services sharing a journal
/// in one process ask as they did before sharing (see [`new_holder`]).
pub(super) fn process_holder() -> std::sync::Arc<str> {
    static HOLDER: std::sync::OnceLock<std::sync::Arc<str>> = std::sync::OnceLock::new();
    HOLDER.get_or_init(new_holder).clone()
}

/// A fresh random holder id.
pub(super) fn new_holder() -> std::sync::Arc<str> {
    format!("{:016x}", rand::random::<u64>()).into()
}

impl Service {
    /// Test-only: this service takes part in shared checks as a process of its
    /// own, for tests that run several replicas in one process. Never set by
    /// flags or variables.
    #[must_use]
    pub fn as_separate_replica(mut self) -> Self {
        self.holder = new_holder();
        self
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl Service {
    /// Asks about a task for a call that waits: takes another process's fresh
    /// answer if there is one, else asks under the journal's lease (for at most
    /// `bound`, how long the caller gives this check), else waits for whoever
    /// holds it. Returns the answer and when it was given, on this process's clock.
    pub(super) async fn check_shared(
        &self,
        task: &TaskRef,
        origin: Origin,
        bound: Duration,
    ) -> Result<(TaskSnapshot, Instant), ProviderError> {
        let provider = self.provider.id();
        loop {
            let now_ms = unix_millis();
            let shared = match self.journal.shared_check(provider, &task.id).await {
                Ok(shared) => shared,
                Err(e) => {
                    tracing::warn!(error = %e, "could not read the shared check; asking alone");
                    return self.check(task, origin).await;
                }
            };
            if let Some(adopted) = self.adopt(&task.id, shared.as_ref(), now_ms) {
                return Ok(adopted);
            }
            let last_ms = shared
                .as_ref()
                .and_then(|s| s.answer.as_ref())
                .map(|a| a.checked_ms);
            let busy = shared
                .as_ref()
                .and_then(|s| s.lease.as_ref())
                .is_some_and(|l| *l.holder != *self.holder && l.live_at(now_ms));
            if !busy {
                let until = now_ms.saturating_add(millis(bound));
                match self
                    .journal
                    .take_check_lease(provider, &task.id, &self.holder, last_ms, now_ms, until)
                    .await
                {
                    Ok(true) => return self.check_leased(task, origin).await,
                    // Someone took it, or answered, since the read: read again.
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "could not take the check's lease; asking alone");
                        return self.check(task, origin).await;
                    }
                }
            }
            // Another process is asking: its answer is a request this one saves.
            tokio::time::sleep(LEASE_POLL).await;
        }
    }

    /// Another process's answer about `task_id` that stands now, for a follower
    /// (`tasks/get`) that would otherwise ask the provider itself.
    pub(super) async fn shared_answer(&self, task_id: &str) -> Option<(TaskSnapshot, Instant)> {
        let shared = self
            .journal
            .shared_check(self.provider.id(), task_id)
            .await
            .ok()?;
        self.adopt(task_id, shared.as_ref(), unix_millis())
    }

    /// Takes another process's standing answer as this process's last check:
    /// on this process's clock the answer is as old as it is on the wall, so the
    /// schedule goes on from when it was really asked.
    fn adopt(
        &self,
        task_id: &str,
        shared: Option<&SharedCheck>,
        now_ms: i64,
    ) -> Option<(TaskSnapshot, Instant)> {
        let answer = self.adoptable(task_id, shared, now_ms)?;
        let age = Duration::from_millis(u64::try_from(now_ms - answer.checked_ms).unwrap_or(0));
        let at = Instant::now().checked_sub(age).unwrap_or_else(Instant::now);
        self.remember_check(task_id, at, &answer.snapshot, Some(answer.checked_ms));
        Some((answer.snapshot, at))
    }

    /// Another process's answer that stands now and that this process has not
    /// taken yet. Never one of its own: in one process, sharing changes nothing.
    fn adoptable(
        &self,
        task_id: &str,
        shared: Option<&SharedCheck>,
        now_ms: i64,
    ) -> Option<CheckAnswer> {
        let answer = shared?.answer.as_ref()?;
        let seen = crate::sync::lock(&self.seen_checks).get(task_id).copied();
        let fresh = *answer.checked_by != *self.holder
            && seen.is_none_or(|seen| answer.checked_ms > seen)
            && answer.due_ms > now_ms;
        fresh.then(|| answer.clone())
    }

    /// Asks under the lease just taken; the answer (stored) or a failure ends it.
    async fn check_leased(
        &self,
        task: &TaskRef,
        origin: Origin,
    ) -> Result<(TaskSnapshot, Instant), ProviderError> {
        // Abandoned mid-way (the caller's bound, a cancelled call), the lease
        // is let go rather than left to block the other processes until it ends.
        let mut guard = LeaseGuard {
            journal: Some(self.journal.clone()),
            provider: self.provider.id(),
            task_id: task.id.clone(),
            holder: self.holder.clone(),
        };
        let answer = self.check(task, origin).await;
        if answer.is_err()
            && let Some(journal) = guard.journal.take()
            && let Err(e) = journal
                .release_check_lease(guard.provider, &task.id, &self.holder)
                .await
        {
            tracing::warn!(error = %e, "could not let go of the check's lease");
        }
        // On success the stored answer ended the lease.
        guard.journal = None;
        answer
    }

    /// Asks the provider about a task, remembers the answer for the schedule
    /// and shares it through the journal (with when the next check is due).
    pub(super) async fn check(
        &self,
        task: &TaskRef,
        (since, typical): Origin,
    ) -> Result<(TaskSnapshot, Instant), ProviderError> {
        let snapshot = self.provider.task(task).await?;
        let at = Instant::now();
        let checked_ms = unix_millis();
        let stands = if snapshot.status.is_terminal() {
            FINISHED_STANDS
        } else {
            schedule::next_check(at.saturating_duration_since(since), typical)
        };
        let answer = CheckAnswer {
            snapshot,
            checked_ms,
            due_ms: checked_ms.saturating_add(millis(stands)),
            checked_by: self.holder.to_string(),
        };
        if let Err(e) = self.journal.store_check(self.provider.id(), &answer).await {
            tracing::warn!(error = %e, "could not share the task's check");
        }
        self.remember_check(&task.id, at, &answer.snapshot, Some(checked_ms));
        Ok((answer.snapshot, at))
    }

    /// Keeps an answer for the schedule; a finished task is forgotten (the
    /// journal has it).
    fn remember_check(
        &self,
        task_id: &str,
        at: Instant,
        snapshot: &TaskSnapshot,
        shared_ms: Option<i64>,
    ) {
        let mut last = crate::sync::lock(&self.last_checks);
        let mut seen = crate::sync::lock(&self.seen_checks);
        if snapshot.status.is_terminal() {
            last.remove(task_id);
            seen.remove(task_id);
            crate::sync::lock(&self.submitted).remove(task_id);
        } else {
            last.insert(task_id.to_owned(), (at, snapshot.clone()));
            if let Some(ms) = shared_ms {
                let newest = seen.entry(task_id.to_owned()).or_insert(ms);
                *newest = (*newest).max(ms);
            }
        }
    }
}

/// Lets go of a lease whose check was dropped before it ended.
struct LeaseGuard {
    /// `None` once the lease ended some other way.
    journal: Option<Journal>,
    provider: crate::domain::ProviderId,
    task_id: String,
    holder: std::sync::Arc<str>,
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        let Some(journal) = self.journal.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (provider, task_id, holder) = (
            self.provider,
            std::mem::take(&mut self.task_id),
            self.holder.clone(),
        );
        runtime.spawn(async move {
            let _ = journal
                .release_check_lease(provider, &task_id, &holder)
                .await;
        });
    }
}
