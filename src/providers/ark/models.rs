//! The Seedance models Ark serves and the rules each one keeps, checked before
//! anything is sent so a mistake costs nothing and names its field and fix.
//!
//! The 1.x ids and rules are the BytePlus Seedance skill's model table and
//! parameter list: durations, which images each model animates, drafts on 1.5
//! pro only, and a final video made from a draft being the draft alone (plus
//! `resolution`). The 2.0 ids and rules come from the research notes, the
//! skill being older than 2.0. Ids are read by family (their dated suffix may
//! change); `ep-...` endpoints and ids of no known family are left to the
//! service, which knows what it deployed.

use std::ops::RangeInclusive;

use super::{
    Region,
    options::{ArkSettings, ServiceTier},
};
use crate::domain::{Resolution, VideoInputs, VideoRequest};

/// The 1.x ids of the skill's model table, as BytePlus spells them;
/// Volcengine adds `doubao-` in front.
const PRO_15: &str = "seedance-1-5-pro-251215";
const PRO_10: &str = "seedance-1-0-pro-250428";
const LITE_T2V: &str = "seedance-1-0-lite-t2v-250219";
const LITE_I2V: &str = "seedance-1-0-lite-i2v-250219";

/// Reference images Seedance 1.0 lite i2v takes at most.
const LITE_I2V_MAX_REFERENCES: usize = 4;
/// `duration: -1`: the model chooses the length.
pub(super) const MODEL_CHOOSES: i32 = -1;

/// Which Seedance model an id names; Ark's rules differ by model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    V2,
    V2Fast,
    V2Mini,
    V15Pro,
    V1Pro,
    V1ProFast,
    V1LiteT2v,
    V1LiteI2v,
    /// An `ep-...` endpoint id: its model is unknown here, the service checks.
    Endpoint,
    /// An id of no family we know: the service checks.
    Other,
}

impl Family {
    pub(super) fn of(model_id: &str) -> Self {
        if model_id.starts_with("ep-") {
            return Self::Endpoint;
        }
        let bare = model_id
            .strip_prefix("doubao-")
            .or_else(|| model_id.strip_prefix("dreamina-"))
            .unwrap_or(model_id);
        // Longer names first: `seedance-1-0-pro-fast` also starts `seedance-1-0-pro`.
        [
            ("seedance-2-0-fast", Self::V2Fast),
            ("seedance-2-0-mini", Self::V2Mini),
            ("seedance-2-0", Self::V2),
            ("seedance-1-5-pro", Self::V15Pro),
            ("seedance-1-0-pro-fast", Self::V1ProFast),
            ("seedance-1-0-pro", Self::V1Pro),
            ("seedance-1-0-lite-t2v", Self::V1LiteT2v),
            ("seedance-1-0-lite-i2v", Self::V1LiteI2v),
        ]
        .into_iter()
        .find(|(prefix, _)| bare.starts_with(prefix))
        .map_or(Self::Other, |(_, family)| family)
    }

    pub(super) fn is_v2(self) -> bool {
        matches!(self, Self::V2 | Self::V2Fast | Self::V2Mini)
    }

    /// Seedance 1.5 pro and the 1.0 models.
    pub(super) fn is_v1(self) -> bool {
        matches!(
            self,
            Self::V15Pro | Self::V1Pro | Self::V1ProFast | Self::V1LiteT2v | Self::V1LiteI2v
        )
    }

    /// Families whose rules we know; the others get the benefit of the doubt.
    fn known(self) -> bool {
        !matches!(self, Self::Endpoint | Self::Other)
    }

    /// The name messages use.
    fn name(self) -> &'static str {
        match self {
            Self::V2 => "Seedance 2.0",
            Self::V2Fast => "Seedance 2.0 fast",
            Self::V2Mini => "Seedance 2.0 mini",
            Self::V15Pro => "Seedance 1.5 pro",
            Self::V1Pro => "Seedance 1.0 pro",
            Self::V1ProFast => "Seedance 1.0 pro fast",
            Self::V1LiteT2v => "Seedance 1.0 lite t2v",
            Self::V1LiteI2v => "Seedance 1.0 lite i2v",
            Self::Endpoint | Self::Other => "this model",
        }
    }

    /// The seconds this model renders, and whether `-1` lets it choose.
    fn durations(self) -> Option<(RangeInclusive<i64>, bool)> {
        match self {
            _ if self.is_v2() => Some((4..=15, false)),
            Self::V15Pro => Some((4..=12, true)),
            _ if self.is_v1() => Some((2..=12, false)),
            _ => None,
        }
    }
}

/// A rule the request breaks: what it asked for and what to do instead.
#[derive(Debug)]
pub(super) struct Broken {
    pub(super) feature: String,
    pub(super) alternative: String,
}

