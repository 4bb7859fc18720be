// Parents that wake (issue #16 item 4): a child spawned with wake_parent queues a run in its parent
// session when it raises an escalation or ends; the parent answers through escalations_resolve.
// Nobody polls the children: the test only watches the parent session's runs and events.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { readFileSync } from "node:fs";
import { ROOT, api, cleanup, startDaemon, tempDir, until, type DaemonHandle } from "../support/daemon.ts";
import { startScriptedOpenAIServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from "../support/scripted-openai-server.ts";
import { functionCallOutputs, inputText, reply, startScriptedResponsesServer, type RecordedRequest as ResponsesRecorded, type Reply } from "../support/scripted-responses-server.ts";
import { KEY_ENV, MODEL, startEmbeddedDaemon } from "../embedded/helpers.ts";
import { codexAvailability, INSTALL_HINT } from "../codex/codex-harness.ts";
import { APP_SERVER_ARGS, escalatedShell } from "../codex-app-server/harness.ts";
import { agentctl } from "../cli/cli-helpers.ts";
import { SCRIPT_PLUGIN, TOKEN, script, events, finished, liveParent, send, session, spawn, startA2aDaemon, type Client } from "./helpers.ts";

const APPROVAL_PLUGIN = join(ROOT, "test", "fixtures", "plugins", "approval-provider.ts");

/** The parent's model: it reacts to the message that woke it (the order of wakes is not fixed). */
function parentModel(body: RecordedRequest["body"]): ScriptedReply {
  const last = body.messages[body.messages.length - 1];
  if (last.role === "tool") return { kind: "stream", text: "noted" };
  const prompt = last.content ?? "";
  const esc = /escalation (esc_[A-Za-z0-9_-]+)/.exec(prompt);
  if (prompt.startsWith("[agentd wake: escalation]") && esc) {
    return { kind: "stream", toolCalls: [{ name: "escalations_resolve", arguments: { escalation_id: esc[1], decision: "approve", text: "go ahead" } }] };
  }
  if (prompt.startsWith("[agentd wake: child ended]")) {
    return { kind: "stream", text: prompt.includes("all have ended") ? `FINAL ${prompt.slice(prompt.indexOf("Your child sessions"))}` : "one down" };
  }
  return { kind: "stream", text: `unexpected prompt: ${prompt}` };
}

/** Wait only on the parent: the run of it that completes with the final summary. */
async function finalWake(client: Client, parentId: string): Promise<Record<string, any>> {
  return until(async () => {
    for (const e of await events(client, parentId, "run.completed")) {
      const run = (await client.get(`/runs/${e.data.run_id}`)).body.run;
      if (run.output?.startsWith("FINAL")) return run;
    }
    return null;
  }, 120_000, "the parent's final wake run");
}

/** The parent's user messages that started runs (not the escalation notes). */
const promptsOf = async (client: Client, parentId: string) =>
  (await client.get(`/sessions/${parentId}/messages`)).body.messages.filter((m: any) => m.role === "user" && m.run_id !== null);

describe("agent to agent: parents that wake", () => {
  let server: ScriptedServer;
  let d: DaemonHandle;
  let client: Client;
  before(async () => {
    server = await startScriptedOpenAIServer();
    server.fallback(parentModel);
    d = await startEmbeddedDaemon(server, ["--plugin", SCRIPT_PLUGIN, "--plugin", APPROVAL_PLUGIN]);
    client = api(d.url);
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
    await server.close();
  });

  it("an embedded parent is woken by a child's approval, approves it, and is woken with both results", async () => {
    server.script(
      { kind: "stream", toolCalls: [
        { name: "sessions_spawn", arguments: { task: "git status", provider: "asker", wake_parent: true } },
        { name: "sessions_spawn", arguments: { task: "beta-result", provider: "script", wake_parent: true } },
      ] },
      { kind: "stream", text: "spawned; I will be woken" },
    );
    const parentId = await session(client, "embedded");
    const first = await send(client, parentId, "split the work in two");
    const finalRun = await finalWake(client, parentId);
    assert.match(finalRun.output, /all have ended/);
    assert.match(finalRun.output, /completed: script got: beta-result/);
    assert.match(finalRun.output, /completed: approve by .*: go ahead/, "the approved child's result is in the final prompt");

    // Three wakes: the question, and each child's end; each a run of the parent with its reason.
    const woken = await events(client, parentId, "session.woken");
    assert.deepEqual(woken.map((e) => e.data.reason).sort(), ["child_ended", "child_ended", "escalation"]);
    const prompts = await promptsOf(client, parentId);
    assert.equal(prompts.length, 4, "the first message and three wake prompts");
    assert.ok(prompts.every((m: any, i: number) => i === 0 || m.meta?.wake), JSON.stringify(prompts));

    // The escalation was decided by the parent's own run, through its tool.
    const escalations = (await client.get(`/sessions/${parentId}/escalations`)).body.escalations;
    assert.equal(escalations.length, 1);
    const [esc] = escalations;
    assert.deepEqual([esc.origin, esc.status, esc.decision], ["native_approval", "resolved", "approve"]);
    const resolvedBy = (await events(client, parentId, "tool.result")).filter((e) => e.data.name === "escalations_resolve");
    assert.equal(resolvedBy.length, 1);
    assert.equal(resolvedBy[0].data.ok, true, resolvedBy[0].data.error);
    assert.notEqual(resolvedBy[0].run_id, first, "decided in a wake run, not in the spawning run");
    const children = (await client.get(`/sessions/${parentId}/children`)).body.children;
    assert.deepEqual(children.map((c: any) => [c.session.wake_parent, c.latest_run.status]), [[true, "completed"], [true, "completed"]]);
    assert.deepEqual(server.unused(), []);
  });

  it("a child spawned without wake_parent does not wake its parent; wake_on_child_events on the session does", async () => {
    const quiet = await client.post("/sessions", { provider: "script" });
    const loud = await client.post("/sessions", { provider: "script", wake_on_child_events: true });
    assert.deepEqual([quiet.body.session.wake_on_child_events, loud.body.session.wake_on_child_events], [false, true]);
    for (const s of [quiet.body.session.id, loud.body.session.id]) {
      const r = await client.post(`/sessions/${s}/spawn`, { task: "child-result", provider: "script" });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      await until(async () => (await events(client, s, "child.run.completed")).length > 0, 30_000, "child announced");
    }
    assert.equal((await events(client, quiet.body.session.id, "session.woken")).length, 0);
    const woken = await events(client, loud.body.session.id, "session.woken");
    assert.equal(woken.length, 1);
    const wakeRun = await until(async () => {
      const run = (await client.get(`/runs/${woken[0].data.run_id}`)).body.run;
      return run.status === "completed" ? run : null;
    }, 30_000, "wake run completed");
    assert.match(wakeRun.output, /\[agentd wake: child ended\].*completed[\s\S]*script got: child-result/);
  });

  it("a reply-parent question wakes the parent, whose escalations_resolve answer queues the child's next run", async () => {
    const parentId = await session(client, "embedded");
    server.script(
      { kind: "stream", toolCalls: [{ name: "sessions_spawn", arguments: { task: script({ agentctl: ["tool", "session-reply-parent", "--request-kind", "question", "--text", "which port?"] }), provider: "script", wake_parent: true } }] },
      { kind: "stream", text: "asked a child" },
    );
    await send(client, parentId, "delegate");
    const esc = await until(async () => {
      const [e] = (await client.get(`/sessions/${parentId}/escalations`)).body.escalations;
      return e?.status === "resolved" ? e : null;
    }, 60_000, "the woken parent resolved the question");
    assert.deepEqual([esc.origin, esc.kind, esc.decision, esc.decision_text], ["reply_parent", "question", "approve", "go ahead"]);
    const answer = (await client.get(`/sessions/${esc.child_session_id}/messages`)).body.messages.find((m: any) => m.meta?.escalation_id === esc.id);
    assert.match(answer.text, /Decision on your question .*approved by .* go ahead/);
    const reasons = async () => (await events(client, parentId, "session.woken")).map((e) => e.data.reason);
    await until(async () => (await reasons()).filter((r) => r === "child_ended").length === 2, 60_000, "both child runs woke the parent");
    assert.equal((await reasons()).filter((r) => r === "escalation").length, 1);
  });

  it("escalations_resolve errors (unknown escalation) go back to the model, not fail the run", async () => {
    // Earlier tests' wake runs talk to the same scripted model: let them finish before scripting.
    await until(async () => {
      const { queued_count, running_count } = (await client.get("/daemon/status")).body.queue_counts;
      return queued_count === 0 && running_count === 0;
    }, 60_000, "earlier tests' runs to finish");
    server.script(
      { kind: "stream", toolCalls: [{ name: "escalations_resolve", arguments: { escalation_id: "esc_nope", decision: "approve" } }] },
      { kind: "stream", text: "could not" },
    );
    const parentId = await session(client, "embedded");
    await send(client, parentId, "resolve something");
    const [result] = await until(async () => {
      const r = await events(client, parentId, "tool.result");
      return r.length ? r : null;
    }, 30_000, "tool result");
    assert.equal(result.data.ok, false);
    assert.match(result.data.error, /escalations_resolve failed: .*esc_nope.*not found/i);
  });

  it("agentctl: session create --wake-on-child-events, tool session-spawn --wake-parent", async () => {
    const env = { AGENTCTL_URL: d.url };
    const created = await agentctl(["--format", "json", "session", "create", "--provider", "script", "--wake-on-child-events"], { env });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).session.wake_on_child_events, true);
    const quiet = await session(client, "script");
    const spawned = await agentctl(["--format", "json", "tool", "session-spawn", "--parent-session-id", quiet, "--provider", "script", "--task", "cli-child", "--wake-parent"], { env });
    assert.equal(spawned.code, 0, spawned.stderr);
    const child = JSON.parse(spawned.stdout);
    assert.equal(child.session.wake_parent, true);
    const [woken] = await until(async () => {
      const e = await events(client, quiet, "session.woken");
      return e.length ? e : null;
    }, 30_000, "the quiet parent woken by the child that asked");
    assert.deepEqual([woken.data.reason, woken.data.child_run_id], ["child_ended", child.run.id]);
  });

  it("rejects a non-boolean wake_parent and wake_on_child_events with a 400 naming the field", async () => {
    const bad = await client.post("/sessions", { provider: "script", wake_on_child_events: "yes" });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body.error), /wake_on_child_events/);
    const parent = await session(client, "script");
    const spawn = await client.post(`/sessions/${parent}/spawn`, { task: "x", provider: "script", wake_parent: 1 });
    assert.equal(spawn.status, 400);
    assert.match(JSON.stringify(spawn.body.error), /wake_parent/);
  });
});

