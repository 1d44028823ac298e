//! extract_frame and stitch_videos through a real MCP client over the
//! simulator, the same through the CLI binary, and get_task's preview strip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

use base64::Engine;
use common::{call, call_err, call_ok, connect, server, settings, submit_and_wait, typed};
use rmcp::model::CallToolRequestParams;
use seedance_mcp::service::{
    GetTaskOutput, SubmitTaskOutput,
    clips::{ExtractFrameOutput, StitchVideosOutput},
};
use serde_json::json;

/// The PNG image blocks of a tool result, decoded.
async fn images<H: rmcp::ClientHandler>(
    client: &rmcp::service::RunningService<rmcp::RoleClient, H>,
    tool: &str,
    args: serde_json::Value,
) -> Vec<Vec<u8>> {
    let serde_json::Value::Object(arguments) = args else {
        panic!()
    };
    let result = client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments))
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true), "{result:?}");
    result
        .content
        .iter()
        .filter_map(|c| c.as_image())
        .map(|i| {
            assert_eq!(i.mime_type, "image/png");
            base64::engine::general_purpose::STANDARD
                .decode(&i.data)
                .unwrap()
        })
        .collect()
}

fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[1..4], b"PNG");
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

#[tokio::test]
async fn the_last_frame_of_a_clip_is_seen_saved_and_accepted_as_the_next_first_frame() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    let task = submit_and_wait(
        &client,
        json!({"prompt": "a kite over dunes", "duration": 4}),
    )
    .await;
    let frame: ExtractFrameOutput =
        call_ok(&client, "extract_frame", json!({"source": task.task_id})).await;
    assert_eq!((frame.width, frame.height), (854, 480));
    assert!(frame.path.starts_with(out.path()));
    assert_eq!(std::fs::metadata(&frame.path).unwrap().len(), frame.bytes);
    let again: ExtractFrameOutput = call_ok(
        &client,
        "extract_frame",
        json!({"source": task.task_id, "at": "last"}),
    )
    .await;
    assert_eq!(again.path, frame.path, "the same frame is the same file");
    // The agent sees a small copy.
    let seen = images(
        &client,
        "extract_frame",
        json!({"source": task.task_id, "at": "first"}),
    )
    .await;
    assert_eq!(seen.len(), 1);
    let (w, h) = png_size(&seen[0]);
    assert!(h <= 270 && w > h, "{w}x{h}");

    let next: SubmitTaskOutput = call_ok(
        &client,
        "submit_task",
        json!({
            "prompt": "the kite lands",
            "mode": "first_last_frames",
            "first_frame": frame.path,
            "dry_run": true
        }),
    )
    .await;
    assert!(next.task_id.is_none(), "a dry run submits nothing");
    assert!(
        next.warnings.iter().all(|w| !w.contains("first_frame")),
        "{:?}",
        next.warnings
    );
}

#[tokio::test]
async fn frames_are_refused_for_unknown_tasks_bad_times_and_files_outside_the_allowed_folders() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    let text = call_err(&client, "extract_frame", json!({"source": "sim-nothing-1"})).await;
    assert!(
        text.starts_with("not_found:") && text.contains("get_task"),
        "{text}"
    );
    let task = submit_and_wait(
        &client,
        json!({"prompt": "rain on a window", "duration": 4}),
    )
    .await;
    let text = call_err(
        &client,
        "extract_frame",
        json!({"source": task.task_id, "at": "middle"}),
    )
    .await;
    assert!(
        text.starts_with("invalid_argument:") && text.contains("`at`"),
        "{text}"
    );
    let text = call_err(
        &client,
        "extract_frame",
        json!({"source": task.task_id, "at": 99}),
    )
    .await;
    assert!(text.contains("past the end"), "{text}");
    let elsewhere = tempfile::tempdir().unwrap();
    let stray = elsewhere.path().join("x.mp4");
    std::fs::copy(&task.local_files[0], &stray).unwrap();
    let text = call_err(&client, "extract_frame", json!({"source": stray})).await;
    assert!(
        text.starts_with("invalid_argument:") && text.contains("source"),
        "{text}"
    );
}

#[tokio::test]
async fn two_sim_clips_are_stitched_losslessly_and_a_finished_video_comes_with_a_preview() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    let a = submit_and_wait(&client, json!({"prompt": "dawn", "duration": 5})).await;
    let b = submit_and_wait(&client, json!({"prompt": "dusk", "duration": 4})).await;
    let joined: StitchVideosOutput = call_ok(
        &client,
        "stitch_videos",
        json!({"inputs": [a.task_id, b.local_files[0]]}),
    )
    .await;
    assert_eq!(joined.method, "remux");
    assert_eq!(joined.duration_seconds, 9.0);
    assert_eq!(joined.starts_seconds, vec![0.0, 5.0]);
    assert!(joined.path.starts_with(out.path()));
    let size = std::fs::metadata(&joined.path).unwrap().len();
    let parts: u64 = [&a, &b]
        .iter()
        .map(|t| std::fs::metadata(&t.local_files[0]).unwrap().len())
        .sum();
    // The same media plus new tables: a re-encode would change the size a lot.
    assert!(
        size.abs_diff(parts) < 16 * 1024,
        "no re-encoding: {size} vs {parts}"
    );

    let text = call_err(&client, "stitch_videos", json!({"inputs": [a.task_id]})).await;
    assert!(text.contains("`inputs`"), "{text}");

    let strip = images(&client, "get_task", json!({"task_id": a.task_id})).await;
    assert_eq!(strip.len(), 1, "one preview image");
    assert!(strip[0].len() <= 100_000, "{} bytes", strip[0].len());
    let (w, h) = png_size(&strip[0]);
    assert!(w > 3 * h, "a strip of frames side by side: {w}x{h}");
    let (is_error, value) = call(&client, "get_task", json!({"task_id": a.task_id})).await;
    assert!(!is_error);
    let _: GetTaskOutput = typed(&value);
}

