//! The newer protocol pieces through rmcp's own client in-process: the Tasks
//! extension (SEP-2663), the Skills extension (SEP-2640), spend elicitation,
//! resource links, argument completion, the icon and client logging; and that a
//! client declaring none of them sees the server as before.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(deprecated)] // client logging: SEP-2577 deprecates it; 2025-11-25 clients use it

mod common;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use common::{call_err, call_ok, connect, connect_with, server, settings, xskill_settings};
use provider_fakes::{FakeControl, xskill::FakeXskill};
use rmcp::{
    ClientHandler, RoleClient,
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, CancelTaskParams,
        ClientCapabilities, ClientConfig, ElicitRequestParams, ElicitResult, ElicitationAction,
        ElicitationCapability, ErrorData, FormElicitationCapability, GetSkillRequestParams,
        GetTaskParams, LoggingLevel, LoggingMessageNotificationParam, ReadResourceRequestParams,
        ResourceContents, SetLevelRequestParams, TaskPayload, TaskStatus as McpStatus,
    },
    service::{NotificationContext, RequestContext, RunningService},
};
use seedance_mcp::{
    config::Settings,
    service::{GetTaskOutput, ListTasksOutput, SubmitTaskOutput},
};
use serde_json::{Value, json};

/// A client that may declare tasks and form elicitation; the person behind it
/// answers every spend question with `answer`.
#[derive(Clone)]
struct Person {
    tasks: bool,
    elicitation: bool,
    answer: ElicitationAction,
    asked: Arc<Mutex<Vec<String>>>,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Person {
    fn new(tasks: bool, elicitation: bool, answer: ElicitationAction) -> Self {
        Self {
            tasks,
            elicitation,
            answer,
            asked: Arc::default(),
            logs: Arc::default(),
        }
    }
}

impl ClientHandler for Person {
    fn get_info(&self) -> ClientConfig {
        let mut capabilities = if self.tasks {
            ClientCapabilities::builder().enable_tasks().build()
        } else {
            ClientCapabilities::default()
        };
        if self.elicitation {
            capabilities.elicitation =
                Some(ElicitationCapability::new().with_form(FormElicitationCapability::new()));
        }
        let mut config = ClientConfig::default();
        config.capabilities = capabilities;
        config
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        let ElicitRequestParams::FormElicitationParams { message, .. } = request else {
            panic!("a form was expected")
        };
        self.asked.lock().unwrap().push(message);
        Ok(match self.answer.clone() {
            ElicitationAction::Accept => {
                ElicitResult::new(ElicitationAction::Accept).with_content(json!({ "pay": true }))
            }
            other => ElicitResult::new(other),
        })
    }

    async fn on_logging_message(
        &self,
        params: LoggingMessageNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.logs.lock().unwrap().push(params.data.to_string());
    }
}

fn sim(out: &std::path::Path, seconds: f64) -> Settings {
    Settings {
        sim_seconds: seconds,
        ..settings(out)
    }
}

fn arguments(args: Value) -> serde_json::Map<String, Value> {
    let Value::Object(map) = args else {
        panic!("arguments must be an object")
    };
    map
}

async fn call_once<H: ClientHandler>(
    client: &RunningService<RoleClient, H>,
    tool: &str,
    args: Value,
) -> CallToolResponse {
    client
        .call_tool_once(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments(args)))
        .await
        .unwrap()
}

async fn tasks_get<H: ClientHandler>(
    client: &RunningService<RoleClient, H>,
    id: &str,
) -> rmcp::model::GetTaskResult {
    client.get_task(GetTaskParams::new(id)).await.unwrap()
}

