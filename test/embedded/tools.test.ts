// The embedded runtime's tool loop: tools from the registry (a test plugin adds them), tool.call /
// tool.result events, argument validation errors returned to the model, and the step limit.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { api, cleanup, type DaemonHandle } from "../support/daemon.ts";
import { startScriptedOpenAIServer, type ScriptedServer } from "../support/scripted-openai-server.ts";
import { TOOLS_PLUGIN, converse, events, newSession, startEmbeddedDaemon, type Client } from "./helpers.ts";

describe("embedded runtime: tools", () => {
  let server: ScriptedServer;
  let daemon: DaemonHandle;
  let client: Client;
  before(async () => {
    server = await startScriptedOpenAIServer();
    daemon = await startEmbeddedDaemon(server, ["--plugin", TOOLS_PLUGIN, "--max-steps", "3"]);
    client = api(daemon.url);
  });
  after(async () => {
    await daemon.stop();
    await server.close();
    cleanup(daemon.dataDir);
  });

  test("a multi-step tool loop runs tools, records them, and feeds results back to the model", async () => {
    server.script(
      { kind: "stream", toolCalls: [{ name: "add", arguments: { a: 2, b: 3 }, id: "call_add" }] },
      { kind: "stream", text: "Checking who I am. ", toolCalls: [{ name: "whoami", arguments: {}, id: "call_who" }] },
      { kind: "stream", text: "2 + 3 = 5" },
    );
    const sessionId = await newSession(client);
    const run = await converse(client, sessionId, "add 2 and 3");
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.output, "2 + 3 = 5");

    const first = server.requests.at(-3)!.body;
    // The test plugin's tools, plus the built-in orchestration-tools plugin's (docs/agent-to-agent.md).
    const orchestration = ["escalations_resolve", "reply_parent", "sessions_history", "sessions_list", "sessions_send", "sessions_spawn", "sessions_wait"];
    assert.deepEqual(first.tools?.map((t) => t.function.name).sort(), ["add", "explode", "whoami", ...orchestration].sort());
    assert.deepEqual(first.tools?.find((t) => t.function.name === "add")?.function.parameters, {
      type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"], additionalProperties: false,
    });
    const second = server.requests.at(-2)!.body.messages;
    assert.deepEqual(second.at(-2), { role: "assistant", content: null, tool_calls: [{ id: "call_add", type: "function", function: { name: "add", arguments: '{"a":2,"b":3}' } }] });
    assert.deepEqual(second.at(-1), { role: "tool", tool_call_id: "call_add", content: '{"sum":5}' });
    const who = JSON.parse(server.requests.at(-1)!.body.messages.at(-1)!.content!);
    assert.deepEqual(who.principal, { id: `run:${run.id}`, admin: false, run: { run_id: run.id, session_id: sessionId, root_session_id: sessionId, owner: who.principal.run.owner } });
    assert.equal(who.run_id, run.id);

    const toolEvents = (await events(client, sessionId, { runId: run.id })).filter((e) => e.event_type.startsWith("tool."));
    assert.deepEqual(
      toolEvents.map((e) => [e.event_type, e.data.step, e.data.name, e.data.ok ?? null]),
      [["tool.call", 1, "add", null], ["tool.result", 1, "add", true], ["tool.call", 2, "whoami", null], ["tool.result", 2, "whoami", true]],
    );
    assert.deepEqual(toolEvents[1].data.result, { sum: 5 });
    assert.equal(toolEvents[0].data.call_id, "call_add");
  });

  test("bad arguments, unknown tools and failing tools go back to the model as errors", async () => {
    server.script(
      {
        kind: "stream",
        toolCalls: [
          { name: "add", arguments: { a: "two", c: 1 }, id: "c1" },
          { name: "add", arguments: "{not json", id: "c2" },
          { name: "no_such_tool", arguments: {}, id: "c3" },
          { name: "explode", arguments: {}, id: "c4" },
        ],
      },
      { kind: "stream", text: "I could not do it." },
    );
    const sessionId = await newSession(client);
    const run = await converse(client, sessionId, "try tools");
    assert.equal(run.status, "completed", run.error);
    const toolMessages = server.requests.at(-1)!.body.messages.filter((m) => m.role === "tool");
    const errors = Object.fromEntries(toolMessages.map((m) => [m.tool_call_id, JSON.parse(m.content!).error as string]));
    assert.match(errors.c1, /invalid arguments for add: .*\/a must be number/);
    assert.match(errors.c1, /required property 'b'/);
    assert.match(errors.c1, /additional properties "c"/);
    assert.match(errors.c2, /not valid JSON/);
    assert.match(errors.c3, /unknown tool "no_such_tool"; available tools: .*add/);
    assert.match(errors.c4, /explode failed: the explode tool always fails/);
    const results = await events(client, sessionId, { runId: run.id, type: "tool.result" });
    assert.equal(results.length, 4);
    assert.ok(results.every((e) => e.data.ok === false && typeof e.data.error === "string"));
  });

  test("the run fails with a clear reason at the step limit", async () => {
    const loop = { kind: "stream" as const, toolCalls: [{ name: "add", arguments: { a: 1, b: 1 } }] };
    server.script(loop, loop, loop);
    const before = server.requests.length;
    const sessionId = await newSession(client);
    const run = await converse(client, sessionId, "loop forever");
    assert.equal(run.status, "failed");
    assert.match(run.error, /step limit of 3 reached: the model still wanted to call add after 3 model calls; raise --max-steps/);
    assert.equal(server.requests.length - before, 3, "exactly max-steps model calls");
    assert.equal((await events(client, sessionId, { runId: run.id, type: "tool.result" })).length, 2, "tools of the last step are not run");
  });
});
