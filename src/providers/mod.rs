//! The provider abstraction: one small typed trait, one folder per backend.
//!
//! Each backend (`xskill/`, `sim/`) translates [`GenerationRequest`] into its own wire
//! format and its answers back into the shared types of [`crate::task`]; errors are
//! classified into [`ProviderError`] kinds. Nothing above this module sees a
//! provider's JSON.

pub mod http;
pub mod sim;
pub mod xskill;

use std::{fmt, sync::Arc};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;

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
    /// The built-in simulator: free, offline, placeholder results.
    Sim,
}

impl ProviderId {
    /// Every provider, in the order keys are looked for when none is chosen.
    pub const ALL: &'static [ProviderId] = &[ProviderId::Xskill, ProviderId::Sim];

    /// The name used in `SEEDANCE_PROVIDER` and in tool results.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Xskill => "xskill",
            Self::Sim => "sim",
        }
    }

    /// The env var holding this provider's key, if it needs one.
    pub fn key_env(self) -> Option<&'static str> {
        match self {
            Self::Xskill => Some(crate::env_vars::XSKILL_API_KEY),
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

/// What every backend does. Keep it small: helpers that can be built from these
/// calls belong elsewhere.
#[async_trait]
pub trait Provider: Send + Sync + fmt::Debug + 'static {
    /// Which backend this is.
    fn id(&self) -> ProviderId;

    /// Creates a paid task. Must refuse, before sending anything, a request the
    /// provider cannot serve ([`ProviderError::Unsupported`]).
    async fn submit(&self, request: &GenerationRequest) -> Result<SubmittedTask, ProviderError>;

    /// The task's current state.
    async fn task(&self, task_id: &str) -> Result<TaskSnapshot, ProviderError>;

    /// Hosts an image so it can be used as a reference.
    async fn upload_image(&self, image: &ImageUpload) -> Result<HostedImage, ProviderError>;

    /// The account balance.
    async fn balance(&self) -> Result<Balance, ProviderError>;

    /// Fetches one of the task's result URLs.
    async fn download(&self, url: &str) -> Result<Download, ProviderError>;
}

/// Builds the backend the configuration selects.
pub fn build(config: &Config) -> Result<Arc<dyn Provider>, ProviderError> {
    Ok(match config.provider {
        ProviderId::Xskill => Arc::new(xskill::Xskill::new(&config.xskill)?),
        ProviderId::Sim => Arc::new(sim::Sim::new(config.sim.clone())),
    })
}
