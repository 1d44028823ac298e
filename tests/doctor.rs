//! `seedance-mcp doctor`, run as a child process with a made-up home and
//! project folder: what it reports and its exit code for a good setup, a wrong
//! key, an unreachable host, a strange answer, broken local state, and MCP
//! client configs found or missing, and a PostgreSQL journal. Keys and database
//! passwords never appear in its output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use provider_fakes::{
    FakeControl,
    ark::FakeArk,
    faults::{Fault, FaultProxy},
    seed2::FakeSeed2,
    seedance2ai::FakeSeedance2ai,
    xskill::FakeXskill,
};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_seedance-mcp");

/// A made-up machine: a home folder (with the data and output folders) and a
/// project folder.
struct Machine {
    _dir: tempfile::TempDir,
    home: PathBuf,
    project: PathBuf,
}

impl Machine {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let project = dir.path().join("project");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&project).unwrap();
        Self {
            _dir: dir,
            home,
            project,
        }
    }

    fn data(&self) -> PathBuf {
        self.home.join("data")
    }

    fn write(&self, path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// What one run printed and returned.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    report: Value,
}

impl Run {
    /// The live check of `provider`.
    fn live(&self, provider: &str) -> &Value {
        self.report["live"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["provider"] == provider)
            .unwrap_or_else(|| panic!("no live check of {provider}: {}", self.report))
    }

    fn never_shows(&self, secret: &str) {
        assert!(
            !self.stdout.contains(secret),
            "{secret} in stdout: {}",
            self.stdout
        );
        assert!(
            !self.stderr.contains(secret),
            "{secret} in stderr: {}",
            self.stderr
        );
    }
}

/// Runs `seedance-mcp doctor ARGS` on the machine with only `vars` (and PATH,
/// HOME, the data and output folders) in its environment.
async fn doctor(machine: &Machine, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let mut command = tokio::process::Command::new(BIN);
    command
        .arg("doctor")
        .args(args)
        .current_dir(&machine.project)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &machine.home)
        .env("SEEDANCE_DATA_DIR", machine.data())
        .env("SEEDANCE_OUTPUT_DIR", machine.home.join("out"));
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    // stdout is a pipe here, so the report is JSON even without --json.
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\nstderr: {stderr}"));
    Run {
        code: output.status.code().unwrap(),
        stdout,
        stderr,
        report,
    }
}

