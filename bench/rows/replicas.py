"""Row 11: the team server's tool calls per second over streamable HTTP with its
journal on SQLite (1 replica) and on PostgreSQL (1 and 2 replicas sharing one
schema), measured side by side in one run: the set-ups take turns, round after
round, so load from elsewhere on the machine hurts them alike."""

import json
import os
import statistics

from .common import (EXAMPLES, HttpSession, fmt, http_servers, load_average, postgres_schema,
                     postgres_settings, run_json, scratch, table)

SESSIONS = 16
ROUNDS = 3
PROMPT = "a lighthouse at dusk, waves breaking on the rocks"
# An image task: get_task of a finished video also decodes a preview strip of it
# on every call (measured apart, below), which would hide the journal.
IMAGE_MODEL = "seedream-4.5"
VIDEO_MODEL = "seedance-2.0-fast"

# (key, label, replicas, journal on PostgreSQL)
SETUPS = [
    ("sqlite-1", "1 replica, SQLite", 1, False),
    ("postgres-1", "1 replica, PostgreSQL", 1, True),
    ("postgres-2", "2 replicas, PostgreSQL (one schema)", 2, True),
]


def mix(task_id):
    """The calls each session makes in turn; every one reads the journal."""
    return [
        {"tool": "list_tasks", "arguments": {}},
        {"tool": "get_task", "arguments": {"task_id": task_id}},
        {"tool": "submit_task", "arguments": {"prompt": "a red kite over a green hill", "dry_run": True}},
    ]


def finished_task(url, model=IMAGE_MODEL):
    """Submits a simulated task through one replica and waits until it is finished
    with its file saved: from then on get_task is answered from the journal."""
    session = HttpSession(url)
    try:
        task_id = session.call("submit_task", {"prompt": PROMPT, "model": model})["task_id"]
        for _ in range(20):
            answer = session.call("get_task", {"task_id": task_id, "wait_seconds": 10})
            if answer.get("finished"):
                if answer.get("status") != "succeeded" or not answer.get("local_files"):
                    raise RuntimeError(f"the simulated task ended as {answer.get('status')}: {answer}")
                return task_id
        raise RuntimeError("the simulated task did not finish")
    finally:
        session.close()


def load_argv(urls, calls, seconds, warmup, sessions):
    argv = [str(EXAMPLES / "http_load"), "mcp", "--sessions", str(sessions), "--seconds", str(seconds),
            "--warmup-seconds", str(warmup), "--mix", json.dumps(calls)]
    for url in urls:
        argv += ["--url", url]
    return argv


