// Structured logs: JSON lines by default when stderr is not a terminal, text with --log-format
// text (or on a terminal), X-Request-Id on every response, and credentials never logged.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createLogger, redact, resolveLogFormat } from "../../core/src/daemon/logger.ts";
import { api, cleanup, startDaemon, startFailure, until, type DaemonHandle } from "../support/daemon.ts";

const TOKEN = "log-test-secret-token-0001";

describe("daemon logs and request ids", () => {
  let d: DaemonHandle;
  before(async () => {
    d = await startDaemon({ args: ["--auth-token", TOKEN, "--log-level", "debug"], env: { AGENTD_LOG_FORMAT: undefined } });
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
  });

  it("writes one JSON object per line, with the listening URL", () => {
    const lines = d.logs().split("\n").filter(Boolean);
    assert.ok(lines.length > 2);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const listening = records.find((r) => r.msg === "agentd listening")!;
    assert.equal(listening.url, d.url);
    assert.equal(listening.level, "info");
    assert.match(String(listening.time), /^\d{4}-\d\d-\d\dT/);
    assert.equal(listening.pid, d.proc.pid);
  });

  it("answers X-Request-Id (the client's when well-formed) and logs it with the request", async () => {
    const client = api(d.url, TOKEN);
    const mine = await client.get("/sessions", { "x-request-id": "client-abc-1" });
    assert.equal(mine.headers.get("x-request-id"), "client-abc-1");
    const bad = await client.get("/sessions", { "x-request-id": "has a space\"" });
    assert.match(bad.headers.get("x-request-id") ?? "", /^req-[0-9a-f]{8}-[0-9a-z]+$/);
    const denied = await api(d.url).get("/sessions", { "x-request-id": "client-abc-2" });
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get("x-request-id"), "client-abc-2", "error responses carry it too");
    const record = await until(() => d.logs().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.request_id === "client-abc-1"), 5_000, "the access log record");
    assert.deepEqual([record.msg, record.method, record.path, record.status], ["request", "GET", "/sessions", 200]);
    assert.ok(!d.logs().includes(TOKEN), "the bearer token never appears in the log");
  });

  it("redacts authorization, token and *_token fields in both formats", () => {
    const fields = { authorization: "Bearer abc", token: "t1", run_token: "t2", nested: { headers: { Authorization: "Bearer x", "x-api-token": "t3" }, ok: 1 }, keep: "visible" };
    assert.deepEqual(redact(fields), { authorization: "[redacted]", token: "[redacted]", run_token: "[redacted]", nested: { headers: { Authorization: "[redacted]", "x-api-token": "[redacted]" }, ok: 1 }, keep: "visible" });
    for (const format of ["json", "text"] as const) {
      const lines: string[] = [];
      createLogger("info", { format, write: (l) => lines.push(l) }).info("hello", fields);
      assert.equal(lines.length, 1);
      assert.doesNotMatch(lines[0], /abc|t1|t2|t3|Bearer x/, format);
      assert.match(lines[0], /visible/);
    }
    assert.equal(resolveLogFormat("auto", true), "text");
    assert.equal(resolveLogFormat("auto", false), "json");
  });

  it("--log-format text keeps the human line format; a bad format stops boot", async () => {
    const t = await startDaemon({ args: ["--log-format", "text"] });
    try {
      assert.match(t.logs(), /^\S+ INFO  agentd listening url="http:\/\/127\.0\.0\.1:\d+"/m);
    } finally {
      await t.stop();
      cleanup(t.dataDir);
    }
    const failed = await startFailure(["--log-format", "xml"]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /--log-format must be json, text or auto, got "xml"/);
  });
});
