// Issue #13 item 8: deep JSON, text that is not well-formed Unicode, 401s without
// WWW-Authenticate, and a model name that could reach codex's argv as an option.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { buildArgs } from "../../plugins/provider-codex/src/invocation.ts";
import { CODEX_TEST_ARGS, codexAvailability } from "../codex/codex-harness.ts";
import { api, cleanup, startDaemon, type DaemonHandle } from "../support/daemon.ts";
import { rawRequest } from "./http-raw.ts";

const TOKEN = "input-hardening-token";
const auth = { authorization: `Bearer ${TOKEN}` };
const json = { ...auth, "content-type": "application/json" };

const nested = (depth: number, leaf = '"x"'): string => "[".repeat(depth) + leaf + "]".repeat(depth);

describe("input hardening", () => {
  let d: DaemonHandle;
  let sessionId: string;
  before(async () => {
    d = await startDaemon({ args: ["--auth-token", TOKEN] });
    const s = await api(d.url, TOKEN).post("/sessions", { title: "input" });
    assert.equal(s.status, 201);
    sessionId = s.body.session.id;
  });
  after(async () => {
    await d?.stop();
    cleanup(d.dataDir);
  });

  test("JSON nested 6,000 deep is a 400 naming the depth limit on every body route (it was a 500), 64 levels are fine", async () => {
    const deep = nested(6000);
    for (const [path, field] of [
      ["/sessions", "title"],
      [`/sessions/${sessionId}/messages`, "text"],
      ["/runs", "prompt"],
      ["/escalations/esc_missing/resolve", "decision"],
      ["/stream/tickets", "session_id"],
    ]) {
      const res = await rawRequest(d.url, { method: "POST", path, headers: json, body: `{"${field}":${deep}}` });
      assert.equal(res.status, 400, `${path}: ${res.text.slice(0, 300)}`);
      assert.equal(res.json.error?.code, "validation_error");
      assert.match(res.json.error!.message, /nested deeper than 64 levels at \/\w+\/0\/0/);
    }
    // At the limit the body is parsed and checked by the schema as usual.
    const ok = await rawRequest(d.url, { method: "POST", path: "/sessions", headers: json, body: `{"title":${nested(63)}}` });
    assert.equal(ok.status, 400);
    assert.match(ok.json.error!.message, /\/title must be string/);
    const objects = await rawRequest(d.url, { method: "POST", path: "/sessions", headers: json, body: '{"a":'.repeat(100) + "1" + "}".repeat(100) });
    assert.equal(objects.status, 400);
    assert.match(objects.json.error!.message, /nested deeper than 64 levels/);
    const health = await rawRequest(d.url, { path: "/health" });
    assert.equal(health.status, 200, "the daemon is fine");
  });

  test("a lone surrogate (JSON-escaped) or raw invalid UTF-8 is refused naming the field; nothing is stored", async () => {
    const cases: Array<[string, string | Buffer, RegExp]> = [
      ["/sessions", '{"title":"before \\ud800 after"}', /\/title is not well-formed Unicode/],
      ["/sessions", '{"title":"\\udfff"}', /\/title is not well-formed Unicode/],
      [`/sessions/${sessionId}/messages`, '{"text":"hi \\ud83d","idempotency_key":"lone-1"}', /\/text is not well-formed Unicode/],
      ["/sessions", '{"ti\\ud800tle":"x"}', /\/ \(a key\) is not well-formed/],
      ["/sessions", Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), /not valid UTF-8/],
      ["/sessions", Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), /not valid UTF-8/],
    ];
    for (const [path, body, message] of cases) {
      const res = await rawRequest(d.url, { method: "POST", path, headers: json, body });
      assert.equal(res.status, 400, `${String(body)}: ${res.text}`);
      assert.equal(res.json.error?.code, "validation_error");
      assert.match(res.json.error!.message, message);
    }
    const list = await api(d.url, TOKEN).get("/sessions?limit=500");
    assert.deepEqual(list.body.sessions.map((s: { title: string }) => s.title), ["input"], "no session from a malformed body");
    const messages = await api(d.url, TOKEN).get(`/sessions/${sessionId}/messages`);
    assert.equal(messages.body.messages.length, 0);
    // A well-formed pair (an emoji) and U+FFFD itself are fine.
    const emoji = await rawRequest(d.url, { method: "POST", path: "/sessions", headers: json, body: '{"title":"\\ud83d\\ude00 \ufffd"}' });
    assert.equal(emoji.status, 201, emoji.text);
    assert.equal(emoji.json.session.title, "\u{1f600} \ufffd");
  });

  test("every 401 says how to authenticate: WWW-Authenticate: Bearer on REST and SSE", async () => {
    for (const [method, path, headers] of [
      ["GET", "/sessions", {}],
      ["POST", "/sessions", { "content-type": "application/json" }],
      ["GET", "/daemon/status", { authorization: "Bearer wrong-token-123" }],
      ["GET", "/stream", { accept: "text/event-stream" }],
      ["GET", "/stream?ticket=nope", { accept: "text/event-stream" }],
    ] as const) {
      const res = await rawRequest(d.url, { method, path, headers, body: method === "POST" ? "{}" : undefined });
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.equal(res.headers["www-authenticate"], 'Bearer realm="agentd"', `${method} ${path}`);
    }
    // Auth comes before the body: without a token a bad, mistyped or oversized body is still a 401.
    for (const [headers, body] of [
      [{ "content-type": "application/json" }, '{"title":'],
      [{ "content-type": "text/plain" }, "hello"],
      [{ "content-type": "application/json" }, `{"title":${nested(6000)}}`],
      [{ "content-type": "application/json" }, JSON.stringify({ title: "x".repeat(1_100_000) })],
    ] as const) {
      const res = await rawRequest(d.url, { method: "POST", path: "/sessions", headers, body });
      assert.equal(res.status, 401, `${JSON.stringify(headers)} ${body.slice(0, 20)}: ${res.text}`);
      assert.equal(res.headers["www-authenticate"], 'Bearer realm="agentd"');
      assert.equal(res.headers.connection, "close", "the unread body is not waited for");
    }
  });

  test("a model name must look like one: 400 on every route that takes one, before anything is created", async () => {
    const a = api(d.url, TOKEN);
    for (const model of ["--dangerously-bypass-approvals-and-sandbox", "-c", "gpt 5", "gpt;id", "$(id)", "x".repeat(129), ""]) {
      for (const [path, body] of [
        ["/sessions", { model }],
        [`/sessions/${sessionId}/messages`, { text: "hi", model, idempotency_key: `m-${model.length}-${model.slice(0, 3)}` }],
        ["/runs", { session_id: sessionId, prompt: "hi", model }],
      ] as const) {
        const res = await a.post(path, body);
        assert.equal(res.status, 400, `${path} model=${JSON.stringify(model)}: ${JSON.stringify(res.body)}`);
        assert.match(res.body.error.message, /\/model must/);
      }
    }
    for (const model of ["gpt-5-codex", "o4-mini", "openai/gpt-4.1:latest", "llama3.2_3b"]) {
      const res = await a.post("/sessions", { model });
      assert.equal(res.status, 201, `${model}: ${JSON.stringify(res.body)}`);
    }
  });
});

