//! Agents that learned the xskill MCP keep working: every `submit_task` example
//! of the xskill skill (seed 000, `{model_id, parameters}`) and of the xskill API
//! guide (seed 001, `{model, params}` request bodies) is sent verbatim through
//! the real MCP tool layer, on the simulator and on the xskill fake, and the
//! result is found where the skill looks for it (`result.output.images[0]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{call, call_err, call_ok, connect, server, settings, xskill_settings};
use provider_fakes::{FakeControl, xskill::FakeXskill};
use rmcp::{RoleClient, service::RunningService};
use seedance_mcp::{
    domain::TaskStatus,
    service::{GetTaskOutput, SubmitTaskOutput},
};
use serde_json::{Value, json};

/// Every example, as the seed writes it, under a name that says where it is.
const EXAMPLES: &[(&str, &str)] = &[
    // Seed 000, Step 4, text to image (script method's --model and --params).
    (
        "000 text-to-image",
        r#"{"model_id": "fal-ai/bytedance/seedream/v4.5/text-to-image",
            "parameters": {"prompt":"An astronaut in a white spacesuit...","image_size":"landscape_16_9","num_images":1}}"#,
    ),
    // Seed 000, Step 4, image editing.
    (
        "000 edit",
        r#"{"model_id": "fal-ai/bytedance/seedream/v4.5/edit",
            "parameters": {"prompt":"Change the background to a forest","image_urls":["https://..."],"image_size":"landscape_16_9"}}"#,
    ),
    // Seed 000, Step 6, omni reference mode.
    (
        "000 omni reference",
        r#"{"model_id": "st-ai/super-seed2",
            "parameters": {
    "prompt": "Cinematic realistic sci-fi style, 15 seconds, 16:9...",
    "functionMode": "omni_reference",
    "image_files": ["https://img1.png", "https://img2.png"],
    "ratio": "16:9",
    "duration": 15,
    "model": "seedance_2.0_fast"
  }}"#,
    ),
    // Seed 000, Step 6, first & last frames mode.
    (
        "000 first & last frames",
        r#"{"model_id": "st-ai/super-seed2",
            "parameters": {
    "prompt": "Camera smoothly transitions from first frame to last frame, fluid motion",
    "functionMode": "first_last_frames",
    "filePaths": ["https://first-frame.png", "https://last-frame.png"],
    "ratio": "16:9",
    "duration": 5,
    "model": "seedance_2.0_fast"
  }}"#,
    ),
    // Seed 000, full workflow, step 2.
    (
        "000 workflow image",
        r#"{"model_id": "fal-ai/bytedance/seedream/v4.5/text-to-image",
            "parameters": {"prompt":"An astronaut in white spacesuit on Mars...","image_size":"landscape_16_9"}}"#,
    ),
    // Seed 001, Example 1 (also the Python and JavaScript examples).
    (
        "001 example 1",
        r#"{
    "model": "st-ai/super-seed2",
    "params": {
      "model": "seedance_2.0_fast",
      "prompt": "@image_file_1 character performs following @video_file_1 motion and camera style, cinematic lighting",
      "functionMode": "omni_reference",
      "image_files": [
        "https://your-character-image.png"
      ],
      "video_files": [
        "https://your-reference-video.mp4"
      ],
      "ratio": "16:9",
      "duration": 5
    }
  }"#,
    ),
    // Seed 001, Example 2.
    (
        "001 example 2",
        r#"{
    "model": "st-ai/super-seed2",
    "params": {
      "model": "seedance_2.0_fast",
      "prompt": "Smooth cinematic transition from first frame to last frame, elegant lighting",
      "functionMode": "first_last_frames",
      "filePaths": [
        "https://your-first-frame.png",
        "https://your-last-frame.png"
      ],
      "ratio": "16:9",
      "duration": 5
    }
  }"#,
    ),
    // Seed 001, Case 1.
    (
        "001 case 1",
        r#"{
  "model": "st-ai/super-seed2",
  "params": {
    "prompt": "@image_file_1 character performs following @video_file_1 motion and camera style, cinematic lighting",
    "functionMode": "omni_reference",
    "image_files": ["https://your-character-image.png"],
    "video_files": ["https://your-reference-video.mp4"],
    "ratio": "16:9",
    "duration": 5
  }
}"#,
    ),
    // Seed 001, Case 2.
    (
        "001 case 2",
        r#"{
  "model": "st-ai/super-seed2",
  "params": {
    "prompt": "@image_file_1 character walks slowly through a forest, sunlight filters through leaves casting dappled shadows, breeze gently moves hair",
    "functionMode": "omni_reference",
    "image_files": ["https://your-character-image.png"],
    "ratio": "9:16",
    "duration": 8
  }
}"#,
    ),
    // Seed 001, Case 3.
    (
        "001 case 3",
        r#"{
  "model": "st-ai/super-seed2",
  "params": {
    "prompt": "Smooth cinematic transition, elegant camera movement, natural lighting changes",
    "functionMode": "first_last_frames",
    "filePaths": [
      "https://your-first-frame.png",
      "https://your-last-frame.png"
    ],
    "ratio": "16:9",
    "duration": 5
  }
}"#,
    ),
    // Seed 001, Case 4.
    (
        "001 case 4",
        r#"{
  "model": "st-ai/super-seed2",
  "params": {
    "prompt": "@image_file_1 character speaks naturally, matching @audio_file_1 content with expressive lip sync",
    "functionMode": "omni_reference",
    "image_files": ["https://your-character-image.png"],
    "audio_files": ["https://your-audio-file.mp3"],
    "ratio": "16:9",
    "duration": 5
  }
}"#,
    ),
    // Seed 001, "More Examples", the text-to-video row: first_last_frames, no assets.
    (
        "001 text-to-video row",
        r#"{"model": "st-ai/super-seed2",
            "params": {"prompt": "A sunset over the ocean, waves gently crashing", "functionMode": "first_last_frames"}}"#,
    ),
];

