"""The official MCP Python SDK as a client that can show forms (elicitation).

Usage: elicit_check.py <binary> <accept|decline|cancel>
The server runs over stdio with a spend limit every task passes, so submit_task
asks the person; this client answers with the given action. On a yes it follows
the task to the end and reads the saved file through the result's resource_link.
Prints a JSON summary on success; exits non-zero on the first broken expectation.
"""

import asyncio
import base64
import json
import os
import sys
import time

import mcp_types as types
from mcp import Client, StdioServerParameters


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


async def run(binary, answer):
    asked = []

    async def person(_context, params):
        asked.append(params.message)
        if answer == "accept":
            return types.ElicitResult(action="accept", content={"pay": True})
        return types.ElicitResult(action=answer)

    target = StdioServerParameters(command=binary, args=[], env=dict(os.environ))
    summary = {"answer": answer}
    async with Client(target, mode=os.environ.get("MCP_CLIENT_MODE", "legacy"), elicitation_callback=person) as client:
        result = await client.call_tool("submit_task", {"prompt": "0-4s: a lighthouse in a storm", "duration": 4})
        summary["asked"] = asked
        summary["is_error"] = bool(result.is_error)
        summary["text"] = result.content[0].text if result.content else ""
        if answer != "accept":
            return summary
        if result.is_error:
            fail(f"an accepted spend was refused: {result.content}")
        task_id = result.structured_content["task_id"]
        deadline = time.monotonic() + 60
        while True:
            done = await client.call_tool("get_task", {"task_id": task_id})
            if done.structured_content["finished"]:
                break
            if time.monotonic() > deadline:
                fail(f"task {task_id} did not finish")
            await asyncio.sleep(0.2)
        links = [c for c in done.content if c.type == "resource_link"]
        if len(links) != len(done.structured_content["local_files"]):
            fail(f"expected one resource_link per saved file: {done.content}")
        read = await client.read_resource(links[0].uri)
        blob = read.contents[0].blob
        summary["status"] = done.structured_content["status"]
        summary["link"] = {"uri": links[0].uri, "mime": links[0].mime_type, "size": links[0].size}
        summary["read_bytes"] = len(base64.b64decode(blob))
    return summary


def main():
    print(json.dumps(asyncio.run(run(sys.argv[1], sys.argv[2]))))


if __name__ == "__main__":
    main()
