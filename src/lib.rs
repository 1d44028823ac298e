//! seedance-mcp: an MCP server and CLI that lets AI agents make videos with
//! ByteDance Seedance 2.0 (and Seedream images) through the provider APIs people
//! buy from.
//!
//! Layers, top to bottom: [`cli`] and [`mcp`] (how calls arrive) → [`service`] (what
//! each tool does) → [`validate`] (checks before spending) → [`providers`] (one
//! backend per API, behind a small trait).

pub mod cli;
pub mod clock;
pub mod config;
pub mod confine;
pub mod env_vars;
pub mod error;
pub mod journal;
pub mod lint;
pub mod mcp;
pub mod media_probe;
pub mod providers;
pub mod references;
pub mod request;
pub mod secret;
pub mod service;
pub mod skill;
pub mod task;
pub mod test_hooks;
pub mod validate;