/// Seed 000's full workflow, step 4: the image URL is the agent's to fill in.
const WORKFLOW_VIDEO: &str = r#"{"model_id": "st-ai/super-seed2",
    "parameters": {"prompt":"...storyboard prompt...","functionMode":"omni_reference","image_files":["IMAGE_URL"],"ratio":"16:9","duration":15,"model":"seedance_2.0_fast"}}"#;

fn example(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The example's own parameters (`parameters` or `params`).
fn parameters(example: &Value) -> &Value {
    example
        .get("parameters")
        .or_else(|| example.get("params"))
        .unwrap()
}

/// Submits, polls to the end, and returns get_task's answer both as the skill
/// reads it (raw JSON) and typed.
async fn run(client: &RunningService<RoleClient, ()>, args: Value) -> (Value, GetTaskOutput) {
    let submitted: SubmitTaskOutput = call_ok(client, "submit_task", args.clone()).await;
    let task_id = submitted.task_id.expect("a task id");
    for _ in 0..200 {
        let (is_error, raw) = call(client, "get_task", json!({"task_id": task_id})).await;
        assert!(!is_error, "{args}: {raw}");
        let task: GetTaskOutput = common::typed(&raw);
        if task.finished {
            return (raw, task);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{args}: never finished");
}

/// The skill's "get the URL" step: status done, URL at `result.output.images[0]`.
fn assert_found_where_the_skill_looks(name: &str, raw: &Value, task: &GetTaskOutput) {
    assert_eq!(task.status, TaskStatus::Succeeded, "{name}: {raw}");
    let url = raw["result"]["output"]["images"][0]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: no result.output.images[0] in {raw}"));
    assert_eq!(url, task.result_urls[0], "{name}");
    assert_eq!(
        task.result.as_ref().unwrap().output.images,
        task.result_urls,
        "{name}"
    );
}

#[tokio::test]
async fn every_seed_example_runs_on_the_simulator() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    for (name, text) in EXAMPLES {
        let (raw, task) = run(&client, example(text)).await;
        assert!(task.simulated, "{name}");
        assert_found_where_the_skill_looks(name, &raw, &task);
    }
}

#[tokio::test]
async fn every_seed_example_reaches_the_xskill_fake_as_the_seed_wrote_it() {
    let fake = FakeXskill::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&xskill_settings(&fake, out.path()))).await;
    for (n, (name, text)) in EXAMPLES.iter().enumerate() {
        let example = example(text);
        let (raw, task) = run(&client, example.clone()).await;
        assert_found_where_the_skill_looks(name, &raw, &task);
        // What reached xskill is the example: same model id, every parameter the
        // example set (the defaults it left out are sent explicitly).
        let created = &fake.created_tasks()[n];
        let model = example.get("model_id").or_else(|| example.get("model"));
        assert_eq!(Some(&json!(created.model)), model, "{name}");
        let Value::Object(set) = parameters(&example) else {
            panic!("{name}: parameters are an object")
        };
        for (key, value) in set {
            assert_eq!(
                &created.params[key], value,
                "{name}: {key} in {}",
                created.params
            );
        }
    }
    assert_eq!(fake.created_tasks().len(), EXAMPLES.len());
}

