//! Checks done before any money is spent.
//!
//! Everything a provider would reject after the user has paid or waited is refused
//! here instead, with a message that names the field, what is wrong and how to fix
//! it. Nothing in this module does I/O.

use base64::Engine;

use crate::{
    domain::{
        Generation, GenerationRequest, ImageRatio, ImageRequest, ImageSize, ImageUpload,
        KnownModel, Mode, ModelChoice, ProviderOptions, Ratio, Resolution, ValidationError,
        VideoInputs, VideoRequest, VideoTier, one_of,
    },
    providers::{
        ark::{self, options::ArkSettings},
        seedance2ai::options::{Channel, OutputFormat},
    },
    request::SubmitTaskParams,
};

/// Limits shared by every Seedance 2.0 provider.
pub mod limits {
    /// Shortest video, seconds.
    pub const MIN_DURATION: i64 = 4;
    /// Longest video, seconds.
    pub const MAX_DURATION: i64 = 15;
    /// Default video length, seconds.
    pub const DEFAULT_DURATION: u8 = 5;
    /// Reference images in omni mode.
    pub const MAX_IMAGES: usize = 9;
    /// Reference videos.
    pub const MAX_VIDEOS: usize = 3;
    /// Reference audio clips.
    pub const MAX_AUDIOS: usize = 3;
    /// Files of all kinds together.
    pub const MAX_FILES: usize = 12;
    /// Images per Seedream request.
    pub const MAX_NUM_IMAGES: i64 = 6;
    /// Input images of a Seedream edit.
    pub const MAX_EDIT_IMAGES: usize = 10;
    /// Decoded size of an `upload_image` payload.
    pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
}

type Checked<T> = Result<T, ValidationError>;

/// Validates `submit_task` arguments into a request a provider can send.
pub fn submit(params: &SubmitTaskParams) -> Checked<GenerationRequest> {
    let prompt = params.prompt.trim();
    if prompt.is_empty() {
        return Err(ValidationError::new(
            "prompt",
            "it is empty",
            "describe the video or image to generate",
        ));
    }
    let model = model_choice(params.model.as_deref())?;
    let wants_image = match &model {
        ModelChoice::Known(known) => known.makes_images(),
        // A native id is an image model exactly when image fields are used.
        ModelChoice::Native(_) => {
            params.image_size.is_some()
                || params.num_images.is_some()
                || !params.image_urls.is_empty()
        }
    };
    let (generation, options) = if wants_image {
        let (image, options) = image_request(prompt, &model, params)?;
        (Generation::Image(image), options)
    } else {
        let (video, options) = video_request(prompt, &model, params)?;
        (Generation::Video(video), options)
    };
    Ok(GenerationRequest {
        model,
        generation,
        options,
    })
}

fn model_choice(model: Option<&str>) -> Checked<ModelChoice> {
    let Some(name) = model.map(str::trim) else {
        return Ok(ModelChoice::Known(KnownModel::SeedanceFast));
    };
    if name.is_empty() {
        return Err(ValidationError::new(
            "model",
            "it is empty",
            format!("omit it or use one of {}", KnownModel::allowed()),
        ));
    }
    Ok(KnownModel::parse(name)
        .map_or_else(|| ModelChoice::Native(name.to_owned()), ModelChoice::Known))
}

