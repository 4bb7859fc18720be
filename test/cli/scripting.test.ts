// The original agentd's scripting pattern, run as written in bash: agentctl's default output is
// JSON when stdout is a pipe, so `$(agentctl ...)` can be parsed; a terminal keeps the pretty view.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { AGENTCTL_BIN, ROOT, cleanup, startDaemon, type DaemonHandle } from "../support/daemon.ts";
import { cleanEnv, ok } from "./cli-helpers.ts";

function bash(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn("bash", ["-euo", "pipefail", "-c", script], { env: cleanEnv({ ...env, PATH: `${join(ROOT, "bin")}:${process.env.PATH}` }), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    proc.on("error", reject);
    proc.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function untilRunning(url: string, runId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { run } = (await (await fetch(`${url}/runs/${runId}`)).json()) as { run: { status: string } };
    if (run.status === "running") return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`run ${runId} never started`);
}

describe("scripting with agentctl: JSON on a pipe", () => {
  let d: DaemonHandle;
  before(async () => {
    d = await startDaemon({ args: ["--plugin", "./test/fixtures/plugins/slow-provider.ts"] });
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
  });

  it("SPAWN=$(agentctl tool session-spawn --parent-run-id ...) | python3 json.load reads the child session id", async () => {
    const sessionId = await ok(d.url, ["--field", "session.id", "session", "create", "--provider", "slow"]);
    const runId = await ok(d.url, ["--field", "run.id", "message", "send", "--session-id", sessionId, "--text", "sleep 60000"]);
    await untilRunning(d.url, runId);
    const script = `SPAWN=$(agentctl tool session-spawn --parent-run-id "$RUN" --task "review parser.ts")
printf '%s' "$SPAWN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["session"]["id"])'`;
    const r = await bash(script, { AGENTCTL_URL: d.url, RUN: runId });
    assert.equal(r.code, 0, r.stderr);
    const childId = r.stdout.trim();
    assert.match(childId, /^ses_/);
    const child = JSON.parse(await ok(d.url, ["session", "get", "--session-id", childId]));
    assert.equal(child.session.parent_session_id, sessionId);
    await ok(d.url, ["run", "cancel", "--run-id", runId]);
  });

  it("the default on a pipe is one compact JSON document; --format pretty keeps the key-value view", async () => {
    const json = await ok(d.url, ["daemon", "status"]);
    assert.equal(json.split("\n").length, 1);
    assert.equal(JSON.parse(json).daemon_health, "ok");
    assert.match(await ok(d.url, ["daemon", "status", "--format", "pretty"]), /^health\s+ok$/m);
  });

  it("on a terminal (a pty from util-linux `script`) the default is the pretty key-value view", async () => {
    const r = await bash(`script -qec '${process.execPath} ${AGENTCTL_BIN} daemon status' /dev/null`, { AGENTCTL_URL: d.url, NO_COLOR: "1" });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^health\s+ok\r?$/m);
  });
});
