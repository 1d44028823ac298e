//! The spend guard: `SEEDANCE_MAX_COST_PER_TASK`, `SEEDANCE_DAILY_BUDGET` and
//! `SEEDANCE_CONFIRM_EVERY_TASK`.
//!
//! A submission whose estimate is above either limit (or any paid one, with
//! confirm-every set) needs a yes. Where the caller can ask the person paying
//! (a [`SpendApproval`], e.g. MCP form elicitation), they are asked; otherwise it
//! is refused with the figures and goes through only when the call repeats the
//! estimate as `confirm_cost`, so the agent has to show the user the price before
//! paying it. Amounts are in the provider's own unit and compared to the cent.
//!
//! On a team server each user may also have limits of their own (`seedance-mcp
//! token limits`). Those are the administrator's, so they are hard: nobody's yes
//! lifts them. The daily one is checked again inside the journal's claim, where
//! replicas racing for the same user take turns.

use super::{Service, ToolError};
use crate::{
    config::SpendLimits,
    domain::{Amount, ValidationError},
    journal::{OwnerBudget, tokens::UserLimits},
    request::SubmitTaskParams,
};

/// What the person is asked to pay for.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendQuote {
    /// The estimate, when the price can be estimated.
    pub price: Option<Amount>,
    /// The account balance now, when the provider tells it.
    pub balance: Option<Amount>,
    /// What will be made, in a line ("seedance-2.0-fast video, 10 s, 16:9: “a cat…”").
    pub summary: String,
    /// Why a yes is needed (the limit passed), in a sentence.
    pub reason: String,
}

/// The person's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approval {
    /// Yes: submit.
    Approved,
    /// No (declined or dismissed): refuse, charge nothing.
    Refused,
    /// Nobody could be asked after all (the client failed to answer): the
    /// caller falls back to `confirm_cost`.
    Unavailable,
    /// The question goes out with the answer to this call and the call comes
    /// back with the reply (MCP 2026-07-28 round trips): refuse for now, charge
    /// nothing.
    Deferred,
}

/// Someone who can say yes to a spend: the person paying, asked by the client.
#[async_trait::async_trait]
pub trait SpendApproval: Send + Sync {
    /// Asks about `quote`; returns once they answered.
    async fn approve(&self, quote: &SpendQuote) -> Approval;
}

/// The daily budget is a rolling window, so it never resets in the middle of a batch.
const BUDGET_WINDOW_SECONDS: i64 = 24 * 60 * 60;

impl Service {
    /// The same service with spend limits.
    pub fn with_spend_limits(mut self, limits: SpendLimits) -> Self {
        self.spend = limits;
        self
    }

    /// Refuses a submission the limits do not allow and that was not approved:
    /// by `confirm_cost`, or by the person through `approval` when it is given.
    pub(super) async fn check_spend(
        &self,
        params: &SubmitTaskParams,
        estimate: Option<&Amount>,
        approval: Option<&dyn SpendApproval>,
    ) -> Result<(), ToolError> {
        self.check_spend_for(summary(params), params.confirm_cost, estimate, approval)
            .await
    }

    /// [`Self::check_spend`] for any paid job (a task, a whole story): `summary`
    /// is the one line the person is shown.
    pub(super) async fn check_spend_for(
        &self,
        summary: String,
        confirm_cost: Option<f64>,
        estimate: Option<&Amount>,
        approval: Option<&dyn SpendApproval>,
    ) -> Result<(), ToolError> {
        self.check_user_limits(estimate).await?;
        // Where the person can be asked, they are: an agent's `confirm_cost`
        // does not stand in for their yes.
        let confirm_cost = confirm_cost.filter(|_| approval.is_none());
        let Some(needed) = self.needs_yes(estimate, confirm_cost).await? else {
            return Ok(());
        };
        let Some(approval) = approval else {
            return Err(needed.refusal());
        };
        let quote = SpendQuote {
            price: estimate.cloned(),
            balance: self.provider.balance().await.ok().map(|b| b.available),
            summary,
            reason: needed.problem.clone(),
        };
        match approval.approve(&quote).await {
            Approval::Approved => Ok(()),
            Approval::Refused => Err(ToolError {
                kind: crate::service::ToolErrorKind::SpendLimit,
                message: format!(
                    "The user declined to pay {} for this task. Nothing was sent to the provider and \
                     nothing was charged. Do not submit it again unless the user asks; a cheaper \
                     version (shorter, lower resolution, the fast model) may be welcome.",
                    estimate.map_or_else(|| "an unknown price".to_owned(), ToString::to_string)
                ),
            }),
            Approval::Unavailable | Approval::Deferred => Err(needed.refusal()),
        }
    }

