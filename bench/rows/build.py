"""Row 7: size of the release binary, and the clean release build time. A clean
build takes minutes, so it only runs with `--with-clean-build`; otherwise the last
measured time is read back from bench/results/clean_build.json."""

import datetime
import json
import os
import shutil
import subprocess
import time

from .common import BENCH, BINARY, MIB, OURS, REPO, TARGET, table

RESULTS = BENCH / "results" / "clean_build.json"
COMMAND = "cargo build --release --locked"


def clean_build():
    """Builds the release binary from nothing in a separate target dir, timed."""
    target = TARGET / "bench-clean-build"
    shutil.rmtree(target, ignore_errors=True)
    env = {**os.environ, "CARGO_TARGET_DIR": str(target)}
    load_at_start = os.getloadavg()[0]
    started = time.monotonic()
    subprocess.run(COMMAND.split(), cwd=REPO, env=env, check=True)
    seconds = time.monotonic() - started
    shutil.rmtree(target, ignore_errors=True)
    rustc = subprocess.run(["rustc", "-V"], capture_output=True, text=True, check=False).stdout.strip()
    record = {"seconds": round(seconds, 1), "date": datetime.date.today().isoformat(),
              "command": COMMAND + " (empty target dir; crates already downloaded)",
              "rustc": rustc, "cores": os.cpu_count(),
              "load_average": {"start": round(load_at_start, 2), "end": round(os.getloadavg()[0], 2)}}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(record, indent=2) + "\n")
    return record


def build(opts, with_clean_build=False):
    del opts
    size = BINARY.stat().st_size
    record = clean_build() if with_clean_build else None
    fresh = record is not None
    if record is None and RESULTS.exists():
        record = json.loads(RESULTS.read_text())
    if record:
        when = "measured in this run" if fresh else f"last measured {record['date']}, not re-run"
        build_text = f"{record['seconds'] / 60:.1f} min ({when})"
        build_row = [f"clean `{COMMAND}`", f"{record['seconds']:.0f} s", f"{when}; {record['rustc']}, "
                     f"{record['cores']} cores, load average {record['load_average']['start']:.1f} at start and "
                     f"{record['load_average']['end']:.1f} at the end"
                     + (f"; {record['note']}" if record.get("note") else "")]
    else:
        build_text = "never measured (run with `--with-clean-build`)"
        build_row = [f"clean `{COMMAND}`", "–", build_text]
    details = table(["what", "value", "notes"], [
        ["release binary `seedance-mcp`", f"{size:,} bytes ({size / MIB:.1f} MiB)",
         "`cargo build --release`: stripped, thin LTO, one codegen unit; no provider fakes"],
        build_row,
    ])
    details += ("\n\nThe clean build uses its own empty target directory (removed afterwards), so the "
                "incremental cache of the other rows is kept; crates already in the local registry are "
                "not downloaded again.")
    return {
        "summary": [
            {"measure": "release binary size", "target": "–",
             "values": {OURS: f"{size / MIB:.1f} MiB"}, "met": None},
            {"measure": "clean release build", "target": "–",
             "values": {OURS: build_text}, "met": None},
        ],
        "details": details,
        "data": {"binary_bytes": size, "clean_build": record},
    }
