//! The CLI with local files: a relative path resolves in the current folder, and a
//! 30 MB image reaches the Ark fake as a data URL while the binary's peak memory
//! stays far below the 40 MB its base64 would take as one string.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

use common::media::{MIB, png, write};
use provider_fakes::{FakeControl, ark::FakeArk};

/// Peak resident memory in MB, as `/usr/bin/time -v` reports it.
fn peak_mb(stderr: &str) -> Option<f64> {
    stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|kb| kb.trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
}

/// Runs `seedance-mcp submit` against the fake in `dir`, under `/usr/bin/time -v`
/// where it exists; returns (success, stderr, peak MB).
fn submit(fake: &FakeArk, dir: &std::path::Path, image: &str) -> (bool, String, Option<f64>) {
    let bin = env!("CARGO_BIN_EXE_seedance-mcp");
    let timed = std::path::Path::new("/usr/bin/time").exists();
    let mut command = if timed {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-v", bin]);
        c
    } else {
        Command::new(bin)
    };
    let output = command
        .args([
            "--json",
            "submit",
            "--prompt",
            "@image_file_1 slowly turns",
            "--image-file",
            image,
        ])
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SEEDANCE_PROVIDER", "byteplus")
        .env("ARK_API_KEY", fake.api_key())
        .env("ARK_BASE_URL", fake.base_url())
        .env("SEEDANCE_OUTPUT_DIR", dir.join("out"))
        .env("SEEDANCE_DATA_DIR", dir.join("data"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let peak = peak_mb(&stderr);
    (output.status.success(), stderr, peak)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_30_mb_image_streams_from_the_cli_to_ark_in_little_memory() {
    let fake = FakeArk::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut head = png(4000, 3000);
    head.extend((0..4096_u32).map(|i| i as u8));
    write(dir.path(), "small.png", &head, 64 * 1024);
    write(dir.path(), "big.png", &head, 30 * MIB);
    let path = dir.path().to_owned();
    let fake = std::sync::Arc::new(fake);
    let runner = fake.clone();
    let (small, big) = tokio::task::spawn_blocking(move || {
        let small = submit(&runner, &path, "small.png");
        let big = submit(&runner, &path, "big.png");
        (small, big)
    })
    .await
    .unwrap();
    assert!(small.0, "{}", small.1);
    assert!(big.0, "{}", big.1);
    let tasks = fake.created_tasks();
    assert_eq!(tasks.len(), 2);
    let url = tasks[1].request["content"][1]["image_url"]["url"]
        .as_str()
        .unwrap();
    let payload = url.strip_prefix("data:image/png;base64,").unwrap();
    assert_eq!(payload.len() as u64, (30 * MIB).div_ceil(3) * 4);
    if let (Some(small), Some(big)) = (small.2, big.2) {
        eprintln!("peak RSS: {small:.1} MB with a 64 KB image, {big:.1} MB with a 30 MB image");
        // Holding the base64 as one string would add 40 MB (and the JSON copy more).
        assert!(big - small < 20.0, "{big:.1} MB vs {small:.1} MB");
    }
}
