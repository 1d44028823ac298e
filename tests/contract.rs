//! One contract every provider backend must pass, run against the simulator and
//! against each provider's stateful fake. A new backend adds one `#[tokio::test]`
//! per contract case by adding itself to `backends()`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{sync::Arc, time::Duration};

use futures_util::StreamExt;
use seedance_mcp::{
    error::ErrorKind,
    fakes::xskill::{FakeXskill, TaskOutcome},
    providers::{Provider, SubmissionKey},
    request::{ImageUpload, SubmitTaskParams},
    task::{TaskSnapshot, TaskStatus},
    validate,
};

/// A backend under test plus the hooks the contract needs.
struct Backend {
    name: &'static str,
    provider: Arc<dyn Provider>,
    fake: Option<FakeXskill>,
    _out: tempfile::TempDir,
}

impl Backend {
    /// A prompt whose task will fail (how depends on the backend).
    fn failing_prompt(&self) -> String {
        match &self.fake {
            Some(fake) => {
                fake.script_next_outcome(TaskOutcome::Fail(
                    "content moderation refused the output".into(),
                ));
                "a storm at sea".to_owned()
            }
            None => "a storm at sea #simulate-failure".to_owned(),
        }
    }
}

async fn backends() -> Vec<Backend> {
    let sim_out = tempfile::tempdir().unwrap();
    let (sim, _) = common::service(&common::settings(sim_out.path()));
    let fake = FakeXskill::start().await.unwrap();
    let xskill_out = tempfile::tempdir().unwrap();
    let (xskill, _) = common::service(&common::xskill_settings(&fake, xskill_out.path()));
    vec![
        Backend {
            name: "sim",
            provider: sim,
            fake: None,
            _out: sim_out,
        },
        Backend {
            name: "xskill",
            provider: xskill,
            fake: Some(fake),
            _out: xskill_out,
        },
    ]
}

fn video(prompt: &str) -> seedance_mcp::request::GenerationRequest {
    validate::submit(&SubmitTaskParams {
        prompt: prompt.into(),
        duration: Some(4),
        ..Default::default()
    })
    .unwrap()
}

async fn poll_to_end(b: &Backend, task_id: &str) -> Vec<TaskSnapshot> {
    let mut seen = Vec::new();
    for _ in 0..200 {
        let snapshot = b
            .provider
            .task(task_id)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name));
        let done = snapshot.status.is_terminal();
        seen.push(snapshot);
        if done {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{}: task {task_id} never finished", b.name);
}

