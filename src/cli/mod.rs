//! Command-line interface: the MCP server by default, plus plain commands for scripts.
//!
//! At a terminal, commands print a few lines for people and draw a progress bar
//! while waiting. With `--json`, or when stdout is not a terminal, they print one
//! JSON document (the same structured output the MCP tools return), so scripts can
//! pipe it to `jq`. Errors always go to stderr.

pub mod doctor;
pub mod human;
pub mod progress;
pub mod tokens;

use std::{
    io::{IsTerminal, Write},
    net::SocketAddr,
    path::PathBuf,
};

use clap::{Parser, Subcommand};

use crate::{
    config::{Settings, http::HttpSettings},
    request::SubmitTaskParams,
};

/// Make Seedance 2.0 videos from AI agents (MCP server) or scripts (CLI).
#[derive(Debug, Parser)]
#[command(name = "seedance-mcp", version, about, long_about = None)]
pub struct Cli {
    /// Provider and output settings.
    #[command(flatten)]
    pub settings: Settings,
    /// Print results as JSON even at a terminal (the default when stdout is piped).
    #[arg(long, global = true)]
    pub json: bool,
    /// Also log what happens (INFO lines on stderr); SEEDANCE_LOG overrides.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// What to do; without one, serve MCP over stdio.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The command line with each shared flag shown only in the help of the commands it
/// changes. Clap copies a global flag into every subcommand that lacks one of the
/// same id; giving a subcommand a hidden copy first keeps it out of that help while
/// the value still reaches the shared settings.
pub fn command() -> clap::Command {
    let mut command = <Cli as clap::CommandFactory>::command();
    let globals: Vec<clap::Arg> = command
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    let spend = ["max_cost_per_task", "daily_budget", "confirm_every_task"];
    let everything: Vec<&str> = globals.iter().map(|a| a.get_id().as_str()).collect();
    let hidden: [(&str, Vec<&str>); 8] = [
        ("skill", everything),
        (
            "token",
            [&spend[..], &["sim_seconds", "allowed_dirs", "output_dir"]].concat(),
        ),
        (
            "balance",
            [&spend[..], &["sim_seconds", "allowed_dirs", "output_dir"]].concat(),
        ),
        (
            "cancel",
            [&spend[..], &["sim_seconds", "allowed_dirs", "output_dir"]].concat(),
        ),
        (
            "upload",
            [&spend[..], &["sim_seconds", "output_dir"]].concat(),
        ),
        ("list", [&spend[..], &["allowed_dirs"]].concat()),
        ("get", [&spend[..], &["allowed_dirs"]].concat()),
        ("wait", [&spend[..], &["allowed_dirs"]].concat()),
    ];
    for (name, ids) in hidden {
        let copies: Vec<clap::Arg> = globals
            .iter()
            .filter(|a| ids.contains(&a.get_id().as_str()))
            .map(|a| a.clone().hide(true))
            .collect();
        command = command.mut_subcommand(name, |sub| sub.args(copies));
    }
    command
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve MCP over stdio (the default), or over streamable HTTP with --http.
    Serve {
        /// Serve streamable HTTP at http://ADDR/mcp instead of stdio, e.g. 127.0.0.1:8931.
        #[arg(long, value_name = "ADDR")]
        http: Option<SocketAddr>,
        /// Token, allowed hosts and origins, and session limits of --http.
        #[command(flatten)]
        access: HttpSettings,
    },
    /// Submit one generation task (validated first) and print its task id.
    Submit {
        /// The task, as the submit_task tool takes it.
        #[command(flatten)]
        params: Box<SubmitTaskParams>,
        /// Wait for the task to finish and save the results.
        #[arg(long)]
        wait: bool,
    },
    /// Submit a story of several clips (submit_story's arguments as JSON) and print
    /// its id; `wait` (or a running server) carries it on.
    Story {
        /// A JSON file, `-` for stdin, or the JSON itself:
        /// {"clips": [{"prompt": ..., "duration": 10}, ...], "ratio": ...}.
        file: PathBuf,
        /// Check and price the whole story; send nothing.
        #[arg(long)]
        dry_run: bool,
        /// The total a spend-limit refusal quoted, once accepted.
        #[arg(long)]
        confirm_cost: Option<f64>,
        /// Wait for every clip and the joined file.
        #[arg(long)]
        wait: bool,
    },
    /// Show a task's status; saves the results once it succeeded.
    #[command(visible_aliases = ["status", "download"])]
    Get {
        /// The task id that submit printed.
        task_id: String,
        /// Wait until the task is finished.
        #[arg(long)]
        wait: bool,
    },
    /// Wait until a task finishes (progress on stderr), save its results, print them.
    Wait {
        /// The task id that submit printed.
        task_id: String,
    },
    /// Show the account balance.
    Balance,
    /// List journalled tasks, newest first.
    List {
        /// The filters and page, as the list_tasks tool takes them.
        #[command(flatten)]
        filter: ListArgs,
    },
    /// Cancel a task that is still queued.
    Cancel {
        /// The task id.
        task_id: String,
    },
    /// Install the storyboard skill into a project (or your home folder) for Claude Code or Cursor.
    Skill {
        /// What to do with the skill.
        #[command(subcommand)]
        action: SkillAction,
    },
    /// Check the setup: provider and key, folders, journal, allowed folders and the
    /// MCP client configs on this machine; --live also calls each provider (free calls only).
    #[command(after_help = doctor::EXIT_CODES)]
    Doctor(doctor::DoctorArgs),
    /// Bearer tokens of a team server's users (serve --http): create, list, revoke.
    Token {
        /// What to do.
        #[command(subcommand)]
        action: tokens::TokenAction,
    },
    /// Save one frame of a finished video as a PNG in the output folder.
    Frame {
        /// A task id (its saved video) or a local .mp4.
        source: String,
        /// "first", "last" or seconds from the start.
        #[arg(long, default_value = "last")]
        at: String,
    },
    /// Join finished videos end to end into one MP4 in the output folder.
    Stitch {
        /// Task ids or local .mp4 files, in playing order.
        #[arg(required = true, num_args = 2..)]
        inputs: Vec<String>,
    },
    /// Host an image with the provider and print its URL.
    Upload {
        /// A local image file.
        #[arg(long, conflicts_with = "url", required_unless_present = "url")]
        file: Option<PathBuf>,
        /// A public image URL.
        #[arg(long)]
        url: Option<String>,
    },
}

/// `skill` subcommands.
#[derive(Debug, Subcommand)]
pub enum SkillAction {
    /// Copy the skill files (embedded in this binary) into DIR/.claude/skills/seedance/
    /// or DIR/.cursor/skills/seedance/.
    Install {
        /// Which agent's skills folder.
        #[arg(long, value_enum, default_value = "claude")]
        target: crate::skill::Target,
        /// The project folder [default: the current folder; with --global, your home folder].
        dir: Option<PathBuf>,
        /// Install for every project: into your home folder.
        #[arg(long, conflicts_with = "dir")]
        global: bool,
        /// Replace skill files you have edited.
        #[arg(long)]
        force: bool,
    },
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputMode {
    /// A few lines for people.
    Human,
    /// One pretty JSON document.
    Json,
}

impl OutputMode {
    /// JSON when asked for or when stdout is not a terminal (a pipe, a file).
    pub fn detect(json_flag: bool) -> Self {
        if json_flag || !std::io::stdout().is_terminal() {
            Self::Json
        } else {
            Self::Human
        }
    }
}

/// Writes a command's result to stdout: the one place the CLI prints to stdout
/// (the MCP server never does).
pub fn print_result<T: serde::Serialize + human::Human>(
    value: &T,
    mode: OutputMode,
) -> std::io::Result<()> {
    let text = match mode {
        OutputMode::Json => format!("{}\n", serde_json::to_string_pretty(value)?),
        OutputMode::Human => value.human(),
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// `list` flags (mirrors the list_tasks tool).
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Only this status (queued, running, succeeded, failed, cancelled, expired).
    #[arg(long)]
    pub status: Option<String>,
    /// Only tasks created since an age (90m, 24h, 7d) or a UTC date/time.
    #[arg(long)]
    pub since: Option<String>,
    /// How many (1-100, default 20).
    #[arg(long)]
    pub limit: Option<u32>,
    /// The next_cursor of the previous page.
    #[arg(long)]
    pub cursor: Option<String>,
}
