//! The install artifacts (packaging/): the MCP registry entry, the Claude Desktop
//! bundle's manifest, the npm and PyPI metadata, the release workflow and the
//! README's install lines agree with the code and with each other; and the wheel,
//! the npm packages and the bundle, made by `packaging/build-all` from the test
//! binary, install offline and answer MCP.
//!
//! Here the wheel is maturin's metadata around the test binary (build-all's
//! `pack_wheel`): maturin's own build of the binary would share nothing with the
//! test build and take minutes. The wheel exactly as released (`maturin build
//! --release`) is tested by `./packaging/build-all`, on every CI runner of the
//! release workflow, and by the ignored test at the end
//! (`cargo test --test packaging -- --ignored`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    collections::BTreeSet,
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use seedance_mcp::providers::registry;
use serde_json::{Value, json};

const NAME: &str = "seedance-mcp";
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json(path: &str) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every variable the program reads: src/env_vars.rs, and each provider's key
/// and base-URL variables from the registry.
fn declared_env_vars() -> BTreeSet<String> {
    let general = read("src/env_vars.rs")
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub const "))
        .filter_map(|l| l.split(':').next())
        .map(str::to_owned)
        .collect::<Vec<_>>();
    let providers = registry::entries()
        .flat_map(|e| [e.info().key_var, e.info().base_url_var])
        .flatten()
        .map(str::to_owned);
    let all: BTreeSet<String> = general.into_iter().chain(providers).collect();
    assert!(all.contains("SEEDANCE_OUTPUT_DIR") && all.contains("XSKILL_API_KEY"));
    all
}

/// The variables that hold secrets: the provider keys, and the HTTP bearer
/// token (read into a `Secret` by src/config/http.rs).
fn secret_env_vars() -> BTreeSet<String> {
    registry::key_vars()
        .into_iter()
        .chain(seedance_mcp::env_vars::SECRET_VARS)
        .map(str::to_owned)
        .collect()
}

/// The platforms we ship: (id, os, runner).
fn platforms() -> Vec<(String, String, String)> {
    json("packaging/platforms.json")["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let field = |k: &str| p[k].as_str().unwrap().to_owned();
            (field("id"), field("os"), field("runner"))
        })
        .collect()
}

fn launcher() -> Value {
    json("packaging/npm/seedance-mcp/package.json")
}

/// The PyPI project name, from pyproject.toml.
fn pypi_name() -> String {
    read("pyproject.toml")
        .lines()
        .find_map(|l| l.strip_prefix("name = \""))
        .and_then(|l| l.strip_suffix('"'))
        .unwrap()
        .to_owned()
}

/// The release URL of a bundle, as the workflow publishes it and build-all names it.
fn bundle_url(repository: &str, platform: &str) -> String {
    format!("{repository}/releases/download/v{VERSION}/{NAME}-{VERSION}-{platform}.mcpb")
}

#[test]
fn the_registry_entry_names_exactly_the_declared_variables_and_marks_the_secrets() {
    let entry = json("server.json");
    let declared = declared_env_vars();
    let secrets = secret_env_vars();
    let mut runnable = 0;
    for package in entry["packages"].as_array().unwrap() {
        let kind = package["registryType"].as_str().unwrap();
        let Some(vars) = package["environmentVariables"].as_array() else {
            // A bundle is configured through its manifest's user_config (checked below).
            assert_eq!(kind, "mcpb", "{package}");
            continue;
        };
        runnable += 1;
        let named: Vec<&str> = vars.iter().map(|v| v["name"].as_str().unwrap()).collect();
        let unique: BTreeSet<String> = named.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(unique.len(), named.len(), "{kind}: a variable twice");
        assert_eq!(
            unique, declared,
            "{kind}: the variables differ from the code's"
        );
        for var in vars {
            let name = var["name"].as_str().unwrap();
            assert!(
                !var["description"].as_str().unwrap().is_empty(),
                "{kind}: {name}"
            );
            assert_eq!(
                var["isSecret"].as_bool().unwrap_or(false),
                secrets.contains(name),
                "{kind}: isSecret of {name}"
            );
        }
    }
    assert_eq!(runnable, 2, "the PyPI and npm packages list the variables");
}

