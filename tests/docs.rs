//! The documents are part of the product: the example config parses, names only
//! variables the program reads, and the README documents every variable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// Names declared in src/env_vars.rs, and each provider's key and base-URL
/// variables from the registry.
fn declared_env_vars() -> Vec<String> {
    let general = read("src/env_vars.rs")
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub const "))
        .filter_map(|l| l.split(':').next())
        .map(str::to_owned)
        .collect::<Vec<_>>();
    let providers = seedance_mcp::providers::registry::entries()
        .flat_map(|e| [e.info().key_var, e.info().base_url_var])
        .flatten()
        .map(str::to_owned);
    let mut all: Vec<String> = general.into_iter().chain(providers).collect();
    all.dedup();
    assert!(all.iter().any(|v| v == "XSKILL_API_KEY"), "{all:?}");
    all
}

#[test]
fn the_example_config_parses_and_uses_only_declared_variables() {
    let config: serde_json::Value = serde_json::from_str(&read("mcp.example.json")).unwrap();
    let server = &config["mcpServers"]["seedance"];
    // The launcher form (tests/packaging.rs checks it names the published package).
    assert_eq!(server["command"], "uvx");
    assert_eq!(server["args"], serde_json::json!(["seedance-mcp"]));
    let declared = declared_env_vars();
    for key in server["env"].as_object().unwrap().keys() {
        assert!(declared.contains(key), "{key} is not read by the program");
    }
}

#[test]
fn the_readme_documents_every_variable_and_both_commands() {
    let readme = read("README.md");
    for var in declared_env_vars() {
        assert!(
            readme.contains(&format!("`{var}`")),
            "README does not document {var}"
        );
    }
    assert!(readme.contains("cargo run --release"));
    assert!(readme.contains("cargo test"));
    assert!(read(".ci/run").lines().any(|l| l.trim() == "cargo test"));
}

#[test]
fn the_skill_has_frontmatter_and_names_the_real_tools() {
    let skill = read("skills/seedance/SKILL.md");
    assert!(
        skill.starts_with("---\nname: seedance\ndescription: "),
        "frontmatter"
    );
    for tool in ["submit_task", "get_task", "upload_image", "get_balance"] {
        assert!(skill.contains(tool), "SKILL.md does not mention {tool}");
    }
}

#[test]
fn the_client_configs_parse_and_name_only_declared_variables() {
    let declared = declared_env_vars();
    let vscode: serde_json::Value = serde_json::from_str(&read("clients/vscode.mcp.json")).unwrap();
    let server = &vscode["servers"]["seedance"];
    assert_eq!(server["type"], "stdio");
    assert_eq!(server["command"], "uvx");
    assert_eq!(server["args"], serde_json::json!(["seedance-mcp"]));
    for key in server["env"].as_object().unwrap().keys() {
        assert!(declared.contains(key), "{key} is not read by the program");
    }
    // The line for Claude Code in the README installs the same command.
    assert!(read("README.md").contains("claude mcp add seedance"));
}
