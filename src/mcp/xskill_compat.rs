//! The other form of `submit_task` arguments: `{model_id, parameters}` in the
//! words of the xskill MCP and its Seedance skill, which many agents already
//! have installed (or `{model, params}`, the API guide's request body, which
//! agents copy from it). It is translated into the one typed
//! [`SubmitTaskParams`] and validated exactly like our own form, so every
//! provider (the simulator too) takes it; a refusal found before the service
//! runs names the field as the caller wrote it (`parameters.filePaths[0]`,
//! `params.duration`). Later refusals (a local file's content, what a provider
//! lacks) use our field names.
//!
//! The schema clients see stays ours alone (one sentence of the tool's
//! description mentions this form), so the form costs no schema bytes.

use std::borrow::Cow;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::args::Args;
use crate::{domain::ValidationError, request::SubmitTaskParams, service::ToolError, validate};

/// The skill's Seedance 2.0 model id.
const SEEDANCE: &str = "st-ai/super-seed2";
/// The skill's Seedream 4.5 text-to-image model id.
const SEEDREAM_TEXT: &str = "fal-ai/bytedance/seedream/v4.5/text-to-image";
/// The skill's Seedream 4.5 edit model id.
const SEEDREAM_EDIT: &str = "fal-ai/bytedance/seedream/v4.5/edit";

/// Parameters each model takes, in the skill's names.
const SEEDANCE_PARAMETERS: &[&str] = &[
    "prompt",
    "model",
    "functionMode",
    "image_files",
    "video_files",
    "audio_files",
    "filePaths",
    "ratio",
    "duration",
];
const SEEDREAM_TEXT_PARAMETERS: &[&str] = &["prompt", "image_size", "num_images"];
const SEEDREAM_EDIT_PARAMETERS: &[&str] = &["prompt", "image_size", "num_images", "image_urls"];

/// `submit_task` arguments in either form, or why they are not.
#[derive(Debug)]
pub struct SubmitArgs(Result<SubmitTaskParams, ValidationError>);

impl SubmitArgs {
    /// The arguments as our typed form, or the tool error to return.
    pub fn parsed(self) -> Result<SubmitTaskParams, ToolError> {
        self.0.map_err(ToolError::from)
    }
}

impl<'de> Deserialize<'de> for SubmitArgs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let theirs = value.as_object().and_then(|o| {
            if o.contains_key("params") {
                Some("params")
            } else if o.contains_key("model_id") || o.contains_key("parameters") {
                Some("parameters")
            } else {
                None
            }
        });
        if let Some(parameters) = theirs {
            return Ok(Self(translate(value, parameters)));
        }
        let ours = match serde_json::from_value::<Args<SubmitTaskParams>>(value) {
            Ok(Args::Valid(params)) => Ok(params),
            Ok(Args::Invalid(error)) => Err(error),
            // Args reads any JSON value; this is only for completeness.
            Err(e) => Err(ValidationError::new(
                "arguments",
                e.to_string(),
                "send the arguments as the tool's input schema describes them",
            )),
        };
        Ok(Self(ours))
    }
}

/// The schema is ours: the other form is named in the tool description only.
impl JsonSchema for SubmitArgs {
    fn schema_name() -> Cow<'static, str> {
        SubmitTaskParams::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        SubmitTaskParams::json_schema(generator)
    }
}

/// The skill's form (or the API body's names). Our own control switches may sit
/// beside it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Form {
    #[serde(alias = "model")]
    model_id: String,
    #[serde(alias = "params")]
    parameters: Parameters,
    #[serde(default)]
    dry_run: Option<bool>,
    #[serde(default)]
    resubmit: Option<bool>,
    #[serde(default)]
    confirm_cost: Option<f64>,
}

