// The embedded runtime on a (scripted) OpenAI-compatible API: streaming with coalesced deltas,
// usage, the session transcript as the thread (also after a restart), model selection, and the
// offline default.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { api, cleanup, startDaemon, startFailure, tempDir, type DaemonHandle } from "../support/daemon.ts";
import { startScriptedOpenAIServer, type ScriptedServer } from "../support/scripted-openai-server.ts";
import { MODEL, converse, events, newSession, startEmbeddedDaemon, type Client } from "./helpers.ts";

describe("embedded runtime: offline default", () => {
  let daemon: DaemonHandle;
  before(async () => (daemon = await startDaemon()));
  after(async () => {
    await daemon.stop();
    cleanup(daemon.dataDir);
  });

  test("with no model configured, the offline model answers and diagnose says so", async () => {
    const client = api(daemon.url);
    const sessionId = await newSession(client);
    const run = await converse(client, sessionId, "Respond with exactly: pong");
    assert.equal(run.status, "completed");
    assert.equal(run.output, "pong");
    const echo = await converse(client, sessionId, "hello there");
    assert.match(echo.output, /offline model.*You said: hello there/s);
    const diag = await client.get(`/runs/${run.id}/diagnose`);
    assert.equal(diag.body.diagnostics.model_backend, "offline");
  });
});

describe("embedded runtime: streaming and history", () => {
  let server: ScriptedServer;
  let daemon: DaemonHandle;
  let client: Client;
  before(async () => {
    server = await startScriptedOpenAIServer();
    daemon = await startEmbeddedDaemon(server);
    client = api(daemon.url);
  });
  after(async () => {
    await daemon.stop();
    await server.close();
    cleanup(daemon.dataDir);
  });

  test("many tiny deltas become far fewer delta events; the final text is exact", async () => {
    const text = Array.from({ length: 600 }, (_, i) => `w${i}`).join(" "); // ~3.3 KB in 1-char chunks
    server.script({ kind: "stream", text, chunkSize: 1, usage: { prompt_tokens: 42, completion_tokens: 900 } });
    const sessionId = await newSession(client);
    const run = await converse(client, sessionId, "talk a lot");
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.output, text);
    assert.deepEqual(run.usage, { input_tokens: 42, output_tokens: 900, cached_input_tokens: 0, total_tokens: 942 });

    const deltas = await events(client, sessionId, { runId: run.id, type: "assistant.delta" });
    assert.ok(deltas.length >= 1 && deltas.length < 100, `expected coalesced deltas, got ${deltas.length} for ${text.length} chunks`);
    assert.equal(deltas.map((e) => e.data.text).join(""), text);
    assert.ok(deltas.every((e) => Buffer.byteLength(e.data.text) <= 2048 + 1), "a delta event holds at most ~2 KB");
    const finals = await events(client, sessionId, { runId: run.id, type: "assistant.message" });
    assert.equal(finals.length, 1);
    assert.equal(finals[0].data.text, text);
    assert.ok(finals[0].seq > deltas[deltas.length - 1].seq, "the final message comes after the deltas");

    const req = server.requests.at(-1)!;
    assert.equal(req.body.model, MODEL);
    assert.equal(req.body.stream, true);
    assert.equal(req.body.stream_options?.include_usage, true);
    assert.equal(req.headers.authorization, "Bearer sk-test-key");
    const diag = await client.get(`/runs/${run.id}/diagnose`);
    assert.equal(diag.body.diagnostics.model_backend, "openai-compatible");
    assert.equal(diag.body.diagnostics.model, MODEL);
    assert.equal(diag.body.diagnostics.model_base_url, server.baseUrl);
  });

  test("a second message continues the conversation, also after a daemon restart", async () => {
    const sessionId = await newSession(client);
    server.script({ kind: "stream", text: "Nice to meet you, Ada." });
    assert.equal((await converse(client, sessionId, "My name is Ada.")).output, "Nice to meet you, Ada.");
    server.script({ kind: "stream", text: "Your name is Ada." });
    assert.equal((await converse(client, sessionId, "What is my name?")).output, "Your name is Ada.");
    const second = server.requests.at(-1)!.body.messages.map((m) => [m.role, m.content]);
    assert.deepEqual(second, [
      ["user", "My name is Ada."],
      ["assistant", "Nice to meet you, Ada."],
      ["user", "What is my name?"],
    ]);

    await daemon.stop();
    daemon = await startEmbeddedDaemon(server, [], daemon.dataDir);
    client = api(daemon.url);
    server.script({ kind: "stream", text: "Still Ada." });
    assert.equal((await converse(client, sessionId, "And now?")).output, "Still Ada.");
    const third = server.requests.at(-1)!.body.messages.map((m) => [m.role, m.content]);
    assert.deepEqual(third, [...second, ["assistant", "Your name is Ada."], ["user", "And now?"]]);
  });
});