// On tokio's paused clock: the simulated 40 s task takes no real time.
#[tokio::test(start_paused = true)]
async fn a_client_declaring_tasks_gets_a_handle_and_polls_to_get_tasks_own_answer() {
    let out = tempfile::tempdir().unwrap();
    let client = connect_with(
        server(&sim(out.path(), 40.0)),
        Person::new(true, false, ElicitationAction::Decline),
    )
    .await;
    let capabilities = &client.peer_info().unwrap().capabilities;
    assert!(capabilities.supports_tasks(), "{capabilities:?}");
    let args = json!({ "prompt": "a paper boat on a rainy street", "duration": 5 });

    // A dry run starts nothing, so it answers as always.
    let mut dry = args.clone();
    dry["dry_run"] = json!(true);
    assert!(matches!(
        call_once(&client, "submit_task", dry).await,
        CallToolResponse::Complete(_)
    ));

    let CallToolResponse::Task(handle) = call_once(&client, "submit_task", args).await else {
        panic!("a task handle was expected")
    };
    let task_id = handle.task.task_id.clone();
    assert_eq!(handle.task.status, McpStatus::Working);
    // The MCP task is the journal's task: list_tasks names it.
    let listed: ListTasksOutput = call_ok(&client, "list_tasks", json!({})).await;
    assert_eq!(listed.tasks[0].task_id.as_deref(), Some(task_id.as_str()));
    // The first look is suggested for half the typical time (the polite schedule).
    assert_eq!(handle.task.poll_interval_ms, Some(20_000), "{handle:?}");

    let mut polls = 0;
    let result = loop {
        polls += 1;
        assert!(polls < 50, "never finished");
        let got = tasks_get(&client, &task_id).await;
        match got.task.payload {
            TaskPayload::Completed { result } => break result,
            TaskPayload::Working => {
                assert!(got.task.task.status_message.is_some(), "{got:?}");
                let wait = got.task.task.poll_interval_ms.unwrap();
                assert!(wait >= 2_000, "{got:?}");
                tokio::time::sleep(Duration::from_millis(wait)).await;
            }
            other => panic!("unexpected {other:?}"),
        }
    };
    // The schedule's looks for a 40 s task: 0 (the journal's word), then the
    // provider at 20, 24, 28.4, 33.2, 38.6 and 44.5 s; one second apart would be 40.
    assert_eq!(polls, 7, "{polls} polls for a 40 s task");
    let mut result: CallToolResult = serde_json::from_value(Value::Object(result)).unwrap();
    // The final result is get_task's answer, files and links included.
    let plain = client
        .call_tool(
            CallToolRequestParams::new("get_task")
                .with_arguments(arguments(json!({ "task_id": task_id }))),
        )
        .await
        .unwrap();
    // Only the SEP-2322 marker differs: rmcp drops it from results to 2025 peers,
    // and a task's result keeps it, as rmcp's own task manager does.
    assert_eq!(
        result.result_type.take().map(|t| t.to_string()).as_deref(),
        Some("complete")
    );
    assert_eq!(result, plain);
    let output: GetTaskOutput = common::typed(result.structured_content.as_ref().unwrap());
    assert_eq!(output.status.as_str(), "succeeded");
    assert_eq!(output.local_files.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn tasks_cancel_stops_a_queued_task_at_the_provider() {
    let out = tempfile::tempdir().unwrap();
    let client = connect_with(
        server(&sim(out.path(), 60.0)),
        Person::new(true, false, ElicitationAction::Decline),
    )
    .await;
    let CallToolResponse::Task(handle) = call_once(
        &client,
        "submit_task",
        json!({ "prompt": "a slow sunrise" }),
    )
    .await
    else {
        panic!("a task handle was expected")
    };
    let id = handle.task.task_id;
    client
        .cancel_task(CancelTaskParams::new(&id))
        .await
        .unwrap();
    let got = tasks_get(&client, &id).await;
    assert_eq!(got.task.status(), McpStatus::Cancelled, "{got:?}");
    let plain: GetTaskOutput = call_ok(&client, "get_task", json!({ "task_id": id })).await;
    assert_eq!(plain.status.as_str(), "cancelled");
    // A finished task cannot be cancelled again: the client is told why.
    let refused = client
        .cancel_task(CancelTaskParams::new(&id))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("not_cancellable"), "{refused}");
    // An id this machine never saw is the spec's invalid params.
    let unknown = client
        .get_task(GetTaskParams::new("nope"))
        .await
        .unwrap_err();
    assert!(unknown.to_string().contains("nope"), "{unknown}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tasks_cancel_says_so_where_the_provider_cannot_cancel() {
    let fake = FakeXskill::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect_with(
        server(&xskill_settings(&fake, out.path())),
        Person::new(true, false, ElicitationAction::Decline),
    )
    .await;
    let CallToolResponse::Task(handle) = call_once(
        &client,
        "submit_task",
        json!({ "prompt": "a slow sunrise" }),
    )
    .await
    else {
        panic!("a task handle was expected")
    };
    // A client polling as fast as it likes costs the provider nothing before
    // the schedule's first check (45 s for a video here): the journal answers.
    let before = fake.requests().len();
    for _ in 0..5 {
        let got = tasks_get(&client, &handle.task.task_id).await;
        assert_eq!(got.task.status(), McpStatus::Working);
        assert!(got.task.task.poll_interval_ms.unwrap() > 40_000, "{got:?}");
    }
    assert_eq!(fake.requests().len(), before, "{:?}", fake.requests());
    let got = tasks_get(&client, &handle.task.task_id).await;
    assert_eq!(got.task.task.task_id, fake.created_tasks()[0].task_id);
    // Not asked yet: the fake still has it as it was created.
    assert_eq!(fake.created_tasks()[0].status, "pending");
    let refused = client
        .cancel_task(CancelTaskParams::new(&handle.task.task_id))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("cancel"), "{refused}");
}

#[tokio::test(start_paused = true)]
async fn a_client_without_the_extensions_sees_the_server_as_before() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&sim(out.path(), 3.0))).await;
    let capabilities = &client.peer_info().unwrap().capabilities;
    assert!(!capabilities.supports_tasks(), "{capabilities:?}");
    let submitted: SubmitTaskOutput = call_ok(
        &client,
        "submit_task",
        json!({ "prompt": "a red kite over the sea" }),
    )
    .await;
    let id = submitted.task_id.unwrap();
    // tasks/* need the extension declared.
    assert!(client.get_task(GetTaskParams::new(&id)).await.is_err());
}

