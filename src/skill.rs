//! The storyboard skill (`skills/seedance/`), embedded in the binary at build time
//! so that `seedance-mcp skill install` and the MCP resources serve exactly the
//! files of this version, with nothing else to download.

use std::path::{Path, PathBuf};

/// One file of the skill: its path inside `skills/seedance/` and its text.
#[derive(Debug, Clone, Copy)]
pub struct SkillFile {
    /// Relative path, `/`-separated.
    pub path: &'static str,
    /// Markdown text.
    pub text: &'static str,
    /// What the file is for, in a line (the MCP resource's description).
    pub description: &'static str,
}

/// Every file of the skill. A test checks this matches the folder, so a new
/// reference file cannot be forgotten here.
pub const FILES: &[SkillFile] = &[
    SkillFile {
        path: "SKILL.md",
        text: include_str!("../skills/seedance/SKILL.md"),
        description: "The storyboard workflow: plan timed shots, dry run with the cost, submit once, wait, deliver",
    },
    SkillFile {
        path: "references/storyboard-templates.md",
        text: include_str!("../skills/seedance/references/storyboard-templates.md"),
        description: "Seven fill-in storyboard plans (narrative, product ad, action, scenic, extension, edit, first/last frame)",
    },
    SkillFile {
        path: "references/camera-and-mood.md",
        text: include_str!("../skills/seedance/references/camera-and-mood.md"),
        description: "Camera and mood vocabulary: shot sizes, moves, light and mood words Seedance follows",
    },
    SkillFile {
        path: "references/prompt-checklist.md",
        text: include_str!("../skills/seedance/references/prompt-checklist.md"),
        description: "The pre-submit checklist (mirrors the server's checks and lint) and fixes for failures",
    },
    SkillFile {
        path: "references/worked-examples.md",
        text: include_str!("../skills/seedance/references/worked-examples.md"),
        description: "Worked examples from idea to delivered clip",
    },
];

/// Prefix of the skill files' MCP resource URIs.
pub const RESOURCE_PREFIX: &str = "seedance://skill/";

/// The file a `seedance://skill/...` URI names.
pub fn by_uri(uri: &str) -> Option<&'static SkillFile> {
    let path = uri.strip_prefix(RESOURCE_PREFIX)?;
    FILES.iter().find(|f| f.path == path)
}

/// Which agent's skills folder to install into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// Claude Code: `.claude/skills/seedance/`.
    Claude,
    /// Cursor: `.cursor/skills/seedance/`.
    Cursor,
}

impl Target {
    fn folder(self) -> &'static str {
        match self {
            Self::Claude => ".claude",
            Self::Cursor => ".cursor",
        }
    }
}

/// Why the skill could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// A file is there with other content (edited by the user, or another version).
    #[error(
        "{0} exists with different content; pass --force to replace it (your edits would be lost)"
    )]
    WouldOverwrite(PathBuf),
    /// The disk said no.
    #[error("writing {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Writes the skill into `<base>/<.claude|.cursor>/skills/seedance/` and returns
/// the files written. Files already identical are left alone; different ones need
/// `force`, and nothing is written unless every file can be.
pub fn install(base: &Path, target: Target, force: bool) -> Result<Vec<PathBuf>, InstallError> {
    let root = base.join(target.folder()).join("skills").join("seedance");
    let planned: Vec<(PathBuf, &SkillFile)> = FILES
        .iter()
        .map(|file| (root.join(file.path), file))
        .collect();
    if !force {
        for (path, file) in &planned {
            if let Ok(existing) = std::fs::read(path)
                && existing != file.text.as_bytes()
            {
                return Err(InstallError::WouldOverwrite(path.clone()));
            }
        }
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| InstallError::Io { path, source }
    };
    for (path, file) in &planned {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(io(folder))?;
        }
        std::fs::write(path, file.text).map_err(io(path))?;
    }
    Ok(planned.into_iter().map(|(path, _)| path).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_skill_folder_is_embedded() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("skills/seedance");
        let mut on_disk = Vec::new();
        let mut stack = vec![folder.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let relative = path.strip_prefix(&folder).unwrap();
                    on_disk.push(relative.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        on_disk.sort();
        let mut embedded: Vec<String> = FILES.iter().map(|f| f.path.to_owned()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
    }

    #[test]
    fn the_skill_has_its_frontmatter() {
        let skill = FILES[0].text;
        assert!(
            skill.starts_with("---\nname: seedance\ndescription: "),
            "{}",
            &skill[..60]
        );
    }

    #[test]
    fn installing_writes_the_files_and_refuses_to_clobber_edits() {
        let base = tempfile::tempdir().unwrap();
        let written = install(base.path(), Target::Cursor, false).unwrap();
        assert_eq!(written.len(), FILES.len());
        let skill = base.path().join(".cursor/skills/seedance/SKILL.md");
        assert_eq!(std::fs::read_to_string(&skill).unwrap(), FILES[0].text);
        // Installing the same version again is fine.
        install(base.path(), Target::Cursor, false).unwrap();
        std::fs::write(&skill, "my notes").unwrap();
        let refused = install(base.path(), Target::Cursor, false).unwrap_err();
        assert!(refused.to_string().contains("--force"), "{refused}");
        assert_eq!(std::fs::read_to_string(&skill).unwrap(), "my notes");
        install(base.path(), Target::Cursor, true).unwrap();
        assert_eq!(std::fs::read_to_string(&skill).unwrap(), FILES[0].text);
    }

    #[test]
    fn resources_resolve_by_uri() {
        assert!(by_uri("seedance://skill/SKILL.md").is_some());
        assert!(by_uri("seedance://skill/references/camera-and-mood.md").is_some());
        assert!(by_uri("seedance://skill/../Cargo.toml").is_none());
    }
}
