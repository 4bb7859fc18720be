// The claude-code provider against the REAL claude binary (test/claude-bin) driven by a scripted
// Anthropic Messages server on loopback, through the real daemon over HTTP. Skipped locally
// without the binary; required in CI (AGENTD_REQUIRE_CLAUDE=1).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { processesMatching, processesOfRun } from "../codex/codex-harness.ts";
import { api, cleanup, startDaemon, tempDir, until, type DaemonHandle } from "../support/daemon.ts";
import { CLAUDE_BIN, CLAUDE_TEST_ENV, claudeAvailability, events, finished, INSTALL_HINT, newSession, send, type Client } from "./claude-harness.ts";
import { conversationText, reply, startScriptedMessagesServer, type ScriptedMessagesServer } from "./scripted-messages-server.ts";

const availability = claudeAvailability();

describe("claude-code provider with the real claude binary", { skip: availability.skip, timeout: 600_000 }, () => {
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
    daemon = await startDaemon({
      args: ["--claude-bin", CLAUDE_BIN, "--claude-allowed-tools", "Bash", "--claude-allowed-tools", "Read", "--claude-extra-arg=--effort", "--claude-extra-arg", "low"],
      env: { ...model.claudeEnv(home), ...CLAUDE_TEST_ENV },
    });
    client = api(daemon.url);
  });
  after(async () => {
    await daemon?.stop();
    await model?.close();
    cleanup(home);
    cleanup(workDir);
    if (daemon) cleanup(daemon.dataDir);
  });

  it("a plain reply; the prompt goes on stdin (a prompt starting with -- is not a flag); diagnose shows the invocation", async () => {
    model.enqueue(reply.text("hello from claude", { input_tokens: 40, output_tokens: 5 }));
    const sessionId = await newSession(client, { cwd: workDir, model: "claude-scripted-1" });
    const runId = await send(client, sessionId, "--version please");
    const run = await finished(client, runId);
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.provider, "claude-code");
    assert.equal(run.output, "hello from claude");
    assert.equal(run.usage.output_tokens, 5);
    assert.equal(run.usage.input_tokens, 40);
    assert.match(conversationText(model.requests.at(-1)!), /--version please/);
    assert.equal(model.requests.at(-1)!.model, "claude-scripted-1", "the session's model is passed with --model");
    const evs = await events(client, sessionId, runId);
    const types = evs.map((e) => e.event_type);
    for (const t of ["claude.session_started", "agent.message", "run.usage"]) assert.ok(types.includes(t), `${t} in ${types.join(", ")}`);
    const usage = evs.find((e) => e.event_type === "run.usage")!;
    assert.equal(typeof usage.data.total_cost_usd, "number");

    // After the run, diagnose shows the configured invocation; the exact argv is shown while it runs (cancel test).
    const inv = (await client.get(`/runs/${runId}/diagnose`)).body.diagnostics.claude_invocation;
    assert.deepEqual(inv.allowed_tools, ["Bash", "Read"]);
    assert.deepEqual(inv.extra_args, ["--effort", "low"]);
    assert.equal(inv.permission_prompt_tool, "mcp__agentd__permission");
    assert.equal(inv.prompt_via, "stdin");
  });

  it("the second turn resumes the same claude session, and the model sees the first turn", async () => {
    model.enqueue(reply.text("first answer"), reply.text("second answer"));
    const sessionId = await newSession(client, { cwd: workDir });
    const first = await finished(client, await send(client, sessionId, "remember the word PLUM"));
    assert.equal(first.status, "completed", first.error);
    const claudeSession = (await events(client, sessionId, first.id)).find((e) => e.event_type === "claude.session_started")!.data.session_id;
    assert.match(claudeSession, /^[0-9a-f-]{36}$/);
    const second = await finished(client, await send(client, sessionId, "which word?"));
    assert.equal(second.status, "completed", second.error);
    assert.equal(second.output, "second answer");
    const started = (await events(client, sessionId, second.id)).find((e) => e.event_type === "claude.session_started")!;
    assert.equal(started.data.session_id, claudeSession);
    assert.equal(started.data.resumed, true);
    const text = conversationText(model.requests.at(-1)!);
    assert.match(text, /remember the word PLUM/);
    assert.match(text, /first answer/);
  });

  it("a tool use the allowed tools permit runs, as tool.call events started and completed", async () => {
    model.enqueue(reply.toolUse("Bash", { command: "touch made-by-claude.txt", description: "create a file" }), reply.text("file made"));
    const sessionId = await newSession(client, { cwd: workDir });
    const runId = await send(client, sessionId, "make a file");
    const run = await finished(client, runId);
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.output, "file made");
    assert.ok(existsSync(join(workDir, "made-by-claude.txt")));
    const calls = (await events(client, sessionId, runId)).filter((e) => e.event_type === "tool.call");
    assert.deepEqual(calls.map((e) => e.data.phase), ["started", "completed"]);
    assert.equal(calls[0].data.name, "Bash");
    assert.deepEqual(calls[0].data.input, { command: "touch made-by-claude.txt", description: "create a file" });
    assert.equal(calls[1].data.tool_use_id, calls[0].data.tool_use_id);
    assert.equal(calls[1].data.is_error, false);
  });

  it("claude's Bash sees the run's environment: agentctl on PATH, the run's ids and token", async () => {
    model.enqueue(reply.toolUse("Bash", { command: 'echo "run=$AGENTD_RUN_ID session=$AGENTD_SESSION_ID token=${AGENTCTL_AUTH_TOKEN:+set}"; command -v agentctl', description: "env" }), reply.text("checked"));
    const sessionId = await newSession(client, { cwd: workDir });
    const runId = await send(client, sessionId, "show the env");
    assert.equal((await finished(client, runId)).status, "completed");
    const done = (await events(client, sessionId, runId)).find((e) => e.event_type === "tool.call" && e.data.phase === "completed")!;
    assert.match(done.data.output, new RegExp(`run=${runId} session=${sessionId} token=set`));
    assert.match(done.data.output, /\/bin\/agentctl$/m);
  });

  it("a model error (HTTP 500) fails the run with claude's message", async () => {
    model.enqueue(reply.httpError(500, "scripted overload"));
    const sessionId = await newSession(client, { cwd: workDir });
    const runId = await send(client, sessionId, "this will fail");
    const run = await finished(client, runId);
    assert.equal(run.status, "failed");
    assert.match(run.error, /^claude turn failed: API Error: 500 scripted overload/);
    const types = (await events(client, sessionId, runId)).map((e) => e.event_type);
    assert.ok(types.includes("claude.result_error"), types.join(", "));
    const diag = (await client.get(`/runs/${runId}/diagnose`)).body.diagnostics;
    assert.match(diag.likely_issue, /claude turn failed/);
  });

  it("cancel during a long command: the run ends canceled and no process of the run is left", async () => {
    const marker = `sleep 31${Math.floor(100 + Math.random() * 800)}`;
    model.enqueue(reply.toolUse("Bash", { command: `echo started; ${marker}`, description: "wait a long time" }), reply.hang());
    const sessionId = await newSession(client, { cwd: workDir });
    const runId = await send(client, sessionId, "start a long command");
    await until(() => processesMatching(marker).length > 0, 60_000, "the sleep to run");
    assert.ok(processesOfRun(runId).length >= 2, "claude and its command carry the run's env");
    const diag = (await client.get(`/runs/${runId}/diagnose`)).body.diagnostics;
    assert.equal(diag.status, "running");
    assert.equal(diag.pid_alive, true);
    const argv: string[] = diag.claude_invocation.argv;
    assert.deepEqual(argv.slice(0, 5), [CLAUDE_BIN, "-p", "--output-format", "stream-json", "--verbose"]);
    assert.match(diag.claude_invocation.version, /^2\.1\.\d+$/);
    assert.ok(argv.includes("--allowedTools=Bash,Read"), JSON.stringify(argv));
    assert.ok(argv.includes("--permission-prompt-tool"));
    assert.deepEqual(argv.slice(-2), ["--effort", "low"], "extra args last");
    assert.ok(!argv.some((a) => a.includes("start a long command")), "the prompt is not in argv (it goes on stdin)");

    const c = await client.post(`/runs/${runId}/cancel`, { reason: "test cancel" });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.equal(c.body.run.status, "canceled", "the provider stopped within the cancel request's grace period");
    model.clear();
    const run = await finished(client, runId);
    assert.equal(run.status, "canceled");
    await until(() => processesOfRun(runId).length === 0 && processesMatching(marker).length === 0, 10_000, "every process of the run to be gone").catch(() => {
      assert.fail(`processes left after cancel: ${JSON.stringify([...processesOfRun(runId), ...processesMatching(marker)])}`);
    });
  });

  it("a lost claude session: the run says so, clears it, and the next message starts a new one", async () => {
    model.enqueue(reply.text("one"));
    const sessionId = await newSession(client, { cwd: workDir });
    assert.equal((await finished(client, await send(client, sessionId, "start"))).status, "completed");
    cleanup(join(home, ".claude", "projects")); // claude's transcripts: the session is gone
    const lost = await finished(client, await send(client, sessionId, "continue"));
    assert.equal(lost.status, "failed");
    assert.match(lost.error, /claude cannot find this session's conversation .* send the message again to start a new claude session/);
    model.enqueue(reply.text("fresh"));
    const fresh = await finished(client, await send(client, sessionId, "again"));
    assert.equal(fresh.status, "completed", fresh.error);
    assert.equal(fresh.output, "fresh");
  });
});
