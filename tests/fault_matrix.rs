//! The fault matrix: each row puts one failure of the network or the provider
//! between the server and a provider fake (through a fault-injecting proxy) and
//! checks what the agent sees, that nothing paid for is lost, and that no task
//! is created twice.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use common::{call, connect, server, settings};
use provider_fakes::{
    FakeControl,
    faults::{Fault, FaultProxy},
    seedance2ai::FakeSeedance2ai,
    xskill::{FakeXskill, FakeXskillConfig},
};
use seedance_mcp::{
    config::Settings,
    domain::{
        Balance, GenerationRequest, HostedImage, ImageUpload, OutputKind, ProviderId,
        SubmittedTask, TaskRef, TaskSnapshot, TaskStatus,
    },
    error::ProviderError,
    journal::Journal,
    mcp::SeedanceServer,
    providers::{Capabilities, CreateCall, Download, Provider, SubmissionKey},
    service::{ProgressSink, Service, WaitProgress, Waiting},
};
use serde_json::{Value, json};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// What the row does after the faults are scripted.
#[derive(Debug, Clone, Copy)]
enum Action {
    /// get_task on a task submitted before the faults.
    GetTask,
    /// get_balance.
    Balance,
    /// submit_task.
    Submit,
}

/// What the agent must see.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// A normal result: the fault was absorbed (retried).
    Ok,
    /// An `isError` result of this kind whose text contains these words.
    Error(&'static str, &'static [&'static str]),
    /// get_task succeeded but could not save: `download_error` contains these words.
    NotSaved(&'static [&'static str]),
}

