//! Saving results to disk before their URLs expire.
//!
//! Files are named after provider, task and position, written to a temporary name
//! and renamed into place, so a file that exists is complete and is never fetched
//! twice.

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::{
    error::ProviderError,
    media,
    providers::{Provider, ProviderId},
};

/// Why a result could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The provider did not deliver the file.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// The transfer ended before the announced length: nothing is kept.
    #[error(
        "the download of {url} stopped after {got} of {expected} bytes; call get_task again to retry"
    )]
    Truncated {
        /// The result URL.
        url: String,
        /// Bytes received.
        got: u64,
        /// Bytes announced.
        expected: u64,
    },
    /// The provider sent an empty file.
    #[error("the result at {url} is empty")]
    Empty {
        /// The result URL.
        url: String,
    },
    /// The output folder could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Saves every result URL of a task into `dir`, skipping files already there.
pub async fn save_results(
    provider: &dyn Provider,
    task_id: &str,
    urls: &[String],
    dir: &Path,
) -> Result<Vec<PathBuf>, SaveError> {
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|source| SaveError::Io {
            path: dir.to_owned(),
            source,
        })?;
    let mut saved = Vec::with_capacity(urls.len());
    for (index, url) in urls.iter().enumerate() {
        let stem = file_stem(provider.id(), task_id, index, urls.len());
        let path = match existing(dir, &stem).await {
            Some(path) => path,
            None => fetch(provider, url, dir, &stem).await?,
        };
        saved.push(path);
    }
    Ok(saved)
}

/// `xskill-task_abc` or `sim-sim-000001-2`: only characters safe in every file system.
fn file_stem(provider: ProviderId, task_id: &str, index: usize, count: usize) -> String {
    let safe: String = task_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if count > 1 {
        format!("{provider}-{safe}-{}", index + 1)
    } else {
        format!("{provider}-{safe}")
    }
}

async fn existing(dir: &Path, stem: &str) -> Option<PathBuf> {
    let mut entries = tokio::fs::read_dir(dir).await.ok()?;
    while let Ok(Some(entry)) = entries.next_entry().await {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let is_final = name
            .strip_prefix(stem)
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|ext| !ext.contains('.'));
        if is_final {
            return Some(entry.path());
        }
    }
    None
}

async fn fetch(
    provider: &dyn Provider,
    url: &str,
    dir: &Path,
    stem: &str,
) -> Result<PathBuf, SaveError> {
    let download = provider.download(url).await?;
    let part = dir.join(format!("{stem}.{}.part", std::process::id()));
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| SaveError::Io { path, source }
    };
    let mut file = tokio::fs::File::create(&part).await.map_err(io(&part))?;
    let mut head = Vec::new();
    let expected_len = download.expected_len;
    let mut body = download.body;
    let written = async {
        let mut total = 0usize;
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            if head.len() < 16 {
                head.extend(chunk.iter().take(16 - head.len()));
            }
            total += chunk.len();
            file.write_all(&chunk).await.map_err(io(&part))?;
        }
        if total == 0 {
            return Err(SaveError::Empty {
                url: url.to_owned(),
            });
        }
        if let Some(expected) = expected_len
            && expected != total as u64
        {
            return Err(SaveError::Truncated {
                url: url.to_owned(),
                got: total as u64,
                expected,
            });
        }
        file.sync_all().await.map_err(io(&part))?;
        Ok::<(), SaveError>(())
    }
    .await;
    if let Err(e) = written {
        let _ = tokio::fs::remove_file(&part).await;
        return Err(e);
    }
    let ext = extension(&head, download.content_type.as_deref(), url);
    let path = dir.join(format!("{stem}.{ext}"));
    tokio::fs::rename(&part, &path).await.map_err(io(&path))?;
    Ok(path)
}

/// The bytes decide; the content type and the URL are fallbacks.
fn extension(head: &[u8], content_type: Option<&str>, url: &str) -> &'static str {
    if let Some(ext) = media::sniff_extension(head) {
        return ext;
    }
    match content_type.map(|c| c.split(';').next().unwrap_or_default().trim()) {
        Some("video/mp4") => return "mp4",
        Some("video/quicktime") => return "mov",
        Some("image/png") => return "png",
        Some("image/jpeg") => return "jpg",
        Some("image/webp") => return "webp",
        _ => {}
    }
    let path = url.split(['?', '#']).next().unwrap_or_default();
    match path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()) {
        Some(e) if e == "mp4" => "mp4",
        Some(e) if e == "mov" => "mov",
        Some(e) if e == "png" => "png",
        Some(e) if e == "jpg" || e == "jpeg" => "jpg",
        Some(e) if e == "webp" => "webp",
        _ => "bin",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_numbered_only_when_needed() {
        assert_eq!(
            file_stem(ProviderId::Xskill, "task/../x", 0, 1),
            "xskill-task____x"
        );
        assert_eq!(file_stem(ProviderId::Sim, "sim-1", 1, 2), "sim-sim-1-2");
    }

    #[test]
    fn the_extension_comes_from_the_bytes_first() {
        assert_eq!(
            extension(b"\0\0\0\x18ftypmp42", Some("image/png"), "x.png"),
            "mp4"
        );
        assert_eq!(extension(b"????", Some("image/webp"), "x"), "webp");
        assert_eq!(extension(b"????", None, "https://c/x.MOV?sig=1"), "mov");
        assert_eq!(extension(b"????", None, "https://c/x"), "bin");
    }
}
