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

/// The SQL condition of an orphan, `?` standing for the bound (Unix seconds): still
/// sending, and sent or last claimed no later than the bound. `created_unix` is
/// compared on its own too (a claim is always later, so it changes nothing) so the
/// index on it narrows the rows read.
pub(in crate::journal) fn orphan_condition(bound: &str) -> String {
    format!(
        "submit_state = 'sending' AND created_unix <= {bound} \
         AND COALESCE(claimed_unix, created_unix) <= {bound}"
    )
}

impl Journal {
    /// The provider's submissions still `sending` whose send started (or was last
    /// claimed) at or before `sent_before_unix`, oldest first.
    pub async fn orphans(
        &self,
        provider: ProviderId,
        sent_before_unix: i64,
    ) -> Result<Vec<Entry>, JournalError> {
        if let Some(pg) = self.postgres() {
            return pg.orphans(provider, sent_before_unix).await;
        }
        self.run(move |c| {
            let mut statement = c.prepare(&format!(
                "SELECT {COLUMNS} FROM submissions WHERE provider = ?1 AND {} ORDER BY local_id",
                orphan_condition("?2")
            ))?;
            let rows = statement.query_map(params![provider.as_str(), sent_before_unix], entry)?;
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
        if let Some(pg) = self.postgres() {
            return pg.claim_orphan(local_id, sent_before_unix, now).await;
        }
        self.run(move |c| {
            let changed = c.execute(
                &format!(
                    "UPDATE submissions SET claimed_unix = ?3 WHERE local_id = ?1 AND {}",
                    orphan_condition("?2")
                ),
                params![local_id, sent_before_unix, now],
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
                    orphan_condition("?2")
                ))?;
                let rows = statement.query_map(params!["sim", 0], |row| row.get::<_, String>(3))?;
                rows.collect()
            })
            .await
            .unwrap();
        assert!(
            plan.iter().any(|step| step.contains("submissions_sending")),
            "{plan:?}"
        );
    }
}