fn cli(dir: &std::path::Path, args: &[&str]) -> (bool, serde_json::Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_seedance-mcp"))
        .arg("--json")
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SEEDANCE_PROVIDER", "sim")
        .env("SEEDANCE_OUTPUT_DIR", dir.join("out"))
        .env("SEEDANCE_DATA_DIR", dir.join("data"))
        .env("SEEDANCE_SIM_SECONDS", "0.2")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let value = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    (output.status.success(), value, stderr)
}

#[test]
fn the_cli_takes_frames_and_stitches_clips_by_task_id_or_path() {
    let dir = tempfile::tempdir().unwrap();
    let mut ids = Vec::new();
    for prompt in ["a boat sets sail", "the boat reaches port"] {
        let (ok, value, stderr) = cli(
            dir.path(),
            &["submit", "--prompt", prompt, "--duration", "4", "--wait"],
        );
        assert!(ok, "{stderr}");
        ids.push(value["task_id"].as_str().unwrap().to_owned());
    }
    let (ok, frame, stderr) = cli(dir.path(), &["frame", &ids[0], "--at", "1.5"]);
    assert!(ok, "{stderr}");
    assert_eq!(
        (frame["width"].as_u64(), frame["height"].as_u64()),
        (Some(854), Some(480))
    );
    assert!(
        frame["path"]
            .as_str()
            .unwrap()
            .ends_with("_frame-1.50s.png")
    );

    let (ok, joined, stderr) = cli(dir.path(), &["stitch", &ids[0], &ids[1]]);
    assert!(ok, "{stderr}");
    assert_eq!(joined["duration_seconds"], json!(8.0));
    assert_eq!(joined["starts_seconds"], json!([0.0, 4.0]));
    assert_eq!(joined["method"], json!("remux"));

    // A relative path resolves in the current folder.
    std::fs::copy(
        joined["path"].as_str().unwrap(),
        dir.path().join("both.mp4"),
    )
    .unwrap();
    let (ok, again, stderr) = cli(dir.path(), &["stitch", "both.mp4", &ids[1]]);
    assert!(ok, "{stderr}");
    assert_eq!(again["duration_seconds"], json!(12.0));

    let (ok, _, stderr) = cli(dir.path(), &["frame", "nowhere.mp4"]);
    assert!(!ok);
    assert!(stderr.contains("nowhere.mp4"), "{stderr}");
}

/// An `ffmpeg` stand-in that records its arguments and writes its first input
/// to the output path: enough to see the fallback wired up without ffmpeg.
fn fake_ffmpeg(dir: &std::path::Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("fakebin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("ffmpeg");
    std::fs::write(
        &script,
        "#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/args\"\nprev=\"\"; first=\"\"\n\
         for a in \"$@\"; do\n  if [ \"$prev\" = \"-i\" ] && [ -z \"$first\" ]; then first=\"$a\"; fi\n  \
         prev=\"$a\"; last=\"$a\"\ndone\ncp \"$first\" \"$last\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

#[test]
fn clips_that_do_not_match_are_refused_with_the_reason_or_handed_to_ffmpeg() {
    let dir = tempfile::tempdir().unwrap();
    let mut ids = Vec::new();
    for ratio in ["16:9", "9:16"] {
        let (ok, value, stderr) = cli(
            dir.path(),
            &[
                "submit",
                "--prompt",
                "a lantern",
                "--duration",
                "4",
                "--ratio",
                ratio,
                "--wait",
            ],
        );
        assert!(ok, "{stderr}");
        ids.push(value["task_id"].as_str().unwrap().to_owned());
    }
    let has_ffmpeg = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .any(|d| d.join("ffmpeg").is_file());
    if !has_ffmpeg {
        let (ok, _, stderr) = cli(dir.path(), &["stitch", &ids[0], &ids[1]]);
        assert!(!ok);
        assert!(
            stderr.contains("input 2 cannot be joined") && stderr.contains("480x854"),
            "{stderr}"
        );
    }
    // With an ffmpeg on PATH the same join is re-encoded, and says so.
    let bin = fake_ffmpeg(dir.path());
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new(env!("CARGO_BIN_EXE_seedance-mcp"))
        .args(["--json", "stitch", &ids[0], &ids[1]])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", path)
        .env("SEEDANCE_PROVIDER", "sim")
        .env("SEEDANCE_OUTPUT_DIR", dir.path().join("out"))
        .env("SEEDANCE_DATA_DIR", dir.path().join("data"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let joined: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(joined["method"], json!("reencoded"));
    assert_eq!(joined["starts_seconds"], json!([0.0, 4.0]));
    let args = std::fs::read_to_string(bin.join("args")).unwrap();
    assert!(
        args.contains("concat=n=2") && args.contains("scale=854:480"),
        "{args}"
    );
    assert!(std::path::Path::new(joined["path"].as_str().unwrap()).is_file());
}