/// A video request and the backend options that came with it.
fn video_request(
    prompt: &str,
    model: &ModelChoice,
    p: &SubmitTaskParams,
) -> Checked<(VideoRequest, ProviderOptions)> {
    for (field, set) in [
        ("image_size", p.image_size.is_some()),
        ("num_images", p.num_images.is_some()),
        ("image_urls", !p.image_urls.is_empty()),
    ] {
        if set {
            return Err(ValidationError::new(
                field,
                "it only applies to the Seedream image models",
                "drop it, or set `model` to seedream-4.5 / seedream-4.5-edit to make images",
            ));
        }
    }
    let tier = match model {
        ModelChoice::Known(KnownModel::Seedance) => VideoTier::Standard,
        ModelChoice::Known(KnownModel::SeedanceMini) => VideoTier::Mini,
        _ => VideoTier::Fast,
    };
    let (duration, auto_duration) = duration(p.duration, model, prompt)?;
    let ratio = ratio(p.ratio.as_deref())?;
    let resolution = resolution(p.resolution.as_deref(), false)?;
    if let Some(seed) = p.seed
        && !(-1..=4_294_967_295).contains(&seed)
    {
        return Err(ValidationError::new(
            "seed",
            format!("{seed} is outside -1 to 4294967295"),
            "use -1 for a random seed or a number in that range",
        ));
    }
    let mut options = ProviderOptions::default();
    let ark = p
        .ark
        .as_ref()
        .map(ArkSettings::from_options)
        .transpose()?
        .flatten();
    // Only Ark reads `-1`; its option group keeps every other backend from sending it.
    let ark = match auto_duration {
        true => Some(ArkSettings::with_auto_duration(ark)),
        false => ark,
    };
    if let Some(ark) = ark {
        options.insert(ark);
    }
    if let Some(channel) = Channel::from_argument(p.channel.as_deref(), Channel::VIDEO, "video")? {
        options.insert(channel);
    }
    if p.output_format.is_some() {
        return Err(ValidationError::new(
            "output_format",
            "it applies to nano-banana-pro images only",
            "drop it; a video's format is the provider's",
        ));
    }
    let mode = match p.mode.as_deref() {
        None => Mode::OmniReference,
        Some("omni_reference") => Mode::OmniReference,
        Some("first_last_frames") => Mode::FirstLastFrames,
        Some(other) => {
            return Err(ValidationError::new(
                "mode",
                format!("`{other}` is not a mode"),
                "use omni_reference (reference media) or first_last_frames (animate between frames)",
            ));
        }
    };
    let inputs = match mode {
        Mode::OmniReference => omni_inputs(p)?,
        Mode::FirstLastFrames => frame_inputs(p)?,
    };
    check_references(prompt, &inputs)?;
    let video = VideoRequest {
        prompt: prompt.to_owned(),
        tier,
        inputs,
        ratio,
        duration,
        resolution,
        generate_audio: p.generate_audio,
        seed: p.seed,
        camera_fixed: p.camera_fixed,
        return_last_frame: p.return_last_frame.unwrap_or(false),
        watermark: p.watermark,
    };
    Ok((video, options))
}

fn ratio(value: Option<&str>) -> Checked<Option<Ratio>> {
    one_of("ratio", value, Ratio::parse, Ratio::allowed)
}

/// A resolution of the right family: video (480p ... 4k) or image (1K, 2K, 4K).
fn resolution(value: Option<&str>, image: bool) -> Checked<Option<Resolution>> {
    let parsed = one_of("resolution", value, Resolution::parse, Resolution::allowed)?;
    match parsed {
        Some(r) if r.is_image() != image => {
            let (kind, fix) = if image {
                ("an image model", "use 1K, 2K or 4K")
            } else {
                ("a video model", "use 480p, 720p, 1080p, 1080p-plus or 4k")
            };
            Err(ValidationError::new(
                "resolution",
                format!("`{}` is not a resolution for {kind}", r.as_str()),
                fix,
            ))
        }
        other => Ok(other),
    }
}

