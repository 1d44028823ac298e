"""Row 9: stitching and the simulator. Peak memory of the release binary's
`stitch` joining two 50 MB clips (made here with PyAV: x264 with B-frames and
AAC, like the models' files), and how long the simulator takes to render a
15 s clip at the old 320x180 and the new 480p frame size
(examples/sim_render.rs)."""

import json
import os
import subprocess

from .common import BENCH, BINARY, EXAMPLES, MIB, OURS, VENV_PYTHON, base_env, fmt, fmt_spread, scratch, spread, table
from .memory import peak_of_run

CLIP_SECONDS = 15
# About 50 MB in 15 s of 720p: the noise in each frame keeps x264 at its bitrate.
CLIP_BITRATE = 27_000_000
STITCH_TARGET_MIB = 40
MAKE_CLIPS = BENCH.parent / "tests" / "python" / "make_clips.py"


def _clips(folder):
    if not (folder / "clip1.mp4").exists():
        subprocess.run([str(VENV_PYTHON), str(MAKE_CLIPS), str(folder), str(CLIP_SECONDS), str(CLIP_SECONDS),
                        "--size", "1280x720", "--bitrate", str(CLIP_BITRATE)], check=True,
                       stdout=subprocess.DEVNULL)
    return [folder / "clip0.mp4", folder / "clip1.mp4"]


def _render(width, height, runs):
    out = subprocess.run([str(EXAMPLES / "sim_render"), str(width), str(height), str(CLIP_SECONDS), "12",
                          str(runs)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def media(opts):
    runs = opts.n(5, 2)
    with scratch("media") as dirs:
        inputs = _clips(dirs)
        sizes = [os.path.getsize(p) for p in inputs]
        peaks, answers = [], []
        for n in range(runs):
            run = dirs / f"run{n}"
            run.mkdir()
            env = base_env({"SEEDANCE_DATA_DIR": str(run / "journal"), "SEEDANCE_OUTPUT_DIR": str(run / "out"),
                            "SEEDANCE_ALLOWED_DIRS": str(dirs), "SEEDANCE_PROVIDER": "sim"})
            code, out, err, peak = peak_of_run([str(BINARY), "--json", "stitch", *map(str, inputs)], env, run)
            if code != 0:
                raise RuntimeError(f"stitch failed: {err[-500:]}")
            peaks.append(peak)
            answers.append(json.loads(out))
        joined = answers[-1]
        joined_bytes = os.path.getsize(joined["path"])
    old = _render(320, 180, runs)
    new = _render(854, 480, runs)
    peak = spread(peaks)
    old_ms, new_ms = spread(old["millis"]), spread(new["millis"])
    rows = [
        ["CLI `stitch` of two 50 MB clips (peak RSS, MiB)", fmt_spread(peak, "", 1), f"< {STITCH_TARGET_MIB}",
         f"inputs {sizes[0]:,} + {sizes[1]:,} bytes, output {joined_bytes:,} bytes, "
         f"{joined['method']}, {joined['duration_seconds']} s"],
        [f"simulator: render a {CLIP_SECONDS} s clip at 12 fps, 320x180 (the old size), ms",
         fmt_spread(old_ms, "", 0), "–", f"{old['bytes']:,} bytes"],
        [f"simulator: render a {CLIP_SECONDS} s clip at 12 fps, 854x480 (the new size, with AAC), ms",
         fmt_spread(new_ms, "", 0), "–", f"{new['bytes']:,} bytes"],
    ]
    details = table(["what", "measured", "target", "notes"], rows)
    details += (f"\n\nMedian of {runs} runs. The clips come from `tests/python/make_clips.py` (PyAV: x264 "
                f"High profile with B-frames at {CLIP_BITRATE // 1_000_000} Mbit/s, 1280x720, 24 fps, and "
                "AAC with its priming edit list), and the stitch copies their samples unchanged (a remux): "
                "its memory holds the sample tables, not the media. The peak is GNU time's `%M` of the whole "
                "process. Both render sizes use the same encoder, so the two render rows show what the "
                "larger frame costs.")
    return {
        "summary": [
            {"measure": "peak RSS stitching two 50 MB clips (CLI)", "target": f"< {STITCH_TARGET_MIB} MiB",
             "values": {OURS: f"{fmt(peak['median'], 1)} MiB"}, "met": peak["max"] < STITCH_TARGET_MIB},
            {"measure": f"simulator render of a {CLIP_SECONDS} s clip, 320x180 → 854x480",
             "target": "–", "values": {OURS: f"{fmt(old_ms['median'], 0)} → {fmt(new_ms['median'], 0)} ms"},
             "met": None},
        ],
        "details": details,
        "data": {"stitch_peaks_MiB": peaks, "inputs_bytes": sizes, "render_old": old, "render_new": new},
    }
