// Claude Code's permission requests as native approvals, with the real claude binary: claude calls
// agentd's MCP permission tool (--permission-prompt-tool), which asks the run's provider over its
// per-run loopback bridge; the provider waits on ctx.requestApproval, so the run shows `waiting`,
// the answer (REST, policy, session grant, timeout) goes back to claude and the SAME turn goes on.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { processesOfRun } from "../codex/codex-harness.ts";
import { waitingFor } from "../codex-app-server/harness.ts";
import { api, cleanup, startDaemon, tempDir, until, type DaemonHandle } from "../support/daemon.ts";
import { CLAUDE_BIN, CLAUDE_TEST_ENV, claudeAvailability, events, finished, INSTALL_HINT, newSession, send, type Client } from "./claude-harness.ts";
import { reply, startScriptedMessagesServer, type ScriptedMessagesServer } from "./scripted-messages-server.ts";

const availability = claudeAvailability();
const POLICY = join(import.meta.dirname, "fixtures", "permission-policy.ts");

async function runsOf(client: Client, sessionId: string): Promise<Array<Record<string, any>>> {
  return (await client.get(`/runs?session_id=${sessionId}`)).body.runs;
}

describe("claude-code permission requests are native approvals", { skip: availability.skip, timeout: 600_000 }, () => {
  if (!availability.installed) {
    it("has the claude test binary installed (AGENTD_REQUIRE_CLAUDE=1)", () => assert.fail(INSTALL_HINT));
    return;
  }
  let model: ScriptedMessagesServer;
  let daemon: DaemonHandle;
  let client: Client;
  const home = tempDir("agentd-claude-home-");
  const workDir = tempDir("agentd-claude-cwd-");

  before(async () => {
    model = await startScriptedMessagesServer();
    // No allowed tools and claude's default permission mode: running a command needs permission.
    daemon = await startDaemon({ args: ["--claude-bin", CLAUDE_BIN, "--claude-permission-timeout-s", "120", "--plugin", POLICY], env: { ...model.claudeEnv(home), ...CLAUDE_TEST_ENV } });
    client = api(daemon.url);
  });
  after(async () => {
    await daemon?.stop();
    await model?.close();
    cleanup(home);
    cleanup(workDir);
    if (daemon) cleanup(daemon.dataDir);
  });

  it("a root session's request waits visibly; approve over REST: the tool runs in the same turn, no extra run", async () => {
    const sessionId = await newSession(client, { cwd: workDir });
    model.enqueue(reply.toolUse("Bash", { command: "touch approved-marker.txt", description: "create a marker file" }), reply.text("made it after approval"));
    const runId = await send(client, sessionId, "make the marker");

    const waiting = await waitingFor(client, runId);
    assert.equal(waiting.kind, "approval");
    assert.equal(waiting.raised_to_session_id, sessionId, "no parent: a human answers in the run's own session");
    assert.deepEqual([waiting.approval.kind, waiting.approval.command, waiting.approval.cwd, waiting.approval.reason], ["command", "touch approved-marker.txt", workDir, "create a marker file"]);
    const d = await client.get(`/runs/${runId}/diagnose`);
    assert.match(d.body.diagnostics.likely_issue, new RegExp(`waiting for approval to run \`touch approved-marker.txt\` \\(escalation ${waiting.escalation_id}`));
    const escalation = (await client.get(`/escalations/${waiting.escalation_id}`)).body.escalation;
    assert.deepEqual([escalation.origin, escalation.status, escalation.kind], ["native_approval", "pending", "approval_request"]);
    assert.ok(!existsSync(join(workDir, "approved-marker.txt")));

    const resolved = await client.post(`/escalations/${waiting.escalation_id}/resolve`, { decision: "approve", text: "go ahead" });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    assert.equal(resolved.body.run, null, "a native approval queues no new run");
    const run = await finished(client, runId);
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.output, "made it after approval");
    assert.equal(run.waiting, null);
    assert.ok(existsSync(join(workDir, "approved-marker.txt")));
    const evs = await events(client, sessionId, runId);
    const done = evs.filter((e) => e.event_type === "tool.call" && e.data.phase === "completed");
    assert.deepEqual(done.map((e) => e.data.is_error), [false]);
    const approval = evs.find((e) => e.event_type === "tool.approval")!;
    assert.deepEqual([approval.data.decision, approval.data.claude_behavior, approval.data.escalation_id, approval.data.tool_name], ["approve", "allow", waiting.escalation_id, "Bash"]);
    assert.ok(evs.findIndex((e) => e.event_type === "run.waiting") < evs.findIndex((e) => e.event_type === "escalation.resolved"));
    assert.deepEqual((await runsOf(client, sessionId)).map((r) => r.id), [runId], "no follow-up run was queued");
  });

  it("a child's request (a non-Bash tool) is raised to its parent; deny: claude reads the denial and text, the tool does not run", async () => {
    const parent = await newSession(client, { cwd: workDir });
    const target = join(workDir, "denied.txt");
    model.enqueue(reply.toolUse("Write", { file_path: target, content: "no" }), reply.text("understood, not writing it"));
    const spawned = await client.post(`/sessions/${parent}/spawn`, { task: "write the file" });
    assert.equal(spawned.status, 201, JSON.stringify(spawned.body));
    const child = spawned.body.session.id as string;
    const runId = spawned.body.run.id as string;
    const waiting = await waitingFor(client, runId);
    assert.equal(waiting.raised_to_session_id, parent);
    assert.deepEqual([waiting.approval.kind, waiting.approval.tool, waiting.approval.input?.file_path], ["tool", "Write", target]);
    const pending = (await client.get(`/sessions/${parent}/escalations?status=pending`)).body.escalations;
    assert.deepEqual(pending.map((e: any) => e.id), [waiting.escalation_id]);
    assert.match(pending[0].text, /use the tool Write .*denied\.txt/);
    const d = await client.get(`/runs/${runId}/diagnose`);
    assert.match(d.body.diagnostics.likely_issue, new RegExp(`waiting for approval to use the tool Write .*denied\\.txt.* \\(escalation ${waiting.escalation_id}, raised to session ${parent}`));

    const resolved = await client.post(`/escalations/${waiting.escalation_id}/resolve`, { decision: "deny", text: "not in this repository" });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    assert.equal(resolved.body.run, null);
    const run = await finished(client, runId);
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.output, "understood, not writing it");
    assert.ok(!existsSync(target));
    const done = (await events(client, child, runId)).find((e) => e.event_type === "tool.call" && e.data.phase === "completed")!;
    assert.equal(done.data.is_error, true);
    assert.match(done.data.output, new RegExp(`denied by local \\(escalation ${waiting.escalation_id}\\): not in this repository`));
    assert.deepEqual((await runsOf(client, child)).map((r) => r.id), [runId], "no follow-up run in the child");
  });

  it("approve_for_session: the same request again is approved without asking", async () => {
    const sessionId = await newSession(client, { cwd: workDir });
    const command = "echo one >> grant.txt";
    model.enqueue(reply.toolUse("Bash", { command, description: "append" }), reply.toolUse("Bash", { command, description: "append" }), reply.text("appended twice"));
    const runId = await send(client, sessionId, "append twice");
    const waiting = await waitingFor(client, runId);
    const r = await client.post(`/escalations/${waiting.escalation_id}/resolve`, { decision: "approve_for_session", text: "fine all session" });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const run = await finished(client, runId);
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.output, "appended twice");
    assert.deepEqual(readFileSync(join(workDir, "grant.txt"), "utf8").trim().split("\n"), ["one", "one"]);
    const approvals = (await events(client, sessionId, runId)).filter((e) => e.event_type === "tool.approval");
    assert.deepEqual(approvals.map((e) => [e.data.decision, e.data.escalation_id]), [["approve_for_session", waiting.escalation_id], ["approve_for_session", waiting.escalation_id]]);
    assert.match(approvals[1].data.text, /approved for the rest of the session by local/);
    assert.equal((await client.get(`/sessions/${sessionId}/escalations`)).body.escalations.length, 1, "the second request asked nobody");
  });

  it("an onEscalate policy decides at once: the run never waits and no extra run is queued", async () => {
    const sessionId = await newSession(client, { cwd: workDir });
    model.enqueue(reply.toolUse("Bash", { command: "touch policy-ok.txt", description: "x" }), reply.text("done by policy"));
    const runId = await send(client, sessionId, "create the policy file");
    const run = await finished(client, runId);
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.output, "done by policy");
    assert.ok(existsSync(join(workDir, "policy-ok.txt")));
    const [escalation] = (await client.get(`/sessions/${sessionId}/escalations`)).body.escalations;
    assert.deepEqual([escalation.status, escalation.decision, escalation.decided_by, escalation.origin], ["resolved", "approve", "policy:test-claude-permission-policy", "native_approval"]);
    const types = (await events(client, sessionId, runId)).map((e) => e.event_type);
    assert.ok(!types.includes("run.waiting"), types.join(","));
    assert.deepEqual((await runsOf(client, sessionId)).map((r) => r.id), [runId]);
  });

  it("cancel while waiting: the escalation is closed and no process of the run is left", async () => {
    const sessionId = await newSession(client, { cwd: workDir });
    model.enqueue(reply.toolUse("Bash", { command: "touch never-marker.txt", description: "x" }));
    const runId = await send(client, sessionId, "make a file");
    const waiting = await waitingFor(client, runId);
    assert.ok(processesOfRun(runId).length >= 2, "claude and the permission server are running");
    const c = await client.post(`/runs/${runId}/cancel`, { reason: "changed my mind" });
    assert.equal(c.body.run.status, "canceled");
    model.clear();
    await until(() => processesOfRun(runId).length === 0, 10_000, "every process of the run to be gone").catch(() => assert.fail(`left: ${JSON.stringify(processesOfRun(runId))}`));
    const esc = await until(async () => {
      const e = (await client.get(`/escalations/${waiting.escalation_id}`)).body.escalation;
      return e.status === "closed" ? e : null;
    }, 10_000, "the escalation to be closed");
    assert.match(esc.close_reason, /nothing was approved/);
    assert.equal((await client.get(`/runs/${runId}`)).body.run.waiting, null);
    assert.ok(!existsSync(join(workDir, "never-marker.txt")));
    const late = await client.post(`/escalations/${waiting.escalation_id}/resolve`, { decision: "approve" });
    assert.equal(late.status, 409, "a closed escalation cannot be answered");
  });
});

