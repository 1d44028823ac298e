//! The journal's tables, and how a file of any earlier version is brought to this
//! one. `PRAGMA user_version` records the version a file has reached; each step
//! runs in its own transaction, so a crash mid-way leaves a file at a version it
//! can resume from. A file newer than this build is refused rather than guessed at.

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::JournalError;

/// One step: what it takes to go from version `n` to `n + 1`.
type Step = fn(&Transaction<'_>) -> rusqlite::Result<()>;

/// Every step, in order; the schema version is their count.
const STEPS: &[Step] = &[
    tables,
    estimates,
    task_facts,
    user_tokens,
    stories,
    provider_state,
    owners,
    task_checks,
    orphan_claims,
    senders,
];

/// The version this build writes.
pub(crate) const VERSION: u32 = STEPS.len() as u32;

/// Brings the file to [`VERSION`]. Each step reads the version inside its own
/// immediate transaction (which holds the write lock), so two processes opening a
/// new file at once take turns instead of both adding the same column.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), JournalError> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: u32 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if found > VERSION {
            return Err(JournalError::Newer {
                found,
                known: VERSION,
            });
        }
        let Some(step) = STEPS.get(found as usize) else {
            return Ok(());
        };
        step(&tx)?;
        tx.pragma_update(None, "user_version", found + 1)?;
        tx.commit()?;
    }
}

/// Version 1: submissions and the upload cache. `IF NOT EXISTS` because files
/// from before versioning (version 0) already have them.
fn tables(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS submissions (
            local_id INTEGER PRIMARY KEY AUTOINCREMENT,
            provider TEXT NOT NULL,
            submission_key TEXT NOT NULL UNIQUE,
            fingerprint TEXT NOT NULL,
            request_json TEXT NOT NULL,
            prompt TEXT NOT NULL,
            model TEXT NOT NULL,
            submit_state TEXT NOT NULL,
            task_id TEXT,
            status TEXT,
            price_amount REAL,
            price_unit TEXT,
            result_urls TEXT NOT NULL DEFAULT '[]',
            local_files TEXT NOT NULL DEFAULT '[]',
            error TEXT,
            created_unix INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS submissions_by_task ON submissions(provider, task_id);
        CREATE INDEX IF NOT EXISTS submissions_by_fingerprint
            ON submissions(provider, fingerprint, created_unix);
        CREATE TABLE IF NOT EXISTS uploads (
            provider TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            url TEXT NOT NULL,
            size INTEGER NOT NULL,
            created_unix INTEGER NOT NULL,
            PRIMARY KEY (provider, sha256)
        );",
    )
}

/// Version 2: the estimate made before sending, counted by spend limits until
/// the provider reports a price. Files from before versioning may have it.
fn estimates(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    if !has_column(tx, "submissions", "estimate_amount")? {
        tx.execute_batch("ALTER TABLE submissions ADD COLUMN estimate_amount REAL")?;
    }
    Ok(())
}

/// Version 3: what the server knows of each task that its provider does not
/// repeat (see `domain::TaskFacts`); older rows get a plain video's facts.
fn task_facts(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "ALTER TABLE submissions ADD COLUMN output_kind TEXT NOT NULL DEFAULT 'video';
         ALTER TABLE submissions ADD COLUMN reference_video INTEGER NOT NULL DEFAULT 0;",
    )
}

/// Version 4: users' bearer tokens for a team server (hashes only, see `tokens`).
fn user_tokens(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE tokens (
            hash TEXT PRIMARY KEY,
            user_name TEXT NOT NULL,
            daily_budget REAL,
            max_cost_per_task REAL,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        );",
    )
}

/// Version 5: stories (`submit_story`). A story is one row of its own (its id in
/// `task_id`, `story_id` equal to it, no `clip_index`); each clip is an ordinary
/// submission row that names its story and its place in it.
fn stories(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "ALTER TABLE submissions ADD COLUMN story_id TEXT;
         ALTER TABLE submissions ADD COLUMN clip_index INTEGER;
         CREATE INDEX IF NOT EXISTS submissions_by_story ON submissions(story_id, clip_index);",
    )
}

