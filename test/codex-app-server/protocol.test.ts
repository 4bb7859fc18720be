// The app-server transport's pure parts over REAL codex 0.169.0 transcripts (fixtures/*.rpc.log,
// copied from the reference captures): notifications -> agentd events, approval requests ->
// agentd approvals, decisions -> codex decisions, and the version gate. No codex binary needed.
import assert from "node:assert/strict";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { AppServerTurnReader } from "../../plugins/provider-codex/src/app-server/events.ts";
import { APPROVAL_METHODS, toApprovalRequest, toCodexDecision } from "../../plugins/provider-codex/src/app-server/approvals.ts";
import type { Json, ServerRequest } from "../../plugins/provider-codex/src/app-server/rpc.ts";
import { atLeast, checkAppServerVersion } from "../../plugins/provider-codex/src/version.ts";
import { cleanup, tempDir } from "../support/daemon.ts";

const FIXTURES = join(import.meta.dirname, "fixtures");

/** The server's lines of a transcript ("<< {json}"), parsed. */
function serverMessages(file: string): Json[] {
  return readFileSync(join(FIXTURES, file), "utf8").split("\n").filter((l) => l.startsWith("<< ")).map((l) => JSON.parse(l.slice(3)) as Json);
}

function replay(file: string) {
  const reader = new AppServerTurnReader(() => "thread-1", null);
  const events: Array<{ eventType: string; data: Record<string, unknown> }> = [];
  const requests: ServerRequest[] = [];
  for (const m of serverMessages(file)) {
    if (typeof m.method !== "string") continue;
    if (m.id !== undefined) requests.push({ id: m.id as number, method: m.method, params: m.params as Json });
    else events.push(...reader.notification(m.method, (m.params ?? {}) as Json));
  }
  return { reader, events, requests };
}

describe("codex app-server protocol (real transcripts)", () => {
  it("accept transcript: command approval request, deltas, final message, usage of the turn", () => {
    const { reader, events, requests } = replay("11_app_server_approval_accept.app-server.rpc.log");
    assert.equal(requests.length, 1);
    assert.ok(APPROVAL_METHODS.has(requests[0].method));
    assert.deepEqual(toApprovalRequest(requests[0], reader.items), {
      kind: "command",
      command: "echo esc > /opt/outside/esc_test.txt",
      cwd: "/home/dev/project",
      reason: "Need to write to /opt/outside",
    });
    assert.deepEqual(events.map((e) => e.eventType), [
      "codex.warning", "codex.warning", "codex.turn_started", "tool.command", "tool.command", "assistant.delta", "agent.message", "run.usage",
    ]);
    const done = events.filter((e) => e.eventType === "tool.command")[1].data;
    assert.deepEqual([done.status, done.exit_code, done.command], ["completed", 0, "/bin/bash -lc 'echo esc > /opt/outside/esc_test.txt'"]);
    assert.equal(reader.finalMessage, "done");
    assert.equal(reader.status, "completed");
    assert.deepEqual(events.at(-1)!.data.turn, { input_tokens: 20, cached_input_tokens: 0, output_tokens: 4, reasoning_output_tokens: 0, total_tokens: 24 });
  });

  it("decline transcript: the command item completes as declined and the turn still completes", () => {
    const { reader, events } = replay("12_app_server_approval_decline.app-server.rpc.log");
    const command = events.filter((e) => e.eventType === "tool.command").at(-1)!.data;
    assert.equal(command.status, "declined");
    assert.equal(reader.completed, true);
    assert.equal(reader.failure, null);
  });

  it("usage of a resumed thread is this turn's share of codex's running total", () => {
    const reader = new AppServerTurnReader(() => "t", { input_tokens: 20, cached_input_tokens: 0, cache_write_input_tokens: 0, output_tokens: 4, reasoning_output_tokens: 0 });
    reader.notification("thread/tokenUsage/updated", { tokenUsage: { total: { inputTokens: 35, outputTokens: 7 } } });
    const [usage] = reader.notification("turn/completed", { turn: { status: "completed" } });
    assert.deepEqual(usage.data.turn, { input_tokens: 15, cached_input_tokens: 0, output_tokens: 3, reasoning_output_tokens: 0, total_tokens: 18 });
  });

  it("a failed turn carries codex's message; unknown notifications are kept as codex.event", () => {
    const reader = new AppServerTurnReader(() => "t", null);
    assert.deepEqual(reader.notification("turn/completed", { turn: { status: "failed", error: { message: "model exploded" } } }).map((e) => e.eventType), ["codex.turn_failed"]);
    assert.equal(reader.failure, "model exploded");
    assert.deepEqual(reader.notification("something/new", { a: 1 }), [{ eventType: "codex.event", data: { codex_method: "something/new", params: { a: 1 } } }]);
    assert.deepEqual(reader.notification("account/rateLimits/updated", {}), []);
  });

  it("a patch approval names its item: the changes come from the item codex announced", () => {
    const reader = new AppServerTurnReader(() => "t", null);
    reader.notification("item/started", { item: { type: "fileChange", id: "fc1", status: "inProgress", changes: [{ path: "/w/a.txt", kind: { type: "add" }, diff: "+x" }] } });
    const approval = toApprovalRequest({ id: 4, method: "item/fileChange/requestApproval", params: { itemId: "fc1", reason: "write a.txt", threadId: "t", turnId: "u", startedAtMs: 1 } }, reader.items);
    assert.deepEqual(approval, { kind: "file_change", changes: [{ path: "/w/a.txt", kind: "add" }], reason: "write a.txt" });
  });

  it("agentd decisions map to codex decisions", () => {
    const a = { text: "", decided_by: "x", escalation_id: "e" };
    assert.equal(toCodexDecision({ ...a, decision: "approve" }), "accept");
    assert.equal(toCodexDecision({ ...a, decision: "approve_for_session" }), "acceptForSession");
    assert.equal(toCodexDecision({ ...a, decision: "deny" }), "decline");
  });

  it("version gate: 0.169.0 and newer pass; older or unreadable versions say what to install", () => {
    assert.equal(atLeast("0.169.0", "0.169.0"), true);
    assert.equal(atLeast("0.170.2", "0.169.0"), true);
    assert.equal(atLeast("1.0.0", "0.169.0"), true);
    assert.equal(atLeast("0.99.9", "0.169.0"), false);
    const dir = tempDir("agentd-fake-codex-");
    try {
      const old = join(dir, "codex-old");
      writeFileSync(old, "#!/bin/sh\necho 'codex-cli 0.120.0'\n");
      chmodSync(old, 0o755);
      const result = checkAppServerVersion(old);
      assert.equal(result.ok, false);
      assert.match((result as { reason: string }).reason, /codex 0\.120\.0 at .* is too old for the app-server transport \(needs 0\.169\.0 or newer\): install a supported one with "npm install -g @openai\/codex@0\.169\.0"/);
    } finally {
      cleanup(dir);
    }
  });
});