struct Row {
    name: &'static str,
    faults: Vec<(&'static str, Fault)>,
    action: Action,
    expect: Expect,
}

fn status(status: u16, retry_after_secs: Option<u64>) -> Fault {
    Fault::Status {
        status,
        retry_after_secs,
    }
}

fn rows() -> Vec<Row> {
    let slow = Fault::Slow(Duration::from_millis(2500));
    vec![
        Row {
            name: "503 burst on status reads is retried",
            faults: vec![
                ("tasks/query", status(503, None)),
                ("tasks/query", status(503, None)),
            ],
            action: Action::GetTask,
            expect: Expect::Ok,
        },
        Row {
            name: "429 with Retry-After on status is waited out",
            faults: vec![("tasks/query", status(429, Some(1)))],
            action: Action::GetTask,
            expect: Expect::Ok,
        },
        Row {
            name: "503 that outlasts the retries says try later",
            faults: vec![("tasks/query", status(503, None)); 3],
            action: Action::GetTask,
            expect: Expect::Error("upstream_error", &["503"]),
        },
        Row {
            name: "429 on balance is retried",
            faults: vec![("balance", status(429, Some(1)))],
            action: Action::Balance,
            expect: Expect::Ok,
        },
        Row {
            name: "503 on create is not retried and is journalled as unknown",
            faults: vec![("tasks/create", status(503, None))],
            action: Action::Submit,
            expect: Expect::Error("upstream_error", &["Do not submit again", "list_tasks"]),
        },
        Row {
            name: "connection dropped after the provider created and charged the task",
            faults: vec![("tasks/create", Fault::DropAfterForwarding)],
            action: Action::Submit,
            expect: Expect::Error("upstream_error", &["may still have created", "list_tasks"]),
        },
        Row {
            name: "create answer slower than the timeout",
            faults: vec![("tasks/create", slow.clone())],
            action: Action::Submit,
            expect: Expect::Error("upstream_error", &["Do not submit again"]),
        },
        Row {
            name: "one slow status read is retried",
            faults: vec![("tasks/query", slow.clone())],
            action: Action::GetTask,
            expect: Expect::Ok,
        },
        Row {
            name: "status reads that all time out",
            faults: vec![("tasks/query", slow.clone()); 3],
            action: Action::GetTask,
            expect: Expect::Error("upstream_error", &["timed out"]),
        },
        Row {
            name: "malformed JSON",
            faults: vec![("tasks/query", Fault::MalformedJson)],
            action: Action::GetTask,
            expect: Expect::Error("upstream_error", &["could not read"]),
        },
        Row {
            name: "an HTML error page is retried like any 502",
            faults: vec![("tasks/query", Fault::HtmlErrorPage)],
            action: Action::GetTask,
            expect: Expect::Ok,
        },
        Row {
            name: "HTML error pages that persist are reported without the HTML",
            faults: vec![("tasks/query", Fault::HtmlErrorPage); 3],
            action: Action::GetTask,
            expect: Expect::Error("upstream_error", &["502"]),
        },
        Row {
            name: "a 50 MB body where JSON was expected is refused unread",
            faults: vec![("balance", Fault::HugeBody(50 * 1024 * 1024))],
            action: Action::Balance,
            expect: Expect::Error("upstream_error", &["larger than"]),
        },
        Row {
            name: "a result URL that 404s",
            faults: vec![("/cdn/", status(404, None))],
            action: Action::GetTask,
            expect: Expect::NotSaved(&["404"]),
        },
        Row {
            name: "a download cut halfway",
            faults: vec![("/cdn/", Fault::CutBodyHalfway)],
            action: Action::GetTask,
            expect: Expect::NotSaved(&["download"]),
        },
    ]
}

fn xskill_via(proxy: &FaultProxy, fake: &FakeXskill, out: &std::path::Path) -> Settings {
    Settings {
        api_timeout_secs: 1,
        ..settings(out)
    }
    .with_provider("xskill", fake.api_key(), &proxy.base_url())
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

#[tokio::test]
async fn every_fault_leaves_a_clear_answer_nothing_lost_and_nothing_paid_twice() {
    // Each row has its own fake, proxy, journal and server, so they run at once.
    let rows = rows();
    let outcomes = futures_util::future::join_all(rows.iter().map(run)).await;
    let failures: Vec<String> = rows
        .iter()
        .zip(outcomes)
        .filter_map(|(row, outcome)| outcome.err().map(|p| format!("{}: {p}", row.name)))
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

async fn run(row: &Row) -> Result<(), String> {
    let fake = FakeXskill::start_with(FakeXskillConfig {
        pending_polls: 0,
        processing_polls: 0,
        result_bytes: vec![7; 256 * 1024],
        ..FakeXskillConfig::default()
    })
    .await
    .unwrap();
    let proxy = FaultProxy::start(&fake.base_url()).await.unwrap();
    fake.link_results_via(&proxy.base_url());
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&xskill_via(&proxy, &fake, out.path()))).await;
    let prompt = json!({"prompt": format!("fault row: {}", row.name), "duration": 4});
    let task_id = match row.action {
        Action::GetTask => {
            let (err, submitted) = call(&client, "submit_task", prompt.clone()).await;
            if err {
                return Err(format!("setup submit failed: {submitted}"));
            }
            Some(submitted["task_id"].as_str().unwrap().to_owned())
        }
        _ => None,
    };
    for (path, fault) in &row.faults {
        proxy.inject(path, fault.clone());
    }
    let started = Instant::now();
    let (err, answer) = match row.action {
        Action::GetTask => call(&client, "get_task", json!({"task_id": task_id})).await,
        Action::Balance => call(&client, "get_balance", json!({})).await,
        Action::Submit => call(&client, "submit_task", prompt.clone()).await,
    };
    let took = started.elapsed();
    if took > Duration::from_secs(50) {
        return Err(format!(
            "the call took {took:?}; clients give up after ~60 s"
        ));
    }
    match row.expect {
        Expect::Ok if err => return Err(format!("expected a result, got {answer}")),
        Expect::Ok => {}
        Expect::Error(kind, words) => {
            let message = text(&answer);
            if !err || !message.starts_with(&format!("{kind}:")) {
                return Err(format!("expected a {kind} error, got {answer}"));
            }
            for word in words {
                if !message.contains(word) {
                    return Err(format!("the error does not say {word:?}: {message}"));
                }
            }
            if message.contains("<html") || message.contains(fake.api_key()) {
                return Err(format!("the error leaks the page or the key: {message}"));
            }
        }
        Expect::NotSaved(words) => {
            let saved_error = answer["download_error"].as_str().unwrap_or_default();
            if err || answer["status"] != "succeeded" || saved_error.is_empty() {
                return Err(format!(
                    "expected succeeded with a download_error, got {answer}"
                ));
            }
            for word in words {
                if !saved_error.contains(word) {
                    return Err(format!(
                        "download_error does not say {word:?}: {saved_error}"
                    ));
                }
            }
            let leftovers: Vec<_> = std::fs::read_dir(out.path())
                .unwrap()
                .filter_map(Result::ok)
                .filter(|e| e.path().is_file())
                .collect();
            if !leftovers.is_empty() {
                return Err(format!("partial files left behind: {leftovers:?}"));
            }
        }
    }
    // Never paid twice: at most one create reached the provider per submit.
    let submits = if matches!(row.action, Action::GetTask) {
        1
    } else {
        0
    } + usize::from(matches!(row.action, Action::Submit));
    if fake.created_tasks().len() > submits || proxy.count("tasks/create") > submits {
        return Err(format!(
            "{} tasks created, {} create requests, for {submits} submit(s)",
            fake.created_tasks().len(),
            proxy.count("tasks/create")
        ));
    }
    // Nothing lost: every task the provider charged for is in the journal, and
    // once the faults are gone the agent reaches its files.
    let (_, listed) = call(&client, "list_tasks", json!({})).await;
    let journalled = listed["tasks"].as_array().cloned().unwrap_or_default();
    if journalled.len() < fake.created_tasks().len() {
        return Err(format!("charged tasks missing from the journal: {listed}"));
    }
    if let Some(task_id) = task_id {
        let (err, again) = call(&client, "get_task", json!({"task_id": task_id})).await;
        if err || again["local_files"].as_array().is_none_or(Vec::is_empty) {
            return Err(format!(
                "after the fault the task was not recovered: {again}"
            ));
        }
    }
    if matches!(row.action, Action::Submit) && err {
        let state = journalled.first().map(|t| t["submit_state"].clone());
        if state != Some(json!("outcome_unknown")) {
            return Err(format!(
                "an ambiguous create must be journalled as outcome_unknown: {listed}"
            ));
        }
        // A second identical submit is refused as a duplicate, not paid again.
        let (err, again) = call(&client, "submit_task", prompt).await;
        if !err || !text(&again).starts_with("duplicate_submission") {
            return Err(format!(
                "a resubmit after an unknown outcome was not refused: {again}"
            ));
        }
    }
    Ok(())
}

/// Where the provider honours idempotency keys, a create whose answer was lost is
/// re-sent with the same key and returns the original task: one charge, no error.
#[tokio::test]
async fn a_lost_create_answer_is_recovered_by_the_idempotency_key() {
    let fake = FakeSeedance2ai::start().await.unwrap();
    let proxy = FaultProxy::start(&fake.origin()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let api = fake
        .base_url()
        .trim_start_matches(&fake.origin())
        .to_owned();
    let settings = Settings {
        api_timeout_secs: 1,
        ..settings(out.path())
    }
    .with_provider(
        "seedance2ai",
        fake.api_key(),
        &format!("{}{api}", proxy.base_url()),
    );
    let client = connect(server(&settings)).await;
    proxy.inject("/video/", Fault::DropAfterForwarding);
    let (err, submitted) = call(
        &client,
        "submit_task",
        json!({"prompt": "a lost answer", "duration": 5}),
    )
    .await;
    assert!(!err, "{submitted}");
    assert_eq!(proxy.count("/video/"), 2, "{:?}", proxy.seen());
    assert_eq!(fake.created_tasks().len(), 1, "charged once");
    assert_eq!(submitted["task_id"], json!(fake.created_tasks()[0].id));
}

/// A provider that turns slow in the middle of a wait must not hold the call past
/// the wait it asked for (clients give up after about 60 s): the last answer stands.
/// The deadlines are the service's own, so this runs in process on tokio's paused
/// clock, with the provider slowed by a wrapper rather than over a socket.
#[tokio::test(start_paused = true)]
async fn a_slow_provider_does_not_hold_a_waiting_call_past_its_wait() {
    let out = tempfile::tempdir().unwrap();
    // A simulated task that stays queued for the whole test.
    let settings = Settings {
        sim_seconds: 3000.0,
        ..settings(out.path())
    };
    let (sim, submitter) = common::service(&settings);
    let submitted = submitter
        .submit(&serde_json::from_value(json!({"prompt": "a slow day", "duration": 4})).unwrap())
        .await
        .unwrap();
    let task_id = submitted.task_id.unwrap();
    // A second server with a journal of its own (another machine) knows nothing
    // of the task, so it checks on the schedule of a typical-aged task: at once,
    // then about 11 s later. (A restart would know its age from the journal.)
    let elsewhere = tempfile::tempdir().unwrap();
    let slow = Arc::new(SlowTasks::new(sim.clone()));
    let waiter = connect(server_over(slow.clone(), elsewhere.path())).await;
    let (err, first) = call(&waiter, "get_task", json!({"task_id": task_id})).await;
    assert!(!err, "{first}");
    slow.delay_by(Duration::from_secs(60));
    let started = Instant::now();
    let (err, task) = call(
        &waiter,
        "get_task",
        json!({"task_id": task_id, "wait_seconds": 15}),
    )
    .await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(15 + 5 + 3), "held for {took:?}");
    assert!(
        !err && task["status"] == "queued",
        "the last answer stands: {task}"
    );
    assert_eq!(slow.checks(), 2);

    // A first check that hangs ends with a clear error, also within bounds.
    let slow = Arc::new(SlowTasks::new(sim));
    slow.delay_by(Duration::from_secs(60));
    let again = connect(server_over(slow, elsewhere.path())).await;
    let started = Instant::now();
    let (err, task) = call(
        &again,
        "get_task",
        json!({"task_id": task_id, "wait_seconds": 5}),
    )
    .await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(20 + 5 + 3), "held for {took:?}");
    assert!(err && text(&task).contains("no answer within"), "{task}");
}

