// The codex provider against the REAL codex binary (test/codex-bin) driven by the scripted model
// server, through the real daemon over HTTP. Skipped locally without the binary; required in CI.
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { api, cleanup, ROOT, startDaemon, tempDir, until, type DaemonHandle } from "../support/daemon.ts";
import { functionCallOutputs, inputText, reply, startScriptedResponsesServer, type ScriptedResponsesServer } from "../support/scripted-responses-server.ts";
import { CODEX_TEST_ARGS, codexAvailability, INSTALL_HINT, processesMatching, processesOfRun } from "./codex-harness.ts";

const availability = codexAvailability();

type Client = ReturnType<typeof api>;
type Event = { seq: number; event_type: string; run_id: string | null; data: Record<string, any> };

async function send(client: Client, sessionId: string, text: string): Promise<string> {
  const m = await client.post(`/sessions/${sessionId}/messages`, { text, idempotency_key: `k-${Math.random()}` });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  return m.body.run.id as string;
}

async function finished(client: Client, runId: string): Promise<Record<string, any>> {
  const w = await client.get(`/runs/${runId}/wait?timeout_s=90`);
  assert.equal(w.body.timed_out, false, `run ${runId} did not finish: ${JSON.stringify(w.body)}`);
  return w.body.run;
}

async function runEvents(client: Client, sessionId: string, runId: string): Promise<Event[]> {
  const r = await client.get(`/sessions/${sessionId}/events?cursor=0&limit=1000`);
  return (r.body.events as Event[]).filter((e) => e.run_id === runId);
}

async function newSession(client: Client, body: Record<string, unknown> = { provider: "codex" }): Promise<string> {
  const s = await client.post("/sessions", body);
  assert.equal(s.status, 201, JSON.stringify(s.body));
  return s.body.session.id as string;
}