/// Version 6: what a backend keeps between processes (the simulator's tasks), as
/// text under keys per provider (see `providers::state`).
fn provider_state(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE provider_state (
            provider TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (provider, key)
        );",
    )
}

/// Version 7: whose each submission is (a team server's user; NULL for the
/// single user and the shared token), and each user's spend limits.
fn owners(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "ALTER TABLE submissions ADD COLUMN owner TEXT;
         CREATE INDEX submissions_by_owner ON submissions(owner, local_id);
         CREATE TABLE users (
            name TEXT PRIMARY KEY,
            daily_budget REAL,
            max_cost_per_task REAL,
            updated_at TEXT NOT NULL
         );",
    )
}

/// Version 8: the last status check of each unfinished task (and which process
/// made it) and who may make the next one (a lease), shared by every process on the journal so that
/// provider requests per task do not grow with the number of replicas.
fn task_checks(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE task_checks (
            provider TEXT NOT NULL,
            task_id TEXT NOT NULL,
            snapshot TEXT,
            checked_ms INTEGER,
            due_ms INTEGER,
            checked_by TEXT,
            lease_holder TEXT,
            lease_until_ms INTEGER,
            PRIMARY KEY (provider, task_id)
         );",
    )
}

/// Version 9: when a sweep last claimed a submission that was left without an
/// answer (see `orphans`), so that one replica settles it and another takes it
/// over only if that one dies too; and an index of the rows still sending, so a
/// sweep that finds nothing reads nothing else.
fn orphan_claims(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "ALTER TABLE submissions ADD COLUMN claimed_unix INTEGER;
         CREATE INDEX submissions_sending ON submissions(provider, created_unix)
            WHERE submit_state = 'sending';",
    )
}

/// Version 10: which process sent each submission, and when each process was
/// last seen alive: a submission whose sender stopped being seen is settled at
/// once, not only after the orphan age (see `orphans`).
fn senders(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "ALTER TABLE submissions ADD COLUMN sender TEXT;
         CREATE TABLE senders (id TEXT PRIMARY KEY, seen_unix INTEGER NOT NULL);",
    )
}

fn has_column(tx: &Transaction<'_>, table: &str, column: &str) -> rusqlite::Result<bool> {
    let mut statement = tx.prepare(&format!("PRAGMA table_info({table})"))?;
    let names = statement.query_map([], |row| row.get::<_, String>("name"))?;
    for name in names {
        if name? == column {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A journal as the first release wrote it: version 0, no estimates, no facts.
    fn first_release(conn: &Connection) {
        conn.execute_batch(
            "CREATE TABLE submissions (
                local_id INTEGER PRIMARY KEY AUTOINCREMENT, provider TEXT NOT NULL,
                submission_key TEXT NOT NULL UNIQUE, fingerprint TEXT NOT NULL,
                request_json TEXT NOT NULL, prompt TEXT NOT NULL, model TEXT NOT NULL,
                submit_state TEXT NOT NULL, task_id TEXT, status TEXT, price_amount REAL,
                price_unit TEXT, result_urls TEXT NOT NULL DEFAULT '[]',
                local_files TEXT NOT NULL DEFAULT '[]', error TEXT,
                created_unix INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
             INSERT INTO submissions (provider, submission_key, fingerprint, request_json, prompt,
                model, submit_state, task_id, status, created_unix, created_at, updated_at)
             VALUES ('xskill', 'k1', 'f', '{}', 'a fox', 'seedance-2.0', 'created', 't1', 'running',
                1, '1970-01-01T00:00:01Z', '1970-01-01T00:00:01Z');",
        )
        .unwrap();
    }

    #[test]
    fn a_first_release_journal_is_brought_to_this_version_keeping_its_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        first_release(&conn);
        migrate(&mut conn).unwrap();
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, VERSION);
        let (kind, reference, estimate): (String, i64, Option<f64>) = conn
            .query_row(
                "SELECT output_kind, reference_video, estimate_amount FROM submissions WHERE task_id = 't1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((kind.as_str(), reference, estimate), ("video", 0, None));
        // Running it again changes nothing.
        migrate(&mut conn).unwrap();
    }

    #[test]
    fn a_journal_from_a_newer_build_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", VERSION + 1)
            .unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(err.to_string().contains("newer"), "{err}");
    }
}
