"""What every benchmark row shares: paths, statistics, /proc readings, the fake
provider process, MCP stdio sessions, and the three servers under test."""

import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target").resolve()
WORK = TARGET / "bench"                     # binaries copied here, scratch dirs below
BINARY = WORK / "seedance-mcp"              # the shipped release binary (no fakes)
EXAMPLES = TARGET / "release" / "examples"
VENV = TARGET / "bench-venv"
VENV_PYTHON = VENV / "bin" / "python"
NODE_DIR = BENCH / "node"
EVERYTHING = NODE_DIR / "node_modules" / "@modelcontextprotocol" / "server-everything"
PYTHON_SERVER = BENCH / "baseline_python" / "server.py"

PROTOCOL_VERSION = "2025-11-25"
MIB = 1024 * 1024

# Names the report uses for the servers.
OURS = "seedance-mcp"
PYTHON = "Python (mcp SDK)"
NODE = "server-everything"


@dataclass
class Options:
    """How hard each row works; `quick` is for developing the harness."""
    quick: bool = False

    def n(self, full, quick):
        return quick if self.quick else full


# ---------------------------------------------------------------------------
# Statistics and formatting
# ---------------------------------------------------------------------------

def percentile(values, q):
    """Nearest-rank percentile of a non-empty list (q in 0..1)."""
    ordered = sorted(values)
    return ordered[round((len(ordered) - 1) * q)]


def spread(values):
    """Median, p10, p90, min and max of a list of numbers."""
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p10": percentile(values, 0.10),
        "p90": percentile(values, 0.90),
        "min": min(values),
        "max": max(values),
    }


def fmt(value, digits=2):
    if value is None:
        return "–"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def fmt_spread(s, unit="", digits=2):
    """`median (p10–p90, min–max)`."""
    if not s:
        return "–"
    return (f"{fmt(s['median'], digits)}{unit} (p10–p90 {fmt(s['p10'], digits)}–{fmt(s['p90'], digits)}, "
            f"min–max {fmt(s['min'], digits)}–{fmt(s['max'], digits)}; n={s['n']})")


def met(flag):
    return {True: "met", False: "**not met**", None: "–"}[flag]


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------

def proc_status(pid):
    """VmRSS, VmHWM, RssAnon and RssFile of a live process, in MiB."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                values[key] = int(rest.split()[0]) / 1024
    return values


def base_env(extra=None):
    """A clean environment: no provider keys or base URLs leak in from the caller."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(extra or {})
    return env


def run_json(argv, timeout=600):
    """Runs a helper that prints one JSON document on stdout."""
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listened on port {port} within {timeout} s")


