"""Row 4: tool calls per second over streamable HTTP at 1, 16 and 64 concurrent
sessions, driven by examples/http_load.rs (Rust, one runtime thread, on the same
2 cores as the server)."""

import json
import subprocess

from .common import (BINARY, EXAMPLES, NODE, OURS, PYTHON, PYTHON_SERVER, VENV_PYTHON, base_env,
                     everything_entry, fake_provider, fmt, free_port, proc_status, run_json, scratch,
                     stop, table, wait_for_port)

SESSIONS = (1, 16, 64)
TARGET_CALLS_PER_SEC = 5000


def _targets(fake, dirs):
    """(label, argv builder, env, tool, arguments) for each server under load."""
    journal = {"SEEDANCE_DATA_DIR": str(dirs / "journal"), "SEEDANCE_OUTPUT_DIR": str(dirs / "out")}
    return [
        (f"{OURS}, simulator, `get_balance`",
         lambda port: [str(BINARY), "serve", "--http", f"127.0.0.1:{port}"],
         {**journal, "SEEDANCE_PROVIDER": "sim"}, "get_balance", {}),
        (f"{OURS}, xskill fake, `get_balance`",
         lambda port: [str(BINARY), "serve", "--http", f"127.0.0.1:{port}"],
         {**journal, **fake.env}, "get_balance", {}),
        (f"{PYTHON}, xskill fake, `get_balance`",
         lambda port: [str(VENV_PYTHON), str(PYTHON_SERVER), "--http", str(port)],
         {"XSKILL_API_KEY": fake.api_key, "XSKILL_BASE_URL": fake.base_url}, "get_balance", {}),
        (f"{NODE}, `echo`",
         lambda port: ["node", everything_entry(), "streamableHttp"],
         {"PORT": "{port}"}, "echo", {"message": "hello"}),
    ]


def load_argv(url, sessions, seconds, warmup, tool, arguments):
    return [str(EXAMPLES / "http_load"), "mcp", "--url", url, "--sessions", str(sessions),
            "--seconds", str(seconds), "--warmup-seconds", str(warmup), "--tool", tool,
            "--arguments", json.dumps(arguments)]


def http_load(opts):
    seconds, warmup = opts.n(5.0, 1.5), opts.n(1.0, 0.5)
    found = {}
    with fake_provider(processing_polls=1_000_000_000) as fake, scratch("http") as dirs:
        for label, argv, env, tool, arguments in _targets(fake, dirs):
            port = free_port()
            env = {k: v.replace("{port}", str(port)) for k, v in env.items()}
            proc = subprocess.Popen(argv(port), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, env=base_env(env), cwd=str(dirs))
            try:
                wait_for_port(port, proc)
                url = f"http://127.0.0.1:{port}/mcp"
                found[label] = {}
                for sessions in SESSIONS:
                    load = load_argv(url, sessions, seconds, warmup, tool, arguments)
                    found[label][sessions] = run_json(load)
                found[label]["server_VmHWM_MiB"] = proc_status(proc.pid)["VmHWM"]
            finally:
                stop(proc)

    rows = []
    for label, by_sessions in found.items():
        for sessions in SESSIONS:
            r = by_sessions[sessions]
            rows.append([label, sessions, f"{r['calls_per_sec']:,.0f}", fmt(r["p50_ms"], 3),
                         fmt(r["p99_ms"], 3), fmt(r["max_ms"], 1), f"{r['calls']:,}", r["errors"]])
    details = table(["server, tool", "sessions", "calls/s", "p50 ms", "p99 ms", "max ms", "calls", "errors"],
                    rows)
    details += "\n\nServer peak memory (VmHWM) after the three loads: " + ", ".join(
        f"{label.split(',')[0]} ({label.split(',')[1].strip()}) {v['server_VmHWM_MiB']:.1f} MiB"
        for label, v in found.items()) + "."
    details += (f"\n\nEach session sends `initialize` and `notifications/initialized`, then calls the tool in a "
                f"closed loop (one call in flight per session) for {seconds:g} s after {warmup:g} s of "
                "warm-up, with the `mcp-session-id` header; answers are read whether they come as JSON or "
                "as an event stream. The load generator (`examples/http_load.rs`, reqwest over HTTP/1.1 "
                "keep-alive, one runtime thread) shares the 2 cores with the server, and for the xskill "
                "rows with the fake too, so these are figures for the whole machine. The simulator's "
                "`get_balance` touches no network: it measures the MCP transport and dispatch alone. "
                "Load generator: `<target dir>/release/examples/http_load mcp --url http://127.0.0.1:PORT/mcp "
                f"--sessions N --seconds {seconds:g} --warmup-seconds {warmup:g} --tool get_balance`.")

    ours_sim = found[f"{OURS}, simulator, `get_balance`"]
    if ours_sim[1]["p50_ms"] >= 40 and ours_sim[64]["p50_ms"] >= 40:
        details += ("\n\n**Note:** seedance-mcp takes about 40 ms per call whatever the concurrency. That is "
                    "the signature of Nagle's algorithm meeting the client's delayed ACK: each answer leaves "
                    "in two writes (headers and the event stream's priming event, then the message) on a "
                    "socket without `TCP_NODELAY`, so the second waits for an ACK the client delays by "
                    "~40 ms. At one session the others answer in "
                    f"{fmt(found[f'{PYTHON}, xskill fake, `get_balance`'][1]['p50_ms'], 1)} ms (Python) and "
                    f"{fmt(found[f'{NODE}, `echo`'][1]['p50_ms'], 1)} ms (server-everything).")
    peak_sessions = max(SESSIONS, key=lambda s: ours_sim[s]["calls_per_sec"])
    peak = ours_sim[peak_sessions]["calls_per_sec"]

    def best(label):
        by = found[label]
        s = max(SESSIONS, key=lambda n: by[n]["calls_per_sec"])
        r = by[s]
        return f"{r['calls_per_sec']:,.0f}/s @ {s} (p50 {fmt(r['p50_ms'], 2)}, p99 {fmt(r['p99_ms'], 2)} ms)"

    return {
        "summary": [
            {"measure": "streamable HTTP tool calls/s, best of 1/16/64 sessions (p50, p99) — transport only",
             "target": f"≥ {TARGET_CALLS_PER_SEC:,}/s",
             "values": {OURS: best(f"{OURS}, simulator, `get_balance`") + " sim `get_balance`",
                        NODE: best(f"{NODE}, `echo`") + " `echo`"},
             "met": peak >= TARGET_CALLS_PER_SEC},
            {"measure": "streamable HTTP `get_balance` on the xskill fake, best of 1/16/64 sessions",
             "target": "–",
             "values": {OURS: best(f"{OURS}, xskill fake, `get_balance`"),
                        PYTHON: best(f"{PYTHON}, xskill fake, `get_balance`")},
             "met": None},
        ],
        "details": details,
        "data": found,
    }
