//! How long the simulator takes to render a clip (`bench/run.py`, row "media").
//!
//! `sim_render WIDTH HEIGHT SECONDS FPS RUNS` renders the same clip RUNS times
//! and prints one JSON line: the milliseconds of each run and the file size.

use std::time::Instant;

use seedance_mcp::providers::sim::render::{ClipSpec, render_mp4};

fn main() {
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let [width, height, secs, fps, runs] = args.as_slice() else {
        eprintln!("usage: sim_render WIDTH HEIGHT SECONDS FPS RUNS");
        std::process::exit(2);
    };
    let spec = ClipSpec {
        width: *width,
        height: *height,
        fps: *fps,
        duration_secs: *secs,
        seed: 7,
        caption: "A red fox jumps over the lazy dog at sunset, cinematic".into(),
    };
    let mut millis = Vec::new();
    let mut bytes = 0;
    for _ in 0..*runs {
        let started = Instant::now();
        bytes = render_mp4(&spec).len();
        millis.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    println!("{}", serde_json::json!({"millis": millis, "bytes": bytes}));
}
