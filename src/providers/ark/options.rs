//! The options only Ark (BytePlus ModelArk, Volcengine) reads: the `ark`
//! argument of `submit_task` as received ([`ArkOptions`]) and validated
//! ([`ArkSettings`], carried in the request's option groups).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::{OptionGroup, ValidationError, one_of, same_group, string_enum};

/// The `submit_task` argument that carries these options.
pub const ARGUMENT: &str = "ark";

/// Options only BytePlus ModelArk / Volcengine Ark understand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct ArkOptions {
    /// `flex`: cheaper and slower (not for Seedance 2.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<ServiceTier>")]
    #[arg(long)]
    pub service_tier: Option<String>,
    /// Seconds before the task expires, 3600 to 259200 (default 172800).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 3600, max = 259_200))]
    #[arg(long)]
    pub execution_expires_after: Option<i64>,
    /// A cheap 480p draft first (Seedance 1.5 pro).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub draft: Option<bool>,
    /// Finalise this succeeded draft (Seedance 1.5 pro).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub draft_task_id: Option<String>,
}

string_enum! {
    /// Ark service tier.
    ServiceTier {
        /// Normal queue.
        Default = "default",
        /// Cheaper, slower queue.
        Flex = "flex",
    }
}

/// Validated Ark-only options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArkSettings {
    /// Service tier.
    pub service_tier: Option<ServiceTier>,
    /// Expiry in seconds.
    pub execution_expires_after: Option<u32>,
    /// Draft mode.
    pub draft: bool,
    /// The draft to finalise.
    pub draft_task_id: Option<String>,
    /// `duration: -1` was asked for: the model chooses the length. Only Ark's
    /// Seedance 1.5 pro takes it, so it travels in Ark's own group, which
    /// every other backend refuses before sending.
    pub auto_duration: bool,
}

impl ArkSettings {
    /// Validates the `ark` argument; `None` when it sets nothing.
    pub fn from_options(options: &ArkOptions) -> Result<Option<Self>, ValidationError> {
        let service_tier = one_of(
            "ark.service_tier",
            options.service_tier.as_deref(),
            ServiceTier::parse,
            ServiceTier::allowed,
        )?;
        let execution_expires_after = match options.execution_expires_after {
            None => None,
            Some(s) if (3600..=259_200).contains(&s) => u32::try_from(s).ok(),
            Some(s) => {
                return Err(ValidationError::new(
                    "ark.execution_expires_after",
                    format!("{s} s is outside 3600-259200 s"),
                    "use between one hour (3600) and three days (259200)",
                ));
            }
        };
        let draft_task_id = options
            .draft_task_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_owned);
        let settings = Self {
            service_tier,
            execution_expires_after,
            draft: options.draft.unwrap_or(false),
            draft_task_id,
            auto_duration: false,
        };
        Ok((settings != Self::default()).then_some(settings))
    }

    /// `settings` with the model choosing the length (`duration: -1`).
    pub fn with_auto_duration(settings: Option<Self>) -> Self {
        Self {
            auto_duration: true,
            ..settings.unwrap_or_default()
        }
    }
}

impl OptionGroup for ArkSettings {
    fn argument(&self) -> &'static str {
        ARGUMENT
    }

    fn refusal(&self) -> (String, String) {
        if *self == Self::with_auto_duration(None) {
            return (
                "`duration` -1 (the model chooses the length)".to_owned(),
                "duration: pass 4 to 15 s; -1 exists on Ark's seedance-1-5-pro only.".to_owned(),
            );
        }
        (
            "the `ark` options".to_owned(),
            "Drop `ark`; they apply to BytePlus/Volcengine Ark only.".to_owned(),
        )
    }

    fn same_as(&self, other: &dyn OptionGroup) -> bool {
        same_group(self, other)
    }
}