#[tokio::test]
async fn skills_list_and_get_serve_the_embedded_skill_and_its_files_resolve() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    let listed = client.list_skills(None).await.unwrap();
    assert_eq!(listed.skills.len(), 1);
    let skill = &listed.skills[0];
    assert_eq!(skill.uri, "skill://seedance/SKILL.md");
    assert_eq!(skill.name(), "seedance");
    let got = client
        .get_skill(GetSkillRequestParams::new("skill://seedance/SKILL.md"))
        .await
        .unwrap();
    assert_eq!(&got.skill, skill);
    let rmcp::model::SkillResources::Files(files) = &skill.resources else {
        panic!("a fixed manifest")
    };
    for file in files {
        let read = client
            .read_resource(ReadResourceRequestParams::new(file.uri.clone()))
            .await
            .unwrap();
        let ResourceContents::TextResourceContents { text, .. } = &read.contents[0] else {
            panic!("text")
        };
        file.verify(text.as_bytes()).unwrap();
    }
    // The old resource names stay for clients without the extension.
    let resources = client.list_all_resources().await.unwrap();
    assert!(
        resources
            .iter()
            .any(|r| r.uri == "seedance://skill/SKILL.md")
    );
}

#[tokio::test(start_paused = true)]
async fn get_task_links_each_saved_file_and_the_link_resolves() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&sim(out.path(), 3.0))).await;
    let done = common::submit_and_wait(&client, json!({ "prompt": "a lantern at dusk" })).await;
    let result = client
        .call_tool(
            CallToolRequestParams::new("get_task")
                .with_arguments(arguments(json!({ "task_id": done.task_id }))),
        )
        .await
        .unwrap();
    let links: Vec<_> = result
        .content
        .iter()
        .filter_map(|c| c.as_resource_link())
        .collect();
    assert_eq!(links.len(), done.local_files.len());
    let link = links[0];
    assert_eq!(link.uri, done.resource_uris[0]);
    assert_eq!(link.mime_type.as_deref(), Some("video/mp4"));
    let size = std::fs::metadata(&done.local_files[0]).unwrap().len();
    assert_eq!(link.size, Some(size as u32 as _));
    let read = client
        .read_resource(ReadResourceRequestParams::new(link.uri.clone()))
        .await
        .unwrap();
    assert!(matches!(
        &read.contents[0],
        ResourceContents::BlobResourceContents { .. }
    ));
}

