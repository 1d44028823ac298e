//! The task journal: a SQLite file that remembers every paid submission.
//!
//! A row is written and synced *before* a create request leaves the machine, then
//! completed with the provider's task id, and updated on every status change. After
//! a crash, rows whose create never got an answer are reconciled (see
//! `Service::reconcile`), so a paid task is never lost and never paid twice by
//! accident. The same file also remembers which file contents a provider already
//! hosts (`uploads`). Blocking SQLite calls run on the blocking thread pool.
//!
//! A team server keeps the same journal in PostgreSQL instead ([`postgres`]),
//! chosen by `SEEDANCE_DATABASE_URL`; every method below answers the same on both.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

pub mod checks;
pub mod orphans;
pub mod postgres;
mod provider_state;
mod schema;
mod stories;
pub mod tokens;
mod uploads;

use stories::STORY_ROW;
pub use stories::StoryPart;

use rusqlite::{Connection, OptionalExtension, params};

use crate::{
    clock::unix_now,
    domain::{Amount, OutputKind, ProviderId, TaskFacts, TaskStatus},
};

/// Where a submission stands with the provider.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SubmitState {
    /// Written before sending; no answer recorded yet.
    Sending,
    /// The provider created the task.
    Created,
    /// The provider refused; nothing was created or charged.
    Rejected,
    /// The request may or may not have created a task (connection lost, crash).
    OutcomeUnknown,
}

impl SubmitState {
    /// The word stored in the journal and shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sending => "sending",
            Self::Created => "created",
            Self::Rejected => "rejected",
            Self::OutcomeUnknown => "outcome_unknown",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            Self::Sending,
            Self::Created,
            Self::Rejected,
            Self::OutcomeUnknown,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

/// One journal row.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Local, increasing id.
    pub local_id: i64,
    /// The provider.
    pub provider: String,
    /// Idempotency key of the submission.
    pub submission_key: String,
    /// Hash of the validated request (duplicate detection).
    pub fingerprint: String,
    /// The `submit_task` arguments as JSON, to re-send after a crash.
    pub request_json: String,
    /// The prompt (for listings).
    pub prompt: String,
    /// The model as asked.
    pub model: String,
    /// What the server knows of the task that its provider does not repeat.
    pub facts: TaskFacts,
    /// Where the create stands.
    pub submit_state: SubmitState,
    /// The provider's task id, once known.
    pub task_id: Option<String>,
    /// Last known status.
    pub status: Option<TaskStatus>,
    /// What it cost.
    pub price: Option<Amount>,
    /// Result URLs.
    pub result_urls: Vec<String>,
    /// Saved files.
    pub local_files: Vec<PathBuf>,
    /// The last error or advice.
    pub error: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// The story this row is, or is a clip of (`submit_story`).
    pub story: Option<StoryPart>,
    /// The team server's user who submitted it (`None`: the single user, or the
    /// shared token).
    pub owner: Option<String>,
}

/// What is stored about a new submission before it is sent.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    /// The provider.
    pub provider: ProviderId,
    /// Idempotency key.
    pub submission_key: String,
    /// Request hash.
    pub fingerprint: String,
    /// Arguments as JSON.
    pub request_json: String,
    /// The prompt.
    pub prompt: String,
    /// The model as asked.
    pub model: String,
    /// What the provider's answers will not repeat.
    pub facts: TaskFacts,
    /// The cost estimated before sending, in the provider's unit (spend limits
    /// count it until the provider reports the real price).
    pub estimate: Option<f64>,
    /// The story this row is, or is a clip of.
    pub story: Option<StoryPart>,
    /// A job with no create request of its own (a story) is written as created
    /// at once, under this id.
    pub created_as: Option<String>,
    /// The team server's user it is for; duplicates are looked for among their
    /// submissions only.
    pub owner: Option<String>,
    /// The owner's daily budget, checked in the same transaction as the claim so
    /// that replicas racing for one user cannot overspend it together.
    pub owner_budget: Option<OwnerBudget>,
}

/// A user's rolling daily budget, as the claim checks it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OwnerBudget {
    /// Most the user's submissions since `since_unix` may cost together.
    pub limit: f64,
    /// Start of the window (Unix seconds).
    pub since_unix: i64,
}

