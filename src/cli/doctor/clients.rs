//! The MCP client configs `doctor` looks for: Cursor, Claude Desktop, Claude
//! Code and VS Code, for the user (under the home or config folder) and for the
//! project. For each file found: the server entries that run seedance-mcp, and
//! whether the command each names exists (bare names are looked up on `PATH`).
//!
//! These files belong to other programs and hold anything (comments in VS
//! Code's `settings.json`, numbers where strings are expected), so they are
//! read as loose JSON here and only typed results leave this module.

use std::{
    fmt::Write as _,
    path::{Path, PathBuf},
};

use serde::Serialize;
use serde_json::Value;

use super::Status;

/// The program's own name, as a client config's command names it.
const PROGRAM: &str = env!("CARGO_PKG_NAME");

/// Whether a config belongs to the user or to the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// In the home or config folder: every project.
    User,
    /// In the project folder.
    Project,
}

/// One place a client keeps its MCP servers.
#[derive(Debug, Clone, Serialize)]
pub struct ClientConfig {
    /// The client, e.g. `Cursor`.
    pub client: String,
    /// User or project.
    pub scope: Scope,
    /// The file.
    pub path: PathBuf,
    /// Whether the file exists.
    pub found: bool,
    /// The worst of its entries; `ok` when missing or without seedance-mcp.
    pub status: Status,
    /// Why the file could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Its entries that run seedance-mcp (or are named after it).
    pub servers: Vec<ServerEntry>,
}

/// One server entry that runs seedance-mcp.
#[derive(Debug, Clone, Serialize)]
pub struct ServerEntry {
    /// The entry's name in the file.
    pub name: String,
    /// The command it runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Its arguments.
    pub args: Vec<String>,
    /// The URL of an HTTP entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The executable the command resolves to, when it exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<PathBuf>,
    /// The variables its `env` sets (names only: values may be keys).
    pub env_vars: Vec<String>,
    /// Whether the client can start it.
    pub status: Status,
    /// What was found, in a sentence.
    pub detail: String,
}

/// What the places are relative to; tests point them at temporary folders.
#[derive(Debug, Clone)]
pub struct Places {
    /// The home folder.
    pub home: Option<PathBuf>,
    /// The platform's config folder (`~/.config`, `~/Library/Application
    /// Support`, `%APPDATA%`).
    pub config: Option<PathBuf>,
    /// The project folder.
    pub project: PathBuf,
}

impl Places {
    /// This machine's places, with `project` as the project folder.
    pub fn here(project: PathBuf) -> Self {
        Self {
            home: dirs::home_dir(),
            config: dirs::config_dir(),
            project,
        }
    }
}

/// How a file lists its servers.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// `{"mcpServers": {...}}` (Cursor, Claude Desktop, `.mcp.json`).
    McpServers,
    /// `{"servers": {...}}` (VS Code's `mcp.json`).
    Servers,
    /// `{"mcp": {"servers": {...}}}` in VS Code's user `settings.json`.
    VsCodeSettings,
    /// `~/.claude.json`: `mcpServers` for every project, and
    /// `projects.<folder>.mcpServers` for one.
    ClaudeCodeUser,
}

/// Every place looked at, in the order reported.
fn candidates(places: &Places) -> Vec<(&'static str, Scope, PathBuf, Shape)> {
    let mut list = Vec::new();
    let project = &places.project;
    if let Some(home) = &places.home {
        list.push((
            "Cursor",
            Scope::User,
            home.join(".cursor/mcp.json"),
            Shape::McpServers,
        ));
    }
    list.push((
        "Cursor",
        Scope::Project,
        project.join(".cursor/mcp.json"),
        Shape::McpServers,
    ));
    if let Some(config) = &places.config {
        list.push((
            "Claude Desktop",
            Scope::User,
            config.join("Claude").join("claude_desktop_config.json"),
            Shape::McpServers,
        ));
    }
    if let Some(home) = &places.home {
        list.push((
            "Claude Code",
            Scope::User,
            home.join(".claude.json"),
            Shape::ClaudeCodeUser,
        ));
    }
    list.push((
        "Claude Code",
        Scope::Project,
        project.join(".mcp.json"),
        Shape::McpServers,
    ));
    list.push((
        "VS Code",
        Scope::Project,
        project.join(".vscode/mcp.json"),
        Shape::Servers,
    ));
    if let Some(config) = &places.config {
        let user = config.join("Code").join("User");
        list.push((
            "VS Code",
            Scope::User,
            user.join("mcp.json"),
            Shape::Servers,
        ));
        list.push((
            "VS Code",
            Scope::User,
            user.join("settings.json"),
            Shape::VsCodeSettings,
        ));
    }
    list
}