fn over_limit(settings: Settings) -> Settings {
    Settings {
        max_cost_per_task: Some(1.0),
        ..settings
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn over_the_limit_the_person_is_asked_and_a_yes_submits_once() {
    let fake = FakeXskill::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let person = Person::new(false, true, ElicitationAction::Accept);
    let client = connect_with(
        server(&over_limit(xskill_settings(&fake, out.path()))),
        person.clone(),
    )
    .await;
    let args = json!({ "prompt": "a lighthouse in a storm, slow push in", "duration": 5 });
    let submitted: SubmitTaskOutput = call_ok(&client, "submit_task", args).await;
    assert!(submitted.task_id.is_some());
    assert_eq!(fake.create_calls(), 1);
    let asked = person.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    let question = &asked[0];
    let price = submitted.estimated_price.unwrap();
    assert!(question.contains(&price.to_string()), "{question}");
    assert!(question.contains("Balance: "), "{question}");
    assert!(question.contains("a lighthouse in a storm"), "{question}");
    assert!(
        question.contains("SEEDANCE_MAX_COST_PER_TASK"),
        "{question}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_no_from_the_person_refuses_with_spend_limit_and_creates_nothing() {
    for answer in [ElicitationAction::Decline, ElicitationAction::Cancel] {
        let fake = FakeXskill::start().await.unwrap();
        let out = tempfile::tempdir().unwrap();
        let person = Person::new(false, true, answer.clone());
        let client = connect_with(
            server(&over_limit(xskill_settings(&fake, out.path()))),
            person.clone(),
        )
        .await;
        let text = call_err(
            &client,
            "submit_task",
            json!({ "prompt": "a lighthouse in a storm", "duration": 5 }),
        )
        .await;
        assert!(text.starts_with("spend_limit: The user declined"), "{text}");
        assert!(text.contains("nothing was charged"), "{text}");
        assert_eq!(person.asked.lock().unwrap().len(), 1);
        assert_eq!(fake.create_calls(), 0, "{answer:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_elicitation_the_agent_still_passes_confirm_cost() {
    let fake = FakeXskill::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&over_limit(xskill_settings(&fake, out.path())))).await;
    let args = json!({ "prompt": "a lighthouse in a storm", "duration": 5 });
    let text = call_err(&client, "submit_task", args.clone()).await;
    assert!(text.starts_with("spend_limit:"), "{text}");
    assert!(text.contains("call again with confirm_cost: 50"), "{text}");
    assert!(fake.created_tasks().is_empty());
}

#[tokio::test(start_paused = true)]
async fn confirm_every_task_asks_even_under_the_limits() {
    let out = tempfile::tempdir().unwrap();
    let settings = Settings {
        confirm_every_task: true,
        ..sim(out.path(), 3.0)
    };
    let person = Person::new(false, true, ElicitationAction::Decline);
    let client = connect_with(server(&settings), person.clone()).await;
    let text = call_err(
        &client,
        "submit_task",
        json!({ "prompt": "a quiet harbour" }),
    )
    .await;
    assert!(text.starts_with("spend_limit"), "{text}");
    let asked = person.asked.lock().unwrap().clone();
    assert!(
        asked[0].contains("SEEDANCE_CONFIRM_EVERY_TASK"),
        "{asked:?}"
    );
    let listed: ListTasksOutput = call_ok(&client, "list_tasks", json!({})).await;
    assert!(listed.tasks.is_empty());
}

#[tokio::test(start_paused = true)]
async fn storyboard_arguments_complete_and_the_server_has_a_title_and_icon() {
    let out = tempfile::tempdir().unwrap();
    let person = Person::new(false, false, ElicitationAction::Decline);
    let client = connect_with(server(&sim(out.path(), 3.0)), person.clone()).await;
    let info = client.peer_info().unwrap().server_info.clone().unwrap();
    assert_eq!(info.title.as_deref(), Some("Seedance MCP"));
    let icon = &info.icons.as_ref().unwrap()[0];
    assert!(
        icon.src.starts_with("data:image/svg+xml;base64,"),
        "{icon:?}"
    );
    let ratios = client
        .complete_prompt_argument("storyboard", "ratio", "9", None)
        .await
        .unwrap();
    assert_eq!(ratios.values, ["9:16"]);
    let durations = client
        .complete_prompt_argument("storyboard", "duration", "", None)
        .await
        .unwrap();
    assert_eq!(durations.values.len(), 12);
    let styles = client
        .complete_prompt_argument("storyboard", "style", "neon", None)
        .await
        .unwrap();
    assert!(!styles.values.is_empty(), "{styles:?}");

    // Log messages only after the client sets a level.
    common::submit_and_wait(&client, json!({ "prompt": "a quiet harbour" })).await;
    assert!(person.logs.lock().unwrap().is_empty());
    client
        .set_level(SetLevelRequestParams::new(LoggingLevel::Info))
        .await
        .unwrap();
    common::submit_and_wait(&client, json!({ "prompt": "a busy harbour" })).await;
    let logs = person.logs.lock().unwrap().clone();
    assert!(logs.iter().any(|l| l.contains("submitted")), "{logs:?}");
    assert!(logs.iter().any(|l| l.contains("succeeded")), "{logs:?}");
}

/// The same extensions over streamable HTTP: a task handle, `tasks/get`,
/// `tasks/cancel`, and the skill.
#[tokio::test(flavor = "multi_thread")]
async fn tasks_and_skills_work_over_streamable_http() {
    use rmcp::{ServiceExt, transport::StreamableHttpClientTransport};
    let out = tempfile::tempdir().unwrap();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let server = server(&sim(out.path(), 60.0));
    let token = shutdown.clone();
    tokio::spawn(async move {
        seedance_mcp::mcp::transport::serve_http(
            server,
            "127.0.0.1:0".parse().unwrap(),
            Default::default(),
            token,
            Some(tx),
        )
        .await
    });
    let addr = rx.await.unwrap();
    let transport = StreamableHttpClientTransport::from_uri(format!("http://{addr}/mcp"));
    let client = Person::new(true, false, ElicitationAction::Decline)
        .serve(transport)
        .await
        .unwrap();
    let CallToolResponse::Task(handle) = call_once(
        &client,
        "submit_task",
        json!({ "prompt": "a slow sunrise" }),
    )
    .await
    else {
        panic!("a task handle was expected")
    };
    let id = handle.task.task_id;
    let got = tasks_get(&client, &id).await;
    assert_eq!(got.task.status(), McpStatus::Working, "{got:?}");
    client
        .cancel_task(CancelTaskParams::new(&id))
        .await
        .unwrap();
    assert_eq!(
        tasks_get(&client, &id).await.task.status(),
        McpStatus::Cancelled
    );
    let skills = client.list_skills(None).await.unwrap();
    assert_eq!(skills.skills[0].uri, "skill://seedance/SKILL.md");
    let got = client
        .get_skill(GetSkillRequestParams::new("skill://seedance/SKILL.md"))
        .await
        .unwrap();
    assert_eq!(got.skill.name(), "seedance");
    client.cancel().await.unwrap();
    shutdown.cancel();
}

/// The xskill fake on a runtime of its own, on the real clock, kept running.
fn fake_on_its_own_runtime() -> FakeXskill {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            tx.send(FakeXskill::start().await.unwrap()).unwrap();
            std::future::pending::<()>().await;
        });
    });
    rx.recv().unwrap()
}

