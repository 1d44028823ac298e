//! Media given as local files or `data:` URLs, from the request to the provider.
//!
//! Owns the resolution step of `submit_task` and `upload_image`: every asset entry
//! that is not a URL the provider fetches itself (https, http, `asset://`) is read
//! only inside the allowed folders ([`LocalScope`] → `confine::AllowedRoots`),
//! identified and measured by content (`media_probe`), and checked against the
//! Seedance 2.0 limits as one request, all before anything is sent or paid. Then
//! each is put in the form its provider takes (`LocalFiles`): a `data:` URL whose
//! base64 is streamed into the create body (Ark), a URL from the provider's upload
//! endpoint, cached by SHA-256 (xskill), or a refusal naming the alternatives.
//!
//! Until delivery, a file stands in the request as a random placeholder token
//! ([`LocalMedia::apply`]); no caller can forge one, so only files checked here
//! can ever be streamed.

mod check;
mod upload;

use std::{ffi::OsString, path::PathBuf};

use super::{Service, ToolError};
use crate::{
    confine::AllowedRoots,
    domain::{Generation, GenerationRequest, VideoInputs},
    media_probe::{MediaKind, Probe},
    providers::{
        capabilities::LocalFiles,
        inline::{Attachment, Attachments, Source},
    },
    request::SubmitTaskParams,
};

/// How long an upload's URL is reused for the same content. The provider does not
/// say how long it hosts uploads; a day is well inside what has been observed.
const UPLOAD_REUSE_SECS: i64 = 24 * 60 * 60;

/// Where local files may be read from, for one call (kept with a story, whose
/// later clips are submitted after the call that made it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LocalScope {
    /// The CLI: this folder (the working directory) is the first root.
    Folder(PathBuf),
    /// MCP over stdio: the client's roots (`file://` URIs), the first of which
    /// resolves relative paths.
    ClientRoots(Vec<String>),
    /// MCP over HTTP: the client's disk is not this machine's, so only the folders
    /// in `SEEDANCE_ALLOWED_DIRS` (and the output folder once those are set).
    ServerOnly,
}

/// The folders one call may read, resolved.
#[derive(Debug, Clone)]
pub(crate) struct Access {
    roots: AllowedRoots,
    /// Relative paths resolve here.
    base: Option<PathBuf>,
    /// Why local files are refused altogether, when they are.
    refusal: Option<String>,
    /// For a team user: the output folder and their own folder in it; files in
    /// the first but not the second are another user's.
    fence: Option<(PathBuf, PathBuf)>,
}

impl Service {
    /// The same service reading local files inside `allowed_dirs` (a `PATH`-style
    /// list, from `SEEDANCE_ALLOWED_DIRS`), the output folder and `scope`, which
    /// calls without a scope of their own use.
    pub fn with_local_files(mut self, allowed_dirs: Option<OsString>, scope: LocalScope) -> Self {
        self.allowed_dirs = allowed_dirs.filter(|d| !d.is_empty());
        self.scope = scope;
        self
    }

    /// The folders a call in `scope` may read. Built per call: client roots change,
    /// and the output folder may appear after start-up.
    pub(crate) fn access(&self, scope: &LocalScope) -> Access {
        let env = self.allowed_dirs.as_deref();
        let mut roots = AllowedRoots::new();
        let mut skipped = Vec::new();
        let mut base = None;
        match scope {
            LocalScope::Folder(dir) => {
                skipped.extend(roots.add_dir(dir).err());
                base = roots.roots().first().cloned();
            }
            LocalScope::ClientRoots(uris) => {
                // Only the client's first root resolves relative paths, never a
                // server folder it did not name.
                if let Some(first) = uris.first() {
                    skipped.extend(roots.add_client_root(first).err());
                    base = roots.roots().first().cloned();
                }
                for uri in uris.iter().skip(1) {
                    skipped.extend(roots.add_client_root(uri).err());
                }
            }
            LocalScope::ServerOnly if env.is_none() => {
                return Access {
                    roots,
                    base: None,
                    fence: None,
                    refusal: Some(format!(
                        "over HTTP this server cannot see the client's files, and {} is not set on the \
                         server",
                        crate::env_vars::SEEDANCE_ALLOWED_DIRS
                    )),
                };
            }
            LocalScope::ServerOnly => {}
        }
        if let Some(list) = env {
            skipped.extend(roots.add_dir_list(list));
        }
        // The output folder is only added once it exists (after the first download).
        if self.output_dir.is_dir() {
            skipped.extend(roots.add_dir(&self.output_dir).err());
        }
        for skip in skipped {
            tracing::debug!(folder = %skip.given, reason = %skip.reason, "folder not allowed for local files");
        }
        // A team user reads their own folder of the output folder, never
        // another user's, even where the allowed folders include them all.
        let fence = self.owner.as_ref().and_then(|_| {
            let root = std::fs::canonicalize(&self.output_root).ok()?;
            let own = std::fs::canonicalize(&self.output_dir).unwrap_or_else(|_| {
                root.join(
                    self.output_dir
                        .strip_prefix(&self.output_root)
                        .unwrap_or(&self.output_dir),
                )
            });
            Some((root, own))
        });
        Access {
            roots,
            base,
            fence,
            refusal: None,
        }
    }
}

