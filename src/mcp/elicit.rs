//! Asking the person paying, through the client (form elicitation), before a
//! spend the limits do not allow on their own. Clients that cannot be asked keep
//! the `confirm_cost` round trip through the agent.
//!
//! Up to 2025-11-25 the server sends `elicitation/create` and waits; from
//! 2026-07-28 it may not, so the call answers `input_required` with the same
//! form and the client calls again with the reply (multi-round-trip requests).

use std::{sync::Mutex, time::Duration};

use rmcp::{
    Peer, RoleServer,
    model::{
        BooleanSchema, ClientCapabilities, ElicitRequest, ElicitRequestParams, ElicitResult,
        ElicitationAction, ElicitationSchema, InputRequest, InputRequiredResult, InputResponses,
        PrimitiveSchemaDefinition,
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

/// The form asking about `quote`.
fn form(quote: &SpendQuote) -> ElicitRequestParams {
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
    ElicitRequestParams::FormElicitationParams {
        meta: None,
        message: question(quote),
        requested_schema: schema,
    }
}

/// What the person's reply means.
fn decision(reply: &ElicitResult) -> Approval {
    match reply.action {
        ElicitationAction::Accept => {
            let unticked = reply
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
    }
}

#[async_trait::async_trait]
impl SpendApproval for ElicitApproval {
    async fn approve(&self, quote: &SpendQuote) -> Approval {
        let answer =
            tokio::time::timeout(ANSWER_WITHIN, self.peer.create_elicitation(form(quote))).await;
        match answer {
            Ok(Ok(reply)) => decision(&reply),
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

/// Key of the spend question among a round's input requests.
const SPEND_KEY: &str = "spend";

/// The person asked across two calls (2026-07-28): the first call answers
/// with the form; the second brings the reply, which counts only for the price
/// it was given for (the request state names it).
pub struct RoundTrip {
    reply: Option<ElicitResult>,
    state: Option<String>,
    asked: Mutex<Option<SpendQuote>>,
}

impl RoundTrip {
    /// For a call that may carry the reply to an earlier round.
    pub fn new(responses: Option<InputResponses>, state: Option<String>) -> Self {
        let reply = responses
            .and_then(|mut r| r.remove(SPEND_KEY))
            .and_then(|v| serde_json::from_value::<ElicitResult>(v).ok());
        Self {
            reply,
            state,
            asked: Mutex::default(),
        }
    }

    /// The round to answer with, when the person has to be asked first.
    pub fn question(&self) -> Option<InputRequiredResult> {
        let quote = crate::sync::lock(&self.asked).clone()?;
        let request = InputRequest::Elicitation(ElicitRequest::new(form(&quote)));
        Some(InputRequiredResult::new(
            Some([(SPEND_KEY.to_owned(), request)].into()),
            Some(state_of(&quote)),
        ))
    }
}

/// The request state of a question: the price asked about, to the cent.
fn state_of(quote: &SpendQuote) -> String {
    match &quote.price {
        Some(price) => format!("spend:{:.2} {}", price.amount, price.unit),
        None => "spend:unknown".to_owned(),
    }
}

#[async_trait::async_trait]
impl SpendApproval for RoundTrip {
    async fn approve(&self, quote: &SpendQuote) -> Approval {
        match &self.reply {
            Some(reply) if self.state.as_deref() == Some(state_of(quote).as_str()) => {
                decision(reply)
            }
            // No reply yet, or one given for another price: ask.
            _ => {
                *crate::sync::lock(&self.asked) = Some(quote.clone());
                Approval::Deferred
            }
        }
    }
}