/// Seconds, and whether the model chooses them (`-1`). Ark's Seedance 1.x
/// model ids have ranges of their own (2-12 s, 4-12 s or -1 on 1.5 pro), which
/// Ark checks for each model before sending; every other model takes 4-15 s.
fn duration(value: Option<i64>, model: &ModelChoice, prompt: &str) -> Checked<(u8, bool)> {
    use limits::{DEFAULT_DURATION, MAX_DURATION, MIN_DURATION};
    let ark_checks = matches!(model, ModelChoice::Native(id) if ark::checks_duration(id));
    match value {
        None => Ok((DEFAULT_DURATION, false)),
        Some(-1) if ark_checks => {
            if !crate::lint::timed_shots(prompt).is_empty() {
                return Err(ValidationError::new(
                    "duration",
                    "-1 lets the model choose the length, which timed shots cannot follow",
                    "give the length in seconds, or drop the timings (`0-3s: ...`) from the prompt",
                ));
            }
            Ok((DEFAULT_DURATION, true))
        }
        Some(d) if ark_checks || (MIN_DURATION..=MAX_DURATION).contains(&d) => u8::try_from(d)
            .map(|d| (d, false))
            .map_err(|_| duration_error(d)),
        Some(d) => Err(duration_error(d)),
    }
}

fn duration_error(d: i64) -> ValidationError {
    use limits::{MAX_DURATION, MIN_DURATION};
    let fix = if d > MAX_DURATION {
        format!(
            "use at most {MAX_DURATION}; for a longer video make several clips and chain them \
             (last frame of one as first_frame of the next)"
        )
    } else {
        format!("use at least {MIN_DURATION}")
    };
    ValidationError::new(
        "duration",
        format!("{d} s is outside {MIN_DURATION}-{MAX_DURATION} s"),
        fix,
    )
}

fn omni_inputs(p: &SubmitTaskParams) -> Checked<VideoInputs> {
    for (field, value) in [
        ("first_frame", &p.first_frame),
        ("last_frame", &p.last_frame),
    ] {
        if value.is_some() {
            return Err(ValidationError::new(
                field,
                "frames only apply in first_last_frames mode",
                "set `mode` to first_last_frames, or pass the image in image_files as a reference",
            ));
        }
    }
    check_list("image_files", &p.image_files, limits::MAX_IMAGES)?;
    check_list("video_files", &p.video_files, limits::MAX_VIDEOS)?;
    check_list("audio_files", &p.audio_files, limits::MAX_AUDIOS)?;
    let total = p.image_files.len() + p.video_files.len() + p.audio_files.len();
    if total > limits::MAX_FILES {
        return Err(ValidationError::new(
            "image_files",
            format!(
                "{total} files in all; at most {} are allowed together",
                limits::MAX_FILES
            ),
            "drop the least important references",
        ));
    }
    // Whether audio may go alone is the provider's rule (`Capabilities::audio_only_reference`).
    Ok(VideoInputs::Omni {
        images: p.image_files.clone(),
        videos: p.video_files.clone(),
        audios: p.audio_files.clone(),
    })
}

fn frame_inputs(p: &SubmitTaskParams) -> Checked<VideoInputs> {
    // The frames go in their own fields; a file list here is refused on every
    // backend (the simulator too), so a rehearsal refuses what a real run would.
    for (field, list) in [
        ("image_files", &p.image_files),
        ("video_files", &p.video_files),
        ("audio_files", &p.audio_files),
    ] {
        if !list.is_empty() {
            return Err(ValidationError::new(
                field,
                "first_last_frames mode takes no file lists",
                "pass the opening image as first_frame (and the closing one as last_frame), or use \
                 mode omni_reference for reference media",
            ));
        }
    }
    let (first, last) = match (&p.first_frame, &p.last_frame) {
        (None, Some(_)) => {
            return Err(ValidationError::new(
                "last_frame",
                "a last frame needs a first frame",
                "add first_frame, or pass the image as first_frame instead",
            ));
        }
        (first, last) => (first.clone(), last.clone()),
    };
    for (field, url) in [("first_frame", &first), ("last_frame", &last)] {
        if let Some(url) = url {
            check_url(field.to_owned(), url)?;
        }
    }
    Ok(VideoInputs::Frames { first, last })
}

fn check_list(field: &str, urls: &[String], max: usize) -> Checked<()> {
    if urls.len() > max {
        return Err(ValidationError::new(
            field,
            format!("{} entries; at most {max} are allowed", urls.len()),
            format!("keep the {max} most important ones"),
        ));
    }
    for (i, url) in urls.iter().enumerate() {
        check_url(format!("{field}[{i}]"), url)?;
    }
    Ok(())
}