describe("claude-code permission requests nobody answers", { skip: availability.skip, timeout: 300_000 }, () => {
  if (!availability.installed) {
    it("has the claude test binary installed (AGENTD_REQUIRE_CLAUDE=1)", () => assert.fail(INSTALL_HINT));
    return;
  }
  it("are denied after --claude-permission-timeout-s, saying so to claude; the same turn goes on", async () => {
    const model = await startScriptedMessagesServer();
    const home = tempDir("agentd-claude-home-");
    const workDir = tempDir("agentd-claude-cwd-");
    const daemon = await startDaemon({ args: ["--claude-bin", CLAUDE_BIN, "--claude-permission-timeout-s", "1"], env: { ...model.claudeEnv(home), ...CLAUDE_TEST_ENV } });
    try {
      const client = api(daemon.url);
      const sessionId = await newSession(client, { cwd: workDir });
      model.enqueue(reply.toolUse("Bash", { command: "touch late-marker.txt", description: "x" }), reply.text("nobody answered"));
      const runId = await send(client, sessionId, "create a file");
      const run = await finished(client, runId);
      assert.equal(run.status, "completed", run.error);
      assert.equal(run.output, "nobody answered");
      assert.ok(!existsSync(join(workDir, "late-marker.txt")));
      const done = (await events(client, sessionId, runId)).find((e) => e.event_type === "tool.call" && e.data.phase === "completed")!;
      assert.match(done.data.output, /denied by agentd:approval-timeout \(escalation esc_\S+\): no answer within 1 s/);
      const [escalation] = (await client.get(`/sessions/${sessionId}/escalations`)).body.escalations;
      assert.deepEqual([escalation.status, escalation.decision, escalation.decided_by], ["resolved", "deny", "agentd:approval-timeout"]);
    } finally {
      await daemon.stop();
      await model.close();
      cleanup(daemon.dataDir);
      cleanup(home);
      cleanup(workDir);
    }
  });
});
