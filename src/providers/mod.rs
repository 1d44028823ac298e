//! The provider abstraction: one small typed trait, one folder per backend.
//!
//! Each backend (`xskill/`, `sim/`) translates [`GenerationRequest`] into its own wire
//! format and its answers back into the shared types of [`crate::task`]; errors are
//! classified into [`ProviderError`] kinds. Nothing above this module sees a
//! provider's JSON.

pub mod ark;
pub mod capabilities;
pub mod http;
pub mod inline;
pub mod safe_fetch;
pub mod seed2;
pub mod seedance2ai;
pub mod sim;
pub mod xskill;

use std::{fmt, sync::Arc};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;

pub use capabilities::Capabilities;

use crate::{
    config::Config,
    error::ProviderError,
    request::{GenerationRequest, ImageUpload},
    task::{Balance, HostedImage, SubmittedTask, TaskSnapshot},
};

/// The backends this build knows.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ProviderId {
    /// xskill.ai (v3 API).
    Xskill,
    /// BytePlus ModelArk (international Ark).
    Byteplus,
    /// Volcengine Ark (China).
    Volcengine,
    /// seedance2ai.io.
    Seedance2ai,
    /// seed2.io.
    Seed2,
    /// The built-in simulator: free, offline, placeholder results.
    Sim,
}

impl ProviderId {
    /// Every provider, in the order keys are looked for when none is chosen
    /// (an Ark key selects BytePlus; Volcengine must be chosen by name).
    pub const ALL: &'static [ProviderId] = &[
        ProviderId::Xskill,
        ProviderId::Byteplus,
        ProviderId::Volcengine,
        ProviderId::Seedance2ai,
        ProviderId::Seed2,
        ProviderId::Sim,
    ];

    /// The name used in `SEEDANCE_PROVIDER` and in tool results.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Xskill => "xskill",
            Self::Byteplus => "byteplus",
            Self::Volcengine => "volcengine",
            Self::Seedance2ai => "seedance2ai",
            Self::Seed2 => "seed2",
            Self::Sim => "sim",
        }
    }

    /// The env var holding this provider's key, if it needs one.
    pub fn key_env(self) -> Option<&'static str> {
        use crate::env_vars as env;
        match self {
            Self::Xskill => Some(env::XSKILL_API_KEY),
            Self::Byteplus | Self::Volcengine => Some(env::ARK_API_KEY),
            Self::Seedance2ai => Some(env::SEEDANCE2AI_API_KEY),
            Self::Seed2 => Some(env::SEED2_API_KEY),
            Self::Sim => None,
        }
    }

    /// Parses a `SEEDANCE_PROVIDER` value.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|p| p.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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

    /// The task's current state.
    async fn task(&self, task_id: &str) -> Result<TaskSnapshot, ProviderError>;

    /// Several tasks' states. Providers with a batch query answer with one request;
    /// the rest ask one task at a time. Tasks the provider does not know are left out.
    async fn tasks(&self, task_ids: &[String]) -> Result<Vec<TaskSnapshot>, ProviderError> {
        let mut found = Vec::with_capacity(task_ids.len());
        for id in task_ids {
            match self.task(id).await {
                Ok(snapshot) => found.push(snapshot),
                Err(ProviderError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(found)
    }

    /// What the request will cost, in the provider's unit, before it is sent; `None`
    /// where the provider's prices are unknown (native model ids, undocumented tiers).
    fn estimate(&self, request: &GenerationRequest) -> Option<crate::task::Amount> {
        let _ = request;
        None
    }

    /// Hosts an image so it can be used as a reference.
    async fn upload_image(&self, image: &ImageUpload) -> Result<HostedImage, ProviderError>;

    /// The account balance.
    async fn balance(&self) -> Result<Balance, ProviderError>;

    /// Fetches one of the task's result URLs.
    async fn download(&self, url: &str) -> Result<Download, ProviderError>;

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

/// Builds the backend the configuration selects.
pub fn build(config: &Config) -> Result<Arc<dyn Provider>, ProviderError> {
    Ok(match config.provider {
        ProviderId::Xskill => Arc::new(xskill::Xskill::new(&config.xskill)?),
        ProviderId::Byteplus | ProviderId::Volcengine => {
            Arc::new(ark::Ark::new(config.provider, &config.ark)?)
        }
        ProviderId::Seedance2ai => Arc::new(seedance2ai::Seedance2ai::new(&config.seedance2ai)?),
        ProviderId::Seed2 => Arc::new(seed2::Seed2::new(&config.seed2)?),
        ProviderId::Sim => Arc::new(sim::Sim::new(config.sim.clone())),
    })
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
                available: crate::task::Amount::new(amount, unit),
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

/// Takes a backend's lock even if a panic elsewhere poisoned it: the maps behind
/// these locks stay consistent between statements.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The client and key every remote backend starts from.
pub(crate) fn remote_parts(
    provider: ProviderId,
    remote: &crate::config::RemoteConfig,
) -> Result<(reqwest::Client, crate::secret::Secret), ProviderError> {
    let api_key = remote
        .api_key
        .clone()
        .ok_or_else(|| ProviderError::Unauthenticated {
            provider,
            message: format!(
                "no key configured; set {}",
                provider.key_env().unwrap_or("its API key")
            ),
        })?;
    let client = http::client().map_err(|e| ProviderError::Upstream {
        provider,
        status: None,
        message: format!("cannot build the HTTP client: {e}"),
    })?;
    Ok((client, api_key))
}
