//! Users' tokens on PostgreSQL: the same rows and answers as on SQLite (see
//! `crate::journal::tokens`, which owns the token format and hashing).

use super::PgJournal;
use crate::journal::{
    JournalError,
    tokens::{ID_LEN as TOKEN_ID_LEN, UserLimits, UserToken},
};

impl PgJournal {
    /// See [`crate::journal::Journal::create_token`].
    pub(in crate::journal) async fn insert_token(
        &self,
        hash: &str,
        token: &UserToken,
    ) -> Result<(), JournalError> {
        self.cached_execute(
            "INSERT INTO tokens (hash, user_name, created_at) VALUES ($1, $2, $3)",
            &[&hash, &token.user, &token.created_at],
        )
        .await?;
        Ok(())
    }

    /// See [`crate::journal::Journal::tokens`].
    pub(in crate::journal) async fn tokens(&self) -> Result<Vec<UserToken>, JournalError> {
        let rows = self.cached_query(
                "SELECT t.hash, t.user_name, u.daily_budget, u.max_cost_per_task, t.created_at, t.revoked_at \
                 FROM tokens t LEFT JOIN users u ON u.name = t.user_name ORDER BY t.created_at DESC, t.hash",
                &[],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let hash: String = row.try_get("hash")?;
                Ok(UserToken {
                    id: hash.get(..TOKEN_ID_LEN).unwrap_or_default().to_owned(),
                    user: row.try_get("user_name")?,
                    daily_budget: row.try_get("daily_budget")?,
                    max_cost_per_task: row.try_get("max_cost_per_task")?,
                    created_at: row.try_get("created_at")?,
                    revoked_at: row.try_get("revoked_at")?,
                })
            })
            .collect()
    }

    /// See [`crate::journal::Journal::revoke_tokens`].
    pub(in crate::journal) async fn revoke_tokens(
        &self,
        id_or_user: &str,
        now: &str,
    ) -> Result<usize, JournalError> {
        let id_len = i32::try_from(TOKEN_ID_LEN).unwrap_or(i32::MAX);
        let changed = self
            .cached_execute(
                "UPDATE tokens SET revoked_at = $2 WHERE revoked_at IS NULL \
                 AND (user_name = $1 OR (length($1) = $3 AND substr(hash, 1, $3) = $1))",
                &[&id_or_user, &now, &id_len],
            )
            .await?;
        Ok(usize::try_from(changed).unwrap_or(usize::MAX))
    }

    /// See [`crate::journal::Journal::token_user`].
    pub(in crate::journal) async fn token_user(
        &self,
        hash: &str,
    ) -> Result<Option<UserToken>, JournalError> {
        let row = self
            .cached_query_opt(
                "SELECT t.user_name, u.daily_budget, u.max_cost_per_task, t.created_at \
                 FROM tokens t LEFT JOIN users u ON u.name = t.user_name \
                 WHERE t.hash = $1 AND t.revoked_at IS NULL",
                &[&hash],
            )
            .await?;
        row.map(|row| {
            Ok(UserToken {
                id: hash.get(..TOKEN_ID_LEN).unwrap_or_default().to_owned(),
                user: row.try_get("user_name")?,
                daily_budget: row.try_get("daily_budget")?,
                max_cost_per_task: row.try_get("max_cost_per_task")?,
                created_at: row.try_get("created_at")?,
                revoked_at: None,
            })
        })
        .transpose()
    }

    /// See [`crate::journal::Journal::user_limits`].
    pub(in crate::journal) async fn user_limits(
        &self,
        user: &str,
    ) -> Result<UserLimits, JournalError> {
        let row = self
            .cached_query_opt(
                "SELECT daily_budget, max_cost_per_task FROM users WHERE name = $1",
                &[&user],
            )
            .await?;
        row.map(|row| {
            Ok(UserLimits {
                daily_budget: row.try_get("daily_budget")?,
                max_cost_per_task: row.try_get("max_cost_per_task")?,
            })
        })
        .transpose()
        .map(Option::unwrap_or_default)
    }

    /// See [`crate::journal::Journal::change_user_limits`].
    pub(in crate::journal) async fn store_user_limits(
        &self,
        user: &str,
        limits: UserLimits,
        now: &str,
    ) -> Result<(), JournalError> {
        self.cached_execute(
                "INSERT INTO users (name, daily_budget, max_cost_per_task, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (name) DO UPDATE SET daily_budget = EXCLUDED.daily_budget, \
                 max_cost_per_task = EXCLUDED.max_cost_per_task, updated_at = EXCLUDED.updated_at",
                &[&user, &limits.daily_budget, &limits.max_cost_per_task, &now],
            )
            .await?;
        Ok(())
    }

    /// See [`crate::journal::Journal::has_users`].
    pub(in crate::journal) async fn has_users(&self) -> Result<bool, JournalError> {
        let row = self
            .cached_query_one(
                "SELECT EXISTS (SELECT 1 FROM tokens WHERE revoked_at IS NULL)",
                &[],
            )
            .await?;
        Ok(row.try_get(0)?)
    }
}