def stop(proc, timeout=10):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def scratch(name):
    """A fresh directory under the target dir, removed afterwards."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=WORK))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------------------
# The fake provider (examples/fake_provider.rs)
# ---------------------------------------------------------------------------

@dataclass
class Fake:
    base_url: str
    env: dict
    argv: list

    @property
    def api_key(self):
        return self.env.get("XSKILL_API_KEY") or self.env.get("ARK_API_KEY")


def fake_argv(pending_polls=0, processing_polls=0, result_bytes=None, provider="xskill"):
    argv = [str(EXAMPLES / "fake_provider"), "--provider", provider,
            "--pending-polls", str(pending_polls), "--processing-polls", str(processing_polls)]
    if result_bytes is not None:
        argv += ["--result-bytes", str(result_bytes)]
    return argv


@contextmanager
def fake_provider(**kwargs):
    """Runs a provider fake (xskill unless `provider=`) as its own process; yields its
    URL and env for a client."""
    argv = fake_argv(**kwargs)
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        base_url = proc.stdout.readline().strip()
        env = dict(pair.split("=", 1) for pair in proc.stdout.readline().split())
        if not base_url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"fake_provider printed {base_url!r}")
        yield Fake(base_url=base_url, env=env, argv=argv)
    finally:
        stop(proc)


# ---------------------------------------------------------------------------
# MCP over stdio
# ---------------------------------------------------------------------------

class StdioSession:
    """A JSON-RPC client over a child's stdin/stdout, one request at a time."""

    def __init__(self, argv, env, cwd=None, echo=False):
        self.echo = echo  # the child echoes requests back (the `cat` floor)
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env, cwd=cwd)
        self.next_id = 1

    @property
    def pid(self):
        return self.proc.pid

    def send(self, message):
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def receive(self, request_id):
        """Reads lines until the response to `request_id`; returns (message, raw line,
        perf_counter when that line had been read, before parsing it)."""
        while True:
            line = self.proc.stdout.readline()
            arrived = time.perf_counter()
            if not line:
                raise RuntimeError(f"server closed stdout (exit {self.proc.poll()})")
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("id") == request_id and (self.echo or "method" not in message):
                return message, line, arrived

    def request(self, method, params=None):
        """Sends one request; returns (message, raw line, seconds until its answer line
        was read; the client's JSON encoding is inside, its decoding is not)."""
        request_id = self.next_id
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        started = time.perf_counter()
        self.send(message)
        answer, line, arrived = self.receive(request_id)
        self.last_arrived = arrived
        return answer, line, arrived - started

    def notify(self, method):
        self.send({"jsonrpc": "2.0", "method": method})

    def initialize(self):
        answer, line, _ = self.request("initialize", {
            "protocolVersion": PROTOCOL_VERSION, "capabilities": {},
            "clientInfo": {"name": "seedance-bench", "version": "1"}})
        if "result" not in answer:
            raise RuntimeError(f"initialize failed: {line[:300]!r}")
        self.notify("notifications/initialized")
        return answer

    def call(self, tool, arguments):
        answer, line, seconds = self.request("tools/call", {"name": tool, "arguments": arguments})
        result = answer.get("result")
        if not result or result.get("isError"):
            raise RuntimeError(f"{tool} failed: {line[:500]!r}")
        return result, seconds

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def structured(result):
    """The structured output of a tool result, whichever way the server shaped it."""
    content = result.get("structuredContent")
    if isinstance(content, dict):
        # Some SDKs wrap a returned dict as {"result": {...}}.
        inner = content.get("result")
        return inner if set(content) == {"result"} and isinstance(inner, dict) else content
    for item in result.get("content", []):
        if item.get("type") == "text":
            try:
                return json.loads(item["text"])
            except ValueError:
                pass
    return {}


# ---------------------------------------------------------------------------
# The servers under test
# ---------------------------------------------------------------------------

@dataclass
class Server:
    name: str
    stdio_argv: list
    env: dict = field(default_factory=dict)
    cwd: str | None = None

    def session(self):
        return StdioSession(self.stdio_argv, base_env(self.env), cwd=self.cwd)


def ours(fake, data_dir, extra=None):
    """The release binary on the xskill fake (or the simulator when `fake` is None)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {"SEEDANCE_DATA_DIR": str(data_dir / "journal"),
           "SEEDANCE_OUTPUT_DIR": str(data_dir / "output")}
    if fake is not None:
        env.update(fake.env)
    else:
        env["SEEDANCE_PROVIDER"] = "sim"
    env.update(extra or {})
    return Server(OURS, [str(BINARY)], env, cwd=str(data_dir))


def python_baseline(fake, data_dir):
    env = {"XSKILL_API_KEY": fake.api_key, "XSKILL_BASE_URL": fake.base_url}
    return Server(PYTHON, [str(VENV_PYTHON), str(PYTHON_SERVER)], env, cwd=str(data_dir))


def everything_entry():
    return str(EVERYTHING / "dist" / "index.js")


def node_everything(data_dir):
    return Server(NODE, ["node", everything_entry(), "stdio"], {}, cwd=str(data_dir))


# ---------------------------------------------------------------------------
# PostgreSQL (the team server's shared journal)
# ---------------------------------------------------------------------------

# The server the journal tests use; the benchmark rows use the same one.
POSTGRES_URL = os.environ.get("SEEDANCE_TEST_DATABASE_URL") or "postgres://root@127.0.0.1:5432/test"


def _psql(sql):
    subprocess.run(["psql", POSTGRES_URL, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], check=True,
                   capture_output=True, text=True, timeout=60)


@contextmanager
def postgres_schema():
    """A fresh, empty schema on the test server for one set-up; yields the
    SEEDANCE_DATABASE_URL that uses it (as src/journal/postgres/testing.rs does:
    `options=-csearch_path=<schema>`). Named like the tests' schemas, so one left
    behind by a killed run is swept by the tests an hour later."""
    schema = f"journal_test_{int(time.time())}_{os.urandom(4).hex()}"
    _psql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        try:
            _psql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        except (subprocess.SubprocessError, OSError):
            pass


def postgres_settings(names):
    """The server's current values of these settings (for the report)."""
    quoted = ", ".join(f"'{n}'" for n in names)
    done = subprocess.run(["psql", POSTGRES_URL, "-qAtc",
                           f"SELECT name, setting FROM pg_settings WHERE name IN ({quoted}) ORDER BY name"],
                          capture_output=True, text=True, timeout=60, check=False)
    return dict(line.split("|", 1) for line in done.stdout.split() if "|" in line)