/// Media are https (or http) URLs, `data:` URLs, provider asset ids, or local
/// files (a path or a `file://` URL). Local files and data URLs are only checked
/// for form here; `service::media` reads, confines and measures them.
fn check_url(field: String, value: &str) -> Checked<()> {
    let value = value.trim();
    let scheme = scheme(value).map(str::to_ascii_lowercase);
    match scheme.as_deref() {
        Some("https" | "http") if reqwest::Url::parse(value).is_ok_and(|u| u.host().is_some()) => {
            Ok(())
        }
        Some("data") if value.contains(";base64,") => Ok(()),
        Some("asset" | "file") => Ok(()),
        _ if value.is_empty() => Err(ValidationError::new(
            field,
            "it is empty",
            "remove the empty entry",
        )),
        None => Ok(()),
        _ => Err(ValidationError::new(
            field,
            format!(
                "`{}` is neither a URL the provider can fetch nor a local file",
                shorten(value)
            ),
            "pass a public https URL, a data: URL, or the path of a file on this machine",
        )),
    }
}

/// Refuses media URLs no cloud provider can fetch: `localhost` and addresses that
/// are loopback, private, link-local (cloud metadata) or otherwise not public. The
/// provider would accept the task, charge it, and fail fetching; here it costs
/// nothing. Judged by the host as written: names are not resolved (the provider
/// does that, and its own fetch refuses what resolves privately).
pub fn public_media(p: &SubmitTaskParams) -> Checked<()> {
    for (field, list) in [
        ("image_files", &p.image_files),
        ("video_files", &p.video_files),
        ("audio_files", &p.audio_files),
        ("image_urls", &p.image_urls),
    ] {
        for (i, url) in list.iter().enumerate() {
            public_url(format!("{field}[{i}]"), url)?;
        }
    }
    for (field, url) in [
        ("first_frame", &p.first_frame),
        ("last_frame", &p.last_frame),
    ] {
        if let Some(url) = url {
            public_url(field.to_owned(), url)?;
        }
    }
    Ok(())
}

/// One media URL, as [`public_media`] judges it; anything but http(s) passes.
pub fn public_url(field: String, value: &str) -> Checked<()> {
    let Ok(url) = reqwest::Url::parse(value.trim()) else {
        return Ok(());
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Ok(());
    }
    let Some(host) = url.host_str() else {
        return Ok(());
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    let unreachable = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => !crate::providers::safe_fetch::is_public(ip),
        Err(_) => name == "localhost" || name.ends_with(".localhost"),
    };
    if unreachable {
        return Err(ValidationError::new(
            field,
            format!(
                "`{}` points at this machine or a private network (loopback, private, link-local \
                 or localhost), which no cloud provider can fetch",
                shorten(value.trim())
            ),
            "pass a public https URL, or the file's local path (the server reads and delivers it)",
        ));
    }
    Ok(())
}

/// The URL scheme `value` starts with (`https`, `data`, `file`, ...), if any. A
/// single letter before the colon is a Windows drive, not a scheme.
pub(crate) fn scheme(value: &str) -> Option<&str> {
    let (head, _) = value.split_once(':')?;
    let mut chars = head.chars();
    let first = chars.next()?;
    let valid = first.is_ascii_alphabetic()
        && head.len() > 1
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(head)
}

fn shorten(value: &str) -> String {
    const KEEP: usize = 80;
    match value.char_indices().nth(KEEP) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}

