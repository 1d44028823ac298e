//! The options only seedance2ai.io reads: the `channel` of its video and
//! gpt-image-2 endpoints, and nano-banana-pro's `output_format`.

use crate::domain::{OptionGroup, ValidationError, one_of, same_group, string_enum};

/// The `submit_task` argument that carries the channel.
pub const ARGUMENT: &str = "channel";

/// The `submit_task` argument that carries nano-banana-pro's file format.
pub const OUTPUT_FORMAT: &str = "output_format";

string_enum! {
    /// seedance2ai.io generation channel. Video and gpt-image-2 each take only
    /// some of them ([`Channel::VIDEO`], [`Channel::GPT_IMAGE_2`]).
    Channel {
        /// The default channel (video and gpt-image-2).
        Standard = "standard",
        /// Video: the channel for realistic output (no seed).
        Real = "real",
        /// Video: the permissive channel.
        Wild = "wild",
        /// gpt-image-2: the cheaper channel.
        Economy = "economy",
    }
}

impl Channel {
    /// The channels of Seedance video tasks.
    pub const VIDEO: &'static [Channel] = &[Self::Standard, Self::Real, Self::Wild];
    /// The channels of gpt-image-2 tasks.
    pub const GPT_IMAGE_2: &'static [Channel] = &[Self::Standard, Self::Economy];

    /// Validates the `channel` argument of a task whose endpoint takes the
    /// channels in `allowed` (`what` names it in the message).
    pub fn from_argument(
        value: Option<&str>,
        allowed: &[Channel],
        what: &str,
    ) -> Result<Option<Self>, ValidationError> {
        let channel = one_of(ARGUMENT, value, Self::parse, Self::allowed)?;
        match channel {
            Some(c) if !allowed.contains(&c) => Err(ValidationError::new(
                ARGUMENT,
                format!("`{}` is not a channel of {what}", c.as_str()),
                format!("use one of {}", words(allowed)),
            )),
            other => Ok(other),
        }
    }
}

/// `a, b or c`.
pub(crate) fn words(channels: &[Channel]) -> String {
    let words: Vec<&str> = channels.iter().map(|c| c.as_str()).collect();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => words.join(""),
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

string_enum! {
    /// The file format of nano-banana-pro images.
    OutputFormat {
        /// PNG (the default).
        Png = "png",
        /// JPEG.
        Jpeg = "jpeg",
    }
}

impl OutputFormat {
    /// Validates the `output_format` argument.
    pub fn from_argument(value: Option<&str>) -> Result<Option<Self>, ValidationError> {
        one_of(OUTPUT_FORMAT, value, Self::parse, Self::allowed)
    }
}

impl OptionGroup for OutputFormat {
    fn argument(&self) -> &'static str {
        OUTPUT_FORMAT
    }

    fn refusal(&self) -> (String, String) {
        (
            "`output_format`".to_owned(),
            "Drop `output_format`; it applies to nano-banana-pro on seedance2ai.io only."
                .to_owned(),
        )
    }

    fn same_as(&self, other: &dyn OptionGroup) -> bool {
        same_group(self, other)
    }
}
