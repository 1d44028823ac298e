//! Orphaned submissions: rows still `sending` long after their create could
//! have been answered, because the process that sent it died first.
//!
//! Every server on a journal looks for them now and then (`Service::settle_orphans`);
//! "long after" is the caller's bound. Two servers that find the same orphan
//! must not both settle it (one could re-send while the other marks it unknown),
//! so each first *claims* it: a conditional update that only one of them can make,
//! which also restarts the row's clock, so that if the claimer dies in turn, the
//! row becomes an orphan again after the same bound, never sooner.
//!
//! A row's clock is `claimed_unix` once claimed, else `created_unix` (the moment
//! its create was about to leave). Rows being sent are few, and the partial index
//! `submissions_sending` holds only them: a look that finds nothing reads nothing.

use rusqlite::params;

use super::{COLUMNS, Entry, Journal, JournalError, entry};
use crate::{clock::unix_now, domain::ProviderId};

/// The SQL condition of an orphan, `bound` and `stale` standing for Unix seconds:
/// still sending, and either sent or last claimed no later than `bound`, or sent
/// (or claimed) by a process not seen alive since `stale` (see [`SENDER_STALE`]).
/// `created_unix` is compared on its own too (a claim is always later, so it
/// changes nothing) so the index on it narrows the rows read.
pub(in crate::journal) fn orphan_condition(bound: &str, stale: &str) -> String {
    format!(
        "submit_state = 'sending' AND ((created_unix <= {bound} \
         AND COALESCE(claimed_unix, created_unix) <= {bound}) \
         OR (sender IS NOT NULL AND NOT EXISTS (SELECT 1 FROM senders \
             WHERE senders.id = submissions.sender AND senders.seen_unix >= {stale})))"
    )
}

/// How often a process with a create in flight (or a server) says it is alive.
pub const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// A sender not seen alive for this long is gone: three heartbeats missed. Its
/// submissions still sending are settled then, without waiting for the orphan
/// age (which remains for rows whose sender is unknown, e.g. from older builds).
pub const SENDER_STALE: std::time::Duration = std::time::Duration::from_secs(30);

/// [`SENDER_STALE`] as a Unix-seconds bound, or what a test build was told.
fn stale_bound() -> i64 {
    let stale = crate::test_hooks::sender_stale().unwrap_or(SENDER_STALE);
    unix_now().saturating_sub(i64::try_from(stale.as_secs()).unwrap_or(i64::MAX))
}

impl Journal {
    /// The provider's submissions still `sending` whose send started (or was last
    /// claimed) at or before `sent_before_unix`, oldest first.
    pub async fn orphans(
        &self,
        provider: ProviderId,
        sent_before_unix: i64,
    ) -> Result<Vec<Entry>, JournalError> {
        let stale = stale_bound();
        if let Some(pg) = self.postgres() {
            return pg.orphans(provider, sent_before_unix, stale).await;
        }
        self.run(move |c| {
            let mut statement = c.prepare(&format!(
                "SELECT {COLUMNS} FROM submissions WHERE provider = ?1 AND {} ORDER BY local_id",
                orphan_condition("?2", "?3")
            ))?;
            let rows =
                statement.query_map(params![provider.as_str(), sent_before_unix, stale], entry)?;
            rows.collect()
        })
        .await
    }