/// Filters of `list_tasks`.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only this status.
    pub status: Option<TaskStatus>,
    /// Only this provider.
    pub provider: Option<ProviderId>,
    /// Only rows created at or after this Unix time.
    pub since_unix: Option<i64>,
    /// Page size.
    pub limit: u32,
    /// Rows to skip.
    pub offset: u32,
    /// Only this user's rows (`None`: everyone's).
    pub owner: Option<String>,
}

/// A journal failure.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// SQLite said no.
    #[error("task journal: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL said no (its messages never carry the connection URL).
    #[error("task journal database: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// The database could not be reached or its pool failed.
    #[error("task journal database: {0}")]
    Database(String),
    /// `SEEDANCE_DATABASE_URL` is not a PostgreSQL URL.
    #[error(
        "{var} is not a PostgreSQL URL ({0}); write it as postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE",
        var = crate::env_vars::SEEDANCE_DATABASE_URL
    )]
    DatabaseUrl(String),
    /// A stored value this build cannot read.
    #[error("task journal: column {column}: {why}")]
    Unreadable {
        /// The column.
        column: &'static str,
        /// Why.
        why: String,
    },
    /// The folder could not be created.
    #[error("task journal folder {path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The blocking worker died.
    #[error("task journal worker failed: {0}")]
    Worker(String),
    /// The file was written by a newer build, whose rows this one cannot read.
    #[error(
        "task journal was written by a newer seedance-mcp (schema {found}; this build knows up to {known}): \
         update seedance-mcp, or point SEEDANCE_DATA_DIR at another folder"
    )]
    Newer {
        /// The file's schema version.
        found: u32,
        /// The newest this build knows.
        known: u32,
    },
}

/// What claiming a request found.
#[derive(Debug)]
pub enum Claim {
    /// The request is ours: its row, by local id, is written.
    Claimed(i64),
    /// A live submission of the same request came first.
    Duplicate(Box<Entry>),
    /// The owner's budget would be passed: `spent` is what their window already
    /// holds; nothing was written.
    OverBudget {
        /// Spent (or held by estimates) within the budget's window.
        spent: f64,
    },
}

/// The journal handle; cheap to clone.
#[derive(Debug, Clone)]
pub struct Journal {
    backend: Backend,
    /// This process's id as a sender of submissions (random per opening), so
    /// that other processes can tell when it stopped (see `orphans`).
    sender: Arc<str>,
}

/// A fresh sender id: 64 random bits in hex.
fn new_sender() -> Arc<str> {
    format!("{:016x}", rand::random::<u64>()).into()
}

/// Where the rows live.
#[derive(Debug, Clone)]
enum Backend {
    /// `journal.sqlite3` in the data folder: one user, any number of processes.
    Sqlite {
        conn: Arc<Mutex<Connection>>,
        path: PathBuf,
    },
    /// A PostgreSQL database shared by a team server's replicas.
    Postgres(Arc<postgres::PgJournal>),
}

/// The journal's file name inside the data folder.
pub const FILE_NAME: &str = "journal.sqlite3";
/// The schema version this build writes (`PRAGMA user_version`); a file at a
/// lower one is upgraded on open, a higher one is refused.
pub const SCHEMA_VERSION: u32 = schema::VERSION;

const COLUMNS: &str = "local_id, provider, submission_key, fingerprint, request_json, prompt, model, \
    output_kind, reference_video, submit_state, task_id, status, price_amount, price_unit, result_urls, \
    local_files, error, created_at, updated_at, story_id, clip_index, owner";

impl Journal {
    /// Opens (or creates) `journal.sqlite3` in `dir`.
    pub fn open(dir: &Path) -> Result<Self, JournalError> {
        std::fs::create_dir_all(dir).map_err(|source| JournalError::Folder {
            path: dir.to_owned(),
            source,
        })?;
        let path = dir.join(FILE_NAME);
        let mut conn = Connection::open(&path)?;
        // First, so that another process opening the file at the same moment is
        // waited for, not reported as "database is locked".
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // WAL + FULL: a committed row survives a crash or power loss.
        set_wal(&conn)?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        schema::migrate(&mut conn)?;
        Ok(Self {
            backend: Backend::Sqlite {
                conn: Arc::new(Mutex::new(conn)),
                path,
            },
            sender: new_sender(),
        })
    }

