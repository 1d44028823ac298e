//! Users' bearer tokens for a team server (`seedance-mcp token …`). A token is
//! shown once, when it is made; the journal keeps only its SHA-256, so a copy of
//! the database lets nobody in. Tokens are 256 random bits, which is why a plain
//! hash (not a slow password hash) is enough. Each token belongs to one user;
//! spend limits belong to the user (table `users`), whichever token they use.
//! (The `tokens` table's own limit columns predate that and stay empty.)

use rusqlite::{OptionalExtension, params};
use sha2::Digest;

use super::{Backend, Journal, JournalError};

/// What a token's text starts with, so it is recognised in a config file.
pub const TOKEN_PREFIX: &str = "sdm_";

/// A user's token as listed: never the token itself.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct UserToken {
    /// Short id (the start of the token's hash), for `token revoke`.
    pub id: String,
    /// Whose it is.
    pub user: String,
    /// Most this user's tasks of the last 24 hours may cost together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily_budget: Option<f64>,
    /// Most one of this user's tasks may cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_cost_per_task: Option<f64>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; a revoked token lets nobody in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

/// A new token's owner and limits.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The user name.
    pub user: String,
    /// Daily budget, in the provider's unit.
    pub daily_budget: Option<f64>,
    /// Per-task cap, in the provider's unit.
    pub max_cost_per_task: Option<f64>,
}

/// A user's spend limits, in the provider's unit; `None` is no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct UserLimits {
    /// Most the user's tasks of the last 24 hours may cost together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily_budget: Option<f64>,
    /// Most one of the user's tasks may cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_cost_per_task: Option<f64>,
}

/// A change to a user's limits: `None` leaves a limit as it is, `Some(None)` lifts it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LimitsChange {
    /// The daily budget.
    pub daily_budget: Option<Option<f64>>,
    /// The per-task cap.
    pub max_cost_per_task: Option<Option<f64>>,
}

/// Whether `name` may be a user name: it becomes a folder name for the user's
/// saved files, so only letters, digits, `.`, `_` and `-`, 1 to 64 of them, and
/// not `.` or `..`.
pub fn valid_user_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && name != "."
        && name != ".."
}

/// Length of a token's listed id, in hex digits of its hash.
pub(super) const ID_LEN: usize = 12;

