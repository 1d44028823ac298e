//! Shared status checks: the last answer about each unfinished task and a lease
//! on the next request for it, in the `task_checks` table, so every process on
//! the journal (replicas on one PostgreSQL database, or processes on one SQLite
//! file) asks the provider about a task once per round instead of once each.
//!
//! Times are wall-clock Unix milliseconds: processes share no other clock. A
//! lease is taken atomically (one conditional upsert) and ends when its holder
//! stores an answer or lets go, or at `lease_until_ms` if the holder died.

use rusqlite::{OptionalExtension, params};

use super::{Journal, JournalError};
use crate::domain::{ProviderId, TaskSnapshot};

/// What the journal holds about a task's checks.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedCheck {
    /// The newest answer any process stored, if one has yet.
    pub answer: Option<CheckAnswer>,
    /// Who is asking the provider now, if anyone is (possibly expired).
    pub lease: Option<Lease>,
}

/// One answer from the provider, as shared.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckAnswer {
    /// The task as the provider reported it.
    pub snapshot: TaskSnapshot,
    /// When it was asked (Unix ms).
    pub checked_ms: i64,
    /// When the next check is due on the schedule of whoever asked (Unix ms):
    /// until then the answer stands for every process.
    pub due_ms: i64,
    /// The process that asked (its holder id).
    pub checked_by: String,
}

/// The right to make the next check of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The process holding it.
    pub holder: String,
    /// When it ends even if never released (Unix ms).
    pub until_ms: i64,
}

impl Lease {
    /// Whether it still holds at `now_ms`.
    pub fn live_at(&self, now_ms: i64) -> bool {
        self.until_ms > now_ms
    }
}

/// Now, wall-clock, in Unix milliseconds (0 if the clock is before the epoch).
pub fn unix_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The columns of a `task_checks` row, as both backends read them.
pub(super) struct RawCheck {
    pub(super) snapshot: Option<String>,
    pub(super) checked_ms: Option<i64>,
    pub(super) due_ms: Option<i64>,
    pub(super) checked_by: Option<String>,
    pub(super) lease_holder: Option<String>,
    pub(super) lease_until_ms: Option<i64>,
}

impl RawCheck {
    /// The row read; a snapshot this build cannot read is an error naming it.
    pub(super) fn read(self) -> Result<SharedCheck, JournalError> {
        let answer = match (self.snapshot, self.checked_ms, self.due_ms, self.checked_by) {
            (Some(text), Some(checked_ms), Some(due_ms), Some(checked_by)) => Some(CheckAnswer {
                snapshot: serde_json::from_str(&text).map_err(|e| JournalError::Unreadable {
                    column: "snapshot",
                    why: e.to_string(),
                })?,
                checked_ms,
                due_ms,
                checked_by,
            }),
            _ => None,
        };
        let lease = self
            .lease_holder
            .zip(self.lease_until_ms)
            .map(|(holder, until_ms)| Lease { holder, until_ms });
        Ok(SharedCheck { answer, lease })
    }
}

/// The snapshot as stored.
pub(super) fn snapshot_json(snapshot: &TaskSnapshot) -> Result<String, JournalError> {
    serde_json::to_string(snapshot).map_err(|e| JournalError::Unreadable {
        column: "snapshot",
        why: e.to_string(),
    })
}

impl Journal {
    /// What the journal holds about `task_id`'s checks, if anything.
    pub async fn shared_check(
        &self,
        provider: ProviderId,
        task_id: &str,
    ) -> Result<Option<SharedCheck>, JournalError> {
        if let Some(pg) = self.postgres() {
            return pg.shared_check(provider, task_id).await;
        }
        let task_id = task_id.to_owned();
        let raw = self
            .run(move |c| {
                c.query_row(
                    "SELECT snapshot, checked_ms, due_ms, checked_by, lease_holder, lease_until_ms \
                     FROM task_checks WHERE provider = ?1 AND task_id = ?2",
                    params![provider.as_str(), task_id],
                    |row| {
                        Ok(RawCheck {
                            snapshot: row.get("snapshot")?,
                            checked_ms: row.get("checked_ms")?,
                            due_ms: row.get("due_ms")?,
                            checked_by: row.get("checked_by")?,
                            lease_holder: row.get("lease_holder")?,
                            lease_until_ms: row.get("lease_until_ms")?,
                        })
                    },
                )
                .optional()
            })
            .await?;
        raw.map(RawCheck::read).transpose()
    }