    /// Why this submission needs a yes first, if it does; a `confirm_cost` that
    /// does not match the estimate is an error of its own.
    async fn needs_yes(
        &self,
        estimate: Option<&Amount>,
        confirm_cost: Option<f64>,
    ) -> Result<Option<Needed>, ToolError> {
        let limits = self.spend;
        if limits.per_task.is_none() && limits.daily.is_none() && !limits.confirm_every {
            return Ok(None);
        }
        let Some(estimate) = estimate else {
            return Ok(match confirm_cost {
                Some(_) => None,
                None => Some(Needed {
                    problem: "this request's cost cannot be estimated (a provider-native model, or \
                              prices the provider does not publish) and this server has spend limits"
                        .to_owned(),
                    fix: "tell the user the price is unknown; once they agree, call again with \
                          confirm_cost: 0"
                        .to_owned(),
                }),
            });
        };
        let cost = cents(estimate.amount);
        if let Some(confirmed) = confirm_cost {
            if cents(confirmed) == cost {
                return Ok(None);
            }
            return Err(ValidationError::new(
                "confirm_cost",
                format!(
                    "it is {} but this request is estimated at {}",
                    cents(confirmed),
                    estimate
                ),
                format!("pass confirm_cost: {cost} once the user agrees to that price"),
            )
            .into());
        }
        if limits.confirm_every && cost > 0.0 {
            return Ok(Some(Needed {
                problem: format!(
                    "this task is estimated at {estimate} and every paid task needs the user's yes \
                     (SEEDANCE_CONFIRM_EVERY_TASK)"
                ),
                fix: format!(
                    "show the user the price and, once they agree, call again with confirm_cost: {cost}"
                ),
            }));
        }
        if let Some(limit) = limits.per_task.filter(|limit| cost > cents(*limit)) {
            return Ok(Some(Needed {
                problem: format!(
                    "this task is estimated at {estimate}, above the limit of {limit} per task \
                     (SEEDANCE_MAX_COST_PER_TASK)"
                ),
                fix: format!(
                    "make it cheaper (shorter, lower resolution, the fast model), or show the user the \
                     price and, once they agree, call again with confirm_cost: {cost}"
                ),
            }));
        }
        if let Some(budget) = limits.daily {
            let since = crate::clock::unix_now() - BUDGET_WINDOW_SECONDS;
            let spent = cents(
                self.journal
                    .spent_since(self.provider.id(), since, None)
                    .await?,
            );
            if spent + cost > cents(budget) {
                return Ok(Some(Needed {
                    problem: format!(
                        "{spent} {unit} was spent in the last 24 hours; this task ({estimate}) would \
                         exceed the budget of {budget} (SEEDANCE_DAILY_BUDGET)",
                        unit = estimate.unit
                    ),
                    fix: format!(
                        "wait, or show the user the figures and, once they agree, call again with \
                         confirm_cost: {cost}"
                    ),
                }));
            }
        }
        Ok(None)
    }
}