// The server waits on tokio's paused clock (the schedule's 45 s before the first
// look take no real time) while the fake answers on its own runtime. A ticker
// keeps the paused clock creeping a millisecond at a time while a request is
// on the wire, so timeouts do not fire in one jump.
#[tokio::test(start_paused = true)]
async fn a_task_on_the_xskill_fake_is_followed_by_tasks_get_to_its_saved_file() {
    let fake = fake_on_its_own_runtime();
    tokio::spawn(async {
        loop {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
    let out = tempfile::tempdir().unwrap();
    let settings = Settings {
        api_timeout_secs: 300,
        ..xskill_settings(&fake, out.path())
    };
    let client = connect_with(
        server(&settings),
        Person::new(true, false, ElicitationAction::Decline),
    )
    .await;
    let CallToolResponse::Task(handle) = call_once(
        &client,
        "submit_task",
        json!({ "prompt": "a slow sunrise" }),
    )
    .await
    else {
        panic!("a task handle was expected")
    };
    let id = handle.task.task_id.clone();
    let mut polls = 0;
    let result = loop {
        polls += 1;
        assert!(polls < 50, "never finished");
        let got = tasks_get(&client, &id).await;
        match got.task.payload {
            TaskPayload::Completed { result } => break result,
            TaskPayload::Working => {
                let wait = got.task.task.poll_interval_ms.unwrap();
                tokio::time::sleep(Duration::from_millis(wait)).await;
            }
            other => panic!("unexpected {other:?}"),
        }
    };
    let result: CallToolResult = serde_json::from_value(Value::Object(result)).unwrap();
    let output: GetTaskOutput = common::typed(result.structured_content.as_ref().unwrap());
    assert_eq!(output.status.as_str(), "succeeded", "{output:?}");
    let saved = std::fs::read(&output.local_files[0]).unwrap();
    assert_eq!(&saved[4..8], b"ftyp");
    // One create; status reads on the schedule, not one per poll.
    assert_eq!(fake.create_calls(), 1);
    let reads = fake
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/tasks/query"))
        .count();
    let paths: Vec<_> = fake
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    // The first look is the journal's; each later one was due and asked once.
    assert_eq!(
        reads,
        polls - 1,
        "{reads} reads for {polls} polls: {paths:?}"
    );
}

/// With a person to ask, the agent's `confirm_cost` does not stand in for
/// their yes, and the dry run says they will be asked.
#[tokio::test(flavor = "multi_thread")]
async fn where_the_person_can_be_asked_confirm_cost_does_not_skip_them() {
    let fake = FakeXskill::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let person = Person::new(false, true, ElicitationAction::Decline);
    let client = connect_with(
        server(&over_limit(xskill_settings(&fake, out.path()))),
        person.clone(),
    )
    .await;
    let args = json!({ "prompt": "a lighthouse in a storm", "duration": 5, "dry_run": true });
    let dry: SubmitTaskOutput = call_ok(&client, "submit_task", args).await;
    assert!(
        dry.next_step.contains("their client will ask"),
        "{}",
        dry.next_step
    );
    let cost = dry.estimated_price.unwrap().amount;
    let args = json!({ "prompt": "a lighthouse in a storm", "duration": 5, "confirm_cost": cost });
    let text = call_err(&client, "submit_task", args).await;
    assert!(text.starts_with("spend_limit: The user declined"), "{text}");
    assert_eq!(person.asked.lock().unwrap().len(), 1);
    assert_eq!(fake.create_calls(), 0);
}

// A story is an MCP task too: its handle is the story id, and tasks/get reads
// the journal while the background driver makes the clips.
#[tokio::test(start_paused = true)]
async fn a_story_answers_a_tasks_client_with_a_handle_followed_to_its_end() {
    let out = tempfile::tempdir().unwrap();
    let client = connect_with(
        server(&sim(out.path(), 5.0)),
        Person::new(true, false, ElicitationAction::Decline),
    )
    .await;
    let args = json!({
        "clips": [
            {"prompt": "a red kite rises over dunes", "duration": 5},
            {"prompt": "the red kite dives toward the sea", "duration": 5}
        ],
        "chain": false
    });
    let CallToolResponse::Task(handle) = call_once(&client, "submit_story", args).await else {
        panic!("a task handle was expected")
    };
    let story_id = handle.task.task_id.clone();
    assert!(story_id.starts_with("story-"), "{handle:?}");
    let mut polls = 0;
    let result = loop {
        polls += 1;
        assert!(polls < 100, "never finished");
        let got = tasks_get(&client, &story_id).await;
        match got.task.payload {
            TaskPayload::Completed { result } => break result,
            TaskPayload::Working => {
                let wait = got.task.task.poll_interval_ms.unwrap();
                tokio::time::sleep(Duration::from_millis(wait)).await;
            }
            other => panic!("unexpected {other:?}"),
        }
    };
    let result: CallToolResult = serde_json::from_value(Value::Object(result)).unwrap();
    let output: GetTaskOutput = common::typed(result.structured_content.as_ref().unwrap());
    assert_eq!(output.status.as_str(), "succeeded", "{output:?}");
    assert_eq!(
        output.story.as_ref().map(|s| s.clips),
        Some(2),
        "{output:?}"
    );
}
