//! Reading and checking the local media of one request: the delivery gate (which
//! kinds the provider can take from this machine at all), confinement, probing
//! by content, hashing, and the limits over the whole request. Every problem
//! found is reported together, each naming its field, the file and the fix.

use std::{io::Read, sync::Arc};

use base64::Engine;
use sha2::{Digest, Sha256};

use super::{Access, LocalFile, LocalMedia, Service, ToolError, Want, is_data, token_stem};
use crate::{
    domain::{ProviderId, ValidationError},
    error::ProviderError,
    media_probe::{self, MediaKind, limits::Asset, limits::AssetLimits},
    providers::{capabilities::LocalFiles, inline::Source, inline::base64_len},
    validate::limits::MAX_UPLOAD_BYTES,
};

/// Whole create body Ark accepts, less room for the rest of the JSON.
const INLINE_BODY_MAX: u64 = 63 * 1024 * 1024;

impl Service {
    /// Reads, probes and checks every local or inline entry of a request, in the
    /// allowed folders of `access`, before anything is sent.
    pub(crate) async fn check_local(
        &self,
        wants: Vec<Want>,
        access: Access,
    ) -> Result<LocalMedia, ToolError> {
        let delivery = self.provider.capabilities().media.local;
        if wants.is_empty() {
            return Ok(LocalMedia::none(delivery));
        }
        gate(self.provider.id(), delivery, &wants, &access)?;
        // Opening, probing and hashing are blocking file work.
        let checked =
            tokio::task::spawn_blocking(move || check_blocking(&wants, &access, delivery))
                .await
                .map_err(|e| ToolError {
                    kind: crate::service::ToolErrorKind::InternalError,
                    message: format!("checking the local files stopped: {e}"),
                })?;
        checked.map(|files| LocalMedia { delivery, files })
    }
}

/// Refuses, before reading anything, what the provider cannot take from here.
fn gate(
    provider: ProviderId,
    delivery: LocalFiles,
    wants: &[Want],
    access: &Access,
) -> Result<(), ToolError> {
    for want in wants {
        let noun = match want.kind {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
        };
        let refusal = match (delivery, want.kind) {
            (LocalFiles::Refused, _) => Some(format!(
                "{provider} fetches every medium itself from a public https URL. Upload the file \
                 somewhere public and pass its https URL, or use xskill (it uploads local images) or \
                 BytePlus/Volcengine Ark (they take local images and audio inline)."
            )),
            (LocalFiles::Upload { .. }, MediaKind::Video | MediaKind::Audio) => Some(format!(
                "{provider}'s upload endpoint takes images only. Pass the {noun} as a public https \
                 URL{}",
                if want.kind == MediaKind::Audio {
                    ", or use BytePlus/Volcengine Ark, which takes local audio inline."
                } else {
                    "."
                }
            )),
            (LocalFiles::Inline, MediaKind::Video) => Some(
                "Ark takes reference videos only as http(s) URLs or asset:// ids. Put the video at a \
                 public https URL (or in your asset library) and pass that."
                    .to_owned(),
            ),
            _ => None,
        };
        if let Some(alternative) = refusal {
            return Err(ProviderError::Unsupported {
                provider,
                feature: format!("a local or data: {noun} in `{}`", want.field),
                alternative,
            }
            .into());
        }
        if let Some(why) = access.refusal.as_ref().filter(|_| !is_data(&want.raw)) {
            return Err(ValidationError::new(
                want.field.clone(),
                format!("it names a local file, but {why}"),
                format!(
                    "pass a public https URL or a data: URL, or set {} on the server to folders it \
                     may read",
                    crate::env_vars::SEEDANCE_ALLOWED_DIRS
                ),
            )
            .into());
        }
    }
    Ok(())
}

fn check_blocking(
    wants: &[Want],
    access: &Access,
    delivery: LocalFiles,
) -> Result<Vec<LocalFile>, ToolError> {
    let stem = token_stem();
    let mut files: Vec<LocalFile> = Vec::new();
    let mut problems: Vec<ValidationError> = Vec::new();
    // (index into files, want) for every entry that could be read.
    let mut read: Vec<(usize, &Want)> = Vec::new();
    for want in wants {
        if let Some(at) = files.iter().position(|f| f.raw == want.raw) {
            read.push((at, want));
            continue;
        }
        match open(want, access) {
            Ok((label, probe, sha256, source)) => {
                files.push(LocalFile {
                    raw: want.raw.clone(),
                    label,
                    probe,
                    sha256,
                    source,
                    token: format!("{stem}{}", files.len()),
                    hosted: None,
                });
                read.push((files.len() - 1, want));
            }
            Err(problem) => problems.push(problem),
        }
    }
    problems.extend(limits(&files, &read, delivery));
    // In the order the caller wrote the fields.
    problems.sort_by_key(|p| wants.iter().position(|w| w.field == p.field));
    if problems.is_empty() {
        Ok(files)
    } else {
        Err(refused(&problems))
    }
}

type Opened = (String, media_probe::Probe, [u8; 32], Source);

