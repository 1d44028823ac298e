//! `submit_story` through a real MCP client, on the simulator and the provider
//! fakes (creates counted at the fake): chained clips to one job and one joined
//! file, the whole story priced and guarded before any create, providers that
//! cannot chain refused with the alternative, and cancelling.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use common::{call_err, call_ok, connect, settings};
use provider_fakes::{
    FakeControl,
    ark::{FakeArk, FakeArkConfig},
    seed2::FakeSeed2,
    xskill::FakeXskill,
};
use rmcp::{RoleClient, service::RunningService};
use seedance_mcp::{
    config::{Config, Settings},
    domain::TaskStatus,
    mcp::SeedanceServer,
    service::{
        GetTaskOutput, ListTasksOutput, SubmitTaskOutput, TaskSummary,
        story::{Joined, StoryMedia, StoryMediaError, SubmitStoryOutput},
    },
};
use serde_json::{Value, json};

/// The video library's stand-in: frames are ~640x360 PNG headers, joins are the
/// inputs' bytes one after another; both remember what they were given.
#[derive(Debug, Default)]
struct VideoDouble {
    frames_from: Mutex<Vec<PathBuf>>,
    joined: Mutex<Vec<Vec<PathBuf>>>,
}

impl StoryMedia for VideoDouble {
    fn last_frame(&self, video: &Path, out: &Path) -> Result<PathBuf, StoryMediaError> {
        let mut from = self.frames_from.lock().unwrap();
        from.push(video.to_owned());
        // Each frame its own content, as real frames are (uploads are cached by content).
        let width = 640 + from.len() as u32;
        std::fs::write(out, common::media::png(width, 360))
            .map_err(|e| StoryMediaError::Refused(e.to_string()))?;
        Ok(out.to_owned())
    }

    fn stitch(&self, inputs: &[PathBuf], out: &Path) -> Result<Joined, StoryMediaError> {
        self.joined.lock().unwrap().push(inputs.to_vec());
        let mut bytes = Vec::new();
        for input in inputs {
            bytes
                .extend(std::fs::read(input).map_err(|e| StoryMediaError::Refused(e.to_string()))?);
        }
        std::fs::write(out, bytes).map_err(|e| StoryMediaError::Refused(e.to_string()))?;
        Ok(Joined {
            path: out.to_owned(),
            duration_seconds: 0.0,
        })
    }
}

fn server_with(settings: &Settings, media: Option<Arc<VideoDouble>>) -> SeedanceServer {
    let config = Config::from_settings(settings).unwrap();
    let service = common::service(settings).1;
    let service = match media {
        Some(media) => service.with_story_media(media),
        None => service,
    };
    SeedanceServer::new(service, config.simulation_notice())
}

fn three_clips() -> Value {
    json!({
        "clips": [
            {"prompt": "0-10s: a red kite rises over the dunes", "duration": 10},
            {"prompt": "0-10s: the kite loops above the sea", "duration": 10},
            {"prompt": "0-10s: the kite lands in a child's hands", "duration": 10}
        ],
        "ratio": "16:9",
        "style": "Warm film look, the same red kite."
    })
}