/// Every parameter of the three models, in the skill's names; which model takes
/// which is checked against the lists above (`null` counts as absent).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Parameters {
    prompt: String,
    #[serde(default)]
    model: Option<String>,
    #[serde(default, rename = "functionMode")]
    function_mode: Option<String>,
    #[serde(default)]
    image_files: Option<Vec<String>>,
    #[serde(default)]
    video_files: Option<Vec<String>>,
    #[serde(default)]
    audio_files: Option<Vec<String>>,
    #[serde(default, rename = "filePaths")]
    file_paths: Option<Vec<String>>,
    #[serde(default)]
    ratio: Option<String>,
    #[serde(default)]
    duration: Option<i64>,
    #[serde(default)]
    image_size: Option<String>,
    #[serde(default)]
    num_images: Option<i64>,
    #[serde(default)]
    image_urls: Option<Vec<String>>,
}

impl Parameters {
    /// The names of the parameters given (not `null`), for the per-model check.
    fn given(&self) -> Vec<&'static str> {
        let set = [
            ("model", self.model.is_some()),
            ("functionMode", self.function_mode.is_some()),
            ("image_files", self.image_files.is_some()),
            ("video_files", self.video_files.is_some()),
            ("audio_files", self.audio_files.is_some()),
            ("filePaths", self.file_paths.is_some()),
            ("ratio", self.ratio.is_some()),
            ("duration", self.duration.is_some()),
            ("image_size", self.image_size.is_some()),
            ("num_images", self.num_images.is_some()),
            ("image_urls", self.image_urls.is_some()),
        ];
        set.into_iter()
            .filter_map(|(name, given)| given.then_some(name))
            .collect()
    }
}

type Checked<T> = Result<T, ValidationError>;

/// The skill's form as our typed arguments, validated, every refusal in the
/// caller's terms; `parameters` is what the caller called the parameters.
fn translate(value: Value, parameters: &str) -> Checked<SubmitTaskParams> {
    translate_form(value).map_err(|e| ValidationError {
        field: match e.field.strip_prefix("parameters") {
            Some(rest) => format!("{parameters}{rest}"),
            None => e.field,
        },
        ..e
    })
}

fn translate_form(value: Value) -> Checked<SubmitTaskParams> {
    let form: Form = serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." {
            "arguments".to_owned()
        } else {
            path
        };
        ValidationError {
            fix: format!(
                "send {{\"model_id\": \"{SEEDANCE}\", \"parameters\": {{\"prompt\": ...}}}} with \
                 the parameters the skill lists, or use this tool's own fields"
            ),
            problem: error.into_inner().to_string(),
            field,
        }
    })?;
    let params = match form.model_id.trim() {
        SEEDANCE => {
            only(&form.parameters, SEEDANCE, SEEDANCE_PARAMETERS)?;
            video(form.parameters)?
        }
        SEEDREAM_TEXT => {
            only(&form.parameters, SEEDREAM_TEXT, SEEDREAM_TEXT_PARAMETERS)?;
            image(form.parameters, "seedream-4.5")
        }
        SEEDREAM_EDIT => {
            only(&form.parameters, SEEDREAM_EDIT, SEEDREAM_EDIT_PARAMETERS)?;
            image(form.parameters, "seedream-4.5-edit")
        }
        other => {
            return Err(ValidationError::new(
                "model_id",
                format!("`{other}` is not a model this form knows"),
                format!(
                    "use {SEEDANCE} (video), {SEEDREAM_TEXT} or {SEEDREAM_EDIT}; other models go in \
                     this tool's own `model` field"
                ),
            ));
        }
    };
    let params = SubmitTaskParams {
        dry_run: form.dry_run,
        resubmit: form.resubmit,
        confirm_cost: form.confirm_cost,
        ..params
    };
    // The service validates again; doing it here lets a refusal speak the caller's words.
    validate::submit(&params).map_err(|e| ValidationError {
        field: caller_field(&e.field),
        ..e
    })?;
    Ok(params)
}

