//! The journal on PostgreSQL, for a team server whose replicas share one database
//! (`SEEDANCE_DATABASE_URL=postgres://…`). Same rows, same guarantees as the
//! SQLite file: a row is committed before a create leaves, and the duplicate look
//! and the claim are one transaction holding a database lock on the request, so
//! identical submissions reaching two replicas at once claim it exactly once.
//!
//! Connections come from a small pool; every statement is a prepared one with
//! typed parameters. Rows are read by column name, and a word this build does not
//! know is an error naming the column, as on SQLite.

mod checks;
mod orphans;
mod provider_state;
mod schema;
mod stories;
pub mod testing;
mod tokens;

/// The schema version this build writes to PostgreSQL.
pub const SCHEMA_VERSION: u32 = schema::VERSION as u32;

use deadpool_postgres::{GenericClient, Pool};
use tokio_postgres::Row;

use super::{
    Claim, Entry, JournalError, ListFilter, NewSubmission, StatusUpdate, SubmitState, kind_word,
    parse_kind,
    stories::{STORY_ROW, columns as story_columns, part as story_part},
};
use crate::{
    clock::unix_now,
    domain::{Amount, ProviderId, TaskFacts, TaskStatus},
};

/// Connections at once per process: the server's calls are short, and a team's
/// replicas together should stay well under PostgreSQL's default 100.
const POOL_SIZE: usize = 8;

pub(super) const COLUMNS: &str = "local_id, provider, submission_key, fingerprint, request_json, prompt, model, \
    output_kind, reference_video, submit_state, task_id, status, price_amount, price_unit, result_urls, \
    local_files, error, created_at, updated_at, story_id, clip_index, owner";

/// The journal's PostgreSQL database.
pub struct PgJournal {
    pool: Pool,
}

impl std::fmt::Debug for PgJournal {
    // The pool's settings hold the connection URL, password included.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgJournal").finish_non_exhaustive()
    }
}