fn check_references(prompt: &str, inputs: &VideoInputs) -> Checked<()> {
    let (images, videos, audios) = match inputs {
        VideoInputs::Omni {
            images,
            videos,
            audios,
        } => (images.len(), videos.len(), audios.len()),
        VideoInputs::Frames { first, last } => (
            usize::from(first.is_some()) + usize::from(last.is_some()),
            0,
            0,
        ),
    };
    for (kind, n, token) in crate::references::find(prompt) {
        let available = match kind {
            crate::references::MediaKind::Image => images,
            crate::references::MediaKind::Video => videos,
            crate::references::MediaKind::Audio => audios,
        };
        if n == 0 || n > available {
            let list = kind.list_field();
            let fix = match available {
                0 => format!("add the file to `{list}` or remove {token} from the prompt"),
                1 => {
                    format!("add more entries to `{list}` or refer to the one that exists (N = 1)")
                }
                _ => format!("add more entries to `{list}` or use a number from 1 to {available}"),
            };
            return Err(ValidationError::new(
                "prompt",
                format!("{token} points at entry {n} of `{list}`, which has {available}"),
                fix,
            ));
        }
    }
    Ok(())
}

/// An image request and the backend options that came with it.
fn image_request(
    prompt: &str,
    model: &ModelChoice,
    p: &SubmitTaskParams,
) -> Checked<(ImageRequest, ProviderOptions)> {
    // Seedream sizes its output with image_size; the others with ratio + resolution.
    let seedream = !matches!(
        model,
        ModelChoice::Known(KnownModel::GptImage2 | KnownModel::NanoBananaPro)
    );
    let gpt_image_2 = *model == ModelChoice::Known(KnownModel::GptImage2);
    let nano_banana_pro = *model == ModelChoice::Known(KnownModel::NanoBananaPro);
    let video_fields = [
        ("mode", p.mode.is_some()),
        ("image_files", !p.image_files.is_empty()),
        ("video_files", !p.video_files.is_empty()),
        ("audio_files", !p.audio_files.is_empty()),
        ("first_frame", p.first_frame.is_some()),
        ("last_frame", p.last_frame.is_some()),
        ("duration", p.duration.is_some()),
        ("generate_audio", p.generate_audio.is_some()),
        ("seed", p.seed.is_some()),
        ("camera_fixed", p.camera_fixed.is_some()),
        ("return_last_frame", p.return_last_frame.is_some()),
        ("watermark", p.watermark.is_some()),
        ("ark", p.ark.is_some()),
        ("channel", !gpt_image_2 && p.channel.is_some()),
        (
            "output_format",
            !nano_banana_pro && p.output_format.is_some(),
        ),
        ("ratio", seedream && p.ratio.is_some()),
        ("resolution", seedream && p.resolution.is_some()),
    ];
    for (field, set) in video_fields {
        if set {
            return Err(ValidationError::new(
                field,
                "it does not apply to this image model",
                "drop it; Seedream takes prompt, image_size, num_images and image_urls; gpt-image-2 \
                 and nano-banana-pro take prompt, ratio, resolution, num_images and image_urls, \
                 gpt-image-2 also channel and nano-banana-pro output_format",
            ));
        }
    }
    if !seedream && p.image_size.is_some() {
        return Err(ValidationError::new(
            "image_size",
            "this model is sized with ratio and resolution",
            "drop image_size; set ratio (e.g. 16:9) and resolution (1K, 2K or 4K)",
        ));
    }
    let image_size = one_of(
        "image_size",
        p.image_size.as_deref(),
        ImageSize::parse,
        ImageSize::allowed,
    )?;
    let ratio = if seedream {
        None
    } else {
        one_of(
            "ratio",
            p.ratio.as_deref(),
            image_ratio,
            ImageRatio::allowed,
        )?
    };
    let mut options = ProviderOptions::default();
    if gpt_image_2
        && let Some(channel) =
            Channel::from_argument(p.channel.as_deref(), Channel::GPT_IMAGE_2, "gpt-image-2")?
    {
        options.insert(channel);
    }
    if let Some(format) = OutputFormat::from_argument(p.output_format.as_deref())? {
        options.insert(format);
    }
    let resolution = if seedream {
        None
    } else {
        resolution(p.resolution.as_deref(), true)?
    };
    let num_images = match p.num_images {
        None => 1,
        Some(n) if (1..=limits::MAX_NUM_IMAGES).contains(&n) => u8::try_from(n).unwrap_or(1),
        Some(n) => {
            return Err(ValidationError::new(
                "num_images",
                format!("{n} is outside 1-{}", limits::MAX_NUM_IMAGES),
                format!("ask for 1 to {} images per task", limits::MAX_NUM_IMAGES),
            ));
        }
    };
    let needs_inputs = matches!(model, ModelChoice::Known(KnownModel::SeedreamEdit));
    let may_take_inputs = !matches!(model, ModelChoice::Known(KnownModel::SeedreamText));
    let edit = needs_inputs || (may_take_inputs && !p.image_urls.is_empty());
    if needs_inputs && p.image_urls.is_empty() {
        return Err(ValidationError::new(
            "image_urls",
            "the edit model needs the images to edit",
            "pass 1 to 10 image URLs, or use model seedream-4.5 to make new images from text",
        ));
    }
    if !edit && !p.image_urls.is_empty() {
        return Err(ValidationError::new(
            "image_urls",
            "seedream-4.5 makes images from text only",
            "use model seedream-4.5-edit to edit the given images",
        ));
    }
    check_list("image_urls", &p.image_urls, limits::MAX_EDIT_IMAGES)?;
    let image = ImageRequest {
        prompt: prompt.to_owned(),
        edit,
        ratio,
        resolution,
        image_size,
        num_images,
        image_urls: p.image_urls.clone(),
    };
    Ok((image, options))
}