def replicas(opts):
    seconds, warmup = opts.n(5.0, 1.5), opts.n(1.0, 0.5)
    rounds = opts.n(ROUNDS, 1)
    sim = {"SEEDANCE_PROVIDER": "sim", "SEEDANCE_SIM_SECONDS": "1"}
    runs = {key: [] for key, *_ in SETUPS}
    loads = []
    with scratch("replicas") as work:
        # Every set-up is up for the whole row (idle while another is measured),
        # each on its own fresh schema or journal file.
        with postgres_schema() as url_1, postgres_schema() as url_2, \
                http_servers(1, sim, work / "sqlite-1") as (lite_urls, _), \
                http_servers(1, {**sim, "SEEDANCE_DATABASE_URL": url_1}, work / "postgres-1") as (pg1_urls, _), \
                http_servers(2, {**sim, "SEEDANCE_DATABASE_URL": url_2}, work / "postgres-2") as (pg2_urls, _):
            urls = {"sqlite-1": lite_urls, "postgres-1": pg1_urls, "postgres-2": pg2_urls}
            tasks = {key: finished_task(found[0]) for key, found in urls.items()}
            for _ in range(rounds):
                loads.append(load_average())
                for key, *_ in SETUPS:
                    runs[key].append(run_json(load_argv(urls[key], mix(tasks[key]), seconds, warmup, SESSIONS)))
            loads.append(load_average())
            video = finished_task(lite_urls[0], VIDEO_MODEL)
            get_video = [{"tool": "get_task", "arguments": {"task_id": video}}]
            preview = run_json(load_argv(lite_urls, get_video, opts.n(3.0, 1.0), 0.5, 1))
            get_image = [{"tool": "get_task", "arguments": {"task_id": tasks["sqlite-1"]}}]
            no_preview = run_json(load_argv(lite_urls, get_image, opts.n(3.0, 1.0), 0.5, 1))

    def median(key, field):
        return statistics.median(r[field] for r in runs[key])

    base = median("sqlite-1", "calls_per_sec")
    pg1 = median("postgres-1", "calls_per_sec")
    rows = []
    for key, label, count, _ in SETUPS:
        rate = median(key, "calls_per_sec")
        rows.append([label, " / ".join(f"{r['calls_per_sec']:,.0f}" for r in runs[key]), f"{rate:,.0f}",
                     fmt(median(key, "p50_ms"), 2), fmt(median(key, "p99_ms"), 2),
                     sum(r["errors"] for r in runs[key]), fmt(rate / base), fmt(rate / pg1)])
    settings = postgres_settings(["synchronous_commit", "max_connections", "shared_buffers"])
    details = table(["set-up", "calls/s per round", "calls/s median", "p50 ms", "p99 ms", "errors",
                     "vs SQLite", "vs 1 PG replica"], rows)
    details += (
        f"\n\n{rounds} rounds; in each, the three set-ups take turns ({SESSIONS} sessions, {warmup:g} s of warm-up, "
        f"{seconds:g} s measured), so a busy moment on the machine hurts all three; the table gives each round "
        "and the median (p50/p99 are medians over the rounds). Load average (1 min) at the rounds: "
        + ", ".join(f"{v:.1f}" for v in loads) + f", on {os.cpu_count()} cores. "
        "Every session calls, in turn, `list_tasks` (the simulator first refreshes its unfinished tasks: "
        "two journal reads), `get_task` of a finished simulated image task (`seedream-4.5`; answered from the "
        "journal: the story look-up and the task's row, and a check that its file is on disk) and "
        "`submit_task` with `dry_run: true` (the duplicate look in the journal; nothing is written). The "
        "provider is the "
        "simulator (no network). Each replica is the release binary `serve --http` with its own data folder; "
        "the PostgreSQL set-ups get a fresh schema each (`SEEDANCE_DATABASE_URL=…?options=-csearch_path%3D<schema>`"
        f", PostgreSQL on 127.0.0.1 over TCP, {', '.join(f'{k}={v}' for k, v in settings.items())}). "
        "Two replicas get the sessions round-robin, each session staying on its replica (stateful sessions; "
        "a load balancer without sticky sessions would need `--http-stateless`). "
        "**The machine has 2 cores**: the load generator (`examples/http_load.rs`, one thread), the "
        "replicas and PostgreSQL share them, so two replicas cannot add CPU here; the 2-replica figure shows "
        "the cost of sharing one database, not the gain of a second machine. Load generator: "
        "`<target dir>/release/examples/http_load mcp --url URL1 [--url URL2] --sessions 16 --mix '[…]'`."
        f"\n\n**Why an image task:** `get_task` of a finished simulated *video* answers "
        f"{preview['calls_per_sec']:,.0f} calls/s at 1 session (p50 {fmt(preview['p50_ms'], 1)} ms), against "
        f"{no_preview['calls_per_sec']:,.0f} calls/s (p50 {fmt(no_preview['p50_ms'], 2)} ms) for the image task, "
        "on the SQLite replica right after the rounds. A video's answer carries a preview strip of its frames; "
        "it is decoded once per version of the file and then kept (`Service::preview_png`; before it was kept, "
        "17-18 calls/s, p50 53-62 ms), so the image task keeps the row about the journal.")
    return {
        "summary": [{
            "measure": f"team server: tool calls/s over HTTP, journal-reading mix, {SESSIONS} sessions (median of "
                       f"{rounds})",
            "target": "–",
            "values": {"seedance-mcp": f"SQLite {base:,.0f}/s; PostgreSQL 1 replica {pg1:,.0f}/s "
                                       f"({pg1 / base:.2f}×), 2 replicas "
                                       f"{median('postgres-2', 'calls_per_sec'):,.0f}/s "
                                       f"({median('postgres-2', 'calls_per_sec') / base:.2f}×; 2 cores shared "
                                       "with the load generator)"},
            "met": None,
        }],
        "details": details,
        "data": {"runs": runs, "loads": loads, "tasks": tasks, "settings": settings,
                 "video_get_task": preview, "image_get_task": no_preview},
    }
