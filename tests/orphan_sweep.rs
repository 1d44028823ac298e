//! A replica killed in the middle of a submit loses nothing: another replica on
//! the same PostgreSQL journal, still running and never restarted, settles the
//! submission once it is old enough that no live replica can still be sending it,
//! and only one replica settles it. A replica that starts meanwhile leaves a
//! younger submission alone. The replicas are the real binary serving HTTP, with
//! the orphan age and the sweep period shortened through their test hooks.
//! Skipped, saying so, without a PostgreSQL server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{
    path::Path,
    time::{Duration, Instant},
};

use common::{HttpBinary, call_ok};
use provider_fakes::{
    FakeControl,
    ark::{FakeArk, FakeArkConfig},
    seedance2ai::FakeSeedance2ai,
};
use rmcp::{
    RoleClient, ServiceExt,
    service::RunningService,
    transport::{
        StreamableHttpClientTransport, streamable_http_client::StreamableHttpClientTransportConfig,
    },
};
use seedance_mcp::{
    config::Config,
    domain::{OutputKind, ProviderId, TaskFacts},
    journal::{Claim, Journal, NewSubmission, SubmitState, postgres::PgJournal},
    request::SubmitTaskParams,
    service::{GetTaskOutput, ListTasksOutput, Service, TaskSummary},
    test_hooks::{CRASH_AT_ENV, ORPHAN_AGE_ENV, SENDER_STALE_ENV, SWEEP_EVERY_ENV},
};
use serde_json::json;

type Client = RunningService<RoleClient, ()>;

const POINTS: [&str; 2] = ["after_journal_write", "after_create_answer"];

/// Sweeps of the replicas that should settle orphans: a row counts as orphaned
/// after 2 s, looked for every 250 ms.
const QUICK_SWEEP: [(&str, &str); 2] = [(ORPHAN_AGE_ENV, "2"), (SWEEP_EVERY_ENV, "250")];

/// The binary serving HTTP on the journal at `url`, with results in `out`.
async fn replica(
    out: &Path,
    url: &str,
    provider: &[(&str, String)],
    extra: &[(&str, &str)],
) -> HttpBinary {
    let mut env: Vec<(String, String)> = provider
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    env.push(("SEEDANCE_DATABASE_URL".to_owned(), url.to_owned()));
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let out = out.to_owned();
    // Start-up waits on the child's log, off the runtime the fakes run on.
    tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        HttpBinary::start("127.0.0.1:0", &out, &env)
    })
    .await
    .unwrap()
}

async fn client(binary: &HttpBinary) -> Client {
    let config = StreamableHttpClientTransportConfig::with_uri(binary.url());
    ().serve(StreamableHttpClientTransport::from_config(config))
        .await
        .unwrap()
}