    /// Connects to the PostgreSQL journal at `url` (migrating it if needed).
    pub async fn connect(url: &str) -> Result<Self, JournalError> {
        let journal = postgres::PgJournal::connect(url).await?;
        Ok(Self {
            backend: Backend::Postgres(Arc::new(journal)),
            sender: new_sender(),
        })
    }

    /// The SQLite file, or `None` on PostgreSQL.
    pub fn path(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Sqlite { path, .. } => Some(path),
            Backend::Postgres(_) => None,
        }
    }

    /// The PostgreSQL journal, when that is where the rows live.
    fn postgres(&self) -> Option<&postgres::PgJournal> {
        match &self.backend {
            Backend::Postgres(pg) => Some(pg),
            Backend::Sqlite { .. } => None,
        }
    }

    /// Runs `work` on the SQLite connection. Every public method answers from
    /// [`Self::postgres`] first when that is the backend, so reaching here on
    /// PostgreSQL is a missing branch, reported rather than panicking.
    async fn run<T, F>(&self, work: F) -> Result<T, JournalError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let Backend::Sqlite { conn, .. } = &self.backend else {
            return Err(JournalError::Database(
                "this journal operation has no PostgreSQL form in this build".into(),
            ));
        };
        let conn = Arc::clone(conn);
        tokio::task::spawn_blocking(move || {
            let guard = crate::sync::lock(&conn);
            work(&guard).map_err(JournalError::from)
        })
        .await
        .map_err(|e| JournalError::Worker(e.to_string()))?
    }

    /// Records a submission about to be sent without looking for duplicates;
    /// returns its local id.
    #[cfg(test)]
    pub(crate) async fn begin(&self, new: NewSubmission) -> Result<i64, JournalError> {
        match self.claim(new, None).await? {
            Claim::Claimed(local_id) => Ok(local_id),
            Claim::Duplicate(earlier) => Ok(earlier.local_id),
            Claim::OverBudget { .. } => Err(JournalError::Database("over budget".into())),
        }
    }

    /// Records a submission about to be sent, unless a live submission of the same
    /// request (same provider and fingerprint) was made since `duplicates_since`
    /// (`None`: do not look). The look and the write are one immediate transaction,
    /// which takes SQLite's write lock first: identical submissions racing in one
    /// process or in several processes on one file claim the request exactly once.
    pub async fn claim(
        &self,
        new: NewSubmission,
        duplicates_since: Option<i64>,
    ) -> Result<Claim, JournalError> {
        let sender = self.sender().to_owned();
        if let Some(pg) = self.postgres() {
            return pg.claim(new, duplicates_since, &sender).await;
        }
        let now = crate::clock::now_rfc3339();
        let unix = unix_now();
        self.run(move |c| {
            let tx = rusqlite::Transaction::new_unchecked(c, rusqlite::TransactionBehavior::Immediate)?;
            if let Some(since) = duplicates_since
                && let Some(earlier) =
                    live_duplicate(&tx, new.provider, &new.fingerprint, since, new.owner.as_deref())?
            {
                return Ok(Claim::Duplicate(Box::new(earlier)));
            }
            if let (Some(owner), Some(budget)) = (&new.owner, new.owner_budget) {
                let spent = spent(&tx, new.provider, budget.since_unix, Some(owner))?;
                if spent + new.estimate.unwrap_or(0.0) > budget.limit + BUDGET_SLACK {
                    return Ok(Claim::OverBudget { spent });
                }
            }
            let (story_id, clip_index) = stories::columns(new.story.as_ref());
            let state = if new.created_as.is_some() { "created" } else { "sending" };
            let status = new.created_as.as_ref().map(|_| TaskStatus::Queued.as_str());
            tx.execute(
                "INSERT INTO submissions (provider, submission_key, fingerprint, request_json, prompt, model, \
                 output_kind, reference_video, submit_state, created_unix, created_at, updated_at, estimate_amount, \
                 story_id, clip_index, task_id, status, owner, sender) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?12, ?9, ?10, ?10, ?11, ?13, ?14, ?15, ?16, ?17, ?18)",
                params![
                    new.provider.as_str(), new.submission_key, new.fingerprint, new.request_json, new.prompt,
                    new.model, kind_word(new.facts.kind), new.facts.reference_video, unix, now, new.estimate,
                    state, story_id, clip_index, new.created_as, status, new.owner, sender
                ],
            )?;
            // Read before any other insert: it is the connection's last one.
            let local_id = tx.last_insert_rowid();
            // Seen alive as it sends: its row is not an orphan while it keeps beating.
            tx.execute(
                "INSERT INTO senders (id, seen_unix) VALUES (?1, ?2) \
                 ON CONFLICT (id) DO UPDATE SET seen_unix = excluded.seen_unix",
                params![sender, unix],
            )?;
            tx.commit()?;
            Ok(Claim::Claimed(local_id))
        })
        .await
    }

    /// What the provider's tasks since `since_unix` cost, or were estimated to cost
    /// where no price is known yet: everyone's, or (`owner`) one user's. Refused
    /// submissions cost nothing; everything else counts, including ones whose
    /// outcome is unknown (they may have been charged).
    pub async fn spent_since(
        &self,
        provider: ProviderId,
        since_unix: i64,
        owner: Option<String>,
    ) -> Result<f64, JournalError> {
        if let Some(pg) = self.postgres() {
            return pg.spent_since(provider, since_unix, owner).await;
        }
        self.run(move |c| spent(c, provider, since_unix, owner.as_deref()))
            .await
    }

    /// The provider created the task.
    pub async fn mark_created(
        &self,
        local_id: i64,
        task_id: String,
        status: TaskStatus,
        price: Option<Amount>,
    ) -> Result<(), JournalError> {
        if let Some(pg) = self.postgres() {
            return pg.mark_created(local_id, task_id, status, price).await;
        }
        let now = crate::clock::now_rfc3339();
        self.run(move |c| {
            c.execute(
                "UPDATE submissions SET submit_state = 'created', task_id = ?2, status = ?3, \
                 price_amount = COALESCE(?4, price_amount), price_unit = COALESCE(?5, price_unit), error = NULL, updated_at = ?6 WHERE local_id = ?1",
                params![local_id, task_id, status.as_str(), price.as_ref().map(|p| p.amount), price.map(|p| p.unit), now],
            )?;
            Ok(())
        })
        .await
    }

    /// The create ended without a task (`Rejected`) or without knowing (`OutcomeUnknown`).
    pub async fn mark_failed_submit(
        &self,
        local_id: i64,
        state: SubmitState,
        error: String,
    ) -> Result<(), JournalError> {
        if let Some(pg) = self.postgres() {
            return pg.mark_failed_submit(local_id, state, error).await;
        }
        let now = crate::clock::now_rfc3339();
        self.run(move |c| {
            c.execute(
                "UPDATE submissions SET submit_state = ?2, error = ?3, updated_at = ?4 WHERE local_id = ?1",
                params![local_id, state.as_str(), error, now],
            )?;
            Ok(())
        })
        .await
    }

    /// Stores a task's latest state; adopts tasks submitted elsewhere. Returns the local id.
    pub async fn record_status(&self, update: StatusUpdate) -> Result<i64, JournalError> {
        if let Some(pg) = self.postgres() {
            return pg.record_status(update).await;
        }
        let now = crate::clock::now_rfc3339();
        let unix = unix_now();
        self.run(move |c| {
            let urls = serde_json::to_string(&update.result_urls).unwrap_or_else(|_| "[]".into());
            let files = serde_json::to_string(&update.local_files).unwrap_or_else(|_| "[]".into());
            let changed = c.execute(
                "UPDATE submissions SET status = ?3, price_amount = COALESCE(?4, price_amount), \
                 price_unit = COALESCE(?5, price_unit), result_urls = ?6, \
                 local_files = CASE WHEN ?7 = '[]' THEN local_files ELSE ?7 END, error = ?8, updated_at = ?9 \
                 WHERE provider = ?1 AND task_id = ?2",
                params![
                    update.provider.as_str(), update.task_id, update.status.as_str(),
                    update.price.as_ref().map(|p| p.amount), update.price.as_ref().map(|p| p.unit.clone()),
                    urls, files, update.error, now
                ],
            )?;
            if changed == 0 {
                // Submitted by another process or before the journal existed: adopt it.
                let key = format!("adopted-{}-{}", update.provider.as_str(), update.task_id);
                c.execute(
                    "INSERT OR IGNORE INTO submissions (provider, submission_key, fingerprint, request_json, prompt, model, \
                     submit_state, task_id, status, price_amount, price_unit, result_urls, local_files, error, created_unix, created_at, updated_at) \
                     VALUES (?1, ?2, '', '{}', '', '', 'created', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
                    params![
                        update.provider.as_str(), key, update.task_id, update.status.as_str(),
                        update.price.as_ref().map(|p| p.amount), update.price.as_ref().map(|p| p.unit.clone()),
                        urls, files, update.error, unix, now
                    ],
                )?;
            }
            c.query_row(
                "SELECT local_id FROM submissions WHERE provider = ?1 AND task_id = ?2 ORDER BY local_id DESC LIMIT 1",
                params![update.provider.as_str(), update.task_id],
                |row| row.get(0),
            )
        })
        .await
    }

    /// A live submission of the same request by the same owner made since
    /// `since_unix`, if any.
    pub async fn recent_duplicate(
        &self,
        provider: ProviderId,
        fingerprint: String,
        since_unix: i64,
        owner: Option<String>,
    ) -> Result<Option<Entry>, JournalError> {
        if let Some(pg) = self.postgres() {
            return pg
                .recent_duplicate(provider, fingerprint, since_unix, owner)
                .await;
        }
        self.run(move |c| live_duplicate(c, provider, &fingerprint, since_unix, owner.as_deref()))
            .await
    }

    /// Rows that need attention after a restart: creates without an answer, and
    /// tasks not finished when last seen (stories apart: their provider does not
    /// know them; see [`Journal::unfinished_stories`]).
    pub async fn unfinished(&self, provider: ProviderId) -> Result<Vec<Entry>, JournalError> {
        if let Some(pg) = self.postgres() {
            return pg.unfinished(provider).await;
        }
        self.run(move |c| {
            let mut statement = c.prepare(&format!(
                "SELECT {COLUMNS} FROM submissions WHERE provider = ?1 AND (submit_state = 'sending' \
                 OR (submit_state = 'created' AND (status IS NULL OR status IN ('queued', 'running')))) \
                 AND NOT {STORY_ROW} ORDER BY local_id"
            ))?;
            let rows = statement.query_map(params![provider.as_str()], entry)?;
            rows.collect()
        })
        .await
    }

    /// Newest first, filtered and paged.
    pub async fn list(&self, filter: ListFilter) -> Result<Vec<Entry>, JournalError> {
        if let Some(pg) = self.postgres() {
            return pg.list(filter).await;
        }
        self.run(move |c| {
            let mut statement = c.prepare(&format!(
                "SELECT {COLUMNS} FROM submissions WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR provider = ?2) \
                 AND (?3 IS NULL OR created_unix >= ?3) AND (?6 IS NULL OR owner = ?6) \
                 ORDER BY local_id DESC LIMIT ?4 OFFSET ?5"
            ))?;
            let rows = statement.query_map(
                params![
                    filter.status.map(TaskStatus::as_str),
                    filter.provider.map(ProviderId::as_str),
                    filter.since_unix,
                    filter.limit,
                    filter.offset,
                    filter.owner
                ],
                entry,
            )?;
            rows.collect()
        })
        .await
    }

    /// A row by local id.
    pub async fn by_local_id(&self, local_id: i64) -> Result<Option<Entry>, JournalError> {
        if let Some(pg) = self.postgres() {
            return pg.by_local_id(local_id).await;
        }
        self.run(move |c| {
            c.query_row(
                &format!("SELECT {COLUMNS} FROM submissions WHERE local_id = ?1"),
                params![local_id],
                entry,
            )
            .optional()
        })
        .await
    }

    /// The row of a provider task, if any.
    pub async fn by_task(
        &self,
        provider: ProviderId,
        task_id: String,
    ) -> Result<Option<Entry>, JournalError> {
        if let Some(pg) = self.postgres() {
            return pg.by_task(provider, task_id).await;
        }
        self.run(move |c| {
            c.query_row(
                &format!("SELECT {COLUMNS} FROM submissions WHERE provider = ?1 AND task_id = ?2 ORDER BY local_id DESC LIMIT 1"),
                params![provider.as_str(), task_id],
                entry,
            )
            .optional()
        })
        .await
    }
}

