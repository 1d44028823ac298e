//! One contract every provider backend must pass, run against the simulator and
//! against each provider's stateful fake. A new backend joins by adding a
//! [`Backend`] to `backends()`; what differs between providers (prices, which
//! features exist) comes from the backend's declared capabilities or the harness.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{sync::Arc, time::Duration};

use futures_util::StreamExt;
use provider_fakes::{
    FakeControl,
    ark::{ArkRegion, FakeArk, FakeArkConfig},
    seed2::FakeSeed2,
    seedance2ai::FakeSeedance2ai,
    xskill::FakeXskill,
};
use seedance_mcp::{
    domain::{
        GenerationRequest, ImageUpload, KnownModel, Ratio, Resolution, SubmittedTask, TaskRef,
        TaskSnapshot, TaskStatus,
    },
    error::ErrorKind,
    providers::{Capabilities, Provider, SubmissionKey, capabilities::BalanceSource},
    request::SubmitTaskParams,
    service::{Service, ToolErrorKind, UploadImageParams},
    validate,
};
use serde_json::json;

/// A backend under test.
struct Backend {
    name: &'static str,
    provider: Arc<dyn Provider>,
    /// The same backend behind the service the tools call.
    service: Service,
    /// The fake behind the backend, for the hooks the contract needs; `None`
    /// for the simulator, which has no HTTP.
    fake: Option<Box<dyn FakeControl>>,
    /// What a 4 s fast text-to-video costs here, when the provider reports prices.
    price_of_4s_fast: Option<f64>,
    _out: tempfile::TempDir,
}

impl Backend {
    /// A prompt whose task will fail (how depends on the backend).
    fn failing_prompt(&self) -> String {
        match &self.fake {
            None => return "a storm at sea #simulate-failure".to_owned(),
            Some(fake) => fake.script_moderation_failure(),
        }
        "a storm at sea".to_owned()
    }

    /// Empties the account (the simulator has no hook: it is spent down instead).
    async fn make_poor(&self) {
        match &self.fake {
            Some(fake) => fake.make_unable_to_pay(),
            None => {
                let long = request("a long shot of the sea", Some("seedance-2.0"), 15);
                while self.provider.balance().await.unwrap().available.amount >= 300.0 {
                    self.provider
                        .submit(&long, &SubmissionKey::random())
                        .await
                        .unwrap();
                }
            }
        }
    }

    /// Makes the next API request fail with `status` (and Retry-After); false for
    /// the simulator, which has no HTTP to fail.
    fn fail_next(&self, status: u16, retry_after: Option<u64>) -> bool {
        match &self.fake {
            None => return false,
            Some(fake) => fake.fail_next_request(status, retry_after),
        }
        true
    }

    /// What the account holds now: tasks accepted (`None` for the simulator,
    /// whose tasks cannot be counted from outside) and the balance, where the
    /// provider keeps one.
    async fn ledger(&self) -> (Option<usize>, Option<f64>) {
        match &self.fake {
            Some(fake) => (Some(fake.tasks_created()), fake.balance().map(|b| b as f64)),
            None => (
                None,
                Some(self.provider.balance().await.unwrap().available.amount),
            ),
        }
    }

    /// Requests that reached the provider's create route, and requests of any
    /// kind (the simulator sends none).
    fn sent(&self) -> (usize, usize) {
        self.fake
            .as_ref()
            .map_or((0, 0), |fake| (fake.create_calls(), fake.requests().len()))
    }

    async fn submit(&self, request: &GenerationRequest) -> SubmittedTask {
        self.provider
            .submit(request, &SubmissionKey::random())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }
}

impl Backend {
    /// The provider `name` pointed at `fake` (none: the simulator).
    fn new(
        name: &'static str,
        fake: Option<Box<dyn FakeControl>>,
        price_of_4s_fast: Option<f64>,
    ) -> Self {
        let out = tempfile::tempdir().unwrap();
        let settings = match &fake {
            Some(fake) => {
                common::settings(out.path()).with_provider(name, fake.api_key(), &fake.base_url())
            }
            None => common::settings(out.path()),
        };
        let (provider, service) = common::service(&settings);
        assert_eq!(provider.id().as_str(), name);
        Self {
            name,
            provider,
            service,
            fake,
            price_of_4s_fast,
            _out: out,
        }
    }
}