#[tokio::test]
async fn a_working_setup_reports_its_provider_masked_key_folders_and_journal() {
    let fake = FakeXskill::start().await.unwrap();
    let machine = Machine::new();
    let url = fake.base_url();
    let run = doctor(
        &machine,
        &[],
        &[
            ("XSKILL_API_KEY", fake.api_key()),
            ("XSKILL_BASE_URL", &url),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    let provider = &run.report["provider"];
    assert_eq!(provider["name"], "xskill");
    assert_eq!(provider["chosen_by"]["kind"], "key_found");
    assert_eq!(provider["chosen_by"]["variable"], "XSKILL_API_KEY");
    assert_eq!(provider["key"]["masked"], "sk-…-key");
    assert_eq!(provider["base_url"], url.as_str());
    run.never_shows(fake.api_key());
    for folder in run.report["folders"].as_array().unwrap() {
        assert_eq!(folder["status"], "ok", "{folder}");
        assert_eq!(folder["writable"], true, "{folder}");
        assert!(folder["free_bytes"].as_u64().unwrap() > 0, "{folder}");
    }
    assert_eq!(run.report["journal"]["exists"], false);
    // Nothing was called, and no client config exists: a warning, not a failure.
    assert!(run.report.get("live").is_none());
    assert!(fake.requests().is_empty());
    assert_eq!(run.report["client_status"], "warn");

    // Once a command has created the journal, its integrity and schema are read.
    let listed = std::process::Command::new(BIN)
        .args(["--json", "list"])
        .env_clear()
        .env("SEEDANCE_DATA_DIR", machine.data())
        .output()
        .unwrap();
    assert!(listed.status.success());
    let run = doctor(&machine, &["--json"], &[]).await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    let journal = &run.report["journal"];
    assert_eq!(journal["integrity"], "ok", "{journal}");
    assert_eq!(journal["schema_version"], journal["known_schema_version"]);
    assert_eq!(run.report["provider"]["chosen_by"]["kind"], "no_key");
}

#[tokio::test]
async fn live_checks_call_every_provider_with_a_key_for_free() {
    let xskill = FakeXskill::start().await.unwrap();
    let ark = FakeArk::start().await.unwrap();
    let seedance2ai = FakeSeedance2ai::start().await.unwrap();
    let seed2 = FakeSeed2::start().await.unwrap();
    let machine = Machine::new();
    let urls = [
        xskill.base_url(),
        ark.base_url(),
        seedance2ai.base_url(),
        seed2.base_url(),
    ];
    let run = doctor(
        &machine,
        &["--live", "--json"],
        &[
            ("XSKILL_API_KEY", xskill.api_key()),
            ("XSKILL_BASE_URL", &urls[0]),
            ("ARK_API_KEY", ark.api_key()),
            ("ARK_BASE_URL", &urls[1]),
            ("SEEDANCE2AI_API_KEY", seedance2ai.api_key()),
            ("SEEDANCE2AI_BASE_URL", &urls[2]),
            ("SEED2_API_KEY", seed2.api_key()),
            ("SEED2_BASE_URL", &urls[3]),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    // BytePlus and Volcengine share ARK_API_KEY: it is checked once.
    assert_eq!(
        run.report["live"].as_array().unwrap().len(),
        4,
        "{}",
        run.stdout
    );
    let balance = run.live("xskill");
    assert_eq!(balance["probe"], "balance");
    assert_eq!(balance["outcome"], "key_accepted", "{balance}");
    assert!(
        balance["balance"].as_str().unwrap().contains("credits"),
        "{balance}"
    );
    for provider in ["byteplus", "seedance2ai", "seed2"] {
        let check = run.live(provider);
        assert_eq!(check["probe"], "task_read", "{check}");
        assert_eq!(check["outcome"], "key_accepted", "{check}");
    }
    for key in [
        xskill.api_key(),
        ark.api_key(),
        seedance2ai.api_key(),
        seed2.api_key(),
    ] {
        run.never_shows(key);
    }
    // Free calls only: nothing was created anywhere.
    assert_eq!(
        xskill.create_calls()
            + ark.create_calls()
            + seedance2ai.create_calls()
            + seed2.create_calls(),
        0
    );
}

#[tokio::test]
async fn a_wrong_key_exits_4() {
    let fake = FakeSeed2::start().await.unwrap();
    let machine = Machine::new();
    let wrong = "sk-s2-wrong-0123456789";
    let url = fake.base_url();
    let run = doctor(
        &machine,
        &["--live", "--json"],
        &[("SEED2_API_KEY", wrong), ("SEED2_BASE_URL", &url)],
    )
    .await;
    assert_eq!(run.code, 4, "{}", run.stdout);
    assert_eq!(run.live("seed2")["outcome"], "key_refused");
    assert!(!fake.requests().is_empty());
    assert!(fake.requests().iter().all(|r| !r.authorized));
    run.never_shows(wrong);
}

#[tokio::test]
async fn an_unreachable_host_exits_3() {
    // A port that was just free: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let machine = Machine::new();
    let run = doctor(
        &machine,
        &["--live", "--json"],
        &[
            ("XSKILL_API_KEY", "sk-any-0123456789abcdef"),
            ("XSKILL_BASE_URL", &url),
        ],
    )
    .await;
    assert_eq!(run.code, 3, "{}", run.stdout);
    let check = run.live("xskill");
    assert_eq!(check["outcome"], "unreachable", "{check}");
    assert!(check.get("answer_file").is_none());
}

#[tokio::test]
async fn a_strange_answer_exits_5_and_names_the_kept_redacted_answer() {
    let fake = FakeXskill::start().await.unwrap();
    let proxy = FaultProxy::start(&fake.base_url()).await.unwrap();
    let key = fake.api_key().to_owned();
    proxy.inject(
        "balance",
        Fault::Respond {
            status: 200,
            body: format!("<oops> you sent {key}").into_bytes(),
        },
    );
    let machine = Machine::new();
    let url = proxy.base_url();
    let run = doctor(
        &machine,
        &["--live", "--json"],
        &[("XSKILL_API_KEY", &key), ("XSKILL_BASE_URL", &url)],
    )
    .await;
    assert_eq!(run.code, 5, "{}", run.stdout);
    let check = run.live("xskill");
    assert_eq!(check["outcome"], "unexpected_answer", "{check}");
    let file = PathBuf::from(check["answer_file"].as_str().unwrap());
    assert!(
        file.starts_with(machine.data().join("answers")),
        "{}",
        file.display()
    );
    let kept = std::fs::read_to_string(&file).unwrap();
    assert!(kept.contains("<oops> you sent [redacted]"), "{kept}");
    assert!(!kept.contains(&key), "{kept}");
    run.never_shows(&key);
}

#[tokio::test]
async fn broken_local_state_exits_1_without_stopping_the_other_checks() {
    let machine = Machine::new();
    // A journal from a newer build.
    let journal = machine.data().join("journal.sqlite3");
    std::fs::create_dir_all(machine.data()).unwrap();
    let conn = rusqlite::Connection::open(&journal).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    // An output "folder" that is a file, and a provider name that does not exist.
    machine.write(&machine.home.join("out"), "not a folder");
    let run = doctor(&machine, &["--json"], &[("SEEDANCE_PROVIDER", "nope")]).await;
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.report["provider"]["status"], "fail");
    assert_eq!(run.report["provider"]["chosen_by"]["kind"], "unresolved");
    let output = &run.report["folders"][0];
    assert_eq!(
        (&output["role"], &output["status"]),
        (&"output".into(), &"fail".into())
    );
    let journal = &run.report["journal"];
    assert_eq!(journal["status"], "fail", "{journal}");
    assert_eq!(journal["schema_version"], 99);
    let areas: Vec<&str> = run.report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["area"].as_str().unwrap())
        .collect();
    for area in ["provider", "folders", "journal"] {
        assert!(areas.contains(&area), "{areas:?}");
    }
}

#[tokio::test]
async fn client_configs_are_found_and_their_commands_resolved() {
    let machine = Machine::new();
    let bin_dir = Path::new(BIN).parent().unwrap().to_owned();
    // Cursor, for the user: the full path of the real binary.
    machine.write(
        &machine.home.join(".cursor/mcp.json"),
        &serde_json::json!({
            "mcpServers": {
                "seedance": {"command": BIN, "env": {"XSKILL_API_KEY": "sk-in-the-config-123456"}},
                "other": {"command": "something-else"}
            }
        })
        .to_string(),
    );
    // Claude Code, for the project: a binary that does not exist.
    machine.write(
        &machine.project.join(".mcp.json"),
        r#"{"mcpServers": {"video": {"command": "/nowhere/seedance-mcp"}}}"#,
    );
    // VS Code, for the project: a bare name, found on PATH; comments allowed.
    machine.write(
        &machine.project.join(".vscode/mcp.json"),
        "{\n  // ours\n  \"servers\": {\"seedance\": {\"type\": \"stdio\", \"command\": \"seedance-mcp\",},},\n}",
    );
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = doctor(&machine, &["--json"], &[("PATH", &path)]).await;
    assert_eq!(run.code, 1, "{}", run.stdout);
    let clients = run.report["clients"].as_array().unwrap();
    let config = |client: &str, scope: &str| {
        clients
            .iter()
            .find(|c| c["client"] == client && c["scope"] == scope)
            .unwrap_or_else(|| panic!("{client} {scope}: {clients:?}"))
    };
    let cursor = config("Cursor", "user");
    assert_eq!(cursor["found"], true);
    assert_eq!(cursor["status"], "ok", "{cursor}");
    let servers = cursor["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 1, "only the seedance entry: {servers:?}");
    assert_eq!(servers[0]["resolved"], BIN);
    assert_eq!(
        servers[0]["env_vars"],
        serde_json::json!(["XSKILL_API_KEY"])
    );
    let claude = config("Claude Code", "project");
    assert_eq!(claude["status"], "fail", "{claude}");
    assert!(claude["servers"][0].get("resolved").is_none());
    let vscode = config("VS Code", "project");
    assert_eq!(vscode["status"], "ok", "{vscode}");
    assert_eq!(
        PathBuf::from(vscode["servers"][0]["resolved"].as_str().unwrap()),
        bin_dir.join("seedance-mcp")
    );
    assert_eq!(config("Cursor", "project")["found"], false);
    run.never_shows("sk-in-the-config-123456");

    // With the missing binary's entry gone, nothing is broken.
    std::fs::remove_file(machine.project.join(".mcp.json")).unwrap();
    let run = doctor(&machine, &["--json"], &[("PATH", &path)]).await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.report["client_status"], "ok");
}

#[test]
fn help_states_the_exit_codes() {
    let output = std::process::Command::new(BIN)
        .args(["doctor", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for line in [
        "0  nothing is broken",
        "1  something on this machine",
        "3  --live",
        "4  --live",
        "5  --live",
    ] {
        assert!(help.contains(line), "{line} missing:\n{help}");
    }
}

#[tokio::test]
async fn a_postgresql_journal_is_reported_by_its_url_without_the_password() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let machine = Machine::new();
    // The test server trusts local users: any password is accepted and must never show.
    let with_password = url.replacen("postgres://root@", "postgres://root:hunter2@", 1);
    let run = doctor(&machine, &[], &[("SEEDANCE_DATABASE_URL", &with_password)]).await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    let journal = &run.report["journal"];
    assert_eq!(
        journal["database"], "postgres://root@127.0.0.1:5432/test",
        "{journal}"
    );
    assert_eq!(journal["exists"], false, "{journal}");
    run.never_shows("hunter2");
    // Once a replica has started on it, its schema is read.
    seedance_mcp::journal::Journal::connect(&url).await.unwrap();
    let run = doctor(&machine, &[], &[("SEEDANCE_DATABASE_URL", &with_password)]).await;
    let journal = &run.report["journal"];
    assert_eq!(
        journal["schema_version"], journal["known_schema_version"],
        "{journal}"
    );
    // A database that does not answer is a local problem (exit 1), named without the password.
    let closed = "postgres://root:hunter2@127.0.0.1:1/test";
    let run = doctor(&machine, &[], &[("SEEDANCE_DATABASE_URL", closed)]).await;
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.report["journal"]["status"], "fail");
    run.never_shows("hunter2");
}