/// Progress messages heard during a wait.
#[derive(Default)]
struct Heard(std::sync::Mutex<Vec<String>>);

#[async_trait::async_trait]
impl ProgressSink for Heard {
    async fn report(&self, progress: &WaitProgress) {
        self.0.lock().unwrap().push(progress.message());
    }
}

/// Within a wait, failed status reads are no news: the wait goes on (saying the
/// provider is having trouble) and returns the finished task. Reads outside a
/// wait are not affected by this; their retries live in the API client.
#[tokio::test(start_paused = true)]
async fn a_waiting_get_task_rides_out_four_503s_and_returns_the_finished_task() {
    let out = tempfile::tempdir().unwrap();
    let settings = Settings {
        sim_seconds: 30.0,
        ..settings(out.path())
    };
    let (sim, submitter) = common::service(&settings);
    let submitted = submitter
        .submit(&serde_json::from_value(json!({"prompt": "a windy pier", "duration": 4})).unwrap())
        .await
        .unwrap();
    let task_id = submitted.task_id.unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    // Checks of a typical-aged 20 s task come at 0, 4, 8, 13, 19, 24 s, ...
    let flaky = Arc::new(SlowTasks::new(sim).typically(Duration::from_secs(20)));
    flaky.fail_next(4);
    let journal = Journal::open(&elsewhere.path().join(".journal")).unwrap();
    let waiter = Service::new(flaky.clone(), elsewhere.path().to_owned(), journal);
    let heard = Heard::default();
    let never = CancellationToken::new();
    let started = Instant::now();
    let task = waiter
        .get_task_waiting(
            &task_id,
            Waiting {
                up_to: Duration::from_secs(50),
                cancel: &never,
                progress: Some(&heard),
            },
        )
        .await
        .unwrap();
    assert_eq!(task.status.as_str(), "succeeded", "{task:?}");
    assert!(task.provider_trouble.is_none(), "the last read went well");
    assert!(
        flaky.checks() >= 6,
        "four failures, then answers: {}",
        flaky.checks()
    );
    assert!(started.elapsed() <= Duration::from_secs(50));
    let heard = heard.0.lock().unwrap();
    assert!(
        heard
            .iter()
            .any(|m| m.contains("having trouble") && m.contains("503")),
        "{heard:?}"
    );
}

