//! The spend guard: `SEEDANCE_MAX_COST_PER_TASK` and `SEEDANCE_DAILY_BUDGET`.
//!
//! A submission whose estimate is above either limit is refused with the figures,
//! and goes through only when the call repeats the estimate as `confirm_cost`, so
//! the agent has to show the user the price before paying it. Amounts are in the
//! provider's own unit and compared to the cent.

use super::{Service, ToolError};
use crate::{
    config::SpendLimits,
    domain::{Amount, ValidationError},
};

/// The daily budget is a rolling window, so it never resets in the middle of a batch.
const BUDGET_WINDOW_SECONDS: i64 = 24 * 60 * 60;

impl Service {
    /// The same service with spend limits.
    pub fn with_spend_limits(mut self, limits: SpendLimits) -> Self {
        self.spend = limits;
        self
    }

    /// Refuses a submission the limits do not allow and the caller did not confirm.
    pub(super) async fn check_spend(
        &self,
        estimate: Option<&Amount>,
        confirm_cost: Option<f64>,
    ) -> Result<(), ToolError> {
        let limits = self.spend;
        if limits.per_task.is_none() && limits.daily.is_none() {
            return Ok(());
        }
        let Some(estimate) = estimate else {
            return match confirm_cost {
                Some(_) => Ok(()),
                None => Err(refusal(
                    "this request's cost cannot be estimated (a provider-native model, or prices the \
                     provider does not publish) and this server has spend limits"
                        .to_owned(),
                    "tell the user the price is unknown; once they agree, call again with \
                     confirm_cost: 0"
                        .to_owned(),
                )),
            };
        };
        let cost = cents(estimate.amount);
        if let Some(confirmed) = confirm_cost {
            if cents(confirmed) == cost {
                return Ok(());
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
        if let Some(limit) = limits.per_task.filter(|limit| cost > cents(*limit)) {
            return Err(refusal(
                format!(
                    "this task is estimated at {estimate}, above the limit of {limit} per task \
                     (SEEDANCE_MAX_COST_PER_TASK)"
                ),
                format!(
                    "make it cheaper (shorter, lower resolution, the fast model), or show the user the \
                     price and, once they agree, call again with confirm_cost: {cost}"
                ),
            ));
        }
        if let Some(budget) = limits.daily {
            let since = crate::clock::unix_now() - BUDGET_WINDOW_SECONDS;
            let spent = cents(self.journal.spent_since(self.provider.id(), since).await?);
            if spent + cost > cents(budget) {
                return Err(refusal(
                    format!(
                        "{spent} {unit} was spent in the last 24 hours; this task ({estimate}) would \
                         exceed the budget of {budget} (SEEDANCE_DAILY_BUDGET)",
                        unit = estimate.unit
                    ),
                    format!(
                        "wait, or show the user the figures and, once they agree, call again with \
                         confirm_cost: {cost}"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// An amount rounded to the cent, the precision prices are compared at.
pub(super) fn cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

fn refusal(problem: String, fix: String) -> ToolError {
    ToolError {
        kind: crate::service::ToolErrorKind::SpendLimit,
        message: crate::service::sentences(
            &ValidationError::new("confirm_cost", problem, fix).to_string(),
            "Nothing was sent to the provider and nothing was charged.",
        ),
    }
}