describe("agent to agent: parents that wake, exactly once across kill -9", () => {
  const wakesFor = async (client: Client, sessionId: string, childRunId: string) =>
    (await client.get(`/sessions/${sessionId}/messages`)).body.messages.filter((m: any) => m.meta?.wake?.child_run_id === childRunId);

  it("a child that ended right before the crash queued one wake run, behind the parent's running run", async () => {
    let d = await startA2aDaemon();
    const dataDir = d.dataDir;
    try {
      let client = api(d.url, TOKEN);
      const parent = await liveParent(client);
      const child = await spawn(client, parent.runId, { task: "done quickly", provider: "script", wake_parent: true });
      await finished(client, child.runId);
      // GET /runs/:id/wait answers from memory when the run is already terminal there, possibly
      // before that write is durable; an acknowledged write after it is a barrier (the journal is
      // ordered), so the crash below comes after the child's end was stored.
      assert.equal((await client.post("/sessions", { provider: "script" })).status, 201);
      const [wake] = await wakesFor(client, parent.sessionId, child.runId);
      assert.ok(wake, "the wake run is queued in the child's finishing transaction");
      assert.equal((await client.get(`/runs/${wake.run_id}`)).body.run.status, "queued", "one running run per session: the wake waits");
      await d.kill9(); // right after the child's end was acknowledged
      for (let restart = 0; restart < 2; restart++) {
        d = await startA2aDaemon([], dataDir);
        client = api(d.url, TOKEN);
        const seen = await wakesFor(client, parent.sessionId, child.runId);
        assert.deepEqual(seen.map((m: any) => m.run_id), [wake.run_id], `restart ${restart + 1}: exactly one wake run`);
        const run = await finished(client, wake.run_id, 30);
        assert.equal(run.status, "completed", run.error);
        assert.equal((await events(client, parent.sessionId, "session.woken")).length, 1);
        await d.stop();
      }
    } finally {
      await d.kill9();
      cleanup(dataDir);
    }
  });
});

