//! Which local files the server may read, and turning what a user typed (a path,
//! a relative path, or a `file://` URL) into one such file.
//!
//! Owns [`AllowedRoots`]: the canonical folders granted by the MCP client's
//! roots, by `SEEDANCE_ALLOWED_DIRS`, and the output folder. A path is allowed
//! only if its canonical form (symlinks and `..` resolved by the OS) lies inside
//! one of them, never passes through a credential folder, and is a regular file.
//!
//! The check is made at resolve time; callers should open the returned canonical
//! path promptly (a folder swapped for a symlink afterwards is not caught here).

mod error;
mod url;

#[cfg(test)]
mod tests;

use std::ffi::OsStr;
use std::io;
use std::path::{Component, Path, PathBuf};

pub use error::ConfineError;
use error::shown;
use url::UrlProblem;

/// Folder and file names that hold credentials; matched against every path
/// component, ignoring ASCII case (macOS and Windows file systems do).
const CREDENTIAL_NAMES: [&str; 11] = [
    ".ssh",
    ".aws",
    ".gnupg",
    ".config",
    ".kube",
    ".docker",
    ".azure",
    ".gcloud",
    ".password-store",
    ".netrc",
    ".git-credentials",
];

/// A folder that could not be made an allowed root, and why (for a warning log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRoot {
    /// The folder or URI as given.
    pub given: String,
    /// Why it was left out.
    pub reason: String,
}

/// The canonical folders the server may read from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedRoots {
    roots: Vec<PathBuf>,
}

impl AllowedRoots {
    /// No folders: every path is refused.
    pub fn new() -> Self {
        Self::default()
    }

    /// Roots from the client's MCP roots (`file://` URIs), an env-var style list
    /// of folders (`:`-separated on Unix, as in `PATH`) and the output folder.
    /// Entries that cannot be used are returned rather than failing the rest.
    pub fn from_sources<I, S>(
        client_roots: I,
        env_dirs: Option<&OsStr>,
        output_dir: Option<&Path>,
    ) -> (Self, Vec<SkippedRoot>)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut roots = Self::new();
        let mut skipped: Vec<SkippedRoot> = client_roots
            .into_iter()
            .filter_map(|uri| roots.add_client_root(uri.as_ref()).err())
            .collect();
        if let Some(list) = env_dirs {
            skipped.extend(roots.add_dir_list(list));
        }
        if let Some(dir) = output_dir {
            skipped.extend(roots.add_dir(dir).err());
        }
        (roots, skipped)
    }

    /// Adds a client root given as a `file://` URI.
    pub fn add_client_root(&mut self, uri: &str) -> Result<(), SkippedRoot> {
        let skip = |reason: String| SkippedRoot {
            given: uri.to_owned(),
            reason,
        };
        if !url::is_file_url(uri) {
            return Err(skip("only file:// roots name local folders".to_owned()));
        }
        let path = url::file_url_path(uri).map_err(|p| skip(p.describe()))?;
        self.add_dir(&path).map_err(|s| skip(s.reason))
    }

    /// Adds each folder of a `PATH`-style list; empty entries are ignored.
    pub fn add_dir_list(&mut self, list: &OsStr) -> Vec<SkippedRoot> {
        std::env::split_paths(list)
            .filter(|dir| !dir.as_os_str().is_empty())
            .filter_map(|dir| self.add_dir(&dir).err())
            .collect()
    }

    /// Adds one existing, absolute folder (stored canonical, without duplicates).
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), SkippedRoot> {
        let skip = |reason: &str| SkippedRoot {
            given: dir.display().to_string(),
            reason: reason.to_owned(),
        };
        if !dir.is_absolute() {
            return Err(skip("it is not an absolute path"));
        }
        let canonical = std::fs::canonicalize(dir).map_err(|e| skip(&e.to_string()))?;
        if !canonical.is_dir() {
            return Err(skip("it is not a folder"));
        }
        if credential_component(&canonical).is_some() {
            return Err(skip("it is or lies inside a folder that holds credentials"));
        }
        if !self.roots.contains(&canonical) {
            self.roots.push(canonical);
        }
        Ok(())
    }

    /// The canonical allowed folders.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Whether no folder is allowed.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// The canonical path of the regular file `input` names, if it may be read.
    ///
    /// `input` is an absolute path, a `file://` URL, or a path relative to `base`
    /// (usually the first client root).
    pub fn resolve(&self, input: &str, base: Option<&Path>) -> Result<PathBuf, ConfineError> {
        let path = literal_path(input, base)?;
        let given = || shown(input);
        if let Some(component) = credential_component(&path) {
            return Err(self.credential(input, component));
        }
        if self.roots.is_empty() {
            return Err(ConfineError::NoRoots { input: given() });
        }
        let canonical = std::fs::canonicalize(&path).map_err(|e| ConfineError::Missing {
            input: given(),
            reason: io_reason(&e),
        })?;
        if let Some(component) = credential_component(&canonical) {
            return Err(self.credential(input, component));
        }
        if !self.roots.iter().any(|root| canonical.starts_with(root)) {
            let resolved = if canonical == path {
                String::new()
            } else {
                format!(" (really {})", canonical.display())
            };
            return Err(ConfineError::Outside {
                input: given(),
                resolved,
                roots: self.listed(),
            });
        }
        let meta = std::fs::metadata(&canonical).map_err(|e| ConfineError::Missing {
            input: given(),
            reason: io_reason(&e),
        })?;
        if !meta.is_file() {
            let what = if meta.is_dir() {
                "a folder"
            } else {
                "a device, pipe or socket"
            };
            return Err(ConfineError::NotAFile {
                input: given(),
                what,
            });
        }
        Ok(canonical)
    }

    fn credential(&self, input: &str, component: String) -> ConfineError {
        ConfineError::Credential {
            input: shown(input),
            component,
            roots: self.listed(),
        }
    }

    fn listed(&self) -> String {
        if self.roots.is_empty() {
            return "(no allowed folders yet)".to_owned();
        }
        let names: Vec<String> = self.roots.iter().map(|r| r.display().to_string()).collect();
        names.join(", ")
    }
}

