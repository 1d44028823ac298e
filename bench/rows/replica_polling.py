"""Row 12: provider status requests per task when every replica of a team server
is asked about the same task, 1 replica against 3 on one PostgreSQL schema.

The provider is the xskill fake behind examples/timed_provider.rs, whose tasks
finish a set wall-clock time after their create (the fakes alone advance by
reads, which would make the count the same whoever polls) and which counts every
status query per task. Both set-ups run at the same time against the one fake, on
tasks with the same durations."""

import json
import statistics
import subprocess
import threading
import time
import urllib.request

from .common import (EXAMPLES, HttpSession, base_env, fmt, http_servers, load_average, postgres_schema,
                     scratch, stop, table)

# Video tasks (the service assumes 90 s for those: first scheduled check at 45 s).
DURATIONS = (50, 60, 70)
WAIT_SECONDS = 50
PROMPT = "a paper boat drifting down a rain gutter, close-up"

# (key, label, replicas)
SETUPS = [("one", "1 replica", 1), ("three", "3 replicas, one schema", 3)]


class TimedProvider:
    def __init__(self, durations):
        self.proc = subprocess.Popen(
            [str(EXAMPLES / "timed_provider"), "--complete-after-secs", ",".join(str(d) for d in durations)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.base_url = self.proc.stdout.readline().strip()
        self.env = dict(pair.split("=", 1) for pair in self.proc.stdout.readline().split())
        if not self.base_url.startswith("http://127.0.0.1:"):
            stop(self.proc)
            raise RuntimeError(f"timed_provider printed {self.base_url!r}")

    def stats(self):
        with urllib.request.urlopen(f"{self.base_url}/_bench/stats", timeout=10) as answer:
            return json.load(answer)["tasks"]

    def close(self):
        stop(self.proc)


def watch(url, task_id, outcome):
    """One MCP client: get_task with wait_seconds on the task until it finishes."""
    started = time.monotonic()
    calls = 0
    try:
        session = HttpSession(url, timeout=WAIT_SECONDS + 60)
        try:
            while time.monotonic() - started < 300:
                answer = session.call("get_task", {"task_id": task_id, "wait_seconds": WAIT_SECONDS})
                calls += 1
                if answer.get("finished"):
                    outcome.update(status=answer.get("status"), seconds=time.monotonic() - started, calls=calls)
                    return
            outcome.update(status="still running", calls=calls)
        finally:
            session.close()
    except Exception as error:  # noqa: BLE001 — reported in the row, not raised from a thread
        outcome.update(status=f"error: {error}", calls=calls)


def replica_polling(opts):
    del opts  # one round: the tasks' own durations set the row's length
    loads = [load_average()]
    # Creation order: each duration once per set-up, so both get the same tasks.
    order = [(d, key) for d in DURATIONS for key, *_ in SETUPS]
    fake = TimedProvider([d for d, _ in order])
    threads, watched = [], []
    try:
        with scratch("replica-polling") as work, postgres_schema() as url_one, postgres_schema() as url_three, \
                http_servers(1, {**fake.env, "SEEDANCE_DATABASE_URL": url_one}, work / "one") as (one, _), \
                http_servers(3, {**fake.env, "SEEDANCE_DATABASE_URL": url_three}, work / "three") as (three, _):
            urls = {"one": one, "three": three}
            for duration, key in order:
                submitter = HttpSession(urls[key][0])
                try:
                    task_id = submitter.call("submit_task", {"prompt": f"{PROMPT} ({duration} s, {key})"})["task_id"]
                finally:
                    submitter.close()
                for n, url in enumerate(urls[key]):
                    outcome = {}
                    watched.append({"setup": key, "duration": duration, "task_id": task_id, "replica": n,
                                    "outcome": outcome})
                    thread = threading.Thread(target=watch, args=(url, task_id, outcome), daemon=True)
                    thread.start()
                    threads.append(thread)
            for thread in threads:
                thread.join(timeout=400)
            loads.append(load_average())
            stats = fake.stats()
    finally:
        fake.close()

    per_task = {}
    for w in watched:
        entry = per_task.setdefault(w["task_id"], {"setup": w["setup"], "duration": w["duration"], "clients": []})
        entry["clients"].append(w["outcome"])
    rows = []
    by_setup = {key: [] for key, *_ in SETUPS}
    for task_id, entry in per_task.items():
        counted = stats.get(task_id, {})
        queries = counted.get("queries")
        by_setup[entry["setup"]].append(queries)
        statuses = sorted({c.get("status", "?") for c in entry["clients"]})
        noticed = [c["seconds"] for c in entry["clients"] if "seconds" in c]
        rows.append([dict((k, label) for k, label, _ in SETUPS)[entry["setup"]], f"{entry['duration']} s",
                     queries, counted.get("forwarded"), fmt(counted.get("done_served_after_s"), 1),
                     fmt(max(noticed), 1) if noticed else "–", sum(c.get("calls", 0) for c in entry["clients"]),
                     ", ".join(statuses)])
    rows.sort(key=lambda r: (r[0], r[1]))
    for task_id, entry in per_task.items():
        done = stats.get(task_id, {}).get("done_served_after_s")
        # A task seen finished before its time means the front let two reads through:
        # the counts would be too low, so the row refuses to report them.
        if done is None or done < entry["duration"]:
            raise RuntimeError(f"task {task_id} ({entry['duration']} s) was answered finished at {done} s")
    one = statistics.median(by_setup["one"])
    three = statistics.median(by_setup["three"])
    ratio = three / one if one else float("nan")
    details = table(["set-up", "task takes", "status requests to the provider", "of which read the fake",
                     "first finished answer, s after create", "slowest client done, s after it began",
                     "get_task calls", "outcome"], rows)
    details += (
        f"\n\nMedian status requests per task: 1 replica {fmt(one, 1)}, 3 replicas {fmt(three, 1)} "
        f"(**{ratio:.2f}×**). Each replica has one MCP client (streamable HTTP) calling "
        f"`get_task` with `wait_seconds: {WAIT_SECONDS}` on the same task until it is finished; the task was "
        "submitted through the first replica. The replicas are the release binary `serve --http`, each with "
        "its own data folder, on one fresh PostgreSQL schema per set-up; both set-ups run at the same time "
        "against one provider. The provider is the strict xskill fake behind `examples/timed_provider.rs`, "
        "whose tasks finish a set time after their create and which counts every status query per task "
        "(\"read the fake\": the queries passed on; the others got the fake's last answer again). Video tasks, "
        "so the service's schedule assumes 90 s: it checks once when first asked, then from 45 s after the "
        "submit, every 10 % of the task's age plus 2 s. The create and the result download are not counted. "
        "Load average (1 min) at start and end: " + ", ".join(f"{v:.1f}" for v in loads) + ". "
        "Without a shared lease on checks, every replica runs its own schedule, so the requests grow with the "
        "number of replicas watching; re-run this row (`python3 bench/run.py --only replica-polling`) once "
        "replicas share their checks.")
    return {
        "summary": [{
            "measure": "provider status requests per task, every replica waiting on it: 1 vs 3 replicas (median "
                       f"of {len(DURATIONS)} tasks of {'/'.join(str(d) for d in DURATIONS)} s)",
            "target": "– (shared checks would make it ≈ 1×)",
            "values": {"seedance-mcp": f"{fmt(one, 1)} vs {fmt(three, 1)} ({ratio:.2f}×)"},
            "met": None,
        }],
        "details": details,
        "data": {"watched": watched, "stats": stats, "loads": loads},
    }
