//! The provider abstraction: one small typed trait, one folder per backend, and
//! the [`registry`] that lists them.
//!
//! Each backend (`xskill/`, `ark/`, `seedance2ai/`, `seed2/`, `sim/`) translates a
//! [`GenerationRequest`] into its own wire format and its answers back into the
//! shared types of [`crate::domain`]; errors are classified into [`ProviderError`]
//! kinds. Nothing above this module sees a provider's JSON.

pub mod answers;
pub(crate) mod api;
pub mod ark;
pub mod capabilities;
pub mod http;
pub mod inline;
pub(crate) mod lenient;
pub mod registry;
pub mod safe_fetch;
pub mod seed2;
pub mod seedance2ai;
pub mod sim;
pub mod state;
pub mod xskill;

use std::{fmt, time::Duration};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;

pub use capabilities::Capabilities;

use crate::{
    domain::{
        Amount, Balance, GenerationRequest, HostedImage, ImageUpload, OutputKind, ProviderId,
        SubmittedTask, TaskRef, TaskSnapshot,
    },
    error::ProviderError,
    secret::Secret,
    sync::lock,
};

/// What a backend is built from (the registry hands it over): its key, its base
/// URL and how long an API call may take.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// The key; `None` when unset.
    pub api_key: Option<Secret>,
    /// API base URL without a trailing slash (tests point it at a fake).
    pub base_url: String,
    /// How long one API call may take (uploads get twice as long).
    pub api_timeout: Duration,
    /// How long a simulated task takes from submit to `succeeded` (the simulator's
    /// only setting; real backends ignore it).
    pub simulated_task: Duration,
    /// Where answers that cannot be read are kept for bug reports
    /// (`<data folder>/answers`); `None`: they are only quoted in the error.
    pub answers_dir: Option<std::path::PathBuf>,
}

/// A result file's bytes as they arrive.
pub struct Download {
    /// The `Content-Type` the provider sent, if any.
    pub content_type: Option<String>,
    /// The `Content-Length` the provider announced, to detect a cut-off transfer.
    pub expected_len: Option<u64>,
    /// The body, chunk by chunk.
    pub body: BoxStream<'static, Result<Bytes, ProviderError>>,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

/// A provider create request, built but not sent. `submit` sends exactly this;
/// a dry run shows it. The body stays JSON because it *is* the wire format, shown
/// as is; no layer reads fields out of it.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateCall {
    /// HTTP method and URL (`sim://` for the simulator, which sends nothing).
    pub method: &'static str,
    /// Where it goes.
    pub url: String,
    /// Headers besides the content type, with secrets as placeholders, e.g.
    /// `Authorization: Bearer <XSKILL_API_KEY>`.
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: serde_json::Value,
}

impl CreateCall {
    /// A POST of `body` (serialised) to `url`, with the key shown by its variable name.
    pub fn post(
        provider: ProviderId,
        url: String,
        body: &impl serde::Serialize,
    ) -> Result<Self, ProviderError> {
        let key_var = provider.key_env().unwrap_or("no key");
        let body = serde_json::to_value(body).map_err(|e| ProviderError::Upstream {
            provider,
            status: None,
            message: format!("could not encode the request: {e}"),
        })?;
        Ok(Self {
            method: "POST",
            url,
            headers: vec![("Authorization".to_owned(), format!("Bearer <{key_var}>"))],
            body,
        })
    }
}

