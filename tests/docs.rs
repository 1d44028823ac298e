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

/// A version `1.89` or `1.89.0` as comparable numbers.
fn version(text: &str) -> Vec<u64> {
    let mut parts: Vec<u64> = text.split('.').map(|p| p.parse().unwrap()).collect();
    parts.resize(3, 0);
    parts
}

/// `(package, rust-version)` of each Cargo.lock package whose source this machine
/// has in Cargo's registry folder.
fn registry_rust_versions() -> Vec<(String, String)> {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let sources: Vec<_> = std::fs::read_dir(home.join("registry/src"))
        .map(|dirs| dirs.flatten().map(|d| d.path()).collect())
        .unwrap_or_default();
    let lock = read("Cargo.lock");
    let mut found = Vec::new();
    for block in lock.split("[[package]]") {
        let field = |key: &str| {
            block.lines().find_map(|l| {
                l.strip_prefix(key).map(|v| {
                    v.trim()
                        .trim_start_matches('=')
                        .trim()
                        .trim_matches('"')
                        .to_owned()
                })
            })
        };
        let (Some(name), Some(ver)) = (field("name "), field("version ")) else {
            continue;
        };
        for source in &sources {
            let manifest = source.join(format!("{name}-{ver}/Cargo.toml"));
            let Ok(text) = std::fs::read_to_string(&manifest) else {
                continue;
            };
            if let Some(needed) = text.lines().find_map(|l| {
                l.trim().strip_prefix("rust-version").map(|v| {
                    v.trim()
                        .trim_start_matches('=')
                        .trim()
                        .trim_matches('"')
                        .to_owned()
                })
            }) {
                found.push((format!("{name} {ver}"), needed));
            }
        }
    }
    found
}

/// `rust-version` in Cargo.toml is the true minimum: at least every dependency's own
/// `rust-version` (read from `cargo metadata` of the locked, host-only graph), and the
/// README's Install section states the same version and installs with `--locked`.
#[test]
fn rust_version_is_at_least_every_dependencys_and_the_readme_says_it() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let host_info = std::process::Command::new(rustc)
        .arg("-vV")
        .output()
        .unwrap();
    let host = String::from_utf8_lossy(&host_info.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc -vV names the host");
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    // Offline, `cargo metadata` needs every package of the lock file, other
    // platforms' too; without them, the manifests of the packages this build
    // downloaded (every one it compiles) are read from the registry instead.
    let needs: Vec<(String, String)> = if out.status.success() {
        let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        metadata["packages"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| {
                let needed = p["rust_version"].as_str()?;
                Some((format!("{} {}", p["name"], p["version"]), needed.to_owned()))
            })
            .collect()
    } else {
        registry_rust_versions()
    };
    assert!(!needs.is_empty(), "no dependency's rust-version was found");
    let ours = env!("CARGO_PKG_RUST_VERSION");
    let ours_v = version(ours);
    for (package, needed) in &needs {
        assert!(
            version(needed) <= ours_v,
            "{package} needs Rust {needed}, Cargo.toml says rust-version = {ours}"
        );
    }
    let readme = read("README.md");
    let short = ours.trim_end_matches(".0");
    assert!(
        readme.contains(&format!("Rust ({short}+)")),
        "README Install must say Rust ({short}+)"
    );
    assert!(
        readme.contains("cargo install --locked --path ."),
        "README must install with --locked"
    );
}

#[allow(dead_code)]
#[path = "common/node.rs"]
mod node;
#[allow(dead_code)]
#[path = "common/python.rs"]
mod python;

/// Tests that need python3 (with venv) or npm say which tool is missing and how to
/// get it, instead of failing on an obscure spawn error; README's Install section says
/// what `cargo test` needs.
#[test]
fn missing_test_tools_are_named_and_the_quick_start_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let python = python::make_venv("no-such-python3-for-this-test", dir.path()).unwrap_err();
    assert!(python.contains("is missing"), "{python}");
    assert!(python.contains("python3-venv"), "{python}");
    let npm = node::npm_ci("no-such-npm-for-this-test", dir.path()).unwrap_err();
    assert!(npm.contains("is missing"), "{npm}");
    assert!(npm.contains("Node.js with npm"), "{npm}");
    let readme = read("README.md");
    let quick = &readme[readme.find("## Install").unwrap()..];
    let quick = &quick[..quick[3..].find("\n## ").map_or(quick.len(), |i| i + 3)];
    for needed in ["python3", "venv", "npm", "PyPI", "network"] {
        assert!(
            quick.contains(needed),
            "Install must say `cargo test` needs {needed}"
        );
    }
}
