//! seed2.io specifics: integer ids, points, the last-seen balance, no frames mode.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{call, connect, server, submit_and_wait};
use provider_fakes::{FakeControl, seed2::FakeSeed2};
use serde_json::json;

#[tokio::test]
async fn a_task_runs_with_an_integer_id_and_the_balance_is_the_last_one_reported() {
    let fake = FakeSeed2::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&common::seed2_settings(&fake, out.path()))).await;
    let (err, before) = call(&client, "get_balance", json!({})).await;
    assert!(err, "no balance before the first create: {before}");
    assert!(
        before.as_str().unwrap().contains("no balance endpoint"),
        "{before}"
    );
    let task = submit_and_wait(&client, json!({"prompt": "@image_file_1 rolls down a hill", "image_files": ["https://cdn.example.com/ball.png"], "duration": 5})).await;
    assert_eq!(task["status"], "succeeded", "{task}");
    assert!(task["task_id"].as_str().unwrap().parse::<u64>().is_ok());
    assert_eq!(task["price"], json!({"amount": 2900.0, "unit": "points"}));
    let body = &fake.created_tasks()[0].body;
    assert_eq!(
        body["prompt"], "@image_file_1 rolls down a hill",
        "seed2 understands @-references as written"
    );
    let (err, balance) = call(&client, "get_balance", json!({})).await;
    assert!(!err, "{balance}");
    assert_eq!(balance["available"]["amount"], json!(7100.0));
    assert!(balance["last_seen_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn first_last_frames_is_refused_with_the_omni_alternative() {
    let fake = FakeSeed2::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&common::seed2_settings(&fake, out.path()))).await;
    let (err, text) = call(&client, "submit_task", json!({"prompt": "x", "mode": "first_last_frames", "first_frame": "https://c.example/a.png"})).await;
    assert!(err);
    assert!(text.as_str().unwrap().contains("omni_reference"), "{text}");
    assert_eq!(fake.create_calls(), 0);
}