    /// Takes the lease on the next check of `task_id` for `holder` until
    /// `until_ms`, in one statement: only if nobody else holds a live one and the
    /// last answer is still the one the caller read (`last_checked_ms`; `None`:
    /// none), so a process never asks again about an answer it has not seen.
    /// True when the lease is the caller's.
    pub async fn take_check_lease(
        &self,
        provider: ProviderId,
        task_id: &str,
        holder: &str,
        last_checked_ms: Option<i64>,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<bool, JournalError> {
        if let Some(pg) = self.postgres() {
            return pg
                .take_check_lease(provider, task_id, holder, last_checked_ms, now_ms, until_ms)
                .await;
        }
        let (task_id, holder) = (task_id.to_owned(), holder.to_owned());
        let changed = self
            .run(move |c| {
                c.execute(
                    "INSERT INTO task_checks (provider, task_id, lease_holder, lease_until_ms) \
                     VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (provider, task_id) DO UPDATE SET \
                     lease_holder = excluded.lease_holder, lease_until_ms = excluded.lease_until_ms \
                     WHERE (task_checks.lease_holder IS NULL OR task_checks.lease_holder = excluded.lease_holder \
                     OR task_checks.lease_until_ms <= ?5) AND task_checks.checked_ms IS ?6",
                    params![provider.as_str(), task_id, holder, until_ms, now_ms, last_checked_ms],
                )
            })
            .await?;
        Ok(changed == 1)
    }

    /// Stores an answer for every process and ends its writer's lease, if the
    /// writer held it. An answer older than the one stored changes nothing but
    /// the lease: two checks finishing out of order never turn news back.
    pub async fn store_check(
        &self,
        provider: ProviderId,
        answer: &CheckAnswer,
    ) -> Result<(), JournalError> {
        if let Some(pg) = self.postgres() {
            return pg.store_check(provider, answer).await;
        }
        let snapshot = snapshot_json(&answer.snapshot)?;
        let (task_id, checked_ms, due_ms, by) = (
            answer.snapshot.task_id.clone(),
            answer.checked_ms,
            answer.due_ms,
            answer.checked_by.clone(),
        );
        self.run(move |c| {
            c.execute(
                STORE_SQLITE,
                params![provider.as_str(), task_id, snapshot, checked_ms, due_ms, by],
            )?;
            Ok(())
        })
        .await
    }

    /// Lets go of `holder`'s lease on `task_id` without an answer (the check
    /// failed or was abandoned), so the next process need not wait for it to end.
    pub async fn release_check_lease(
        &self,
        provider: ProviderId,
        task_id: &str,
        holder: &str,
    ) -> Result<(), JournalError> {
        if let Some(pg) = self.postgres() {
            return pg.release_check_lease(provider, task_id, holder).await;
        }
        let (task_id, holder) = (task_id.to_owned(), holder.to_owned());
        self.run(move |c| {
            c.execute(
                "UPDATE task_checks SET lease_holder = NULL, lease_until_ms = NULL \
                 WHERE provider = ?1 AND task_id = ?2 AND lease_holder = ?3",
                params![provider.as_str(), task_id, holder],
            )?;
            Ok(())
        })
        .await
    }
}

/// [`Journal::store_check`] on SQLite: the answer replaces an older one only;
/// the writer's lease ends either way. (`SET` expressions all read the old row.)
const STORE_SQLITE: &str = "INSERT INTO task_checks (provider, task_id, snapshot, checked_ms, due_ms, checked_by) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
     ON CONFLICT (provider, task_id) DO UPDATE SET \
     snapshot = CASE WHEN task_checks.checked_ms IS NULL OR task_checks.checked_ms <= excluded.checked_ms \
         THEN excluded.snapshot ELSE task_checks.snapshot END, \
     due_ms = CASE WHEN task_checks.checked_ms IS NULL OR task_checks.checked_ms <= excluded.checked_ms \
         THEN excluded.due_ms ELSE task_checks.due_ms END, \
     checked_by = CASE WHEN task_checks.checked_ms IS NULL OR task_checks.checked_ms <= excluded.checked_ms \
         THEN excluded.checked_by ELSE task_checks.checked_by END, \
     checked_ms = MAX(COALESCE(task_checks.checked_ms, excluded.checked_ms), excluded.checked_ms), \
     lease_until_ms = CASE WHEN task_checks.lease_holder = excluded.checked_by \
         THEN NULL ELSE task_checks.lease_until_ms END, \
     lease_holder = CASE WHEN task_checks.lease_holder = excluded.checked_by \
         THEN NULL ELSE task_checks.lease_holder END";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TaskStatus;