/// The path `input` spells, before touching the file system.
fn literal_path(input: &str, base: Option<&Path>) -> Result<PathBuf, ConfineError> {
    let given = || shown(input);
    if input.is_empty() {
        return Err(ConfineError::Empty);
    }
    if input.contains('\0') {
        return Err(ConfineError::NulByte { input: given() });
    }
    if url::is_file_url(input) {
        return url::file_url_path(input).map_err(|problem| match problem {
            UrlProblem::Malformed(why) => ConfineError::BadUrl {
                input: given(),
                why,
            },
            UrlProblem::RemoteHost(host) => ConfineError::RemoteHost {
                input: given(),
                host,
            },
            UrlProblem::Traversal => ConfineError::Traversal { input: given() },
            UrlProblem::Nul => ConfineError::NulByte { input: given() },
        });
    }
    if input.starts_with('~') {
        return Err(ConfineError::Tilde { input: given() });
    }
    let path = Path::new(input);
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    match base {
        Some(base) if base.is_absolute() => Ok(base.join(path)),
        _ => Err(ConfineError::Relative { input: given() }),
    }
}

/// The first component of `path` that holds credentials, if any: a name from
/// [`CREDENTIAL_NAMES`], or an environment file (`.env`, `.env.local`, ...).
fn credential_component(path: &Path) -> Option<String> {
    path.components().find_map(|component| {
        let Component::Normal(name) = component else {
            return None;
        };
        let name = name.to_string_lossy().to_ascii_lowercase();
        let is_env = name == ".env" || name.starts_with(".env.");
        (is_env || CREDENTIAL_NAMES.contains(&name.as_str())).then_some(name)
    })
}

fn io_reason(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file or folder".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}
