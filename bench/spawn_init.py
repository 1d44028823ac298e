"""Spawn the stdio server N times and time spawn -> initialize response.

Usage: python3 bench/spawn_init.py BINARY [N]   (prints median, min, max in ms)
Run it with no provider key set: the server then uses the simulator, which needs
no network. Each run writes initialize to stdin, reads one line from stdout,
closes stdin and waits for the process to exit.
"""

import json
import os
import statistics
import subprocess
import sys
import time

INIT = json.dumps({
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "bench", "version": "1"}},
}) + "\n"


def once(binary):
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    started = time.perf_counter()
    proc = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env)
    proc.stdin.write(INIT.encode())
    proc.stdin.flush()
    line = proc.stdout.readline()
    elapsed = (time.perf_counter() - started) * 1000
    proc.stdin.close()
    proc.wait(timeout=10)
    if b'"serverInfo"' not in line:
        raise SystemExit(f"unexpected answer: {line!r}")
    return elapsed


def main():
    binary = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    once(binary)  # warm the page cache
    times = [once(binary) for _ in range(runs)]
    print(json.dumps({"runs": runs, "median_ms": round(statistics.median(times), 2),
                      "min_ms": round(min(times), 2), "max_ms": round(max(times), 2)}))


if __name__ == "__main__":
    main()