/// A status change to store.
#[derive(Debug, Clone)]
pub struct StatusUpdate {
    /// The provider.
    pub provider: ProviderId,
    /// The provider's task id.
    pub task_id: String,
    /// The status now.
    pub status: TaskStatus,
    /// Cost, when known.
    pub price: Option<Amount>,
    /// Result URLs.
    pub result_urls: Vec<String>,
    /// Saved files (empty keeps the stored ones).
    pub local_files: Vec<PathBuf>,
    /// Failure reason or download problem.
    pub error: Option<String>,
}

fn kind_word(kind: OutputKind) -> &'static str {
    match kind {
        OutputKind::Video => "video",
        OutputKind::Image => "image",
    }
}

fn parse_kind(word: &str) -> Option<OutputKind> {
    [OutputKind::Video, OutputKind::Image]
        .into_iter()
        .find(|kind| kind_word(*kind) == word)
}

/// A text column parsed with `parse`; a word it does not know is an error that
/// names the column and the word, never a silent default.
fn parsed<T>(
    row: &rusqlite::Row<'_>,
    column: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let text: String = row.get(column)?;
    parse(&text).ok_or_else(|| unreadable(row, column, format!("unknown value {text:?}")))
}

/// A JSON list column.
fn json_list<T: serde::de::DeserializeOwned>(
    row: &rusqlite::Row<'_>,
    column: &str,
) -> rusqlite::Result<Vec<T>> {
    let text: String = row.get(column)?;
    serde_json::from_str(&text).map_err(|e| unreadable(row, column, e.to_string()))
}