/// What every backend does. Keep it small: helpers that can be built from these
/// calls belong elsewhere.
#[async_trait]
pub trait Provider: Send + Sync + fmt::Debug + 'static {
    /// Which backend this is.
    fn id(&self) -> ProviderId;

    /// What it can do; [`Capabilities::check`] runs before every submit.
    fn capabilities(&self) -> &'static Capabilities;

    /// How long a task of this kind usually takes here: the polling schedule and
    /// the progress messages start from it.
    fn typical_duration(&self, kind: OutputKind) -> Duration {
        match kind {
            OutputKind::Video => Duration::from_secs(90),
            OutputKind::Image => Duration::from_secs(45),
        }
    }

    /// Creates a paid task. Must refuse, before sending anything, a request the
    /// provider cannot serve ([`ProviderError::Unsupported`]). `key` identifies this
    /// logical submission: providers with idempotency keys send it, unchanged, on
    /// every attempt. It sends exactly what [`Provider::create_call`] builds.
    async fn submit(
        &self,
        request: &GenerationRequest,
        key: &SubmissionKey,
    ) -> Result<SubmittedTask, ProviderError>;

    /// Like [`Provider::submit`], for a request whose body carries local files:
    /// each attachment's placeholder in the body is replaced by the file's base64
    /// as the body streams. Providers that cannot take files inline refuse.
    async fn submit_with(
        &self,
        request: &GenerationRequest,
        key: &SubmissionKey,
        attachments: &inline::Attachments,
    ) -> Result<SubmittedTask, ProviderError> {
        if attachments.is_empty() {
            return self.submit(request, key).await;
        }
        Err(ProviderError::Unsupported {
            provider: self.id(),
            feature: "local files sent inside the request".to_owned(),
            alternative: "Pass public https URLs for media.".to_owned(),
        })
    }

    /// The create request `submit` would send, built but not sent (dry runs show it).
    fn create_call(&self, request: &GenerationRequest) -> Result<CreateCall, ProviderError>;

    /// The task's current state; `task` carries what the journal knows of it.
    async fn task(&self, task: &TaskRef) -> Result<TaskSnapshot, ProviderError>;

    /// Several tasks' states. Providers with a batch query answer with one request;
    /// the rest ask one task at a time. Tasks the provider does not know are left out.
    async fn tasks(&self, tasks: &[TaskRef]) -> Result<Vec<TaskSnapshot>, ProviderError> {
        let mut found = Vec::with_capacity(tasks.len());
        for task in tasks {
            match self.task(task).await {
                Ok(snapshot) => found.push(snapshot),
                Err(ProviderError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(found)
    }

    /// What the request will cost, in the provider's unit, before it is sent; `None`
    /// where the provider's prices are unknown (native model ids, undocumented tiers).
    fn estimate(&self, request: &GenerationRequest) -> Option<Amount> {
        let _ = request;
        None
    }

    /// Hosts an image so it can be used as a reference.
    async fn upload_image(&self, image: &ImageUpload) -> Result<HostedImage, ProviderError>;

    /// The account balance.
    async fn balance(&self) -> Result<Balance, ProviderError>;

    /// Fetches one of the task's result URLs.
    async fn download(&self, url: &str) -> Result<Download, ProviderError>;

    /// True where a failed task's price goes back to the account (the provider's
    /// documents say so), so a failed task's price can be shown as refunded.
    fn refunds_failures(&self) -> bool {
        false
    }

    /// Where to keep state that must outlive this process; the service hands over
    /// its journal. Backends whose provider keeps everything ignore it.
    fn keep_state_in(&self, store: std::sync::Arc<dyn state::StateStore>) {
        let _ = store;
    }

    /// Cancels a task that has not started (where the provider can).
    async fn cancel(&self, task_id: &str) -> Result<(), ProviderError> {
        let _ = task_id;
        Err(ProviderError::Unsupported {
            provider: self.id(),
            feature: "cancelling tasks".to_owned(),
            alternative: "Let the task finish; it cannot be stopped through this provider's API."
                .to_owned(),
        })
    }
}

/// Identifies one logical submission across retries (sent as `Idempotency-Key`
/// where the provider honours one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionKey(String);

impl SubmissionKey {
    /// A fresh random key.
    pub fn random() -> Self {
        use rand::Rng;
        let bytes: [u8; 16] = rand::rng().random();
        Self(format!(
            "smcp-{}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        ))
    }

    /// A key read back from storage.
    pub fn from_stored(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The balance of providers without a balance endpoint: the last figure a create
/// answer carried, and when.
#[derive(Debug, Default)]
pub(crate) struct LastSeenBalance(std::sync::Mutex<Option<(f64, String)>>);

impl LastSeenBalance {
    /// Remembers a figure from a create answer.
    pub(crate) fn record(&self, amount: f64) {
        *lock(&self.0) = Some((amount, crate::clock::now_rfc3339()));
    }

    /// The last figure, or `Unsupported` with `advice` when none was seen yet.
    pub(crate) fn get(
        &self,
        provider: ProviderId,
        unit: &str,
        advice: &str,
    ) -> Result<Balance, ProviderError> {
        match lock(&self.0).clone() {
            Some((amount, seen)) => Ok(Balance {
                available: Amount::new(amount, unit),
                last_seen_at: Some(seen),
            }),
            None => Err(ProviderError::Unsupported {
                provider,
                feature: "reading the balance before a task reported it".to_owned(),
                alternative: advice.to_owned(),
            }),
        }
    }
}