/// A provider that keeps failing: the wait lasts its full time, then answers with
/// the last status known (here, the journal's) and what went wrong, never a word
/// about creating anything.
#[tokio::test(start_paused = true)]
async fn a_wait_on_a_failing_provider_answers_at_its_deadline_with_the_last_known_status() {
    let out = tempfile::tempdir().unwrap();
    let settings = Settings {
        sim_seconds: 3000.0,
        ..settings(out.path())
    };
    let (sim, submitter) = common::service(&settings);
    let submitted = submitter
        .submit(
            &serde_json::from_value(json!({"prompt": "a quiet harbour", "duration": 4})).unwrap(),
        )
        .await
        .unwrap();
    let task_id = submitted.task_id.unwrap();
    let flaky = Arc::new(SlowTasks::new(sim).typically(Duration::from_secs(20)));
    flaky.fail_next(1000);
    // Same journal as the submitter: it knows the task is queued.
    let client = connect(server_over(flaky.clone(), out.path())).await;
    let started = Instant::now();
    let (err, task) = call(
        &client,
        "get_task",
        json!({"task_id": task_id, "wait_seconds": 40}),
    )
    .await;
    let took = started.elapsed();
    assert!(!err, "{task}");
    assert!(
        took >= Duration::from_secs(30) && took <= Duration::from_secs(45),
        "{took:?}"
    );
    assert_eq!(task["status"], "queued");
    let trouble = task["provider_trouble"].as_str().unwrap_or_default();
    assert!(trouble.contains("503"), "{task}");
    assert!(flaky.checks() >= 3, "kept asking: {}", flaky.checks());

    // Knowing nothing of the task (another journal), it says so in a read's words.
    let elsewhere = tempfile::tempdir().unwrap();
    let stranger = connect(server_over(flaky.clone(), elsewhere.path())).await;
    let (err, answer) = call(
        &stranger,
        "get_task",
        json!({"task_id": task_id, "wait_seconds": 20}),
    )
    .await;
    let said = text(&answer);
    assert!(err && said.starts_with("upstream_error"), "{said}");
    assert!(
        said.contains("could be read") && said.contains("not affected"),
        "{said}"
    );
    assert!(
        !said.to_lowercase().contains("created"),
        "a read never speaks of creating: {said}"
    );
}