/// Every backend: one line each. Ark reports tokens after the task, not a price at create.
async fn backends() -> Vec<Backend> {
    let ark = |region| {
        FakeArk::start_with(FakeArkConfig {
            region,
            ..Default::default()
        })
    };
    vec![
        Backend::new("sim", None, Some(40.0)),
        Backend::new(
            "xskill",
            Some(Box::new(FakeXskill::start().await.unwrap())),
            Some(40.0),
        ),
        Backend::new(
            "seed2",
            Some(Box::new(FakeSeed2::start().await.unwrap())),
            Some(2320.0),
        ),
        Backend::new(
            "seedance2ai",
            Some(Box::new(FakeSeedance2ai::start().await.unwrap())),
            Some(24.0),
        ),
        Backend::new(
            "byteplus",
            Some(Box::new(ark(ArkRegion::BytePlus).await.unwrap())),
            None,
        ),
        Backend::new(
            "volcengine",
            Some(Box::new(ark(ArkRegion::Volcengine).await.unwrap())),
            None,
        ),
    ]
}

fn request(prompt: &str, model: Option<&str>, duration: i64) -> GenerationRequest {
    validate::submit(&SubmitTaskParams {
        prompt: prompt.into(),
        model: model.map(str::to_owned),
        duration: Some(duration),
        ..Default::default()
    })
    .unwrap()
}

fn video(prompt: &str) -> GenerationRequest {
    request(prompt, None, 4)
}

