//! Every shell line of README.md runs, on the simulator, as a reader would type it.
//!
//! The test reads whatever ```sh / ```bash / ```shell blocks the README has, joins
//! `\`-continued lines, and runs each command with `sh -c` in an empty folder whose
//! PATH leads `seedance-mcp` to the binary under test, with no provider key set.
//!
//! Skip rule (the only one): a line is skipped, and named in the output, when it
//! - runs something other than `seedance-mcp` (cargo, claude, …: they build,
//!   install or configure other programs, and need the network);
//! - sets a provider API key (`*_API_KEY=…`): it needs a real account;
//! - uses `--live` (calls providers over the network) or `serve --http` (serves
//!   until stopped; tests/http_transport.rs covers it).
//!
//! Lines that start the stdio server are sent an MCP `initialize` and must answer it.
//! Placeholders: `[…]` (optional parts) are dropped, `TASK_ID` becomes the id the
//! README's latest `submit` printed, and `./product.png` is a real PNG in the folder.
//! Every other line must exit 0. Each line is a process of its own, as typed: a
//! simulated task takes half a second when its line waits for it and an hour
//! otherwise, so a task submitted without waiting is still queued when the next
//! line cancels it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    io::Write,
    process::{Command, Stdio},
};

/// An MCP client's first message, for lines that start the stdio server.
const INITIALIZE: &str = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"readme\",\"version\":\"1\"}}}\n";

/// True when the line runs the MCP server on stdio (no subcommand, or `serve`).
fn starts_the_server(command: &str) -> bool {
    let mut words = command
        .split_whitespace()
        .skip_while(|word| *word != "seedance-mcp")
        .skip(1)
        .filter(|word| !word.starts_with('-'));
    matches!(words.next(), None | Some("serve"))
}

/// True when the line waits for a task to finish (`--wait`, `wait`).
fn waits(command: &str) -> bool {
    command.contains("--wait") || command.contains("seedance-mcp wait")
}

/// The shell commands of every shell block, continuations joined, comments cut.
fn shell_lines(markdown: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut in_shell = false;
    let mut pending = String::new();
    for line in markdown.lines() {
        let fence = line.trim_start();
        if let Some(info) = fence.strip_prefix("```") {
            in_shell = !in_shell && matches!(info.trim(), "sh" | "bash" | "shell" | "console");
            continue;
        }
        if !in_shell {
            continue;
        }
        let line = line.strip_prefix("$ ").unwrap_or(line);
        match line.trim_end().strip_suffix('\\') {
            Some(head) => {
                pending.push_str(head);
                pending.push(' ');
            }
            None => {
                pending.push_str(line);
                let command = without_comment(&pending).trim().to_owned();
                pending.clear();
                if !command.is_empty() {
                    lines.push(command);
                }
            }
        }
    }
    lines
}

/// The command without a trailing `# comment` (a `#` after whitespace, outside quotes).
fn without_comment(line: &str) -> &str {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => return &line[..i],
            _ => {}
        }
        previous = c;
    }
    line
}

/// The program a line runs: its first word after any `NAME=value` assignments
/// (values may be quoted and hold spaces).
fn program_of(command: &str) -> &str {
    let mut rest = command.trim_start();
    loop {
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..word_end];
        let Some((name, _)) = word.split_once('=') else {
            return word;
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return word;
        }
        // Skip the value, quotes included.
        let start = rest.len() - rest[name.len() + 1..].len();
        let after = &rest[start..];
        let consumed = match after.chars().next() {
            Some(q @ ('"' | '\'')) => after[1..].find(q).map_or(after.len(), |i| i + 2),
            _ => after.find(char::is_whitespace).unwrap_or(after.len()),
        };
        rest = after[consumed..].trim_start();
        if rest.is_empty() {
            return "";
        }
    }
}

