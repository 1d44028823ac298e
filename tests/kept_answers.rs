//! An answer no backend can read is kept in `<data>/answers/` with every
//! credential redacted, and the error names the file so a user can send it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use provider_fakes::{
    FakeControl,
    faults::{Fault, FaultProxy},
    xskill::{FakeXskill, FakeXskillConfig},
};
use seedance_mcp::{
    config::{Config, Settings},
    error::ProviderError,
    providers::answers,
};

/// A key no pattern would recognise: only the configured-key rule hides it.
const KEY: &str = "plain-looking-key-8f3a2c";

/// Garbage that quotes the key, a bearer token, an `sk-` key and a signed URL.
fn garbage() -> Vec<u8> {
    format!(
        "<<not json>> echo: {KEY}\nAuthorization: Bearer tok-7788aa\nother sk-zzzz99999999 \
         https://cdn.example/v.mp4?X-Amz-Signature=f00dcafe&X-Tos-Signature=beefbeef&ok=1"
    )
    .into_bytes()
}

#[tokio::test]
async fn an_unreadable_answer_is_kept_redacted_and_the_error_names_the_file() {
    let fake = FakeXskill::start_with(FakeXskillConfig {
        api_key: KEY.to_owned(),
        ..FakeXskillConfig::default()
    })
    .await
    .unwrap();
    let proxy = FaultProxy::start(&fake.base_url()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let settings = Settings {
        data_dir: Some(data.clone()),
        output_dir: Some(dir.path().join("out")),
        ..Settings::default()
    }
    .with_provider("xskill", fake.api_key(), &proxy.base_url());
    let provider = Config::from_settings(&settings)
        .unwrap()
        .build_provider()
        .unwrap();

    proxy.inject(
        "balance",
        Fault::Respond {
            status: 200,
            body: garbage(),
        },
    );
    let error = provider.balance().await.unwrap_err();
    let ProviderError::Upstream {
        status: Some(200),
        message,
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    let kept = answers::list(&data.join(answers::FOLDER));
    assert_eq!(kept.len(), 1, "{kept:?}");
    let file = &kept[0];
    let name = file.file_name().unwrap().to_string_lossy();
    assert!(name.ends_with("-xskill-balance.txt"), "{name}");
    assert!(message.contains(&file.display().to_string()), "{message}");

    let text = std::fs::read_to_string(file).unwrap();
    for secret in [KEY, "tok-7788aa", "zzzz99999999", "f00dcafe", "beefbeef"] {
        assert!(
            !text.contains(secret),
            "{secret} leaked into the file:\n{text}"
        );
        assert!(
            !message.contains(secret),
            "{secret} leaked into the error: {message}"
        );
    }
    for shown in [
        "request: GET /api/v3/balance",
        "status: 200",
        "content-type: application/json",
        "<<not json>> echo: [redacted]",
        "&ok=1",
    ] {
        assert!(text.contains(shown), "{shown} missing:\n{text}");
    }
}

#[tokio::test]
async fn a_readable_refusal_keeps_nothing() {
    let fake = FakeXskill::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let settings = common::xskill_settings(&fake, dir.path());
    let config = Config::from_settings(&settings).unwrap();
    let provider = config.build_provider().unwrap();
    fake.fail_next_request(400, None);
    let error = provider.balance().await.unwrap_err();
    assert!(
        matches!(error, ProviderError::InvalidRequest { .. }),
        "{error:?}"
    );
    assert!(answers::list(&config.data_dir.join(answers::FOLDER)).is_empty());
}