/// A status word no one knows counts as running, shown in the provider's words,
/// for a bounded time; after an hour the task is reported as it stands, so an
/// agent is never left polling forever.
#[tokio::test(start_paused = true)]
async fn an_unknown_status_word_is_running_for_an_hour_then_reported_in_the_providers_words() {
    let out = tempfile::tempdir().unwrap();
    let settings = Settings {
        sim_seconds: 3000.0,
        ..settings(out.path())
    };
    let (sim, _) = common::service(&settings);
    let strange = Arc::new(SlowTasks::new(sim));
    strange.say("warming_up");
    let journal = Journal::open(&out.path().join(".journal")).unwrap();
    let service = Service::new(strange.clone(), out.path().to_owned(), journal);
    let task_id = service
        .submit(&serde_json::from_value(json!({"prompt": "an odd word", "duration": 4})).unwrap())
        .await
        .unwrap()
        .task_id
        .unwrap();
    let early = service.get_task(&task_id).await.unwrap();
    assert_eq!(early.status, TaskStatus::Running);
    assert!(!early.finished);
    assert_eq!(early.provider_status.as_deref(), Some("warming_up"));
    assert!(
        early.next_step.contains("warming_up"),
        "{}",
        early.next_step
    );

    tokio::time::advance(Duration::from_secs(61 * 60)).await;
    let late = service.get_task(&task_id).await.unwrap();
    assert_eq!(late.status, TaskStatus::Failed, "{late:?}");
    assert!(late.finished);
    let failure = late.failure.unwrap();
    assert!(
        failure.message.contains("warming_up") && failure.message.contains("dashboard"),
        "{}",
        failure.message
    );
}

