//! Delivery through a provider's upload endpoint, cached by content: a file whose
//! SHA-256 the provider already hosts is not uploaded again. Also `upload_image`
//! itself, which takes the same forms as the asset fields.

use std::io::{Read, Seek, SeekFrom};

use sha2::Digest;

use super::{LocalFile, LocalMedia, LocalScope, UPLOAD_REUSE_SECS, Want, check, is_remote};
use crate::{
    domain::{ImageUpload, ValidationError},
    error::ProviderError,
    media_probe::MediaKind,
    providers::{
        capabilities::LocalFiles,
        inline::Source,
        safe_fetch::{self, FetchPolicy},
    },
    service::{Service, ToolError, UploadImageOutput, UploadImageParams},
    validate::{self, limits::MAX_UPLOAD_BYTES},
};

impl Service {
    /// Fills in the URLs the provider already hosts for these files.
    pub(crate) async fn reuse_uploads(&self, local: &mut LocalMedia) -> Result<(), ToolError> {
        if !matches!(local.delivery, LocalFiles::Upload { .. }) {
            return Ok(());
        }
        let since = crate::clock::unix_now() - UPLOAD_REUSE_SECS;
        for file in &mut local.files {
            file.hosted = self
                .journal
                .cached_upload(self.provider.id(), file.sha_hex(), since)
                .await?;
        }
        Ok(())
    }

    /// Uploads the files the provider does not host yet (nothing is paid for an
    /// upload; the task itself is journalled afterwards).
    pub(crate) async fn upload_pending(&self, local: &mut LocalMedia) -> Result<(), ToolError> {
        if !matches!(local.delivery, LocalFiles::Upload { .. }) {
            return Ok(());
        }
        for file in local.files.iter_mut().filter(|f| f.hosted.is_none()) {
            file.hosted = Some(self.upload_file(file).await?);
        }
        Ok(())
    }

    async fn upload_file(&self, file: &LocalFile) -> Result<String, ToolError> {
        let bytes = read_all(file).await?;
        let hosted = self
            .provider
            .upload_image(&ImageUpload::Bytes(bytes))
            .await?;
        self.journal
            .record_upload(
                self.provider.id(),
                file.sha_hex(),
                hosted.url.clone(),
                file.probe.size_bytes,
            )
            .await?;
        tracing::info!(provider = %self.provider.id(), file = %file.label, "uploaded a local image");
        Ok(hosted.url)
    }

    /// Hosts an image for use as a reference, with the calls' default folders.
    pub async fn upload_image(
        &self,
        params: &UploadImageParams,
    ) -> Result<UploadImageOutput, ToolError> {
        let scope = self.scope.clone();
        self.upload_image_in(params, &scope).await
    }

    /// Hosts an image given as a URL, a local path, a `file://` or `data:` URL, or
    /// base64, reading local files only inside `scope`'s folders.
    pub async fn upload_image_in(
        &self,
        params: &UploadImageParams,
        scope: &LocalScope,
    ) -> Result<UploadImageOutput, ToolError> {
        let upload = validate::upload(params.image_url.as_deref(), params.image_data.as_deref())?;
        let provider = self.provider.id();
        let delivery = self.provider.capabilities().media.local;
        let url = match upload {
            ImageUpload::Url(url) if is_remote(&url) => {
                if !self.private_media_urls {
                    validate::public_url("image_url".to_owned(), &url)?;
                }
                return match delivery {
                    // The endpoint takes bytes only: fetch them here, guarded.
                    LocalFiles::Upload { urls: false } => self.upload_fetched(&url).await,
                    _ => {
                        let hosted = self.provider.upload_image(&ImageUpload::Url(url)).await?;
                        Ok(hosted.url)
                    }
                }
                .map(|url| UploadImageOutput { url, provider });
            }
            ImageUpload::Url(raw) => raw,
            ImageUpload::Bytes(bytes) => {
                // Already decoded and checked as an image by `validate::upload`.
                let mut local = self.inline_upload(bytes);
                return self
                    .host(&mut local)
                    .await
                    .map(|url| UploadImageOutput { url, provider });
            }
        };
        if let LocalFiles::Inline | LocalFiles::Refused = delivery {
            return Err(not_hosted(provider, delivery));
        }
        let want = Want {
            field: "image_url".to_owned(),
            raw: url,
            kind: MediaKind::Image,
            seedance: false,
        };
        let access = self.access(scope);
        let mut local = self.check_local(vec![want], access).await?;
        self.host(&mut local)
            .await
            .map(|url| UploadImageOutput { url, provider })
    }

