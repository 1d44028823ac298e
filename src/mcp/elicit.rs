//! Asking the person paying, through the client (form elicitation), before a
//! spend the limits do not allow on their own. Clients that cannot be asked keep
//! the `confirm_cost` round trip through the agent.

use std::time::Duration;

use rmcp::{
    Peer, RoleServer,
    model::{
        BooleanSchema, ClientCapabilities, ElicitRequestParams, ElicitationAction,
        ElicitationSchema, PrimitiveSchemaDefinition,
    },
};

use crate::service::spend::{Approval, SpendApproval, SpendQuote};

/// How long the person has to answer; past it nothing is spent.
const ANSWER_WITHIN: Duration = Duration::from_secs(10 * 60);

/// The single field of the form: ticked, pay; unticked, don't.
const PAY_FIELD: &str = "pay";

/// The person behind an MCP client that declared form elicitation.
pub struct ElicitApproval {
    peer: Peer<RoleServer>,
}

impl ElicitApproval {
    /// An approver for this call's client, when it can show a form.
    pub fn for_client(
        peer: &Peer<RoleServer>,
        capabilities: Option<&ClientCapabilities>,
    ) -> Option<Self> {
        let elicitation = capabilities?.elicitation.as_ref()?;
        // A capability naming neither mode means form (the 2025-06-18 shape).
        let form = elicitation.form.is_some() || elicitation.url.is_none();
        form.then(|| Self { peer: peer.clone() })
    }
}

/// The question, in the words the person reads.
pub fn question(quote: &SpendQuote) -> String {
    let price = quote
        .price
        .as_ref()
        .map_or_else(|| "an unknown price".to_owned(), ToString::to_string);
    let balance = quote
        .balance
        .as_ref()
        .map_or_else(|| "unknown".to_owned(), ToString::to_string);
    format!(
        "Pay {price} for this? {}\nBalance: {balance}.\nWhy you are asked: {}.",
        quote.summary, quote.reason
    )
}

#[async_trait::async_trait]
impl SpendApproval for ElicitApproval {
    async fn approve(&self, quote: &SpendQuote) -> Approval {
        let pay = BooleanSchema::new()
            .title("Pay and submit")
            .with_default(true);
        let schema = ElicitationSchema::new(
            [(
                PAY_FIELD.to_owned(),
                PrimitiveSchemaDefinition::Boolean(pay),
            )]
            .into(),
        );
        let request = ElicitRequestParams::FormElicitationParams {
            meta: None,
            message: question(quote),
            requested_schema: schema,
        };
        let answer =
            tokio::time::timeout(ANSWER_WITHIN, self.peer.create_elicitation(request)).await;
        match answer {
            Ok(Ok(result)) => match result.action {
                ElicitationAction::Accept => {
                    let unticked = result
                        .content
                        .as_ref()
                        .and_then(|c| c.get(PAY_FIELD))
                        .and_then(serde_json::Value::as_bool)
                        == Some(false);
                    if unticked {
                        Approval::Refused
                    } else {
                        Approval::Approved
                    }
                }
                // Decline, cancel, and any answer added later: no yes, no spend.
                _ => Approval::Refused,
            },
            Ok(Err(e)) => {
                tracing::info!(error = %e, "the client could not ask about the spend");
                Approval::Unavailable
            }
            Err(_) => {
                tracing::info!("no answer about the spend in time");
                Approval::Unavailable
            }
        }
    }
}