/// A fresh token's text: the prefix and 32 random bytes, base64url.
fn mint() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The stored form of a token.
pub(super) fn digest(token: &str) -> String {
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Journal {
    /// Makes a token for `new.user`; returns it as listed and its text, which is
    /// never stored and cannot be shown again.
    /// Limits given with it become the user's (others stay as they were).
    pub async fn create_token(&self, new: NewToken) -> Result<(UserToken, String), JournalError> {
        let secret = mint();
        let hash = digest(&secret);
        let change = LimitsChange {
            daily_budget: new.daily_budget.map(Some),
            max_cost_per_task: new.max_cost_per_task.map(Some),
        };
        let limits = self.change_user_limits(new.user.clone(), change).await?;
        let listed = UserToken {
            id: hash[..ID_LEN].to_owned(),
            user: new.user,
            daily_budget: limits.daily_budget,
            max_cost_per_task: limits.max_cost_per_task,
            created_at: crate::clock::now_rfc3339(),
            revoked_at: None,
        };
        if let Backend::Postgres(pg) = &self.backend {
            pg.insert_token(&hash, &listed).await?;
            return Ok((listed, secret));
        }
        let row = listed.clone();
        self.run(move |c| {
            c.execute(
                "INSERT INTO tokens (hash, user_name, created_at) VALUES (?1, ?2, ?3)",
                params![hash, row.user, row.created_at],
            )
        })
        .await?;
        Ok((listed, secret))
    }

    /// Every token, newest first, revoked ones included.
    pub async fn tokens(&self) -> Result<Vec<UserToken>, JournalError> {
        if let Backend::Postgres(pg) = &self.backend {
            return pg.tokens().await;
        }
        self.run(|c| {
            let mut statement = c.prepare(
                "SELECT t.hash, t.user_name, u.daily_budget, u.max_cost_per_task, t.created_at, t.revoked_at \
                 FROM tokens t LEFT JOIN users u ON u.name = t.user_name ORDER BY t.created_at DESC, t.hash",
            )?;
            let rows = statement.query_map([], |row| {
                let hash: String = row.get("hash")?;
                Ok(UserToken {
                    id: hash.get(..ID_LEN).unwrap_or_default().to_owned(),
                    user: row.get("user_name")?,
                    daily_budget: row.get("daily_budget")?,
                    max_cost_per_task: row.get("max_cost_per_task")?,
                    created_at: row.get("created_at")?,
                    revoked_at: row.get("revoked_at")?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    /// Revokes the live tokens whose id is `id_or_user` or whose user is; returns
    /// how many.
    pub async fn revoke_tokens(&self, id_or_user: String) -> Result<usize, JournalError> {
        let now = crate::clock::now_rfc3339();
        if let Backend::Postgres(pg) = &self.backend {
            return pg.revoke_tokens(&id_or_user, &now).await;
        }
        self.run(move |c| {
            c.execute(
                "UPDATE tokens SET revoked_at = ?2 WHERE revoked_at IS NULL \
                 AND (user_name = ?1 OR (length(?1) = ?3 AND substr(hash, 1, ?3) = ?1))",
                params![id_or_user, now, ID_LEN as i64],
            )
        })
        .await
    }

    /// The live token whose text is `token`, if any.
    pub async fn token_user(&self, token: &str) -> Result<Option<UserToken>, JournalError> {
        let hash = digest(token);
        if let Backend::Postgres(pg) = &self.backend {
            return pg.token_user(&hash).await;
        }
        self.run(move |c| {
            c.query_row(
                "SELECT t.user_name, u.daily_budget, u.max_cost_per_task, t.created_at \
                 FROM tokens t LEFT JOIN users u ON u.name = t.user_name \
                 WHERE t.hash = ?1 AND t.revoked_at IS NULL",
                params![hash],
                |row| {
                    Ok(UserToken {
                        id: hash[..ID_LEN].to_owned(),
                        user: row.get("user_name")?,
                        daily_budget: row.get("daily_budget")?,
                        max_cost_per_task: row.get("max_cost_per_task")?,
                        created_at: row.get("created_at")?,
                        revoked_at: None,
                    })
                },
            )
            .optional()
        })
        .await
    }

    /// A user's spend limits (none set: no limits).
    pub async fn user_limits(&self, user: String) -> Result<UserLimits, JournalError> {
        if let Backend::Postgres(pg) = &self.backend {
            return pg.user_limits(&user).await;
        }
        self.run(move |c| {
            c.query_row(
                "SELECT daily_budget, max_cost_per_task FROM users WHERE name = ?1",
                params![user],
                |row| {
                    Ok(UserLimits {
                        daily_budget: row.get("daily_budget")?,
                        max_cost_per_task: row.get("max_cost_per_task")?,
                    })
                },
            )
            .optional()
            .map(Option::unwrap_or_default)
        })
        .await
    }

    /// Changes a user's limits; returns them as they now are.
    pub async fn change_user_limits(
        &self,
        user: String,
        change: LimitsChange,
    ) -> Result<UserLimits, JournalError> {
        let mut limits = self.user_limits(user.clone()).await?;
        if change == LimitsChange::default() {
            return Ok(limits);
        }
        if let Some(daily) = change.daily_budget {
            limits.daily_budget = daily;
        }
        if let Some(per_task) = change.max_cost_per_task {
            limits.max_cost_per_task = per_task;
        }
        let now = crate::clock::now_rfc3339();
        if let Backend::Postgres(pg) = &self.backend {
            pg.store_user_limits(&user, limits, &now).await?;
            return Ok(limits);
        }
        self.run(move |c| {
            c.execute(
                "INSERT INTO users (name, daily_budget, max_cost_per_task, updated_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (name) DO UPDATE SET daily_budget = excluded.daily_budget, \
                 max_cost_per_task = excluded.max_cost_per_task, updated_at = excluded.updated_at",
                params![user, limits.daily_budget, limits.max_cost_per_task, now],
            )
        })
        .await?;
        Ok(limits)
    }

    /// Whether any live token exists: then HTTP requests must carry one.
    pub async fn has_users(&self) -> Result<bool, JournalError> {
        if let Backend::Postgres(pg) = &self.backend {
            return pg.has_users().await;
        }
        self.run(|c| {
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM tokens WHERE revoked_at IS NULL)",
                [],
                |row| row.get(0),
            )
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_token_lets_its_user_in_until_it_is_revoked_and_only_its_hash_is_kept() {
        for place in crate::journal::tests::places().await {
            let journal = place.open().await;
            assert!(!journal.has_users().await.unwrap());
            let (listed, secret) = journal
                .create_token(NewToken {
                    user: "ana".into(),
                    daily_budget: Some(500.0),
                    max_cost_per_task: None,
                })
                .await
                .unwrap();
            assert!(
                secret.starts_with(TOKEN_PREFIX) && secret.len() > 40,
                "{secret}"
            );
            assert!(journal.has_users().await.unwrap());
            let found = journal.token_user(&secret).await.unwrap().unwrap();
            assert_eq!(
                (found.user.as_str(), found.daily_budget),
                ("ana", Some(500.0))
            );
            assert_eq!(found.id, listed.id);
            assert!(journal.token_user("sdm_guess").await.unwrap().is_none());
            let (_, other) = journal
                .create_token(NewToken {
                    user: "bo".into(),
                    daily_budget: None,
                    max_cost_per_task: Some(50.0),
                })
                .await
                .unwrap();
            assert_eq!(journal.tokens().await.unwrap().len(), 2);
            // Revoking by id touches that token only; by user, all of the user's.
            assert_eq!(journal.revoke_tokens(listed.id.clone()).await.unwrap(), 1);
            assert!(journal.token_user(&secret).await.unwrap().is_none());
            assert!(journal.token_user(&other).await.unwrap().is_some());
            assert_eq!(journal.revoke_tokens("bo".into()).await.unwrap(), 1);
            assert!(!journal.has_users().await.unwrap());
            let listed = journal.tokens().await.unwrap();
            assert!(listed.iter().all(|t| t.revoked_at.is_some()), "{listed:?}");
            // Neither token's text is stored: not in the SQLite files, not in a listing.
            let stored = format!("{listed:?}{}", place.raw_text());
            assert!(!stored.contains(&secret) && !stored.contains(&other));
        }
    }

    #[tokio::test]
    async fn limits_are_the_users_and_a_claim_past_the_budget_writes_nothing() {
        use crate::journal::{Claim, OwnerBudget};
        for place in crate::journal::tests::places().await {
            let journal = place.open().await;
            let change = LimitsChange {
                daily_budget: Some(Some(10.0)),
                max_cost_per_task: None,
            };
            journal
                .change_user_limits("ana".into(), change)
                .await
                .unwrap();
            // A token made later carries the user's limits, not its own.
            let (listed, _) = journal
                .create_token(NewToken {
                    user: "ana".into(),
                    daily_budget: None,
                    max_cost_per_task: Some(4.0),
                })
                .await
                .unwrap();
            assert_eq!(
                (listed.daily_budget, listed.max_cost_per_task),
                (Some(10.0), Some(4.0))
            );
            let lift = LimitsChange {
                daily_budget: Some(None),
                max_cost_per_task: None,
            };
            let now = journal
                .change_user_limits("ana".into(), lift)
                .await
                .unwrap();
            assert_eq!(now.daily_budget, None);
            assert_eq!(
                journal.user_limits("nobody".into()).await.unwrap(),
                UserLimits::default()
            );

            let budget = OwnerBudget {
                limit: 10.0,
                since_unix: 0,
            };
            let mut first = crate::journal::tests::new("k1", "f1");
            first.owner = Some("ana".into());
            first.owner_budget = Some(budget);
            first.estimate = Some(6.0);
            assert!(matches!(
                journal.claim(first.clone(), Some(0)).await.unwrap(),
                Claim::Claimed(_)
            ));
            // Another user's spending is not ana's; ana's second would pass 10.
            let mut other = first.clone();
            other.submission_key = "k2".into();
            other.owner = Some("bo".into());
            assert!(matches!(
                journal.claim(other, Some(0)).await.unwrap(),
                Claim::Claimed(_)
            ));
            let mut second = first.clone();
            second.submission_key = "k3".into();
            second.fingerprint = "f2".into();
            match journal.claim(second, Some(0)).await.unwrap() {
                Claim::OverBudget { spent } => assert_eq!(spent, 6.0),
                other => panic!("{other:?}"),
            }
            let ana_rows = crate::journal::ListFilter {
                limit: 10,
                owner: Some("ana".into()),
                ..Default::default()
            };
            assert_eq!(journal.list(ana_rows).await.unwrap().len(), 1);
        }
    }
}