/** The codex children's model: task-alpha asks to run a command outside the sandbox, task-beta just answers. */
function codexChildren(request: ResponsesRecorded): Reply {
  const text = inputText(request.body);
  if (functionCallOutputs(request.body).length > 0) return reply.message("alpha done: wrote alpha.txt");
  if (text.includes("task-alpha")) return escalatedShell("echo alpha > alpha.txt", "task-alpha writes alpha.txt");
  if (text.includes("task-beta")) return reply.message("beta done");
  return reply.message(`unexpected codex request: ${text.slice(0, 200)}`);
}

describe("agent to agent: an embedded parent woken by two codex app-server children", { skip: codexAvailability().skip, timeout: 300_000 }, () => {
  if (!codexAvailability().installed) {
    it("has the codex test binary installed (AGENTD_REQUIRE_CODEX=1)", () => assert.fail(INSTALL_HINT));
    return;
  }
  it("one child asks for approval; the woken parent approves; both finish; the parent is woken with both results", async () => {
    const model = await startScriptedOpenAIServer();
    model.fallback(parentModel);
    const codex = await startScriptedResponsesServer(codexChildren);
    const codexHome = codex.writeCodexHome();
    const workDir = tempDir("agentd-wake-cwd-");
    const d = await startDaemon({
      args: [...APP_SERVER_ARGS, "--model-base-url", model.baseUrl, "--model", MODEL, "--model-api-key-env", KEY_ENV],
      env: { [KEY_ENV]: "sk-test-key", ...codex.codexEnv(codexHome) },
    });
    try {
      const client = api(d.url);
      model.script(
        { kind: "stream", toolCalls: [
          { name: "sessions_spawn", arguments: { task: "task-alpha: write alpha.txt", provider: "codex", wake_parent: true } },
          { name: "sessions_spawn", arguments: { task: "task-beta: say hello", provider: "codex", wake_parent: true } },
        ] },
        { kind: "stream", text: "spawned; I will be woken" },
      );
      const parent = await client.post("/sessions", { provider: "embedded", cwd: workDir });
      const parentId = parent.body.session.id as string;
      await send(client, parentId, "split the work in two");
      const finalRun = await finalWake(client, parentId);
      assert.match(finalRun.output, /all have ended/);
      assert.match(finalRun.output, /completed: alpha done: wrote alpha\.txt/);
      assert.match(finalRun.output, /completed: beta done/);

      const [esc] = (await client.get(`/sessions/${parentId}/escalations`)).body.escalations;
      assert.deepEqual([esc.origin, esc.status, esc.decision, esc.decision_text], ["native_approval", "resolved", "approve", "go ahead"]);
      const approval = (await events(client, esc.child_session_id, "tool.approval"))[0];
      assert.equal(approval?.data.codex_decision, "accept", "codex was told the parent accepted");
      assert.equal(readFileSync(join(workDir, "alpha.txt"), "utf8").trim(), "alpha");
      const woken = await events(client, parentId, "session.woken");
      assert.deepEqual(woken.map((e) => e.data.reason).sort(), ["child_ended", "child_ended", "escalation"]);
      assert.equal((await promptsOf(client, parentId)).length, 4);
    } finally {
      await d.stop();
      await model.close();
      await codex.close();
      cleanup(codexHome);
      cleanup(workDir);
      cleanup(d.dataDir);
    }
  });
});