async fn poll_to_end(b: &Backend, task_id: &str) -> Vec<TaskSnapshot> {
    let mut seen = Vec::new();
    for _ in 0..200 {
        let snapshot = b
            .provider
            .task(&TaskRef::new(task_id))
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

async fn download(b: &Backend, url: &str) -> Vec<u8> {
    let mut body = b
        .provider
        .download(url)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", b.name))
        .body;
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        bytes.extend_from_slice(&chunk.unwrap());
    }
    bytes
}

#[tokio::test]
async fn a_video_task_moves_through_unfinished_states_to_succeeded_with_a_video() {
    for b in backends().await {
        let submitted = b.submit(&video("a paper plane over rooftops")).await;
        assert!(!submitted.status.is_terminal(), "{}", b.name);
        assert!(!submitted.task_id.is_empty());
        let seen = poll_to_end(&b, &submitted.task_id).await;
        let last = seen.last().unwrap();
        assert_eq!(last.status, TaskStatus::Succeeded, "{}", b.name);
        assert_eq!(
            last.task_id, submitted.task_id,
            "{}: the id must round-trip",
            b.name
        );
        assert!(
            seen.iter().any(|s| !s.status.is_terminal()),
            "{}: never seen unfinished",
            b.name
        );
        assert_eq!(last.result_urls.len(), 1, "{}", b.name);
        assert!(last.failure.is_none());
        let bytes = download(&b, &last.result_urls[0]).await;
        assert_eq!(
            bytes.get(4..8),
            Some(&b"ftyp"[..]),
            "{}: result is not an MP4",
            b.name
        );
    }
}

#[tokio::test]
async fn the_price_is_reported_and_the_balance_follows_it() {
    for b in backends().await {
        let caps = b.provider.capabilities();
        let before = match caps.balance {
            BalanceSource::Endpoint => Some(b.provider.balance().await.unwrap().available.amount),
            _ => None,
        };
        let submitted = b.submit(&video("a fox in snow")).await;
        let price = submitted.price.clone().map(|p| p.amount);
        assert_eq!(price, b.price_of_4s_fast, "{}", b.name);
        match caps.balance {
            BalanceSource::Endpoint => {
                let after = b.provider.balance().await.unwrap().available.amount;
                assert_eq!(
                    Some(after),
                    before.zip(price).map(|(b, p)| b - p),
                    "{}",
                    b.name
                );
                assert_eq!(
                    submitted.balance_after.map(|a| a.amount),
                    Some(after),
                    "{}",
                    b.name
                );
            }
            BalanceSource::LastSeen => match (b.provider.balance().await, &submitted.balance_after)
            {
                (Ok(seen), Some(after)) => {
                    assert_eq!(seen.available.amount, after.amount, "{}", b.name);
                    assert!(
                        seen.last_seen_at.is_some(),
                        "{}: a last-seen balance says when",
                        b.name
                    );
                }
                (Err(e), None) => assert_eq!(e.kind(), ErrorKind::Unsupported, "{}", b.name),
                (got, after) => panic!(
                    "{}: balance {got:?} after a create reporting {after:?}",
                    b.name
                ),
            },
            BalanceSource::Unavailable => {
                let err = b.provider.balance().await.unwrap_err();
                assert_eq!(err.kind(), ErrorKind::Unsupported, "{}", b.name);
            }
        }
    }
}

#[tokio::test]
async fn a_failed_task_says_why_and_is_refunded() {
    for b in backends().await {
        let prompt = b.failing_prompt();
        let submitted = b.submit(&video(&prompt)).await;
        let charged = submitted.balance_after.clone();
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
        if b.provider.capabilities().balance == BalanceSource::Endpoint {
            let now = b.provider.balance().await.unwrap().available.amount;
            let refunded = charged.map(|c| c.amount + submitted.price.map_or(0.0, |p| p.amount));
            assert_eq!(Some(now), refunded, "{}: not refunded", b.name);
        }
    }
}

#[tokio::test]
async fn an_unknown_task_is_not_found() {
    for b in backends().await {
        // Ids shaped like paths or queries stay one id: unescaped, the first two
        // reach the task list and the third the balance, with the API key.
        for id in [
            "no-such-task",
            "999999999",
            "../tasks?page_size=1",
            "..",
            "x/../../../user/credits",
        ] {
            let err = b.provider.task(&TaskRef::new(id)).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{} {id}: {err}", b.name);
        }
    }
}

#[tokio::test]
async fn an_unaffordable_task_is_refused_and_creates_nothing() {
    for b in backends().await {
        b.make_poor().await;
        let (tasks, charged) = b.ledger().await;
        let long = request("a long shot of the sea", Some("seedance-2.0"), 15);
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
        let text = err.to_string();
        assert!(!text.is_empty());
        assert_eq!(
            b.ledger().await,
            (tasks, charged),
            "{}: the refusal created or charged something",
            b.name
        );
    }
}

#[tokio::test]
async fn uploads_and_image_models_work_where_declared_and_are_refused_elsewhere() {
    use seedance_mcp::providers::sim::render::{StillSpec, render_png};
    let png = render_png(&StillSpec {
        width: 32,
        height: 32,
        seed: 3,
        caption: "x".into(),
    });
    for b in backends().await {
        let caps = b.provider.capabilities();
        let uploaded = b
            .provider
            .upload_image(&ImageUpload::Bytes(png.clone()))
            .await;
        match (caps.upload, uploaded) {
            (true, Ok(hosted)) => {
                assert!(hosted.url.starts_with("http"), "{}: {}", b.name, hosted.url)
            }
            (false, Err(e)) => assert_eq!(e.kind(), ErrorKind::Unsupported, "{}", b.name),
            (declared, got) => panic!("{}: declares upload={declared} but got {got:?}", b.name),
        }
        let image_models = [
            KnownModel::SeedreamText,
            KnownModel::GptImage2,
            KnownModel::NanoBananaPro,
        ];
        for model in image_models.into_iter().filter(|m| caps.models.contains(m)) {
            let images = validate::submit(&SubmitTaskParams {
                prompt: "a glass teapot on a wooden table".into(),
                model: Some(model.as_str().into()),
                ..Default::default()
            })
            .unwrap();
            let submitted = b.submit(&images).await;
            let last = poll_to_end(&b, &submitted.task_id).await.pop().unwrap();
            assert_eq!(last.status, TaskStatus::Succeeded, "{} {model:?}", b.name);
            assert_eq!(last.result_urls.len(), 1, "{} {model:?}", b.name);
            let bytes = download(&b, &last.result_urls[0]).await;
            assert!(
                seedance_mcp::media_probe::sniff_format(&bytes)
                    .is_some_and(|f| f.kind() == seedance_mcp::media_probe::MediaKind::Image),
                "{} {model:?}: not an image",
                b.name
            );
        }
    }
}

/// One `submit_task` call per gap the backend declares: each option it does
/// not take, each ratio, resolution and model it does not offer, more references
/// than it takes, media forms it refuses, option groups of other providers, a
/// prompt below its minimum.
fn gap_calls(caps: &Capabilities) -> Vec<(String, serde_json::Value)> {
    let mut calls = Vec::new();
    let mut gap = |name: String, fields: serde_json::Value| {
        let mut args = json!({"prompt": "a lighthouse in fog, slow push in"});
        for (key, value) in fields.as_object().unwrap() {
            args[key] = value.clone();
        }
        calls.push((name, args));
    };
    for (field, offered, value) in [
        ("seed", caps.seed, json!(7)),
        ("camera_fixed", caps.camera_fixed, json!(true)),
        ("watermark", caps.watermark, json!(false)),
        ("return_last_frame", caps.last_frame, json!(true)),
        ("generate_audio", caps.audio_switch, json!(false)),
    ] {
        if !offered {
            gap(field.to_owned(), json!({ field: value }));
        }
    }
    for ratio in Ratio::ALL.iter().filter(|r| !caps.ratios.contains(r)) {
        gap(
            format!("ratio {}", ratio.as_str()),
            json!({"ratio": ratio.as_str()}),
        );
    }
    for resolution in Resolution::ALL
        .iter()
        .filter(|r| !r.is_image() && !caps.resolutions.contains(r))
    {
        let name = resolution.as_str();
        gap(format!("resolution {name}"), json!({"resolution": name}));
    }
    for model in KnownModel::ALL.iter().filter(|m| !caps.models.contains(m)) {
        let mut fields = json!({"model": model.as_str()});
        if *model == KnownModel::SeedreamEdit {
            fields["image_urls"] = json!(["https://cdn.example.com/edit-me.png"]);
        }
        gap(format!("model {}", model.as_str()), fields);
    }
    let urls = |n: usize, ext: &str| -> Vec<String> {
        (1..=n)
            .map(|i| format!("https://cdn.example.com/{i}.{ext}"))
            .collect()
    };
    if caps.max_images < 9 {
        gap(
            "too many images".into(),
            json!({"image_files": urls(caps.max_images + 1, "png")}),
        );
    }
    if caps.max_videos < 3 {
        gap(
            "too many videos".into(),
            json!({"video_files": urls(caps.max_videos + 1, "mp4")}),
        );
    }
    if caps.max_audios < 3 {
        // Audio only goes beside an image or a video.
        gap(
            "too many audio clips".into(),
            json!({"image_files": urls(1, "png"), "audio_files": urls(caps.max_audios + 1, "mp3")}),
        );
    }
    if !caps.media.asset_ids {
        gap(
            "an asset id".into(),
            json!({"image_files": ["asset://asset-20260101-abc"]}),
        );
    }
    if !caps.media.plain_http {
        gap(
            "plain http".into(),
            json!({"image_files": ["http://cdn.example.com/a.png"]}),
        );
    }
    for (group, value) in [
        ("ark", json!({"service_tier": "flex"})),
        ("channel", json!("real")),
    ] {
        if !caps.options.contains(&group) {
            gap(format!("the {group} options"), json!({ group: value }));
        }
    }
    if let Some((min, _)) = caps.prompt_chars
        && min > 1
    {
        gap(
            "a short prompt".into(),
            json!({"prompt": "x".repeat(min - 1)}),
        );
    }
    calls
}

#[tokio::test]
async fn every_declared_capability_gap_is_refused_before_sending() {
    for b in backends().await {
        let caps = b.provider.capabilities();
        let calls = gap_calls(caps);
        assert!(!calls.is_empty(), "{}: declares no gap at all", b.name);
        let ledger = b.ledger().await;
        for (gap, args) in calls {
            let params: SubmitTaskParams = serde_json::from_value(args).unwrap();
            let err = b.service.submit(&params).await.unwrap_err();
            assert_eq!(
                err.kind,
                ToolErrorKind::Provider(ErrorKind::Unsupported),
                "{} {gap}: {err}",
                b.name
            );
            assert_eq!(b.sent().0, 0, "{} {gap}: a create was sent", b.name);
        }
        // Tools that need an ability the backend lacks send nothing at all.
        let sent = b.sent();
        if !caps.upload {
            let upload = UploadImageParams {
                image_url: Some("https://cdn.example.com/a.png".into()),
                image_data: None,
            };
            let err = b.service.upload_image(&upload).await.unwrap_err();
            assert_eq!(
                err.kind,
                ToolErrorKind::Provider(ErrorKind::Unsupported),
                "{}",
                b.name
            );
        }
        if !caps.cancel {
            let err = b.service.cancel_task("task-1").await.unwrap_err();
            assert_eq!(
                err.kind,
                ToolErrorKind::Provider(ErrorKind::Unsupported),
                "{}",
                b.name
            );
        }
        if caps.balance == BalanceSource::Unavailable {
            let err = b.service.balance().await.unwrap_err();
            assert_eq!(
                err.kind,
                ToolErrorKind::Provider(ErrorKind::Unsupported),
                "{}",
                b.name
            );
        }
        assert_eq!(b.sent(), sent, "{}: a refused tool sent a request", b.name);
        assert_eq!(
            b.ledger().await,
            ledger,
            "{}: something was charged",
            b.name
        );
    }
}

fn params(json: serde_json::Value) -> GenerationRequest {
    validate::submit(&serde_json::from_value::<SubmitTaskParams>(json).unwrap()).unwrap()
}

#[tokio::test]
async fn first_and_last_frames_run_where_supported_and_are_refused_before_sending_elsewhere() {
    let frames = params(serde_json::json!({
        "prompt": "the sky turns from day to night",
        "mode": "first_last_frames",
        "first_frame": "https://cdn.example.com/day.png",
        "last_frame": "https://cdn.example.com/night.png",
    }));
    for b in backends().await {
        let caps = b.provider.capabilities();
        if let Err(e) = caps.check(b.provider.id(), &frames) {
            panic!("{}: frames refused by capabilities: {e}", b.name);
        }
        match b.provider.submit(&frames, &SubmissionKey::random()).await {
            Ok(submitted) => {
                let last = poll_to_end(&b, &submitted.task_id).await.pop().unwrap();
                assert_eq!(last.status, TaskStatus::Succeeded, "{}", b.name);
            }
            // seed2.io has no frames mode: refused by the backend before sending.
            Err(e) => assert_eq!((b.name, e.kind()), ("seed2", ErrorKind::Unsupported), "{e}"),
        }
    }
}

#[tokio::test]
async fn an_omni_reference_with_images_video_and_audio_runs_where_supported() {
    let omni = params(serde_json::json!({
        "prompt": "@image_file_1 dances like @video_file_1 to @audio_file_1",
        "image_files": ["https://cdn.example.com/dancer.png"],
        "video_files": ["https://cdn.example.com/moves.mp4"],
        "audio_files": ["https://cdn.example.com/song.mp3"],
    }));
    for b in backends().await {
        let caps = b.provider.capabilities();
        match caps.check(b.provider.id(), &omni) {
            Ok(()) => {
                let submitted = b.submit(&omni).await;
                let last = poll_to_end(&b, &submitted.task_id).await.pop().unwrap();
                assert_eq!(last.status, TaskStatus::Succeeded, "{}", b.name);
            }
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Unsupported, "{}", b.name);
                assert_eq!(
                    caps.max_audios, 0,
                    "{}: refused although audio is declared",
                    b.name
                );
            }
        }
    }
}