/// Finds, opens, probes and hashes one entry.
fn open(want: &Want, access: &Access) -> Result<Opened, ValidationError> {
    let field = want.field.clone();
    if is_data(&want.raw) {
        let bytes = decode_data(&field, &want.raw)?;
        let label = format!("the data: URL in `{field}`");
        let probe = media_probe::probe_bytes(&bytes)
            .map_err(|e| sentence(&field, &e.to_string().replace("the inline data", &label)))?;
        let sha256 = Sha256::digest(&bytes).into();
        return Ok((label, probe, sha256, Source::Bytes(bytes.into())));
    }
    let path = access
        .roots
        .resolve(want.raw.trim(), access.base.as_deref())
        .map_err(|e| sentence(&field, &e.to_string()))?;
    let label = path.display().to_string();
    let file = std::fs::File::open(&path).map_err(|e| {
        ValidationError::new(
            field.clone(),
            format!("{label} cannot be opened ({e})"),
            "check that the file is readable",
        )
    })?;
    let probe =
        media_probe::probe_file(&file, &label).map_err(|e| sentence(&field, &e.to_string()))?;
    let sha256 = hash_file(&file).map_err(|e| {
        ValidationError::new(
            field.clone(),
            format!("{label} could not be read ({e})"),
            "check that the file is readable",
        )
    })?;
    Ok((label, probe, sha256, Source::File(Arc::new(file))))
}

fn decode_data(field: &str, raw: &str) -> Result<Vec<u8>, ValidationError> {
    let payload = raw
        .split_once(";base64,")
        .map(|(_, payload)| payload)
        .unwrap_or_default();
    let compact: String = payload
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| {
            ValidationError::new(
                field,
                format!("the data: URL is not valid base64 ({e})"),
                "encode the file's bytes as standard base64 after `;base64,`",
            )
        })
}

/// SHA-256 of the whole file, read through the probed handle from its start.
fn hash_file(file: &std::fs::File) -> std::io::Result<[u8; 32]> {
    use std::io::{Seek, SeekFrom};
    let mut reader = file;
    reader.seek(SeekFrom::Start(0))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0_u8; 64 * 1024];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().into())
}

/// The Seedance 2.0 limits over every file, plus what the delivery itself limits.
fn limits(
    files: &[LocalFile],
    read: &[(usize, &Want)],
    delivery: LocalFiles,
) -> Vec<ValidationError> {
    let mut by_kind: [Vec<Asset>; 3] = Default::default();
    let mut found: Vec<ValidationError> = Vec::new();
    for &(at, want) in read {
        let Some(file) = files.get(at) else { continue };
        if !want.seedance {
            if file.probe.kind != want.kind {
                found.push(ValidationError::new(
                    want.field.clone(),
                    format!(
                        "{} is {}, not an image",
                        file.label,
                        file.probe.format.name()
                    ),
                    "pass a JPEG, PNG, WebP, BMP, TIFF or GIF image here",
                ));
            }
            continue;
        }
        let slot = match want.kind {
            MediaKind::Image => 0,
            MediaKind::Video => 1,
            MediaKind::Audio => 2,
        };
        by_kind[slot].push(Asset::new(&want.field, &file.label, file.probe.clone()));
    }
    let [images, videos, audios] = &by_kind;
    // Audio without an image or video is refused by `validate`, which also sees URLs.
    found.extend(
        AssetLimits::seedance_2()
            .check_files(images, videos, audios)
            .into_iter()
            .map(|v| sentence(&v.field, &v.message)),
    );
    let mut inline_total = 0_u64;
    for &(at, want) in read {
        let Some(file) = files.get(at) else { continue };
        let size = file.probe.size_bytes;
        match delivery {
            LocalFiles::Upload { .. } if size > MAX_UPLOAD_BYTES as u64 => {
                found.push(ValidationError::new(
                    want.field.clone(),
                    format!(
                        "{} is {:.1} MB; the provider's upload takes at most {} MB",
                        file.label,
                        size as f64 / 1_048_576.0,
                        MAX_UPLOAD_BYTES / 1_048_576
                    ),
                    "compress it (JPEG or WebP) below that, or pass a public https URL",
                ));
            }
            LocalFiles::Inline => {
                inline_total += base64_len(size);
                if inline_total > INLINE_BODY_MAX {
                    found.push(ValidationError::new(
                        want.field.clone(),
                        format!(
                            "with {} the request body would pass 64 MB, Ark's limit for one request \
                             (files travel as base64, a third larger)",
                            file.label
                        ),
                        "send fewer or smaller local files, or pass some as public https URLs",
                    ));
                }
            }
            _ => {}
        }
    }
    found
}

/// A problem worded "what is wrong; what to do" as a field error.
pub(super) fn sentence(field: &str, message: &str) -> ValidationError {
    match message.rsplit_once("; ") {
        Some((problem, fix)) => ValidationError::new(field, problem, fix),
        None => ValidationError::new(field, message, "use another file"),
    }
}

/// Every problem in one answer, so a whole request is fixed in one round.
pub(super) fn refused(problems: &[ValidationError]) -> ToolError {
    let listed: Vec<String> = problems.iter().map(ToString::to_string).collect();
    ToolError {
        kind: crate::service::ToolErrorKind::InvalidArgument,
        message: crate::service::sentences(
            &listed.join(". "),
            "Nothing was sent to the provider and nothing was charged.",
        ),
    }
}