#[test]
fn the_registry_entry_lists_the_packages_the_artifacts_are() {
    let entry = json("server.json");
    let launcher = launcher();
    assert_eq!(
        entry["$schema"],
        "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
    );
    // The registry checks ownership: npm's `mcpName`, and the `mcp-name:` line of the PyPI readme.
    let name = entry["name"].as_str().unwrap();
    assert_eq!(launcher["mcpName"], name);
    assert!(
        read("packaging/pypi/README.md").contains(&format!("<!-- mcp-name: {name} -->")),
        "the PyPI readme lacks mcp-name: {name}"
    );
    assert!(entry["description"].as_str().unwrap().len() <= 100);
    assert_eq!(entry["version"], VERSION);
    let repository = entry["repository"]["url"].as_str().unwrap();
    assert_eq!(
        launcher["repository"]["url"],
        format!("git+{repository}.git")
    );
    assert!(name.ends_with(&format!("/{NAME}")));

    let packages = entry["packages"].as_array().unwrap();
    let of = |kind: &str| -> Vec<&Value> {
        packages
            .iter()
            .filter(|p| p["registryType"] == kind)
            .collect()
    };
    for package in packages {
        assert_eq!(package["version"], VERSION, "{package}");
        assert_eq!(package["transport"], json!({"type": "stdio"}), "{package}");
    }
    let pypi = of("pypi");
    assert_eq!(pypi.len(), 1);
    assert_eq!(pypi[0]["identifier"], pypi_name().as_str());
    assert_eq!(pypi[0]["runtimeHint"], "uvx");
    let npm = of("npm");
    assert_eq!(npm.len(), 1);
    assert_eq!(npm[0]["identifier"], launcher["name"]);
    assert_eq!(npm[0]["runtimeHint"], "npx");
    // One bundle per platform; the hash is written by build-all once the bundle exists.
    let bundles: Vec<(String, String)> = of("mcpb")
        .iter()
        .map(|p| {
            (
                p["identifier"].as_str().unwrap().to_owned(),
                p["fileSha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = platforms()
        .iter()
        .map(|(id, _, _)| (bundle_url(repository, id), "0".repeat(64)))
        .collect();
    assert_eq!(bundles, expected);
}

#[test]
fn the_npm_launcher_depends_on_one_binary_package_per_platform() {
    let launcher = launcher();
    assert_eq!(launcher["name"], NAME);
    assert_eq!(launcher["version"], VERSION);
    assert_eq!(launcher["bin"], json!({ NAME: "bin/seedance-mcp.js" }));
    // The esbuild pattern: binaries come as optional dependencies, never from a script.
    assert!(launcher.get("scripts").is_none(), "no install scripts");
    // (serde_json's maps are sorted: compare sets.)
    let optional: BTreeSet<(String, String)> = launcher["optionalDependencies"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let expected: BTreeSet<(String, String)> = platforms()
        .iter()
        .map(|(id, _, _)| (format!("{NAME}-{id}"), VERSION.to_owned()))
        .collect();
    assert_eq!(optional, expected);
    let script = read("packaging/npm/seedance-mcp/bin/seedance-mcp.js");
    assert!(script.starts_with("#!/usr/bin/env node\n"));
    assert!(script.contains("`seedance-mcp-${target}`"));
}

#[test]
fn the_wheel_is_maturins_binary_wheel_of_this_crate() {
    let pyproject = read("pyproject.toml");
    assert_eq!(pypi_name(), NAME);
    for line in [
        "build-backend = \"maturin\"",
        "dynamic = [\"version\"]",
        "bindings = \"bin\"",
        "manifest-path = \"Cargo.toml\"",
        "readme = \"packaging/pypi/README.md\"",
    ] {
        assert!(
            pyproject.lines().any(|l| l == line),
            "pyproject.toml lacks {line}"
        );
    }
}

/// The server's tool names and (prompt, argument names), asked of the test binary over stdio.
fn served_tools_and_prompts() -> (BTreeSet<String>, BTreeSet<(String, Vec<String>)>) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_seedance-mcp"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("SEEDANCE_DATA_DIR", dir.path().join("data"))
        .env("SEEDANCE_OUTPUT_DIR", dir.path().join("out"))
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut ask = |id: u64, method: &str, params: Value| -> Value {
        writeln!(
            stdin,
            "{}",
            json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
        )
        .unwrap();
        loop {
            let answer: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
            if answer["id"] == id {
                return answer["result"].clone();
            }
        }
    };
    ask(
        1,
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}),
    );
    let tools = ask(2, "tools/list", json!({}))["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    let prompts = ask(3, "prompts/list", json!({}))["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let mut args: Vec<String> = p["arguments"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|a| a["name"].as_str().unwrap().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            args.sort();
            (p["name"].as_str().unwrap().to_owned(), args)
        })
        .collect();
    drop(stdin);
    assert!(child.wait().unwrap().success());
    (tools, prompts)
}

#[test]
fn the_bundle_manifest_asks_for_the_provider_the_keys_and_the_output_folder() {
    let manifest = json("packaging/mcpb/manifest.json");
    assert_eq!(manifest["name"], NAME);
    assert_eq!(manifest["version"], VERSION);
    let server = &manifest["server"];
    assert_eq!(server["type"], "binary");
    assert_eq!(server["entry_point"], "server/seedance-mcp");
    assert_eq!(
        server["mcp_config"]["command"],
        "${__dirname}/server/seedance-mcp"
    );

    let config = manifest["user_config"].as_object().unwrap();
    let env = server["mcp_config"]["env"].as_object().unwrap();
    let declared = declared_env_vars();
    let field_of = |var: &str| -> &Value {
        let template = env[var]
            .as_str()
            .unwrap_or_else(|| panic!("env lacks {var}"));
        let key = template
            .strip_prefix("${user_config.")
            .and_then(|k| k.strip_suffix('}'))
            .unwrap_or_else(|| panic!("{var} = {template}"));
        &config[key]
    };
    for var in env.keys() {
        assert!(declared.contains(var), "{var} is not read by the program");
    }
    // Claude Desktop passes an optional field left empty as its literal placeholder unless it has
    // a default: every optional field defaults to "", which the program reads as unset.
    for (key, field) in config {
        if field["required"] != true {
            assert_eq!(field["default"], "", "user_config.{key} needs default \"\"");
        }
    }
    for var in registry::key_vars() {
        let field = field_of(var);
        assert_eq!(field["type"], "string", "{var}");
        assert_eq!(
            field["sensitive"], true,
            "{var} must be kept in the keychain"
        );
    }
    let provider = field_of(seedance_mcp::env_vars::SEEDANCE_PROVIDER);
    assert!(
        provider["description"]
            .as_str()
            .unwrap()
            .starts_with(&registry::names_with_or()),
        "the provider field names every provider: {}",
        registry::names_with_or()
    );
    // The folder is required: an empty SEEDANCE_OUTPUT_DIR is refused by the program.
    let output = field_of(seedance_mcp::env_vars::SEEDANCE_OUTPUT_DIR);
    assert_eq!(output["type"], "directory");
    assert_eq!(output["required"], true);
    assert_eq!(
        env.len(),
        registry::key_vars().len() + 2,
        "the keys, the provider and the output folder"
    );

    let (tools, prompts) = served_tools_and_prompts();
    let listed: BTreeSet<String> = manifest["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, tools, "the manifest's tools are the server's");
    let listed: BTreeSet<(String, Vec<String>)> = manifest["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let mut args: Vec<String> = p["arguments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_owned())
                .collect();
            for arg in &args {
                assert!(
                    p["text"]
                        .as_str()
                        .unwrap()
                        .contains(&format!("${{arguments.{arg}}}"))
                );
            }
            args.sort();
            (p["name"].as_str().unwrap().to_owned(), args)
        })
        .collect();
    assert_eq!(listed, prompts, "the manifest's prompts are the server's");
}

#[test]
fn the_release_workflow_runs_build_all_on_every_platform() {
    let workflow = read(".github/workflows/release.yml");
    assert!(
        workflow
            .lines()
            .any(|l| l.trim() == "run: python packaging/build-all")
    );
    let matrix: Vec<&str> = workflow
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("- { platform: "))
        .collect();
    let expected: Vec<String> = platforms()
        .iter()
        .map(|(id, _, runner)| format!("- {{ platform: {id}, runner: {runner} }}"))
        .collect();
    assert_eq!(matrix, expected, "the workflow's matrix is platforms.json");
    assert!(workflow.contains("packaging/build-all --server-json dist"));
}