fn unreadable(row: &rusqlite::Row<'_>, column: &str, why: String) -> rusqlite::Error {
    let index = row.as_ref().column_index(column).unwrap_or(0);
    rusqlite::Error::FromSqlConversionFailure(
        index,
        rusqlite::types::Type::Text,
        format!("column {column}: {why}").into(),
    )
}

/// Switches a file to WAL. SQLite answers "locked" at once, without the busy
/// handler, when another process is switching the same new file, so this alone
/// waits and tries again for about a second.
fn set_wal(conn: &Connection) -> rusqlite::Result<()> {
    let mut attempt = 0;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if attempt < 10
                    && matches!(
                        e.code,
                        rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                    ) =>
            {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            result => return result,
        }
    }
}

/// The newest live submission (not refused, not finished badly) of a request by
/// one owner (`None`: by the single user or the shared token).
fn live_duplicate(
    c: &Connection,
    provider: ProviderId,
    fingerprint: &str,
    since_unix: i64,
    owner: Option<&str>,
) -> rusqlite::Result<Option<Entry>> {
    c.query_row(
        &format!(
            "SELECT {COLUMNS} FROM submissions WHERE provider = ?1 AND fingerprint = ?2 AND created_unix >= ?3 \
             AND owner IS ?4 AND submit_state IN ('sending', 'created', 'outcome_unknown') \
             AND (status IS NULL OR status NOT IN ('failed', 'cancelled', 'expired')) \
             ORDER BY local_id DESC LIMIT 1"
        ),
        params![provider.as_str(), fingerprint, since_unix, owner],
        entry,
    )
    .optional()
}

