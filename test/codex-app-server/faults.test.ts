// Approvals that nobody answers in time, runs canceled while they wait, and a codex that dies while
// an approval is pending: never a hang, never a process left, always a reason. Real codex binary.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { api, cleanup, startDaemon, tempDir, until, type DaemonHandle } from "../support/daemon.ts";
import { reply, startScriptedResponsesServer, type ScriptedResponsesServer } from "../support/scripted-responses-server.ts";
import { codexAvailability, INSTALL_HINT, processesOfRun } from "../codex/codex-harness.ts";
import { APP_SERVER_ARGS, escalatedShell, finished, newSession, runEvents, send, startAppServerDaemon, waitingFor, type AppServerEnv } from "./harness.ts";

const availability = codexAvailability();

describe("codex app-server: approval faults", { skip: availability.skip, timeout: 600_000 }, () => {
  if (!availability.installed) {
    it("has the codex test binary installed (AGENTD_REQUIRE_CODEX=1)", () => assert.fail(INSTALL_HINT));
    return;
  }
  let env: AppServerEnv;
  before(async () => {
    env = await startAppServerDaemon(["--codex-approval-timeout-s", "2"]);
  });
  after(async () => env?.close());

  it("an approval unanswered past --codex-approval-timeout-s is declined with a reason; the turn goes on; a late answer is a 409", async () => {
    const { client, model, workDir } = env;
    model.enqueue(escalatedShell("echo late > timeout.txt", "write timeout.txt"), reply.message("gave up on it"));
    const sessionId = await newSession(client, { cwd: workDir });
    const runId = await send(client, sessionId, "write timeout.txt");
    const waiting = await waitingFor(client, runId);
    const run = await finished(client, runId);
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.output, "gave up on it");
    assert.equal(existsSync(join(workDir, "timeout.txt")), false);
    const esc = (await client.get(`/escalations/${waiting.escalation_id}`)).body.escalation;
    assert.deepEqual([esc.status, esc.decision, esc.decided_by], ["resolved", "deny", "agentd:approval-timeout"]);
    assert.match(esc.decision_text, /no answer within 2 s: declined automatically/);
    const approval = (await runEvents(client, sessionId, runId)).find((e) => e.event_type === "tool.approval")!;
    assert.equal(approval.data.codex_decision, "decline");
    const late = await client.post(`/escalations/${waiting.escalation_id}/resolve`, { decision: "approve" });
    assert.equal(late.status, 409);
    assert.equal(late.body.error.details.decided_by, "agentd:approval-timeout");
    assert.equal(late.body.error.details.decision, "deny");
  });

  it("cancel while waiting: the run is canceled, the escalation closed with the reason, no process left", async () => {
    const { client, model, workDir } = env;
    // Canceled well within the 2 s approval timeout: waiting is visible at once.
    model.enqueue(escalatedShell("echo never > cancel.txt", "write cancel.txt"), reply.message("unused"));
    const sessionId = await newSession(client, { cwd: workDir });
    const runId = await send(client, sessionId, "write cancel.txt");
    const waiting = await waitingFor(client, runId);
    assert.ok(processesOfRun(runId).length > 0, "codex app-server runs while the approval waits");
    const c = await client.post(`/runs/${runId}/cancel`, {});
    assert.ok(c.status === 200 || c.status === 202, JSON.stringify(c.body));
    const run = await finished(client, runId);
    assert.equal(run.status, "canceled");
    assert.equal(run.waiting, null);
    await until(() => processesOfRun(runId).length === 0, 10_000, `no process of run ${runId}`);
    const esc = (await client.get(`/escalations/${waiting.escalation_id}`)).body.escalation;
    assert.equal(esc.status, "closed", JSON.stringify(esc));
    assert.match(esc.close_reason, /the run stopped waiting before an answer arrived/);
    const r = await client.post(`/escalations/${waiting.escalation_id}/resolve`, { decision: "approve" });
    assert.equal(r.status, 409);
    assert.equal(existsSync(join(workDir, "cancel.txt")), false);
    model.clear();
  });

  it("codex dies while an approval waits: the run fails saying so, the escalation is closed with the reason, never a hang", async () => {
    const { client, model, workDir } = env;
    model.enqueue(escalatedShell("echo x > crash.txt", "write crash.txt"), reply.message("unused"));
    const sessionId = await newSession(client, { cwd: workDir });
    const runId = await send(client, sessionId, "write crash.txt");
    const waiting = await waitingFor(client, runId);
    const pid = (await client.get(`/runs/${runId}`)).body.run.pid as number;
    for (const p of processesOfRun(runId)) {
      try {
        process.kill(p.pid, "SIGKILL"); // the wrapper and the native binary (which may already follow the wrapper)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
      }
    }
    assert.ok(pid > 0);
    const run = await finished(client, runId);
    assert.equal(run.status, "failed");
    assert.match(run.error, /codex app-server exited \(signal SIGKILL\)/);
    const esc = (await client.get(`/escalations/${waiting.escalation_id}`)).body.escalation;
    assert.equal(esc.status, "closed");
    assert.match(esc.close_reason, /codex app-server exited|ended \(failed\)/);
    const r = await client.post(`/escalations/${waiting.escalation_id}/resolve`, { decision: "approve" });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.details.status, "closed");
    assert.match(r.body.error.message, /is closed: /);
    model.clear();
  });
});

