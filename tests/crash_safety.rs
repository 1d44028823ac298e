//! The binary is SIGKILLed at each step of a submit against a provider fake, then
//! restarted: every task the fake created (and charged) is in the journal, and
//! no task is ever created twice. Each scenario runs on the SQLite journal (the
//! same process restarted) and on PostgreSQL, where another replica, with a data
//! folder of its own, takes over from the killed one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{
    io::{BufRead, BufReader, Write},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use provider_fakes::{FakeControl, seedance2ai::FakeSeedance2ai, xskill::FakeXskill};
use seedance_mcp::{
    domain::TaskStatus,
    journal::SubmitState,
    service::{GetTaskOutput, ListTasksOutput, TaskSummary},
    test_hooks::{CRASH_AT_ENV, SENDER_STALE_ENV, SWEEP_EVERY_ENV},
};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_seedance-mcp");

/// A running server and its stdout reader.
struct Server {
    child: Child,
    stdout: BufReader<std::process::ChildStdout>,
    next_id: u64,
}

impl Server {
    fn start(env: &[(String, String)], out: &Path, crash_at: Option<&str>) -> Self {
        let mut cmd = Command::new(BIN);
        cmd.env_clear()
            .env("SEEDANCE_OUTPUT_DIR", out)
            .env("SEEDANCE_DATA_DIR", out.join(".journal"))
            // The killed process's row is seconds old at the restart; its silent
            // sender counts as gone after 2 s here instead of 30, and orphans are
            // looked for every 200 ms after the start-up reconciliation.
            .env(SENDER_STALE_ENV, "2")
            .env(SWEEP_EVERY_ENV, "200")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(point) = crash_at {
            cmd.env(CRASH_AT_ENV, point);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut server = Self {
            child,
            stdout,
            next_id: 1,
        };
        server.request("initialize", json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}));
        server.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        server
    }

    fn send(&mut self, message: Value) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{message}").unwrap();
        stdin.flush().unwrap();
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "server closed stdout"
            );
            let message: Value = serde_json::from_str(&line).unwrap();
            if message["id"] == json!(id) {
                return message;
            }
        }
    }

    fn call(&mut self, tool: &str, arguments: Value) -> Value {
        self.request("tools/call", json!({"name": tool, "arguments": arguments}))["result"].clone()
    }

    /// Submits without waiting for an answer, then waits until the process reports
    /// that it stopped at the crash point, and SIGKILLs it there.
    fn submit_and_kill_at_crash_point(mut self, arguments: Value) {
        self.send(json!({"jsonrpc": "2.0", "id": 999, "method": "tools/call",
            "params": {"name": "submit_task", "arguments": arguments}}));
        // Read stderr on a thread so a server that never reaches the point fails
        // the test after the deadline instead of hanging it.
        let stderr = BufReader::new(self.child.stderr.take().unwrap());
        let (lines, seen) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut log = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match seen.recv_timeout(left) {
                Ok(line) if line.contains("CRASH POINT REACHED") => break,
                Ok(line) => log.push(line),
                Err(_) => panic!("crash point never reached; stderr:\n{}", log.join("\n")),
            }
        }
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }

    /// Lists the journal once reconciliation has settled every "sending" row.
    fn settled_tasks(&mut self) -> Vec<TaskSummary> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            // The JSON-RPC envelope is read raw; the result inside as its type.
            let listed = self.call("list_tasks", json!({}));
            let content = listed
                .get("structuredContent")
                .unwrap_or_else(|| panic!("list_tasks failed: {listed}"));
            let tasks = common::typed::<ListTasksOutput>(content).tasks;
            if tasks.iter().all(|t| t.submit_state != SubmitState::Sending)
                || Instant::now() > deadline
            {
                return tasks;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const POINTS: [&str; 2] = ["after_journal_write", "after_create_answer"];

/// Every crash point on every journal, each with a fresh database.
async fn scenarios() -> Vec<(&'static str, Option<String>)> {
    let mut all = Vec::new();
    for point in POINTS {
        for database in journals().await {
            all.push((point, database));
        }
    }
    all
}

/// Where the journal lives in a scenario: `None` is the data folder's SQLite
/// file; a URL is a fresh PostgreSQL schema (skipped, saying so, without a server).
async fn journals() -> Vec<Option<String>> {
    let mut journals = vec![None];
    if let Some(url) = common::postgres_url().await {
        journals.push(Some(url));
    }
    journals
}

/// Runs a submit that is SIGKILLed at `point`, calls `at_crash` while the process
/// is dead, restarts the server (on PostgreSQL: another replica, with its own
/// folders) and returns its settled journal.
async fn kill_then_restart(
    mut env: Vec<(String, String)>,
    database: Option<String>,
    point: &'static str,
    at_crash: impl FnOnce(),
) -> Vec<TaskSummary> {
    let out = tempfile::tempdir().unwrap();
    let replica = tempfile::tempdir().unwrap();
    let restart_in = match &database {
        Some(url) => {
            env.push(("SEEDANCE_DATABASE_URL".to_owned(), url.clone()));
            replica.path().to_owned()
        }
        None => out.path().to_owned(),
    };
    let (dir, first_env) = (out.path().to_owned(), env.clone());
    tokio::task::spawn_blocking(move || {
        let server = Server::start(&first_env, &dir, Some(point));
        server.submit_and_kill_at_crash_point(json!({"prompt": "a lighthouse in fog"}));
    })
    .await
    .unwrap();
    at_crash();
    tokio::task::spawn_blocking(move || Server::start(&env, &restart_in, None).settled_tasks())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_submit_on_an_idempotent_provider_is_completed_after_restart_and_paid_once() {
    for (point, database) in scenarios().await {
        let fake = FakeSeedance2ai::start().await.unwrap();
        let env = vec![
            ("SEEDANCE2AI_API_KEY".to_owned(), fake.api_key().to_owned()),
            ("SEEDANCE2AI_BASE_URL".to_owned(), fake.base_url()),
        ];
        let tasks = kill_then_restart(env, database.clone(), point, || {
            let charged = fake.created_tasks().len();
            assert_eq!(
                charged,
                usize::from(point == "after_create_answer"),
                "{point} {database:?}"
            );
        })
        .await;
        let created = fake.created_tasks();
        assert_eq!(
            created.len(),
            1,
            "{point} {database:?}: exactly one task, never two"
        );
        assert_eq!(tasks.len(), 1, "{point} {database:?}: {tasks:?}");
        assert_eq!(
            tasks[0].submit_state,
            SubmitState::Created,
            "{point} {database:?}: {tasks:?}"
        );
        assert_eq!(
            tasks[0].task_id.as_deref(),
            Some(created[0].id.as_str()),
            "{point} {database:?}: the journal knows the paid task"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_submit_elsewhere_is_kept_as_outcome_unknown_and_never_resent() {
    for (point, database) in scenarios().await {
        let fake = FakeXskill::start().await.unwrap();
        let env = vec![
            ("XSKILL_API_KEY".to_owned(), fake.api_key().to_owned()),
            ("XSKILL_BASE_URL".to_owned(), fake.base_url()),
        ];
        let mut charged = 0;
        let tasks = kill_then_restart(env, database.clone(), point, || {
            charged = fake.created_tasks().len();
        })
        .await;
        assert_eq!(
            charged,
            usize::from(point == "after_create_answer"),
            "{point} {database:?}"
        );
        assert_eq!(
            fake.created_tasks().len(),
            charged,
            "{point} {database:?}: nothing re-sent blindly"
        );
        assert_eq!(fake.create_calls(), charged, "{point} {database:?}");
        assert_eq!(
            tasks.len(),
            1,
            "{point} {database:?}: the submission is journalled: {tasks:?}"
        );
        assert_eq!(
            tasks[0].submit_state,
            SubmitState::OutcomeUnknown,
            "{point} {database:?}: {tasks:?}"
        );
        let note = tasks[0].note.as_deref().unwrap();
        assert!(
            note.contains("before submitting the same request again"),
            "{point} {database:?}: {note}"
        );
    }
}

/// Three clips of ten seconds: a story of 30 s.
fn story_args(chain: bool) -> Value {
    json!({
        "clips": [
            {"prompt": "0-10s: a lantern is lit in a dark cave", "duration": 10},
            {"prompt": "0-10s: the lantern light finds a painted wall", "duration": 10},
            {"prompt": "0-10s: the painted deer seem to run", "duration": 10}
        ],
        "chain": chain
    })
}

impl Server {
    /// Submits a story, then keeps asking about it (each question moves it on)
    /// until the process reports that it stopped at `point`, and SIGKILLs it there.
    fn story_killed_at_crash_point(mut self, arguments: Value) -> String {
        let submitted = self.call("submit_story", arguments);
        let story_id = submitted["structuredContent"]["story_id"]
            .as_str()
            .unwrap_or_else(|| panic!("submit_story failed: {submitted}"))
            .to_owned();
        // The answers are left unread: a few dozen fit in the pipe, and the point
        // comes within a few questions.
        let stderr = BufReader::new(self.child.stderr.take().unwrap());
        let (lines, seen) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut log = Vec::new();
        let mut id = 1000;
        loop {
            if id < 1025 {
                id += 1;
                self.send(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                    "params": {"name": "get_task", "arguments": {"task_id": story_id}}}));
            }
            match seen.recv_timeout(Duration::from_millis(200)) {
                Ok(line) if line.contains("CRASH POINT REACHED") => break,
                Ok(line) => log.push(line),
                Err(_) if Instant::now() > deadline => {
                    panic!("crash point never reached; stderr:\n{}", log.join("\n"))
                }
                Err(_) => {}
            }
        }
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
        story_id
    }

    /// Asks about the story until it has finished.
    fn finished_story(&mut self, story_id: &str) -> GetTaskOutput {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let answer = self.call("get_task", json!({ "task_id": story_id }));
            let content = answer
                .get("structuredContent")
                .unwrap_or_else(|| panic!("get_task failed: {answer}"));
            let story = common::typed::<GetTaskOutput>(content);
            if story.finished {
                return story;
            }
            assert!(
                Instant::now() < deadline,
                "the story never finished: {story:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Runs a story SIGKILLed at `point`, restarts the server and lets it finish.
async fn story_killed_then_finished(
    env: Vec<(String, String)>,
    point: &'static str,
    chain: bool,
    at_crash: impl FnOnce(),
) -> GetTaskOutput {
    let out = tempfile::tempdir().unwrap();
    let (dir, first_env) = (out.path().to_owned(), env.clone());
    let story_id = tokio::task::spawn_blocking(move || {
        Server::start(&first_env, &dir, Some(point)).story_killed_at_crash_point(story_args(chain))
    })
    .await
    .unwrap();
    at_crash();
    let dir = out.path().to_owned();
    tokio::task::spawn_blocking(move || Server::start(&env, &dir, None).finished_story(&story_id))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_story_killed_while_its_second_clip_runs_finishes_after_restart_paying_each_clip_once() {
    let fake = provider_fakes::ark::FakeArk::start_with(provider_fakes::ark::FakeArkConfig {
        last_frame_bytes: common::media::png(640, 360),
        ..Default::default()
    })
    .await
    .unwrap();
    let env = vec![
        ("ARK_API_KEY".to_owned(), fake.api_key().to_owned()),
        ("ARK_BASE_URL".to_owned(), fake.base_url()),
    ];
    let story = story_killed_then_finished(env, "story_clip_2_created", true, || {
        assert_eq!(
            fake.created_tasks().len(),
            2,
            "killed with the second clip made"
        );
    })
    .await;
    assert_eq!(story.status, TaskStatus::Succeeded, "{story:?}");
    let clips = story.story.unwrap().clip_tasks;
    assert_eq!(clips.len(), 3);
    assert!(
        clips
            .iter()
            .all(|c| c.status == Some(TaskStatus::Succeeded))
    );
    assert_eq!(fake.created_tasks().len(), 3, "exactly one create per clip");
    assert_eq!(fake.create_calls(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_story_killed_inside_its_second_create_resends_it_with_its_key_and_pays_once() {
    let fake = FakeSeedance2ai::start().await.unwrap();
    let env = vec![
        ("SEEDANCE2AI_API_KEY".to_owned(), fake.api_key().to_owned()),
        ("SEEDANCE2AI_BASE_URL".to_owned(), fake.base_url()),
    ];
    let story = story_killed_then_finished(env, "story_clip_2_after_create_answer", false, || {
        assert_eq!(
            fake.created_tasks().len(),
            2,
            "killed as the second create was answered"
        );
    })
    .await;
    assert_eq!(story.status, TaskStatus::Succeeded, "{story:?}");
    assert_eq!(story.story.unwrap().clip_tasks.len(), 3);
    assert_eq!(
        fake.created_tasks().len(),
        3,
        "the interrupted create was answered with its first task, never a second"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_story_killed_inside_a_create_without_idempotency_stops_there_and_never_resends_it() {
    let fake = provider_fakes::ark::FakeArk::start_with(provider_fakes::ark::FakeArkConfig {
        last_frame_bytes: common::media::png(640, 360),
        ..Default::default()
    })
    .await
    .unwrap();
    let env = vec![
        ("ARK_API_KEY".to_owned(), fake.api_key().to_owned()),
        ("ARK_BASE_URL".to_owned(), fake.base_url()),
    ];
    let story = story_killed_then_finished(env, "story_clip_2_after_create_answer", true, || {
        assert_eq!(
            fake.created_tasks().len(),
            2,
            "the second create was answered"
        );
    })
    .await;
    // The answer was lost with the process: the clip may have been paid, so it is
    // never sent again, and the story stops there saying why.
    assert_eq!(story.status, TaskStatus::Failed, "{story:?}");
    assert!(
        story.next_step.contains("Outcome unknown"),
        "{}",
        story.next_step
    );
    assert_eq!(fake.create_calls(), 2, "nothing re-sent blindly");
}
