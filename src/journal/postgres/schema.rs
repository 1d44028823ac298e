//! The journal's tables on PostgreSQL and their versions. `journal_schema` holds
//! the version a database has reached; every step runs in one transaction under
//! an advisory lock, so replicas starting together take turns and a crash leaves
//! a version to resume from. A database newer than this build is refused.
//!
//! Version 1 is the SQLite journal's version 3 (see `super::super::schema`), with
//! PostgreSQL's types; version 2 adds users' tokens (SQLite's 4), version 3 the
//! story columns (SQLite's 5), version 4 the backends' own state (SQLite's 6),
//! version 5 owners and users' limits (SQLite's 7), version 6 shared status
//! checks (SQLite's 8), version 7 orphans' claims (SQLite's 9), version 8
//! senders (SQLite's 10).

use deadpool_postgres::Transaction;

use crate::journal::JournalError;

/// Any fixed number: the advisory lock every replica's migration takes.
const MIGRATION_LOCK: i64 = 0x5eed_a11c_e000_0001;

/// The version this build writes.
pub(super) const VERSION: i32 = STEPS.len() as i32;

/// Every step, in order, as SQL.
const STEPS: &[&str] = &[
    "CREATE TABLE submissions (
        local_id BIGSERIAL PRIMARY KEY,
        provider TEXT NOT NULL,
        submission_key TEXT NOT NULL UNIQUE,
        fingerprint TEXT NOT NULL,
        request_json TEXT NOT NULL,
        prompt TEXT NOT NULL,
        model TEXT NOT NULL,
        output_kind TEXT NOT NULL DEFAULT 'video',
        reference_video BOOLEAN NOT NULL DEFAULT FALSE,
        submit_state TEXT NOT NULL,
        task_id TEXT,
        status TEXT,
        price_amount DOUBLE PRECISION,
        price_unit TEXT,
        estimate_amount DOUBLE PRECISION,
        result_urls TEXT NOT NULL DEFAULT '[]',
        local_files TEXT NOT NULL DEFAULT '[]',
        error TEXT,
        created_unix BIGINT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX submissions_by_task ON submissions (provider, task_id);
    CREATE INDEX submissions_by_fingerprint ON submissions (provider, fingerprint, created_unix);
    CREATE TABLE uploads (
        provider TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        url TEXT NOT NULL,
        size BIGINT NOT NULL,
        created_unix BIGINT NOT NULL,
        PRIMARY KEY (provider, sha256)
    );",
    "CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,
        user_name TEXT NOT NULL,
        daily_budget DOUBLE PRECISION,
        max_cost_per_task DOUBLE PRECISION,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );",
    "ALTER TABLE submissions ADD COLUMN story_id TEXT;
    ALTER TABLE submissions ADD COLUMN clip_index BIGINT;
    CREATE INDEX submissions_by_story ON submissions (story_id, clip_index);",
    "CREATE TABLE provider_state (
        provider TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (provider, key)
    );",
    "ALTER TABLE submissions ADD COLUMN owner TEXT;
    CREATE INDEX submissions_by_owner ON submissions (owner, local_id);
    CREATE TABLE users (
        name TEXT PRIMARY KEY,
        daily_budget DOUBLE PRECISION,
        max_cost_per_task DOUBLE PRECISION,
        updated_at TEXT NOT NULL
    );",
    "CREATE TABLE task_checks (
        provider TEXT NOT NULL,
        task_id TEXT NOT NULL,
        snapshot TEXT,
        checked_ms BIGINT,
        due_ms BIGINT,
        checked_by TEXT,
        lease_holder TEXT,
        lease_until_ms BIGINT,
        PRIMARY KEY (provider, task_id)
    );",
    "ALTER TABLE submissions ADD COLUMN claimed_unix BIGINT;
    CREATE INDEX submissions_sending ON submissions (provider, created_unix)
        WHERE submit_state = 'sending';",
    "ALTER TABLE submissions ADD COLUMN sender TEXT;
    CREATE TABLE senders (id TEXT PRIMARY KEY, seen_unix BIGINT NOT NULL);",
];

/// Brings the database to [`VERSION`].
pub(super) async fn migrate(client: &mut deadpool_postgres::Client) -> Result<(), JournalError> {
    loop {
        let tx = client.transaction().await?;
        let found = version(&tx).await?;
        if found > VERSION {
            return Err(JournalError::Newer {
                found: u32::try_from(found).unwrap_or(u32::MAX),
                known: u32::try_from(VERSION).unwrap_or(0),
            });
        }
        let Some(step) = usize::try_from(found).ok().and_then(|n| STEPS.get(n)) else {
            return Ok(());
        };
        tx.batch_execute(step).await?;
        tx.execute("UPDATE journal_schema SET version = $1", &[&(found + 1)])
            .await?;
        tx.commit().await?;
    }
}

/// The version reached, after taking the migration lock (held until the
/// transaction ends) and creating the version table if this is a new database.
async fn version(tx: &Transaction<'_>) -> Result<i32, JournalError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS journal_schema (version INTEGER NOT NULL);
         INSERT INTO journal_schema (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM journal_schema);",
    )
    .await?;
    let row = tx
        .query_one("SELECT version FROM journal_schema", &[])
        .await?;
    Ok(row.try_get("version")?)
}
