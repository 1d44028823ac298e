// Drive seedance-mcp with the official MCP TypeScript SDK, as an independent client.
//
// Usage: client_check.mjs stdio <binary> | client_check.mjs http <url>
// Over HTTP, MCP_BEARER_TOKEN (when set) is sent as Authorization: Bearer. Exits
// non-zero with a message on the first broken expectation; prints a one-line JSON
// summary on success. The stdio child gets this process's environment, so the
// caller picks the provider and folders.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const EXPECTED_TOOLS = ["cancel_task", "extract_frame", "get_balance", "get_task", "list_tasks", "stitch_videos", "submit_story", "submit_task", "upload_image"];

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

function structured(result, what) {
  if (result.isError) fail(`${what}: unexpected tool error: ${JSON.stringify(result.content)}`);
  if (!result.structuredContent) fail(`${what}: no structuredContent`);
  return result.structuredContent;
}

function transportFor(kind, where) {
  if (kind === "stdio") {
    return new StdioClientTransport({ command: where, args: [], env: { ...process.env }, stderr: "inherit" });
  }
  const token = process.env.MCP_BEARER_TOKEN;
  const requestInit = token ? { headers: { Authorization: `Bearer ${token}` } } : undefined;
  return new StreamableHTTPClientTransport(new URL(where), { requestInit });
}

async function main() {
  const [kind, where] = process.argv.slice(2);
  if (!["stdio", "http"].includes(kind) || !where) fail("usage: client_check.mjs stdio <binary> | http <url>");
  const summary = { transport: kind };
  const client = new Client({ name: "seedance-node-check", version: "1.0.0" });
  const transport = transportFor(kind, where);
  await client.connect(transport);
  summary.server = client.getServerVersion();
  summary.protocol_version = transport.protocolVersion ?? null;

  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name).sort();
  if (JSON.stringify(names) !== JSON.stringify(EXPECTED_TOOLS)) fail(`tools are ${names}`);
  for (const tool of tools) {
    if (tool.inputSchema?.type !== "object") fail(`${tool.name}: input schema is not an object`);
    if (tool.outputSchema?.type !== "object") fail(`${tool.name}: no object output schema`);
    if (!tool.description || !tool.annotations) fail(`${tool.name}: no description or annotations`);
  }
  summary.tools = names;

  // A refusal is a tool result the model can read, not a JSON-RPC error.
  let refused;
  try {
    refused = await client.callTool({ name: "submit_task", arguments: { prompt: "a red kite over a beach", duration: 20 } });
  } catch (e) {
    fail(`duration 20 raised a protocol error instead of an isError result: ${e}`);
  }
  const refusal = refused.content?.map((c) => c.text ?? "").join(" ") ?? "";
  if (!refused.isError || !refusal.includes("duration")) fail(`duration 20 was not refused clearly: ${JSON.stringify(refused)}`);
  summary.refusal = refusal;

  const submitted = structured(
    await client.callTool({ name: "submit_task", arguments: { prompt: "a red kite over a beach", duration: 4, ratio: "16:9" } }),
    "submit_task",
  );
  const taskId = submitted.task_id;
  // Long-poll the way an agent does: each call waits server-side, with progress.
  let task;
  let progress = 0;
  const deadline = Date.now() + 60_000;
  do {
    if (Date.now() > deadline) fail(`task ${taskId} did not finish: ${JSON.stringify(task)}`);
    task = structured(
      await client.callTool({ name: "get_task", arguments: { task_id: taskId, wait_seconds: 5 } }, undefined, {
        onprogress: () => progress++,
        resetTimeoutOnProgress: true,
      }),
      "get_task",
    );
  } while (!task.finished);
  if (task.status !== "succeeded" || !task.local_files?.length) fail(`task ended badly: ${JSON.stringify(task)}`);
  summary.status = task.status;
  summary.local_files = task.local_files;
  summary.progress_notifications = progress;

  // The finished result links each saved file, and the link resolves.
  const done = await client.callTool({ name: "get_task", arguments: { task_id: taskId } });
  const links = (done.content ?? []).filter((c) => c.type === "resource_link");
  if (links.length !== task.local_files.length) fail(`expected one resource_link per file: ${JSON.stringify(done.content)}`);
  const read = await client.readResource({ uri: links[0].uri });
  const bytes = Buffer.from(read.contents[0].blob ?? "", "base64").length;
  if (bytes !== links[0].size || links[0].mimeType !== "video/mp4") fail(`the link does not match the file: ${JSON.stringify(links[0])}, ${bytes} bytes`);
  summary.resource_links = links.length;

  // Prompt argument completion.
  const completed = await client.complete({ ref: { type: "ref/prompt", name: "storyboard" }, argument: { name: "ratio", value: "9" } });
  if (JSON.stringify(completed.completion.values) !== JSON.stringify(["9:16"])) fail(`ratio completion: ${JSON.stringify(completed)}`);
  summary.completion = completed.completion.values;

  if (kind === "http") {
    // Session lifecycle: DELETE ends the session, after which its id is unknown (404).
    const sessionId = transport.sessionId;
    if (!sessionId) fail("no Mcp-Session-Id from the server");
    await transport.terminateSession();
    const headers = {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      "Mcp-Session-Id": sessionId,
      "Mcp-Protocol-Version": transport.protocolVersion,
    };
    if (process.env.MCP_BEARER_TOKEN) headers.Authorization = `Bearer ${process.env.MCP_BEARER_TOKEN}`;
    const after = await fetch(where, { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", id: 99, method: "ping" }) });
    if (after.status !== 404) fail(`a request on a terminated session got HTTP ${after.status}, not 404`);
    summary.terminated_session_status = after.status;
  }
  await client.close();
  console.log(JSON.stringify(summary));
}

main().catch((e) => fail(e?.stack ?? String(e)));