    fn inline_upload(&self, bytes: Vec<u8>) -> LocalMedia {
        let probe = crate::media_probe::probe_bytes(&bytes).ok();
        let file = probe.map(|probe| LocalFile {
            raw: String::new(),
            label: "image_data".to_owned(),
            sha256: sha2::Sha256::digest(&bytes).into(),
            probe,
            source: Source::Bytes(bytes.into()),
            token: String::new(),
            hosted: None,
        });
        LocalMedia {
            delivery: self.provider.capabilities().media.local,
            files: file.into_iter().collect(),
        }
    }

    /// The hosted URL of the one file in `local`: cached, or uploaded now.
    async fn host(&self, local: &mut LocalMedia) -> Result<String, ToolError> {
        let provider = self.provider.id();
        let delivery = local.delivery;
        if let LocalFiles::Inline | LocalFiles::Refused = delivery {
            return Err(not_hosted(provider, delivery));
        }
        let Some(file) = local.files.first() else {
            return Err(ValidationError::new(
                "image_data",
                "the bytes are not an image this server recognises",
                "send a PNG, JPEG, WebP, GIF, BMP or TIFF file",
            )
            .into());
        };
        if file.probe.kind != MediaKind::Image || file.probe.size_bytes > MAX_UPLOAD_BYTES as u64 {
            return Err(ValidationError::new(
                "image_url",
                format!(
                    "{} is {} of {} bytes; uploads take images of at most {MAX_UPLOAD_BYTES} bytes",
                    file.label,
                    file.probe.format.name(),
                    file.probe.size_bytes
                ),
                "pass a PNG, JPEG, WebP, GIF, BMP or TIFF image below 10 MB",
            )
            .into());
        }
        if delivery == LocalFiles::Simulated {
            // The simulator hosts uploads for this run only: nothing to reuse.
            return self.upload_file(file).await;
        }
        self.reuse_uploads(local).await?;
        self.upload_pending(local).await?;
        local
            .files
            .first()
            .and_then(|f| f.hosted.clone())
            .ok_or_else(|| ToolError {
                kind: crate::service::ToolErrorKind::Provider(crate::error::ErrorKind::Upstream),
                message: "the upload gave no URL".to_owned(),
            })
    }

    /// For upload endpoints that take bytes only: the server fetches the URL under
    /// [`safe_fetch`] rules, checks the bytes are an image, then uploads them.
    async fn upload_fetched(&self, url: &str) -> Result<String, ToolError> {
        let policy = FetchPolicy::public_https(MAX_UPLOAD_BYTES as u64);
        let bytes = safe_fetch::fetch(url, &policy)
            .await
            .map_err(|e| check::sentence("image_url", &e.to_string()))
            .map_err(|e| check::refused(&[e]))?;
        let mut local = self.inline_upload(bytes);
        self.host(&mut local).await
    }
}

/// Why a provider without an upload endpoint does not host a file.
fn not_hosted(provider: crate::domain::ProviderId, delivery: LocalFiles) -> ToolError {
    let alternative = if delivery == LocalFiles::Inline {
        "Ark needs no upload: pass the file's path (or a data: URL) straight in image_files, \
         first_frame or last_frame; it is checked and sent inside the request."
    } else {
        "It fetches media from public https URLs only: host the image somewhere public and pass \
         its https URL, or use xskill (uploads) or BytePlus/Volcengine Ark (local images inline)."
    };
    ProviderError::Unsupported {
        provider,
        feature: "hosting images".to_owned(),
        alternative: alternative.to_owned(),
    }
    .into()
}

/// The bytes of a checked file, read through its handle (uploads are at most 10 MB).
async fn read_all(file: &LocalFile) -> Result<Vec<u8>, ToolError> {
    let unreadable = |e: std::io::Error| ToolError {
        kind: crate::service::ToolErrorKind::InvalidArgument,
        message: format!(
            "{} could not be read again ({e}); nothing was sent",
            file.label
        ),
    };
    match &file.source {
        Source::Bytes(bytes) => Ok(bytes.to_vec()),
        Source::File(handle) => {
            let handle = handle.try_clone().map_err(unreadable)?;
            let len = file.probe.size_bytes;
            let read = tokio::task::spawn_blocking(move || {
                let mut handle = handle;
                handle.seek(SeekFrom::Start(0))?;
                let mut bytes = Vec::new();
                handle.take(len + 1).read_to_end(&mut bytes)?;
                Ok::<_, std::io::Error>(bytes)
            })
            .await
            .map_err(|e| unreadable(std::io::Error::other(e.to_string())))?
            .map_err(unreadable)?;
            // The hash, not only the length, ties the upload to what was checked.
            let sha: [u8; 32] = sha2::Sha256::digest(&read).into();
            if sha != file.sha256 {
                return Err(unreadable(std::io::Error::other(
                    "it changed after it was checked",
                )));
            }
            Ok(read)
        }
    }
}