/// Prices are compared to the cent: a budget is passed only by a cent or more.
pub(crate) const BUDGET_SLACK: f64 = 0.005;

/// What the provider's submissions since `since_unix` cost or are estimated to
/// cost: everyone's, or one owner's.
fn spent(
    c: &Connection,
    provider: ProviderId,
    since_unix: i64,
    owner: Option<&str>,
) -> rusqlite::Result<f64> {
    c.query_row(
        "SELECT COALESCE(SUM(COALESCE(price_amount, estimate_amount, 0)), 0) FROM submissions \
         WHERE provider = ?1 AND created_unix >= ?2 AND submit_state != 'rejected' \
         AND (?3 IS NULL OR owner = ?3)",
        params![provider.as_str(), since_unix, owner],
        |row| row.get(0),
    )
}

fn entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    let amount: Option<f64> = row.get("price_amount")?;
    let unit: Option<String> = row.get("price_unit")?;
    let status: Option<String> = row.get("status")?;
    let status = match status {
        Some(word) => Some(
            TaskStatus::parse(&word)
                .ok_or_else(|| unreadable(row, "status", format!("unknown value {word:?}")))?,
        ),
        None => None,
    };
    Ok(Entry {
        local_id: row.get("local_id")?,
        provider: row.get("provider")?,
        submission_key: row.get("submission_key")?,
        fingerprint: row.get("fingerprint")?,
        request_json: row.get("request_json")?,
        prompt: row.get("prompt")?,
        model: row.get("model")?,
        facts: TaskFacts {
            kind: parsed(row, "output_kind", parse_kind)?,
            reference_video: row.get("reference_video")?,
        },
        submit_state: parsed(row, "submit_state", SubmitState::parse)?,
        task_id: row.get("task_id")?,
        status,
        price: amount.zip(unit).map(|(a, u)| Amount::new(a, u)),
        result_urls: json_list(row, "result_urls")?,
        local_files: json_list(row, "local_files")?,
        error: row.get("error")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
        story: stories::part(row.get("story_id")?, row.get("clip_index")?),
        owner: row.get("owner")?,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Where a test's journal lives: every test runs on each backend.
    pub(crate) enum Place {
        File(tempfile::TempDir),
        Database(String),
    }

    impl Place {
        pub(crate) async fn open(&self) -> Journal {
            match self {
                Self::File(dir) => Journal::open(dir.path()).unwrap(),
                Self::Database(url) => Journal::connect(url).await.unwrap(),
            }
        }

        /// Everything in the SQLite folder's files, as text (empty on PostgreSQL).
        pub(crate) fn raw_text(&self) -> String {
            let Self::File(dir) = self else {
                return String::new();
            };
            std::fs::read_dir(dir.path())
                .unwrap()
                .map(|f| {
                    String::from_utf8_lossy(&std::fs::read(f.unwrap().path()).unwrap()).into_owned()
                })
                .collect()
        }

        /// Writes a value this build would never write.
        async fn corrupt(&self, journal: &Journal, local_id: i64) {
            let sql = format!(
                "UPDATE submissions SET submit_state = 'teleported' WHERE local_id = {local_id}"
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
    }

    /// A SQLite file, and a fresh PostgreSQL schema where the test server answers
    /// (a missing server fails the run where `SEEDANCE_REQUIRE_POSTGRES` is set).
    pub(crate) async fn places() -> Vec<Place> {
        let mut places = vec![Place::File(tempfile::tempdir().unwrap())];
        match postgres::testing::fresh().await {
            Ok(db) => places.push(Place::Database(db.url)),
            Err(e) if postgres::testing::required() => panic!("{e}"),
            // Straight to stderr, past the test harness's capture, so the skip shows.
            Err(e) => {
                let _ = std::io::Write::write_all(
                    &mut std::io::stderr(),
                    format!("journal test SKIPPED on PostgreSQL: {e}\n").as_bytes(),
                );
            }
        }
        places
    }

    pub(crate) fn new(key: &str, fingerprint: &str) -> NewSubmission {
        NewSubmission {
            provider: crate::domain::test_id("sim"),
            submission_key: key.into(),
            fingerprint: fingerprint.into(),
            request_json: "{\"prompt\":\"x\"}".into(),
            prompt: "x".into(),
            model: "seedance-2.0-fast".into(),
            facts: TaskFacts {
                kind: OutputKind::Image,
                reference_video: true,
            },
            estimate: None,
            story: None,
            created_as: None,
            owner: None,
            owner_budget: None,
        }
    }

    #[tokio::test]
    async fn a_submission_goes_from_sending_to_created_and_survives_reopening() {
        for place in places().await {
            let journal = place.open().await;
            let id = journal.begin(new("k1", "f1")).await.unwrap();
            assert_eq!(
                journal
                    .unfinished(crate::domain::test_id("sim"))
                    .await
                    .unwrap()[0]
                    .submit_state,
                SubmitState::Sending
            );
            journal
                .mark_created(
                    id,
                    "t1".into(),
                    TaskStatus::Queued,
                    Some(Amount::new(40.0, "credits")),
                )
                .await
                .unwrap();
            drop(journal);
            let journal = place.open().await;
            let row = journal
                .by_task(crate::domain::test_id("sim"), "t1".into())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                (row.local_id, row.submit_state, row.status),
                (id, SubmitState::Created, Some(TaskStatus::Queued))
            );
            assert_eq!(row.price, Some(Amount::new(40.0, "credits")));
            assert_eq!(row.facts, new("k1", "f1").facts, "facts survive reopening");
        }
    }

    #[tokio::test]
    async fn a_row_with_a_word_this_build_does_not_know_is_an_error_not_a_default() {
        for place in places().await {
            let journal = place.open().await;
            let id = journal.begin(new("k1", "f1")).await.unwrap();
            place.corrupt(&journal, id).await;
            let err = journal.by_local_id(id).await.unwrap_err().to_string();
            assert!(
                err.contains("submit_state") && err.contains("teleported"),
                "{err}"
            );
        }
    }

    #[tokio::test]
    async fn duplicates_are_found_until_the_task_fails() {
        for place in places().await {
            let journal = place.open().await;
            let id = journal.begin(new("k1", "same")).await.unwrap();
            journal
                .mark_created(id, "t1".into(), TaskStatus::Queued, None)
                .await
                .unwrap();
            assert!(
                journal
                    .recent_duplicate(crate::domain::test_id("sim"), "same".into(), 0, None)
                    .await
                    .unwrap()
                    .is_some()
            );
            assert!(
                journal
                    .recent_duplicate(crate::domain::test_id("sim"), "other".into(), 0, None)
                    .await
                    .unwrap()
                    .is_none()
            );
            let update = StatusUpdate {
                provider: crate::domain::test_id("sim"),
                task_id: "t1".into(),
                status: TaskStatus::Failed,
                price: None,
                result_urls: vec![],
                local_files: vec![],
                error: Some("moderation".into()),
            };
            journal.record_status(update).await.unwrap();
            assert!(
                journal
                    .recent_duplicate(crate::domain::test_id("sim"), "same".into(), 0, None)
                    .await
                    .unwrap()
                    .is_none()
            );
        }
    }

    #[tokio::test]
    async fn unknown_tasks_are_adopted_and_listed_newest_first() {
        for place in places().await {
            let journal = place.open().await;
            journal.begin(new("k1", "f")).await.unwrap();
            let update = StatusUpdate {
                provider: crate::domain::test_id("xskill"),
                task_id: "elsewhere".into(),
                status: TaskStatus::Running,
                price: None,
                result_urls: vec![],
                local_files: vec![],
                error: None,
            };
            journal.record_status(update).await.unwrap();
            let all = journal
                .list(ListFilter {
                    limit: 10,
                    ..Default::default()
                })
                .await
                .unwrap();
            assert_eq!(all.len(), 2);
            assert_eq!(all[0].task_id.as_deref(), Some("elsewhere"));
            let running = ListFilter {
                status: Some(TaskStatus::Running),
                limit: 10,
                ..Default::default()
            };
            assert_eq!(journal.list(running).await.unwrap().len(), 1);
        }
    }

    #[tokio::test]
    async fn a_claim_answers_the_id_of_the_row_it_wrote() {
        for place in places().await {
            let (one, two) = (place.open().await, place.open().await);
            // Another process's heartbeat first, so that a rowid of the senders
            // table would differ from the submission's.
            two.heartbeat().await.unwrap();
            for (n, journal) in [&one, &two, &one].into_iter().enumerate() {
                let key = format!("k{n}");
                let id = journal.begin(new(&key, &key)).await.unwrap();
                let row = journal.by_local_id(id).await.unwrap().unwrap();
                assert_eq!(row.submission_key, key);
            }
        }
    }
}