    fn sim() -> ProviderId {
        crate::domain::test_id("sim")
    }

    fn answer(status: TaskStatus, checked_ms: i64, by: &str) -> CheckAnswer {
        CheckAnswer {
            snapshot: TaskSnapshot {
                task_id: "t1".into(),
                status,
                result_urls: vec!["https://cdn.example/v.mp4".into()],
                last_frame_url: None,
                failure: None,
                progress: Some("40%".into()),
                price: Some(crate::domain::Amount::new(1.5, "credits")),
                refunded: None,
                usage_tokens: Some(7),
                seed: Some(3),
                urls_expire_at: None,
                provider_status: None,
            },
            checked_ms,
            due_ms: checked_ms + 10_000,
            checked_by: by.into(),
        }
    }

    #[tokio::test]
    async fn a_live_lease_of_another_holder_is_not_taken_and_an_expired_one_is() {
        for place in crate::journal::tests::places().await {
            let journal = place.open().await;
            let take = |holder: &'static str, last: Option<i64>, now: i64| {
                let journal = journal.clone();
                async move {
                    journal
                        .take_check_lease(sim(), "t1", holder, last, now, now + 1_000)
                        .await
                        .unwrap()
                }
            };
            assert_eq!(journal.shared_check(sim(), "t1").await.unwrap(), None);
            assert!(take("a", None, 100).await, "nobody holds it");
            assert!(!take("b", None, 500).await, "a holds it until 1100");
            assert!(take("a", None, 600).await, "a may renew its own");
            let held = journal.shared_check(sim(), "t1").await.unwrap().unwrap();
            assert_eq!(
                held,
                SharedCheck {
                    answer: None,
                    lease: Some(Lease {
                        holder: "a".into(),
                        until_ms: 1_600
                    })
                }
            );
            assert!(!take("b", None, 1_599).await, "still live");
            assert!(take("b", None, 1_600).await, "expired: b takes over");
            assert!(!take("a", None, 1_700).await, "now b's");
        }
    }

    #[tokio::test]
    async fn an_answer_ends_its_writers_lease_and_is_read_back_by_every_process() {
        for place in crate::journal::tests::places().await {
            let journal = place.open().await;
            assert!(
                journal
                    .take_check_lease(sim(), "t1", "a", None, 100, 5_000)
                    .await
                    .unwrap()
            );
            let running = answer(TaskStatus::Running, 200, "a");
            journal.store_check(sim(), &running).await.unwrap();
            // Another handle: another process.
            let other = place.open().await;
            let read = other.shared_check(sim(), "t1").await.unwrap().unwrap();
            assert_eq!(
                read,
                SharedCheck {
                    answer: Some(running.clone()),
                    lease: None
                }
            );
            // A lease is taken only over the answer its taker has read.
            assert!(
                !other
                    .take_check_lease(sim(), "t1", "b", None, 300, 5_000)
                    .await
                    .unwrap(),
                "b had not seen a's answer"
            );
            assert!(
                other
                    .take_check_lease(sim(), "t1", "b", Some(200), 300, 5_000)
                    .await
                    .unwrap()
            );
            // An older answer (a check that ended late) does not replace a newer
            // one, and does not end someone else's lease.
            journal
                .store_check(sim(), &answer(TaskStatus::Queued, 150, "a"))
                .await
                .unwrap();
            let read = other.shared_check(sim(), "t1").await.unwrap().unwrap();
            assert_eq!(read.answer, Some(running));
            assert_eq!(read.lease.map(|l| l.holder).as_deref(), Some("b"));
            // Letting go without an answer frees it for the next taker.
            other.release_check_lease(sim(), "t1", "a").await.unwrap();
            assert!(
                other
                    .shared_check(sim(), "t1")
                    .await
                    .unwrap()
                    .unwrap()
                    .lease
                    .is_some(),
                "only its holder lets go"
            );
            other.release_check_lease(sim(), "t1", "b").await.unwrap();
            assert!(
                journal
                    .take_check_lease(sim(), "t1", "c", Some(200), 400, 5_000)
                    .await
                    .unwrap()
            );
            let done = answer(TaskStatus::Succeeded, 500, "c");
            journal.store_check(sim(), &done).await.unwrap();
            let read = other.shared_check(sim(), "t1").await.unwrap().unwrap();
            assert_eq!((read.answer, read.lease), (Some(done), None));
        }
    }
}