/// Submits on `binary`, which stops at its crash point, and SIGKILLs it there.
async fn submit_and_kill(binary: HttpBinary, prompt: &str) {
    let a = client(&binary).await;
    let arguments = json!({ "prompt": prompt });
    let call = tokio::spawn(async move {
        let _ = common::call(&a, "submit_task", arguments).await;
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while !binary.log().contains("CRASH POINT REACHED") {
        assert!(
            Instant::now() < deadline,
            "crash point never reached:\n{}",
            binary.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(binary); // SIGKILL
    call.abort();
}

/// The journal as `b` lists it.
async fn listed(b: &Client) -> Vec<TaskSummary> {
    call_ok::<ListTasksOutput, _>(b, "list_tasks", json!({}))
        .await
        .tasks
}

/// The journal as `b` lists it once no row is sending any more (or after 30 s).
async fn settled(b: &Client) -> Vec<TaskSummary> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let tasks = listed(b).await;
        if tasks.iter().all(|t| t.submit_state != SubmitState::Sending) || Instant::now() > deadline
        {
            return tasks;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_replica_resends_a_killed_replicas_submit_with_its_key_and_it_is_paid_once() {
    for point in POINTS {
        let Some(url) = common::postgres_url().await else {
            return;
        };
        let fake = FakeSeedance2ai::start().await.unwrap();
        let provider = [
            ("SEEDANCE2AI_API_KEY", fake.api_key().to_owned()),
            ("SEEDANCE2AI_BASE_URL", fake.base_url()),
        ];
        let (folder_a, folder_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let b = replica(folder_b.path(), &url, &provider, &QUICK_SWEEP).await;
        let b_client = client(&b).await;
        let a = replica(folder_a.path(), &url, &provider, &[(CRASH_AT_ENV, point)]).await;
        submit_and_kill(a, "a lighthouse in fog").await;
        let charged = usize::from(point == "after_create_answer");
        assert_eq!(fake.created_tasks().len(), charged, "{point}: as A died");

        let tasks = settled(&b_client).await;
        assert_eq!(tasks.len(), 1, "{point}: {tasks:?}");
        assert_eq!(
            tasks[0].submit_state,
            SubmitState::Created,
            "{point}: {tasks:?}"
        );
        let created = fake.created_tasks();
        assert_eq!(created.len(), 1, "{point}: exactly one task, never two");
        assert_eq!(
            tasks[0].task_id.as_deref(),
            Some(created[0].id.as_str()),
            "{point}: B's journal knows the task that was paid for"
        );
        let seen: GetTaskOutput =
            call_ok(&b_client, "get_task", json!({ "task_id": created[0].id })).await;
        assert_eq!(seen.task_id, created[0].id);
        assert!(
            b.log()
                .contains("settled submissions left by a stopped server"),
            "{point}: B's sweep did it, not a start-up:\n{}",
            b.log()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_replica_marks_a_killed_replicas_submit_without_idempotency_unknown_and_never_resends_it()
 {
    for point in POINTS {
        let Some(url) = common::postgres_url().await else {
            return;
        };
        let fake = FakeArk::start_with(FakeArkConfig::default()).await.unwrap();
        let provider = [
            ("ARK_API_KEY", fake.api_key().to_owned()),
            ("ARK_BASE_URL", fake.base_url()),
        ];
        let (folder_a, folder_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let b = replica(folder_b.path(), &url, &provider, &QUICK_SWEEP).await;
        let b_client = client(&b).await;
        let a = replica(folder_a.path(), &url, &provider, &[(CRASH_AT_ENV, point)]).await;
        submit_and_kill(a, "a kite over dunes").await;
        let charged = usize::from(point == "after_create_answer");

        let tasks = settled(&b_client).await;
        assert_eq!(tasks.len(), 1, "{point}: {tasks:?}");
        assert_eq!(
            tasks[0].submit_state,
            SubmitState::OutcomeUnknown,
            "{point}: {tasks:?}"
        );
        let note = tasks[0].note.as_deref().unwrap_or_default();
        assert!(
            note.contains("before submitting the same request again"),
            "{point}: {note}"
        );
        assert_eq!(
            fake.create_calls(),
            charged,
            "{point}: nothing re-sent blindly"
        );
    }
}

/// A sender that stopped beating is gone: its row is settled without waiting for
/// the orphan age (left at its real 15 minutes here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_senders_silence_gets_its_submit_settled_long_before_the_orphan_age() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let fake = FakeSeedance2ai::start().await.unwrap();
    let provider = [
        ("SEEDANCE2AI_API_KEY", fake.api_key().to_owned()),
        ("SEEDANCE2AI_BASE_URL", fake.base_url()),
    ];
    let (folder_a, folder_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let listening = [(SENDER_STALE_ENV, "2"), (SWEEP_EVERY_ENV, "250")];
    let b = replica(folder_b.path(), &url, &provider, &listening).await;
    let b_client = client(&b).await;
    let a = replica(
        folder_a.path(),
        &url,
        &provider,
        &[(CRASH_AT_ENV, "after_journal_write")],
    )
    .await;
    let killed = Instant::now();
    submit_and_kill(a, "a heron in the reeds").await;
    let tasks = settled(&b_client).await;
    assert_eq!(tasks[0].submit_state, SubmitState::Created, "{tasks:?}");
    assert!(
        killed.elapsed() < Duration::from_secs(20),
        "settled after {:?}",
        killed.elapsed()
    );
    assert_eq!(fake.created_tasks().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_starting_replica_and_a_running_one_leave_a_young_sending_row_alone() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let fake = FakeSeedance2ai::start().await.unwrap();
    let provider = [
        ("SEEDANCE2AI_API_KEY", fake.api_key().to_owned()),
        ("SEEDANCE2AI_BASE_URL", fake.base_url()),
    ];
    let folders = [(); 3].map(|()| tempfile::tempdir().unwrap());
    // Both sweep often, at the real orphan age: the row stays young throughout.
    let often = [(SWEEP_EVERY_ENV, "100")];
    let b = replica(folders[1].path(), &url, &provider, &often).await;
    let a = replica(
        folders[0].path(),
        &url,
        &provider,
        &[(CRASH_AT_ENV, "after_journal_write")],
    )
    .await;
    submit_and_kill(a, "a paper boat on a pond").await;
    // C starts with the row written a moment ago: to C, its sender may be alive.
    let c = replica(folders[2].path(), &url, &provider, &often).await;
    let c_client = client(&c).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let tasks = listed(&c_client).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0].submit_state, SubmitState::Sending, "{tasks:?}");
    assert_eq!(
        fake.create_calls(),
        0,
        "nothing sent on the young row's behalf"
    );
    // Some 30 sweeps that found nothing: not a line about them.
    let log = c.log();
    assert!(
        !log.contains("settl") && !log.contains("unanswered") && !log.contains("WARN"),
        "{log}"
    );
    drop(b);
}

/// A service on the PostgreSQL journal at `url`, as a replica runs it, and its
/// provider's id.
async fn service(url: &str, fake: &FakeSeedance2ai, out: &Path) -> (Service, ProviderId) {
    let settings = common::seedance2ai_settings(fake, out);
    let config = Config::from_settings(&settings).unwrap();
    let provider = config.build_provider().unwrap();
    let journal = Journal::connect(url).await.unwrap();
    let id = provider.id();
    (Service::new(provider, config.output_dir, journal), id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_sweeping_at_once_settle_an_orphan_once() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let fake = FakeSeedance2ai::start().await.unwrap();
    let (folder_a, folder_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, provider) = service(&url, &fake, folder_a.path()).await;
    let (b, _) = service(&url, &fake, folder_b.path()).await;
    // A row as a replica that died an hour ago left it.
    let params = SubmitTaskParams {
        prompt: "a heron in the reeds".into(),
        ..Default::default()
    };
    let journal = Journal::connect(&url).await.unwrap();
    let new = NewSubmission {
        provider,
        submission_key: "orphan-key-1".into(),
        fingerprint: "f".into(),
        request_json: serde_json::to_string(&params).unwrap(),
        prompt: params.prompt.clone(),
        model: "seedance-2.0-fast".into(),
        facts: TaskFacts {
            kind: OutputKind::Video,
            reference_video: false,
        },
        estimate: None,
        story: None,
        created_as: None,
        owner: None,
        owner_budget: None,
    };
    let Claim::Claimed(local_id) = journal.claim(new, None).await.unwrap() else {
        panic!("a fresh journal has no duplicate");
    };
    let raw = PgJournal::connect(&url).await.unwrap();
    raw.execute_raw("UPDATE submissions SET created_unix = created_unix - 3600")
        .await
        .unwrap();

    let (settled_a, settled_b) = tokio::join!(a.settle_orphans(), b.settle_orphans());
    assert_eq!(
        settled_a.unwrap() + settled_b.unwrap(),
        1,
        "one replica settles it"
    );
    assert_eq!(fake.create_calls(), 1, "one create sent on its behalf");
    let row = journal.by_local_id(local_id).await.unwrap().unwrap();
    assert_eq!(row.submit_state, SubmitState::Created, "{row:?}");
    // Settled rows are not orphans: later sweeps find nothing.
    assert_eq!(a.settle_orphans().await.unwrap(), 0);
}

/// A create whose outcome is unknown (a 5xx, a dropped connection) is asked about
/// again with its idempotency key by a running server, shortly after, once, by one
/// process; an old one is left alone (the provider may have forgotten its key).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_of_unknown_outcome_is_asked_again_with_its_key_while_the_key_is_fresh() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let fake = FakeSeedance2ai::start().await.unwrap();
    let (folder_a, folder_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, provider) = service(&url, &fake, folder_a.path()).await;
    let (b, _) = service(&url, &fake, folder_b.path()).await;
    let journal = Journal::connect(&url).await.unwrap();
    let mut ids = Vec::new();
    for key in ["unknown-fresh", "unknown-old"] {
        let params = SubmitTaskParams {
            prompt: format!("a crane at dawn ({key})"),
            ..Default::default()
        };
        let new = NewSubmission {
            provider,
            submission_key: key.into(),
            fingerprint: key.into(),
            request_json: serde_json::to_string(&params).unwrap(),
            prompt: params.prompt.clone(),
            model: "seedance-2.0-fast".into(),
            facts: TaskFacts {
                kind: OutputKind::Video,
                reference_video: false,
            },
            estimate: None,
            story: None,
            created_as: None,
            owner: None,
            owner_budget: None,
        };
        let Claim::Claimed(local_id) = journal.claim(new, None).await.unwrap() else {
            panic!("a fresh journal has no duplicate");
        };
        journal
            .mark_failed_submit(
                local_id,
                SubmitState::OutcomeUnknown,
                "the connection dropped".into(),
            )
            .await
            .unwrap();
        ids.push(local_id);
    }
    let raw = PgJournal::connect(&url).await.unwrap();
    raw.execute_raw(&format!(
        "UPDATE submissions SET created_unix = created_unix - 3600 WHERE local_id = {}",
        ids[1]
    ))
    .await
    .unwrap();

    let (settled_a, settled_b) = tokio::join!(a.settle_orphans(), b.settle_orphans());
    assert_eq!(
        settled_a.unwrap() + settled_b.unwrap(),
        1,
        "one process asks"
    );
    let fresh = journal.by_local_id(ids[0]).await.unwrap().unwrap();
    assert_eq!(fresh.submit_state, SubmitState::Created, "{fresh:?}");
    let created = fake.created_tasks();
    assert_eq!(created.len(), 1, "made once");
    assert_eq!(fresh.task_id.as_deref(), Some(created[0].id.as_str()));
    let old = journal.by_local_id(ids[1]).await.unwrap().unwrap();
    assert_eq!(old.submit_state, SubmitState::OutcomeUnknown, "{old:?}");
    assert_eq!(a.settle_orphans().await.unwrap(), 0, "nothing left to ask");
    assert_eq!(fake.create_calls(), 1);
}