/// Refuses a parameter the model does not take.
fn only(parameters: &Parameters, model: &str, allowed: &[&str]) -> Checked<()> {
    match parameters
        .given()
        .into_iter()
        .find(|p| !allowed.contains(p))
    {
        Some(name) => Err(ValidationError::new(
            format!("parameters.{name}"),
            format!("{model} takes no `{name}`"),
            format!("drop it; {model} takes {}", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

fn video(p: Parameters) -> Checked<SubmitTaskParams> {
    let model = match p.model.as_deref().map(str::trim) {
        None => None,
        Some("seedance_2.0_fast") => Some("seedance-2.0-fast".to_owned()),
        Some("seedance_2.0") => Some("seedance-2.0".to_owned()),
        Some(other) => {
            return Err(ValidationError::new(
                "parameters.model",
                format!("`{other}` is not a Seedance 2.0 speed"),
                "use seedance_2.0_fast (default) or seedance_2.0",
            ));
        }
    };
    let images = p.image_files.unwrap_or_default();
    let videos = p.video_files.unwrap_or_default();
    let audios = p.audio_files.unwrap_or_default();
    let paths = p.file_paths.unwrap_or_default();
    let mut params = SubmitTaskParams {
        prompt: p.prompt,
        model,
        ratio: p.ratio,
        duration: p.duration,
        ..SubmitTaskParams::default()
    };
    match p.function_mode.as_deref().map(str::trim) {
        None | Some("omni_reference") => {
            if !paths.is_empty() {
                return Err(ValidationError::new(
                    "parameters.filePaths",
                    "filePaths belongs to functionMode first_last_frames",
                    "put reference images in image_files, or set functionMode to first_last_frames",
                ));
            }
            params.image_files = images;
            params.video_files = videos;
            params.audio_files = audios;
        }
        Some("first_last_frames") => {
            for (name, list) in [
                ("image_files", &images),
                ("video_files", &videos),
                ("audio_files", &audios),
            ] {
                if !list.is_empty() {
                    return Err(ValidationError::new(
                        format!("parameters.{name}"),
                        "functionMode first_last_frames takes its images in filePaths only",
                        "pass the first (and last) frame in filePaths, or use functionMode \
                         omni_reference for reference media",
                    ));
                }
            }
            let mut paths = paths.into_iter();
            params.mode = Some("first_last_frames".to_owned());
            params.first_frame = paths.next();
            params.last_frame = paths.next();
            let extra = paths.count();
            if extra > 0 {
                return Err(ValidationError::new(
                    "parameters.filePaths",
                    format!("{} images; at most 2 are taken", extra + 2),
                    "pass none (text to video), one (first frame) or two (first and last frame)",
                ));
            }
        }
        Some(other) => {
            return Err(ValidationError::new(
                "parameters.functionMode",
                format!("`{other}` is not a function mode"),
                "use omni_reference (default) or first_last_frames",
            ));
        }
    }
    Ok(params)
}

fn image(p: Parameters, model: &str) -> SubmitTaskParams {
    SubmitTaskParams {
        prompt: p.prompt,
        model: Some(model.to_owned()),
        image_size: p.image_size,
        num_images: p.num_images,
        image_urls: p.image_urls.unwrap_or_default(),
        ..SubmitTaskParams::default()
    }
}

/// Our field name (`first_frame`, `image_files[2]`) as the caller wrote it.
fn caller_field(ours: &str) -> String {
    let (head, index) = ours.split_at(ours.find('[').unwrap_or(ours.len()));
    match head {
        "first_frame" => "parameters.filePaths[0]".to_owned(),
        "last_frame" => "parameters.filePaths[1]".to_owned(),
        "mode" => "parameters.functionMode".to_owned(),
        "model" => "model_id".to_owned(),
        "prompt" | "image_files" | "video_files" | "audio_files" | "ratio" | "duration"
        | "image_size" | "num_images" | "image_urls" => format!("parameters.{head}{index}"),
        _ => ours.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn refused(value: Value) -> ValidationError {
        match serde_json::from_value::<SubmitArgs>(value.clone())
            .unwrap()
            .0
        {
            Ok(params) => panic!("{value} was taken as {params:?}"),
            Err(error) => error,
        }
    }

    #[test]
    fn frames_become_first_and_last_frame_and_refusals_name_the_callers_field() {
        let args: SubmitArgs = serde_json::from_value(json!({
            "model_id": SEEDANCE,
            "parameters": {"prompt": "p", "functionMode": "first_last_frames",
                           "filePaths": ["https://a.example/1.png", "https://a.example/2.png"],
                           "model": "seedance_2.0"}
        }))
        .unwrap();
        let params = args.0.unwrap();
        assert_eq!(params.mode.as_deref(), Some("first_last_frames"));
        assert_eq!(
            params.first_frame.as_deref(),
            Some("https://a.example/1.png")
        );
        assert_eq!(
            params.last_frame.as_deref(),
            Some("https://a.example/2.png")
        );
        assert_eq!(params.model.as_deref(), Some("seedance-2.0"));
        let cases = [
            (
                json!({"prompt": "p", "duration": 20}),
                "parameters.duration",
            ),
            (
                json!({"prompt": "p", "duration": "5"}),
                "parameters.duration",
            ),
            (
                json!({"prompt": "p", "functionMode": "first_last_frames",
                    "filePaths": ["ftp://x/a.png"]}),
                "parameters.filePaths[0]",
            ),
            (
                json!({"prompt": "p", "functionMode": "first_last_frames",
                    "filePaths": ["https://x/a.png", "https://x/b.png", "https://x/c.png"]}),
                "parameters.filePaths",
            ),
            (
                json!({"prompt": "p", "filePaths": ["https://x/a.png"]}),
                "parameters.filePaths",
            ),
            (
                json!({"prompt": "p", "functionMode": "first_last_frames",
                    "image_files": ["https://x/a.png"]}),
                "parameters.image_files",
            ),
            (
                json!({"prompt": "p", "image_files": ["https://x/a.png", 7]}),
                "parameters.image_files[1]",
            ),
            (
                json!({"prompt": "@image_file_2 p", "image_files": ["https://x/a.png"]}),
                "parameters.prompt",
            ),
            (
                json!({"prompt": "p", "functionMode": "magic"}),
                "parameters.functionMode",
            ),
            (
                json!({"prompt": "p", "model": "seedance_3"}),
                "parameters.model",
            ),
            (
                json!({"prompt": "p", "image_size": "square_hd"}),
                "parameters.image_size",
            ),
            (json!({"prompt": "p", "ratio": "2:1"}), "parameters.ratio"),
        ];
        for (parameters, field) in cases {
            let error = refused(json!({"model_id": SEEDANCE, "parameters": parameters}));
            assert_eq!(error.field, field, "{parameters}: {error}");
        }
        let unknown =
            refused(json!({"model_id": SEEDANCE, "parameters": {"prompt": "p", "fps": 3}}));
        assert_eq!(unknown.field, "parameters.fps", "{unknown}");
        assert!(unknown.problem.contains("fps"), "{unknown}");
        let model = refused(json!({"model_id": "st-ai/other", "parameters": {"prompt": "p"}}));
        assert_eq!(model.field, "model_id");
        let edit = refused(json!({"model_id": SEEDREAM_EDIT, "parameters": {"prompt": "p"}}));
        assert_eq!(edit.field, "parameters.image_urls", "{edit}");
    }

    #[test]
    fn the_api_bodys_names_are_taken_and_refusals_keep_them() {
        let args: SubmitArgs = serde_json::from_value(json!({
            "model": SEEDANCE, "params": {"prompt": "p", "image_files": ["https://x/a.png"]}
        }))
        .unwrap();
        assert_eq!(args.0.unwrap().image_files, ["https://x/a.png"]);
        let error = refused(json!({"model": SEEDANCE, "params": {"prompt": "p", "duration": 3}}));
        assert_eq!(error.field, "params.duration", "{error}");
        let error = refused(json!({"model": SEEDANCE, "params": {"prompt": "p", "fps": 3}}));
        assert_eq!(error.field, "params.fps", "{error}");
    }

    #[test]
    fn our_own_form_reads_as_before() {
        let args: SubmitArgs =
            serde_json::from_value(json!({"prompt": "x", "duration": 6})).unwrap();
        assert_eq!(args.0.unwrap().duration, Some(6));
        let error = refused(json!({"prompt": "x", "functionMode": "omni_reference"}));
        assert!(error.problem.contains("functionMode"), "{error}");
    }
}
