"""Drive seedance-mcp with the official MCP Python SDK, as an independent client.

Usage: client_check.py stdio <binary> | client_check.py http <url>
Mode (legacy initialize handshake or the SDK's automatic negotiation) comes from
MCP_CLIENT_MODE. Exits non-zero with a message on the first broken expectation;
prints a JSON summary on success.
"""

import asyncio
import json
import os
import sys
import time

from mcp import Client, StdioServerParameters

EXPECTED_TOOLS = {"submit_task", "submit_story", "get_task", "upload_image", "get_balance", "list_tasks", "cancel_task",
                  "extract_frame", "stitch_videos"}


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def structured(result):
    if result.is_error:
        fail(f"unexpected tool error: {result.content}")
    if result.structured_content is None:
        fail("no structuredContent in a tool result")
    return result.structured_content


def decoded_frames(path):
    """Decodes every frame of the saved video with PyAV (FFmpeg): proof it plays."""
    import av

    with av.open(path) as container:
        stream = container.streams.video[0]
        if stream.codec_context.name != "h264":
            fail(f"{path} is {stream.codec_context.name}, not h264")
        count = sum(1 for _ in container.decode(stream))
    if count == 0:
        fail(f"{path} has no decodable frames")
    return count


async def run(target):
    mode = os.environ.get("MCP_CLIENT_MODE", "legacy")
    summary = {"mode": mode}
    async with Client(target, mode=mode) as client:
        listed = await client.list_tools()
        names = {tool.name for tool in listed.tools}
        if names != EXPECTED_TOOLS:
            fail(f"tools are {sorted(names)}")
        for tool in listed.tools:
            if tool.input_schema.get("type") != "object":
                fail(f"{tool.name} input schema is not an object")
            if not tool.output_schema or tool.output_schema.get("type") != "object":
                fail(f"{tool.name} has no object output schema")
            if not tool.description or tool.annotations is None:
                fail(f"{tool.name} lacks a description or annotations")
        summary["tools"] = sorted(names)

        balance = structured(await client.call_tool("get_balance", {}))
        summary["balance"] = balance["available"]

        refused = await client.call_tool("submit_task", {"prompt": "a kite", "duration": 20})
        if not refused.is_error or "duration" not in refused.content[0].text:
            fail(f"duration 20 was not refused clearly: {refused}")

        submitted = structured(await client.call_tool(
            "submit_task", {"prompt": f"0-4s: a paper boat drifts on a pond ({mode} client)", "ratio": "9:16", "duration": 4}))
        task_id = submitted["task_id"]
        deadline = time.monotonic() + 60
        while True:
            answer = await client.call_tool("get_task", {"task_id": task_id})
            task = structured(answer)
            if task["finished"]:
                break
            if time.monotonic() > deadline:
                fail(f"task {task_id} did not finish: {task}")
            await asyncio.sleep(0.2)
        if task["status"] != "succeeded" or not task.get("local_files"):
            fail(f"task ended badly: {task}")
        images = [block for block in answer.content if block.type == "image"]
        if len(images) != 1 or images[0].mime_type != "image/png":
            fail(f"a finished video has no preview image: {[block.type for block in answer.content]}")
        summary["status"] = task["status"]
        summary["local_files"] = task["local_files"]
        summary["decoded_frames"] = decoded_frames(task["local_files"][0])
    print(json.dumps(summary))


def main():
    kind, where = sys.argv[1], sys.argv[2]
    if kind == "stdio":
        target = StdioServerParameters(command=where, args=[], env=dict(os.environ))
    else:
        target = where
    asyncio.run(run(target))


if __name__ == "__main__":
    main()
