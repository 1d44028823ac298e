"""Rows over stdio: spawn → initialize (1), idle memory (2), round trips (3) and
the size of the tools/list answer (8). Every server talks to the same xskill fake
(server-everything has no provider and calls its own tools)."""

import json
import time

from .common import (EXAMPLES, NODE, OURS, PYTHON, StdioSession, base_env, fake_provider, fmt,
                     fmt_spread, node_everything, ours, proc_status, python_baseline,
                     run_json, scratch, spread, structured, table)

# Keeps every task "processing": each get_task then asks the provider once.
FOREVER = 1_000_000_000


def servers(fake, dirs):
    return [ours(fake, dirs), python_baseline(fake, dirs), node_everything(dirs)]


# ---------------------------------------------------------------------------
# 1. spawn → initialize
# ---------------------------------------------------------------------------

def spawn(opts):
    runs = opts.n(20, 5)
    times = {}
    with fake_provider(processing_polls=FOREVER) as fake, scratch("spawn") as dirs:
        for server in servers(fake, dirs):
            samples = []
            for attempt in range(runs + 1):  # the first one warms the page cache
                session = server.session()
                session.initialize()
                elapsed = (session.last_arrived - session.started) * 1000
                session.close()
                if attempt:
                    samples.append(elapsed)
            times[server.name] = spread(samples)
    ok = times[OURS]["median"] <= 10
    details = table(["server", "spawn → initialize answer, ms"],
                    [[name, fmt_spread(s, " ms")] for name, s in times.items()])
    details += ("\n\nEach run starts the process, writes `initialize` to its stdin at once and stops the clock "
                "when the answer line arrives (the client is Python's `subprocess`); one unmeasured run "
                "first warms the page cache. seedance-mcp opens its SQLite journal before answering.")
    return {
        "summary": [{
            "measure": f"spawn → initialize answer, median of {runs}",
            "target": "≤ 10 ms",
            "values": {name: f"{fmt(s['median'])} ms" for name, s in times.items()},
            "met": ok,
        }],
        "details": details,
        "data": times,
    }


# ---------------------------------------------------------------------------
# 2. idle memory after initialize
# ---------------------------------------------------------------------------

def idle_rss(opts):
    runs = opts.n(5, 2)
    found = {}
    with fake_provider(processing_polls=FOREVER) as fake, scratch("rss") as dirs:
        for server in servers(fake, dirs):
            samples = {"VmRSS": [], "VmHWM": [], "RssAnon": [], "RssFile": []}
            for _ in range(runs):
                session = server.session()
                session.initialize()
                time.sleep(1.0)
                status = proc_status(session.pid)
                session.close()
                for key, values in samples.items():
                    values.append(status[key])
            found[server.name] = {key: spread(values) for key, values in samples.items()}
    ok = found[OURS]["VmRSS"]["median"] <= 10
    details = table(["server", "VmRSS, MiB", "VmHWM (peak so far), MiB", "of which RssAnon / RssFile, MiB"],
                    [[name, fmt_spread(v["VmRSS"], "", 1), fmt_spread(v["VmHWM"], "", 1),
                      f"{fmt(v['RssAnon']['median'], 1)} / {fmt(v['RssFile']['median'], 1)}"]
                     for name, v in found.items()])
    details += ("\n\nRead from `/proc/PID/status` 1 s after `initialize` and `notifications/initialized`, "
                f"median of {runs} processes. Python and Node are measured as their interpreter process "
                "(`python server.py`, `node dist/index.js stdio`), no wrapper. RssAnon is the process's own "
                "heap and stacks; RssFile the mapped pages of its executable and libraries.")
    return {
        "summary": [{
            "measure": "idle RSS after initialize (VmRSS)",
            "target": "≤ 10 MiB",
            "values": {name: f"{fmt(v['VmRSS']['median'], 1)} MiB" for name, v in found.items()},
            "met": ok,
        }],
        "details": details,
        "data": found,
    }


# ---------------------------------------------------------------------------
# 3. round trips
# ---------------------------------------------------------------------------

def _timed(session, count, warmup, method, params=None):
    samples = []
    for index in range(warmup + count):
        answer, line, seconds = session.request(method, params)
        if session.echo:
            answer = {"result": {}}
        if "result" not in answer or answer["result"].get("isError"):
            raise RuntimeError(f"{method} failed: {line[:300]!r}")
        if index >= warmup:
            samples.append(seconds * 1000)
    return spread(samples)


def _submit(session):
    result, _ = session.call("submit_task", {"prompt": "a paper boat drifts down a rain gutter"})
    task_id = structured(result).get("task_id")
    if not task_id:
        raise RuntimeError(f"submit_task returned no task_id: {result}")
    return task_id