/// Looks at every place.
pub fn check(places: &Places) -> Vec<ClientConfig> {
    let mut seen: Vec<PathBuf> = Vec::new();
    candidates(places)
        .into_iter()
        // A project in the home folder has its project files where the user's are.
        .filter(|(_, _, path, _)| {
            let new = !seen.contains(path);
            seen.push(path.clone());
            new
        })
        .map(|(client, scope, path, shape)| check_file(places, client, scope, path, shape))
        .collect()
}

fn check_file(
    places: &Places,
    client: &str,
    scope: Scope,
    path: PathBuf,
    shape: Shape,
) -> ClientConfig {
    let mut config = ClientConfig {
        client: client.to_owned(),
        scope,
        found: path.is_file(),
        path,
        status: Status::Ok,
        error: None,
        servers: Vec::new(),
    };
    if !config.found {
        return config;
    }
    let document = std::fs::read_to_string(&config.path)
        .map_err(|e| e.to_string())
        .and_then(|text| {
            serde_json::from_str::<Value>(&strip_jsonc(&text)).map_err(|e| e.to_string())
        });
    let document = match document {
        Ok(document) => document,
        Err(e) => {
            config.status = Status::Warn;
            config.error = Some(format!("could not read it: {e}"));
            return config;
        }
    };
    let mut lists: Vec<&Value> = Vec::new();
    match shape {
        Shape::McpServers => lists.push(&document["mcpServers"]),
        Shape::Servers => lists.push(&document["servers"]),
        Shape::VsCodeSettings => lists.push(&document["mcp"]["servers"]),
        Shape::ClaudeCodeUser => {
            lists.push(&document["mcpServers"]);
            let project = std::fs::canonicalize(&places.project).unwrap_or_default();
            if let Some(projects) = document["projects"].as_object() {
                for (folder, settings) in projects {
                    if std::fs::canonicalize(folder).is_ok_and(|f| f == project) {
                        lists.push(&settings["mcpServers"]);
                    }
                }
            }
        }
    }
    let desktop = client == "Claude Desktop";
    for (name, entry) in lists.into_iter().filter_map(Value::as_object).flatten() {
        if let Some(server) = server_entry(places, name, entry, desktop) {
            config.status = config.status.max(server.status);
            config.servers.push(server);
        }
    }
    config
}

