//! seed2.io specifics: integer ids, points, the last-seen balance, no frames mode.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{call_err, call_ok, connect, server, submit_and_wait};
use provider_fakes::{FakeControl, seed2::FakeSeed2};
use seedance_mcp::{
    domain::{Amount, TaskStatus},
    service::BalanceOutput,
};
use serde_json::json;

#[tokio::test]
async fn a_task_runs_with_an_integer_id_and_the_balance_is_the_last_one_reported() {
    let fake = FakeSeed2::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&common::seed2_settings(&fake, out.path()))).await;
    // No balance before the first create.
    let before = call_err(&client, "get_balance", json!({})).await;
    assert!(before.contains("no balance endpoint"), "{before}");
    let task = submit_and_wait(&client, json!({"prompt": "@image_file_1 rolls down a hill", "image_files": ["https://cdn.example.com/ball.png"], "duration": 5})).await;
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    assert!(task.task_id.parse::<u64>().is_ok());
    assert_eq!(task.price, Some(Amount::new(2900.0, "points")));
    let body = &fake.created_tasks()[0].body;
    assert_eq!(
        body["prompt"], "@image_file_1 rolls down a hill",
        "seed2 understands @-references as written"
    );
    let balance: BalanceOutput = call_ok(&client, "get_balance", json!({})).await;
    assert_eq!(balance.available.amount, 7100.0);
    assert!(balance.last_seen_at.as_deref().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn first_last_frames_is_refused_with_the_omni_alternative() {
    let fake = FakeSeed2::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&common::seed2_settings(&fake, out.path()))).await;
    let text = call_err(&client, "submit_task", json!({"prompt": "x", "mode": "first_last_frames", "first_frame": "https://c.example/a.png"})).await;
    assert!(text.contains("omni_reference"), "{text}");
    assert_eq!(fake.create_calls(), 0);
}
