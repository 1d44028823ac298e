//! The shared vocabulary every layer speaks: which provider ([`ProviderId`]), what
//! was asked for (the validated [`GenerationRequest`]), what came back (task
//! states, prices, balances), and why a request was refused before sending
//! ([`ValidationError`]).
//!
//! A leaf: nothing here depends on another module of the crate, so any module
//! may use it.

mod options;
mod provider;
mod request;
mod task;
mod validation;

pub use options::{OptionGroup, ProviderOptions, same_group};
#[cfg(test)]
pub(crate) use provider::test_id;
pub use provider::{ProviderId, ProviderInfo};
pub(crate) use request::string_enum;
pub use request::{
    Generation, GenerationRequest, ImageRatio, ImageRequest, ImageSize, ImageUpload, KnownModel,
    Mode, ModelChoice, OutputKind, Ratio, Resolution, VideoInputs, VideoRequest, VideoTier,
};
pub use task::{
    Amount, Balance, FailureKind, HostedImage, SubmittedTask, TaskFacts, TaskFailure, TaskRef,
    TaskSnapshot, TaskStatus,
};
pub use validation::{ValidationError, one_of};
