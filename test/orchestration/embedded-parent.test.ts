// The embedded runtime as a parent: its (scripted) model spawns two children with sessions_spawn,
// waits for both with sessions_wait, lists them and summarises. The tools act as the run, through
// the same services and checks as the HTTP routes.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, cleanup, type DaemonHandle } from "../support/daemon.ts";
import { startScriptedOpenAIServer, type ScriptedServer } from "../support/scripted-openai-server.ts";
import { startEmbeddedDaemon } from "../embedded/helpers.ts";
import { SCRIPT_PLUGIN, events, finished, send, session, type Client } from "./helpers.ts";

describe("agent to agent: an embedded parent", () => {
  let server: ScriptedServer;
  let d: DaemonHandle;
  let client: Client;
  before(async () => {
    server = await startScriptedOpenAIServer();
    d = await startEmbeddedDaemon(server, ["--plugin", SCRIPT_PLUGIN]);
    client = api(d.url);
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
    await server.close();
  });

  it("spawns two children, waits for both and summarises their outputs", async () => {
    const summary = "Both children are done: script got: alpha-result | script got: beta-result";
    server.script(
      { kind: "stream", toolCalls: [
        { name: "sessions_spawn", arguments: { task: "alpha-result", provider: "script" } },
        { name: "sessions_spawn", arguments: { task: "beta-result", provider: "script" } },
      ] },
      { kind: "stream", toolCalls: [{ name: "sessions_wait", arguments: { timeout_s: 60 } }] },
      { kind: "stream", toolCalls: [{ name: "sessions_list", arguments: {} }] },
      { kind: "stream", text: summary },
    );
    const sessionId = await session(client, "embedded");
    const run = await finished(client, await send(client, sessionId, "split the work in two and summarise"));
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.output, summary);

    const results = await events(client, sessionId, "tool.result");
    assert.deepEqual(results.map((e) => [e.data.name, e.data.ok]), [["sessions_spawn", true], ["sessions_spawn", true], ["sessions_wait", true], ["sessions_list", true]]);
    const waited = results[2].data.result;
    assert.equal(waited.timed_out, false);
    assert.deepEqual(waited.runs.map((r: any) => [r.status, r.output]).sort(), [["completed", "script got: alpha-result"], ["completed", "script got: beta-result"]]);
    // What the model saw before summarising: both children's outputs.
    const toolMessages = server.requests[2].body.messages.filter((m) => m.role === "tool").map((m) => m.content ?? "");
    assert.ok(toolMessages.some((c) => c.includes("script got: alpha-result") && c.includes("script got: beta-result")), toolMessages.join("\n"));
    const listed = results[3].data.result.sessions;
    assert.equal(listed.length, 2);
    for (const s of listed) assert.equal(s.latest_run.status, "completed");

    const children = (await client.get(`/sessions/${sessionId}/children`)).body.children;
    assert.equal(children.length, 2);
    for (const c of children) assert.deepEqual([c.session.parent_run_id, c.session.depth], [run.id, 1]);
    assert.equal((await events(client, sessionId, "child.run.completed")).length, 2);
  });

  it("tool errors (no parent, bad arguments, another tree) go back to the model, not fail the run", async () => {
    const other = await session(client, "script");
    server.script(
      { kind: "stream", toolCalls: [
        { name: "reply_parent", arguments: { text: "help", request_kind: "question" } },
        { name: "sessions_send", arguments: { session_id: other, text: "hi" } },
        { name: "sessions_history", arguments: { session_id: other } },
        { name: "sessions_wait", arguments: {} },
        { name: "reply_parent", arguments: { text: "help", request_kind: "result" } },
      ] },
      { kind: "stream", text: "could not" },
    );
    const sessionId = await session(client, "embedded");
    const run = await finished(client, await send(client, sessionId, "try"));
    assert.equal(run.status, "completed", run.error);
    const errors = (await events(client, sessionId, "tool.result")).map((e) => e.data.error as string);
    assert.match(errors[0], /no parent session/);
    assert.match(errors[1], /session .* not found/);
    assert.match(errors[2], /session .* not found/);
    assert.match(errors[3], /nothing to wait for/);
    assert.match(errors[4], /invalid arguments for reply_parent/);
  });
});
