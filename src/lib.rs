//! seedance-mcp: an MCP server and CLI that lets AI agents make videos with
//! ByteDance Seedance 2.0 (and Seedream images) through the provider APIs people
//! buy from.
//!
//! Layers, top to bottom (a module uses only modules below it; `tests/module_graph.rs`
//! checks that there is no cycle):
//! - [`cli`] and [`mcp`]: how calls arrive;
//! - [`service`]: what each tool does;
//! - [`video`]: frames and joins of finished clips, knowing no provider;
//! - [`journal`]: every paid submission, on disk;
//! - [`lint`], [`validate`] and [`request`]: the tool arguments, checked before spending;
//! - [`config`]: flags and variables, resolved with the provider registry;
//! - [`providers`]: one backend per API behind a small trait, and the registry;
//! - [`error`]: provider failures by meaning;
//! - [`domain`]: the vocabulary every layer speaks;
//! - leaves used anywhere: [`clock`], [`confine`], [`env_vars`], [`media_probe`],
//!   [`references`], [`secret`], [`sync`], [`test_hooks`].

pub mod cli;
pub mod clock;
pub mod config;
pub mod confine;
pub mod domain;
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
pub mod sync;
pub mod test_hooks;
pub mod validate;
pub mod video;