fn broken(feature: impl Into<String>, alternative: impl Into<String>) -> Result<(), Broken> {
    Err(Broken {
        feature: feature.into(),
        alternative: alternative.into(),
    })
}

/// The region's id of a 1.x model of the skill's table.
fn id_in(region: Region, id: &str) -> String {
    match region {
        Region::BytePlus => id.to_owned(),
        Region::Volcengine => format!("doubao-{id}"),
    }
}

/// Every rule Ark keeps for `family`, checked before sending.
pub(super) fn check(
    family: Family,
    region: Region,
    video: &VideoRequest,
    ark: &ArkSettings,
) -> Result<(), Broken> {
    if !family.known() {
        return Ok(());
    }
    check_options(family, region, video, ark)?;
    if ark.draft_task_id.is_some() {
        check_finishing_a_draft(video, ark)?;
    } else {
        check_duration(family, region, video, ark)?;
    }
    if family.is_v1() {
        check_images(family, region, video)?;
    }
    Ok(())
}

/// Options some models lack.
fn check_options(
    family: Family,
    region: Region,
    video: &VideoRequest,
    ark: &ArkSettings,
) -> Result<(), Broken> {
    let refs = matches!(&video.inputs, VideoInputs::Omni { images, .. } if !images.is_empty());
    let high = matches!(
        video.resolution,
        Some(Resolution::P1080 | Resolution::Uhd4k)
    );
    let rules: [(bool, &str, String); 9] = [
        (
            family == Family::V2Fast && high,
            "1080p or 4k on Seedance 2.0 fast",
            "Use 720p, or model seedance-2.0 for 1080p.".into(),
        ),
        (
            video.resolution == Some(Resolution::Uhd4k)
                && !(family == Family::V2 && region == Region::BytePlus),
            "4k with this model",
            "4k is only offered for seedance-2.0 on BytePlus; use 1080p.".into(),
        ),
        (
            family == Family::V2Mini && high,
            "1080p or 4k on Seedance 2.0 mini",
            "Use 480p or 720p.".into(),
        ),
        (
            (video.inputs.has_video() || video.inputs.has_audio()) && !family.is_v2(),
            "reference videos or audio with this model",
            "Only Seedance 2.0 models take them; use seedance-2.0 or seedance-2.0-fast.".into(),
        ),
        (
            ark.service_tier == Some(ServiceTier::Flex) && family.is_v2(),
            "service_tier flex on Seedance 2.0",
            "Drop `ark.service_tier`; flex exists for Seedance 1.x only.".into(),
        ),
        (
            (ark.draft || ark.draft_task_id.is_some()) && family != Family::V15Pro,
            "drafts with this model",
            format!(
                "Drafts exist on seedance-1-5-pro only; use model {}, or drop `ark.draft`.",
                id_in(region, PRO_15)
            ),
        ),
        (
            video.camera_fixed.is_some() && (family.is_v2() || refs),
            "camera_fixed with Seedance 2.0 or reference images",
            "Drop `camera_fixed` and say \"static camera\" in the prompt instead.".into(),
        ),
        (
            video.generate_audio.is_some() && !(family.is_v2() || family == Family::V15Pro),
            "generate_audio with this model",
            "Only Seedance 2.0 and 1.5 pro make sound; drop `generate_audio`.".into(),
        ),
        (
            ark.draft
                && (video.return_last_frame
                    || !matches!(video.resolution, None | Some(Resolution::P480))),
            "a draft with return_last_frame or above 480p",
            "Drafts are 480p without a last frame; drop those options.".into(),
        ),
    ];
    match rules.into_iter().find(|(broke, _, _)| *broke) {
        Some((_, feature, alternative)) => broken(feature, alternative),
        None => Ok(()),
    }
}

/// Each model's range of seconds; `-1` only where the model may choose.
fn check_duration(
    family: Family,
    region: Region,
    video: &VideoRequest,
    ark: &ArkSettings,
) -> Result<(), Broken> {
    let Some((range, chooses)) = family.durations() else {
        return Ok(());
    };
    let (min, max, name) = (range.start(), range.end(), family.name());
    if ark.auto_duration && !chooses {
        return broken(
            format!("`duration` -1 (the model chooses the length) on {name}"),
            format!(
                "duration: only {} chooses its own length; pass {min} to {max} s.",
                id_in(region, PRO_15)
            ),
        );
    }
    let seconds = i64::from(video.duration);
    if !ark.auto_duration && !range.contains(&seconds) {
        let (takes, pass) = if chooses {
            (
                format!("{min}-{max} s, or -1 to let the model choose"),
                format!("{min} to {max}, or -1"),
            )
        } else {
            (format!("{min}-{max} s"), format!("{min} to {max}"))
        };
        return broken(
            format!("`duration` {seconds} s on {name}"),
            format!("duration: {name} takes {takes}; pass {pass}."),
        );
    }
    Ok(())
}

