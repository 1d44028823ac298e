//! A fresh, empty PostgreSQL schema per test, so the journal tests run on both
//! backends in parallel without seeing each other's rows. Used by the unit tests
//! here and by the integration tests; not part of the server.

/// The server the tests use (default: the local one every development and CI
/// machine runs, trust auth, database `test`).
pub const TEST_DATABASE_URL_VAR: &str = "SEEDANCE_TEST_DATABASE_URL";
/// Set (to anything but `0`) where a missing server must fail the tests rather
/// than skip them: `.ci/run` sets it.
pub const REQUIRE_POSTGRES_VAR: &str = "SEEDANCE_REQUIRE_POSTGRES";

const DEFAULT_TEST_DATABASE_URL: &str = "postgres://root@127.0.0.1:5432/test";

/// What a test gets: a URL whose connections use their own schema.
#[derive(Debug, Clone)]
pub struct TestDatabase {
    /// `postgres://…?options=-csearch_path%3D<schema>`.
    pub url: String,
    /// The schema, `journal_test_<unix time>_<random>`.
    pub schema: String,
}

/// Why no database was made.
#[derive(Debug, thiserror::Error)]
pub enum TestDatabaseError {
    /// The server did not answer; the test should be skipped unless CI requires it.
    #[error("no PostgreSQL at {var} (or {default}): {why}", var = TEST_DATABASE_URL_VAR, default = DEFAULT_TEST_DATABASE_URL)]
    Unreachable {
        /// The driver's words.
        why: String,
    },
}

/// Whether an unreachable server must fail the run.
pub fn required() -> bool {
    std::env::var(REQUIRE_POSTGRES_VAR).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Creates an empty schema on the test server and returns a URL that uses it.
pub async fn fresh() -> Result<TestDatabase, TestDatabaseError> {
    let base = std::env::var(TEST_DATABASE_URL_VAR)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_TEST_DATABASE_URL.to_owned());
    let unreachable =
        |e: tokio_postgres::Error| TestDatabaseError::Unreachable { why: e.to_string() };
    let (client, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
        .await
        .map_err(unreachable)?;
    let driver = tokio::spawn(connection);
    let now = crate::clock::unix_now();
    let schema = format!("journal_test_{now}_{:08x}", rand::random::<u32>());
    let made = async {
        sweep(&client, now).await?;
        client
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
    }
    .await
    .map_err(unreachable);
    drop(client);
    let _ = driver.await;
    made?;
    let separator = if base.contains('?') { '&' } else { '?' };
    Ok(TestDatabase {
        url: format!("{base}{separator}options=-csearch_path%3D{schema}"),
        schema,
    })
}

/// Drops the schemas tests left more than an hour ago (none is dropped at the
/// end of its test: no async drop), so a developer's database does not fill up.
async fn sweep(client: &tokio_postgres::Client, now: i64) -> Result<(), tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'journal\\_test\\_%'",
            &[],
        )
        .await?;
    for row in rows {
        let name: String = row.try_get(0)?;
        let made: Option<i64> = name
            .strip_prefix("journal_test_")
            .and_then(|rest| rest.split('_').next())
            .and_then(|unix| unix.parse().ok());
        if made.is_some_and(|made| now - made > 3600) {
            // Another run may be sweeping the same schema: its error is no matter.
            let _ = client
                .batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                .await;
        }
    }
    Ok(())
}