impl PgJournal {
    /// Connects to `url` and brings the schema to this build's version.
    pub async fn connect(url: &str) -> Result<Self, JournalError> {
        let config: tokio_postgres::Config = url.parse().map_err(|e: tokio_postgres::Error| {
            // The parser's message never repeats the URL, so the password stays out.
            JournalError::DatabaseUrl(e.to_string())
        })?;
        let manager = deadpool_postgres::Manager::from_config(
            config,
            tokio_postgres::NoTls,
            deadpool_postgres::ManagerConfig {
                recycling_method: deadpool_postgres::RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| JournalError::Database(e.to_string()))?;
        let journal = Self { pool };
        let mut client = journal.client().await?;
        schema::migrate(&mut client).await?;
        Ok(journal)
    }

    /// The rows `sql` selects (as [`COLUMNS`]), read as journal entries.
    async fn entries(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Entry>, JournalError> {
        let rows = self.cached_query(sql, params).await?;
        rows.iter().map(entry).collect()
    }

    /// The row `sql` selects (as [`COLUMNS`]), if any, read as a journal entry.
    async fn entry_opt(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Option<Entry>, JournalError> {
        let row = self.cached_query_opt(sql, params).await?;
        row.as_ref().map(entry).transpose()
    }

    // The `cached_*` calls run `sql` as a statement prepared once per pooled
    // connection (deadpool keeps a cache per connection): a call is then one
    // round trip to the server instead of two (prepare, then run).

    async fn cached_query(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Row>, JournalError> {
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await?;
        Ok(client.query(&statement, params).await?)
    }

    async fn cached_query_opt(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Option<Row>, JournalError> {
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await?;
        Ok(client.query_opt(&statement, params).await?)
    }

    async fn cached_query_one(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Row, JournalError> {
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await?;
        Ok(client.query_one(&statement, params).await?)
    }

    async fn cached_execute(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<u64, JournalError> {
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await?;
        Ok(client.execute(&statement, params).await?)
    }

    async fn client(&self) -> Result<deadpool_postgres::Client, JournalError> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => JournalError::Postgres(e),
            other => JournalError::Database(other.to_string()),
        })
    }

    /// See [`super::Journal::claim`]: the look and the write hold a transaction-scoped
    /// advisory lock on (provider, fingerprint), which every replica's claim of the
    /// same request waits for.
    pub async fn claim(
        &self,
        new: NewSubmission,
        duplicates_since: Option<i64>,
        sender: &str,
    ) -> Result<Claim, JournalError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        if let Some(since) = duplicates_since {
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))",
                &[&new.provider.as_str(), &new.fingerprint],
            )
            .await?;
            if let Some(earlier) = live_duplicate(
                &tx,
                new.provider,
                &new.fingerprint,
                since,
                new.owner.as_deref(),
            )
            .await?
            {
                return Ok(Claim::Duplicate(Box::new(earlier)));
            }
        }
        if let (Some(owner), Some(budget)) = (&new.owner, new.owner_budget) {
            // Every replica's claim for this user waits here, so two cannot both
            // fit under the same remainder. Taken after the request's lock, always
            // in this order, so claims never wait on each other in a circle.
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended('budget:' || $1, 0))",
                &[owner],
            )
            .await?;
            let spent = spent(&tx, new.provider, budget.since_unix, Some(owner)).await?;
            if spent + new.estimate.unwrap_or(0.0) > budget.limit + super::BUDGET_SLACK {
                return Ok(Claim::OverBudget { spent });
            }
        }
        let now = crate::clock::now_rfc3339();
        let (story_id, clip_index) = story_columns(new.story.as_ref());
        let clip_index = clip_index.map(i64::from);
        // A job with no create of its own (a story) is written as created at once.
        let state = if new.created_as.is_some() {
            "created"
        } else {
            "sending"
        };
        let status = new.created_as.as_ref().map(|_| TaskStatus::Queued.as_str());
        let row = tx
            .query_one(
                "INSERT INTO submissions (provider, submission_key, fingerprint, request_json, prompt, model, \
                 output_kind, reference_video, submit_state, created_unix, created_at, updated_at, estimate_amount, \
                 story_id, clip_index, task_id, status, owner, sender) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $12, $9, $10, $10, $11, $13, $14, $15, $16, $17, $18) \
                 RETURNING local_id",
                &[
                    &new.provider.as_str(), &new.submission_key, &new.fingerprint, &new.request_json,
                    &new.prompt, &new.model, &kind_word(new.facts.kind), &new.facts.reference_video,
                    &unix_now(), &now, &new.estimate, &state, &story_id, &clip_index, &new.created_as, &status,
                    &new.owner, &sender,
                ],
            )
            .await?;
        // Seen alive as it sends: its row is not an orphan while it keeps beating.
        tx.execute(
            "INSERT INTO senders (id, seen_unix) VALUES ($1, $2) \
             ON CONFLICT (id) DO UPDATE SET seen_unix = EXCLUDED.seen_unix",
            &[&sender, &unix_now()],
        )
        .await?;
        let local_id: i64 = row.try_get("local_id")?;
        tx.commit().await?;
        Ok(Claim::Claimed(local_id))
    }

    /// See [`super::Journal::spent_since`].
    pub async fn spent_since(
        &self,
        provider: ProviderId,
        since_unix: i64,
        owner: Option<String>,
    ) -> Result<f64, JournalError> {
        spent(
            &self.client().await?,
            provider,
            since_unix,
            owner.as_deref(),
        )
        .await
    }

    /// See [`super::Journal::mark_created`].
    pub async fn mark_created(
        &self,
        local_id: i64,
        task_id: String,
        status: TaskStatus,
        price: Option<Amount>,
    ) -> Result<(), JournalError> {
        let amount = price.as_ref().map(|p| p.amount);
        let unit = price.map(|p| p.unit);
        self.cached_execute(
            "UPDATE submissions SET submit_state = 'created', task_id = $2, status = $3, \
                 price_amount = COALESCE($4, price_amount), price_unit = COALESCE($5, price_unit), \
                 error = NULL, updated_at = $6 WHERE local_id = $1",
            &[
                &local_id,
                &task_id,
                &status.as_str(),
                &amount,
                &unit,
                &crate::clock::now_rfc3339(),
            ],
        )
        .await?;
        Ok(())
    }

    /// See [`super::Journal::mark_failed_submit`].
    pub async fn mark_failed_submit(
        &self,
        local_id: i64,
        state: SubmitState,
        error: String,
    ) -> Result<(), JournalError> {
        self.cached_execute(
                "UPDATE submissions SET submit_state = $2, error = $3, updated_at = $4 WHERE local_id = $1",
                &[&local_id, &state.as_str(), &error, &crate::clock::now_rfc3339()],
            )
            .await?;
        Ok(())
    }

    /// See [`super::Journal::record_status`].
    pub async fn record_status(&self, update: StatusUpdate) -> Result<i64, JournalError> {
        let now = crate::clock::now_rfc3339();
        let urls = serde_json::to_string(&update.result_urls).unwrap_or_else(|_| "[]".into());
        let files = serde_json::to_string(&update.local_files).unwrap_or_else(|_| "[]".into());
        let amount = update.price.as_ref().map(|p| p.amount);
        let unit = update.price.as_ref().map(|p| p.unit.clone());
        let provider = update.provider.as_str();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let changed = tx
            .execute(
                "UPDATE submissions SET status = $3, price_amount = COALESCE($4, price_amount), \
                 price_unit = COALESCE($5, price_unit), result_urls = $6, \
                 local_files = CASE WHEN $7 = '[]' THEN local_files ELSE $7 END, error = $8, updated_at = $9 \
                 WHERE provider = $1 AND task_id = $2",
                &[
                    &provider, &update.task_id, &update.status.as_str(), &amount, &unit, &urls, &files,
                    &update.error, &now,
                ],
            )
            .await?;
        if changed == 0 {
            // Submitted by another process or before the journal existed: adopt it.
            let key = format!("adopted-{provider}-{}", update.task_id);
            tx.execute(
                "INSERT INTO submissions (provider, submission_key, fingerprint, request_json, prompt, model, \
                 submit_state, task_id, status, price_amount, price_unit, result_urls, local_files, error, \
                 created_unix, created_at, updated_at) \
                 VALUES ($1, $2, '', '{}', '', '', 'created', $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
                 ON CONFLICT (submission_key) DO NOTHING",
                &[
                    &provider, &key, &update.task_id, &update.status.as_str(), &amount, &unit, &urls,
                    &files, &update.error, &unix_now(), &now,
                ],
            )
            .await?;
        }
        let row = tx
            .query_one(
                "SELECT local_id FROM submissions WHERE provider = $1 AND task_id = $2 \
                 ORDER BY local_id DESC LIMIT 1",
                &[&provider, &update.task_id],
            )
            .await?;
        let local_id = row.try_get("local_id")?;
        tx.commit().await?;
        Ok(local_id)
    }

    /// See [`super::Journal::recent_duplicate`].
    pub async fn recent_duplicate(
        &self,
        provider: ProviderId,
        fingerprint: String,
        since_unix: i64,
        owner: Option<String>,
    ) -> Result<Option<Entry>, JournalError> {
        live_duplicate(
            &self.client().await?,
            provider,
            &fingerprint,
            since_unix,
            owner.as_deref(),
        )
        .await
    }

    /// See [`super::Journal::unfinished`].
    pub async fn unfinished(&self, provider: ProviderId) -> Result<Vec<Entry>, JournalError> {
        self.entries(
                &format!(
                    "SELECT {COLUMNS} FROM submissions WHERE provider = $1 AND (submit_state = 'sending' \
                     OR (submit_state = 'created' AND (status IS NULL OR status IN ('queued', 'running')))) \
                     AND NOT {STORY_ROW} ORDER BY local_id"
                ),
                &[&provider.as_str()],
        )
        .await
    }

    /// See [`super::Journal::list`].
    pub async fn list(&self, filter: ListFilter) -> Result<Vec<Entry>, JournalError> {
        self.entries(
                &format!(
                    "SELECT {COLUMNS} FROM submissions WHERE ($1::text IS NULL OR status = $1) \
                     AND ($2::text IS NULL OR provider = $2) AND ($3::bigint IS NULL OR created_unix >= $3) \
                     AND ($6::text IS NULL OR owner = $6) ORDER BY local_id DESC LIMIT $4 OFFSET $5"
                ),
                &[
                    &filter.status.map(TaskStatus::as_str),
                    &filter.provider.map(ProviderId::as_str),
                    &filter.since_unix,
                    &i64::from(filter.limit),
                    &i64::from(filter.offset),
                    &filter.owner,
                ],
        )
        .await
    }

    /// See [`super::Journal::by_local_id`].
    pub async fn by_local_id(&self, local_id: i64) -> Result<Option<Entry>, JournalError> {
        self.entry_opt(
            &format!("SELECT {COLUMNS} FROM submissions WHERE local_id = $1"),
            &[&local_id],
        )
        .await
    }

    /// See [`super::Journal::by_task`].
    pub async fn by_task(
        &self,
        provider: ProviderId,
        task_id: String,
    ) -> Result<Option<Entry>, JournalError> {
        self.entry_opt(
            &format!(
                "SELECT {COLUMNS} FROM submissions WHERE provider = $1 AND task_id = $2 \
                     ORDER BY local_id DESC LIMIT 1"
            ),
            &[&provider.as_str(), &task_id],
        )
        .await
    }

    /// See [`super::Journal::cached_upload`].
    pub async fn cached_upload(
        &self,
        provider: ProviderId,
        sha256: String,
        since_unix: i64,
    ) -> Result<Option<String>, JournalError> {
        let row = self.cached_query_opt(
                "SELECT url FROM uploads WHERE provider = $1 AND sha256 = $2 AND created_unix >= $3",
                &[&provider.as_str(), &sha256, &since_unix],
            )
            .await?;
        Ok(row.map(|r| r.try_get("url")).transpose()?)
    }

    /// See [`super::Journal::record_upload`].
    pub async fn record_upload(
        &self,
        provider: ProviderId,
        sha256: String,
        url: String,
        size: i64,
    ) -> Result<(), JournalError> {
        self.cached_execute(
                "INSERT INTO uploads (provider, sha256, url, size, created_unix) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (provider, sha256) DO UPDATE SET url = EXCLUDED.url, size = EXCLUDED.size, \
                 created_unix = EXCLUDED.created_unix",
                &[&provider.as_str(), &sha256, &url, &size, &unix_now()],
            )
            .await?;
        Ok(())
    }

    /// The schema version of the database at `url` (`None`: no journal there yet),
    /// read without changing anything, within `timeout`: for `doctor`.
    pub async fn inspect(
        url: &str,
        timeout: std::time::Duration,
    ) -> Result<Option<u32>, JournalError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e: tokio_postgres::Error| JournalError::DatabaseUrl(e.to_string()))?;
        config.connect_timeout(timeout);
        let look = async {
            let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
            let driver = tokio::spawn(connection);
            let present: bool = client
                .query_one("SELECT to_regclass('journal_schema') IS NOT NULL", &[])
                .await?
                .try_get(0)?;
            let version: Option<i32> = if present {
                Some(
                    client
                        .query_one("SELECT version FROM journal_schema", &[])
                        .await?
                        .try_get(0)?,
                )
            } else {
                None
            };
            drop(client);
            let _ = driver.await;
            Ok::<_, JournalError>(version.map(|v| u32::try_from(v).unwrap_or(0)))
        };
        tokio::time::timeout(timeout, look).await.map_err(|_| {
            JournalError::Database(format!("no answer within {} s", timeout.as_secs()))
        })?
    }

    /// Runs one statement as it is; tests use it to write rows this build would not.
    #[doc(hidden)]
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, JournalError> {
        Ok(self.client().await?.execute(sql, &[]).await?)
    }
}