impl Access {
    /// The file `value` names, if it lies inside these folders; errors name `field`.
    pub(crate) fn resolve(&self, field: &str, value: &str) -> Result<PathBuf, ToolError> {
        if let Some(refusal) = &self.refusal {
            return Err(crate::domain::ValidationError::new(
                field,
                refusal.clone(),
                "pass a task_id instead, or set the allowed folders on the server",
            )
            .into());
        }
        let path = self
            .roots
            .resolve(value, self.base.as_deref())
            .map_err(|e| -> ToolError { check::sentence(field, &e.to_string()).into() })?;
        if let Some((root, own)) = &self.fence
            && path.starts_with(root)
            && !path.starts_with(own)
        {
            return Err(crate::domain::ValidationError::new(
                field,
                "it is in another user's folder of the server's output folder",
                "pass one of your own files or task ids (list_tasks shows them)",
            )
            .into());
        }
        Ok(path)
    }
}

/// An asset entry that is not a URL the provider fetches: where it is and what
/// kind of medium its field takes.
#[derive(Debug, Clone)]
pub(crate) struct Want {
    pub(crate) field: String,
    pub(crate) raw: String,
    pub(crate) kind: MediaKind,
    /// A Seedance 2.0 reference, held to its published limits. Seedream inputs
    /// and uploads are only required to be of the right kind: their limits are
    /// not published.
    pub(crate) seedance: bool,
}

/// True for entries the provider fetches itself (and `asset://` ids).
pub(crate) fn is_remote(value: &str) -> bool {
    let scheme = crate::validate::scheme(value.trim()).map(str::to_ascii_lowercase);
    matches!(scheme.as_deref(), Some("https" | "http" | "asset"))
}

fn is_data(value: &str) -> bool {
    crate::validate::scheme(value.trim()).is_some_and(|s| s.eq_ignore_ascii_case("data"))
}

/// Every local or inline entry of the asset fields, named as the caller wrote them.
pub(crate) fn wants(p: &SubmitTaskParams) -> Vec<Want> {
    let lists = [
        ("image_files", &p.image_files, MediaKind::Image),
        ("video_files", &p.video_files, MediaKind::Video),
        ("audio_files", &p.audio_files, MediaKind::Audio),
        ("image_urls", &p.image_urls, MediaKind::Image),
    ];
    let mut found = Vec::new();
    for (name, list, kind) in lists {
        for (i, raw) in list.iter().enumerate() {
            found.push((format!("{name}[{i}]"), raw, kind));
        }
    }
    for (name, value) in [
        ("first_frame", &p.first_frame),
        ("last_frame", &p.last_frame),
    ] {
        if let Some(raw) = value {
            found.push((name.to_owned(), raw, MediaKind::Image));
        }
    }
    found
        .into_iter()
        .filter(|(_, raw, _)| !is_remote(raw))
        .map(|(field, raw, kind)| Want {
            seedance: !field.starts_with("image_urls"),
            field,
            raw: raw.clone(),
            kind,
        })
        .collect()
}

/// True when a value names a file on this machine (not a URL or `data:` URL), so
/// the call needs to know which folders it may read.
pub fn is_local_path(value: &str) -> bool {
    !is_remote(value) && !is_data(value)
}

/// True when a `submit_task` call names files on this machine.
pub fn reads_files(params: &SubmitTaskParams) -> bool {
    wants(params).iter().any(|w| is_local_path(&w.raw))
}