# ---------------------------------------------------------------------------
# MCP over streamable HTTP (a small client for setting up and watching tasks)
# ---------------------------------------------------------------------------

class HttpSession:
    """One MCP session over streamable HTTP on its own keep-alive connection; the
    answer is read from a JSON body or from an event stream's `data:` lines."""

    def __init__(self, url, timeout=120):
        import http.client
        import urllib.parse
        parsed = urllib.parse.urlsplit(url)
        self.path = parsed.path or "/"
        self.conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
        self.headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        self.next_id = 1
        answer = self.request("initialize", {
            "protocolVersion": PROTOCOL_VERSION, "capabilities": {},
            "clientInfo": {"name": "seedance-bench", "version": "1"}})
        if "result" not in answer:
            raise RuntimeError(f"initialize failed: {answer}")
        self.headers["mcp-protocol-version"] = answer["result"].get("protocolVersion", PROTOCOL_VERSION)
        self._post({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def _post(self, message):
        self.conn.request("POST", self.path, body=json.dumps(message), headers=self.headers)
        response = self.conn.getresponse()
        session = response.getheader("mcp-session-id")
        if session:
            self.headers["mcp-session-id"] = session
        body = response.read().decode()
        if response.status >= 300:
            raise RuntimeError(f"HTTP {response.status}: {body[:300]}")
        return body

    def request(self, method, params=None):
        request_id = self.next_id
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        body = self._post(message)
        candidates = [body.strip()] + [line[5:].strip() for line in body.splitlines() if line.startswith("data:")]
        for text in candidates:
            try:
                answer = json.loads(text)
            except ValueError:
                continue
            if isinstance(answer, dict) and answer.get("id") == request_id:
                return answer
        raise RuntimeError(f"no answer to {method} in {body[:300]!r}")

    def call(self, tool, arguments):
        answer = self.request("tools/call", {"name": tool, "arguments": arguments})
        result = answer.get("result")
        if not result or result.get("isError"):
            raise RuntimeError(f"{tool} failed: {json.dumps(answer)[:500]}")
        return structured(result)

    def close(self):
        try:
            self.conn.request("DELETE", self.path, headers=self.headers)
            self.conn.getresponse().read()
        except OSError:
            pass
        self.conn.close()


@contextmanager
def http_servers(count, env, work, stateless=False):
    """`count` release binaries running `serve --http`, each with its own data
    folder under `work` and the same `env` (so the same SEEDANCE_DATABASE_URL,
    where one is set); yields their /mcp URLs and processes."""
    procs, urls = [], []
    try:
        for n in range(count):
            folder = work / f"replica-{n}"
            folder.mkdir(parents=True, exist_ok=True)
            port = free_port()
            extra = {"SEEDANCE_DATA_DIR": str(folder / "journal"), "SEEDANCE_OUTPUT_DIR": str(folder / "out")}
            if stateless:
                extra["SEEDANCE_HTTP_STATELESS"] = "1"
            proc = subprocess.Popen([str(BINARY), "serve", "--http", f"127.0.0.1:{port}"],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, env=base_env({**env, **extra}),
                                    cwd=str(folder))
            procs.append(proc)
            wait_for_port(port, proc)
            urls.append(f"http://127.0.0.1:{port}/mcp")
        yield urls, procs
    finally:
        for proc in procs:
            stop(proc)


def load_average():
    return os.getloadavg()[0]
