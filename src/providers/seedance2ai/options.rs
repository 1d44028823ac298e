//! The option only seedance2ai.io reads: its generation `channel`.

use crate::domain::{OptionGroup, ValidationError, one_of, same_group, string_enum};

/// The `submit_task` argument that carries it.
pub const ARGUMENT: &str = "channel";

string_enum! {
    /// seedance2ai.io generation channel.
    Channel {
        /// The default channel.
        Standard = "standard",
        /// The channel for realistic output (no seed).
        Real = "real",
        /// The permissive channel.
        Wild = "wild",
    }
}

impl Channel {
    /// Validates the `channel` argument.
    pub fn from_argument(value: Option<&str>) -> Result<Option<Self>, ValidationError> {
        one_of(ARGUMENT, value, Self::parse, Self::allowed)
    }
}

impl OptionGroup for Channel {
    fn argument(&self) -> &'static str {
        ARGUMENT
    }

    fn refusal(&self) -> (String, String) {
        (
            "`channel`".to_owned(),
            "Drop `channel`; it applies to seedance2ai.io only.".to_owned(),
        )
    }

    fn same_as(&self, other: &dyn OptionGroup) -> bool {
        same_group(self, other)
    }
}