/// `url` as it may be shown: user, hosts, ports and database, never the password
/// or options; `None` when it does not parse.
pub fn shown_url(url: &str) -> Option<String> {
    let config: tokio_postgres::Config = url.parse().ok()?;
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .zip(config.get_ports().iter().chain(std::iter::repeat(&5432)))
        .map(|(host, port)| match host {
            tokio_postgres::config::Host::Tcp(name) => format!("{name}:{port}"),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let user = config
        .get_user()
        .map(|u| format!("{u}@"))
        .unwrap_or_default();
    let database = config.get_dbname().unwrap_or_default();
    Some(format!("postgres://{user}{}/{database}", hosts.join(",")))
}

/// The newest live submission (not refused, not finished badly) of a request by
/// one owner.
async fn live_duplicate(
    client: &impl GenericClient,
    provider: ProviderId,
    fingerprint: &str,
    since_unix: i64,
    owner: Option<&str>,
) -> Result<Option<Entry>, JournalError> {
    let statement = client
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM submissions WHERE provider = $1 AND fingerprint = $2 \
             AND created_unix >= $3 AND owner IS NOT DISTINCT FROM $4::text \
             AND submit_state IN ('sending', 'created', 'outcome_unknown') \
             AND (status IS NULL OR status NOT IN ('failed', 'cancelled', 'expired')) \
             ORDER BY local_id DESC LIMIT 1"
        ))
        .await?;
    let row = client
        .query_opt(
            &statement,
            &[&provider.as_str(), &fingerprint, &since_unix, &owner],
        )
        .await?;
    row.as_ref().map(entry).transpose()
}

