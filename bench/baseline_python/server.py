"""The baseline the benchmarks compare seedance-mcp with: the same four xskill tools
written the way such servers are usually written, with the official MCP Python SDK
(`MCPServer`, which mcp 2.x calls what 1.x called FastMCP) and httpx.

submit_task, get_task, upload_image and get_balance each make one call to the
xskill.ai API (XSKILL_BASE_URL, XSKILL_API_KEY; the benchmarks point them at the
local fake). get_task with wait_seconds polls every 5 s until the task is done or
the time is up. It does no validation, journal or downloads of its own.

Usage (by bench/run.py, from the venv it installs):
    python server.py                 # stdio
    python server.py --http PORT     # streamable HTTP on 127.0.0.1:PORT/mcp
"""

import asyncio
import os
import sys
import time

import httpx
from mcp.server.mcpserver import MCPServer

BASE_URL = os.environ.get("XSKILL_BASE_URL", "https://api.xskill.ai").rstrip("/") + "/api/v3"
API_KEY = os.environ.get("XSKILL_API_KEY", "")
POLL_EVERY_SECONDS = 5
SEEDANCE_MODEL = "st-ai/super-seed2"
TERMINAL = {"completed", "failed"}

mcp = MCPServer("seedance-baseline", log_level="WARNING")
client = httpx.AsyncClient(
    base_url=BASE_URL,
    headers={"Authorization": f"Bearer {API_KEY}", "Accept": "application/json"},
    timeout=60,
)


async def api(method: str, path: str, body: dict | None = None) -> dict:
    response = await client.request(method, path, json=body)
    payload = response.json()
    if response.status_code != 200:
        raise RuntimeError(f"xskill {response.status_code}: {payload.get('message')}")
    return payload["data"]


@mcp.tool()
async def submit_task(
    prompt: str,
    model: str = "seedance_2.0_fast",
    mode: str = "omni_reference",
    ratio: str = "16:9",
    duration: int = 5,
    image_files: list[str] | None = None,
) -> dict:
    """Start a Seedance 2.0 video generation. Returns the task id; check it with get_task."""
    params = {"model": model, "prompt": prompt, "functionMode": mode, "ratio": ratio,
              "duration": duration}
    if image_files:
        params["image_files"] = image_files
    return await api("POST", "/tasks/create", {"model": SEEDANCE_MODEL, "params": params})


@mcp.tool()
async def get_task(task_id: str, wait_seconds: int = 0) -> dict:
    """Status and result URLs of a task; with wait_seconds, wait for it to finish."""
    started = time.monotonic()
    while True:
        data = await api("POST", "/tasks/query", {"task_id": task_id})
        if data.get("status") in TERMINAL or time.monotonic() - started >= wait_seconds:
            return data
        await asyncio.sleep(POLL_EVERY_SECONDS)


@mcp.tool()
async def upload_image(image_data: str | None = None, image_url: str | None = None) -> dict:
    """Host an image (base64 bytes or a URL) and get a URL to use as a reference."""
    body = {"image_data": image_data} if image_data else {"image_url": image_url}
    return await api("POST", "/upload/image", body)


@mcp.tool()
async def get_balance() -> dict:
    """The account's credit balance."""
    return await api("GET", "/balance")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--http":
        mcp.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        mcp.run()