describe("codex provider with the real codex binary", { skip: availability.skip, timeout: 600_000 }, () => {
  if (!availability.installed) {
    it("has the codex test binary installed (AGENTD_REQUIRE_CODEX=1)", () => assert.fail(INSTALL_HINT));
    return;
  }
  let model: ScriptedResponsesServer;
  let daemon: DaemonHandle;
  let client: Client;
  let codexHome: string;
  const workDir = tempDir("agentd-codex-cwd-");

  before(async () => {
    model = await startScriptedResponsesServer();
    codexHome = model.writeCodexHome();
    daemon = await startDaemon({ args: CODEX_TEST_ARGS, env: model.codexEnv(codexHome) });
    client = api(daemon.url);
  });

  after(async () => {
    await daemon?.stop();
    await model?.close();
    cleanup(codexHome);
    cleanup(workDir);
    if (daemon) cleanup(daemon.dataDir);
  });

  it("plain reply: auto routes to codex, the answer becomes the assistant message, the thread is stored", async () => {
    model.enqueue(reply.message("hello from scripted codex", { input_tokens: 11, output_tokens: 3 }));
    const sessionId = await newSession(client, {});
    const runId = await send(client, sessionId, "say hello");
    const run = await finished(client, runId);
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.provider, "codex");
    assert.match(run.routing.reason, /codex is available/);
    assert.equal(run.output, "hello from scripted codex");
    assert.deepEqual(run.usage, { input_tokens: 11, cached_input_tokens: 0, output_tokens: 3, reasoning_output_tokens: 0, total_tokens: 14 });

    const messages = (await client.get(`/sessions/${sessionId}/messages`)).body.messages as Array<{ role: string; text: string }>;
    assert.deepEqual(messages.map((m) => [m.role, m.text]), [["user", "say hello"], ["assistant", "hello from scripted codex"]]);

    const events = await runEvents(client, sessionId, runId);
    const types = events.map((e) => e.event_type);
    for (const t of ["codex.thread_started", "session.thread_set", "codex.turn_started", "agent.message", "run.usage", "run.completed"]) assert.ok(types.includes(t), `missing ${t} in ${types.join(", ")}`);
    const started = events.find((e) => e.event_type === "codex.thread_started")!;
    assert.match(started.data.thread_id, /^[0-9a-f-]{36}$/);
    assert.equal(started.data.resumed, false);
    assert.equal(model.requests.at(-1)!.body.stream, true);
    assert.match(inputText(model.requests.at(-1)!.body), /say hello/);
  });

  it("second message resumes the same codex thread; the model sees the first turn; usage is per turn", async () => {
    const sessionId = await newSession(client);
    model.enqueue(reply.message("the secret word is PINEAPPLE"));
    const first = await finished(client, await send(client, sessionId, "remember the secret word"));
    assert.equal(first.status, "completed", first.error);
    const firstThread = (await runEvents(client, sessionId, first.id)).find((e) => e.event_type === "codex.thread_started")!.data.thread_id;

    model.enqueue(reply.message("it was PINEAPPLE"));
    const second = await finished(client, await send(client, sessionId, "what was the secret word?"));
    assert.equal(second.status, "completed", second.error);
    assert.equal(second.output, "it was PINEAPPLE");

    const history = inputText(model.requests.at(-1)!.body);
    assert.match(history, /remember the secret word/, "the resumed request carries the first prompt");
    assert.match(history, /the secret word is PINEAPPLE/, "and the first answer");
    const events = await runEvents(client, sessionId, second.id);
    const started = events.find((e) => e.event_type === "codex.thread_started")!;
    assert.equal(started.data.thread_id, firstThread);
    assert.equal(started.data.resumed, true);
    assert.ok(!events.some((e) => e.event_type === "codex.thread_mismatch"));
    const usage = events.find((e) => e.event_type === "run.usage")!;
    assert.equal(usage.data.thread_total.input_tokens, 20, "codex reports the thread total");
    assert.equal(second.usage.input_tokens, 10, "the run stores this turn's share");
  });

  it("tool call: codex runs a shell command in the session's cwd with the run's env; events show command, output, exit code", async () => {
    const sessionId = await newSession(client, { provider: "codex", cwd: workDir, model: "scripted-model-b" });
    model.enqueue(
      reply.shell('pwd; echo "run=$AGENTD_RUN_ID session=$AGENTD_SESSION_ID url=$AGENTD_URL"; echo "path=$PATH"; echo "token=${AGENTCTL_AUTH_TOKEN:+set}"', { text: "running it" }),
      reply.shell("echo to-stderr >&2; exit 3"),
      reply.message("ran both commands"),
    );
    const runId = await send(client, sessionId, "run the commands");
    const run = await finished(client, runId);
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.output, "ran both commands");

    const commands = (await runEvents(client, sessionId, runId)).filter((e) => e.event_type === "tool.command");
    const done = commands.filter((e) => e.data.phase === "completed");
    assert.equal(done.length, 2, JSON.stringify(commands));
    assert.ok(commands.some((e) => e.data.phase === "started" && e.data.status === "in_progress"), "the start of a command is visible while it runs");
    assert.match(done[0].data.command, /echo "run=\$AGENTD_RUN_ID/);
    assert.equal(done[0].data.exit_code, 0);
    const out = done[0].data.output as string;
    assert.equal(out.split("\n")[0], workDir, "the command ran in the session's cwd");
    assert.match(out, new RegExp(`run=${runId} session=${sessionId} url=${daemon.url.replace(/[.]/g, "\\.")}`));
    assert.match(out, new RegExp(`path=[^\\n]*${join(ROOT, "bin").replace(/[.]/g, "\\.")}`), "agentctl's directory is on PATH in codex's shell");
    assert.match(out, /token=set/);
    assert.equal(done[1].data.exit_code, 3);
    assert.match(done[1].data.output, /to-stderr/);

    const toolRequest = model.requests.at(-1)!.body;
    assert.match(functionCallOutputs(toolRequest).at(-1)!.output, /exited with code 3/);
    assert.ok(model.requests.some((r) => r.body.model === "scripted-model-b"), "the session's model is passed to codex");
  });

  it("a model error (HTTP 500) fails the run with codex's message", async () => {
    model.enqueue(reply.httpError(500, "scripted overload"));
    const sessionId = await newSession(client);
    const runId = await send(client, sessionId, "this will fail");
    const run = await finished(client, runId);
    assert.equal(run.status, "failed");
    assert.match(run.error, /^codex turn failed: /);
    const events = await runEvents(client, sessionId, runId);
    assert.ok(events.some((e) => e.event_type === "codex.turn_failed"), events.map((e) => e.event_type).join(", "));
    const diag = (await client.get(`/runs/${runId}/diagnose`)).body.diagnostics;
    assert.match(diag.likely_issue, /codex turn failed/);
  });

  it("cancel during a long command: the run ends canceled and no process of the run is left", async () => {
    const marker = `sleep 30${Math.floor(100 + Math.random() * 800)}`;
    // codex waits up to 30 s for the command, then asks the model, which never answers: only a
    // real cancel ends this turn (a naive kill of the wrapper would orphan codex and the sleeps).
    model.enqueue(reply.shell(`(${marker}1 &); nohup ${marker}2 >/dev/null 2>&1 & echo started-long; ${marker}0`, { yieldTimeMs: 30_000 }), reply.hang());
    const sessionId = await newSession(client);
    const runId = await send(client, sessionId, "start a long command");
    await until(async () => (await runEvents(client, sessionId, runId)).some((e) => e.event_type === "tool.command" && e.data.phase === "started"), 60_000, "the long command to start");
    await until(() => processesMatching(`${marker}0`).length > 0 && processesMatching(`${marker}2`).length > 0, 30_000, "the sleeps to run");
    assert.ok(processesOfRun(runId).length >= 3, "codex, its native binary and the command carry the run's env");

    const diag = (await client.get(`/runs/${runId}/diagnose`)).body.diagnostics;
    assert.equal(diag.status, "running");
    assert.equal(diag.pid_alive, true);
    assert.ok(diag.active_pid > 0);
    assert.equal(diag.codex_invocation.argv[1], "exec");
    assert.ok(diag.codex_invocation.argv.includes("--json"));
    assert.deepEqual(diag.codex_invocation.extra_args, ["-c", "model_providers.mock.request_max_retries=0", "-c", "model_providers.mock.stream_max_retries=0"]);

    const c = await client.post(`/runs/${runId}/cancel`, { reason: "test cancel" });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.equal(c.body.run.status, "canceled", "the provider stopped within the cancel request's grace period");
    model.clear();
    const run = await finished(client, runId);
    assert.equal(run.status, "canceled");
    assert.equal(run.error, "test cancel");
    await until(() => processesOfRun(runId).length === 0 && processesMatching(marker).length === 0, 10_000, "every process of the run to be gone").catch(() => {
      assert.fail(`processes left after cancel: ${JSON.stringify([...processesOfRun(runId), ...processesMatching(marker)])}`);
    });
    const after = (await client.get(`/runs/${runId}/diagnose`)).body.diagnostics;
    assert.equal(after.pid_alive, false);
  });

  it("unknown thread: codex cannot find the stored thread; the run says so, and the next message starts a new thread", async () => {
    const sessionId = await newSession(client);
    model.enqueue(reply.message("first"));
    const first = await finished(client, await send(client, sessionId, "start a thread"));
    assert.equal(first.status, "completed", first.error);
    const oldThread = (await runEvents(client, sessionId, first.id)).find((e) => e.event_type === "codex.thread_started")!.data.thread_id;

    rmSync(join(codexHome, "sessions"), { recursive: true, force: true }); // codex's rollouts: the thread is gone
    const lost = await finished(client, await send(client, sessionId, "continue"));
    assert.equal(lost.status, "failed");
    assert.match(lost.error, new RegExp(`cannot find this session's thread ${oldThread}`));
    assert.match(lost.error, /send the message again/);
    const lostEvents = await runEvents(client, sessionId, lost.id);
    const notFound = lostEvents.find((e) => e.event_type === "codex.thread_not_found");
    assert.ok(notFound, lostEvents.map((e) => e.event_type).join(", "));
    assert.match(notFound.data.stderr, /no rollout found/);

    mkdirSync(join(codexHome, "sessions"), { recursive: true });
    model.enqueue(reply.message("fresh start"));
    const again = await finished(client, await send(client, sessionId, "continue"));
    assert.equal(again.status, "completed", again.error);
    const started = (await runEvents(client, sessionId, again.id)).find((e) => e.event_type === "codex.thread_started")!;
    assert.notEqual(started.data.thread_id, oldThread);
    assert.equal(started.data.resumed, false);
  });
});
