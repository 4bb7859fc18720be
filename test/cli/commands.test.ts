// Every core agentctl command end to end against a real daemon: pretty, --format json, --field,
// idempotency, env defaults, and the daemon's 4xx errors as exit code 4.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { tmpdir } from "node:os";
import { cleanup, startDaemon, type DaemonHandle } from "../support/daemon.ts";
import { agentctl, ok } from "./cli-helpers.ts";

describe("agentctl commands against a real daemon", () => {
  let d: DaemonHandle;
  let sessionId: string;
  let runId: string;

  before(async () => {
    d = await startDaemon({ args: ["--plugin", "./test/fixtures/plugins/slow-provider.ts"] });
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
  });

  it("daemon status: pretty facts, --field values and compact --format json", async () => {
    const pretty = await ok(d.url, ["--format", "pretty", "daemon", "status"]);
    assert.match(pretty, /^health\s+ok$/m);
    assert.match(pretty, /^workers\s+\d+\/\d+ alive$/m);
    assert.equal(await ok(d.url, ["--field", "daemon_health", "daemon", "status"]), "ok");
    assert.match(await ok(d.url, ["--field", "alive_workers", "daemon", "status"]), /^[1-9]\d*$/);
    assert.equal(await ok(d.url, ["daemon", "status", "--field", "queue_counts.queued_count"]), "0");
    const json = await ok(d.url, ["--format", "json", "daemon", "status"]);
    assert.equal(json.split("\n").length, 1, "one compact JSON document");
    const status = JSON.parse(json);
    assert.equal(status.url, d.url);
    assert.ok(Array.isArray(status.providers));
    // Objects print as JSON under --field.
    assert.deepEqual(JSON.parse(await ok(d.url, ["--field", "queue_counts", "daemon", "status"])), status.queue_counts);
  });

  it("session create / get / list", async () => {
    sessionId = await ok(d.url, ["--field", "session.id", "session", "create", "--title", "cli test", "--cwd", tmpdir()]);
    assert.match(sessionId, /^ses_/);
    const got = JSON.parse(await ok(d.url, ["session", "get", "--session-id", sessionId, "--format", "json"]));
    assert.equal(got.session.title, "cli test");
    assert.equal(got.session.cwd, tmpdir());
    assert.match(await ok(d.url, ["--format", "pretty", "session", "get", "--session-id", sessionId]), /^title\s+cli test$/m);
    const list = JSON.parse(await ok(d.url, ["--format", "json", "session", "list"]));
    assert.ok(list.sessions.some((s: { id: string }) => s.id === sessionId));
    assert.match(await ok(d.url, ["--format", "pretty", "session", "list"]), new RegExp(`^${sessionId}\\s+auto\\s+cli test`, "m"));
    assert.equal(await ok(d.url, ["--field", "sessions.0.id", "session", "list", "--limit", "1"]), JSON.parse(JSON.stringify(list.sessions[0].id)));
  });

  it("message send, run wait, run get, run diagnose", async () => {
    runId = await ok(d.url, ["--field", "run.id", "message", "send", "--session-id", sessionId, "--text", "Respond with exactly: pong"]);
    assert.match(runId, /^run_/);
    assert.equal(await ok(d.url, ["--field", "run.status", "run", "wait", "--run-id", runId, "--timeout-s", "60"]), "completed");
    assert.equal(await ok(d.url, ["--field", "run.output", "run", "get", "--run-id", runId]), "pong");
    const waited = JSON.parse(await ok(d.url, ["--format", "json", "run", "wait", "--run-id", runId]));
    assert.equal(waited.timed_out, false);
    assert.match(await ok(d.url, ["--format", "pretty", "run", "get", "--run-id", runId]), /^status\s+completed$/m);
    const diag = JSON.parse(await ok(d.url, ["--format", "json", "run", "diagnose", "--run-id", runId]));
    assert.equal(diag.diagnostics.likely_issue, null);
    assert.equal(await ok(d.url, ["--field", "diagnostics.likely_issue", "run", "diagnose", "--run-id", runId]), "null");
    assert.match(await ok(d.url, ["--format", "pretty", "run", "diagnose", "--run-id", runId]), /likely issue: none found/);
  });

  it("message send reuses a given idempotency key: same message and run", async () => {
    const args = ["--format", "json", "message", "send", "--session-id", sessionId, "--text", "Respond with exactly: once", "--idempotency-key", "cli-key-1"];
    const first = JSON.parse(await ok(d.url, args));
    const second = JSON.parse(await ok(d.url, args));
    assert.equal(second.run.id, first.run.id);
    assert.equal(second.message.id, first.message.id);
    // Without a key each send is a new message (a key is generated per invocation).
    const a = await ok(d.url, ["--field", "run.id", "message", "send", "--session-id", sessionId, "--text", "x"]);
    const b = await ok(d.url, ["--field", "run.id", "message", "send", "--session-id", sessionId, "--text", "x"]);
    assert.notEqual(a, b);
    await ok(d.url, ["run", "wait", "--run-id", b, "--timeout-s", "60"]);
  });

  it("run cancel and run transition (and an illegal transition is exit 4 with the server's code)", async () => {
    const slow = await ok(d.url, ["--field", "session.id", "session", "create", "--provider", "slow"]);
    const run = await ok(d.url, ["--field", "run.id", "message", "send", "--session-id", slow, "--text", "sleep 60000"]);
    assert.equal(await ok(d.url, ["--field", "run.status", "run", "cancel", "--run-id", run, "--reason", "test"]), "canceled");
    const illegal = await agentctl(["run", "transition", "--run-id", run, "--to-status", "running"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(illegal.code, 4, illegal.stderr);
    assert.match(illegal.stderr, /illegal_transition \(HTTP 409\)/);
    const run2 = await ok(d.url, ["--field", "run.id", "message", "send", "--session-id", slow, "--text", "sleep 60000"]);
    await ok(d.url, ["run", "wait", "--run-id", run2, "--timeout-s", "0"]).catch(() => undefined);
    assert.equal(await ok(d.url, ["--field", "run.status", "run", "transition", "--run-id", run2, "--to-status", "failed", "--reason", "operator"]), "failed");
  });

  it("events list and events tail (without --follow), with --field and json lines", async () => {
    const page = JSON.parse(await ok(d.url, ["--format", "json", "events", "list", "--session-id", sessionId, "--limit", "2"]));
    assert.equal(page.events.length, 2);
    assert.equal(page.events[0].event_type, "session.created");
    const next = await ok(d.url, ["--field", "next_cursor", "events", "list", "--session-id", sessionId, "--cursor", "0", "--limit", "2"]);
    assert.equal(Number(next), page.events[1].seq);
    const types = (await ok(d.url, ["--field", "event_type", "events", "tail", "--session-id", sessionId])).split("\n");
    assert.equal(types[0], "session.created");
    assert.ok(types.includes("run.completed"));
    const lines = (await ok(d.url, ["--format", "json", "events", "tail", "--session-id", sessionId, "--cursor", next])).split("\n").map((l) => JSON.parse(l));
    assert.ok(lines.every((e) => e.seq > Number(next)));
    assert.deepEqual(lines.map((e) => e.seq), [...lines.map((e) => e.seq)].sort((x, y) => x - y));
    assert.match(await ok(d.url, ["events", "tail", "--session-id", sessionId]), /session\.created/);
  });

  it("flags default from the run environment (AGENTD_URL, AGENTD_SESSION_ID) and work from any directory", async () => {
    const r = await agentctl(["--field", "session.id", "session", "get"], { env: { AGENTD_URL: d.url, AGENTD_SESSION_ID: sessionId }, cwd: tmpdir() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), sessionId);
    // A relative --cwd is resolved against the caller's directory (the daemon wants absolute paths).
    const rel = await agentctl(["--field", "session.cwd", "session", "create", "--cwd", "."], { env: { AGENTCTL_URL: d.url }, cwd: tmpdir() });
    assert.equal(rel.code, 0, rel.stderr);
    assert.equal(rel.stdout.trim(), tmpdir());
    // AGENTCTL_URL beats AGENTD_URL.
    const both = await agentctl(["--field", "url", "daemon", "status"], { env: { AGENTCTL_URL: d.url, AGENTD_URL: "http://127.0.0.1:9" } });
    assert.equal(both.stdout.trim(), d.url);
  });

  it("404, validation errors and a missing --field fail with distinct exit codes", async () => {
    const missing = await agentctl(["run", "get", "--run-id", "run_nope"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(missing.code, 4);
    assert.match(missing.stderr, /not_found \(HTTP 404\): run run_nope not found/);
    assert.equal(missing.stdout, "");
    const invalid = await agentctl(["session", "create", "--provider", "Bad Name!"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(invalid.code, 4);
    assert.match(invalid.stderr, /validation_error \(HTTP 400\)/);
    const unknown = await agentctl(["session", "create", "--provider", "nosuch"], { env: { AGENTCTL_URL: d.url } });
    assert.match(unknown.stderr, /unknown provider "nosuch"/);
    const field = await agentctl(["--field", "session.nope.deeper", "session", "get", "--session-id", sessionId], { env: { AGENTCTL_URL: d.url } });
    assert.equal(field.code, 1);
    assert.match(field.stderr, /field "session\.nope\.deeper" is not in the response \(nothing at "session\.nope"\)/);
    const index = await agentctl(["--field", "sessions.99999.id", "session", "list"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(index.code, 1);
    assert.match(index.stderr, /sessions\.99999/);
    const usage = await agentctl(["run", "get"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /Missing required flag run-id/);
    const badFormat = await agentctl(["--format", "yaml", "daemon", "status"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(badFormat.code, 2);
  });

  it("run wait gives up after --timeout-s with exit 5, still printing the run", async () => {
    const slow = await ok(d.url, ["--field", "session.id", "session", "create", "--provider", "slow"]);
    const run = await ok(d.url, ["--field", "run.id", "message", "send", "--session-id", slow, "--text", "sleep 60000"]);
    const r = await agentctl(["--field", "run.status", "run", "wait", "--run-id", run, "--timeout-s", "1"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stdout.trim(), /^(queued|running)$/);
    assert.match(r.stderr, /still (queued|running) after 1s.*agentctl run diagnose --run-id/);
    const json = await agentctl(["--format", "json", "tool", "session-wait", "--run-id", run, "--timeout-s", "1"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(json.code, 5);
    assert.equal(JSON.parse(json.stdout).timed_out, true);
    await ok(d.url, ["run", "cancel", "--run-id", run]);
    assert.equal(await ok(d.url, ["--field", "run.status", "tool", "session-wait", "--run-id", run]), "canceled");
  });
});
