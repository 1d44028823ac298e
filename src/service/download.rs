//! Saving results to disk before their URLs expire.
//!
//! Files are named after provider, task and position, written to a temporary name
//! and renamed into place, so a file that exists is complete and is never fetched
//! twice.

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::{domain::ProviderId, error::ProviderError, media_probe, providers::Provider};

/// Why a result could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The provider did not deliver the file.
    #[error("could not download the result: {0}")]
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
    /// The connection broke during the transfer: nothing is kept.
    #[error(
        "the download of {url} broke off after {got} bytes ({cause}); call get_task again to retry"
    )]
    BrokeOff {
        /// The result URL.
        url: String,
        /// Bytes received.
        got: u64,
        /// What the transport said.
        cause: String,
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

/// What goes into result file names besides the task: when it was submitted and
/// a few words of the prompt, so a folder of results reads like a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Naming {
    /// `YYYYMMDD-HHMMSS` of the submission, so clips of one story sort in order.
    pub date: String,
    /// A few lowercase words of the prompt's first timed shot (else of the prompt),
    /// ASCII letters and digits joined by `-`: chained clips of one story share
    /// their opening Style line but not their first shot.
    pub slug: String,
}

impl Naming {
    /// From the submission time (RFC 3339) and the prompt.
    pub fn new(submitted_at: &str, prompt: &str) -> Self {
        let day: String = submitted_at
            .chars()
            .take(10)
            .filter(char::is_ascii_digit)
            .collect();
        let time: String = submitted_at
            .chars()
            .skip(11)
            .take(8)
            .filter(char::is_ascii_digit)
            .collect();
        let date = if day.len() == 8 && time.len() == 6 {
            format!("{day}-{time}")
        } else {
            day
        };
        let source = prompt
            .lines()
            .find(|line| !crate::lint::timed_shots(line).is_empty())
            .unwrap_or(prompt);
        let words: Vec<String> = source
            .split(|c: char| !c.is_ascii_alphanumeric())
            // Words starting with a digit are timecodes ("3s") or numbers: noise in a name.
            .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
            .take(6)
            .map(str::to_ascii_lowercase)
            .collect();
        let mut slug = String::new();
        for word in words {
            if slug.len() + word.len() + 1 > 40 {
                break;
            }
            if !slug.is_empty() {
                slug.push('-');
            }
            slug.push_str(&word);
        }
        Self { date, slug }
    }
}

/// Saves every result URL of a task into `dir`, skipping files already saved.
pub async fn save_results(
    provider: &dyn Provider,
    task_id: &str,
    urls: &[String],
    dir: &Path,
    naming: &Naming,
) -> Result<Vec<PathBuf>, SaveError> {
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|source| SaveError::Io {
            path: dir.to_owned(),
            source,
        })?;
    let mut saved = Vec::with_capacity(urls.len());
    for (index, url) in urls.iter().enumerate() {
        let key = file_key(provider.id(), task_id, index, urls.len());
        let path = match existing(dir, &key).await {
            Some(path) => path,
            None => {
                let stem = [naming.date.as_str(), key.as_str(), naming.slug.as_str()]
                    .iter()
                    .filter(|part| !part.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join("_");
                fetch(provider, url, dir, &stem).await?
            }
        };
        saved.push(path);
    }
    Ok(saved)
}

/// `xskill-task-abc` or `sim-101x-1-2`: the part of a name that identifies the
/// file, built only from characters safe in every file system (and no `_`, which
/// separates the parts of a name). A task id that already starts with the
/// provider's name is not prefixed again.
fn file_key(provider: ProviderId, task_id: &str, index: usize, count: usize) -> String {
    let safe: String = task_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(100)
        .collect();
    let named = if safe.starts_with(&format!("{provider}-")) {
        safe
    } else {
        format!("{provider}-{safe}")
    };
    if count > 1 {
        format!("{named}-{}", index + 1)
    } else {
        named
    }
}

/// A finished file of this key, whatever date and slug it was saved with.
async fn existing(dir: &Path, key: &str) -> Option<PathBuf> {
    let mut entries = tokio::fs::read_dir(dir).await.ok()?;
    while let Ok(Some(entry)) = entries.next_entry().await {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Some((stem, ext)) = name.rsplit_once('.') else {
            continue;
        };
        // Partial downloads end in `.part` and never count.
        if ext == "part" || stem.contains('.') {
            continue;
        }
        let mut parts = stem.split('_');
        let first = parts.next();
        let matches = first == Some(key) || parts.next() == Some(key);
        if matches {
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
            let chunk = chunk.map_err(|cause| SaveError::BrokeOff {
                url: url.to_owned(),
                got: total as u64,
                cause: cause.to_string(),
            })?;
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
    if let Some(format) = media_probe::sniff_format(head) {
        return format.extension();
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
    fn file_keys_are_safe_and_numbered_only_when_needed() {
        assert_eq!(
            file_key(crate::domain::test_id("xskill"), "task_a/../x", 0, 1),
            "xskill-task-a----x"
        );
        assert_eq!(
            file_key(crate::domain::test_id("sim"), "sim-1", 1, 2),
            "sim-1-2",
            "the provider is not repeated"
        );
    }

    #[test]
    fn names_carry_the_date_and_a_few_words_of_the_prompt() {
        let naming = Naming::new(
            "2026-11-28T03:25:28Z",
            "0-3s: A slow push-in on a steaming cup of coffee, 4K!",
        );
        assert_eq!(naming.date, "20261128-032528");
        assert_eq!(naming.slug, "a-slow-push-in-on-a");
        // Chained clips of one story: the same Style line, different first shots.
        let first = Naming::new(
            "2026-11-28T03:25:28Z",
            "Style: watercolour.\n0-5s: a fox wakes",
        );
        let second = Naming::new(
            "2026-11-28T03:26:02Z",
            "Style: watercolour.\n0-5s: the fox runs",
        );
        assert_eq!(first.slug, "a-fox-wakes");
        assert_ne!((first.date, first.slug), (second.date, second.slug));
        assert_eq!(Naming::new("", "雨中的城市").slug, "");
    }

    #[tokio::test]
    async fn a_saved_file_is_found_again_by_its_key_whatever_its_date_and_slug() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("20261128_xskill-t1_a-cat.mp4"), b"x").unwrap();
        std::fs::write(
            dir.path().join("20261128_xskill-t1-2_a-cat.png.123.part"),
            b"x",
        )
        .unwrap();
        assert!(existing(dir.path(), "xskill-t1").await.is_some());
        assert!(
            existing(dir.path(), "xskill-t1-2").await.is_none(),
            "partial files never count"
        );
        assert!(existing(dir.path(), "xskill-t").await.is_none());
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