describe("codex app-server: the daemon dies while an approval waits", { skip: availability.skip, timeout: 600_000 }, () => {
  if (!availability.installed) {
    it("has the codex test binary installed (AGENTD_REQUIRE_CODEX=1)", () => assert.fail(INSTALL_HINT));
    return;
  }
  let model: ScriptedResponsesServer;
  let codexHome: string;
  let daemon: DaemonHandle | undefined;
  const workDir = tempDir("agentd-app-server-restart-");
  before(async () => {
    model = await startScriptedResponsesServer();
    codexHome = model.writeCodexHome();
  });
  after(async () => {
    await daemon?.stop();
    await model?.close();
    cleanup(codexHome);
    cleanup(workDir);
    if (daemon) cleanup(daemon.dataDir);
  });

  it("after kill -9 and restart the approval is closed with the reason, codex is gone, a resolve is a 409", async () => {
    const start = (dataDir?: string, port?: number) => startDaemon({ args: APP_SERVER_ARGS, env: model.codexEnv(codexHome), dataDir, port });
    daemon = await start();
    const client = api(daemon.url);
    model.enqueue(escalatedShell("echo x > restart.txt", "write restart.txt"), reply.message("unused"));
    const sessionId = await newSession(client, { cwd: workDir });
    const runId = await send(client, sessionId, "write restart.txt");
    const waiting = await waitingFor(client, runId);
    // `waiting` is readable once committed, before it is durable; a later acknowledged write
    // (the journal is ordered) makes sure the question itself survives the crash.
    await newSession(client, {});
    await daemon.kill9();
    daemon = await start(daemon.dataDir, Number(new URL(daemon.url).port));
    await until(() => processesOfRun(runId).length === 0, 10_000, "codex of the interrupted run killed at restart");
    const got = await client.get(`/runs/${runId}`);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    const run = got.body.run;
    assert.equal(run.status, "failed");
    assert.equal(run.waiting, null);
    const esc = (await client.get(`/escalations/${waiting.escalation_id}`)).body.escalation;
    assert.equal(esc.status, "closed");
    assert.match(esc.close_reason, new RegExp(`run ${runId} ended \\(failed\\) before the approval was answered`));
    const r = await client.post(`/escalations/${waiting.escalation_id}/resolve`, { decision: "approve" });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.details.status, "closed");
    assert.equal(existsSync(join(workDir, "restart.txt")), false);
  });
});
