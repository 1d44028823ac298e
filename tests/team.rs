//! A team server: replicas over streamable HTTP on one PostgreSQL journal and one
//! shared output folder, with users who hold their own tokens. Each user sees
//! only their own tasks, resources and files, on every replica; another user's
//! task answers exactly like an unknown one; a user's limits hold even when two
//! replicas take their calls at the same instant. Skipped, saying so, without a
//! PostgreSQL server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{net::SocketAddr, path::Path};

use provider_fakes::{
    FakeControl,
    ark::{FakeArk, FakeArkConfig},
};
use rmcp::{
    RoleClient, ServiceExt,
    model::ReadResourceRequestParams,
    service::RunningService,
    transport::{
        StreamableHttpClientTransport, streamable_http_client::StreamableHttpClientTransportConfig,
    },
};
use seedance_mcp::{
    domain::TaskStatus,
    journal::{
        Journal,
        tokens::{LimitsChange, NewToken},
    },
    mcp::transport::serve_http,
    service::{GetTaskOutput, ListTasksOutput, SubmitTaskOutput},
};
use serde_json::json;
use tokio_util::sync::CancellationToken;

type Client = RunningService<RoleClient, ()>;

/// A replica serving HTTP on loopback: its own data folder, the shared output
/// folder `out`, the journal at `url`.
async fn replica_with(
    fake: &FakeArk,
    out: &Path,
    url: &str,
    stop: &CancellationToken,
    http: seedance_mcp::config::http::HttpConfig,
) -> SocketAddr {
    let data = tempfile::tempdir().unwrap().keep();
    let mut settings = common::ark_settings(fake, out);
    settings.data_dir = Some(data);
    // The whole output folder is allowed: the users' fence must still hold.
    settings.allowed_dirs = Some(out.as_os_str().to_owned());
    let server = common::replica(&settings, url).await;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let stop = stop.clone();
    tokio::spawn(async move {
        serve_http(server, "127.0.0.1:0".parse().unwrap(), http, stop, Some(tx)).await
    });
    rx.await.unwrap()
}

async fn client(addr: SocketAddr, token: &str) -> Client {
    let config = StreamableHttpClientTransportConfig::with_uri(format!("http://{addr}/mcp"))
        .auth_header(token);
    ().serve(StreamableHttpClientTransport::from_config(config))
        .await
        .unwrap()
}

async fn token_for(journal: &Journal, user: &str) -> String {
    journal
        .create_token(NewToken {
            user: user.into(),
            daily_budget: None,
            max_cost_per_task: None,
        })
        .await
        .unwrap()
        .1
}

/// Two replicas on one journal and one shared output folder, and two users
/// with tokens, ana and bo; the replicas stop when it is dropped.
struct Team {
    journal: Journal,
    ana: String,
    bo: String,
    out: tempfile::TempDir,
    stop: CancellationToken,
    a: SocketAddr,
    b: SocketAddr,
}

impl Team {
    async fn start(
        fake: &FakeArk,
        url: &str,
        http: seedance_mcp::config::http::HttpConfig,
    ) -> Self {
        let journal = Journal::connect(url).await.unwrap();
        let (ana, bo) = (
            token_for(&journal, "ana").await,
            token_for(&journal, "bo").await,
        );
        let out = tempfile::tempdir().unwrap();
        let stop = CancellationToken::new();
        let a = replica_with(fake, out.path(), url, &stop, http.clone()).await;
        let b = replica_with(fake, out.path(), url, &stop, http).await;
        Self {
            journal,
            ana,
            bo,
            out,
            stop,
            a,
            b,
        }
    }
}

impl Drop for Team {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// The error text with `id` written as `ID`, so answers about two ids compare.
fn with_id_hidden(text: &str, id: &str) -> String {
    text.replace(id, "ID")
}

/// Status reads of `task_id` the fake has seen.
fn reads_of(fake: &FakeArk, task_id: &str) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains(task_id))
        .count()
}