#[tokio::test]
async fn a_wrong_key_is_unauthenticated_and_a_rate_limit_says_when_to_retry() {
    for b in backends().await {
        if !b.fail_next(401, None) {
            continue;
        }
        let err = b
            .provider
            .submit(&video("a quiet lake"), &SubmissionKey::random())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{}: {err}", b.name);
        b.fail_next(429, Some(2));
        let started = std::time::Instant::now();
        let outcome = b
            .provider
            .submit(&video("a quiet lake"), &SubmissionKey::random())
            .await;
        match (outcome, b.provider.capabilities().idempotent_create) {
            (Err(seedance_mcp::error::ProviderError::RateLimited { retry_after, .. }), false) => {
                assert_eq!(retry_after, Some(Duration::from_secs(2)), "{}", b.name);
            }
            // A create that cannot pay twice is simply retried after Retry-After.
            (Ok(_), true) => assert!(started.elapsed() >= Duration::from_secs(2), "{}", b.name),
            (other, idempotent) => panic!("{}: idempotent={idempotent} but got {other:?}", b.name),
        }
    }
}

#[tokio::test]
async fn the_estimate_made_before_sending_matches_what_the_provider_reports() {
    for b in backends().await {
        for request in [
            video("a fox in snow"),
            request("a long shot of the sea", Some("seedance-2.0"), 6),
        ] {
            let estimate = b
                .provider
                .estimate(&request)
                .unwrap_or_else(|| panic!("{}: no estimate", b.name));
            let submitted = b.submit(&request).await;
            let reported = match submitted.price {
                Some(price) => price,
                // Ark prices from the tokens it reports once the task is done.
                None => poll_to_end(&b, &submitted.task_id)
                    .await
                    .pop()
                    .unwrap()
                    .price
                    .unwrap(),
            };
            assert_eq!(
                estimate.amount, reported.amount,
                "{}: estimated {estimate}, reported {reported}",
                b.name
            );
        }
    }
}
