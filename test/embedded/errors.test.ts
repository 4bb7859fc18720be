// The embedded runtime when the model API misbehaves: 429 with Retry-After then success, 5xx
// until retries run out, 401/404 failing at once, a hanging model cut off by the idle timeout,
// and cancel mid-stream aborting the HTTP request.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { api, cleanup, until, type DaemonHandle } from "../support/daemon.ts";
import { startScriptedOpenAIServer, type ScriptedServer } from "../support/scripted-openai-server.ts";
import { KEY_ENV, MODEL, converse, events, finished, newSession, send, startEmbeddedDaemon, type Client } from "./helpers.ts";

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms).unref())]);

describe("embedded runtime: model API errors", () => {
  let server: ScriptedServer;
  let daemon: DaemonHandle;
  let client: Client;
  before(async () => {
    server = await startScriptedOpenAIServer();
    daemon = await startEmbeddedDaemon(server, ["--model-max-retries", "1", "--model-idle-timeout-ms", "3000"]);
    client = api(daemon.url);
  });
  after(async () => {
    await daemon.stop();
    await server.close();
    cleanup(daemon.dataDir);
  });

  test("429 with Retry-After is retried after the requested delay, visibly", async () => {
    server.script({ kind: "error", status: 429, message: "slow down", headers: { "retry-after": "1" } }, { kind: "stream", text: "made it" });
    const before = server.requests.length;
    const sessionId = await newSession(client);
    const run = await converse(client, sessionId, "hello");
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.output, "made it");
    const retries = await events(client, sessionId, { runId: run.id, type: "model.retry" });
    assert.equal(retries.length, 1);
    assert.equal(retries[0].data.status, 429);
    assert.equal(retries[0].data.attempt, 1);
    assert.equal(retries[0].data.retry_after_ms, 1000);
    assert.equal(retries[0].data.delay_ms, 1000);
    assert.match(retries[0].data.reason, /answered 429 .*slow down/);
    const [first, second] = server.requests.slice(before);
    assert.ok(second.receivedAt - first.receivedAt >= 950, "the retry waited for Retry-After");
  });

  test("5xx is retried a bounded number of times, then the run fails saying so", async () => {
    server.script({ kind: "error", status: 500, message: "boom" }, { kind: "error", status: 503, message: "overloaded" });
    const sessionId = await newSession(client);
    const run = await converse(client, sessionId, "hello");
    assert.equal(run.status, "failed", JSON.stringify(run));
    assert.match(run.error, /model "scripted-model" at http:\/\/127\.0\.0\.1:\d+\/v1 answered 503 .*overloaded.*gave up after 2 attempts .*--model-max-retries/);
    const retries = await events(client, sessionId, { runId: run.id, type: "model.retry" });
    assert.deepEqual(retries.map((e) => e.data.status), [500]);
    assert.ok(retries[0].data.delay_ms > 0, "backoff waits");
  });

  test("401 fails at once, naming the endpoint, the model and the key variable", async () => {
    server.script({ kind: "error", status: 401, message: "Incorrect API key provided" });
    const before = server.requests.length;
    const sessionId = await newSession(client);
    const run = await converse(client, sessionId, "hello");
    assert.equal(run.status, "failed", JSON.stringify(run));
    assert.ok(run.error.includes(`model "${MODEL}" at ${server.baseUrl} rejected the request with 401`), run.error);
    assert.match(run.error, new RegExp(`Incorrect API key provided.*check the API key in \\$${KEY_ENV}`));
    assert.equal(server.requests.length - before, 1, "not retried");
    assert.equal((await events(client, sessionId, { runId: run.id, type: "model.retry" })).length, 0);
  });

  test("404 fails at once and says to check the base URL and the model id", async () => {
    server.script({ kind: "error", status: 404, message: "model not found" });
    const run = await converse(client, await newSession(client), "hello");
    assert.equal(run.status, "failed", JSON.stringify(run));
    assert.match(run.error, /answered 404 .*model not found.*check that --model-base-url ends where the API lives .*model id exists/);
  });

  test("a hanging model is cut off by the idle timeout (retried, then failed)", async () => {
    server.script({ kind: "hang" }, { kind: "hang" });
    const before = server.requests.length;
    const sessionId = await newSession(client);
    const run = await converse(client, sessionId, "hello");
    assert.equal(run.status, "failed", JSON.stringify(run));
    assert.match(run.error, /sent nothing for 3000 ms \(idle timeout\).*raise --model-idle-timeout-ms.*gave up after 2 attempts/);
    const retries = await events(client, sessionId, { runId: run.id, type: "model.retry" });
    assert.equal(retries.length, 1);
    assert.match(retries[0].data.reason, /idle timeout/);
    const hung = server.requests.slice(before);
    assert.equal(hung.length, 2);
    await within(Promise.all(hung.map((r) => r.ended)), 10_000, "the hung requests to be closed");
    assert.ok(hung.every((r) => r.closedEarlyAt !== null), "the runtime closed the hanging connections");
  });

  test("a model that hangs after streaming text is not retried (it would repeat the text)", async () => {
    server.script({ kind: "hang", text: "partial answer" }, { kind: "stream", text: "must not be used" });
    const sessionId = await newSession(client);
    const run = await converse(client, sessionId, "hello");
    assert.equal(run.status, "failed", JSON.stringify(run));
    assert.match(run.error, /idle timeout.*after part of the answer had streamed \(not retried/);
    const deltas = await events(client, sessionId, { runId: run.id, type: "assistant.delta" });
    assert.equal(deltas.map((e) => e.data.text).join(""), "partial answer");
    assert.deepEqual(server.unused(), [{ kind: "stream", text: "must not be used" }]);
  });

  test("a stream dropped before any text is retried; the retry says why", async () => {
    server.script({ kind: "drop" }, { kind: "stream", text: "second try" });
    const sessionId = await newSession(client);
    const run = await converse(client, sessionId, "hello");
    assert.equal(run.status, "completed", JSON.stringify(run));
    assert.equal(run.output, "second try");
    const retries = await events(client, sessionId, { runId: run.id, type: "model.retry" });
    assert.equal(retries.length, 1);
    assert.match(retries[0].data.reason, /stream ended before the model said it was done/);
  });

  test("cancel mid-stream aborts the model request and the run ends canceled", async () => {
    const text = "x".repeat(2000);
    server.script({ kind: "stream", text, chunkSize: 1, delayMs: 20 }); // ~40 s if not canceled
    const before = server.requests.length;
    const sessionId = await newSession(client);
    const runId = await send(client, sessionId, "long answer please");
    await until(async () => (await events(client, sessionId, { runId, type: "assistant.delta" })).length > 0, 20_000, "the first delta");
    const cancel = await client.post(`/runs/${runId}/cancel`, {});
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    const run = await finished(client, runId, 20);
    assert.equal(run.status, "canceled");
    const request = server.requests[before];
    await within(request.ended, 10_000, "the model server to see the connection close");
    assert.notEqual(request.closedEarlyAt, null, "the HTTP request was aborted before the stream finished");
    const finals = await events(client, sessionId, { runId, type: "assistant.message" });
    assert.equal(finals.length, 0, "no final message for a canceled run");
  });
});