/// Why a line is skipped, by the rule in the module header; `None` runs it.
fn skip_reason(command: &str) -> Option<&'static str> {
    let program = program_of(command);
    if program != "seedance-mcp" {
        return Some("not seedance-mcp");
    }
    if command.contains("_API_KEY=") {
        return Some("needs a real provider key");
    }
    if command.contains("--live") || command.contains("serve --http") {
        return Some("network or a server that runs until stopped");
    }
    None
}

/// Drops optional flags written `[--flag value]`; other brackets (a `jq` filter's
/// `[]`) stay.
fn without_optional(command: &str) -> String {
    let mut out = command.to_owned();
    while let Some(open) = out.find(" [-") {
        let Some(close) = out[open..].find(']') else {
            break;
        };
        out.replace_range(open + 1..open + close + 1, "");
    }
    out
}

#[test]
fn the_shell_lines_are_found_and_the_skip_rule_is_explicit() {
    let md = "```sh\nseedance-mcp list   # all\nA=1 \\\n  seedance-mcp serve --http 0.0.0.0:1\ncargo test\n```\n\
              ```json\n{}\n```\n";
    let lines = shell_lines(md);
    assert_eq!(
        lines,
        [
            "seedance-mcp list",
            "A=1    seedance-mcp serve --http 0.0.0.0:1",
            "cargo test"
        ]
    );
    assert_eq!(skip_reason(&lines[0]), None);
    assert!(skip_reason(&lines[1]).is_some());
    assert!(skip_reason(&lines[2]).is_some());
    assert_eq!(
        skip_reason("X_API_KEY=1 seedance-mcp balance"),
        Some("needs a real provider key")
    );
    assert_eq!(
        without_optional("seedance-mcp serve [--http 1:2]"),
        "seedance-mcp serve "
    );
}

#[test]
fn every_readme_shell_line_runs_on_the_simulator() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let work = dir.path().join("work");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    let png = seedance_mcp::providers::sim::render::render_png(
        &seedance_mcp::providers::sim::render::StillSpec {
            width: 640,
            height: 640,
            seed: 1,
            caption: "product".into(),
        },
    );
    std::fs::write(work.join("product.png"), png).unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_seedance-mcp"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut task_id: Option<String> = None;
    let mut ran = 0;
    for line in shell_lines(&readme) {
        if let Some(why) = skip_reason(&line) {
            eprintln!("skipped ({why}): {line}");
            continue;
        }
        if line.contains("| jq") && Command::new("jq").arg("--version").output().is_err() {
            panic!("`jq` is missing: install it (e.g. apt-get install jq) to run: {line}");
        }
        let mut command = without_optional(&line);
        if command.contains("TASK_ID") {
            let id = task_id
                .as_deref()
                .unwrap_or_else(|| panic!("no submit before `{line}` to take TASK_ID from"));
            command = command.replace("TASK_ID", id);
        }
        let server = starts_the_server(&command);
        let mut child = Command::new("sh")
            .args(["-c", &command])
            .current_dir(&work)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", &home)
            .env("SEEDANCE_DATA_DIR", dir.path().join("data"))
            .env("SEEDANCE_OUTPUT_DIR", work.join("out"))
            .env(
                "SEEDANCE_SIM_SECONDS",
                if waits(&command) { "0.5" } else { "3600" },
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            // A server line gets what an MCP client sends first, then end of input.
            let mut stdin = child.stdin.take().unwrap();
            if server {
                stdin.write_all(INITIALIZE.as_bytes()).unwrap();
            }
        }
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "README line failed: {command}\nexit {:?}\nstdout: {stdout}\nstderr: {stderr}",
            output.status.code()
        );
        if server {
            assert!(
                stdout.contains("\"serverInfo\""),
                "{command} answers initialize: {stdout}"
            );
        }
        if command.contains("seedance-mcp submit") && !command.contains("--dry-run true") {
            let result: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            task_id = result["task_id"].as_str().map(str::to_owned);
        }
        if command.contains("jq -r '.tasks[].local_files[]'") {
            assert!(stdout.contains(".mp4"), "every saved file: {stdout}");
        }
        ran += 1;
    }
    assert!(ran >= 8, "only {ran} README lines ran");
}
