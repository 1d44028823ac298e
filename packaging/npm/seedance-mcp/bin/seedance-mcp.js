#!/usr/bin/env node
// Starts the seedance-mcp binary that npm installed from this platform's
// optional dependency (seedance-mcp-<platform>-<arch>), passing arguments,
// stdio and the exit status straight through, so an MCP client talking to
// `npx -y seedance-mcp` talks to the binary itself. No install script, no download.
"use strict";

const { spawn } = require("child_process");
const path = require("path");

const manifest = require("../package.json");

function fail(message) {
  process.stderr.write(`seedance-mcp: ${message}\n`);
  process.exit(1);
}

function binaryPath() {
  const target = `${process.platform}-${process.arch}`;
  const name = `seedance-mcp-${target}`;
  if (!Object.prototype.hasOwnProperty.call(manifest.optionalDependencies || {}, name)) {
    const known = Object.keys(manifest.optionalDependencies || {})
      .map((dep) => dep.replace(/^seedance-mcp-/, ""))
      .join(", ");
    fail(
      `no prebuilt binary for ${target} (there are: ${known}). ` +
        "Install from source instead: cargo install --locked seedance-mcp",
    );
  }
  const exe = process.platform === "win32" ? "seedance-mcp.exe" : "seedance-mcp";
  let root;
  try {
    root = path.dirname(require.resolve(`${name}/package.json`));
  } catch (_) {
    fail(
      `the package ${name}, which carries the binary for ${target}, is not installed. ` +
        "npm skips optional dependencies under --omit=optional (or --no-optional): " +
        `reinstall without it, or add ${name}@${manifest.version} yourself.`,
    );
  }
  return path.join(root, "bin", exe);
}

const child = spawn(binaryPath(), process.argv.slice(2), { stdio: "inherit" });

// The client stops the server by closing stdin or by a signal to this process:
// pass the signal on, so the binary shuts down as if it had been started directly.
const forwarded = ["SIGINT", "SIGTERM", "SIGHUP"];
for (const signal of forwarded) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
    }
  });
}

child.on("error", (error) => fail(`could not start ${child.spawnfile}: ${error.message}`));
child.on("exit", (code, signal) => {
  if (signal) {
    // Die of the same signal, so the caller sees what the binary saw.
    for (const s of forwarded) process.removeAllListeners(s);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code === null ? 1 : code);
});