/// The text of a README section, from its heading to the next `## `.
fn section<'a>(readme: &'a str, heading: &str) -> &'a str {
    let start = readme
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README lacks {heading}"));
    let rest = &readme[start + heading.len() + 2..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

#[test]
fn the_readme_install_lines_and_snippets_name_the_artifacts() {
    let readme = read("README.md");
    let pypi = pypi_name();
    let npm = launcher()["name"].as_str().unwrap().to_owned();
    let bin = launcher()["bin"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    assert_eq!(bin, NAME, "the npm command is the binary's name");

    let install = section(&readme, "## Install");
    assert_eq!(
        readme.find("\n## "),
        readme.find("\n## Install\n"),
        "Install is the first section"
    );
    let first_block = install.split("```sh\n").nth(1).unwrap();
    let launchers: Vec<&str> = first_block
        .lines()
        .take(2)
        .map(|l| l.split('#').next().unwrap().trim())
        .collect();
    assert_eq!(
        launchers,
        [format!("uvx {pypi}"), format!("npx -y {npm}")],
        "Install starts with the launcher lines"
    );
    assert!(install.contains(&format!("`cargo install --locked {NAME}`")));
    // The bundle's file name as build-all writes it, for the platforms Claude Desktop runs on.
    assert!(install.contains(&format!("`{NAME}-<version>-<platform>.mcpb`")));
    for (id, os, _) in platforms() {
        if os != "linux" {
            assert!(install.contains(&format!("`{id}`")), "Install lacks {id}");
        }
    }

    let agents = section(&readme, "## Add it to your agent");
    let snippets: Vec<Value> = agents
        .split("```json\n")
        .skip(1)
        .map(|b| serde_json::from_str(&b[..b.find("```").unwrap()]).unwrap())
        .collect();
    assert_eq!(snippets.len(), 1);
    assert_eq!(
        snippets[0],
        json("mcp.example.json"),
        "the README pastes mcp.example.json"
    );
    let launcher_form = |server: &Value| {
        assert_eq!(server["command"], "uvx", "{server}");
        assert_eq!(server["args"], json!([pypi]), "{server}");
    };
    launcher_form(&snippets[0]["mcpServers"]["seedance"]);
    launcher_form(&json("clients/vscode.mcp.json")["servers"]["seedance"]);
    assert!(agents.contains(&format!(r#""command": "npx", "args": ["-y", "{npm}"]"#)));
    assert!(
        agents
            .lines()
            .any(|l| l.starts_with("claude mcp add seedance ")
                && l.ends_with(&format!(" -- uvx {pypi}"))),
        "the Claude Code line runs the launcher"
    );
}

/// Runs packaging/build-all, failing with its output.
fn build_all(args: &[&str]) {
    let mut command = Command::new("python3");
    // Without the variables cargo sets for a test: build scripts that watch one
    // (ring watches CARGO_MANIFEST_DIR) would make maturin's cargo rebuild the
    // release binary that a plain `cargo build --release` had left fresh.
    for (var, _) in std::env::vars_os() {
        let var = var.to_string_lossy();
        if var.starts_with("CARGO_") && !matches!(&*var, "CARGO_HOME" | "CARGO_TARGET_DIR") {
            command.env_remove(&*var);
        }
    }
    let output = command
        .arg(root().join("packaging/build-all"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("python3 runs packaging/build-all");
    assert!(
        output.status.success(),
        "packaging/build-all {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("{}", String::from_utf8_lossy(&output.stdout));
}

fn out_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// Runs build-all on the test binary for one artifact (the others skipped), the
/// way the release packages the release binary, into its own folder; returns it.
/// One test per artifact, so the three build and install side by side.
fn build_one(artifact: &str) -> PathBuf {
    let others: Vec<&str> = ["wheel", "npm", "mcpb"]
        .into_iter()
        .filter(|a| *a != artifact)
        .collect();
    let out = out_dir(&format!("packaging-dist-{artifact}"));
    build_all(&[
        "--binary",
        env!("CARGO_BIN_EXE_seedance-mcp"),
        "--strip",
        "--skip",
        &others.join(","),
        "--out",
        out.to_str().unwrap(),
    ]);
    out
}

/// The artifacts of `kind` (`pypi`, `npm`, `mcpb`) build-all left in `out`.
fn artifacts(out: &Path, kind: &str, extension: &str) -> Vec<PathBuf> {
    std::fs::read_dir(out.join(kind))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect()
}

/// The wheel (maturin's metadata around the test binary) installs offline into
/// a fresh venv, whose entry point answers --version, the MCP handshake,
/// tools/list and get_balance; uvx runs it too (build-all's `check_wheel`).
#[test]
fn the_wheel_installs_offline_into_a_fresh_venv_and_answers() {
    let out = build_one("wheel");
    let wheels = artifacts(&out, "pypi", "whl");
    assert_eq!(wheels.len(), 1, "one wheel: {wheels:?}");
}

/// The npm tarballs install offline into a fresh project and `npx seedance-mcp`
/// answers; without the platform package the launcher names it (`check_npm`).
#[test]
fn the_npm_packages_install_offline_and_answer() {
    let out = build_one("npm");
    assert_eq!(artifacts(&out, "npm", "tgz").len(), 2);
}

/// The bundle validates, packs and, started as Claude Desktop starts it, serves
/// the tools and prompts its manifest lists (`check_mcpb`).
#[test]
fn the_bundle_validates_and_answers_as_claude_desktop_starts_it() {
    let out = build_one("mcpb");
    let built = json(out.join("server.json").to_str().unwrap());
    assert!(
        built["packages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["registryType"] == "mcpb" && p["fileSha256"] != "0".repeat(64)),
        "the built server.json carries the bundle's hash"
    );
}

/// Everything, the wheel included: a release build (minutes), so not part of `cargo test`.
#[test]
#[ignore = "a release build; run ./packaging/build-all, or cargo test --test packaging -- --ignored"]
fn build_all_makes_and_tests_every_artifact() {
    let out = out_dir("packaging-dist-full");
    build_all(&["--out", out.to_str().unwrap()]);
}