/// A final video made from a draft is the draft plus `resolution`: the draft
/// fixed what the clip shows, how long it runs and its framing.
fn check_finishing_a_draft(video: &VideoRequest, ark: &ArkSettings) -> Result<(), Broken> {
    let media = match &video.inputs {
        VideoInputs::Omni {
            images,
            videos,
            audios,
        } => [
            ("image_files", !images.is_empty()),
            ("video_files", !videos.is_empty()),
            ("audio_files", !audios.is_empty()),
        ],
        VideoInputs::Frames { first, last } => [
            ("first_frame", first.is_some()),
            ("last_frame", last.is_some()),
            ("", false),
        ],
    };
    let fixed = [
        ("duration", ark.auto_duration),
        ("ratio", video.ratio.is_some()),
        ("seed", video.seed.is_some()),
        ("camera_fixed", video.camera_fixed.is_some()),
        ("ark.draft", ark.draft),
    ];
    match media.into_iter().chain(fixed).find(|(_, set)| *set) {
        Some((field, _)) => broken(
            format!("`{field}` when finishing a draft (`ark.draft_task_id`)"),
            format!(
                "{field}: drop it. The draft fixed the clip: its final video is made from the draft \
                 alone, with `resolution` if wanted (the prompt and duration given here are not sent)."
            ),
        ),
        None => Ok(()),
    }
}

/// Which images each 1.x model animates.
fn check_images(family: Family, region: Region, video: &VideoRequest) -> Result<(), Broken> {
    let name = family.name();
    let (references, first, last) = match &video.inputs {
        VideoInputs::Omni { images, .. } => (images.len(), false, false),
        VideoInputs::Frames { first, last } => (0, first.is_some(), last.is_some()),
    };
    let field = if references > 0 {
        "image_files"
    } else {
        "first_frame"
    };
    if family == Family::V1LiteT2v && (references > 0 || first) {
        return broken(
            format!("images on {name}, which makes video from text only"),
            format!(
                "{field}: drop it, or use model {} to animate images.",
                id_in(region, LITE_I2V)
            ),
        );
    }
    if family == Family::V1ProFast && last {
        return broken(
            format!("a last frame on {name}, which takes a first frame only"),
            format!(
                "last_frame: drop it, or use model {} or {} for first + last frames.",
                id_in(region, PRO_10),
                id_in(region, PRO_15)
            ),
        );
    }
    if family == Family::V1LiteI2v {
        if references > LITE_I2V_MAX_REFERENCES {
            return broken(
                format!("{references} reference images on {name}"),
                format!(
                    "image_files: it takes 1 to {LITE_I2V_MAX_REFERENCES}; keep the most important."
                ),
            );
        }
        if references == 0 && !first {
            return broken(
                format!("{name} without an image"),
                format!(
                    "image_files: pass 1 to {LITE_I2V_MAX_REFERENCES} reference images, or a first_frame \
                     with mode first_last_frames; for text alone use model {}.",
                    id_in(region, LITE_T2V)
                ),
            );
        }
    } else if references > 0 {
        return broken(
            format!("reference images (image_files) on {name}"),
            format!(
                "image_files: only {} takes reference images (1 to {LITE_I2V_MAX_REFERENCES}). To start \
                 the clip from an image, pass it as first_frame with mode first_last_frames.",
                id_in(region, LITE_I2V)
            ),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_read_from_ids_in_both_regions() {
        for (id, family) in [
            ("dreamina-seedance-2-0-fast-260128", Family::V2Fast),
            ("doubao-seedance-2-0-260128", Family::V2),
            ("doubao-seedance-2-0-mini-260615", Family::V2Mini),
            (PRO_15, Family::V15Pro),
            (PRO_10, Family::V1Pro),
            ("seedance-1-0-pro-fast-250528", Family::V1ProFast),
            (LITE_T2V, Family::V1LiteT2v),
            ("doubao-seedance-1-0-lite-i2v-250219", Family::V1LiteI2v),
            ("ep-20260101-abc", Family::Endpoint),
            ("my-own-model", Family::Other),
        ] {
            assert_eq!(Family::of(id), family, "{id}");
        }
    }

    #[test]
    fn durations_follow_the_skill_per_model() {
        for (family, range, chooses) in [
            (Family::V15Pro, 4..=12, true),
            (Family::V1Pro, 2..=12, false),
            (Family::V1ProFast, 2..=12, false),
            (Family::V1LiteT2v, 2..=12, false),
            (Family::V1LiteI2v, 2..=12, false),
            (Family::V2Fast, 4..=15, false),
        ] {
            assert_eq!(family.durations(), Some((range, chooses)), "{family:?}");
        }
        assert_eq!(Family::Endpoint.durations(), None);
        assert_eq!(Family::Other.durations(), None);
    }
}