#[tokio::test]
async fn the_skills_workflow_runs_from_image_to_video_on_both() {
    let fake = FakeXskill::start().await.unwrap();
    for on_fake in [false, true] {
        let out = tempfile::tempdir().unwrap();
        let settings = if on_fake {
            xskill_settings(&fake, out.path())
        } else {
            settings(out.path())
        };
        let client = connect(server(&settings)).await;
        // As written, the placeholder is no URL: refused naming the entry, nothing sent.
        let sent_before = fake.create_calls();
        let text = call_err(&client, "submit_task", example(WORKFLOW_VIDEO)).await;
        assert!(text.contains("image_files[0]"), "{text}");
        assert_eq!(fake.create_calls(), sent_before);
        // Step 2 makes the image, step 3 reads its URL where the skill looks...
        let (image, _) = run(&client, example(EXAMPLES[4].1)).await;
        let image_url = image["result"]["output"]["images"][0].as_str().unwrap();
        // ...and step 4 puts it where the placeholder was.
        let filled = WORKFLOW_VIDEO.replace("IMAGE_URL", image_url);
        let (raw, task) = run(&client, example(&filled)).await;
        assert_found_where_the_skill_looks("workflow video", &raw, &task);
    }
}

#[tokio::test]
async fn a_refusal_names_the_field_as_the_caller_wrote_it() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    let cases = [
        (
            json!({"model_id": "st-ai/super-seed2", "parameters": {"prompt": "p", "functionMode": "first_last_frames",
                   "filePaths": ["https://a.example/1.png", "https://a.example/2.png", "https://a.example/3.png"]}}),
            "invalid `parameters.filePaths`",
        ),
        (
            json!({"model_id": "st-ai/super-seed2", "parameters": {"prompt": "p", "functionMode": "first_last_frames",
                   "filePaths": ["ftp://a.example/1.png"]}}),
            "invalid `parameters.filePaths[0]`",
        ),
        (
            json!({"model_id": "st-ai/super-seed2", "parameters": {"prompt": "p", "duration": 20}}),
            "invalid `parameters.duration`",
        ),
        (
            json!({"model": "st-ai/super-seed2", "params": {"prompt": "p", "ratio": "2:1"}}),
            "invalid `params.ratio`",
        ),
        (
            json!({"model_id": "fal-ai/bytedance/seedream/v4.5/text-to-image",
                   "parameters": {"prompt": "p", "functionMode": "omni_reference"}}),
            "invalid `parameters.functionMode`",
        ),
    ];
    for (args, needle) in cases {
        let text = call_err(&client, "submit_task", args.clone()).await;
        assert!(
            text.starts_with(&format!("invalid_argument: {needle}")),
            "{args}: {text}"
        );
        assert!(text.contains("nothing was charged"), "{text}");
    }
}
