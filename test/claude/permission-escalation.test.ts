// Claude Code's permission requests as agentd escalations, with the real claude binary: claude
// calls agentd's MCP permission tool (--permission-prompt-tool), which raises an escalation of kind
// "permission_request" to the parent session; the decision resolved over REST is claude's answer.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { api, cleanup, startDaemon, tempDir, until, type DaemonHandle } from "../support/daemon.ts";
import { CLAUDE_BIN, CLAUDE_TEST_ENV, claudeAvailability, events, finished, INSTALL_HINT, newSession, send, type Client } from "./claude-harness.ts";
import { reply, startScriptedMessagesServer, type ScriptedMessagesServer } from "./scripted-messages-server.ts";

const availability = claudeAvailability();
const POLICY = join(import.meta.dirname, "fixtures", "permission-policy.ts");

describe("claude-code permission requests become escalations", { skip: availability.skip, timeout: 600_000 }, () => {
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
    // No allowed tools and claude's default permission mode: creating a file needs permission.
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

  /** A parent session (never run itself) and a claude child spawned from it that wants to run `command`. */
  async function childAsking(command: string): Promise<{ parent: string; child: string; runId: string; escalation: Record<string, any> }> {
    const parent = await newSession(client, { cwd: workDir });
    const spawned = await client.post(`/sessions/${parent}/spawn`, { task: "create the marker file" });
    assert.equal(spawned.status, 201, JSON.stringify(spawned.body));
    model.enqueue(reply.toolUse("Bash", { command, description: "create a marker file" }));
    const escalation = await until(async () => (await client.get(`/sessions/${parent}/escalations?status=pending`)).body.escalations[0], 60_000, "the permission escalation");
    return { parent, child: spawned.body.session.id, runId: spawned.body.run.id, escalation };
  }

  it("approve over REST: the tool runs and the same turn goes on", async () => {
    const { parent, child, runId, escalation } = await childAsking("touch approved-marker.txt");
    assert.equal(escalation.kind, "permission_request");
    assert.equal(escalation.child_run_id, runId);
    assert.match(escalation.text, /^Claude Code asks permission to use Bash: .*touch approved-marker\.txt/);
    assert.equal((await client.get(`/runs/${runId}`)).body.run.status, "running", "the run waits for the answer");
    assert.ok(!existsSync(join(workDir, "approved-marker.txt")));

    model.enqueue(reply.text("made it after approval"), reply.text("noted the decision"));
    const resolved = await client.post(`/escalations/${escalation.id}/resolve`, { decision: "approve", text: "go ahead" });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    const run = await finished(client, runId);
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.output, "made it after approval");
    assert.ok(existsSync(join(workDir, "approved-marker.txt")));
    const done = (await events(client, child, runId)).filter((e) => e.event_type === "tool.call" && e.data.phase === "completed");
    assert.equal(done.length, 1);
    assert.equal(done[0].data.is_error, false);
    assert.ok((await events(client, parent)).some((e) => e.event_type === "escalation.requested" && e.data.escalation_id === escalation.id));
    // Today's escalation mechanism also delivers the decision as a message (a follow-up run): let it finish.
    if (resolved.body.run) await finished(client, resolved.body.run.id);
  });

  it("deny over REST: claude gets the denial with the text, the tool does not run", async () => {
    const { child, runId, escalation } = await childAsking("touch denied-marker.txt");
    model.enqueue(reply.text("understood, not creating it"), reply.text("noted the decision"));
    const resolved = await client.post(`/escalations/${escalation.id}/resolve`, { decision: "deny", text: "not in this repository" });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    const run = await finished(client, runId);
    assert.equal(run.status, "completed", run.error);
    assert.ok(!existsSync(join(workDir, "denied-marker.txt")));
    const done = (await events(client, child, runId)).find((e) => e.event_type === "tool.call" && e.data.phase === "completed")!;
    assert.equal(done.data.is_error, true);
    assert.match(done.data.output, new RegExp(`denied by .* \\(escalation ${escalation.id}\\): not in this repository`));
    if (resolved.body.run) await finished(client, resolved.body.run.id);
  });

  it("an onEscalate policy decides at once: the tool runs with no one asked", async () => {
    const parent = await newSession(client, { cwd: workDir });
    model.enqueue(reply.toolUse("Bash", { command: "touch policy-ok.txt", description: "x" }), reply.text("done by policy"), reply.text("noted the decision"));
    const spawned = await client.post(`/sessions/${parent}/spawn`, { task: "create the policy file" });
    const run = await finished(client, spawned.body.run.id);
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.output, "done by policy");
    assert.ok(existsSync(join(workDir, "policy-ok.txt")));
    const [escalation] = (await client.get(`/sessions/${parent}/escalations`)).body.escalations;
    assert.deepEqual([escalation.status, escalation.decision, escalation.decided_by], ["resolved", "approve", "policy:test-claude-permission-policy"]);
    // The decision is also delivered as a message that queues a follow-up run: let it finish.
    const delivered = (await events(client, parent)).find((e) => e.event_type === "escalation.resolved")!.data.delivered_run_id;
    assert.ok(delivered);
    await finished(client, delivered);
  });

  it("a root session has no parent to ask: the request is denied at once, saying how to allow the tool", async () => {
    const sessionId = await newSession(client, { cwd: workDir });
    model.enqueue(reply.toolUse("Bash", { command: "touch orphan-marker.txt", description: "x" }), reply.text("could not"));
    const runId = await send(client, sessionId, "make a file");
    const run = await finished(client, runId);
    assert.equal(run.status, "completed", run.error);
    assert.ok(!existsSync(join(workDir, "orphan-marker.txt")));
    const done = (await events(client, sessionId, runId)).find((e) => e.event_type === "tool.call" && e.data.phase === "completed")!;
    assert.equal(done.data.is_error, true);
    assert.match(done.data.output, /no parent session that could approve Bash.*--claude-allowed-tools or --claude-permission-mode/);
  });

  it("cancel while waiting for a decision: the run ends canceled and leaves no process", async () => {
    const { runId, escalation } = await childAsking("touch never-marker.txt");
    const { processesOfRun } = await import("../codex/codex-harness.ts");
    assert.ok(processesOfRun(runId).length >= 2, "claude and the permission server are running");
    const c = await client.post(`/runs/${runId}/cancel`, { reason: "changed my mind" });
    assert.equal(c.body.run.status, "canceled");
    model.clear();
    await until(() => processesOfRun(runId).length === 0, 10_000, "every process of the run to be gone").catch(() => assert.fail(`left: ${JSON.stringify(processesOfRun(runId))}`));
    assert.equal((await client.get(`/escalations/${escalation.id}`)).body.escalation.status, "pending", "documented limit: the escalation stays pending");
  });
});