/// An MCP server over `provider`, journalling in `dir`.
fn server_over(provider: Arc<dyn Provider>, dir: &std::path::Path) -> SeedanceServer {
    let journal = Journal::open(&dir.join(".journal")).unwrap();
    SeedanceServer::new(Service::new(provider, dir.to_owned(), journal), None)
}

/// A provider whose status answers can be slowed down or fail with a 503; it
/// counts them.
#[derive(Debug)]
struct SlowTasks {
    inner: Arc<dyn Provider>,
    delay: std::sync::Mutex<Duration>,
    checks: AtomicUsize,
    failures_left: AtomicUsize,
    typical: Duration,
    strange_word: std::sync::Mutex<Option<String>>,
}

impl SlowTasks {
    fn new(inner: Arc<dyn Provider>) -> Self {
        Self {
            inner,
            delay: std::sync::Mutex::new(Duration::ZERO),
            checks: AtomicUsize::new(0),
            failures_left: AtomicUsize::new(0),
            typical: Duration::from_secs(90),
            strange_word: std::sync::Mutex::new(None),
        }
    }

    /// Tasks answer with this status word, which no one knows.
    fn say(&self, word: &str) {
        *self.strange_word.lock().unwrap() = Some(word.to_owned());
    }

    /// Tasks of this provider usually take `typical` (the schedule follows it).
    fn typically(mut self, typical: Duration) -> Self {
        self.typical = typical;
        self
    }

    /// The next `n` status reads answer 503.
    fn fail_next(&self, n: usize) {
        self.failures_left.store(n, Ordering::SeqCst);
    }

    fn delay_by(&self, delay: Duration) {
        *self.delay.lock().unwrap() = delay;
    }

    /// Status queries asked, answered or not.
    fn checks(&self) -> usize {
        self.checks.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl Provider for SlowTasks {
    fn id(&self) -> ProviderId {
        self.inner.id()
    }
    fn capabilities(&self) -> &'static Capabilities {
        self.inner.capabilities()
    }
    fn typical_duration(&self, kind: OutputKind) -> Duration {
        // As slow as a real provider, so the schedule is a real provider's.
        let _ = kind;
        self.typical
    }
    async fn submit(
        &self,
        request: &GenerationRequest,
        key: &SubmissionKey,
    ) -> Result<SubmittedTask, ProviderError> {
        self.inner.submit(request, key).await
    }
    fn create_call(&self, request: &GenerationRequest) -> Result<CreateCall, ProviderError> {
        self.inner.create_call(request)
    }
    async fn task(&self, task: &TaskRef) -> Result<TaskSnapshot, ProviderError> {
        self.checks.fetch_add(1, Ordering::SeqCst);
        let failing = self
            .failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            return Err(ProviderError::Upstream {
                provider: self.id(),
                status: Some(503),
                message: "HTTP 503: service unavailable".into(),
            });
        }
        let delay = *self.delay.lock().unwrap();
        tokio::time::sleep(delay).await;
        let mut snapshot = self.inner.task(task).await?;
        if let Some(word) = self.strange_word.lock().unwrap().clone() {
            (snapshot.status, snapshot.provider_status) = TaskStatus::from_word(&word, |_| None);
        }
        Ok(snapshot)
    }
    async fn upload_image(&self, image: &ImageUpload) -> Result<HostedImage, ProviderError> {
        self.inner.upload_image(image).await
    }
    async fn balance(&self) -> Result<Balance, ProviderError> {
        self.inner.balance().await
    }
    async fn download(&self, url: &str) -> Result<Download, ProviderError> {
        self.inner.download(url).await
    }
}
