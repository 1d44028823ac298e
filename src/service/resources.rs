//! Saved results as MCP resources, for clients that cannot read this machine's
//! files: `seedance://tasks/{local_id}/files/{n}`. Only files the journal recorded
//! can be read this way, so no path from outside ever reaches the file system.

use std::path::Path;

use super::{Service, ToolError};
use crate::journal::{Entry, ListFilter};

/// The URI template of saved results.
pub const RESOURCE_TEMPLATE: &str = "seedance://tasks/{local_id}/files/{n}";
/// Saved files larger than this are not inlined into a resource read.
pub const MAX_RESOURCE_BYTES: u64 = 100 * 1024 * 1024;
/// How many recent tasks `resources/list` covers.
const LISTED_TASKS: u32 = 50;

/// One saved file, described.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedFile {
    /// `seedance://tasks/{local_id}/files/{n}`.
    pub uri: String,
    /// The file name.
    pub name: String,
    /// MIME type from the file's extension.
    pub mime: &'static str,
    /// Size in bytes, when the file is still there.
    pub size: Option<u64>,
    /// Which task it came from.
    pub description: String,
}

/// The journal row and file number a `seedance://tasks/{local_id}/files/{n}` URI names.
pub fn parse_uri(uri: &str) -> Option<(i64, usize)> {
    let rest = uri.strip_prefix("seedance://tasks/")?;
    let (id, n) = rest.split_once("/files/")?;
    Some((id.parse().ok()?, n.parse().ok()?))
}

/// Where the HTTP server serves the `n`th saved file of a journal row, below its
/// own address (see `mcp::files`).
pub fn download_path(local_id: i64, n: usize) -> String {
    format!("/files/{local_id}/{n}")
}

/// The URI of the `n`th (1-based) saved file of a journal row.
pub fn resource_uri(local_id: i64, n: usize) -> String {
    format!("seedance://tasks/{local_id}/files/{n}")
}

fn mime_of(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("mp4") => "video/mp4",
        Some("mov") => "video/quicktime",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        _ => "application/octet-stream",
    }
}

fn describe(entry: &Entry) -> Vec<SavedFile> {
    entry
        .local_files
        .iter()
        .enumerate()
        .map(|(i, path)| SavedFile {
            uri: resource_uri(entry.local_id, i + 1),
            name: path.file_name().map_or_else(
                || format!("file-{}", i + 1),
                |n| n.to_string_lossy().into_owned(),
            ),
            mime: mime_of(path),
            size: std::fs::metadata(path).ok().map(|m| m.len()),
            description: format!(
                "Result of {} task {}",
                entry.provider,
                entry.task_id.as_deref().unwrap_or("(unknown id)")
            ),
        })
        .collect()
}

/// The saved files a get_task answer names, as resources: one per file, under
/// the URI that `resources/read` resolves.
pub fn of_output(output: &super::GetTaskOutput) -> Vec<SavedFile> {
    output
        .resource_uris
        .iter()
        .zip(&output.local_files)
        .map(|(uri, path)| SavedFile {
            uri: uri.clone(),
            name: path
                .file_name()
                .map_or_else(|| uri.clone(), |n| n.to_string_lossy().into_owned()),
            mime: mime_of(path),
            size: std::fs::metadata(path).ok().map(|m| m.len()),
            description: format!("Result of {} task {}", output.provider, output.task_id),
        })
        .collect()
}

impl Service {
    /// Saved files of recent tasks, newest first.
    pub async fn saved_files(&self) -> Result<Vec<SavedFile>, ToolError> {
        let rows = self
            .journal
            .list(ListFilter {
                limit: LISTED_TASKS,
                owner: self.owner.clone(),
                ..Default::default()
            })
            .await?;
        Ok(rows.iter().flat_map(describe).collect())
    }

    /// The `n`th (from 1) saved file of journal row `local_id`, when this caller
    /// may see that row and the file is still there: the path, its MIME type and
    /// size. Anything else is the same `NotFound`, whoever's row it is.
    pub async fn saved_file(
        &self,
        local_id: i64,
        n: usize,
    ) -> Result<(std::path::PathBuf, &'static str, u64), ToolError> {
        let uri = resource_uri(local_id, n);
        let not_found = || ToolError {
            kind: crate::service::ToolErrorKind::NotFound,
            message: format!(
                "no saved result at {uri}; list resources or call list_tasks for what exists"
            ),
        };
        let entry = self
            .journal
            .by_local_id(local_id)
            .await?
            .filter(|entry| self.sees(entry))
            .ok_or_else(not_found)?;
        let path = n
            .checked_sub(1)
            .and_then(|i| entry.local_files.get(i))
            .ok_or_else(not_found)?
            .clone();
        let size = tokio::fs::metadata(&path)
            .await
            .ok()
            .filter(std::fs::Metadata::is_file)
            .ok_or_else(not_found)?
            .len();
        let mime = mime_of(&path);
        Ok((path, mime, size))
    }

    /// The bytes and MIME type behind a `seedance://` URI.
    pub async fn read_saved_file(&self, uri: &str) -> Result<(Vec<u8>, &'static str), ToolError> {
        let not_found = || ToolError {
            kind: crate::service::ToolErrorKind::NotFound,
            message: format!(
                "no saved result at {uri}; list resources or call list_tasks for what exists"
            ),
        };
        let (local_id, n) = parse_uri(uri).ok_or_else(not_found)?;
        let (path, _, size) = self.saved_file(local_id, n).await?;
        if size > MAX_RESOURCE_BYTES {
            return Err(ToolError {
                kind: crate::service::ToolErrorKind::TooLarge,
                message: format!(
                    "{} is {size} bytes, more than a resource read carries; download it over HTTP \
                     from {} (with the same bearer token) or open the file on the server",
                    path.display(),
                    download_path(local_id, n)
                ),
            });
        }
        let bytes = tokio::fs::read(&path).await.map_err(|_| not_found())?;
        Ok((bytes, mime_of(&path)))
    }
}