/// One checked file (or `data:` payload), shared by every entry that names it.
#[derive(Debug, Clone)]
pub(crate) struct LocalFile {
    /// As the caller wrote it.
    raw: String,
    /// The real path, or "the data: URL in `field`".
    label: String,
    probe: Probe,
    sha256: [u8; 32],
    source: Source,
    /// Its placeholder in the request until delivery.
    token: String,
    /// Where the provider already hosts it (upload cache or a fresh upload).
    hosted: Option<String>,
}

impl LocalFile {
    fn sha_hex(&self) -> String {
        self.sha256.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// "2.1 MB", "340 KB" or "100 bytes", for previews.
    fn size(&self) -> String {
        match self.probe.size_bytes {
            n if n >= 1_000_000 => format!("{:.1} MB", n as f64 / 1_000_000.0),
            n if n >= 1_000 => format!("{} KB", n.div_ceil(1_000)),
            n => format!("{n} bytes"),
        }
    }
}

/// The checked local media of one request and how its provider takes them.
#[derive(Debug, Clone)]
pub(crate) struct LocalMedia {
    delivery: LocalFiles,
    files: Vec<LocalFile>,
}

impl LocalMedia {
    fn none(delivery: LocalFiles) -> Self {
        Self {
            delivery,
            files: Vec::new(),
        }
    }

    /// Puts each file in the request in the form it is sent: a `data:` URL around
    /// its placeholder, the hosted URL, or the placeholder until it is uploaded.
    pub(crate) fn apply(&self, request: &mut GenerationRequest) {
        let sent = |raw: &mut String| {
            if let Some(file) = self.files.iter().find(|f| f.raw == *raw) {
                *raw = match (&file.hosted, self.delivery) {
                    (Some(url), _) => url.clone(),
                    (None, LocalFiles::Upload { .. }) => file.token.clone(),
                    (None, _) => format!("data:{};base64,{}", file.probe.mime, file.token),
                };
            }
        };
        match &mut request.generation {
            Generation::Video(video) => match &mut video.inputs {
                VideoInputs::Omni {
                    images,
                    videos,
                    audios,
                } => images
                    .iter_mut()
                    .chain(videos.iter_mut())
                    .chain(audios.iter_mut())
                    .for_each(sent),
                VideoInputs::Frames { first, last } => {
                    first.iter_mut().chain(last.iter_mut()).for_each(sent);
                }
            },
            Generation::Image(image) => image.image_urls.iter_mut().for_each(sent),
        }
    }

    /// A dry run's view of the body: each placeholder replaced by what will take
    /// its place, e.g. `data:image/png;base64,<2.1 MB from /p/a.png>`.
    pub(crate) fn preview(&self, body: &mut serde_json::Value) {
        match body {
            serde_json::Value::String(text) => {
                for file in &self.files {
                    if !text.contains(&file.token) {
                        continue;
                    }
                    let shown = match self.delivery {
                        LocalFiles::Upload { .. } => {
                            format!("<{} ({}), uploaded on submit>", file.label, file.size())
                        }
                        _ => format!("<{} from {}>", file.size(), file.label),
                    };
                    *text = text.replace(&file.token, &shown);
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.preview(v)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| self.preview(v)),
            _ => {}
        }
    }

    /// Each entry and its content hash, so a changed file is a new request.
    pub(crate) fn hashes(&self) -> Vec<(String, String)> {
        self.files
            .iter()
            .map(|f| (f.raw.clone(), f.sha_hex()))
            .collect()
    }

    /// What the provider streams into its body (inline delivery only).
    pub(crate) fn attachments(&self) -> Attachments {
        if self.delivery != LocalFiles::Inline {
            return Attachments::default();
        }
        Attachments(
            self.files
                .iter()
                .filter(|f| f.hosted.is_none())
                .map(|f| Attachment {
                    token: f.token.clone(),
                    source: f.source.clone(),
                    len: f.probe.size_bytes,
                    sha256: f.sha256,
                    label: f.label.clone(),
                })
                .collect(),
        )
    }
}

/// A random placeholder stem for one request's files.
fn token_stem() -> String {
    use rand::Rng;
    let bytes: [u8; 12] = rand::rng().random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("smcp-local-{hex}-")
}

#[cfg(test)]
mod tests;
