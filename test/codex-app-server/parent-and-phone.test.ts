// Who answers a native approval: a child's goes to its parent session, whose run answers it with
// its own run token (agentctl inside the run); a top-level run's goes to its own session, where a
// client on the API alone (SSE + REST, as a phone app would) sees the question and answers it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { readFileSync } from "node:fs";
import { api, ROOT } from "../support/daemon.ts";
import { reply } from "../support/scripted-responses-server.ts";
import { codexAvailability, INSTALL_HINT, processesOfRun } from "../codex/codex-harness.ts";
import { escalatedShell, finished, newSession, runEvents, send, startAppServerDaemon, waitingFor, type AppServerEnv, type Event } from "./harness.ts";

const availability = codexAvailability();
const SCRIPT_PLUGIN = join(ROOT, "test", "orchestration", "fixtures", "agentctl-provider.ts");
const TOKEN = "owner-token-approvals-0001";

/** Read an SSE stream until `match` returns true for an event; returns that event. */
async function sseUntil(url: string, token: string, match: (e: Event) => boolean, signal: AbortSignal): Promise<Event> {
  const res = await fetch(url, { headers: { accept: "text/event-stream", authorization: `Bearer ${token}` }, signal });
  assert.equal(res.status, 200);
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body!) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
      if (!data) continue;
      const event = JSON.parse(data) as Event;
      if (match(event)) return event;
    }
  }
  throw new Error("the stream ended before the expected event");
}

describe("codex app-server: who answers an approval", { skip: availability.skip, timeout: 600_000 }, () => {
  if (!availability.installed) {
    it("has the codex test binary installed (AGENTD_REQUIRE_CODEX=1)", () => assert.fail(INSTALL_HINT));
    return;
  }
  let env: AppServerEnv;
  before(async () => {
    env = await startAppServerDaemon(["--plugin", SCRIPT_PLUGIN], TOKEN);
  });
  after(async () => env?.close());

  it("a child's approval is raised to its parent session and answered by the parent's run through its run token", async () => {
    const { client, model, workDir } = env;
    const parentSession = (await client.post("/sessions", { provider: "script" })).body.session.id as string;
    model.enqueue(escalatedShell("echo child > child.txt", "child writes child.txt"), reply.message("child finished"));
    const spawnStep = JSON.stringify({ steps: [{ agentctl: ["--format", "json", "tool", "session-spawn", "--task", "write child.txt", "--provider", "codex", "--cwd", workDir] }] });
    const spawner = await finished(client, await send(client, parentSession, spawnStep));
    assert.equal(spawner.status, "completed", spawner.error);
    const spawned = JSON.parse(JSON.parse(spawner.output)[0].stdout) as { session: { id: string }; run: { id: string } };
    const childRun = spawned.run.id;

    const waiting = await waitingFor(client, childRun);
    assert.equal(waiting.raised_to_session_id, parentSession, "a child's approval goes to its parent session");
    const note = (await client.get(`/sessions/${parentSession}/messages`)).body.messages.find((m: any) => m.meta?.escalation_id === waiting.escalation_id);
    assert.match(note.text, /approval_request from child session .*echo child > child\.txt/);

    // The parent's next run lists what it was asked and approves it, as the run itself.
    const answerSteps = JSON.stringify({
      steps: [
        { agentctl: ["--format", "json", "tool", "escalation-list", "--status", "pending"] },
        { agentctl: ["--format", "json", "tool", "escalation-resolve", "--escalation-id", "{{0.escalations.0.id}}", "--decision", "approve", "--text", "parent says yes"] },
      ],
    });
    const answerer = await finished(client, await send(client, parentSession, answerSteps));
    const steps = JSON.parse(answerer.output) as Array<{ code: number; stdout: string; stderr: string }>;
    assert.equal(steps[1].code, 0, steps[1].stderr);

    const child = await finished(client, childRun);
    assert.equal(child.status, "completed", child.error);
    assert.equal(child.output, "child finished");
    const esc = (await client.get(`/escalations/${waiting.escalation_id}`)).body.escalation;
    assert.deepEqual([esc.status, esc.decision, esc.decision_text], ["resolved", "approve", "parent says yes"]);
    assert.match(esc.decided_by, /run/i, `decided by the parent's run token: ${esc.decided_by}`);
    const approval = (await runEvents(client, spawned.session.id, childRun)).find((e) => e.event_type === "tool.approval")!;
    assert.equal(approval.data.codex_decision, "accept");
  });

  it("the run that asked cannot approve its own request with its run token (403); its owner can", async () => {
    const { client, model, workDir, daemon } = env;
    model.enqueue(escalatedShell("echo self > self.txt", "write self.txt"), reply.message("answered by the owner"));
    const sessionId = await newSession(client, { cwd: workDir });
    const runId = await send(client, sessionId, "write self.txt");
    const waiting = await waitingFor(client, runId);
    // The run's own token, as codex's commands would use it (agentctl inside the run).
    const environ = readFileSync(`/proc/${processesOfRun(runId)[0].pid}/environ`, "utf8").split("\0");
    const runToken = environ.find((v) => v.startsWith("AGENTCTL_AUTH_TOKEN="))!.slice("AGENTCTL_AUTH_TOKEN=".length);
    const self = await api(daemon.url, runToken).post(`/escalations/${waiting.escalation_id}/resolve`, { decision: "approve" });
    assert.equal(self.status, 403, JSON.stringify(self.body));
    assert.match(self.body.error.message, /the run that asked cannot resolve it/);
    const listed = await api(daemon.url, runToken).get("/escalations?status=pending");
    assert.deepEqual(listed.body.escalations, [], "nor does it see its own request as one to answer");
    assert.deepEqual((await client.get("/escalations?status=pending")).body.escalations.map((e: any) => e.id), [waiting.escalation_id]);
    assert.equal((await client.post(`/escalations/${waiting.escalation_id}/resolve`, { decision: "approve" })).status, 200);
    assert.equal((await finished(client, runId)).output, "answered by the owner");
  });

  it("phone-sized flow over the API alone: the client sees the question on its SSE stream, answers over REST, the same run completes", async () => {
    const { client, model, workDir, daemon } = env;
    model.enqueue(escalatedShell("echo phone > phone.txt", "write phone.txt"), reply.message("done from the phone"));
    const sessionId = await newSession(client, { cwd: workDir });
    const stop = new AbortController();
    const asked = sseUntil(`${daemon.url}/stream?sessionId=${sessionId}&cursor=0`, TOKEN, (e) => e.event_type === "escalation.requested", stop.signal);
    const runId = await send(client, sessionId, "write phone.txt");
    const question = await asked;
    stop.abort();
    assert.equal(question.run_id, runId);
    assert.equal(question.data.approval.command, "echo phone > phone.txt");
    const r = await client.post(`/escalations/${question.data.escalation_id}/resolve`, { decision: "approve", text: "ok from my phone" });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const run = await finished(client, runId);
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.output, "done from the phone");
  });
});
