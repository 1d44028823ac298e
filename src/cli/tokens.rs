//! `seedance-mcp token create|list|revoke`: the bearer tokens of a team server's
//! users, kept (as hashes) in the task journal every replica shares.

use std::fmt::Write as _;

use serde::Serialize;

use super::human::Human;
use crate::journal::tokens::{UserLimits, UserToken};

/// `token` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum TokenAction {
    /// Make a bearer token for a user and print it once (only its hash is kept).
    /// `--daily-budget N` and `--max-cost-per-task N` given here set the user's
    /// own limits (hard: no confirmation lifts them).
    Create {
        /// Whose token it is (the name `token list` shows; also their folder's name).
        #[arg(long)]
        user: String,
    },
    /// Show or change a user's limits: `--daily-budget N`, `--max-cost-per-task N`
    /// set them, `--no-daily-budget`, `--no-max-cost-per-task` lift them.
    Limits {
        /// The user.
        user: String,
        /// Lift the user's daily budget.
        #[arg(long, conflicts_with = "daily_budget")]
        no_daily_budget: bool,
        /// Lift the user's per-task limit.
        #[arg(long, conflicts_with = "max_cost_per_task")]
        no_max_cost_per_task: bool,
    },
    /// List the tokens: user, id, limits, revoked or not (never the token itself).
    List,
    /// Revoke a token by the id `token list` shows, or every token of a user.
    Revoke {
        /// A token id or a user name.
        id_or_user: String,
    },
}

/// What `token create` prints.
#[derive(Debug, Serialize)]
pub struct TokenCreated {
    /// The token as listed.
    #[serde(flatten)]
    pub listed: UserToken,
    /// The bearer token: shown this once.
    pub token: String,
}

impl Human for TokenCreated {
    fn human(&self) -> String {
        format!(
            "Token for {} (id {}):\n\n  {}\n\nIt is shown only now; the journal keeps its hash. The user's MCP client sends\n\
             it as `Authorization: Bearer <token>` to `serve --http`.\n",
            self.listed.user, self.listed.id, self.token
        )
    }
}

/// What `token list` prints.
#[derive(Debug, Serialize)]
pub struct TokenList {
    /// Newest first.
    pub tokens: Vec<UserToken>,
}

impl Human for TokenList {
    fn human(&self) -> String {
        if self.tokens.is_empty() {
            return "No tokens: `serve --http` takes SEEDANCE_HTTP_TOKEN alone (or none on loopback).\n"
                .to_owned();
        }
        let mut out = String::new();
        for token in &self.tokens {
            let state = match &token.revoked_at {
                Some(when) => format!("revoked {when}"),
                None => "live".to_owned(),
            };
            let limits = match (token.daily_budget, token.max_cost_per_task) {
                (None, None) => String::new(),
                (daily, per_task) => format!(
                    "  limits: {}/day, {}/task",
                    daily.map_or_else(|| "-".to_owned(), |v| v.to_string()),
                    per_task.map_or_else(|| "-".to_owned(), |v| v.to_string())
                ),
            };
            let _ = writeln!(
                out,
                "{}  {}  made {}  {state}{limits}",
                token.id, token.user, token.created_at
            );
        }
        out
    }
}

/// What `token limits` prints.
#[derive(Debug, Serialize)]
pub struct LimitsShown {
    /// The user.
    pub user: String,
    /// Their limits now.
    #[serde(flatten)]
    pub limits: UserLimits,
}

impl Human for LimitsShown {
    fn human(&self) -> String {
        let shown = |limit: Option<f64>| limit.map_or_else(|| "none".to_owned(), |v| v.to_string());
        format!(
            "{}: daily budget {}, per task {} (in the provider's unit; hard limits)\n",
            self.user,
            shown(self.limits.daily_budget),
            shown(self.limits.max_cost_per_task)
        )
    }
}

/// What `token revoke` prints.
#[derive(Debug, Serialize)]
pub struct TokensRevoked {
    /// How many live tokens were revoked.
    pub revoked: usize,
}

impl Human for TokensRevoked {
    fn human(&self) -> String {
        match self.revoked {
            0 => "No live token has that id or user.\n".to_owned(),
            1 => "Revoked 1 token.\n".to_owned(),
            n => format!("Revoked {n} tokens.\n"),
        }
    }

    fn ended_badly(&self) -> bool {
        self.revoked == 0
    }
}