impl Service {
    /// Refuses what the user's own limits do not allow (nothing to do for the
    /// single user or the shared token).
    async fn check_user_limits(&self, estimate: Option<&Amount>) -> Result<(), ToolError> {
        let Some(owner) = &self.owner else {
            return Ok(());
        };
        let limits = self.journal.user_limits(owner.clone()).await?;
        if limits == UserLimits::default() {
            return Ok(());
        }
        let Some(estimate) = estimate else {
            return Err(user_limit(
                "this request's cost cannot be estimated (a provider-native model, or prices the \
                 provider does not publish) and your account on this server has spend limits"
                    .to_owned(),
                "use a model and options whose price is known (dry_run: true shows it)",
            ));
        };
        let cost = cents(estimate.amount);
        if let Some(cap) = limits.max_cost_per_task.filter(|cap| cost > cents(*cap)) {
            return Err(user_limit(
                format!("this task is estimated at {estimate}, above your limit of {cap} per task"),
                "make it cheaper (shorter, lower resolution, the fast model), or ask the server's \
                 administrator to raise your limit",
            ));
        }
        if let Some(budget) = self.owner_budget(&limits) {
            let spent = self
                .journal
                .spent_since(self.provider.id(), budget.since_unix, Some(owner.clone()))
                .await?;
            if spent + estimate.amount > budget.limit + crate::journal::BUDGET_SLACK {
                return Err(over_budget(spent, estimate, budget.limit));
            }
        }
        Ok(())
    }

    /// The user's daily budget as the journal's claim checks it (`None` for the
    /// single user, the shared token, or a user without one).
    pub(super) fn owner_budget(&self, limits: &UserLimits) -> Option<OwnerBudget> {
        self.owner.as_ref()?;
        limits.daily_budget.map(|limit| OwnerBudget {
            limit,
            since_unix: crate::clock::unix_now() - BUDGET_WINDOW_SECONDS,
        })
    }

    /// What the claim of a submission checks against the user's daily budget.
    pub(super) async fn claim_budget(&self) -> Result<Option<OwnerBudget>, ToolError> {
        let Some(owner) = &self.owner else {
            return Ok(None);
        };
        let limits = self.journal.user_limits(owner.clone()).await?;
        Ok(self.owner_budget(&limits))
    }
}

/// The refusal when a claim finds the user's daily budget spent (by calls on
/// any replica).
pub(super) fn over_budget(spent: f64, estimate: &Amount, budget: f64) -> ToolError {
    user_limit(
        format!(
            "{} {unit} of your tasks were spent or are under way in the last 24 hours; this task \
             ({estimate}) would pass your daily budget of {budget}",
            cents(spent),
            unit = estimate.unit
        ),
        "wait until earlier tasks leave the 24-hour window, or ask the server's administrator to \
         raise your budget",
    )
}

/// A refusal under a user's own limits: no confirmation lifts it.
fn user_limit(problem: String, fix: &str) -> ToolError {
    ToolError {
        kind: crate::service::ToolErrorKind::SpendLimit,
        message: crate::service::sentences(
            &format!("Your limit on this server: {problem}; {fix}."),
            "Nothing was sent to the provider and nothing was charged; confirm_cost cannot lift \
             this limit.",
        ),
    }
}

/// Why a submission needs a yes, and how an agent gets one without elicitation.
struct Needed {
    problem: String,
    fix: String,
}

impl Needed {
    /// The `spend_limit` refusal an agent reads.
    fn refusal(self) -> ToolError {
        ToolError {
            kind: crate::service::ToolErrorKind::SpendLimit,
            message: crate::service::sentences(
                &ValidationError::new("confirm_cost", self.problem, self.fix).to_string(),
                "Nothing was sent to the provider and nothing was charged.",
            ),
        }
    }
}

/// A line saying what a submission will make, for the person asked to pay.
fn summary(params: &SubmitTaskParams) -> String {
    let model = params.model.as_deref().unwrap_or("seedance-2.0-fast");
    let mut parts = vec![model.to_owned()];
    if let Some(duration) = params.duration {
        parts.push(format!("{duration} s"));
    }
    parts.extend(params.resolution.clone());
    parts.extend(params.ratio.clone());
    let prompt: String = params
        .prompt
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let short: String = prompt.chars().take(80).collect();
    let ellipsis = if short.len() < prompt.len() {
        "…"
    } else {
        ""
    };
    format!("{}: “{short}{ellipsis}”", parts.join(", "))
}

/// An amount rounded to the cent, the precision prices are compared at.
pub(super) fn cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}