describe("codex never gets an option where a value belongs", () => {
  test("buildArgs refuses a model, profile or thread id that starts with '-'", () => {
    const base = { sandbox: "read-only", cwd: "/tmp", extraArgs: [], threadId: null, prompt: "-p looks like a flag but is the prompt" };
    assert.deepEqual(buildArgs({ ...base, model: "gpt-5" }).slice(-2), ["--", base.prompt]);
    assert.throws(() => buildArgs({ ...base, model: "--yolo" }), /model.*"--yolo" starts with "-"/);
    assert.throws(() => buildArgs({ ...base, profile: "-x" }), /profile/);
    assert.throws(() => buildArgs({ ...base, threadId: "--last" }), /thread id/);
  });

  const availability = codexAvailability();
  test("a daemon-wide --codex-model starting with '-' fails the run with a clear error instead of reaching codex", { skip: availability.skip }, async () => {
    const d = await startDaemon({ args: [...CODEX_TEST_ARGS, "--codex-model=--yolo"] });
    try {
      const { run } = await api(d.url).converse("hello", { provider: "codex" });
      assert.equal(run.status, "failed", JSON.stringify(run));
      assert.match(run.error, /the -m \(model\) value "--yolo" starts with "-" and would be read as an option/);
    } finally {
      await d.stop();
      cleanup(d.dataDir);
    }
  });
});
