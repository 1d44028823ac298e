//! Hostile input, generated: arbitrary tool arguments and arbitrary provider
//! answers must never panic and never make the server allocate without bound;
//! they end in a result or a classified error.
//!
//! The case counts below are the per-run budget (`PROPTEST_CASES` raises it for
//! a longer soak); every run prints how many inputs it tried.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use provider_fakes::faults::{Fault, FaultProxy};
use seedance_mcp::{
    config::{Config, Settings},
    domain::TaskRef,
    mcp::args::Args,
    providers::{self, Provider, SubmissionKey},
    request::SubmitTaskParams,
};
use serde_json::{Map, Value, json};

/// Names the generators draw object keys from: our argument names and the
/// provider wire fields, so generated documents reach deep into the parsers.
const KEYS: &[&str] = &[
    "prompt",
    "model",
    "mode",
    "image_files",
    "video_files",
    "audio_files",
    "first_frame",
    "last_frame",
    "ratio",
    "duration",
    "resolution",
    "seed",
    "ark",
    "service_tier",
    "dry_run",
    "confirm_cost",
    "resubmit",
    "num_images",
    "image_urls",
    "code",
    "data",
    "status",
    "task_id",
    "id",
    "output",
    "result",
    "images",
    "videos",
    "url",
    "urls",
    "error",
    "message",
    "balance",
    "price",
    "content",
    "video_url",
    "last_frame_url",
    "usage",
    "total_tokens",
    "items",
    "credits_used",
    "remaining_credits",
    "points_cost",
    "progress",
    "seed",
    "created_at",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        "[ -~]{0,40}".prop_map(Value::from),
        prop::sample::select(vec![
            "succeeded",
            "completed",
            "failed",
            "running",
            "queued",
            "pending",
            "16:9",
            "9:16",
            "seedance-2.0",
            "0-3s: a",
            "@image_file_1",
            "https://x.test/a.png",
            "data:image/png;base64,AAAA",
            "../../etc/passwd",
            "",
            "\u{0}",
            "人物",
            "1080p",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|pairs| {
                Value::Object(
                    pairs
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

/// Tool arguments: an object with our argument names and arbitrary values.
fn arguments() -> impl Strategy<Value = Value> {
    prop::collection::vec((prop::sample::select(KEYS), json_value()), 0..10).prop_map(|pairs| {
        let mut object: Map<String, Value> =
            pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        object.entry("prompt").or_insert_with(|| json!("a kite"));
        Value::Object(object)
    })
}

static TRIED: AtomicUsize = AtomicUsize::new(0);

fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cases(2000))]

    /// Any arguments: parsed, validated, linted, priced and encoded, or refused
    /// with a named field; never a panic.
    #[test]
    fn any_tool_arguments_are_refused_or_accepted_without_panicking(args in arguments()) {
        TRIED.fetch_add(1, Ordering::Relaxed);
        let parsed: Args<SubmitTaskParams> = serde_json::from_value(args).unwrap();
        if let Ok(params) = parsed.parsed()
            && let Ok(request) = seedance_mcp::validate::submit(&params)
        {
            let _ = seedance_mcp::lint::lint(&request);
            for provider in OFFLINE_PROVIDERS.iter() {
                let _ = provider.capabilities().check(provider.id(), &request);
                let _ = provider.estimate(&request);
                let _ = provider.create_call(&request);
            }
        }
    }

    /// Prompts of any characters go through the linter.
    #[test]
    fn any_prompt_text_goes_through_the_linter(text in "\\PC{0,400}", duration in 4u8..=15) {
        TRIED.fetch_add(1, Ordering::Relaxed);
        let _ = seedance_mcp::lint::timed_shots(&text);
        let params = SubmitTaskParams { prompt: text, duration: Some(duration.into()), ..Default::default() };
        if let Ok(request) = seedance_mcp::validate::submit(&params) {
            let _ = seedance_mcp::lint::lint(&request);
        }
    }

    /// Arbitrary bytes as a media file: probed or refused.
    #[test]
    fn any_bytes_are_probed_or_refused(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        TRIED.fetch_add(1, Ordering::Relaxed);
        let _ = seedance_mcp::media_probe::probe_bytes(&bytes);
        let _ = seedance_mcp::providers::http::snippet(&bytes);
    }
}

/// Providers built against an address nothing listens on, once for all cases:
/// only the offline parts (checks, prices, request encoding) are used.
static OFFLINE_PROVIDERS: std::sync::LazyLock<Vec<std::sync::Arc<dyn Provider>>> =
    std::sync::LazyLock::new(|| {
        let out = std::env::temp_dir();
        providers::registry::entries()
            .map(|entry| {
                let settings = with_provider(entry.id.as_str(), "http://127.0.0.1:9", &out);
                Config::from_settings(&settings)
                    .unwrap()
                    .build_provider()
                    .unwrap()
            })
            .collect()
    });

fn with_provider(name: &str, base: &str, out: &std::path::Path) -> Settings {
    common::settings(out).with_provider(name, "sk-hostile-test-key", base)
}

/// An answer: arbitrary bytes, or a JSON document built from wire-like keys.
fn answer() -> impl Strategy<Value = (u16, Vec<u8>)> {
    // Statuses that are retried (408, 409, 429, 5xx) are the fault matrix's
    // business; here every answer is taken as final, so each case is one request.
    let status = prop::sample::select(vec![200u16, 200, 200, 201, 400, 401, 402, 403, 404, 422]);
    let body = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        json_value().prop_map(|v| json!({"code": 200, "data": v}).to_string().into_bytes()),
    ];
    (status, body)
}

/// Every remote provider, given any answer to any of its calls, returns a value
/// or a classified error; never a panic, and the key never shows in the error.
#[test]
fn any_provider_answer_is_handled_without_panicking() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let proxy = runtime
        .block_on(FaultProxy::start("http://127.0.0.1:9"))
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let request = seedance_mcp::validate::submit(&SubmitTaskParams {
        prompt: "a kite".into(),
        ..Default::default()
    })
    .unwrap();
    let remotes: Vec<_> = ["xskill", "byteplus", "seedance2ai", "seed2"]
        .iter()
        .map(|name| {
            let settings = Settings {
                api_timeout_secs: 2,
                ..with_provider(name, &proxy.base_url(), out.path())
            };
            Config::from_settings(&settings)
                .unwrap()
                .build_provider()
                .unwrap()
        })
        .collect();
    let mut runner = proptest::test_runner::TestRunner::new(cases(300));
    runner
        .run(&answer(), |(status, body)| {
            TRIED.fetch_add(1, Ordering::Relaxed);
            for provider in &remotes {
                for _ in 0..3 {
                    proxy.inject(
                        "",
                        Fault::Respond {
                            status,
                            body: body.clone(),
                        },
                    );
                }
                let outcomes = runtime.block_on(async {
                    vec![
                        provider.task(&TaskRef::new("task-1")).await.err(),
                        provider.balance().await.err(),
                        provider
                            .submit(&request, &SubmissionKey::random())
                            .await
                            .err(),
                    ]
                });
                for error in outcomes.into_iter().flatten() {
                    let text = error.to_string();
                    prop_assert!(!text.contains("sk-hostile-test-key"), "{text}");
                }
                proxy.clear();
            }
            Ok(())
        })
        .unwrap();
    eprintln!(
        "hostile provider answers tried: {} (x4 providers x3 calls)",
        TRIED.load(Ordering::Relaxed)
    );
}