#[tokio::test]
async fn each_user_sees_only_their_own_tasks_and_files_on_every_replica() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let fake = FakeArk::start_with(FakeArkConfig {
        queued_polls: 0,
        running_polls: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    let team = Team::start(&fake, &url, Default::default()).await;
    let out = &team.out;
    let (ana, bo, a, b) = (team.ana.clone(), team.bo.clone(), team.a, team.b);

    let ana_a = client(a, &ana).await;
    let submitted: SubmitTaskOutput = common::call_ok(
        &ana_a,
        "submit_task",
        json!({"prompt": "a lighthouse at dusk", "duration": 5}),
    )
    .await;
    let task_id = submitted.task_id.unwrap();
    let mut done: Option<GetTaskOutput> = None;
    for _ in 0..10 {
        let seen: GetTaskOutput =
            common::call_ok(&ana_a, "get_task", json!({"task_id": task_id})).await;
        if seen.finished {
            done = Some(seen);
            break;
        }
    }
    let done = done.expect("the task finished");
    assert_eq!(done.status, TaskStatus::Succeeded, "{done:?}");
    // Saved in ana's own folder of the shared output folder, and linked for download.
    assert!(
        done.local_files[0].starts_with(out.path().join("ana")),
        "{:?}",
        done.local_files
    );
    let download = done.download_urls[0].clone();
    assert!(
        download.starts_with(&format!("http://{a}/files/")),
        "{download}"
    );
    assert!(done.next_step.contains(&download), "{}", done.next_step);

    // Bo, on the other replica, sees none of it, and ana's task answers as an unknown one does.
    let bo_b = client(b, &bo).await;
    let listed: ListTasksOutput = common::call_ok(&bo_b, "list_tasks", json!({})).await;
    assert!(listed.tasks.is_empty(), "{listed:?}");
    let reads_before = reads_of(&fake, &task_id);
    for tool in ["get_task", "cancel_task"] {
        let theirs = common::call_err(&bo_b, tool, json!({"task_id": task_id})).await;
        let nobodys =
            common::call_err(&bo_b, tool, json!({"task_id": "cgt-20260101000000-zzzzz"})).await;
        assert_eq!(
            with_id_hidden(&theirs, &task_id),
            with_id_hidden(&nobodys, "cgt-20260101000000-zzzzz"),
            "{tool}"
        );
    }
    // Nor can bo reach ana's file by its path on the server.
    let path = done.local_files[0].display().to_string();
    let fenced = common::call_err(
        &bo_b,
        "extract_frame",
        json!({"source": path, "at": "first"}),
    )
    .await;
    assert!(fenced.contains("another user's folder"), "{fenced}");
    // Not even the provider was asked on bo's behalf (it would know the task).
    assert_eq!(reads_of(&fake, &task_id), reads_before);
    let resources = bo_b.list_all_resources().await.unwrap();
    assert!(
        resources
            .iter()
            .all(|r| !r.uri.starts_with("seedance://tasks/")),
        "{resources:?}"
    );
    let uri = done.resource_uris[0].clone();
    let read = bo_b
        .read_resource(ReadResourceRequestParams::new(uri.clone()))
        .await;
    assert!(read.is_err(), "bo read ana's file: {read:?}");

    // The download route: ana's token gets the bytes from either replica, bo's a 404 as for
    // nothing at all, no token a 401.
    let http = reqwest::Client::new();
    let on_b = download.replace(&a.to_string(), &b.to_string());
    let get = |url: &str, token: Option<&str>| {
        let mut request = http.get(url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let ana_gets = get(&on_b, Some(&ana)).await.unwrap();
    assert_eq!(ana_gets.status(), 200);
    assert!(
        ana_gets
            .headers()
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=")
    );
    let bytes = ana_gets.bytes().await.unwrap();
    assert_eq!(bytes.as_ref(), std::fs::read(&done.local_files[0]).unwrap());
    let ranged = http
        .get(&on_b)
        .bearer_auth(&ana)
        .header("Range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.bytes().await.unwrap().len(), 10);
    assert_eq!(get(&on_b, Some(&bo)).await.unwrap().status(), 404);
    let missing = format!("http://{b}/files/999999/1");
    assert_eq!(get(&missing, Some(&bo)).await.unwrap().status(), 404);
    assert_eq!(get(&on_b, None).await.unwrap().status(), 401);

    // Ana on the other replica finds her task, answered from the journal.
    let ana_b = client(b, &ana).await;
    let listed: ListTasksOutput = common::call_ok(&ana_b, "list_tasks", json!({})).await;
    assert_eq!(listed.tasks.len(), 1, "{listed:?}");
    let again: GetTaskOutput =
        common::call_ok(&ana_b, "get_task", json!({"task_id": task_id})).await;
    assert_eq!(again.status, TaskStatus::Succeeded);
    assert!(again.download_urls[0].starts_with(&format!("http://{b}/files/")));
    let read = ana_b
        .read_resource(ReadResourceRequestParams::new(uri))
        .await
        .unwrap();
    assert_eq!(read.contents.len(), 1);

    // The same request from two users is two tasks: a duplicate is only ever one's own.
    let twin: SubmitTaskOutput = common::call_ok(
        &bo_b,
        "submit_task",
        json!({"prompt": "a lighthouse at dusk", "duration": 5}),
    )
    .await;
    assert_ne!(twin.task_id.as_deref(), Some(task_id.as_str()));
    assert_eq!(fake.create_calls(), 2);
    for c in [ana_a, bo_b, ana_b] {
        c.cancel().await.unwrap();
    }
}

#[tokio::test]
async fn a_users_limits_hold_across_replicas_even_when_two_calls_race() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let fake = FakeArk::start().await.unwrap();
    let team = Team::start(&fake, &url, Default::default()).await;
    let journal = &team.journal;
    let (ana, bo, a, b) = (team.ana.clone(), team.bo.clone(), team.a, team.b);
    let (ana_a, ana_b) = (client(a, &ana).await, client(b, &ana).await);

    let priced: SubmitTaskOutput = common::call_ok(
        &ana_a,
        "submit_task",
        json!({"prompt": "price check", "duration": 5, "dry_run": true}),
    )
    .await;
    let each = priced.estimated_price.unwrap().amount;
    // Room for one 5 s task a day, not two.
    journal
        .change_user_limits(
            "ana".into(),
            LimitsChange {
                daily_budget: Some(Some(each * 1.5)),
                max_cost_per_task: None,
            },
        )
        .await
        .unwrap();
    let (one, two) = tokio::join!(
        common::call(
            &ana_a,
            "submit_task",
            json!({"prompt": "a red kite", "duration": 5})
        ),
        common::call(
            &ana_b,
            "submit_task",
            json!({"prompt": "a blue kite", "duration": 5})
        ),
    );
    let refused: Vec<_> = [one, two]
        .into_iter()
        .filter(|(is_error, _)| *is_error)
        .collect();
    assert_eq!(
        refused.len(),
        1,
        "exactly one of the racing calls is refused"
    );
    let text = refused[0].1.to_string();
    assert!(
        text.contains("spend_limit") && text.contains("daily budget"),
        "{text}"
    );
    assert_eq!(fake.create_calls(), 1);

    // A per-task cap is the administrator's: confirm_cost does not lift it.
    journal
        .change_user_limits(
            "bo".into(),
            LimitsChange {
                daily_budget: None,
                max_cost_per_task: Some(Some(each / 2.0)),
            },
        )
        .await
        .unwrap();
    let bo_b = client(b, &bo).await;
    let capped = common::call_err(
        &bo_b,
        "submit_task",
        json!({"prompt": "a green kite", "duration": 5, "confirm_cost": each}),
    )
    .await;
    assert!(capped.contains("per task"), "{capped}");
    // The dry run says so before anything is sent.
    let preview: SubmitTaskOutput = common::call_ok(
        &bo_b,
        "submit_task",
        json!({"prompt": "a green kite", "duration": 5, "dry_run": true}),
    )
    .await;
    assert!(
        preview.next_step.contains("per task"),
        "{}",
        preview.next_step
    );
    assert_eq!(fake.create_calls(), 1);
    for c in [ana_a, ana_b, bo_b] {
        c.cancel().await.unwrap();
    }
}

/// Without sessions (a load balancer's mode) each request is its caller's all the same.
#[tokio::test]
async fn a_stateless_replica_keeps_users_apart_request_by_request() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let fake = FakeArk::start().await.unwrap();
    let http = seedance_mcp::config::http::HttpConfig {
        stateless: true,
        ..Default::default()
    };
    let team = Team::start(&fake, &url, http).await;
    let (ana, bo, a, b) = (team.ana.clone(), team.bo.clone(), team.a, team.b);
    let ana_a = client(a, &ana).await;
    let submitted: SubmitTaskOutput = common::call_ok(
        &ana_a,
        "submit_task",
        json!({"prompt": "a swing on an oak", "duration": 5}),
    )
    .await;
    let task_id = submitted.task_id.unwrap();
    let bo_b = client(b, &bo).await;
    let listed: ListTasksOutput = common::call_ok(&bo_b, "list_tasks", json!({})).await;
    assert!(listed.tasks.is_empty(), "{listed:?}");
    let refused = common::call_err(&bo_b, "get_task", json!({"task_id": task_id})).await;
    assert!(refused.contains("among your tasks"), "{refused}");
    let ana_b = client(b, &ana).await;
    let listed: ListTasksOutput = common::call_ok(&ana_b, "list_tasks", json!({})).await;
    assert_eq!(listed.tasks.len(), 1, "{listed:?}");
    for c in [ana_a, bo_b, ana_b] {
        c.cancel().await.unwrap();
    }
}
