#!/usr/bin/env python3
"""Every benchmark in one command; writes BENCHMARKS.md at the repository root.

    python3 bench/run.py                      # all rows (about 9 minutes), writes BENCHMARKS.md
    python3 bench/run.py --with-clean-build   # also times a clean release build (5-6 more minutes)
    python3 bench/run.py --only spawn,rtt     # chosen rows, printed to stdout; BENCHMARKS.md untouched
    python3 bench/run.py --quick              # fewer repetitions, for working on the harness

It first builds what it measures (`cargo build --release`, the shipped binary, and the
bench examples, which use the provider fakes of crates/provider-fakes), installs the
Python baseline's pinned dependencies into <cargo target dir>/bench-venv and the Node
reference server into bench/node/node_modules (both only when missing or changed), then
runs the rows.
Cargo's target dir is $CARGO_TARGET_DIR, else ./target. Needs Linux (/proc), Rust,
python3 and node/npm.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rows import (build, common, http, journal, media, memory, polling, replica_polling, replicas,  # noqa: E402
                  stdio)
from rows.common import (BENCH, BINARY, EVERYTHING, NODE, NODE_DIR, OURS, PYTHON, REPO, TARGET,  # noqa: E402
                         VENV, VENV_PYTHON, WORK, met, table)

# (number, --only name, title, function)
ROWS = [
    (1, "spawn", "Spawn → initialize over stdio", stdio.spawn),
    (2, "rss", "Idle memory after initialize", stdio.idle_rss),
    (3, "rtt", "Round trips over stdio", stdio.round_trips),
    (4, "http", "Streamable HTTP throughput", http.http_load),
    (5, "polling", "Provider requests per task and delay to notice completion", polling.polling),
    (6, "memory", "Peak memory while downloading and uploading", memory.memory),
    (7, "build", "Binary size and clean build time", build.build),
    (8, "tools-list", "`tools/list` answer size", stdio.tools_list_size),
    (9, "media", "Stitching memory and simulator render time", media.media),
    (10, "journal", "Journal write latency, SQLite and PostgreSQL", journal.journal),
    (11, "replicas", "Team server: HTTP calls/s on SQLite and on PostgreSQL with 1 and 2 replicas",
     replicas.replicas),
    (12, "replica-polling", "Team server: provider requests per task with 1 and 3 replicas",
     replica_polling.replica_polling),
]
# The bench examples each row runs (all of them are built for a full run).
ROW_EXAMPLES = {
    "spawn": ("fake_provider",),
    "rss": ("fake_provider",),
    "tools-list": ("fake_provider",),
    "http": ("fake_provider", "http_load"),
    "rtt": ("fake_provider", "http_load"),
    "polling": ("poll_sim",),
    "memory": ("fake_provider",),
    "media": ("sim_render",),
    "journal": ("journal_write",),
    "replicas": ("http_load",),
    "replica-polling": ("timed_provider",),
}
EXAMPLE_NAMES = ("fake_provider", "http_load", "poll_sim", "sim_render", "journal_write", "timed_provider")
# Rows that run the Python venv (the baseline, or PyAV for clips) or the Node server.
BASELINE_ROWS = {"spawn", "rss", "rtt", "http", "memory", "tools-list", "media"}


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def sh(argv, **kwargs):
    log(" ".join(str(a) for a in argv))
    subprocess.run([str(a) for a in argv], check=True, **kwargs)


def output(argv, cwd=None):
    try:
        done = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, check=False)
        return (done.stdout or done.stderr).strip()
    except OSError:
        return "not installed"


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------
# Setup
# ---------------------------------------------------------------------------

def setup(chosen):
    WORK.mkdir(parents=True, exist_ok=True)
    sh(["cargo", "build", "--release", "--locked"], cwd=REPO)
    # The examples build with the dev-dependencies (the provider fakes), whose features
    # could change a shared dependency: keep a copy of the shipped binary, built
    # without them, and measure that.
    shutil.copy2(TARGET / "release" / "seedance-mcp", BINARY)
    # `--only` builds just the examples its rows run (each is a fat-LTO link).
    names = sorted({n for row in chosen for n in ROW_EXAMPLES.get(row, ())}) if chosen else EXAMPLE_NAMES
    examples = [arg for name in names for arg in ("--example", name)]
    if examples:
        sh(["cargo", "build", "--release", "--locked", *examples], cwd=REPO)
    if chosen and not BASELINE_ROWS.intersection(chosen):
        return

    requirements = BENCH / "requirements.txt"
    stamp = VENV / ".requirements-sha256"
    if not VENV_PYTHON.exists() or not stamp.exists() or stamp.read_text() != digest(requirements):
        shutil.rmtree(VENV, ignore_errors=True)
        sh(["python3", "-m", "venv", VENV])
        sh([VENV_PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "-r", requirements])
        stamp.write_text(digest(requirements))

    lock = NODE_DIR / "package-lock.json"
    stamp = NODE_DIR / "node_modules" / ".lock-sha256"
    if not stamp.exists() or stamp.read_text() != digest(lock):
        sh(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NODE_DIR)
        stamp.write_text(digest(lock))


# ---------------------------------------------------------------------------
# Machine and versions
# ---------------------------------------------------------------------------

def machine():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    os_name = "Linux"
    release = Path("/etc/os-release")
    if release.exists():
        found = re.search(r'PRETTY_NAME="([^"]+)"', release.read_text())
        os_name = found.group(1) if found else os_name
    return {
        "CPU": cpu,
        "cores (online / usable by this process)": f"{os.cpu_count()} / {len(os.sched_getaffinity(0))}",
        "RAM": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "OS": f"{os_name}, kernel {platform.release()}",
    }


def lock_version(crate):
    text = (REPO / "Cargo.lock").read_text()
    found = re.search(rf'name = "{re.escape(crate)}"\nversion = "([^"]+)"', text)
    return found.group(1) if found else "?"


def package_json_version(path):
    try:
        return json.loads(path.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "?"


def versions():
    python_packages = output([str(VENV_PYTHON), "-c",
                              "import importlib.metadata as m; print(', '.join(f'{p} {m.version(p)}' "
                              "for p in ('mcp', 'httpx', 'pydantic', 'starlette', 'uvicorn')))"])
    commit = output(["git", "rev-parse", "--short", "HEAD"], cwd=REPO)
    dirty = output(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO)
    sdk = NODE_DIR / "node_modules" / "@modelcontextprotocol" / "sdk" / "package.json"
    return {
        "seedance-mcp": f"{lock_version('seedance-mcp')} at commit {commit}{' (with local changes)' if dirty else ''}",
        "Rust": f"{output(['rustc', '-V'])}; {output(['cargo', '-V'])}",
        "Rust crates": ", ".join(f"{c} {lock_version(c)}" for c in ("rmcp", "tokio", "axum", "reqwest",
                                                                     "rusqlite")),
        "Python": f"{output([str(VENV_PYTHON), '--version'])} (venv); harness on {platform.python_version()}",
        "Python packages": python_packages,
        "Node": f"{output(['node', '--version'])}, npm {output(['npm', '--version'])}",
        "Node packages": f"@modelcontextprotocol/server-everything {package_json_version(EVERYTHING / 'package.json')}, "
                         f"@modelcontextprotocol/sdk {package_json_version(sdk)}",
    }


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

def command_for(name, with_clean_build=False):
    extra = " --with-clean-build" if with_clean_build else ""
    return f"python3 bench/run.py --only {name}{extra}"


def render(results, started, finished, loads, note, info, vers, with_clean_build):
    lines = ["# Benchmarks", ""]
    lines.append(f"Made by **`python3 bench/run.py`** (add `--with-clean-build` to also time a clean release "
                 f"build); each section below gives the command that re-runs that row alone. "
                 f"Run {started:%Y-%m-%d %H:%M} – {finished:%H:%M} UTC.")
    lines.append("")
    busy = loads[0] > (os.cpu_count() or 1) / 2
    warning = (f"Load average {loads[0]:.1f} when the run started and {loads[1]:.1f} when it ended, on "
               f"{os.cpu_count()} cores")
    if note:
        lines.append(f"> **Note:** {note} {warning}.")
    elif busy:
        lines.append(f"> **Note:** the machine was busy with other work during this run, so the figures are "
                     f"noisy. {warning}.")
    else:
        lines.append(f"> {warning}.")
    lines.append("")
    lines.append("Baselines ran in the same run, on the same machine, against the same fake provider: "
                 f"**{PYTHON}** is `bench/baseline_python/server.py`, the same four xskill tools written with "
                 "the official MCP Python SDK (`MCPServer`, formerly FastMCP) and httpx, polling every 5 s "
                 f"when it waits; **{NODE}** is the Node reference server "
                 "`@modelcontextprotocol/server-everything`, for transport figures. The provider is the "
                 "xskill fake from `crates/provider-fakes` running as its own process "
                 "(`examples/fake_provider.rs`).")
    lines += ["", "## Machine and versions", ""]
    lines.append(table(["what", "value"], list(info.items()) + list(vers.items())))
    lines += ["", "## Summary", ""]
    summary = []
    for number, name, title, _ in ROWS:
        if name not in results:
            continue
        for entry in results[name]["summary"]:
            v = entry["values"]
            summary.append([number, entry["measure"], entry["target"], v.get(OURS, "–"), v.get(PYTHON, "–"),
                            v.get(NODE, "–"), met(entry["met"])])
    lines.append(table(["#", "measure", "target", OURS, PYTHON, NODE, "target met"], summary))
    for number, name, title, _ in ROWS:
        if name not in results:
            continue
        lines += ["", f"## {number}. {title}", ""]
        lines.append(f"Re-run alone: `{command_for(name, with_clean_build and name == 'build')}`")
        lines += ["", results[name]["details"]]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated rows: " + ", ".join(name for _, name, _, _ in ROWS))
    parser.add_argument("--with-clean-build", action="store_true", help="also time a clean release build")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (for harness work)")
    parser.add_argument("--note", help="a sentence for the top of BENCHMARKS.md")
    parser.add_argument("--output", default=str(REPO / "BENCHMARKS.md"), help="where the full run writes")
    args = parser.parse_args()

    known = {name for _, name, _, _ in ROWS}
    chosen = [name.strip() for name in args.only.split(",")] if args.only else [n for _, n, _, _ in ROWS]
    unknown = [name for name in chosen if name not in known]
    if unknown:
        parser.error(f"unknown rows {unknown}; known: {sorted(known)}")

    started = datetime.datetime.now(datetime.timezone.utc)
    load_start = os.getloadavg()[0]
    setup(chosen if args.only else None)
    opts = common.Options(quick=args.quick)
    results = {}
    for number, name, title, function in ROWS:
        if name not in chosen:
            continue
        log(f"row {number}: {title}")
        began = time.monotonic()
        results[name] = (function(opts, args.with_clean_build) if name == "build" else function(opts))
        log(f"row {number} done in {time.monotonic() - began:.0f} s")
    finished = datetime.datetime.now(datetime.timezone.utc)
    report = render(results, started, finished, (load_start, os.getloadavg()[0]), args.note, machine(),
                    versions(), args.with_clean_build)
    raw = WORK / "results.json"
    raw.write_text(json.dumps({name: r["data"] for name, r in results.items()}, indent=2, default=str))
    if args.only or args.quick:
        print(report)
        log(f"printed only (raw figures in {raw}); BENCHMARKS.md is written by a full run")
    else:
        Path(args.output).write_text(report)
        log(f"wrote {args.output} (raw figures in {raw})")


if __name__ == "__main__":
    main()