    /// Takes the orphan `local_id` for this process to settle: `true` when it is
    /// this caller's, `false` when it is not an orphan (any more) under the same
    /// bound: answered meanwhile, or claimed by another process first.
    pub async fn claim_orphan(
        &self,
        local_id: i64,
        sent_before_unix: i64,
    ) -> Result<bool, JournalError> {
        let now = unix_now();
        let stale = stale_bound();
        // The claimer becomes the row's sender: if it dies in turn, its silence
        // frees the row again, as the first sender's did.
        self.heartbeat().await?;
        let sender = self.sender().to_owned();
        if let Some(pg) = self.postgres() {
            return pg
                .claim_orphan(local_id, sent_before_unix, now, stale, &sender)
                .await;
        }
        self.run(move |c| {
            let changed = c.execute(
                &format!(
                    "UPDATE submissions SET claimed_unix = ?3, sender = ?5 WHERE local_id = ?1 AND {}",
                    orphan_condition("?2", "?4")
                ),
                params![local_id, sent_before_unix, now, stale, sender],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    /// This process's id as a sender of submissions.
    pub fn sender(&self) -> &str {
        &self.sender
    }

    /// Records that this process is alive (see [`HEARTBEAT_EVERY`]).
    pub async fn heartbeat(&self) -> Result<(), JournalError> {
        let (sender, now) = (self.sender().to_owned(), unix_now());
        if let Some(pg) = self.postgres() {
            return pg.heartbeat(&sender, now).await;
        }
        self.run(move |c| {
            c.execute(
                "INSERT INTO senders (id, seen_unix) VALUES (?1, ?2) \
                 ON CONFLICT (id) DO UPDATE SET seen_unix = excluded.seen_unix",
                params![sender, now],
            )
            .map(drop)
        })
        .await
    }
}

/// The SQL condition of a create whose outcome is unknown and that may be asked
/// again (with its idempotency key), `created` and `retry` standing for Unix
/// seconds: made at or after `created`, and not tried again since `retry`.
fn unknown_condition(created: &str, retry: &str) -> String {
    format!(
        "submit_state = 'outcome_unknown' AND created_unix >= {created} \
         AND COALESCE(claimed_unix, 0) <= {retry}"
    )
}

impl Journal {
    /// The provider's creates whose outcome is unknown, made at or after
    /// `created_after_unix` and not tried again after `retry_before_unix`.
    pub async fn unknown_outcomes(
        &self,
        provider: ProviderId,
        created_after_unix: i64,
        retry_before_unix: i64,
    ) -> Result<Vec<Entry>, JournalError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM submissions WHERE provider = ?1 AND {} ORDER BY local_id",
            unknown_condition("?2", "?3")
        );
        if let Some(pg) = self.postgres() {
            let sql = sql.replace('?', "$");
            return pg
                .unknown_outcomes(&sql, provider, created_after_unix, retry_before_unix)
                .await;
        }
        self.run(move |c| {
            let mut statement = c.prepare(&sql)?;
            let rows = statement.query_map(
                params![provider.as_str(), created_after_unix, retry_before_unix],
                entry,
            )?;
            rows.collect()
        })
        .await
    }

    /// Takes an unknown outcome for this process to ask about again: `true` when
    /// it is this caller's (no other process took it since `retry_before_unix`).
    pub async fn claim_unknown(
        &self,
        local_id: i64,
        created_after_unix: i64,
        retry_before_unix: i64,
    ) -> Result<bool, JournalError> {
        let now = unix_now();
        let sql = format!(
            "UPDATE submissions SET claimed_unix = ?4 WHERE local_id = ?1 AND {}",
            unknown_condition("?2", "?3")
        );
        if let Some(pg) = self.postgres() {
            let sql = sql.replace('?', "$");
            return pg
                .claim_unknown(&sql, local_id, created_after_unix, retry_before_unix, now)
                .await;
        }
        self.run(move |c| {
            let changed = c.execute(
                &sql,
                params![local_id, created_after_unix, retry_before_unix, now],
            )?;
            Ok(changed == 1)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::super::{NewSubmission, SubmitState, tests::places};
    use super::*;
    use crate::domain::{OutputKind, TaskFacts, TaskStatus, test_id};

    fn new(key: &str) -> NewSubmission {
        NewSubmission {
            provider: test_id("sim"),
            submission_key: key.into(),
            fingerprint: key.into(),
            request_json: "{\"prompt\":\"x\"}".into(),
            prompt: "x".into(),
            model: "seedance-2.0-fast".into(),
            facts: TaskFacts {
                kind: OutputKind::Video,
                reference_video: false,
            },
            estimate: None,
            story: None,
            created_as: None,
            owner: None,
            owner_budget: None,
        }
    }

    /// Moves a row's send `seconds` into the past, as if it had been written then.
    async fn age(journal: &Journal, local_id: i64, seconds: i64) {
        let sql = format!(
            "UPDATE submissions SET created_unix = created_unix - {seconds} WHERE local_id = {local_id}"
        );
        match journal.postgres() {
            Some(pg) => {
                pg.execute_raw(&sql).await.unwrap();
            }
            None => {
                journal.run(move |c| c.execute(&sql, [])).await.unwrap();
            }
        }
    }

    fn ids(rows: &[Entry]) -> Vec<i64> {
        rows.iter().map(|row| row.local_id).collect()
    }

    #[tokio::test]
    async fn only_old_rows_still_sending_are_orphans() {
        for place in places().await {
            let journal = place.open().await;
            let old = journal.begin(new("old")).await.unwrap();
            let young = journal.begin(new("young")).await.unwrap();
            let answered = journal.begin(new("answered")).await.unwrap();
            age(&journal, old, 600).await;
            age(&journal, answered, 600).await;
            journal
                .mark_created(answered, "t1".into(), TaskStatus::Queued, None)
                .await
                .unwrap();
            let bound = unix_now() - 300;
            let found = journal.orphans(test_id("sim"), bound).await.unwrap();
            assert_eq!(ids(&found), vec![old], "{found:?}");
            assert_eq!(found[0].submit_state, SubmitState::Sending);
            assert!(
                journal
                    .orphans(test_id("xskill"), bound)
                    .await
                    .unwrap()
                    .is_empty(),
                "another provider's server leaves them alone"
            );
            assert!(journal.claim_orphan(young, bound).await.is_ok_and(|c| !c));
            assert!(
                journal
                    .claim_orphan(answered, bound)
                    .await
                    .is_ok_and(|c| !c)
            );
        }
    }

    #[tokio::test]
    async fn an_orphan_is_claimed_once_and_is_an_orphan_again_only_after_the_same_age() {
        for place in places().await {
            let (first, second) = (place.open().await, place.open().await);
            let id = first.begin(new("k")).await.unwrap();
            age(&first, id, 600).await;
            let bound = unix_now() - 300;
            // Two processes race for it: exactly one wins.
            let (a, b) = tokio::join!(
                first.claim_orphan(id, bound),
                second.claim_orphan(id, bound)
            );
            assert_eq!(
                [a.unwrap(), b.unwrap()].iter().filter(|won| **won).count(),
                1
            );
            // The claim restarted its clock: not an orphan under the same age now...
            let bound = unix_now() - 300;
            assert!(
                first
                    .orphans(test_id("sim"), bound)
                    .await
                    .unwrap()
                    .is_empty()
            );
            assert!(!second.claim_orphan(id, bound).await.unwrap());
            // ...but again once that age has passed since the claim (the claimer died).
            let much_later = unix_now() + 300;
            let later = much_later - 300;
            assert_eq!(
                ids(&second.orphans(test_id("sim"), later).await.unwrap()),
                vec![id]
            );
            assert!(second.claim_orphan(id, later).await.unwrap());
        }
    }

    #[tokio::test]
    async fn on_sqlite_the_look_for_orphans_reads_the_index_of_rows_still_sending() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        let plan: Vec<String> = journal
            .run(|c| {
                let mut statement = c.prepare(&format!(
                    "EXPLAIN QUERY PLAN SELECT {COLUMNS} FROM submissions WHERE provider = ?1 AND {}",
                    orphan_condition("?2", "?3")
                ))?;
                let rows =
                    statement.query_map(params!["sim", 0, 0], |row| row.get::<_, String>(3))?;
                rows.collect()
            })
            .await
            .unwrap();
        assert!(
            plan.iter().any(|step| step.contains("submissions_sending")),
            "{plan:?}"
        );
    }

    #[tokio::test]
    async fn a_row_whose_sender_went_silent_is_an_orphan_and_a_beating_senders_is_not() {
        for place in places().await {
            let (dead, alive, sweeper) =
                (place.open().await, place.open().await, place.open().await);
            let gone = dead.begin(new("gone")).await.unwrap();
            let live = alive.begin(new("live")).await.unwrap();
            // The dead sender's last beat was a minute ago; the live one beats now.
            let sql = format!(
                "UPDATE senders SET seen_unix = seen_unix - 60 WHERE id = '{}'",
                dead.sender()
            );
            match sweeper.postgres() {
                Some(pg) => {
                    pg.execute_raw(&sql).await.unwrap();
                }
                None => {
                    sweeper.run(move |c| c.execute(&sql, [])).await.unwrap();
                }
            }
            alive.heartbeat().await.unwrap();
            // Both rows are young: only silence makes one an orphan.
            let bound = unix_now() - 3600;
            let found = sweeper.orphans(test_id("sim"), bound).await.unwrap();
            assert_eq!(ids(&found), vec![gone], "{found:?}");
            assert!(sweeper.claim_orphan(gone, bound).await.unwrap());
            assert!(!sweeper.claim_orphan(live, bound).await.unwrap());
            // Claimed, the row is the sweeper's, alive: not an orphan again.
            assert!(
                sweeper
                    .orphans(test_id("sim"), bound)
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
    }
}