#[tokio::test]
async fn a_video_task_moves_through_queued_and_running_to_succeeded_with_results() {
    for b in backends().await {
        let submitted = b
            .provider
            .submit(
                &video("a paper plane over rooftops"),
                &SubmissionKey::random(),
            )
            .await
            .unwrap();
        assert_eq!(submitted.status, TaskStatus::Queued, "{}", b.name);
        assert!(!submitted.task_id.is_empty());
        let seen = poll_to_end(&b, &submitted.task_id).await;
        let last = seen.last().unwrap();
        assert_eq!(last.status, TaskStatus::Succeeded, "{}", b.name);
        assert!(
            seen.iter().any(|s| !s.status.is_terminal()),
            "{}: never seen running",
            b.name
        );
        assert_eq!(last.result_urls.len(), 1, "{}", b.name);
        assert!(last.failure.is_none());
        assert!(
            last.result_urls[0].starts_with("https://")
                || last.result_urls[0].starts_with("http://127.0.0.1")
        );
        let mut body = b
            .provider
            .download(&last.result_urls[0])
            .await
            .unwrap()
            .body;
        let mut bytes = Vec::new();
        while let Some(chunk) = body.next().await {
            bytes.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(
            bytes.get(4..8),
            Some(&b"ftyp"[..]),
            "{}: result is not an MP4",
            b.name
        );
    }
}

#[tokio::test]
async fn the_price_is_reported_and_taken_from_the_balance() {
    for b in backends().await {
        let before = b.provider.balance().await.unwrap().available;
        assert!(!before.unit.is_empty());
        let submitted = b
            .provider
            .submit(&video("a fox in snow"), &SubmissionKey::random())
            .await
            .unwrap();
        let price = submitted
            .price
            .clone()
            .unwrap_or_else(|| panic!("{}: no price", b.name));
        assert_eq!(price.amount, 40.0, "{}: 4 s fast at 10/s", b.name);
        let after = b.provider.balance().await.unwrap().available;
        assert_eq!(after.amount, before.amount - price.amount, "{}", b.name);
        assert_eq!(
            submitted.balance_after.map(|a| a.amount),
            Some(after.amount),
            "{}",
            b.name
        );
    }
}

#[tokio::test]
async fn a_failed_task_says_why_and_is_refunded() {
    for b in backends().await {
        let before = b.provider.balance().await.unwrap().available.amount;
        let prompt = b.failing_prompt();
        let submitted = b
            .provider
            .submit(&video(&prompt), &SubmissionKey::random())
            .await
            .unwrap();
        let last = poll_to_end(&b, &submitted.task_id).await.pop().unwrap();
        assert_eq!(last.status, TaskStatus::Failed, "{}", b.name);
        let failure = last
            .failure
            .unwrap_or_else(|| panic!("{}: no failure reason", b.name));
        assert!(
            !failure.message.is_empty() && !failure.advice.is_empty(),
            "{}",
            b.name
        );
        assert!(last.result_urls.is_empty());
        assert_eq!(
            b.provider.balance().await.unwrap().available.amount,
            before,
            "{}: not refunded",
            b.name
        );
    }
}

#[tokio::test]
async fn an_unknown_task_is_not_found() {
    for b in backends().await {
        let err = b.provider.task("no-such-task").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{}: {err}", b.name);
    }
}

#[tokio::test]
async fn an_unaffordable_task_is_refused_and_costs_nothing() {
    for b in backends().await {
        let mut spent = 0;
        let long = validate::submit(&SubmitTaskParams {
            prompt: "x".into(),
            model: Some("seedance-2.0".into()),
            duration: Some(15),
            ..Default::default()
        })
        .unwrap();
        // Spend down to below the price of one more standard 15 s clip (300).
        while b.provider.balance().await.unwrap().available.amount >= 300.0 {
            b.provider
                .submit(&long, &SubmissionKey::random())
                .await
                .unwrap();
            spent += 1;
            assert!(spent < 100, "{}: balance never ran out", b.name);
        }
        let before = b.provider.balance().await.unwrap().available.amount;
        let err = b
            .provider
            .submit(&long, &SubmissionKey::random())
            .await
            .unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::InsufficientBalance,
            "{}: {err}",
            b.name
        );
        assert_eq!(b.provider.balance().await.unwrap().available.amount, before);
    }
}

#[tokio::test]
async fn an_uploaded_image_gets_a_url_and_image_tasks_return_every_image() {
    let png = seedance_mcp::providers::sim::render::render_png(
        &seedance_mcp::providers::sim::render::StillSpec {
            width: 32,
            height: 32,
            seed: 3,
            caption: "x".into(),
        },
    );
    for b in backends().await {
        let hosted = b
            .provider
            .upload_image(&ImageUpload::Bytes(png.clone()))
            .await
            .unwrap();
        assert!(hosted.url.starts_with("http"), "{}: {}", b.name, hosted.url);
        let request = validate::submit(&SubmitTaskParams {
            prompt: "a teapot".into(),
            model: Some("seedream-4.5".into()),
            num_images: Some(3),
            ..Default::default()
        })
        .unwrap();
        let submitted = b
            .provider
            .submit(&request, &SubmissionKey::random())
            .await
            .unwrap();
        let last = poll_to_end(&b, &submitted.task_id).await.pop().unwrap();
        assert_eq!(last.status, TaskStatus::Succeeded, "{}", b.name);
        assert_eq!(last.result_urls.len(), 3, "{}", b.name);
    }
}