/// See [`super::spent`].
async fn spent(
    client: &impl GenericClient,
    provider: ProviderId,
    since_unix: i64,
    owner: Option<&str>,
) -> Result<f64, JournalError> {
    let statement = client
        .prepare_cached(
            "SELECT COALESCE(SUM(COALESCE(price_amount, estimate_amount, 0)), 0)::float8 AS spent \
             FROM submissions WHERE provider = $1 AND created_unix >= $2 AND submit_state != 'rejected' \
             AND ($3::text IS NULL OR owner = $3)",
        )
        .await?;
    let row = client
        .query_one(&statement, &[&provider.as_str(), &since_unix, &owner])
        .await?;
    Ok(row.try_get("spent")?)
}

/// A text column parsed with `parse`; an unknown word names the column.
fn word<T>(
    row: &Row,
    column: &'static str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, JournalError> {
    let text: String = row.try_get(column)?;
    parse(&text).ok_or_else(|| JournalError::Unreadable {
        column,
        why: format!("unknown value {text:?}"),
    })
}

fn json_list<T: serde::de::DeserializeOwned>(
    row: &Row,
    column: &'static str,
) -> Result<Vec<T>, JournalError> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| JournalError::Unreadable {
        column,
        why: e.to_string(),
    })
}

fn entry(row: &Row) -> Result<Entry, JournalError> {
    let amount: Option<f64> = row.try_get("price_amount")?;
    let unit: Option<String> = row.try_get("price_unit")?;
    let status = match row.try_get::<_, Option<String>>("status")? {
        Some(text) => Some(
            TaskStatus::parse(&text).ok_or_else(|| JournalError::Unreadable {
                column: "status",
                why: format!("unknown value {text:?}"),
            })?,
        ),
        None => None,
    };
    Ok(Entry {
        local_id: row.try_get("local_id")?,
        provider: row.try_get("provider")?,
        submission_key: row.try_get("submission_key")?,
        fingerprint: row.try_get("fingerprint")?,
        request_json: row.try_get("request_json")?,
        prompt: row.try_get("prompt")?,
        model: row.try_get("model")?,
        facts: TaskFacts {
            kind: word(row, "output_kind", parse_kind)?,
            reference_video: row.try_get("reference_video")?,
        },
        submit_state: word(row, "submit_state", SubmitState::parse)?,
        task_id: row.try_get("task_id")?,
        status,
        price: amount.zip(unit).map(|(a, u)| Amount::new(a, u)),
        result_urls: json_list(row, "result_urls")?,
        local_files: json_list(row, "local_files")?,
        error: row.try_get("error")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        story: story_part(
            row.try_get("story_id")?,
            row.try_get::<_, Option<i64>>("clip_index")?
                .map(|index| {
                    u32::try_from(index).map_err(|_| JournalError::Unreadable {
                        column: "clip_index",
                        why: format!("{index} is not a clip index"),
                    })
                })
                .transpose()?,
        ),
        owner: row.try_get("owner")?,
    })
}