/// The entry, when it runs seedance-mcp or is named after it.
fn server_entry(places: &Places, name: &str, entry: &Value, desktop: bool) -> Option<ServerEntry> {
    let command = entry["command"].as_str().map(str::to_owned);
    let args: Vec<String> = entry["args"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let url = entry["url"]
        .as_str()
        .or(entry["serverUrl"].as_str())
        .map(str::to_owned);
    let runs_us = |word: &str| {
        Path::new(word)
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.to_ascii_lowercase().starts_with(PROGRAM))
    };
    let mentioned = name.to_ascii_lowercase().contains("seedance")
        || command.as_deref().is_some_and(runs_us)
        || args.iter().any(|a| runs_us(a));
    if !mentioned {
        return None;
    }
    let env_vars = entry["env"]
        .as_object()
        .map(|env| env.keys().cloned().collect())
        .unwrap_or_default();
    let mut server = ServerEntry {
        name: name.to_owned(),
        command: command.clone(),
        args,
        url: url.clone(),
        resolved: None,
        env_vars,
        status: Status::Ok,
        detail: String::new(),
    };
    match (command, url) {
        (Some(command), _) => {
            let expanded = expand(places, &command);
            let bare = !expanded.contains(['/', '\\']);
            server.resolved = if bare {
                on_path(&expanded)
            } else {
                let path = places.project.join(&expanded);
                is_executable(&path).then_some(path)
            };
            (server.status, server.detail) = match (&server.resolved, bare) {
                (None, true) => (
                    Status::Fail,
                    format!(
                        "runs `{command}`, which is not on PATH: write the full path of the binary \
                         (`which {PROGRAM}` prints it)"
                    ),
                ),
                (None, false) => (
                    Status::Fail,
                    format!("runs {expanded}, which does not exist or is not executable"),
                ),
                (Some(found), true) if desktop => (
                    Status::Warn,
                    format!(
                        "runs `{command}` (on this shell's PATH: {}); Claude Desktop starts servers \
                         without your shell's PATH, so write that full path instead",
                        found.display()
                    ),
                ),
                (Some(found), _) => (Status::Ok, format!("runs {}", found.display())),
            };
            if !server.env_vars.is_empty() {
                let _ = write!(
                    server.detail,
                    "; its env sets {}",
                    server.env_vars.join(", ")
                );
            }
        }
        (None, Some(url)) => {
            server.detail = format!(
                "connects to {url}: start the server there with `{PROGRAM} serve --http ADDR`"
            );
        }
        (None, None) => {
            server.status = Status::Fail;
            server.detail = "has neither a command nor a url".to_owned();
        }
    }
    Some(server)
}

/// Replaces the variables clients expand in commands (`${userHome}`,
/// `${workspaceFolder}`).
fn expand(places: &Places, command: &str) -> String {
    let home = places
        .home
        .as_deref()
        .map(|h| h.display().to_string())
        .unwrap_or_default();
    command
        .replace("${userHome}", &home)
        .replace("${workspaceFolder}", &places.project.display().to_string())
}

/// The executable `name` finds on `PATH` (with `PATHEXT` on Windows).
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let extensions: Vec<String> = if cfg!(windows) {
        std::env::var("PATHEXT")
            .unwrap_or_else(|_| ".EXE;.CMD;.BAT".to_owned())
            .split(';')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect()
    } else {
        Vec::new()
    };
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .flat_map(|dir| {
            let plain = dir.join(name);
            let suffixed: Vec<PathBuf> = extensions
                .iter()
                .map(|ext| dir.join(format!("{name}{ext}")))
                .collect();
            std::iter::once(plain).chain(suffixed)
        })
        .find(|candidate| is_executable(candidate))
}

/// A regular file that may be run.
fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// JSON with comments and trailing commas (VS Code's settings) as plain JSON.
fn strip_jsonc(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            plain.push(c);
            match c {
                '\\' => plain.extend(chars.next()),
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                plain.push(c);
            }
            ('/', Some('/')) => {
                for skipped in chars.by_ref() {
                    if skipped == '\n' {
                        plain.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut last = ' ';
                for skipped in chars.by_ref() {
                    if last == '*' && skipped == '/' {
                        break;
                    }
                    last = skipped;
                }
                plain.push(' ');
            }
            _ => plain.push(c),
        }
    }
    drop_trailing_commas(&plain)
}

/// Removes a `,` followed (past white space) by `}` or `]`, outside strings.
fn drop_trailing_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        if in_string {
            out.push(c);
            match c {
                '\\' => {
                    out.extend(chars.get(i));
                    i += 1;
                }
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        if c == ','
            && chars[i..]
                .iter()
                .find(|n| !n.is_whitespace())
                .is_some_and(|n| *n == '}' || *n == ']')
        {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_trailing_commas_are_dropped_outside_strings() {
        let text = "{\n // a comment\n \"a\": \"http://x/*y*/\", /* block */\n \"b\": [1, 2,],\n}";
        let value: Value = serde_json::from_str(&strip_jsonc(text)).unwrap();
        assert_eq!(value["a"], "http://x/*y*/");
        assert_eq!(value["b"], serde_json::json!([1, 2]));
    }
}