describe("claude-code permission requests nobody answers", { skip: availability.skip, timeout: 300_000 }, () => {
  if (!availability.installed) {
    it("has the claude test binary installed (AGENTD_REQUIRE_CLAUDE=1)", () => assert.fail(INSTALL_HINT));
    return;
  }
  it("are denied after --claude-permission-timeout-s, saying so to claude", async () => {
    const model = await startScriptedMessagesServer();
    const home = tempDir("agentd-claude-home-");
    const workDir = tempDir("agentd-claude-cwd-");
    const daemon = await startDaemon({ args: ["--claude-bin", CLAUDE_BIN, "--claude-permission-timeout-s", "1"], env: { ...model.claudeEnv(home), ...CLAUDE_TEST_ENV } });
    try {
      const client = api(daemon.url);
      const parent = await newSession(client, { cwd: workDir });
      model.enqueue(reply.toolUse("Bash", { command: "touch late-marker.txt", description: "x" }), reply.text("nobody answered"));
      const spawned = await client.post(`/sessions/${parent}/spawn`, { task: "create a file" });
      const run = await finished(client, spawned.body.run.id);
      assert.equal(run.status, "completed", run.error);
      assert.ok(!existsSync(join(workDir, "late-marker.txt")));
      const done = (await events(client, spawned.body.session.id, run.id)).find((e) => e.event_type === "tool.call" && e.data.phase === "completed")!;
      assert.match(done.data.output, /nobody answered escalation esc_\S+ within 1 s, so Bash is denied/);
    } finally {
      await daemon.stop();
      await model.close();
      cleanup(daemon.dataDir);
      cleanup(home);
      cleanup(workDir);
    }
  });
});