/// An image ratio; the video word `adaptive` is taken for `auto`, which is what
/// it always meant for images.
fn image_ratio(text: &str) -> Option<ImageRatio> {
    match text {
        "adaptive" => Some(ImageRatio::Auto),
        other => ImageRatio::parse(other),
    }
}

/// Validates `upload_image` arguments: exactly one of a URL or base64 image bytes.
pub fn upload(image_url: Option<&str>, image_data: Option<&str>) -> Checked<ImageUpload> {
    match (image_url.map(str::trim), image_data.map(str::trim)) {
        (Some(url), None) => {
            check_url("image_url".to_owned(), url)?;
            Ok(ImageUpload::Url(url.to_owned()))
        }
        (None, Some(data)) => decode_image("image_data", data).map(ImageUpload::Bytes),
        (Some(_), Some(_)) => Err(ValidationError::new(
            "image_url",
            "both image_url and image_data are given",
            "pass exactly one of them",
        )),
        (None, None) => Err(ValidationError::new(
            "image_data",
            "neither image_url nor image_data is given",
            "pass the image as base64 in image_data, or its URL in image_url",
        )),
    }
}

fn decode_image(field: &str, data: &str) -> Checked<Vec<u8>> {
    // Agents often pass a whole data URL; accept it rather than make them strip it.
    let payload = match data.split_once(";base64,") {
        Some((head, body)) if head.starts_with("data:") => body,
        _ => data,
    };
    let compact: String = payload
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| {
            ValidationError::new(
                field,
                format!("not valid base64 ({e})"),
                "send the file's bytes encoded as standard base64",
            )
        })?;
    if bytes.len() > limits::MAX_UPLOAD_BYTES {
        return Err(ValidationError::new(
            field,
            format!(
                "{} bytes; at most {} are accepted",
                bytes.len(),
                limits::MAX_UPLOAD_BYTES
            ),
            "resize or recompress the image (JPEG or WebP) below 10 MB",
        ));
    }
    let is_image = crate::media_probe::probe_bytes(&bytes)
        .is_ok_and(|probe| probe.kind == crate::media_probe::MediaKind::Image);
    if !is_image {
        return Err(ValidationError::new(
            field,
            "the bytes are not a PNG, JPEG, WebP, GIF, BMP, TIFF or HEIC image (or are cut short)",
            "send an image file in one of those formats",
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests;
