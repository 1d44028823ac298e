//! Command-line interface: the MCP server by default, plus plain commands for scripts.
//!
//! Commands print one JSON document on stdout (the same structured output the MCP
//! tools return) and errors on stderr, so scripts can pipe the output to `jq`.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Parser, Subcommand};

use crate::{
    config::{HttpSettings, Settings},
    request::SubmitTaskParams,
};

/// Make Seedance 2.0 videos from AI agents (MCP server) or scripts (CLI).
#[derive(Debug, Parser)]
#[command(name = "seedance-mcp", version, about, long_about = None)]
pub struct Cli {
    /// Provider and output settings.
    #[command(flatten)]
    pub settings: Settings,
    /// What to do; without one, serve MCP over stdio.
    #[command(subcommand)]
    pub command: Option<Command>,
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
    /// Show a task's status; saves the results once it succeeded (aliases: status, download).
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

/// Writes a command's result to stdout as pretty JSON: the one place the CLI
/// prints to stdout (the MCP server never does).
pub fn print_json(value: &serde_json::Value) -> serde_json::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    println!("{text}");
    Ok(())
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