describe("embedded runtime: model selection from the config file", () => {
  let server: ScriptedServer;
  let daemon: DaemonHandle;
  let dir: string;
  before(async () => {
    server = await startScriptedOpenAIServer();
    dir = tempDir();
    const config = join(dir, "agentd.json");
    writeFileSync(config, JSON.stringify({
      pluginConfig: {
        "provider-embedded": {
          models: {
            fast: { baseUrl: server.baseUrl, model: "fast-model", apiKeyEnv: "FAST_KEY" },
            smart: { baseUrl: server.baseUrl, model: "smart-model" },
          },
          defaultModel: "smart",
          systemPrompt: "You are a test.",
        },
      },
    }));
    daemon = await startDaemon({ args: ["--config", config], env: { FAST_KEY: "sk-fast" }, dataDir: dir });
  });
  after(async () => {
    await daemon.stop();
    await server.close();
    cleanup(dir);
  });

  test("a session picks a named entry, a raw model id, the default entry, or the offline model", async () => {
    const client = api(daemon.url);
    server.script({ kind: "stream", text: "from fast" }, { kind: "stream", text: "from raw" }, { kind: "stream", text: "from default" });
    assert.equal((await converse(client, await newSession(client, { model: "fast" }), "hi")).output, "from fast");
    assert.equal(server.requests.at(-1)!.body.model, "fast-model");
    assert.equal(server.requests.at(-1)!.headers.authorization, "Bearer sk-fast");
    assert.deepEqual(server.requests.at(-1)!.body.messages[0], { role: "system", content: "You are a test." });

    assert.equal((await converse(client, await newSession(client, { model: "some-raw-id" }), "hi")).output, "from raw");
    assert.equal(server.requests.at(-1)!.body.model, "some-raw-id");

    assert.equal((await converse(client, await newSession(client), "hi")).output, "from default");
    assert.equal(server.requests.at(-1)!.body.model, "smart-model");

    const before = server.requests.length;
    const offline = await converse(client, await newSession(client, { model: "offline" }), "Respond with exactly: local");
    assert.equal(offline.output, "local");
    assert.equal(server.requests.length, before, "the offline model makes no request");
  });

  test("--model without --model-base-url, or a malformed base URL, fails at boot saying what to set", async () => {
    const { code, stderr } = await startFailure(["--model", "llama3.2"]);
    assert.notEqual(code, 0);
    assert.match(stderr, /--model is set \(llama3\.2\) but --model-base-url is not/);
    const badUrl = await startFailure(["--model-base-url", "localhost:11434", "--model", "m"]);
    assert.match(badUrl.stderr, /--model-base-url must be an http\(s\) URL like http:\/\/127\.0\.0\.1:11434\/v1, got "localhost:11434"/);
  });

  test("a config naming a missing default entry fails at boot with the reason", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ pluginConfig: { "provider-embedded": { models: {}, defaultModel: "nope" } } }));
    await assert.rejects(startDaemon({ args: ["--config", bad] }), (err: Error & { stderr?: string }) => {
      assert.match(err.stderr ?? err.message, /defaultModel.*"nope"/);
      return true;
    });
  });
});