/// Asks about the story until it ends (each call also moves it on).
async fn wait_story(client: &RunningService<RoleClient, ()>, story_id: &str) -> GetTaskOutput {
    for _ in 0..600 {
        let task: GetTaskOutput = call_ok(client, "get_task", json!({ "task_id": story_id })).await;
        if task.finished {
            return task;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("story {story_id} never finished");
}

async fn ark_with_real_frames() -> FakeArk {
    FakeArk::start_with(FakeArkConfig {
        last_frame_bytes: common::media::png(640, 360),
        ..FakeArkConfig::default()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn three_chained_clips_on_ark_make_one_job_and_one_joined_file() {
    let fake = ark_with_real_frames().await;
    let out = tempfile::tempdir().unwrap();
    let media = Arc::new(VideoDouble::default());
    let client = connect(server_with(
        &common::ark_settings(&fake, out.path()),
        Some(Arc::clone(&media)),
    ))
    .await;

    let submitted: SubmitStoryOutput = call_ok(&client, "submit_story", three_clips()).await;
    let story_id = submitted.story_id.clone().unwrap();
    assert_eq!((submitted.clips, submitted.total_seconds), (3, 30));
    let done = wait_story(&client, &story_id).await;

    assert_eq!(done.status, TaskStatus::Succeeded, "{done:?}");
    let created = fake.created_tasks();
    assert_eq!(created.len(), 3, "one create per clip");
    // Clips 2 and 3 start from the frame Ark returned for the clip before, sent
    // inline (Ark takes files as data: URLs); the last clip asks for no frame.
    for (n, task) in created.iter().enumerate() {
        let body = task.request.to_string();
        assert_eq!(body.contains("\"first_frame\""), n > 0, "clip {n}: {body}");
        assert_eq!(body.contains("data:image/png;base64,"), n > 0, "clip {n}");
        assert_eq!(
            body.contains("return_last_frame"),
            n < 2,
            "clip {n}: {body}"
        );
        assert!(
            body.contains("the same red kite"),
            "style on every clip: {body}"
        );
    }
    assert!(
        media.frames_from.lock().unwrap().is_empty(),
        "Ark returns its frames"
    );
    let story = done.story.unwrap();
    assert_eq!(story.clip_tasks.len(), 3);
    let joined = media.joined.lock().unwrap().clone();
    assert_eq!(joined.len(), 1, "joined once");
    let clip_videos: Vec<PathBuf> = story
        .clip_tasks
        .iter()
        .map(|c| c.local_files[0].clone())
        .collect();
    assert_eq!(joined[0], clip_videos, "the clips, in story order");
    let stitched = story.stitched_file.unwrap();
    assert!(stitched.is_file());
    assert_eq!(done.local_files[0], stitched);

    // list_tasks knows the story as one job beside its clips.
    let listed: ListTasksOutput = call_ok(&client, "list_tasks", json!({})).await;
    let row = listed
        .tasks
        .iter()
        .find(|t| t.task_id.as_deref() == Some(story_id.as_str()))
        .unwrap();
    assert_eq!(row.status, Some(TaskStatus::Succeeded));
    assert_eq!(listed.tasks.len(), 4, "the story and its three clips");
}

#[tokio::test]
async fn a_provider_without_last_frames_chains_through_the_video_library() {
    let fake = FakeXskill::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let media = Arc::new(VideoDouble::default());
    let client = connect(server_with(
        &common::xskill_settings(&fake, out.path()),
        Some(Arc::clone(&media)),
    ))
    .await;
    let submitted: SubmitStoryOutput = call_ok(&client, "submit_story", three_clips()).await;
    let done = wait_story(&client, &submitted.story_id.unwrap()).await;
    assert_eq!(done.status, TaskStatus::Succeeded, "{done:?}");
    assert_eq!(fake.tasks_created(), 3, "one create per clip");
    // Frames of clips 1 and 2 were taken from their saved videos, and uploaded
    // (xskill takes files through its upload endpoint).
    assert_eq!(media.frames_from.lock().unwrap().len(), 2);
    let uploads = fake
        .requests()
        .iter()
        .filter(|r| r.path.contains("upload"))
        .count();
    assert_eq!(uploads, 2, "{:?}", fake.requests());
}

#[tokio::test]
async fn without_a_video_library_a_provider_without_last_frames_is_refused_before_paying() {
    let fake = FakeXskill::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let settings = common::xskill_settings(&fake, out.path());
    let service = common::service(&settings)
        .1
        .with_story_media(Arc::new(seedance_mcp::service::story::NoVideoLibrary));
    let config = Config::from_settings(&settings).unwrap();
    let client = connect(SeedanceServer::new(service, config.simulation_notice())).await;
    let err = call_err(&client, "submit_story", three_clips()).await;
    assert!(err.contains("chain: false"), "{err}");
    assert_eq!(fake.create_calls(), 0);
}

#[tokio::test]
async fn a_dry_run_prices_the_whole_story_and_sends_nothing() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server_with(&settings(out.path()), None)).await;
    let one: SubmitTaskOutput = call_ok(
        &client,
        "submit_task",
        json!({"prompt": "0-10s: a red kite rises over the dunes", "duration": 10, "dry_run": true}),
    )
    .await;
    let mut story = three_clips();
    story["dry_run"] = json!(true);
    let priced: SubmitStoryOutput = call_ok(&client, "submit_story", story).await;
    assert!(priced.dry_run && priced.story_id.is_none());
    let clip = one.estimated_price.unwrap();
    let total = priced.estimated_price.unwrap();
    assert_eq!((total.amount, &total.unit), (3.0 * clip.amount, &clip.unit));
    let listed: ListTasksOutput = call_ok(&client, "list_tasks", json!({})).await;
    assert!(listed.tasks.is_empty(), "a dry run journals nothing");
}

#[tokio::test]
async fn a_story_over_the_spend_limit_in_total_is_refused_before_any_create() {
    let fake = ark_with_real_frames().await;
    let out = tempfile::tempdir().unwrap();
    let base = common::ark_settings(&fake, out.path());
    let client = connect(server_with(&base, None)).await;
    let mut dry = three_clips();
    dry["dry_run"] = json!(true);
    let priced: SubmitStoryOutput = call_ok(&client, "submit_story", dry).await;
    let total = priced.estimated_price.unwrap().amount;
    drop(client);
    // Each clip alone is under the limit; the story is not.
    let limited = Settings {
        max_cost_per_task: Some(total * 0.5),
        ..base
    };
    let client = connect(server_with(&limited, None)).await;
    let err = call_err(&client, "submit_story", three_clips()).await;
    assert!(err.starts_with("spend_limit"), "{err}");
    assert_eq!(fake.create_calls(), 0, "nothing created");
    let mut confirmed = three_clips();
    confirmed["confirm_cost"] = json!((total * 100.0).round() / 100.0);
    let submitted: SubmitStoryOutput = call_ok(&client, "submit_story", confirmed).await;
    assert!(submitted.story_id.is_some());
}

#[tokio::test]
async fn a_provider_that_cannot_chain_is_refused_with_the_alternative() {
    let fake = FakeSeed2::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server_with(
        &common::seed2_settings(&fake, out.path()),
        Some(Arc::default()),
    ))
    .await;
    let err = call_err(&client, "submit_story", three_clips()).await;
    assert!(
        err.contains("chain: false") && err.contains("video_files"),
        "{err}"
    );
    assert_eq!(fake.create_calls(), 0);
}

#[tokio::test]
async fn every_clip_is_checked_before_anything_is_paid() {
    let fake = ark_with_real_frames().await;
    let out = tempfile::tempdir().unwrap();
    let client = connect(server_with(&common::ark_settings(&fake, out.path()), None)).await;
    let mut story = three_clips();
    story["clips"][2]["duration"] = json!(20);
    let err = call_err(&client, "submit_story", story).await;
    assert!(err.contains("clips[2].duration"), "{err}");
    let mut story = three_clips();
    story["clips"][1]["image_files"] = json!(["https://c.example/a.png"]);
    let err = call_err(&client, "submit_story", story).await;
    assert!(err.contains("clips[1].image_files"), "{err}");
    assert_eq!(fake.create_calls(), 0);
}

// On tokio's paused clock: the simulated clips stay queued as long as needed.
#[tokio::test(start_paused = true)]
async fn cancelling_a_story_stops_it_before_the_next_clip() {
    let out = tempfile::tempdir().unwrap();
    let slow = Settings {
        sim_seconds: 600.0,
        ..settings(out.path())
    };
    let client = connect(server_with(&slow, Some(Arc::default()))).await;
    let mut story = three_clips();
    story["chain"] = json!(false);
    let submitted: SubmitStoryOutput = call_ok(&client, "submit_story", story).await;
    let story_id = submitted.story_id.unwrap();
    let first: GetTaskOutput = call_ok(&client, "get_task", json!({ "task_id": story_id })).await;
    assert_eq!(first.story.unwrap().current_clip, Some(1));
    let cancelled: TaskSummary =
        call_ok(&client, "cancel_task", json!({ "task_id": story_id })).await;
    assert_eq!(cancelled.status, Some(TaskStatus::Cancelled));
    // Long past when the first clip would have finished, nothing more was made.
    tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    let later: GetTaskOutput = call_ok(&client, "get_task", json!({ "task_id": story_id })).await;
    assert_eq!(later.status, TaskStatus::Cancelled);
    let story = later.story.unwrap();
    assert_eq!(story.clip_tasks.len(), 1, "no clip after the cancel");
    assert_eq!(
        story.clip_tasks[0].status,
        Some(TaskStatus::Cancelled),
        "the queued clip was cancelled too"
    );
}

// On tokio's paused clock, as above.
#[tokio::test(start_paused = true)]
async fn a_story_cancelled_while_a_clip_runs_submits_no_further_clip() {
    let out = tempfile::tempdir().unwrap();
    let slow = Settings {
        sim_seconds: 600.0,
        ..settings(out.path())
    };
    let client = connect(server_with(&slow, Some(Arc::default()))).await;
    let mut story = three_clips();
    story["chain"] = json!(false);
    let submitted: SubmitStoryOutput = call_ok(&client, "submit_story", story).await;
    let story_id = submitted.story_id.unwrap();
    let _: GetTaskOutput = call_ok(&client, "get_task", json!({ "task_id": story_id })).await;
    // Past the simulator's queue: the clip runs, and running clips cannot be cancelled.
    tokio::time::sleep(std::time::Duration::from_secs(300)).await;
    let running: GetTaskOutput = call_ok(&client, "get_task", json!({ "task_id": story_id })).await;
    let clip = running.story.unwrap().clip_tasks[0].clone();
    assert_eq!(clip.status, Some(TaskStatus::Running));
    let cancelled: TaskSummary =
        call_ok(&client, "cancel_task", json!({ "task_id": story_id })).await;
    assert_eq!(cancelled.status, Some(TaskStatus::Cancelled));
    assert!(cancelled.note.unwrap().contains("goes on"));
    // The running clip finishes; the story makes nothing after it.
    tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    let clip_id = clip.task_id.unwrap();
    let finished: GetTaskOutput = call_ok(&client, "get_task", json!({ "task_id": clip_id })).await;
    assert_eq!(finished.status, TaskStatus::Succeeded);
    let later: GetTaskOutput = call_ok(&client, "get_task", json!({ "task_id": story_id })).await;
    assert_eq!(later.status, TaskStatus::Cancelled);
    assert_eq!(
        later.story.unwrap().clip_tasks.len(),
        1,
        "no clip after the cancel"
    );
}

// On tokio's paused clock: three simulated 30 s clips take no real time.
#[tokio::test(start_paused = true)]
async fn a_waiting_get_task_follows_the_story_across_its_clips_with_progress() {
    let out = tempfile::tempdir().unwrap();
    let slow = Settings {
        sim_seconds: 30.0,
        ..settings(out.path())
    };
    let recorder = common::ProgressRecorder::default();
    let client =
        common::connect_with(server_with(&slow, Some(Arc::default())), recorder.clone()).await;
    let mut story = three_clips();
    story["chain"] = json!(false);
    let submitted: SubmitStoryOutput = call_ok(&client, "submit_story", story).await;
    let story_id = submitted.story_id.unwrap();
    let mut calls = 0;
    let done = loop {
        calls += 1;
        let polled: GetTaskOutput = call_ok(
            &client,
            "get_task",
            json!({"task_id": story_id, "wait_seconds": 50}),
        )
        .await;
        if polled.finished || calls == 10 {
            break polled;
        }
    };
    assert_eq!(done.status, TaskStatus::Succeeded, "{done:?}");
    assert!(calls <= 4, "about 90 s of clips in {calls} waits of 50 s");
    let messages: Vec<String> = recorder
        .0
        .lock()
        .unwrap()
        .iter()
        .filter_map(|p| p.message.clone())
        .collect();
    for clip in ["clip 1 of 3", "clip 2 of 3", "clip 3 of 3"] {
        assert!(
            messages.iter().any(|m| m.starts_with(clip)),
            "no progress for {clip}: {messages:?}"
        );
    }
}

#[tokio::test]
async fn a_failed_clip_stops_the_story_with_its_reason_and_nothing_after_it_is_paid() {
    let fake = FakeXskill::start().await.unwrap();
    fake.script_next_outcome(provider_fakes::TaskOutcome::Fail(
        provider_fakes::xskill::FACE_DETECTED_ERROR.into(),
    ));
    let out = tempfile::tempdir().unwrap();
    let client = connect(server_with(
        &common::xskill_settings(&fake, out.path()),
        Some(Arc::default()),
    ))
    .await;
    let submitted: SubmitStoryOutput = call_ok(&client, "submit_story", three_clips()).await;
    let done = wait_story(&client, &submitted.story_id.unwrap()).await;
    assert_eq!(done.status, TaskStatus::Failed, "{done:?}");
    assert_eq!(done.story.unwrap().clip_tasks.len(), 1);
    assert!(
        done.next_step.contains("Clip 1 of 3 failed") && done.next_step.contains("stylised"),
        "{}",
        done.next_step
    );
    assert_eq!(fake.tasks_created(), 1, "nothing after the failed clip");
}

// On tokio's paused clock: the clips stay queued while the budget is checked.
#[tokio::test(start_paused = true)]
async fn a_running_story_holds_its_whole_price_against_the_daily_budget_until_it_ends() {
    let out = tempfile::tempdir().unwrap();
    let budgeted = Settings {
        sim_seconds: 600.0,
        daily_budget: Some(350.0),
        ..settings(out.path())
    };
    let client = connect(server_with(&budgeted, Some(Arc::default()))).await;
    let mut story = three_clips();
    story["chain"] = json!(false);
    let submitted: SubmitStoryOutput = call_ok(&client, "submit_story", story).await;
    assert_eq!(submitted.estimated_price.unwrap().amount, 300.0);
    // Only the first clip is made so far, yet all three are counted.
    let one_more = json!({"prompt": "0-10s: a gull glides", "duration": 10});
    let err = call_err(&client, "submit_task", one_more.clone()).await;
    assert!(err.starts_with("spend_limit"), "{err}");
    let story_id = submitted.story_id.unwrap();
    let _: TaskSummary = call_ok(&client, "cancel_task", json!({ "task_id": story_id })).await;
    // Cancelled, the story holds nothing more than its one clip.
    let _: SubmitTaskOutput = call_ok(&client, "submit_task", one_more).await;
}

/// The end-to-end case, with the real video library: three chained 10 s
/// clips on the simulator, one submit_story, one joined MP4 that FFmpeg's own
/// decoders (PyAV) find to be the three clips: the summed length within a frame,
/// every frame, and the sound in step at each join.
#[tokio::test]
async fn three_chained_clips_on_the_simulator_make_one_joined_file() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server_with(&settings(out.path()), None)).await;
    let submitted: SubmitStoryOutput = call_ok(&client, "submit_story", three_clips()).await;
    let done = wait_story(&client, &submitted.story_id.unwrap()).await;
    assert_eq!(done.status, TaskStatus::Succeeded, "{done:?}");
    let story = done.story.clone().unwrap();
    assert_eq!(story.clip_tasks.len(), 3, "{done:?}");
    let joined = story
        .stitched_file
        .clone()
        .unwrap_or_else(|| panic!("not joined: {done:?}"));
    assert_eq!(
        done.local_files.len(),
        4,
        "the joined file, then each clip: {done:?}"
    );
    assert_eq!(done.local_files[0], joined);
    let clips = &done.local_files[1..];
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&joined, &"0"];
    args.extend(clips.iter().map(|p| p as &dyn AsRef<std::ffi::OsStr>));
    common::python::run_script("check_join.py", &args);
}