def round_trips(opts):
    count, warmup = opts.n(1000, 100), opts.n(100, 10)
    python_count = opts.n(300, 50)
    found = {}
    with fake_provider(processing_polls=FOREVER) as fake, scratch("rtt") as dirs:
        # What the Python client and the pipes cost alone: `cat` echoes each request.
        echo = StdioSession(["cat"], base_env(), echo=True)
        found["floor"] = _timed(echo, count, warmup, "ping")
        echo.close()

        task_ids = {}
        for server in servers(fake, dirs):
            n = python_count if server.name == PYTHON else count
            session = server.session()
            session.initialize()
            entry = {"ping": _timed(session, n, warmup, "ping"),
                     "tools/list": _timed(session, n, warmup, "tools/list")}
            if server.name == NODE:
                entry["echo"] = _timed(session, n, warmup, "tools/call",
                                       {"name": "echo", "arguments": {"message": "hello"}})
            else:
                task_id = task_ids[server.name] = _submit(session)
                entry["get_task"] = _timed(session, n, warmup, "tools/call",
                                           {"name": "get_task", "arguments": {"task_id": task_id}})
            session.close()
            found[server.name] = entry

        # The fake's own latency for the same query, from a Rust client on one connection.
        probe = [str(EXAMPLES / "http_load"), "post", "--url", f"{fake.base_url}/api/v3/tasks/query",
                 "--body", json.dumps({"task_id": task_ids[OURS]}), "--bearer", fake.api_key,
                 "--count", str(count), "--warmup", str(warmup)]
        direct = run_json(probe)
        found["fake_query"] = {"median": direct["p50_ms"], "p10": direct["p10_ms"],
                               "p90": direct["p90_ms"], "min": direct["min_ms"], "max": direct["max_ms"],
                               "n": direct["count"]}

    fake_ms = found["fake_query"]["median"]
    overhead = {name: found[name]["get_task"]["median"] - fake_ms for name in (OURS, PYTHON)}
    list_ms = {name: found[name]["tools/list"]["median"] for name in (OURS, PYTHON, NODE)}
    rows = [["`cat` (client + pipes only)", "echo of the request", fmt_spread(found["floor"], " ms", 3)]]
    for name in (OURS, PYTHON, NODE):
        for what, s in found[name].items():
            rows.append([name, f"`{what}`", fmt_spread(s, " ms", 3)])
    rows.append(["xskill fake, direct", "`POST /api/v3/tasks/query` (Rust client, keep-alive)",
                 fmt_spread(found["fake_query"], " ms", 3)])
    details = table(["server", "request", "round trip"], rows)
    details += (
        f"\n\nOverhead of `get_task` = its median round trip − the fake's median ({fmt(fake_ms, 3)} ms): "
        + ", ".join(f"{name} {fmt(v, 3)} ms" for name, v in overhead.items())
        + ". `get_task` is called on a task the fake keeps `processing`, so every call asks the provider "
          "once (a finished task would be answered from seedance-mcp's journal without a request). "
          "Round trips are timed by a Python client writing one line and reading the answer, after "
          f"{warmup} unmeasured calls; the `cat` row is that client's own floor, not subtracted. "
          "server-everything has no `get_task`; its `echo` tool is shown for transport comparison.")
    return {
        "summary": [
            {"measure": "`ping` round trip over stdio (transport alone), median",
             "target": "–",
             "values": {name: f"{fmt(found[name]['ping']['median'], 3)} ms" for name in (OURS, PYTHON, NODE)},
             "met": None},
            {"measure": "`tools/list` round trip over stdio, median",
             "target": "≤ 0.2 ms",
             "values": {name: f"{fmt(v, 3)} ms" for name, v in list_ms.items()},
             "met": list_ms[OURS] <= 0.2},
            {"measure": "`get_task` round trip minus the fake's latency, median",
             "target": "≤ 0.2 ms",
             "values": {**{name: f"{fmt(v, 3)} ms" for name, v in overhead.items()},
                        NODE: f"(`echo`: {fmt(found[NODE]['echo']['median'], 3)} ms)"},
             "met": overhead[OURS] <= 0.2},
        ],
        "details": details,
        "data": found,
    }


# ---------------------------------------------------------------------------
# 8. tools/list size
# ---------------------------------------------------------------------------

def tools_list_size(opts):
    del opts
    found = {}
    with fake_provider(processing_polls=FOREVER) as fake, scratch("toolslist") as dirs:
        for server in servers(fake, dirs):
            session = server.session()
            session.initialize()
            answer, line, _ = session.request("tools/list")
            session.close()
            tools = answer["result"]["tools"]
            found[server.name] = {"bytes": len(line.rstrip(b"\n")), "tools": len(tools),
                                  "names": [t["name"] for t in tools]}
    rows = [[name, v["tools"], f"{v['bytes']:,}", f"≈ {v['bytes'] // 4:,}",
             f"{v['bytes'] // max(v['tools'], 1):,}"] for name, v in found.items()]
    details = table(["server", "tools", "bytes (whole JSON-RPC line)", "tokens ≈ bytes / 4", "bytes per tool"],
                    rows)
    details += "\n\nTools listed:\n\n" + "\n".join(
        f"- {name}: " + ", ".join(f"`{t}`" for t in v["names"]) for name, v in found.items())
    return {
        "summary": [{
            "measure": "`tools/list` answer size (≈ tokens)",
            "target": "– (smaller is better)",
            "values": {name: f"{v['bytes']:,} B (≈ {v['bytes'] // 4:,} tok, {v['tools']} tools)"
                       for name, v in found.items()},
            "met": None,
        }],
        "details": details,
        "data": found,
    }
